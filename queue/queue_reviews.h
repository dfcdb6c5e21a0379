/* queue_reviews — the kept portfolio reviews and the tier decisions (docs/design.md "Review").
 *
 * Keys (under the prefix): reviews (a hash: review id -> the saved review as JSON, written by
 * `vigie review --save`), reviews:seq (the last id given: ids are 1, 2, ... in the order of
 * saving) and tier-decisions:<account id> (a list of JSON decisions, oldest first, pushed by
 * `vigie accounts set-tier` in the same transaction as the account's new tier). */
#ifndef QUEUE_REVIEWS_H
#define QUEUE_REVIEWS_H

#include <stddef.h>

struct queue_sync;

/* Gives the next review id (> 0), or -1 (err says why). */
long long queue_reviews_next_id(struct queue_sync *q, char *err, size_t errlen);
/* Stores review `id` as `json`. 0, or -1. */
int queue_reviews_put(struct queue_sync *q, long long id, const char *json, char *err, size_t errlen);
/* Every saved review's JSON, oldest first: an array of n strings (caller frees with
 * queue_reviews_free). 0, or -1. */
int queue_reviews_all(struct queue_sync *q, char ***json, size_t *n, char *err, size_t errlen);
void queue_reviews_free(char **json, size_t n);

/* Stores the account with its new tier, appends the decision to its tier-decisions list and
 * bumps the accounts' version (daemons reload), in one transaction. 0, or -1. */
int queue_tier_decide(struct queue_sync *q, const char *id, const char *account_json, const char *decision_json,
                      char *err, size_t errlen);
/* The last decision of each of ids[0..n) (out[i] NULL when none; caller frees each with
 * vg_free). 0, or -1. */
int queue_tier_last(struct queue_sync *q, const char *const *ids, size_t n, char **out, char *err, size_t errlen);

/* ---- the daemon's scheduled review, once per period across every process ---------------- */

/* Whether this process runs period's review: 1 when it took the lease (SET NX PX lease_ms,
 * value instance) and the period has no done mark; 0 when the period is done already (its
 * review id in *done_id) or another process holds the lease (*done_id 0); -1 (err). */
int queue_review_sched_take(struct queue_sync *q, const char *period, const char *instance, long long lease_ms,
                            long long *done_id, char *err, size_t errlen);

/* Drops period's lease when instance holds it (a run that failed). Best effort: GET then DEL,
 * and a lease that ran out and was taken in between would be dropped too (the done mark still
 * keeps the period from being written twice). */
void queue_review_sched_release(struct queue_sync *q, const char *period, const char *instance);

/* The review of a period, written whole or not at all: the saved review `review_json` as id,
 * each of emails[0..n_emails) to the stream alerts:email (field alert), `outbox` (or NULL) to
 * the stream reports (field review), both capped near maxlen, and the done mark review-done:
 * <period> = id (kept keep_s seconds); the lease dropped. WATCHes the done mark: when another
 * process marked the period meanwhile, nothing is written and 0 is returned. 1 written, 0 not,
 * -1 (err; whether it was written is then unknown only when err says so). */
int queue_review_sched_commit(struct queue_sync *q, const char *period, long long id, const char *review_json,
                              const char *const *emails, size_t n_emails, const char *outbox, long long maxlen,
                              long long keep_s, char *err, size_t errlen);

#endif
