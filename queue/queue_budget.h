/* queue_budget — a request budget shared by every vigie process through Redis: at most
 * `limit` requests in any rolling window of `window_ms`, like the vendors count them
 * (HubSpot: 190 per rolling 10 s).
 *
 * A plain token bucket of `limit` tokens refilled over the window would let twice the limit
 * through one rolling window (a full bucket, then its refill), so the budget keeps the times of
 * the requests granted in the window (a sorted set, one Redis function call per take) and
 * grants a request only while fewer than `limit` were granted in the last window_ms. Time is
 * Redis's own (TIME), so processes on machines whose clocks differ agree. */
#ifndef QUEUE_BUDGET_H
#define QUEUE_BUDGET_H

struct queue;

/* Asks for n requests under budget `name` (a key suffix: "budget:<name>"). cb gets wait_ms = 0
 * when granted (the n requests are counted), or how long to wait before asking again (nothing
 * counted; 1 to window_ms), or -1 when Redis could not answer (the caller waits and asks
 * again). Returns 0 when sent (cb runs later, once), -1 when not: Redis down, or a take that
 * could never be granted (n < 1 or n > limit, limit or window_ms < 1). One Redis function
 * call (vigie_budget_take) per take. */
typedef void (*queue_budget_cb)(long long wait_ms, void *arg);
int queue_budget_take(struct queue *q, const char *name, long long limit, long long window_ms, int n,
                      queue_budget_cb cb, void *arg);

#endif
