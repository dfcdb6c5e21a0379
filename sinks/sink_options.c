/* sink_options — the options common to every [sink.NAME] section (see sink_options.h). */
#include "sinks/sink_options.h"
#include "sinks/sink.h"
#include "http/fetch_http.h"
#include "util/vg_alloc.h"

#include <stdio.h>

#define F(field) offsetof(struct sink_common_config, field)
#define MS(x) ((long long)(x))
#define SEC(x) ((long long)(x) * 1000)

const struct vg_option sink_common_options[] = {
    {"sink", "enabled", VG_OPT_BOOL, "no", 0, 0, F(enabled), NULL, 0,
     "whether this sink runs; a section with enabled = no is checked by check-config and at start, but delivers nothing"},
    {"sink", "batch", VG_OPT_INT, "0", 0, 100000, F(batch), NULL, 0,
     "records per delivery at most (0: the type's own limit, which is also the largest value accepted)"},
    {"sink", "linger", VG_OPT_DURATION, "500ms", 0, SEC(60), F(linger_ms), NULL, 0,
     "how long a partial batch waits for more records before it is delivered"},
    {"sink", "max_attempts", VG_OPT_INT, "8", 1, 1000, F(max_attempts), NULL, 0,
     "deliveries of a record that meets a passing fault (5xx, 429, timeout) before it goes to the dead-letter stream"},
    {"sink", "backoff_min", VG_OPT_DURATION, "1s", MS(100), SEC(3600), F(backoff_min_ms), NULL, 0,
     "wait before the first retry of a record; it doubles at each retry, with jitter, up to backoff_max"},
    {"sink", "backoff_max", VG_OPT_DURATION, "5m", SEC(1), SEC(86400), F(backoff_max_ms), NULL, 0,
     "longest wait between two retries of a record"},
    {"sink", "rate_limit", VG_OPT_INT, "0", 0, 1000000000, F(rate_limit), NULL, 0,
     "requests per rate_window at most, counted across every vigie process sharing the Redis "
     "(default: the limit the vendor documents for the type; 0: none)"},
    {"sink", "rate_window", VG_OPT_DURATION, "1s", SEC(1), SEC(86400), F(rate_window_ms), NULL, 0,
     "the window rate_limit counts in (default: the type's)"},
    {"sink", "timeout", VG_OPT_DURATION, "30s", SEC(1), SEC(600), F(timeout_ms), NULL, 0,
     "total time allowed for one request"},
    {"sink", "allow_private", VG_OPT_CIDRS, "", 0, 0, F(allow_private), NULL, 0,
     "CIDR ranges this sink may reach although private, loopback or link-local (e.g. 127.0.0.1 for a CRM stand-in); empty: none"},
    {"sink", "sync_accounts", VG_OPT_DURATION, "0", 0, SEC(30 * 86400), F(sync_accounts_ms), NULL, 0,
     "how often the daemon imports the key accounts this CRM marks, as `vigie accounts sync --from NAME` does "
     "(one process of those sharing the Redis, whether or not the sink is enabled; accounts no longer marked are "
     "retired); 0: never; e.g. 1h or 1d"},

    {NULL, NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL},
};

void sink_common_type_defaults(const struct sink_type *t, struct sink_common_config *c)
{
    c->batch = (long long)t->max_batch;
    if (t->section)
        c->enabled = 1; /* [alerts]: a user who writes the section wants it to run */
    c->rate_limit = t->rate_limit;
    if (t->rate_window_ms > 0)
        c->rate_window_ms = t->rate_window_ms;
}

const char *sink_type_section(const struct sink_type *t, char *buf, size_t len)
{
    if (t->section)
        snprintf(buf, len, "%s", t->section);
    else
        snprintf(buf, len, "sink.%s", t->name);
    return buf;
}

int sink_common_finish(const struct sink_type *t, struct sink_common_config *c, const char **key,
                       char *why, size_t whylen)
{
    long long max = t->max_batch ? (long long)t->max_batch : 1; /* 0: a type without batches */
    if (c->batch == 0)
        c->batch = max;
    if (c->batch > max) {
        *key = "batch";
        snprintf(why, whylen, "'%lld' is out of range (1 to %lld, the most one %s delivery takes)", c->batch,
                 max, t->name);
        return -1;
    }
    if (c->sync_accounts_ms && !t->list_accounts) {
        *key = "sync_accounts";
        snprintf(why, whylen, "the %s sink has no key accounts to sync (0 is the only value it takes)", t->name);
        return -1;
    }
    if (c->sync_accounts_ms && c->sync_accounts_ms < SEC(1)) {
        *key = "sync_accounts";
        snprintf(why, whylen, "'%lldms' is too often: 0 (never) or at least 1s", c->sync_accounts_ms);
        return -1;
    }
    if (c->backoff_min_ms > c->backoff_max_ms) {
        *key = "backoff_min";
        char *lo = vg_option_format(vg_option_find(sink_common_options, "backoff_min"), c);
        char *hi = vg_option_format(vg_option_find(sink_common_options, "backoff_max"), c);
        snprintf(why, whylen, "'%s' is longer than backoff_max (%s)", lo ? lo : "?", hi ? hi : "?");
        vg_free(lo);
        vg_free(hi);
        return -1;
    }
    return 0;
}

void sink_common_fetch_config(const struct sink_common_config *c, struct fetch_config *fc)
{
    fetch_config_defaults(fc);
    fc->total_timeout_ms = c->timeout_ms;
    fc->connect_timeout_ms = c->timeout_ms < 10000 ? c->timeout_ms : 10000;
    fc->max_redirects = 0;         /* a CRM write that is redirected is a configuration error */
    fc->per_host_delay_ms = 0;     /* the rate budget shapes requests, not a per-host delay */
    fc->per_host_concurrency = 4;
    fc->allow_private = c->allow_private && c->allow_private[0] ? c->allow_private : NULL;
    fc->max_body = 16 << 20;
}
