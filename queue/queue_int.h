/* queue_int — what queue/ files share about struct queue (not for other modules). */
#ifndef QUEUE_INT_H
#define QUEUE_INT_H

#include "queue/queue.h"
#include "queue/queue_conn.h"
#include "queue/queue_info.h"

struct queue_conn *queue_cmd(struct queue *q);
/* A further connection to the same Redis (e.g. "block" for blocking reads); the caller frees
 * it with queue_conn_free. */
struct queue_conn *queue_open_conn(struct queue *q, const char *role, queue_conn_state_cb on_state, void *arg,
                                   char *err, size_t errlen);
struct event_base *queue_base(struct queue *q);
/* The consumer name of this process in consumer groups (stable across restarts when
 * [daemon] instance is set). */
const char *queue_consumer(const struct queue *q);
const char *queue_prefix(const struct queue *q);

/* One group of an XINFO GROUPS reply (name, lag, pending, consumers). */
void queue_group_from_reply(const redisReply *kv, struct queue_group_info *gi);

/* An HGETALL reply of the accounts hash as one JSON array text, sorted by id (vg_free); NULL
 * when out of memory. */
char *queue_accounts_join(const redisReply *hgetall, size_t *n);

#endif
