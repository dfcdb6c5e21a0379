/* queue_tail — reads a stream from a point in time, for `vigie signals tail` and the like:
 * the entries' payloads in order, optionally waiting for new ones. */
#ifndef QUEUE_TAIL_H
#define QUEUE_TAIL_H

#include <stddef.h>
#include <stdint.h>

struct queue_sync;

/* Calls fn(field, payload, entry_id, arg) for every entry of stream (key suffix) from
 * since_ms (ms since the epoch, 0: the beginning) on; with follow, keeps waiting for new
 * entries until fn returns non-zero. Returns 0, or -1 with err. */
int queue_tail(struct queue_sync *q, const char *stream, int64_t since_ms, int follow,
               int (*fn)(const char *field, const char *payload, const char *entry_id, void *arg), void *arg,
               char *err, size_t errlen);

#endif
