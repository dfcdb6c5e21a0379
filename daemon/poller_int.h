/* poller_int — the poller's private layout, shared by poller.c (claiming: the claim window,
 * backpressure, lifecycle), poll_fetch.c (one poll: its requests, its parse, its end) and
 * poll_record.c (a poll's outcome and items handed to the schedule, with the delay before its
 * next poll). Not for other modules: they see poller.h. */
#ifndef VG_POLLER_INT_H
#define VG_POLLER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/poller.h"
#include "queue/queue_sched.h"
#include "util/vg_log.h"

struct event;
struct event_base;
struct fetch_client;
struct feed_doc;
struct parse;
struct poll_budget_wait;
struct poll_budgets;
struct poll_kinds;
struct queue;
struct queue_recorder;
struct seen_cache;
struct source_kind;
struct vg_config;
struct vg_metric;
struct vg_work;

struct poller {
    struct event_base *base;
    struct queue *q;
    struct fetch_client *fc;
    const struct vg_config *cfg;
    struct event *claim_ev;
    struct event *lag_ev;
    int paused;                   /* backpressure: enrich is too far behind */
    struct vg_log_limit claim_errors;
    int lag_asking;
    int running;
    int claiming;
    unsigned in_flight;           /* claimed and not yet recorded */
    unsigned fetching;            /* claimed and not yet fetched (running or queued in the client) */
    int64_t wait_ms;              /* moving average of the time from claim to fetched */
    struct queue_recorder *rec;
    struct vg_work *work;         /* parses of large bodies, off the event loop */
    struct seen_cache *seen;      /* items Redis has recorded as seen lately (NULL: none kept) */
    long long seen_ttl_ms;        /* the dedup_ttl its entries were put with */
    struct poll *polls;           /* those polls, so that shutdown can free the unfinished */
    struct poll_budgets *budgets; /* the APIs' shared budgets, a line per kind */
    struct poll_kinds *kinds;     /* the kinds' identity headers and budgets, per configuration */
    void (*drained)(void *);
    void *drained_arg;
    void (*idle)(void *);
    void *idle_arg;
    struct poller_stats stats;
    struct vg_metric *m_paused, *m_in_flight, *m_queued, *m_off_loop, *m_budget_waiting;
    struct vg_metric *m_polls_ok, *m_polls_failed, *m_not_modified, *m_unchanged, *m_added, *m_dup, *m_base, *m_cached;
};

/* One poll: a claimed source on its way through fetch, parse and record. */
struct poll {
    struct poller *p;
    struct queue_source_state st;
    const struct source_kind *kind;
    struct parse *parse;          /* its first response and parts, while it has parts to fetch or
                                     while they are being parsed on a worker thread */
    struct poll_budget_wait *bw;  /* waiting for a token of its kind's budget */
    long long rate_limit, rate_window_ms; /* its kind's budget; 0: none */
    int fetching;
    int64_t started;
    uint64_t body_tag;            /* a feed's 200: the seen-cache tag of its body, or 0 */
    struct poll *prev, *next;
};

/* poller.c: a poll's fetch has ended (its last request answered, or the poll failed first);
 * claims again when there is room. Harmless when called twice. */
void poller_fetch_finished(struct poll *pl);
/* Runs the drained callback of poller_stop() once nothing is in flight. */
void poller_check_drained(struct poller *p);
/* Room for a claim (claim window and recording backlog), and a claim asked for in ms. */
int poller_claim_room(const struct poller *p);
void poller_schedule_claim(struct poller *p, long ms);

/* poll_fetch.c: a poll of the claimed source `st` (its strings taken) started: its first
 * request sent, or the poll recorded as failed at once. */
void poll_start(struct poller *p, struct queue_source_state *st);
/* Ends a poll: out of the in-flight list, freed. */
void poll_done(struct poll *pl);

/* poll_record.c: the poll's outcome, and the items of its parsed document, to the schedule;
 * the delay before the source's next poll decided. Takes ownership of pl. */
void poll_record(struct poll *pl, int ok, const char *kind, const char *error, long long retry_after_ms,
                 const char *etag, const char *last_modified, const char *watch_text, const struct feed_doc *doc);

#endif
