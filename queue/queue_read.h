/* queue_read — reading a range of a stream from the event loop (for the summary that
 * `vigie run --once` prints, and for sinks that catch up). */
#ifndef QUEUE_READ_H
#define QUEUE_READ_H

#include <stddef.h>
#include <stdint.h>

struct queue;

struct queue_entry {
    const char *id;
    const char *field;
    const char *value;
};

/* Entries of stream (key suffix) from since_ms on, at most count; cb gets them (valid during
 * the call only), n == 0 and ok == 0 on error. -1 when Redis is down. */
int queue_read_range(struct queue *q, const char *stream, int64_t since_ms, size_t count,
                     void (*cb)(const struct queue_entry *v, size_t n, int ok, void *arg), void *arg);

#endif
