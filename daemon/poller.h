/* poller — the daemon's polling loop: claims due sources from the shared schedule, fetches
 * them with the HTTP client, parses them by kind, and hands the outcome and the new items
 * back to the schedule (queue_sched.h), which deduplicates and writes them. It glues
 * fetchers/ (fetch, parse) to queue/ (schedule, items); neither knows the other. */
#ifndef VG_POLLER_H
#define VG_POLLER_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct queue;
struct fetch_client;
struct vg_config;
struct poller;

/* cfg must outlive the poller (the daemon swaps it only for reloadable options). */
struct poller *poller_new(struct event_base *base, struct queue *q, struct fetch_client *fc,
                          const struct vg_config *cfg, char *err, size_t errlen);
/* Starts claiming (call when Redis is ready; calling again is harmless). */
void poller_start(struct poller *p);
/* Stops claiming new sources; drained(arg) runs once every poll in flight is recorded (at
 * once when none is). Polls cut short by shutdown are retried by any process when their
 * leases run out. */
void poller_stop(struct poller *p, void (*drained)(void *), void *arg);
void poller_set_config(struct poller *p, const struct vg_config *cfg);
/* idle(arg) runs once when a claim finds nothing due and no poll is in flight (the end of a
 * pass, for `vigie run --once`). */
void poller_on_idle(struct poller *p, void (*idle)(void *), void *arg);
void poller_free(struct poller *p);

struct poller_stats {
    uint64_t polls, ok, failed, not_modified;
    uint64_t unchanged;           /* 200s with a known body, recorded like a 304 */
    uint64_t items_added, items_duplicate, items_baseline;
    unsigned in_flight;
};
void poller_stats(const struct poller *p, struct poller_stats *out);

#endif
