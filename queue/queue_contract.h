/* queue_contract — what vigie's processes, its Redis functions (queue/lua/vigie.lua) and
 * outside readers of Redis agree on: the names of the streams, consumer groups and keys, and
 * the argument layout of every Redis function. Defined once here; C code uses these names,
 * never the literals, and every function call is built by queue_fcall (queue_fcall.h), which
 * checks its counts against the layout below. Each Lua function checks the same counts on
 * its side (`register` in the .lua file), and tests/queue/test_contract.py calls every
 * function named here in a real redis-server to hold both sides to it.
 *
 * Every key is the configurable prefix (default QUEUE_DEFAULT_PREFIX) followed by one of the
 * names below; a name ending in ':' is followed by an id. Plain C, no hiredis: daemon/ reads
 * the stream and group names from here too. */
#ifndef QUEUE_CONTRACT_H
#define QUEUE_CONTRACT_H

#define QUEUE_DEFAULT_PREFIX "vigie:"

/* ---- streams, their entry fields, consumer groups ---------------------------------- */

#define QUEUE_STREAM_ITEMS "items"       /* new items of all sources */
#define QUEUE_FIELD_ITEM "item"          /*   field: the item record (JSON) */
#define QUEUE_STREAM_SIGNALS "signals"   /* signals found by enrich */
#define QUEUE_FIELD_SIGNAL "signal"      /*   a new signal */
#define QUEUE_FIELD_UPDATE "update"      /*   a known signal told by one more source */
#define QUEUE_STREAM_CONTACTS "contacts" /* contacts found by enrich */
#define QUEUE_FIELD_CONTACT "contact"
#define QUEUE_STREAM_DLQ "dlq"           /* dead letters of every stage and sink: fields stream,
                                            group, entry, deliveries, error, field, payload */

#define QUEUE_GROUP_ENRICH "enrich"      /* reads QUEUE_STREAM_ITEMS */

/* A sink's consumer group ("sink:hubspot") reads signals and contacts, and its own replay
 * stream ("replay:sink:hubspot"), where `vigie dlq replay` puts back the dead letters of that
 * group alone: a replay re-delivers to that sink, not to every group of the original stream.
 * A replay entry is the entry's field and payload, then QUEUE_FIELD_ORIGIN_STREAM (the full
 * key of the stream the entry was first written to, e.g. "vigie:signals") and
 * QUEUE_FIELD_ORIGIN_ENTRY (its id there), which a dead letter of the replayed entry keeps. */
#define QUEUE_GROUP_SINK "sink:"          /* + sink name */
#define QUEUE_STREAM_REPLAY "replay:"     /* + group */
#define QUEUE_FIELD_ORIGIN_STREAM "stream"
#define QUEUE_FIELD_ORIGIN_ENTRY "entry"

/* ---- keys -------------------------------------------------------------------------- */

/* The source registry and the poll schedule. */
#define QUEUE_KEY_SOURCE "source:"         /* + source id: hash of the source's fields */
#define QUEUE_KEY_SOURCES "sources"        /* set of source ids */
#define QUEUE_KEY_DUE "due"                /* sorted set: id -> due time or lease (ms) */
#define QUEUE_KEY_FAILING "failing"        /* set of ids whose last poll failed */
#define QUEUE_KEY_POLL_CARDS "poll_cards"  /* hash: id -> poll card (claim's cache) */
#define QUEUE_KEY_LAST_ATTEMPT "last_attempt" /* hash: id -> ms of the last failed poll */
#define QUEUE_KEY_LAST_OK "last_ok"        /* hash: id -> ms of the last good poll */
#define QUEUE_KEY_LEASE_OWNERS "lease_owners" /* sorted set: "<lease> <instance>" scored by the
                                                 lease, per claim call (not per source) */

/* Every key that holds something of a source, and how it goes when the source is removed:
 * the one list of them. `vigie sources rm` (queue_sources.c) runs it, and vigie_news_sources
 * receives it in its arguments, so a key added to a source is added here and both removals
 * follow. X(how, key): DEL deletes prefix + key + id; SREM, ZREM and HDEL remove the id from
 * prefix + key. */
#define QUEUE_SOURCE_KEYS(X)          \
    X("DEL", QUEUE_KEY_SOURCE)        \
    X("SREM", QUEUE_KEY_SOURCES)      \
    X("ZREM", QUEUE_KEY_DUE)          \
    X("SREM", QUEUE_KEY_FAILING)      \
    X("HDEL", QUEUE_KEY_POLL_CARDS)   \
    X("HDEL", QUEUE_KEY_LAST_ATTEMPT) \
    X("HDEL", QUEUE_KEY_LAST_OK)

