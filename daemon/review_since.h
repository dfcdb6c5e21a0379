/* review_since — what changed for each account since the previous saved review, from the
 * accounts' series (queue_series.h) rather than from the signals stream: its heat then (as
 * that review saved it) and now, and the signals published since (docs/design.md "Review"). */
#ifndef VG_REVIEW_SINCE_H
#define VG_REVIEW_SINCE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct queue_sync;

struct review_since {
    long long review;   /* the previous saved review's id (0: none saved) */
    int64_t at_ms;      /* when it was made */
    int in_previous;    /* the account was in it */
    double heat_then;   /* its heat then (when in_previous) */
    int signals;        /* signals published since at_ms */
};

/* For accounts ids[0..n): out[i] against the newest review of past (the saved reviews, oldest
 * first), after the series have what the signals stream holds (queue_series_index with the
 * heat's half_life_ms; when Redis refuses that write, a warning). 0, or -1 with a message on
 * stderr. */
int review_since_read(struct queue_sync *q, const cJSON *past, const char *const *ids, size_t n,
                      long long half_life_ms, struct review_since *out);
/* A row's "since_previous" member: {review, at, heat_then (null: not in it), heat_now, signals},
 * or JSON null when there is no previous review. */
cJSON *review_since_json(const struct review_since *s, double heat_now);
/* The table's footer: one line per account whose heat moved by at least 5 or that had
 * signals since (names[i], heat_now[i]); nothing when there is no previous review. */
void review_since_print(const struct review_since *s, const char *const *ids, const double *heat_now, size_t n);

#endif
