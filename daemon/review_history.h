/* review_history — what `vigie review` keeps and compares (daemon/cmd_review_history.c):
 * saved reviews (--save, --list, --diff), the past rows that count towards de-selection, and
 * the last tier decision of each account (`vigie accounts set-tier`). */
#ifndef VG_REVIEW_HISTORY_H
#define VG_REVIEW_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "enrich/review.h"

struct queue_sync;
struct enrich_account;
struct enrich_account_set;
struct review_row;

/* The saved reviews, oldest first (a cJSON array of the saved objects). NULL with a message on
 * stderr on error. */
cJSON *review_past_load(struct queue_sync *q);
/* The account's `below` in the saved reviews, newest first, into out[0..max): 1, 0, or -1
 * when it was not in that review. Returns how many. */
size_t review_past_below(const cJSON *past, const char *id, int *out, size_t max);
/* `vigie review --list`: every saved review, oldest first, as a table or JSON. 0. */
int review_past_list(const cJSON *past, const char *format);
/* A saved review by id or `last`; NULL with a message on stderr when there is none. */
const cJSON *review_past_find(const cJSON *past, const char *which);

/* The row as a saved review keeps it. */
cJSON *review_saved_row(const struct enrich_account *a, const struct review_row *r);
/* The saved review's object {id, at, ms, counts, rows} of rows (consumed: review_saved_row's),
 * which review_save stores. */
cJSON *review_saved_doc(cJSON *rows, long long id, int64_t now_ms);
/* Saves rows (consumed) as a new review at now_ms; prints `saved review N` on stderr. 0, or 1. */
int review_save(struct queue_sync *q, cJSON *rows, int64_t now_ms);
/* `vigie review --diff`: what changed per account between the saved review `prev` and the
 * rows of this one (review_saved_row's); set: every stored account (tells retired from
 * removed); owner: the --owner filter or NULL. 0, or 1 out of memory. */
/* What changed for one account between two reviews (review_diff). */
#define REVIEW_CHANGE_LINES 8
struct review_change {
    const char *id, *name, *kind; /* kind: added, retired, removed, changed; id and name point
                                     into the rows compared */
    char lines[REVIEW_CHANGE_LINES][REVIEW_REASON_LEN];
    int n;
};
/* The changes per account between the saved review `prev` and rows (review_saved_row's, or a
 * later saved review's "rows"); set and owner as for review_diff_print. *out (free with
 * vg_free) holds *n changes: accounts of rows first, in their order, then those gone. 0, or -1
 * out of memory. */
int review_diff(const cJSON *prev, const cJSON *rows, const struct enrich_account_set *set, const char *owner,
                struct review_change **out, size_t *n);
int review_diff_print(const cJSON *prev, const cJSON *rows, const struct enrich_account_set *set, const char *owner,
                      int64_t now_ms, const char *format);

/* Fills each row's decision with the account's last tier decision (and a reason line). 0, or 1
 * with a message on stderr. */
int review_decisions(struct queue_sync *q, const char *const *ids, struct review_row *const *rows, size_t n);

#endif