/* The account registry. */
#define QUEUE_KEY_ACCOUNTS "accounts"                 /* hash: account id -> JSON */
#define QUEUE_KEY_ACCOUNTS_VERSION "accounts:version" /* bumped at every change */
#define QUEUE_KEY_ACCOUNTS_SYNCED "accounts:synced:" /* + sink name: set of the account ids
                                                        that sink's last `accounts sync` listed */
#define QUEUE_KEY_LEASE_ACCOUNTS_SYNC "lease:accounts-sync:" /* + sink name: string (the
                                    instance), SET NX PX: the process running that sink's
                                    scheduled accounts sync for this period */

/* Written by the functions only (named here for readers of Redis). */
#define QUEUE_KEY_SEEN_URL "seen:u"    /* hash: the state of the table of seen URL keys */
#define QUEUE_KEY_SEEN_URL_PART "seen:u:" /* + <n>: one hash of that table (6-byte key -> hour
                                             last seen); + <16 hex>: a string key of the versions
                                             before it (expires) */
#define QUEUE_KEY_SEEN_FP "seen:f"     /* the same for the content fingerprints */
#define QUEUE_KEY_SEEN_FP_PART "seen:f:"
#define QUEUE_KEY_OUT "out:"           /* + output dedup id: written once */
#define QUEUE_KEY_STORY "story:"       /* + signal id: its story, "<sources> <stream entry
                                          id>\n<url>\n<url>..." (string, expires) */
#define QUEUE_KEY_STORIES "stories:"   /* + cluster (account|type): the cluster's stories of the
                                          story window, lines "<16 hex SimHash><13-digit ms
                                          listed><signal id>", the newest 64 first (string,
                                          expires; a sorted set in versions before) */
#define QUEUE_KEY_TRIMMED "trimmed:"   /* + stream suffix: hash group -> entries that trimming
                                          by count removed before that group acknowledged them */
#define QUEUE_KEY_DLQ_DROPPED "dlq:dropped" /* integer: dead letters the cap of the dlq dropped */

/* A stage's own keys: errors:<stream>:<group> (hash: entry id -> handler error) and
 * taken:<stream>:<group>:<entry id> (a stage acknowledged that entry, see vigie_stage_write). */
#define QUEUE_KEY_ERRORS "errors:"
#define QUEUE_KEY_TAKEN "taken:"

/* The sinks' shared state (queue_budget.h, queue_marks.h, queue_tally.h). */
#define QUEUE_KEY_BUDGET "budget:" /* + budget name: sorted set of the grants in the window,
                                      scored by Redis time (ms); expires after the window */
#define QUEUE_KEY_MARK "mark:"     /* + namespace + ":" + key: string, with an expiry */
#define QUEUE_KEY_OWED "owed:"     /* + namespace + ":" + name: hash, what a sink still owes its
                                      service (member -> "1"), with an expiry (queue_owed.h) */
#define QUEUE_MARKS_SINK_STATUS "sinkstat" /* marks namespace: "<sink>:<instance>" -> that sink process's figures (JSON), for vigie status */
#define QUEUE_KEY_TALLY "tally:"   /* + account id: earlier versions' tally (sorted set
                                      "<priority>|<signal id>"), moved into the series by
                                      vigie_tally_add once */
/* The account series (queue_series.h; written by vigie_stage_write, vigie_tally_add and
 * vigie_series_index, queue/lua/vigie.lua says how). */
#define QUEUE_KEY_SERIES_WEEKS "series:w:" /* + account id: hash, weekly counts, heat log, newest */
#define QUEUE_KEY_SERIES_IDS "series:s:"   /* + account id: sorted set of signal ids, scored by
                                              published ms + priority / 128 */
#define QUEUE_KEY_SERIES_HEAT "series:heat" /* sorted set: account id -> heat log (ranking) */
#define QUEUE_KEY_SERIES_STREAM "series:stream" /* string: the last signals entry indexed */
#define QUEUE_KEY_SERIES_SINCE "series:since"   /* string: ms the series know signals from */

/* The alerts (docs/design.md "## Alerts"; sinks/sink_alerts.c, queue/queue_alerts.h, written
 * by the functions of queue/lua/alerts.lua but for silences and inhibitions' reads). */
#define QUEUE_STREAM_ALERTS "alerts:"    /* + channel (slack, teams, webhook, email): finished
                                            messages, field QUEUE_FIELD_ALERT */
