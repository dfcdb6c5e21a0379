/* vg_metrics — the process's metrics registry, rendered as Prometheus text on /metrics.
 *
 * A series is named with its labels, e.g. vg_counter("vigie_fetch_errors_total{reason=\"dns\"}",
 * "..."): the family (the part before '{') gets one HELP and TYPE line. Getting a series that
 * exists returns it, so modules can look series up lazily on first use. One event loop, one
 * thread: no locking. */
#ifndef VG_METRICS_H
#define VG_METRICS_H

#include "util/vg_buf.h"

struct vg_metric;

/* NULL on allocation failure; the add/set functions accept NULL and do nothing. */
struct vg_metric *vg_counter(const char *series, const char *help);
struct vg_metric *vg_gauge(const char *series, const char *help);
/* A gauge read at render time from fn(arg). */
struct vg_metric *vg_gauge_fn(const char *series, const char *help, double (*fn)(void *), void *arg);

void vg_metric_add(struct vg_metric *m, double v);
void vg_metric_set(struct vg_metric *m, double v);
double vg_metric_value(const struct vg_metric *m);

/* Appends the Prometheus text exposition of every series to out. */
int vg_metrics_render(struct vg_buf *out);
/* Removes a series (e.g. a gauge whose fn's arg is going away). */
void vg_metric_remove(struct vg_metric *m);
/* Frees the registry (at exit). */
void vg_metrics_free_all(void);

#endif
