/* fetch_host — per-host politeness for the HTTP client: who may start next.
 *
 * Requests are queued per host (the lower-cased host name of the URL; the port is not part of
 * the key because politeness is about the machine on the other end). A host may have at most
 * `per_host_limit` requests running, and two starts on one host are at least `delay_ms`
 * apart; a host told to back off (Retry-After on 429/503) starts nothing before its hold
 * expires. Hosts with queued work that may start are kept in a ready ring and served
 * round-robin, so one busy host cannot starve the others. A host waiting on time owns a
 * libevent timer that puts it back in the ring; the `wake` callback then tells the client to
 * start what it can. An idle host's entry is freed once its hold has passed, so the table
 * holds only hosts with something to remember.
 *
 * The queue links are embedded in the caller's request struct (struct fetch_waiter), so
 * queueing allocates nothing. fetch_http.c is the only user. */
#ifndef FETCH_HOST_H
#define FETCH_HOST_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct fetch_hosts;
struct fetch_host;

/* Embed as the first member of a queued request. */
struct fetch_waiter {
    struct fetch_waiter *next;
};

typedef void (*fetch_hosts_wake_cb)(void *arg);

/* Monotonic clock in milliseconds (CLOCK_MONOTONIC). */
uint64_t fetch_now_ms(void);

/* per_host_limit >= 1, delay_ms >= 0. `wake(arg)` is called from a host timer when a host
 * becomes ready again. NULL when memory runs out. */
struct fetch_hosts *fetch_hosts_new(struct event_base *base, int per_host_limit, long delay_ms,
                                    fetch_hosts_wake_cb wake, void *arg);
/* Frees every host entry. Queued waiters are not touched: take them out first with
 * fetch_hosts_take_all(). NULL is a no-op. */
void fetch_hosts_free(struct fetch_hosts *h);

/* How an entry is governed: FETCH_HOST_POLITE (the limit, the delay between starts and the
 * holds), FETCH_HOST_UNTHROTTLED (file:// URLs, URLs without a usable host: nothing), or
 * FETCH_HOST_PACED (requests whose caller keeps to a rate of its own, an API's budget: only
 * the holds — a delay between starts would cap the API at one request per delay whatever its
 * documented rate, and a limit of requests running would queue a granted request behind
 * slow ones, so that it reaches the API later than its turn and, with the next ones on
 * time, over the rate). The same host has one entry per mode. */
enum fetch_host_mode { FETCH_HOST_POLITE, FETCH_HOST_UNTHROTTLED, FETCH_HOST_PACED };
/* Finds or creates the entry for `key` (compared case-insensitively) in that mode. NULL on
 * OOM. The entry stays valid while it has queued or running requests. */
struct fetch_host *fetch_hosts_get(struct fetch_hosts *h, const char *key, enum fetch_host_mode mode);
/* Appends a request to the host's queue. */
void fetch_hosts_enqueue(struct fetch_hosts *h, struct fetch_host *host, struct fetch_waiter *w);
/* Takes the next request allowed to start now, round-robin over ready hosts, and counts it
 * as running on its host (stored in *host). NULL when nothing may start now. */
struct fetch_waiter *fetch_hosts_next(struct fetch_hosts *h, struct fetch_host **host);
/* A running request of `host` ended. hold_ms > 0 keeps the host's next start at least that
 * far in the future (Retry-After). The entry may be freed by this call. */
void fetch_hosts_done(struct fetch_hosts *h, struct fetch_host *host, long hold_ms);
/* Empties every queue and returns the waiters as one list (linked by `next`). */
struct fetch_waiter *fetch_hosts_take_all(struct fetch_hosts *h);

size_t fetch_hosts_queued(const struct fetch_hosts *h);
size_t fetch_hosts_count(const struct fetch_hosts *h);

#endif