#define QUEUE_FIELD_ALERT "alert"
#define QUEUE_KEY_AGROUP "agroup:"       /* + receiver:account: hash, an open group */
#define QUEUE_KEY_AGROUPS_DUE "agroups:due" /* sorted set "<receiver>|<account>" -> flush time */
#define QUEUE_KEY_ALERTED "alerted:"     /* + receiver:signal id: the alert id (dedup ttl) */
#define QUEUE_KEY_ALERTMSG "alertmsg:"   /* + alert id: hash, a Slack message as sent */
#define QUEUE_KEY_INHIBIT "inhibit:"     /* + account: "<priority>|<type>", expires */
#define QUEUE_KEY_ALERTCAP "alertcap:"   /* + owner key: sorted set of flush times, an hour */
#define QUEUE_KEY_DIGEST "digest:"       /* + owner key: hash, the owner's next digest */
#define QUEUE_KEY_DIGEST_DUE "digest:due" /* sorted set owner key -> the digest's slot */
#define QUEUE_KEY_DIGEST_SENT "digest-sent:" /* + owner key:period: a digest taken */
#define QUEUE_KEY_SILENCES "silences"    /* hash: silence id -> JSON */
/* `vigie review --save` and `vigie accounts set-tier` (queue_reviews.c, docs/design.md "Review") */
#define QUEUE_KEY_REVIEWS "reviews"          /* hash: review id (1, 2, ...) -> the saved review, JSON */
#define QUEUE_KEY_REVIEWS_SEQ "reviews:seq"  /* string: the last review id given */
#define QUEUE_KEY_TIER_DECISIONS "tier-decisions:" /* + account id: list of JSON decisions, oldest first */
/* The daemon's scheduled review (daemon/review_schedule.c, queue_reviews.h) */
#define QUEUE_KEY_REVIEW_LEASE "lease:review:"  /* + period: string (the instance), SET NX PX: the
                                                   process running that period's review */
#define QUEUE_KEY_REVIEW_DONE "review-done:"    /* + period: the review id saved for it (the mark
                                                   that it ran: once per period) */
#define QUEUE_STREAM_REPORTS "reports"          /* the scheduled reviews for [sink.outbox] */
#define QUEUE_FIELD_REVIEW "review"

/* ---- thresholds both sides rely on --------------------------------------------------- */

/* Sources per claim at most: the function unpack()s the ids, which Lua bounds. */
#define QUEUE_CLAIM_MAX 1000
#define QUEUE_DEFAULT_MAXLEN 1000000               /* streams' approximate cap */
#define QUEUE_DEFAULT_DLQ_MAXLEN 10000             /* the dead-letter stream's */
#define QUEUE_DEFAULT_DEDUP_TTL_S (30LL * 86400)   /* how long ids are remembered */
/* A sink's replay stream (written by `vigie dlq replay` only): entries its group acknowledged
 * leave after QUEUE_REPLAY_RETENTION_MS, and the stream holds about QUEUE_REPLAY_MAXLEN at
 * most (what that cap removes before the group acknowledged it is counted in
 * trimmed:replay:sink:<name>). Trimmed at each replay: nothing else writes it. */
#define QUEUE_REPLAY_RETENTION_MS (7LL * 86400 * 1000)
#define QUEUE_REPLAY_MAXLEN 10000

