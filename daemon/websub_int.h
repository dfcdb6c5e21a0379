/* websub_int — what websub.c (the listener, deliveries) and websub_subs.c (subscribing,
 * renewing, unsubscribing) share. Internal to those two files. */
#ifndef VG_WEBSUB_INT_H
#define VG_WEBSUB_INT_H

#include "daemon/websub.h"
#include "queue/queue_websub.h"
#include "util/vg_log.h"

#include <stdint.h>

struct sub {
    struct queue_websub s;     /* as kept in Redis */
    int sending;               /* a request to the hub is out */
    int unsubscribed;          /* the hub verified our unsubscribe: to forget */
};

struct websub {
    struct event_base *base;
    struct queue *q;
    struct fetch_client *fc;
    struct evhttp *http;
    struct queue_recorder *rec;
    struct event *tick_ev;
    char *public_url;          /* without a trailing '/' */
    char *unix_path;           /* the listener's socket file, removed at the end; or NULL */
    long long lease_ms, poll_interval_ms, verify_timeout_ms, dedup_ttl_s, stream_maxlen;
    size_t max_body;
    int loaded;                /* the subscriptions kept in Redis are read */
    int loading, checking;
    unsigned gen, check_gen;   /* changes to the list, and the one a check was sent at */
    int64_t last_check;
    struct sub **subs;
    size_t nsubs, cap;
    struct vg_log_limit bad_sig_log;
    /* hub and self from the Link headers of responses not yet parsed (websub_fetched), a few
     * at most: only responses that carry both are kept, the oldest dropped first */
    struct ws_link {
        char *id, *hub, *self;
    } links[16];
    size_t nlinks;
};

/* ---- websub_subs.c ---- */
int ws_subs_init(struct websub *w);
void ws_subs_free(struct websub *w);
struct sub *ws_sub_by_token(struct websub *w, const char *token);
struct sub *ws_sub_by_id(struct websub *w, const char *id);
/* A verification GET for sub: 1 to answer the challenge (the intent is ours), 0 for 404. */
int ws_sub_verify(struct websub *w, struct sub *sub, const char *mode, const char *topic, const char *lease,
                  const char *reason);
/* Unsubscribes (the source removed, or its feed no longer advertising a hub: `why` says which
 * in the log line); forgotten once the hub verifies it. */
void ws_sub_end(struct websub *w, struct sub *sub, const char *why);
/* Takes (removes) the Link-header hub and self kept for source id: 1 found, 0 none. */
int ws_link_take(struct websub *w, const char *id, char **hub, char **self);
long long ws_subs_polled(struct websub *w, const char *id, const char *kind, const char *account_id,
                         const struct feed_doc *doc, long long next_delay_ms);

#endif
