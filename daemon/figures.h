/* figures — the pipeline's shared figures in /metrics: per stream its length, per consumer
 * group its lag and pending count, the dead letters, sources due and failing. They describe
 * the whole deployment (every process sharing the Redis), the same as `vigie status`. */
#ifndef VG_FIGURES_H
#define VG_FIGURES_H

struct queue;
struct figures;

struct figures *figures_new(struct queue *q);
/* From the housekeeping timer: refreshes the gauges every few seconds. */
void figures_tick(struct figures *f);
void figures_free(struct figures *f);

#endif
