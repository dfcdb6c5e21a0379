/* queue_portfolio_keys — what the console's portfolio orders and filters every account by,
 * without reading each account's whole series: per account its newest signal (time, type)
 * and its heat's log (the value series:heat ranks by, which keeps heat's order as time
 * passes), from three fields of series:w:<account>, one pipelined HMGET per account. The
 * portfolio then reads the full series of the one page it shows (queue_series_read). */
#ifndef QUEUE_PORTFOLIO_KEYS_H
#define QUEUE_PORTFOLIO_KEYS_H

#include <stddef.h>

struct queue_sync;

struct queue_portfolio_key {
    long long last_ms; /* the newest signal (0: none) */
    char last_type[32];
    double heat_log;   /* -HUGE_VAL: no signal */
};

/* The keys of accounts ids[0..n) into out[0..n). 0, or -1 with err. */
int queue_portfolio_keys(struct queue_sync *q, const char *const *ids, size_t n, struct queue_portfolio_key *out,
                         char *err, size_t errlen);

#endif
