/* queue_websub — the WebSub subscriptions in Redis (docs/design.md "WebSub push").
 *
 * One hash per subscribed source, `websub:<source id>` (the fields of struct queue_websub),
 * and one index `websub_tokens` (callback token -> source id), so that a delivery's URL finds
 * its subscription. The daemon (daemon/websub_subs.c) writes them from the event loop; the
 * commands (`vigie status`, `vigie sources show`) read them with a blocking connection. */
#ifndef QUEUE_WEBSUB_H
#define QUEUE_WEBSUB_H

#include <stddef.h>
#include <stdint.h>

struct queue;
struct queue_sync;

#define QUEUE_KEY_WEBSUB "websub:"            /* + source id */
#define QUEUE_KEY_WEBSUB_TOKENS "websub_tokens"

struct queue_websub {
    char *id;                 /* the source */
    char *kind, *account_id;  /* the source's, for the parse of a delivery ("" when none) */
    char *hub, *topic;        /* where we subscribed, and to what (the feed's rel="self") */
    char *secret;             /* hub.secret: hex, 64 characters */
    char *token;              /* the last path segment of the callback URL: hex, 32 characters */
    char *state;              /* "pending" (asked, not verified yet), "verified", "unsubscribing" */
    char *last_error;         /* why the last request failed ("" when none) */
    int64_t requested_ms;     /* when the (un)subscribe request waiting for its verification was
                                 sent (wall clock); 0: none waits */
    int64_t verified_ms;      /* when the hub last verified it (0: never); vg_clock_ms */
    int64_t expires_ms;       /* end of the lease the hub granted (0: none yet); vg_clock_ms */
    int64_t next_try_ms;      /* a failed request is sent again then (wall clock; 0: at once) */
    long long lease_s;        /* the lease the hub granted */
    long long attempts;       /* failed requests in a row */
};

void queue_websub_clear(struct queue_websub *s);
void queue_websubs_free(struct queue_websub *v, size_t n);

/* Writes s's hash and its token's index entry (fire and forget: a write that fails is done
 * again at the next change). -1 when Redis is not connected. */
int queue_websub_put(struct queue *q, const struct queue_websub *s);
/* Deletes the subscription of source `id` and its token's index entry. */
int queue_websub_del(struct queue *q, const char *id, const char *token);

/* Every subscription, for the daemon's start: the callback owns v (queue_websubs_free);
 * err when Redis could not answer. -1 when not connected (the callback is not called). */
typedef void (*queue_websub_load_cb)(struct queue_websub *v, size_t n, const char *err, void *arg);
int queue_websub_load(struct queue *q, queue_websub_load_cb cb, void *arg);

/* Which of the sources ids[0..n) still exist (are scheduled): present[i] 1 or 0; present is
 * NULL when Redis could not answer. -1 when not connected. */
typedef void (*queue_websub_exists_cb)(const int *present, size_t n, void *arg);
int queue_websub_sources_exist(struct queue *q, const char *const *ids, size_t n, queue_websub_exists_cb cb,
                               void *arg);

/* The commands' reads. get: 1 found (out filled), 0 none, -1 error. list: 0 or -1. */
int queue_websub_get(struct queue_sync *q, const char *id, struct queue_websub *out, char *err, size_t errlen);
int queue_websub_list(struct queue_sync *q, struct queue_websub **out, size_t *n, char *err, size_t errlen);

#endif
