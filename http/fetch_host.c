/* fetch_host — per-host queues, limits and delays (see fetch_host.h).
 *
 * Invariant kept by refresh(): a host is in the ready ring exactly when it has queued work,
 * a free slot and no pending hold. Time only moves forward, so a ready host stays ready until
 * fetch_hosts_next() or fetch_hosts_done() changes it, and both call refresh(). */
#include "http/fetch_host.h"
#include "util/vg_hash.h"
#include "util/vg_alloc.h"

#include <ctype.h>
#include <event2/event.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct fetch_host {
    char *key;                     /* lower-cased */
    struct fetch_hosts *owner;
    struct fetch_host *hnext;      /* hash bucket chain */
    struct fetch_waiter *qhead, *qtail;
    int active;                    /* requests running */
    int unthrottled;
    int paced;                     /* FETCH_HOST_PACED: no delay between starts */
    uint64_t not_before;           /* monotonic ms: no start before this */
    struct fetch_host *rprev, *rnext;
    int in_ring;
    struct event *timer;           /* wakes a host waiting on not_before */
};

struct fetch_hosts {
    struct event_base *base;
    int limit;
    long delay_ms;
    fetch_hosts_wake_cb wake;
    void *wake_arg;
    struct fetch_host **buckets;
    size_t nbuckets;               /* power of two */
    size_t count;
    size_t queued;
    struct fetch_host *ring_head, *ring_tail;
};

uint64_t fetch_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ------------------------------------------------------------------------------------------ */
/* Table                                                                                      */

static size_t hash_key(const char *s)
{
    uint64_t h = VG_FNV64_BASIS; /* host names compare without case */
    for (; *s; s++)
        h = vg_fnv1a64_step(h, (unsigned char)tolower((unsigned char)*s));
    return (size_t)h;
}

static int grow(struct fetch_hosts *h)
{
    size_t n = h->nbuckets * 2;
    struct fetch_host **b = vg_calloc(n, sizeof(*b));
    if (!b)
        return -1;
    for (size_t i = 0; i < h->nbuckets; i++) {
        struct fetch_host *e = h->buckets[i];
        while (e) {
            struct fetch_host *next = e->hnext;
            size_t slot = hash_key(e->key) & (n - 1);
            e->hnext = b[slot];
            b[slot] = e;
            e = next;
        }
    }
    vg_free(h->buckets);
    h->buckets = b;
    h->nbuckets = n;
    return 0;
}

static void ring_append(struct fetch_hosts *h, struct fetch_host *e)
{
    e->rnext = NULL;
    e->rprev = h->ring_tail;
    if (h->ring_tail)
        h->ring_tail->rnext = e;
    else
        h->ring_head = e;
    h->ring_tail = e;
    e->in_ring = 1;
}

static void ring_remove(struct fetch_hosts *h, struct fetch_host *e)
{
    if (e->rprev)
        e->rprev->rnext = e->rnext;
    else
        h->ring_head = e->rnext;
    if (e->rnext)
        e->rnext->rprev = e->rprev;
    else
        h->ring_tail = e->rprev;
    e->rprev = e->rnext = NULL;
    e->in_ring = 0;
}

static void host_destroy(struct fetch_host *e)
{
    if (!e)
        return;
    if (e->timer)
        event_free(e->timer);
    vg_free(e->key);
    vg_free(e);
}

static void host_unlink_free(struct fetch_hosts *h, struct fetch_host *e)
{
    struct fetch_host **pp = &h->buckets[hash_key(e->key) & (h->nbuckets - 1)];
    while (*pp && *pp != e)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = e->hnext;
    if (e->in_ring)
        ring_remove(h, e);
    h->count--;
    host_destroy(e);
}

static void arm(struct fetch_host *e, uint64_t ms)
{
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
    evtimer_add(e->timer, &tv);
}

/* Brings the host's ring membership and timer in line with its state; frees an idle host
 * whose hold has passed. The caller must not use `e` afterwards unless it has queued or
 * running requests. */
static void refresh(struct fetch_hosts *h, struct fetch_host *e)
{
    uint64_t now = fetch_now_ms();
    int slot_free = e->unthrottled || e->paced || e->active < h->limit;
    int time_ok = e->unthrottled || now >= e->not_before;
    int ready = e->qhead && slot_free && time_ok;

    if (ready && !e->in_ring)
        ring_append(h, e);
    else if (!ready && e->in_ring)
        ring_remove(h, e);

    if (e->qhead && slot_free && !time_ok) {
        arm(e, e->not_before - now);
    } else if (!e->qhead && e->active == 0) {
        /* Keep an idle host only as long as it has a hold to remember. */
        if (time_ok) {
            host_unlink_free(h, e);
            return;
        }
        arm(e, e->not_before - now);
    } else {
        evtimer_del(e->timer);
    }
}

