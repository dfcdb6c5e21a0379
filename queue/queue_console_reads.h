/* queue_console_reads — the small reads the console's page caches are checked against and
 * refilled from, so a page does not re-read and re-parse what has not changed: the accounts'
 * version, the saved reviews' ids with their lengths (a saved review never changes once
 * written: an id with the same length is the same review), and one saved review. */
#ifndef QUEUE_CONSOLE_READS_H
#define QUEUE_CONSOLE_READS_H

#include <stddef.h>

struct queue_sync;

/* accounts:version (0 when never set), or -1 with err. */
long long queue_accounts_version_get(struct queue_sync *q, char *err, size_t errlen);

struct queue_review_key {
    long long id;
    long long len; /* the saved JSON's length */
};
/* Every saved review's id and length, sorted by id (caller frees *out with vg_free). 0, or -1. */
int queue_reviews_keys(struct queue_sync *q, struct queue_review_key **out, size_t *n, char *err, size_t errlen);
/* Saved review `id`'s JSON (caller frees with vg_free); NULL with err[0] == '\0' when absent. */
char *queue_reviews_get(struct queue_sync *q, long long id, char *err, size_t errlen);

#endif
