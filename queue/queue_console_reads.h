/* queue_console_reads — what the console's cache of saved reviews is checked against and
 * refilled from, so a page does not re-read and re-parse what has not changed: the saved
 * reviews' ids with their lengths (a saved review never changes once written: an id with the
 * same length is the same review), and one saved review. (The accounts' version, the other
 * cache's key, is queue_accounts_version_sync's.) */
#ifndef QUEUE_CONSOLE_READS_H
#define QUEUE_CONSOLE_READS_H

#include <stddef.h>

struct queue_sync;

struct queue_review_key {
    long long id;
    long long len; /* the saved JSON's length */
};
/* Every saved review's id and length, sorted by id (caller frees *out with vg_free). 0, or -1. */
int queue_reviews_keys(struct queue_sync *q, struct queue_review_key **out, size_t *n, char *err, size_t errlen);
/* Saved review `id`'s JSON (caller frees with vg_free); NULL with err[0] == '\0' when absent. */
char *queue_reviews_get(struct queue_sync *q, long long id, char *err, size_t errlen);

#endif
