/* config_table — every configuration option of vigie, in one table (see config.h).
 * Adding an option: a field in struct vg_config and one row here. */
#include "daemon/config.h"
#include "queue/queue_contract.h"

#include <stddef.h>

#define F(field) offsetof(struct vg_config, field)
#define MS(x) ((long long)(x))
#define SEC(x) ((long long)(x) * 1000)

const struct vg_option vg_options[] = {
    /* [daemon] */
    {"daemon", "state_dir", VG_OPT_PATH, "/var/lib/vigie", 0, 0, F(state_dir), NULL, VG_OPT_RESTART,
     "directory for the embedded Redis and local state ($STATE_DIRECTORY under systemd wins over the default)"},
    {"daemon", "instance", VG_OPT_STRING, "", 0, 0, F(instance), NULL, VG_OPT_RESTART,
     "stable name of this process among the vigie processes sharing one Redis (default: host name)"},
    {"daemon", "roles", VG_OPT_ENUM, "all", 0, 0, F(roles), "all|fetch|enrich|sink", VG_OPT_RESTART,
     "the work this process takes: all, or only fetch (poll sources into items), enrich (items into signals) or sink (deliver signals and contacts to the enabled [sink.NAME] sections)"},
    {"daemon", "shutdown_timeout", VG_OPT_DURATION, "10s", SEC(1), SEC(300), F(shutdown_timeout_ms), NULL, 0,
     "on SIGTERM, how long in-flight work may take to finish or be handed back before exit"},
    {"daemon", "housekeeping", VG_OPT_DURATION, "1s", MS(100), SEC(60), F(housekeeping_ms), NULL, VG_OPT_RESTART,
     "period of the housekeeping timer (systemd status and watchdog, account changes, metrics)"},

    /* [log] */
    {"log", "level", VG_OPT_ENUM, "info", 0, 0, F(log_level), "error|warning|notice|info|debug", 0,
     "lowest level written to stderr"},
    {"log", "format", VG_OPT_ENUM, "auto", 0, 0, F(log_format), "auto|text|journal|json", 0,
     "auto: journald priority prefixes when stderr is the journal, plain text otherwise"},

    /* [admin] */
    {"admin", "listen", VG_OPT_LISTEN, "127.0.0.1:9746", 0, 0, F(admin_listen), NULL, VG_OPT_RESTART,
     "admin HTTP endpoint (/healthz, /readyz, /metrics): HOST:PORT (port 0 picks one), unix:PATH, or off"},
    {"admin", "max_connections", VG_OPT_INT, "64", 1, 10000, F(admin_max_connections), NULL, 0,
     "admin connections served at once; one more is answered 503 and closed"},
    {"admin", "max_per_address", VG_OPT_INT, "16", 0, 10000, F(admin_max_per_address), NULL, 0,
     "of those, connections from one client address (0: no per-address share; none on a unix socket)"},
    {"admin", "request_timeout", VG_OPT_DURATION, "10s", SEC(1), SEC(300), F(admin_request_timeout_ms), NULL, 0,
     "time a client has to send a whole request (line and headers), and again to take the reply; a slower one gets 408 and is closed"},

    /* [console] */
    {"console", "listen", VG_OPT_LISTEN, "off", 0, 0, F(console_listen), NULL, VG_OPT_RESTART,
     "the web console (/ui/): HOST:PORT (e.g. 127.0.0.1:9747; port 0 picks one), unix:PATH, or off; off loopback it needs token or user and password_hash. Its request limits are [admin]'s"},
    {"console", "public_url", VG_OPT_STRING, "", 0, 0, F(console_public_url), NULL, VG_OPT_RESTART,
     "the console's address as people reach it, http:// or https:// (e.g. https://vigie.example.com): alerts, e-mails and CRM notes then link its account and signal pages"},
    {"console", "token", VG_OPT_STRING, "", 0, 0, F(console_token), NULL, VG_OPT_SENSITIVE | VG_OPT_RESTART,
     "a bearer token that opens the console (Authorization: Bearer TOKEN); best as env:NAME, file:PATH or credential:NAME"},
    {"console", "user", VG_OPT_STRING, "", 0, 0, F(console_user), NULL, VG_OPT_RESTART,
     "the user name of the console's Basic authentication (with password_hash)"},
    {"console", "password_hash", VG_OPT_STRING, "", 0, 0, F(console_password_hash), NULL, VG_OPT_SENSITIVE | VG_OPT_RESTART,
     "sha256:SALT:HEX, HEX the SHA-256 of SALT followed by the password (README \"Web console\"); best as file:PATH or credential:NAME"},

    /* [redis] */
    {"redis", "url", VG_OPT_REDIS_URL, "embedded", 0, 0, F(redis_url), NULL, VG_OPT_RESTART,
     "embedded (vigie runs its own redis-server in state_dir), redis://[user[:pass]@]host:port/db or unix:///path/redis.sock?db=N"},
    {"redis", "password", VG_OPT_STRING, "", 0, 0, F(redis_password), NULL, VG_OPT_SENSITIVE | VG_OPT_RESTART,
     "Redis AUTH password; best as env:NAME, file:PATH or credential:NAME"},
    {"redis", "prefix", VG_OPT_STRING, QUEUE_DEFAULT_PREFIX, 0, 0, F(redis_prefix), NULL, VG_OPT_RESTART,
     "prefix of every Redis key vigie uses"},
    {"redis", "server", VG_OPT_STRING, "redis-server", 0, 0, F(redis_server), NULL, VG_OPT_RESTART,
     "redis-server binary for the embedded mode (searched in PATH)"},
    {"redis", "connect_timeout", VG_OPT_DURATION, "5s", MS(100), SEC(60), F(redis_connect_timeout_ms), NULL, VG_OPT_RESTART,
     "give up a connection attempt after this long"},
    {"redis", "ping_interval", VG_OPT_DURATION, "2s", MS(100), SEC(60), F(redis_ping_interval_ms), NULL, VG_OPT_RESTART,
     "how often the PING watchdog checks the connection"},
    {"redis", "ping_timeout", VG_OPT_DURATION, "5s", MS(100), SEC(300), F(redis_ping_timeout_ms), NULL, VG_OPT_RESTART,
     "a connection that has not answered a PING for this long is dropped and reopened"},
    {"redis", "backoff_max", VG_OPT_DURATION, "10s", MS(100), SEC(600), F(redis_backoff_max_ms), NULL, VG_OPT_RESTART,
     "cap of the jittered exponential backoff between reconnection attempts"},

    /* [fetch] */
    {"fetch", "interval", VG_OPT_DURATION, "15m", SEC(10), SEC(7 * 86400), F(fetch_interval_ms), NULL, 0,
     "polling interval given to a source added without one (read by `vigie sources add` and `import` when they run; a source keeps the interval it was given)"},
    {"fetch", "backoff_max", VG_OPT_DURATION, "6h", SEC(60), SEC(7 * 86400), F(fetch_backoff_max_ms), NULL, 0,
     "a failing source's interval doubles at each failure up to this"},
    {"fetch", "lease", VG_OPT_DURATION, "5m", SEC(10), SEC(3600), F(fetch_lease_ms), NULL, 0,
     "how long a process owns a source it is polling; a crashed process's sources are polled again after it"},
    {"fetch", "recent_window", VG_OPT_DURATION, "2d", 0, SEC(3650LL * 86400), F(fetch_recent_window_ms), NULL, 0,
     "on the first poll of a new source, items published within this window are passed on; older ones are only recorded as seen"},
    {"fetch", "dedup_ttl", VG_OPT_DURATION, "30d", SEC(3600), SEC(365 * 86400), F(fetch_dedup_ttl_ms), NULL, 0,
     "how long an item (its canonical URL and its content fingerprint) is remembered as already seen, from the last poll that brought it"},
    {"fetch", "items_maxlen", VG_OPT_INT, "1000000", 1000, 1000000000, F(fetch_items_maxlen), NULL, 0,
     "approximate cap of the items stream; keep it well above the backlog of the enrich stage"},
    {"fetch", "items_retention", VG_OPT_DURATION, "1d", 0, SEC(3650LL * 86400), F(fetch_items_retention_ms), NULL, 0,
     "items older than this leave the items stream (checked every minute; never one the enrich stage has not acknowledged); 0: only items_maxlen bounds it"},
    {"fetch", "timeout", VG_OPT_DURATION, "30s", SEC(1), SEC(600), F(fetch_timeout_ms), NULL, VG_OPT_RESTART,
     "total time allowed for one fetch"},
    {"fetch", "connect_timeout", VG_OPT_DURATION, "10s", MS(100), SEC(120), F(fetch_connect_timeout_ms), NULL, VG_OPT_RESTART,
     "time allowed to resolve and connect"},
    {"fetch", "max_body", VG_OPT_SIZE, "8M", 1024, 1LL << 30, F(fetch_max_body), NULL, VG_OPT_RESTART,
     "largest body accepted, counted after decompression"},
    {"fetch", "max_redirects", VG_OPT_INT, "5", 0, 20, F(fetch_max_redirects), NULL, VG_OPT_RESTART,
     "redirects followed per fetch"},
    {"fetch", "max_in_flight", VG_OPT_INT, "64", 1, 10000, F(fetch_max_in_flight), NULL, VG_OPT_RESTART,
     "fetches running at once in this process"},
    {"fetch", "per_host", VG_OPT_INT, "2", 1, 100, F(fetch_per_host), NULL, VG_OPT_RESTART,
     "fetches running at once against one host"},
    {"fetch", "per_host_delay", VG_OPT_DURATION, "1s", 0, SEC(600), F(fetch_per_host_delay_ms), NULL, VG_OPT_RESTART,
     "minimum delay between two requests to one host"},
    {"fetch", "allow_file", VG_OPT_BOOL, "no", 0, 0, F(fetch_allow_file), NULL, VG_OPT_RESTART,
     "allow file:// sources (the bundled examples); never on a server fetching the open web"},
    {"fetch", "allow_private", VG_OPT_CIDRS, "", 0, 0, F(fetch_allow_private), NULL, VG_OPT_RESTART,
     "CIDR ranges that may be fetched although private, loopback or link-local (e.g. 127.0.0.0/8 for tests)"},
    {"fetch", "user_agent", VG_OPT_STRING, "vigie/" VIGIE_VERSION " (account monitoring)", 0, 0, F(fetch_user_agent), NULL, VG_OPT_RESTART,
     "User-Agent header of every request"},

    {"fetch", "news_search", VG_OPT_URL_TEMPLATE, "", 0, 0, F(fetch_news_search), NULL, 0,
     "URL template of one news search feed per account ({name} and {id} are replaced, URL-encoded), "
     "e.g. https://news.google.com/rss/search?q=%22{name}%22&hl=fr; empty: none"},
    {"fetch", "news_interval", VG_OPT_DURATION, "1h", SEC(60), SEC(7 * 86400), F(fetch_news_interval_ms), NULL, 0,
     "polling interval of the per-account news search sources"},

    /* [enrich] */
    {"enrich", "rules", VG_OPT_DIR, "", 0, 0, F(enrich_rules_dir), NULL, 0,
     "directory of *.rules files replacing the shipped signal rules (start from a copy of rules/); empty: the shipped rules"},
    {"enrich", "story_window", VG_OPT_DURATION, "3d", SEC(60), SEC(60 * 86400), F(enrich_story_window_ms), NULL, VG_OPT_RESTART,
     "how long a story gathers its sources: the same event told again within it grows one signal instead of raising another"},

    /* [pipeline] */
    {"pipeline", "max_lag", VG_OPT_INT, "10000", 10, 100000000, F(pipe_max_lag), NULL, 0,
     "backpressure: fetching pauses while the enrich stage is more than this many items behind (resumes at half)"},
    {"pipeline", "batch", VG_OPT_INT, "64", 1, 10000, F(pipe_batch), NULL, VG_OPT_RESTART,
     "stream entries read at once by a stage"},
    {"pipeline", "reclaim_idle", VG_OPT_DURATION, "60s", MS(500), SEC(86400), F(pipe_reclaim_idle_ms), NULL, VG_OPT_RESTART,
     "an entry pending this long (its consumer failed or died) is taken over by another process"},
    {"pipeline", "max_deliveries", VG_OPT_INT, "5", 1, 1000, F(pipe_max_deliveries), NULL, VG_OPT_RESTART,
     "deliveries of an entry before it moves to the dead-letter stream"},
    {"pipeline", "maxlen", VG_OPT_INT, "1000000", 1000, 1000000000, F(pipe_maxlen), NULL, VG_OPT_RESTART,
     "approximate cap of the signals and contacts streams (what it removes before a sink acknowledged it is counted in vigie status)"},
    {"pipeline", "retention", VG_OPT_DURATION, "400d", 0, SEC(3650LL * 86400), F(pipe_retention_ms), NULL, 0,
     "signals and contacts older than this leave their streams (checked every minute; never one a sink has not acknowledged); 0: only maxlen bounds them"},
    {"pipeline", "dlq_maxlen", VG_OPT_INT, "10000", 100, 1000000000, F(pipe_dlq_maxlen), NULL, VG_OPT_RESTART,
     "approximate cap of the dead-letter stream: the oldest dead letters go first, counted in vigie status and /metrics"},
    {"pipeline", "dedup_ttl", VG_OPT_DURATION, "30d", SEC(3600), SEC(365 * 86400), F(pipe_dedup_ttl_ms), NULL, VG_OPT_RESTART,
     "how long a signal's id is remembered, so a redelivered item never produces it twice"},

    /* [review] (read by `vigie review` when it runs; enrich/review.c) */
    {"review", "half_life", VG_OPT_DURATION, "30d", SEC(86400), SEC(3650LL * 86400), F(review_half_life_ms), NULL, 0,
     "an account's heat is the sum of its signals' priorities, each halved for every half_life of age (capped at 100)"},
    {"review", "evidence_window", VG_OPT_DURATION, "365d", SEC(86400), SEC(3650LL * 86400), F(review_evidence_window_ms), NULL, 0,
     "signals older than this no longer move the axis scores (they still heat, a little)"},
    {"review", "bar", VG_OPT_INT, "60", 0, 100, F(review_bar), NULL, 0,
     "the key-account bar on the weighted axis score (0-100): a candidate or standard account meeting it is to be promoted, a key account under it watched"},
    {"review", "deselect_bar", VG_OPT_INT, "40", 0, 100, F(review_deselect_bar), NULL, 0,
     "a key account whose weighted axis score is under this for deselect_after reviews in a row is to be de-selected (one hit by an insolvency at once)"},
    {"review", "deselect_after", VG_OPT_INT, "2", 1, 24, F(review_deselect_after), NULL, 0,
     "a key account under deselect_bar is to be de-selected at this many saved reviews in a row (`vigie review --save`); before, watched"},
    {"review", "watch_heat", VG_OPT_INT, "50", 0, 101, F(review_watch_heat), NULL, 0,
     "an account under the bar but this hot is to be watched (101: never)"},
    {"review", "weight_quantitative", VG_OPT_INT, "40", 0, 100, F(review_w_quantitative), NULL, 0,
     "weight of the quantitative axis (revenue, margin, growth potential) in the weighted score"},
    {"review", "weight_strategic", VG_OPT_INT, "30", 0, 100, F(review_w_strategic), NULL, 0,
     "weight of the strategic axis (strategic fit, partnerships)"},
    {"review", "weight_image", VG_OPT_INT, "30", 0, 100, F(review_w_image), NULL, 0,
     "weight of the image axis (image, partners and contracts, sources covering the account)"},
    /* [review] the scheduled review (daemon/review_schedule.c) */
    {"review", "schedule", VG_OPT_ENUM, "off", 0, 0, F(review_schedule), "off|weekly|monthly", 0,
     "the daemon's own review, saved like `vigie review --save` and handed to email/outbox: weekly on Mondays, monthly on the 1st, at `at` in `timezone` (a period missed while no daemon ran is reviewed at the next start); off: none"},
    {"review", "at", VG_OPT_STRING, "07:00", 0, 0, F(review_at), NULL, 0,
     "the scheduled review's time of day, HH:MM (24 h) in `timezone`"},
    {"review", "timezone", VG_OPT_STRING, "UTC", 0, 0, F(review_timezone), NULL, 0,
     "the IANA time zone of `at` and of the periods (Europe/Paris)"},
    {"review", "email", VG_OPT_STRING, "", 0, 0, F(review_email), NULL, 0,
     "who gets the scheduled review's HTML report by e-mail ([sink.email]): addresses, comma-separated, and/or `owners` (each account owner with an owner_email gets the report of their own accounts); empty: no e-mail"},
    {"review", "outbox", VG_OPT_BOOL, "no", 0, 0, F(review_outbox), NULL, 0,
     "also hand the scheduled review (its JSON rows and HTML report) to [sink.outbox], as a `review` line in reports-*.jsonl"},

    {NULL, NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL},
};