static void on_host_timer(evutil_socket_t fd, short what, void *arg)
{
    struct fetch_host *e = arg;
    struct fetch_hosts *h = e->owner;
    (void)fd;
    (void)what;
    refresh(h, e);
    if (h->ring_head && h->wake)
        h->wake(h->wake_arg);
}

/* ------------------------------------------------------------------------------------------ */
/* API                                                                                        */

struct fetch_hosts *fetch_hosts_new(struct event_base *base, int per_host_limit, long delay_ms,
                                    fetch_hosts_wake_cb wake, void *arg)
{
    struct fetch_hosts *h = vg_calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->base = base;
    h->limit = per_host_limit < 1 ? 1 : per_host_limit;
    h->delay_ms = delay_ms < 0 ? 0 : delay_ms;
    h->wake = wake;
    h->wake_arg = arg;
    h->nbuckets = 64;
    h->buckets = vg_calloc(h->nbuckets, sizeof(*h->buckets));
    if (!h->buckets) {
        vg_free(h);
        return NULL;
    }
    return h;
}

void fetch_hosts_free(struct fetch_hosts *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->nbuckets; i++) {
        struct fetch_host *e = h->buckets[i];
        while (e) {
            struct fetch_host *next = e->hnext;
            host_destroy(e);
            e = next;
        }
    }
    vg_free(h->buckets);
    vg_free(h);
}

struct fetch_host *fetch_hosts_get(struct fetch_hosts *h, const char *key, enum fetch_host_mode mode)
{
    int unthrottled = mode == FETCH_HOST_UNTHROTTLED, paced = mode == FETCH_HOST_PACED;
    size_t slot = hash_key(key) & (h->nbuckets - 1);
    for (struct fetch_host *e = h->buckets[slot]; e; e = e->hnext)
        if (strcasecmp(e->key, key) == 0 && e->unthrottled == unthrottled && e->paced == paced)
            return e;
    if (h->count >= h->nbuckets && grow(h) == 0)
        slot = hash_key(key) & (h->nbuckets - 1);

    struct fetch_host *e = vg_calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->key = vg_strdup(key);
    e->timer = evtimer_new(h->base, on_host_timer, e);
    if (!e->key || !e->timer) {
        host_destroy(e);
        return NULL;
    }
    for (char *p = e->key; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    e->owner = h;
    e->unthrottled = unthrottled;
    e->paced = paced;
    e->hnext = h->buckets[slot];
    h->buckets[slot] = e;
    h->count++;
    return e;
}

void fetch_hosts_enqueue(struct fetch_hosts *h, struct fetch_host *e, struct fetch_waiter *w)
{
    w->next = NULL;
    if (e->qtail)
        e->qtail->next = w;
    else
        e->qhead = w;
    e->qtail = w;
    h->queued++;
    refresh(h, e);
}

struct fetch_waiter *fetch_hosts_next(struct fetch_hosts *h, struct fetch_host **host)
{
    struct fetch_host *e = h->ring_head;
    if (!e)
        return NULL;
    ring_remove(h, e);
    struct fetch_waiter *w = e->qhead;
    e->qhead = w->next;
    if (!e->qhead)
        e->qtail = NULL;
    w->next = NULL;
    h->queued--;
    e->active++;
    if (!e->unthrottled && !e->paced && h->delay_ms > 0) {
        uint64_t next = fetch_now_ms() + (uint64_t)h->delay_ms;
        if (next > e->not_before)
            e->not_before = next;
    }
    refresh(h, e);   /* back to the ring's tail if it may start more: round-robin */
    *host = e;
    return w;
}

void fetch_hosts_done(struct fetch_hosts *h, struct fetch_host *e, long hold_ms)
{
    if (e->active > 0)
        e->active--;
    if (hold_ms > 0 && !e->unthrottled) {
        uint64_t until = fetch_now_ms() + (uint64_t)hold_ms;
        if (until > e->not_before)
            e->not_before = until;
    }
    refresh(h, e);
}

struct fetch_waiter *fetch_hosts_take_all(struct fetch_hosts *h)
{
    struct fetch_waiter *head = NULL, *tail = NULL;
    for (size_t i = 0; i < h->nbuckets; i++) {
        for (struct fetch_host *e = h->buckets[i]; e; e = e->hnext) {
            if (!e->qhead)
                continue;
            if (tail)
                tail->next = e->qhead;
            else
                head = e->qhead;
            tail = e->qtail;
            e->qhead = e->qtail = NULL;
            if (e->in_ring)
                ring_remove(h, e);
        }
    }
    h->queued = 0;
    return head;
}

size_t fetch_hosts_queued(const struct fetch_hosts *h) { return h ? h->queued : 0; }
size_t fetch_hosts_count(const struct fetch_hosts *h) { return h ? h->count : 0; }
