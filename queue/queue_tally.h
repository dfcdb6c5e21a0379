/* queue_tally — what the CRM shows of an account's recent signals: how many in the last 90
 * days and its heat (priorities decayed with age), read from the account's series
 * (queue_series.h), which the enrich stage keeps for every signal: one Redis function, so
 * every process and every sink agrees, at a cost that does not grow with the account's
 * history. A tally:<account id> key left by an earlier version (a sorted set of its window)
 * is moved into the series by the first call for the account. */
#ifndef QUEUE_TALLY_H
#define QUEUE_TALLY_H

struct queue;

struct queue_tally {
    long long count;        /* signals published in the window */
    double heat;            /* sum of priority * 0.5^(age / half_life) over the series'
                             * signals (its SERIES_WEEKS weeks), 0-100 capped */
    long long last_ms;      /* the newest signal's time (0: none) */
};

/* Adds a signal to its account's series (idempotent: the same id twice counts once, whatever
 * its priority the second time) and answers the account's tally; cb gets NULL when Redis
 * could not answer. Ages are from Redis's clock (TIME). 0 sent (cb runs later, once), -1 not. */
typedef void (*queue_tally_cb)(const struct queue_tally *t, void *arg);
int queue_tally_add(struct queue *q, const char *account_id, const char *signal_id, int priority,
                    long long published_ms, long long window_ms, long long half_life_ms, queue_tally_cb cb,
                    void *arg);

#endif
