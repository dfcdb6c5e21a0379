/* websub — WebSub push (W3C WebSub Recommendation; docs/design.md "WebSub push").
 *
 * With [websub] listen on, a feed whose document advertises a hub (rel="hub") and a topic
 * (rel="self") gets subscribed to (websub_subs.c): the hub verifies the intent on the
 * callback, then POSTs new entries there, signed with the subscription's secret (websub.c).
 * A delivery goes through the kind's parse, the poll's dedup and the items stream like a poll.
 * While a hub pushes, the feed is still polled at [websub] poll_interval, as a safety net.
 *
 * It runs in a process with the fetch role, on the daemon's event loop. */
#ifndef VG_WEBSUB_H
#define VG_WEBSUB_H

#include <stddef.h>

struct event_base;
struct queue;
struct fetch_client;
struct vg_config;
struct feed_doc;

struct websub;

/* Starts the callback listener and the subscriptions' timer; NULL with err empty when
 * [websub] listen is off, NULL with err filled when it cannot start (bad public_url, the
 * address taken). One per process: the poller's hook below reaches it. */
struct websub *websub_start(struct event_base *base, struct queue *q, struct fetch_client *fc,
                            const struct vg_config *cfg, char *err, size_t errlen);
/* Stops listening; subscriptions stay in Redis for the next start. */
void websub_free(struct websub *w);

/* The response headers a poll's request asks for (for websub_fetched), or NULL when no
 * websub runs. */
const char *const *websub_want_headers(void);
/* The poller's hook when a poll's response arrives (before its parse): `link` is its Link
 * header (the first of websub_want_headers' values), or NULL. A hub and a self found there
 * count for the source's next websub_polled when its document names none. */
void websub_fetched(const char *source_id, const char *url, const char *link);

/* The poller's hook after a successful poll of a source (doc NULL for a 304): subscribes when
 * the document advertises a hub, and returns the delay until the next poll: next_delay_ms,
 * or [websub] poll_interval when it is longer and the source's hub pushes (lease verified and
 * running). next_delay_ms unchanged when no websub runs. */
long long websub_polled(const char *source_id, const char *kind, const char *account_id, const struct feed_doc *doc,
                        long long next_delay_ms);

#endif
