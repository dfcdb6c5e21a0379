/* queue_marks — small strings kept in Redis per (namespace, key) with an expiry: a sink's
 * delivery records (the CRM id of the note made for a signal), so a redelivered entry is
 * recognised. Keys: <prefix>mark:<namespace>:<key>. */
#ifndef QUEUE_MARKS_H
#define QUEUE_MARKS_H

#include <stddef.h>

struct queue;

/* cb gets one value per key, in order (NULL when absent), or values NULL when Redis could not
 * answer. The values live until cb returns. One MGET; 0 sent, -1 not (Redis down, n == 0). */
typedef void (*queue_marks_cb)(void *arg, const char *const *values, size_t n);
int queue_marks_get(struct queue *q, const char *ns, const char *const *keys, size_t n, queue_marks_cb cb,
                    void *arg);
/* SET with EX ttl_s. Fire-and-forget; commands on one connection run in order, so a later get
 * sees it. */
int queue_mark_set(struct queue *q, const char *ns, const char *key, const char *value, long long ttl_s);

#endif