/* ---- the Redis functions ("vigie" library) ----------------------------------------------
 *
 * X(ID, name, KEYS, ARGV, more): the function's number of KEYS, its number of fixed ARGV, and
 * whether more ARGV may follow them. In order (p: the key prefix):
 *
 * CLAIM        KEYS due, poll_cards, lease_owners. ARGV limit, lease_ms, p, instance,
 *              take_back; then the poll field names.
 * RELEASE      KEYS due. ARGV delay_ms; then (source id, lease) pairs.
 * COMPLETE     KEYS due, items, poll_cards, last_attempt, last_ok. ARGV dedup_ttl_s, maxlen,
 *              p, dedup clock (ms, "" for Redis's TIME), nfields; then nfields field names, then per poll: id, lease, next_delay_ms,
 *              ok, nf, nf (field, value) pairs, nitems, per item url_key, fp_key, recent, json.
 * STAGE_WRITE  KEYS input stream, errors hash, taken prefix. ARGV group, p, maxlen, ttl,
 *              story window, mode, series half-life ms (0: none), nkinds; then nkinds
 *              (stream, field) pairs, then the entries.
 * NEWS_SOURCES KEYS accounts, sources, due. ARGV p, url template, interval_ms, then
 *              QUEUE_SOURCE_KEYS as (how, key) pairs (at least one: a caller that passes
 *              none would remove nothing).
 * AUTO_SOURCES KEYS sources, due. ARGV p, nkinds, nremove; then the kinds managed, then
 *              nremove QUEUE_SOURCE_KEYS (how, key) pairs, then the wanted sources as (id,
 *              kind, url, account_id, options, interval_ms) tuples (queue_auto_sources.h).
 * FIGURES      ARGV p.
 * DEAD_LETTER  KEYS input stream, dlq, errors hash, taken prefix. ARGV group, entry id,
 *              deliveries, reason, marker ttl, dlq maxlen.
 * SINK_DEAD_LETTER  KEYS the stream the entry is pending in, dlq. ARGV group, entry id,
 *              reason, dlq maxlen, gone ("1": Redis already dropped the entry from the
 *              pending list, "0" otherwise).
 * TRIM         KEYS a stream, trimmed:<stream>. ARGV retention_ms (0: none), maxlen.
 * SINK_TOUCH   KEYS the stream the entry is pending in. ARGV group, consumer, entry id.
 * BUDGET_TAKE  KEYS budget. ARGV limit, window_ms, n.
 * TALLY_ADD    KEYS tally (an earlier version's). ARGV p, account id, signal id, priority,
 *              published_ms, window_ms, half_life_ms.
 * SERIES_INDEX KEYS signals. ARGV p, half_life_ms, count.
 * SERIES_READ  ARGV p, now_ms, half_life_ms; then account ids (no writes).
 * ACCOUNTS_SYNC KEYS accounts, accounts:version, accounts:synced:<sink>. ARGV the version
 *              read, nwrites; then nwrites (id, json) pairs, then the listed ids.
 * ALERT_ROUTE  KEYS agroup:<receiver>:<account>, agroups:due, alerted:<receiver>:<signal id>,
 *              inhibit:<account>. ARGV p, kind, member, signal id, priority, type, json,
 *              group due, quiet, inhibited, inhibit_for, slack_update, meta, owner, account,
 *              owner key, digest due, digest meta, created, ttl_s, maxlen, now.
 * ALERT_FLUSH  KEYS agroups:due. ARGV p, now, limit, cap_per_hour, ttl_s, maxlen, created,
 *              force.
 * DIGEST_DUE   KEYS digest:due. ARGV p, now, limit.
 * DIGEST_TAKE  KEYS digest:<owner key>, digest:due, digest-sent:<owner key>:<period>. ARGV p,
 *              owner key, now, period, period_start, period_end, created, next_due, ttl_s,
 *              maxlen.
 * DIGEST_PEEK  KEYS digest:<owner key>, digest:due. ARGV p, owner key, now, period,
 *              period_start, period_end, created (no writes: `vigie alerts preview`).
 *
 * The replies are described next to each function in the library. */
#define QUEUE_FUNCTIONS(X)                                  \
    X(CLAIM, "vigie_claim", 3, 5, 1)                        \
    X(RELEASE, "vigie_release", 1, 1, 1)                    \
    X(COMPLETE, "vigie_complete", 5, 5, 1)                  \
    X(STAGE_WRITE, "vigie_stage_write", 3, 8, 1)            \
    X(NEWS_SOURCES, "vigie_news_sources", 3, 5, 1)          \
    X(AUTO_SOURCES, "vigie_auto_sources", 2, 3, 1)          \
    X(FIGURES, "vigie_figures", 0, 1, 0)                    \
    X(DEAD_LETTER, "vigie_dead_letter", 4, 6, 0)            \
    X(SINK_DEAD_LETTER, "vigie_sink_dead_letter", 2, 5, 0)  \
    X(SINK_TOUCH, "vigie_sink_touch", 1, 3, 0)              \
    X(TRIM, "vigie_trim", 2, 2, 0)                          \
    X(BUDGET_TAKE, "vigie_budget_take", 1, 3, 0)            \
    X(TALLY_ADD, "vigie_tally_add", 1, 7, 0)                \
    X(SERIES_INDEX, "vigie_series_index", 1, 3, 0)          \
    X(SERIES_READ, "vigie_series_read", 0, 3, 1)            \
    X(ACCOUNTS_SYNC, "vigie_accounts_sync", 3, 2, 1)          \
    X(ALERT_ROUTE, "vigie_alert_route", 4, 22, 0)           \
    X(ALERT_FLUSH, "vigie_alert_flush", 1, 8, 0)            \
    X(DIGEST_DUE, "vigie_digest_due", 1, 3, 0)              \
    X(DIGEST_TAKE, "vigie_digest_take", 3, 10, 0)           \
    X(DIGEST_PEEK, "vigie_digest_peek", 2, 7, 0)

#define QUEUE_FN_ENUM_(id, name, nkeys, nargs, more) QUEUE_FN_##id,
enum queue_fn { QUEUE_FUNCTIONS(QUEUE_FN_ENUM_) QUEUE_FN_COUNT };
#undef QUEUE_FN_ENUM_

struct queue_fn_layout {
    const char *name;
    const char *nkeys_str; /* as FCALL takes it */
    unsigned nkeys, nargs;
    int more;              /* more ARGV may follow the fixed ones */
};
/* Indexed by enum queue_fn. */
extern const struct queue_fn_layout queue_fn_layouts[QUEUE_FN_COUNT];

#endif
