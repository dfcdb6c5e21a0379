/* queue_owed — what a sink owes its service and has not written yet, kept in Redis: a set of
 * strings per (namespace, name), e.g. the HubSpot sink's contact -> company associations,
 * recorded before the contacts are acknowledged and written later, many to a request. A crash
 * between the two loses none of them: the next run (any process of the sink) takes them.
 * Key: <prefix>owed:<namespace>:<name>, a hash (member -> "1") with an expiry. */
#ifndef QUEUE_OWED_H
#define QUEUE_OWED_H

#include <stddef.h>

struct queue;

/* Adds members (HSET) and renews the expiry (ttl_s). cb(arg, 1) once Redis has them, (arg, 0)
 * when it could not answer. 0 sent (cb runs later, once), -1 not (cb does not run). */
typedef void (*queue_owed_added_cb)(void *arg, int ok);
int queue_owed_add(struct queue *q, const char *ns, const char *name, const char *const *members, size_t n,
                   long long ttl_s, queue_owed_added_cb cb, void *arg);

/* Up to `max` members (HRANDFIELD: any of them, each once). cb gets them (n may be 0), or
 * members NULL when Redis could not answer; they live until cb returns. 0 sent, -1 not. */
typedef void (*queue_owed_cb)(void *arg, const char *const *members, size_t n);
int queue_owed_take(struct queue *q, const char *ns, const char *name, size_t max, queue_owed_cb cb, void *arg);

/* Removes members written (HDEL). Fire-and-forget; in order with later commands. */
int queue_owed_remove(struct queue *q, const char *ns, const char *name, const char *const *members, size_t n);

#endif
