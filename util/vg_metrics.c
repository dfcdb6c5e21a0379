/* vg_metrics — metrics registry and Prometheus text rendering (see vg_metrics.h). */
#include "util/vg_metrics.h"
#include "util/vg_alloc.h"

#include <math.h>
#include <string.h>

enum metric_kind { KIND_COUNTER, KIND_GAUGE };

struct vg_metric {
    char *series;
    char *help;
    size_t family_len;
    enum metric_kind kind;
    double value;
    double (*fn)(void *);
    void *arg;
    struct vg_metric *next;
};

static struct vg_metric *head, *tail;

static struct vg_metric *get(const char *series, const char *help, enum metric_kind kind)
{
    for (struct vg_metric *m = head; m; m = m->next)
        if (strcmp(m->series, series) == 0)
            return m;
    struct vg_metric *m = vg_calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->series = vg_strdup(series);
    m->help = vg_strdup(help);
    if (!m->series || !m->help) {
        vg_free(m->series);
        vg_free(m->help);
        vg_free(m);
        return NULL;
    }
    m->family_len = strcspn(series, "{");
    m->kind = kind;
    if (tail)
        tail->next = m;
    else
        head = m;
    tail = m;
    return m;
}

struct vg_metric *vg_counter(const char *series, const char *help) { return get(series, help, KIND_COUNTER); }

struct vg_metric *vg_gauge(const char *series, const char *help) { return get(series, help, KIND_GAUGE); }

struct vg_metric *vg_gauge_fn(const char *series, const char *help, double (*fn)(void *), void *arg)
{
    struct vg_metric *m = get(series, help, KIND_GAUGE);
    if (m) {
        m->fn = fn;
        m->arg = arg;
    }
    return m;
}

void vg_metric_add(struct vg_metric *m, double v)
{
    if (m)
        m->value += v;
}

void vg_metric_set(struct vg_metric *m, double v)
{
    if (m)
        m->value = v;
}

double vg_metric_value(const struct vg_metric *m)
{
    if (!m)
        return 0;
    return m->fn ? m->fn(m->arg) : m->value;
}

static int same_family(const struct vg_metric *a, const struct vg_metric *b)
{
    return a->family_len == b->family_len && strncmp(a->series, b->series, a->family_len) == 0;
}

int vg_metrics_render(struct vg_buf *out)
{
    int rc = 0;
    for (struct vg_metric *m = head; m; m = m->next) {
        /* The first series of a family prints the family's header and every series in it. */
        int first = 1;
        for (struct vg_metric *p = head; p != m; p = p->next)
            if (same_family(p, m))
                first = 0;
        if (!first)
            continue;
        rc |= vg_buf_printf(out, "# HELP %.*s %s\n# TYPE %.*s %s\n", (int)m->family_len, m->series,
                            m->help, (int)m->family_len, m->series,
                            m->kind == KIND_COUNTER ? "counter" : "gauge");
        for (struct vg_metric *s = m; s; s = s->next) {
            if (!same_family(s, m))
                continue;
            double v = vg_metric_value(s);
            if (v == floor(v) && fabs(v) < 1e15)
                rc |= vg_buf_printf(out, "%s %.0f\n", s->series, v);
            else
                rc |= vg_buf_printf(out, "%s %.6g\n", s->series, v);
        }
    }
    return rc ? -1 : 0;
}

void vg_metric_remove(struct vg_metric *m)
{
    struct vg_metric **pp = &head, *prev = NULL;
    while (*pp && *pp != m) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (!*pp)
        return;
    *pp = m->next;
    if (tail == m)
        tail = prev;
    vg_free(m->series);
    vg_free(m->help);
    vg_free(m);
}

void vg_metrics_free_all(void)
{
    while (head)
        vg_metric_remove(head);
}
