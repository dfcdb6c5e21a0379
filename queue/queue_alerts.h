/* queue_alerts — the alerts router's calls on Redis: the functions of queue/lua/alerts.lua
 * (route a signal for a receiver, flush the groups that are due, find and take the digests
 * that are due) and two plain reads (the silences, the inhibitions of some accounts). Keys and
 * message shapes: docs/design.md "## Alerts"; names: queue_contract.h.
 *
 * Every call is sent on the command connection and answers once, from the loop; a NULL (or
 * ok = 0) answer means Redis did not answer (down, or an error, which is logged). Times are
 * the caller's (vg_clock_ms), so that a test's clock drives grouping, caps and digests. */
#ifndef QUEUE_ALERTS_H
#define QUEUE_ALERTS_H

#include <stddef.h>

struct queue;

/* One signal entry for one receiver (ALERT_ROUTE in queue_contract.h). Strings are copied
 * into the call: the caller may free them once the function returns. */
struct queue_alert_route {
    const char *kind;           /* "signal" or "update" (the entry's field) */
    const char *receiver, *account_id, *signal_id, *type;
    const char *json;           /* the record as the stream holds it */
    int priority;
    long long group_due_ms;     /* when a group this signal opens is flushed */
    int quiet, inhibited;       /* decided by the caller: to the digest */
    long long inhibit_for_ms;   /* > 0: the signal's type holds back lesser ones this long */
    long long now_ms;           /* the time of the decision (vg_clock_ms) */
    int slack_update;           /* [sink.slack] can edit a message it posted */
    const char *meta;           /* the group's meta JSON (see queue/lua/alerts.lua) */
    const char *owner, *account;/* JSON objects, as messages carry them */
    const char *owner_key;      /* "" when the account has no owner */
    long long digest_due_ms;    /* the owner's next digest slot; 0: no digest */
    const char *digest_meta;    /* {"key","email","timezone","digest"} */
    const char *created;        /* RFC 3339 of now */
    long long ttl_s, maxlen;
};

enum queue_alert_what {
    QUEUE_ALERT_GROUPED = 0,    /* in its group, to be flushed */
    QUEUE_ALERT_DUPLICATE,      /* seen before (a redelivery): nothing done */
    QUEUE_ALERT_REPLACED,       /* an update of a signal still in its group */
    QUEUE_ALERT_UPDATE,         /* an update of an alerted signal: Slack told, or the digest */
    QUEUE_ALERT_INHIBITED,      /* held back by an inhibition: the digest */
    QUEUE_ALERT_QUIET,          /* held back by quiet hours: the digest */
};
struct queue_alert_routed {
    enum queue_alert_what what;
    int folded;                 /* 1 when it went into the owner's digest */
    int messages;               /* messages written (an update to Slack) */
};
typedef void (*queue_alert_route_cb)(const struct queue_alert_routed *r, void *arg);
/* 0 sent (cb runs later, once; r NULL when Redis did not answer), -1 not sent. */
int queue_alert_route(struct queue *q, const struct queue_alert_route *a, queue_alert_route_cb cb, void *arg);

struct queue_alert_flushed {
    long long groups, messages, capped, folded;
    int more;                   /* limit groups were taken: more may be due */
};
typedef void (*queue_alert_flush_cb)(const struct queue_alert_flushed *f, void *arg);
/* Flushes up to limit groups due at now_ms (every group when force). created: RFC 3339 of
 * now. 0 sent (f NULL when Redis did not answer), -1 not. */
int queue_alert_flush(struct queue *q, long long now_ms, long long limit, long long cap_per_hour, long long ttl_s,
                      long long maxlen, const char *created, int force, queue_alert_flush_cb cb, void *arg);

/* The owners whose digest is due at now_ms (up to limit). */
struct queue_digest_due {
    const char *owner_key;
    long long due_ms;           /* the slot the digest was due at */
    const char *meta;           /* the owner's digest facts (JSON) */
};
typedef void (*queue_digest_due_cb)(const struct queue_digest_due *v, size_t n, int ok, void *arg);
int queue_digest_due(struct queue *q, long long now_ms, long long limit, queue_digest_due_cb cb, void *arg);

struct queue_digest_take {
    const char *owner_key, *period, *period_start, *period_end, *created;
    long long now_ms, next_due_ms, ttl_s, maxlen;
};
/* result: 1 written, 0 no longer due (taken by another process), -1 the period was already
 * sent (the items wait for next_due), -2 nothing to send, -3 Redis did not answer. */
typedef void (*queue_digest_take_cb)(int result, void *arg);
int queue_digest_take(struct queue *q, const struct queue_digest_take *t, queue_digest_take_cb cb, void *arg);

/* Every silence as stored (JSON texts; valid during the callback only). */
typedef void (*queue_silences_cb)(const char *const *json, const size_t *len, size_t n, int ok, void *arg);
int queue_alert_silences(struct queue *q, queue_silences_cb cb, void *arg);

/* The inhibitions of n accounts: values[i] is inhibit:<accounts[i]> or NULL. */
typedef void (*queue_inhibits_cb)(const char *const *values, size_t n, int ok, void *arg);
int queue_alert_inhibits(struct queue *q, const char *const *accounts, size_t n, queue_inhibits_cb cb, void *arg);

#endif
