/* sink_options — the options every [sink.NAME] section takes besides its type's own: whether
 * it runs, batching, retries, the rate budget, the request timeout, the addresses it may
 * reach and how often the daemon imports the CRM's key accounts. The core reads them (sink.h: a sink itself never sees them); the daemon reads them
 * from the file with sink_common_options[] (util/vg_option.h). */
#ifndef SINK_OPTIONS_H
#define SINK_OPTIONS_H

#include <stddef.h>

#include "util/vg_option.h"

struct sink_type;

struct sink_common_config {
    long long enabled;        /* a disabled section is checked, not run */
    long long batch;          /* records per deliver(), 1 to the type's max_batch */
    long long linger_ms;      /* how long a partial batch waits for more */
    long long max_attempts;   /* deliveries of a record answered RETRY before it is dead-lettered */
    long long backoff_min_ms; /* first wait before a retry; doubles, with jitter, up to ... */
    long long backoff_max_ms;
    long long rate_limit;     /* requests per rate_window for every vigie process; 0: none */
    long long rate_window_ms;
    long long timeout_ms;     /* per request */
    char *allow_private;      /* addresses the address policy would refuse, allowed anyway */
    long long sync_accounts_ms; /* the daemon imports the CRM's key accounts this often; 0: never */
};

/* Offsets into struct sink_common_config; terminated by a row with name NULL. */
extern const struct vg_option sink_common_options[];

/* After the table's defaults: those that come from the type (batch = max_batch, its
 * documented rate limit and window; enabled for a type with a section of its own, [alerts]:
 * written, it runs). Applied before the file's values. */
void sink_common_type_defaults(const struct sink_type *t, struct sink_common_config *c);

/* Once the section is read: batch 0 becomes the type's max_batch, and what one option's
 * bounds cannot say is checked (batch within max_batch, backoff_min not above backoff_max).
 * 0, or -1 with the reason in why and the option it is about in *key. */
int sink_common_finish(const struct sink_type *t, struct sink_common_config *c, const char **key,
                       char *why, size_t whylen);

/* The HTTP client settings of a sink's requests, from its section: its timeout and
 * allow_private, no redirect, no per-host delay (the rate budget, or the listing's own pace,
 * shapes requests). Strings point into c. */
struct fetch_config;
void sink_common_fetch_config(const struct sink_common_config *c, struct fetch_config *fc);

#endif
