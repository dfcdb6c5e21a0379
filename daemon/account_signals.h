/* account_signals — the signals stream read once and grouped by account, for the commands that
 * show an account's heat and trends (`vigie review`, `vigie accounts list|show`, `vigie today`):
 * they all read it the same way, so an account's heat is the same number in each. */
#ifndef VG_ACCOUNT_SIGNALS_H
#define VG_ACCOUNT_SIGNALS_H

#include "enrich/review.h"

#include <stddef.h>
#include <stdint.h>

struct queue_sync;
struct vg_config;

/* One entry of the stream (a `signal` or an `update`), with what the commands print of it. */
struct account_signal {
    char *account, *id, *type, *title, *url; /* title and url: "" when the record has none */
    struct review_signal s;                  /* s.id and s.type point into this entry */
};

struct account_signals {
    struct account_signal *v; /* sorted by account, then time: an account's entries are a run */
    size_t n, cap;
    int64_t since_ms; /* the stream's first entry (0: an empty stream) */
};

/* The registry's accounts, parsed: *set (NULL when there is none) and *n_stored, how many the
 * registry holds. 0, or -1 with the reason printed on stderr. */
struct enrich_account_set;
int account_signals_accounts(struct queue_sync *q, struct enrich_account_set **set, size_t *n_stored);

/* Reads the whole signals stream (XRANGE through queue_tail). A signal's time is its
 * `published`, else its entry's time. 0, or -1 with err (out of memory says so). */
int account_signals_read(struct queue_sync *q, struct account_signals *out, char *err, size_t errlen);
void account_signals_free(struct account_signals *all);

/* The run of `account`'s entries in all (*n of them; NULL when none). */
const struct account_signal *account_signals_of(const struct account_signals *all, const char *account, size_t *n);

/* The series of accounts ids[0..n) at now_ms (queue_series.h: heat, trends, weekly counts,
 * newest signal) without reading the signals stream: the signals the stream holds and the
 * series do not yet (the stream of a vigie from before the series, or entries not written by
 * the enrich stage) are added to them first (queue_series_index, usually nothing to add; when
 * Redis refuses, a warning, and what they hold is read all the same). 0, or -1 with the reason
 * printed on stderr. */
struct queue_series;
int account_signals_series(struct queue_sync *q, const struct vg_config *cfg, const char *const *ids, size_t n,
                           int64_t now_ms, struct queue_series *out);

/* The [review] options of cfg. */
void account_signals_review_config(const struct vg_config *cfg, struct review_config *rc);

/* enrich_review_account over `account`'s entries in all whose time is after from_ms (0: all),
 * at now_ms. 0, or -1 when out of memory. */
int account_signals_review(const struct account_signals *all, const struct enrich_account *a, int64_t from_ms,
                           int64_t now_ms, const struct review_config *rc, struct review_row *out);

#endif
