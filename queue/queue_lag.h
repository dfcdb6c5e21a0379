/* queue_lag — how far a consumer group is behind on a stream, asked from the event loop.
 * The poller uses it for backpressure: fetching slows down while enrich is behind. */
#ifndef QUEUE_LAG_H
#define QUEUE_LAG_H

struct queue;

/* cb gets the group's lag (entries not yet delivered) and pending count; lag = 0 when the
 * stream does not exist yet, -2 when the stream exists but the group does not (its consumers
 * have not started), -1 on error. Returns -1 when Redis is down. */
int queue_group_lag(struct queue *q, const char *stream, const char *group,
                    void (*cb)(long long lag, long long pending, void *arg), void *arg);

#endif
