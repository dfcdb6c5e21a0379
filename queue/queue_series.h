/* queue_series — an account's signal activity over time, for the commands and the console
 * that show it across a whole portfolio without re-reading the signals stream (issue 16 part
 * 1; docs/design.md "Review"). Kept in Redis by the Redis function that adds a signal to the
 * account's tally (queue_tally.h), so every process agrees: per account, signals and their
 * summed priorities by ISO week (UTC, weeks start on Monday) for the last SERIES_WEEKS weeks,
 * the newest signal, and one sorted set ranking the accounts by heat whose scores keep their
 * order as time passes (so ranking never needs a rewrite of every account). */
#ifndef QUEUE_SERIES_H
#define QUEUE_SERIES_H

#include <stddef.h>

#define SERIES_WEEKS 53

struct queue_sync;

struct queue_series {
    double heat;                  /* now: sum of priority * 0.5^(age / half_life), capped 100 */
    long long last_ms;            /* the newest signal (0: none) */
    char last_type[32];           /* its type ("" when none) */
    char last_id[64];             /* its id ("" when none) */
    int count[SERIES_WEEKS];      /* signals per week, oldest first; [SERIES_WEEKS-1] is now's */
    double weight[SERIES_WEEKS];  /* their summed priorities */
};

/* The series of accounts ids[0..n) at now_ms, in one round trip (pipelined); an account with
 * no signal gets zeros. 0, or -1 with err. */
int queue_series_read(struct queue_sync *q, const char *const *ids, size_t n, long long now_ms,
                      long long half_life_ms, struct queue_series *out, char *err, size_t errlen);

/* The accounts ranked by heat, hottest first: ids [offset, offset+count) into *ids (an array
 * of strings, freed with queue_series_ids_free), *n of them; *total gets how many accounts are
 * ranked. 0, or -1 with err. */
int queue_series_top(struct queue_sync *q, size_t offset, size_t count, char ***ids, size_t *n, size_t *total,
                     char *err, size_t errlen);
void queue_series_ids_free(char **ids, size_t n);

#endif
