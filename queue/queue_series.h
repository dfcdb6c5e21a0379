/* queue_series — an account's signal activity over time, for the commands and the console
 * that show it across a whole portfolio without re-reading the signals stream (issue 16 part
 * 1; docs/design.md "Review"). Kept in Redis by the Redis function that adds a signal to the
 * account's tally (queue_tally.h), so every process agrees: per account, signals and their
 * summed priorities by ISO week (UTC, weeks start on Monday) for the last SERIES_WEEKS weeks,
 * the newest signal, and one sorted set ranking the accounts by heat whose scores keep their
 * order as time passes (so ranking never needs a rewrite of every account). Keys and their
 * layout: queue/queue_contract.h (QUEUE_KEY_SERIES_*) and queue/lua/vigie.lua. */
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
    /* Signals published in the last 7 days and in the 7 before, the last 90 and the 90
     * before, the last 365 (ages as enrich/review.c counts them; ahead of now: as new). */
    int d7_now, d7_before, d90_now, d90_before, d365;
};

/* The series of accounts ids[0..n) at now_ms, one function call per QUEUE_SERIES_CHUNK
 * accounts; an account with no signal gets zeros. With another half-life than the one the
 * series were written with, heat is computed from the account's kept signals (exact, slower).
 * 0, or -1 with err. */
#define QUEUE_SERIES_CHUNK 500
int queue_series_read(struct queue_sync *q, const char *const *ids, size_t n, long long now_ms,
                      long long half_life_ms, struct queue_series *out, char *err, size_t errlen);

/* The accounts ranked by heat, hottest first: ids [offset, offset+count) into *ids (an array
 * of strings, freed with queue_series_ids_free), *n of them; *total gets how many accounts are
 * ranked. 0, or -1 with err. */
int queue_series_top(struct queue_sync *q, size_t offset, size_t count, char ***ids, size_t *n, size_t *total,
                     char *err, size_t errlen);
void queue_series_ids_free(char **ids, size_t n);

/* Adds to the series the signals of the stream written after the last entry they hold (all of
 * it the first time, or with from_start: the signals written before the series existed, an
 * upgrade), so that the commands that read the series see every signal the stream holds.
 * Idempotent; the enrich stage keeps the mark current by itself, so this usually reads
 * nothing. *added (may be NULL) gets how many signals were new to the series. 0, or -1. */
int queue_series_index(struct queue_sync *q, long long half_life_ms, int from_start, long long *added, char *err,
                       size_t errlen);
/* How many signals each of accounts ids[0..n) has had published at or after since_ms, into
 * out[i] (one pipelined count per account). 0, or -1 with err. */
int queue_series_count_since(struct queue_sync *q, const char *const *ids, size_t n, long long since_ms, int *out,
                             char *err, size_t errlen);
/* From when the series know the signals (ms; 0: not indexed yet): the stream's first entry's
 * time when they were first indexed. */
long long queue_series_since(struct queue_sync *q);

/* Pure helpers (no Redis). The ISO week (UTC, from Monday) of ms, counted from 1970-01-05,
 * and the start (ms) of week w: the buckets' numbering, the same as the Redis functions'. */
long long queue_series_week(long long ms);
long long queue_series_week_start(long long week);
/* count[0..n) as a line of n block characters (U+2581..U+2588, ' ' for none), scaled to the
 * largest; out gets at most len - 1 bytes (3 per week). Returns the bytes written. */
size_t queue_series_sparkline(const int *count, size_t n, char *out, size_t len);

#endif
