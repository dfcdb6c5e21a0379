/* figures — pipeline figures as gauges (see figures.h). */
#include "daemon/figures.h"
#include "util/vg_alloc.h"
#include "util/vg_metrics.h"
#include "util/vg_time.h"
#include "queue/queue.h"
#include "queue/queue_info.h"

#include <stdio.h>

#define PERIOD_MS 5000

struct figures {
    struct queue *q;
    int asking;
    int64_t last;
};

static void set(const char *series, const char *help, double v)
{
    vg_metric_set(vg_gauge(series, help), v);
}

static void on_figures(const struct queue_info *info, void *arg)
{
    struct figures *f = arg;
    f->asking = 0;
    if (!info)
        return;
    char series[200];
    for (size_t i = 0; i < info->nstreams; i++) {
        const struct queue_stream_info *s = &info->streams[i];
        snprintf(series, sizeof(series), "vigie_stream_length{stream=\"%s\"}", s->name);
        set(series, "entries in each stream (dlq: the dead letters)", (double)s->length);
        for (size_t g = 0; g < s->ngroups; g++) {
            snprintf(series, sizeof(series), "vigie_group_lag{stream=\"%s\",group=\"%s\"}", s->name, s->groups[g].name);
            set(series, "entries of a stream not yet delivered to a consumer group", (double)s->groups[g].lag);
            snprintf(series, sizeof(series), "vigie_group_pending{stream=\"%s\",group=\"%s\"}", s->name,
                     s->groups[g].name);
            set(series, "entries delivered to a consumer group and not yet acknowledged", (double)s->groups[g].pending);
            snprintf(series, sizeof(series), "vigie_group_trimmed_unacked_total{stream=\"%s\",group=\"%s\"}",
                     s->name, s->groups[g].name);
            /* counters of the whole deployment, kept in Redis: read, not counted here */
            vg_metric_set(vg_counter(series, "entries a stream's maxlen trimmed away before the consumer group "
                                             "acknowledged them"),
                          (double)s->groups[g].trimmed);
        }
    }
    vg_metric_set(vg_counter("vigie_dlq_dropped_total",
                             "dead letters dropped by the dead-letter stream's cap ([pipeline] dlq_maxlen)"),
                  (double)info->dlq_dropped);
    set("vigie_sources", "sources in the registry", (double)info->sources);
    set("vigie_sources_due", "sources due for a poll now", (double)info->due);
    set("vigie_sources_failing", "sources whose last poll failed", (double)info->failing);
}

struct figures *figures_new(struct queue *q)
{
    struct figures *f = vg_calloc(1, sizeof(*f));
    if (f)
        f->q = q;
    return f;
}

void figures_tick(struct figures *f)
{
    int64_t now = vg_mono_ms();
    if (!f || f->asking || now - f->last < PERIOD_MS || !queue_is_ready(f->q))
        return;
    f->last = now;
    if (queue_figures(f->q, on_figures, f) == 0)
        f->asking = 1;
}

void figures_free(struct figures *f) { vg_free(f); }
