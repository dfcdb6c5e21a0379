/* sink_core_int — the sink core's own state, shared by the files of the core only
 * (sink_core.c: reading, batches, outcomes, figures, lifecycle; sink_request.c: sink_http and
 * the rate budget). Not for sinks: they see sink.h. */
#ifndef SINK_CORE_INT_H
#define SINK_CORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "sinks/sink_core.h"

struct event;
struct fetch_client;
struct http_wait;
struct queue_consumer;
struct vg_metric;

/* A record in hand: a copy of its stream entry, its parsed document, its attempts. */
struct held {
    char *stream, *id, *field, *payload, *key;
    size_t len;
    cJSON *doc;
    int attempts;        /* deliveries by this process that ended in RETRY, charged to it */
    int64_t not_before;  /* monotonic ms: not in a batch before this */
    int64_t since;       /* monotonic ms: in hand since */
    int64_t touched;     /* monotonic ms: its idle time in Redis last reset (queue_consumer_touch) */
    int in_batch;
};

struct sink_ctx {
    struct sink_core *core;
};

struct sink_core {
    struct sink_ctx ctx;
    const struct sink_type *type;
    struct sink_common_config common;
    const void *config;
    void *state;
    struct sink_env env;
    struct fetch_client *http;
    struct queue_consumer *consumer;
    char *name, *group, *budget, *marks_ns, *status_key;
    size_t batch_max;

    struct held *hand;
    size_t nhand, cap;
    struct sink_record *recs;     /* the batch in flight */
    size_t *rec_slot;             /* its records' places in hand */
    struct sink_batch batch;
    int in_flight;
    int64_t wake_at;              /* monotonic ms: an empty batch then, if none came (sink_wake) */

    int running, paused;
    unsigned svc_failures;        /* batches in a row whose every record answered RETRY */
    int64_t paused_until;         /* monotonic ms; 0: until a reload */
    char pause_reason[256];
    char last_error[256];
    struct event *tick_ev, *status_ev, *touch_ev;
    int touching;                 /* touches in flight (a stop waits for their answers) */
    struct sink_status st;
    struct http_wait *waits;      /* requests of the batch in flight */
    void (*drained)(void *);
    void *drained_arg;
    struct vg_metric *m_delivered, *m_retried, *m_dead, *m_requests, *m_paused, *m_lag;
    int lag_asking;                /* a lag query is in flight */
    size_t preview_read;
};

/* A preview and a direct delivery run without Redis: no group, no acknowledgement, no retry
 * later, no budget, no mark written, no figures. */
static inline int offline(const struct sink_core *s) { return s->env.preview || s->env.direct; }

/* sink_request.c: the requests of a core being freed are cut loose (a budget call Redis still
 * has frees its request when it answers; the others are freed now). */
void sink_requests_orphan(struct sink_core *s);

#endif
