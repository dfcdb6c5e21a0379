/* poll_budget — the poller's side of the APIs' shared request budgets (queue_budget.h).
 *
 * Every request of a poll of a budgeted kind waits here for a token of "api:<kind>" before it
 * is sent. The waiters of one budget form a FIFO in this process, and only its head asks Redis:
 * a thousand polls waiting for a 7/s budget cost Redis one call per grant (plus one per wait
 * it tells), never a thousand calls per turn. Redis grants across every vigie process, so the
 * limit holds however many run; when Redis cannot answer, the head asks again a second later.
 *
 * Single-threaded: the event loop's thread only. */
#ifndef VG_POLL_BUDGET_H
#define VG_POLL_BUDGET_H

struct event_base;
struct queue;
struct poll_budgets;
struct poll_budget_wait;

struct poll_budgets *poll_budgets_new(struct event_base *base, struct queue *q);
/* Cancel every wait first. Frees the budgets; a Redis answer still to come (only when the
 * queue is freed after this) finds its budget marked gone and frees it. */
void poll_budgets_free(struct poll_budgets *b);

/* Waits for one request of budget `name` (at most limit in any window_ms, limit >= 1):
 * granted(arg) runs once the token is taken, from the event loop, never from inside this call.
 * The limit and window are the latest a waiter gave. NULL when out of memory. */
struct poll_budget_wait *poll_budget_wait(struct poll_budgets *b, const char *name, long long limit,
                                          long long window_ms, void (*granted)(void *), void *arg);
/* Leaves the line before it is granted (granted is then never called). */
void poll_budget_cancel(struct poll_budget_wait *w);
/* Waits in all lines now (for /metrics and tests). */
unsigned long poll_budgets_waiting(const struct poll_budgets *b);
/* How long the longest line takes to drain at its budget's pace (waiters x window / limit),
 * in ms: what a request joining it now would wait at least. */
long long poll_budgets_drain_ms(const struct poll_budgets *b);

#endif
