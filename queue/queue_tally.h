/* queue_tally — what the CRM shows of an account's recent signals: how many in the last 90
 * days and its heat (priorities decayed with age), from a per-account sorted set of its
 * signals kept by one Redis function, so every process and every sink agrees.
 * Key: <prefix>tally:<account id>; member "<priority>|<signal id>", score: published ms. */
#ifndef QUEUE_TALLY_H
#define QUEUE_TALLY_H

struct queue;

struct queue_tally {
    long long count;        /* signals in the window */
    double heat;            /* sum of priority * 0.5^(age / half_life), 0-100 capped */
    long long last_ms;      /* the newest signal's time */
};

/* Adds a signal (idempotent: the same id twice counts once, whatever its priority the second
 * time; one older than the window is not added), drops members older than window_ms, and
 * answers the account's tally; cb gets NULL when Redis could not answer. Ages are from Redis's
 * clock (TIME). 0 sent (cb runs later, once), -1 not. */
typedef void (*queue_tally_cb)(const struct queue_tally *t, void *arg);
int queue_tally_add(struct queue *q, const char *account_id, const char *signal_id, int priority,
                    long long published_ms, long long window_ms, long long half_life_ms, queue_tally_cb cb,
                    void *arg);

#endif
