/* poll_budget — FIFO lines in front of the shared budgets (see poll_budget.h). */
#include "daemon/poll_budget.h"
#include "queue/queue_budget.h"
#include "util/vg_alloc.h"
#include "util/vg_event.h"
#include "util/vg_log.h"
#include "util/vg_time.h"

#include <event2/event.h>
#include <string.h>

/* Redis did not answer: the head asks again after this, and the warning is written at most
 * once per REDIS_LOG_MS. */
#define REDIS_RETRY_MS 1000
#define REDIS_LOG_MS 60000

struct line;

struct poll_budget_wait {
    struct line *line;
    void (*granted)(void *);
    void *arg;
    struct poll_budget_wait *prev, *next;
};

/* The waiters of one budget, in arrival order. */
struct line {
    struct poll_budgets *b;      /* NULL once the budgets are freed with an answer to come */
    char *name;
    long long limit, window_ms;
    struct poll_budget_wait *head, *tail;
    unsigned long n;
    struct event *timer;         /* the head's next ask */
    int asking;                  /* a take is out to Redis */
    struct line *next;
};

struct poll_budgets {
    struct event_base *base;
    struct queue *q;
    struct line *lines;
    struct vg_log_limit redis_errors;
};

static void ask(evutil_socket_t fd, short what, void *arg);

struct poll_budgets *poll_budgets_new(struct event_base *base, struct queue *q)
{
    struct poll_budgets *b = vg_calloc(1, sizeof(*b));
    if (b) {
        b->base = base;
        b->q = q;
    }
    return b;
}

static void line_free(struct line *l)
{
    if (l->timer)
        event_free(l->timer);
    vg_free(l->name);
    vg_free(l);
}

void poll_budgets_free(struct poll_budgets *b)
{
    if (!b)
        return;
    for (struct line *l = b->lines, *next; l; l = next) {
        next = l->next;
        if (l->asking) {
            /* its answer comes later and frees it (on_take) */
            event_free(l->timer);
            l->timer = NULL;
            l->b = NULL;
            l->head = l->tail = NULL;
        } else
            line_free(l);
    }
    vg_free(b);
}

static struct line *line_for(struct poll_budgets *b, const char *name)
{
    for (struct line *l = b->lines; l; l = l->next)
        if (strcmp(l->name, name) == 0)
            return l;
    struct line *l = vg_calloc(1, sizeof(*l));
    if (!l || !(l->name = vg_strdup(name)) || !(l->timer = evtimer_new(b->base, ask, l))) {
        if (l)
            line_free(l);
        return NULL;
    }
    l->b = b;
    l->next = b->lines;
    b->lines = l;
    return l;
}

static void unlink_wait(struct poll_budget_wait *w)
{
    struct line *l = w->line;
    if (w->prev)
        w->prev->next = w->next;
    else
        l->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        l->tail = w->prev;
    l->n--;
}

static void redis_trouble(struct line *l, const char *why)
{
    unsigned long held;
    if (vg_log_limit_pass(&l->b->redis_errors, vg_mono_ms(), REDIS_LOG_MS, &held))
        vg_warn("fetch", "budget api:%s: %s; polls under it wait and ask again every %d s%s", l->name, why,
                REDIS_RETRY_MS / 1000, held ? " (repeated)" : "");
    vg_timer_arm(l->timer, REDIS_RETRY_MS);
}

static void on_take(long long wait_ms, void *arg)
{
    struct line *l = arg;
    l->asking = 0;
    if (!l->b) {
        line_free(l);
        return;
    }
    if (!l->head && wait_ms != 0)
        return; /* nobody waits any more (shutdown) */
    if (wait_ms < 0) {
        redis_trouble(l, "redis did not answer");
        return;
    }
    if (wait_ms > 0) {
        vg_timer_arm(l->timer, wait_ms);
        return;
    }
    /* Granted. The head may have left meanwhile (its poll cut short): the next one takes the
     * token, or it is lost (counted, unused: the budget errs on the safe side). */
    struct poll_budget_wait *w = l->head;
    if (l->head && l->head->next)
        vg_timer_arm(l->timer, 0);
    if (!w)
        return;
    unlink_wait(w);
    void (*granted)(void *) = w->granted;
    void *garg = w->arg;
    vg_free(w);
    granted(garg); /* may wait again, or cancel others: w is gone, l is not */
}

static void ask(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct line *l = arg;
    if (l->asking || !l->head)
        return;
    l->asking = 1;
    if (queue_budget_take(l->b->q, l->name, l->limit, l->window_ms, 1, on_take, l) < 0) {
        l->asking = 0;
        redis_trouble(l, "redis is not reachable");
    }
}

struct poll_budget_wait *poll_budget_wait(struct poll_budgets *b, const char *name, long long limit,
                                          long long window_ms, void (*granted)(void *), void *arg)
{
    struct line *l = line_for(b, name);
    struct poll_budget_wait *w = l ? vg_calloc(1, sizeof(*w)) : NULL;
    if (!w)
        return NULL;
    l->limit = limit;
    l->window_ms = window_ms;
    w->line = l;
    w->granted = granted;
    w->arg = arg;
    w->prev = l->tail;
    if (l->tail)
        l->tail->next = w;
    else
        l->head = w;
    l->tail = w;
    l->n++;
    /* The first waiter starts the asking; later ones queue behind it. */
    if (l->n == 1 && !l->asking && !evtimer_pending(l->timer, NULL))
        vg_timer_arm(l->timer, 0);
    return w;
}

void poll_budget_cancel(struct poll_budget_wait *w)
{
    if (!w)
        return;
    unlink_wait(w);
    vg_free(w);
}

unsigned long poll_budgets_waiting(const struct poll_budgets *b)
{
    unsigned long n = 0;
    for (const struct line *l = b ? b->lines : NULL; l; l = l->next)
        n += l->n;
    return n;
}

long long poll_budgets_drain_ms(const struct poll_budgets *b)
{
    long long worst = 0;
    for (const struct line *l = b ? b->lines : NULL; l; l = l->next)
        if (l->n && l->limit > 0 && (long long)l->n * l->window_ms / l->limit > worst)
            worst = (long long)l->n * l->window_ms / l->limit;
    return worst;
}
