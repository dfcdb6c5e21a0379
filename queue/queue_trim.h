/* queue_trim — the streams trimmed by age as well as by count: every minute, per stream,
 * vigie_trim (queue/lua/vigie.lua, "Stream bounds") removes the entries older than the
 * stream's retention, never one a consumer group has not acknowledged, then trims by count,
 * counting in trimmed:<stream> what that removes before a group acknowledged it. Every
 * daemon runs it: a call is idempotent, and cheap when there is nothing to trim. */
#ifndef QUEUE_TRIM_H
#define QUEUE_TRIM_H

#include <stdint.h>

struct queue;

struct queue_trim_limits {
    long long items_retention_ms, items_maxlen;   /* 0 retention: by count only */
    long long outputs_retention_ms, outputs_maxlen; /* signals and contacts */
};

/* From the housekeeping timer: trims each stream at most once a minute, *last_ms the
 * caller's monotonic ms of its last round (0: none yet, so the first tick trims at once), with
 * the limits given (read again at every tick: a reload changes them). */
void queue_trim_tick(struct queue *q, const struct queue_trim_limits *lim, int64_t *last_ms);

#endif
