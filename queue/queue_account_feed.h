/* queue_account_feed — one account's newest signals for the console's account page, without
 * reading the signals stream through: their ids from the account's series (series:s:<account>,
 * newest first), each resolved through its story (story:<id>) to its entry in the stream, and
 * those entries read: three pipelined rounds whatever the stream's length. A signal whose
 * story is gone (expired after [pipeline] dedup_ttl, or its entry trimmed) is given by what
 * the series keep of it: its id, time and priority, no record. */
#ifndef QUEUE_ACCOUNT_FEED_H
#define QUEUE_ACCOUNT_FEED_H

#include <stddef.h>

struct queue_sync;

struct queue_account_signal {
    char *id;
    long long ms;      /* published (the series' score) */
    int priority;      /* from the score (published + priority / 128) */
    char *json;        /* the record at the story's entry; NULL when the story is gone */
    long long sources; /* how many sources told it (the story's; 0 when gone) */
};

/* The newest max signals of account into *out (newest first, *n of them), *total how many the
 * series hold. Free with queue_account_signals_free. 0, or -1 with err. */
int queue_account_signals(struct queue_sync *q, const char *account, size_t max, struct queue_account_signal **out,
                          size_t *n, size_t *total, char *err, size_t errlen);
void queue_account_signals_free(struct queue_account_signal *v, size_t n);

#endif
