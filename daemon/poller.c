/* poller — when to claim sources, and the poller's lifecycle (see poller.h).
 *
 * One claim is outstanding at a time. The poller keeps several batches of [fetch]
 * max_in_flight sources claimed and not yet fetched (claim_window): the HTTP client runs one
 * while the others wait in its queue, so the fetch slots never sit idle for a claim's round
 * trip. A new claim goes out as soon as there is room for half a batch, so a backlog drains at
 * the speed of the network while an idle poller costs one script call per second. Recording a poll
 * (queue_recorder) does not hold a fetch slot: results are batched into one script call per
 * turn of the event loop.
 *
 * Each claimed source becomes a poll: poll_fetch.c sends its requests and parses what comes
 * back, poll_record.c hands its outcome and items to the schedule with the delay before its
 * next poll. The layout the three share is in poller_int.h. Backpressure is here: while the
 * enrich stage is more than [pipeline] max_lag items behind, no claim goes out. */
#include "daemon/poller.h"
#include "daemon/config.h"
#include "daemon/poll_budget.h"
#include "daemon/poll_kind.h"
#include "daemon/poller_int.h"
#include "util/vg_alloc.h"
#include "util/vg_event.h"
#include "util/vg_log.h"
#include "util/vg_metrics.h"
#include "util/vg_time.h"
#include "util/vg_work.h"
#include "http/fetch_http.h"
#include "fetchers/kind.h"
#include "fetchers/seen_cache.h"
#include "queue/queue.h"
#include "queue/queue_contract.h"
#include "queue/queue_lag.h"
#include "queue/queue_sched.h"

#include <event2/event.h>
#include <stdio.h>

#define CLAIM_PERIOD_MS 1000
#define CLAIM_ERROR_LOG_MS 60000
#define LAG_PERIOD_MS 2000
/* Batches of max_in_flight sources kept claimed ahead of the fetches: enough that the fetch
 * slots do not run dry during a claim's round trip, which waits behind the recording calls
 * queued on the same connection. With 4, claims answered after 3-4 ms, and the HTTP client
 * was idle in about a quarter of /metrics samples taken every 10 ms (10,000 304s on loopback,
 * bench/poll_bench.py); with 8 it was not, past the first cycle (which then rebuilt every poll card). */
#define CLAIM_AHEAD 8
/* ...unless a claimed source waits longer than lease / LEASE_SHARE before its fetch ends (a
 * slow or throttled host): claiming ahead would then eat into the lease, so one batch only. */
#define LEASE_SHARE 8
/* Items known as seen in Redis, kept to leave them out of the polls that bring them again:
 * 16 bytes each, at most 8 MiB (half a million items: 50,000 feeds of 10). */
#define SEEN_CACHE_ENTRIES (512 * 1024)

/* How many sources may be claimed and not yet fetched. While requests wait in an API budget's
 * line, one batch only: a claim ahead could bring eight batches of that API's sources. */
static unsigned claim_window(const struct poller *p)
{
    unsigned cap = (unsigned)p->cfg->fetch_max_in_flight;
    return p->wait_ms * LEASE_SHARE < p->cfg->fetch_lease_ms && !poll_budgets_waiting(p->budgets)
               ? CLAIM_AHEAD * cap
               : cap;
}

/* Room for a claim: half a batch fits in the window, and the results waiting to be recorded
 * are not piling up (Redis slower than the network). */
int poller_claim_room(const struct poller *p)
{
    unsigned cap = (unsigned)p->cfg->fetch_max_in_flight;
    unsigned half = cap / 2 ? cap / 2 : 1;
    /* An API's line longer than lease / LEASE_SHARE: the sources claimed now could join it
     * and wait past their leases (another process would poll them too). */
    if (poll_budgets_drain_ms(p->budgets) > p->cfg->fetch_lease_ms / LEASE_SHARE)
        return 0;
    return p->fetching + half <= claim_window(p) && p->in_flight - p->fetching <= 4 * cap;
}

void poller_fetch_finished(struct poll *pl)
{
    struct poller *p = pl->p;
    if (!pl->fetching)
        return;
    pl->fetching = 0;
    p->fetching--;
    p->wait_ms += (vg_mono_ms() - pl->started - p->wait_ms) / 8;
    if (p->running && poller_claim_room(p))
        poller_schedule_claim(p, 0);
}

void poller_check_drained(struct poller *p)
{
    if (!p->running && p->in_flight == 0 && !p->claiming && p->drained) {
        void (*cb)(void *) = p->drained;
        p->drained = NULL;
        cb(p->drained_arg);
    }
}

/* ---- claim ------------------------------------------------------------------ */

static void on_claimed(struct queue_source_state *v, size_t n, const char *err, void *arg)
{
    struct poller *p = arg;
    p->claiming = 0;
    unsigned long held;
    /* a claim is retried every second: Redis refusing writes must not write a line each time */
    if (err && vg_log_limit_pass(&p->claim_errors, vg_mono_ms(), CLAIM_ERROR_LOG_MS, &held)) {
        if (held)
            vg_warn("fetch", "%s (and %lu more claim failures in the last %ds)", err, held, CLAIM_ERROR_LOG_MS / 1000);
        else
            vg_warn("fetch", "%s", err);
    }
    for (size_t i = 0; i < n; i++)
        poll_start(p, &v[i]);
    vg_free(v); /* the elements were moved into their polls */
    if (n == 0 && !err && p->in_flight == 0 && p->idle) {
        void (*cb)(void *) = p->idle;
        p->idle = NULL;
        cb(p->idle_arg);
    }
    /* A batch means more may be due: ask again as soon as there is room (fetch_finished and
     * on_recorded ask then); nothing due: look again in a while. */
    if (p->running)
        poller_schedule_claim(p, n > 0 && poller_claim_room(p) ? 0 : CLAIM_PERIOD_MS);
    poller_check_drained(p);
}

static void on_claim_timer(evutil_socket_t fd, short what, void *arg)
{
    struct poller *p = arg;
    if (!p->running || p->claiming)
        return;
    /* Claim in batches of at least half max_in_flight, so that one claim call serves many
     * polls instead of one per finished poll. */
    if (p->paused || !poller_claim_room(p) || !queue_is_ready(p->q)) {
        poller_schedule_claim(p, CLAIM_PERIOD_MS);
        return;
    }
    p->claiming = 1;
    if (queue_sched_claim(p->q, claim_window(p) - p->fetching, p->cfg->fetch_lease_ms, on_claimed, p) < 0) {
        p->claiming = 0;
        poller_schedule_claim(p, CLAIM_PERIOD_MS);
    }
}

void poller_schedule_claim(struct poller *p, long ms)
{
    if (p->claiming)
        return;
    vg_timer_arm(p->claim_ev, ms); /* 0: next turn, however often asked (see vg_event.h) */
}

/* ---- backpressure ------------------------------------------------------------- */

/* Hysteresis (pause above max_lag, resume below half) so the poller does not flap. */
static void on_lag(long long lag, long long pending, void *arg)
{
    struct poller *p = arg;
    p->lag_asking = 0;
    if (lag < 0)
        return;
    long long max = p->cfg->pipe_max_lag;
    if (!p->paused && lag > max) {
        p->paused = 1;
        vg_warn("fetch", "backpressure: enrich is %lld items behind (max_lag %lld); fetching paused", lag, max);
    } else if (p->paused && lag <= max / 2) {
        p->paused = 0;
        vg_notice("fetch", "backpressure over: enrich is %lld items behind; fetching resumed", lag);
        poller_schedule_claim(p, 0);
    }
    vg_metric_set(p->m_paused, p->paused);
}

static void on_lag_timer(evutil_socket_t fd, short what, void *arg)
{
    struct poller *p = arg;
    if (p->running && !p->lag_asking && queue_group_lag(p->q, QUEUE_STREAM_ITEMS, QUEUE_GROUP_ENRICH, on_lag, p) == 0)
        p->lag_asking = 1;
}

/* ---- lifecycle ------------------------------------------------------------------ */

static double gauge_in_flight(void *arg)
{
    struct fetch_stats st;
    fetch_client_stats(((struct poller *)arg)->fc, &st);
    return (double)st.in_flight;
}

static double gauge_queued(void *arg)
{
    struct fetch_stats st;
    fetch_client_stats(((struct poller *)arg)->fc, &st);
    return (double)st.queued;
}

static double gauge_budget_waiting(void *arg)
{
    return (double)poll_budgets_waiting(((struct poller *)arg)->budgets);
}

struct poller *poller_new(struct event_base *base, struct queue *q, struct fetch_client *fc,
                          const struct vg_config *cfg, char *err, size_t errlen)
{
    struct poller *p = vg_calloc(1, sizeof(*p));
    if (!p || !(p->claim_ev = evtimer_new(base, on_claim_timer, p)) ||
        !(p->lag_ev = event_new(base, -1, EV_PERSIST, on_lag_timer, p))) {
        snprintf(err, errlen, "out of memory");
        if (p && p->claim_ev)
            event_free(p->claim_ev);
        vg_free(p);
        return NULL;
    }
    p->base = base;
    p->q = q;
    /* Until fetches have shown how long a claimed source waits, claim one batch at a time. */
    p->wait_ms = cfg->fetch_lease_ms;
    source_kinds_init(); /* before a second thread parses */
    int oom = !(p->rec = queue_recorder_new(q)) || !(p->budgets = poll_budgets_new(base, q)) ||
              !(p->kinds = poll_kinds_new(cfg));
    if (oom || !(p->work = vg_work_new(base, 1, err, errlen))) {
        if (oom)
            snprintf(err, errlen, "out of memory");
        queue_recorder_free(p->rec);
        poll_budgets_free(p->budgets);
        poll_kinds_free(p->kinds);
        event_free(p->claim_ev);
        event_free(p->lag_ev);
        vg_free(p);
        return NULL;
    }
    p->fc = fc;
    p->cfg = cfg;
    p->m_in_flight = vg_gauge_fn("vigie_fetch_in_flight", "fetches running now", gauge_in_flight, p);
    p->m_queued = vg_gauge_fn("vigie_fetch_queued", "fetches waiting for a slot (per-host or global limit)", gauge_queued, p);
    p->m_budget_waiting = vg_gauge_fn("vigie_fetch_budget_waiting", "requests of polls waiting for a token of their "
                                      "API's shared budget ([sources] <kind>_rate)", gauge_budget_waiting, p);
    p->m_off_loop = vg_counter("vigie_parses_off_loop_total", "large bodies parsed on a worker thread, off the event loop");
    p->m_paused = vg_gauge("vigie_fetch_paused", "1 while fetching is paused because enrich is behind (backpressure)");
    p->m_polls_ok = vg_counter("vigie_polls_total{result=\"ok\"}", "polls of sources by result");
    p->m_polls_failed = vg_counter("vigie_polls_total{result=\"failed\"}", "polls of sources by result");
    p->m_not_modified = vg_counter("vigie_polls_not_modified_total", "polls answered 304 Not Modified");
    p->m_unchanged = vg_counter("vigie_polls_unchanged_total",
                                "polls answered 200 with the body of an earlier poll whose items are all known as seen");
    p->m_added = vg_counter("vigie_items_total{result=\"new\"}", "items read from sources, by what became of them");
    p->m_dup = vg_counter("vigie_items_total{result=\"duplicate\"}", "items read from sources, by what became of them");
    p->m_base = vg_counter("vigie_items_total{result=\"baseline\"}", "items read from sources, by what became of them");
    p->m_cached = vg_counter("vigie_items_cached_total", "items left out of a poll's record because this process "
                             "knew them as seen in Redis (counted as duplicates too)");
    /* Without it (out of memory) every item goes to Redis: slower, as correct. */
    p->seen = seen_cache_new(SEEN_CACHE_ENTRIES);
    p->seen_ttl_ms = cfg->fetch_dedup_ttl_ms;
    return p;
}

void poller_start(struct poller *p)
{
    if (p->running)
        return;
    p->running = 1;
    poller_schedule_claim(p, 0);
    struct timeval tv = vg_tv_ms(LAG_PERIOD_MS);
    event_add(p->lag_ev, &tv);
}

void poller_stop(struct poller *p, void (*drained)(void *), void *arg)
{
    p->running = 0;
    evtimer_del(p->claim_ev);
    event_del(p->lag_ev);
    p->drained = drained;
    p->drained_arg = arg;
    /* Polls waiting for a budget have sent nothing yet (or not all their parts): they would
     * hold the shutdown up to a whole window. Dropped; their leases run out, or the next start
     * of this instance takes them back. */
    unsigned dropped = 0;
    for (struct poll *pl = p->polls, *next; pl; pl = next) {
        next = pl->next;
        if (pl->bw) {
            poll_done(pl);
            dropped++;
        }
    }
    if (dropped)
        vg_info("fetch", "%u poll(s) waiting for an API budget left for later", dropped);
    poller_check_drained(p);
}

void poller_set_config(struct poller *p, const struct vg_config *cfg)
{
    p->cfg = cfg;
    struct poll_kinds *kinds = poll_kinds_new(cfg);
    if (kinds) {
        poll_kinds_free(p->kinds);
        p->kinds = kinds;
    } else {
        vg_warn("fetch", "out of memory: the company sources keep their User-Agent, key and budgets until a reload");
    }
    /* A shorter dedup_ttl: Redis forgets sooner than the cache's entries say. */
    if (cfg->fetch_dedup_ttl_ms < p->seen_ttl_ms) {
        seen_cache_free(p->seen);
        p->seen = seen_cache_new(SEEN_CACHE_ENTRIES);
    }
    p->seen_ttl_ms = cfg->fetch_dedup_ttl_ms;
}

void poller_on_idle(struct poller *p, void (*idle)(void *), void *arg)
{
    p->idle = idle;
    p->idle_arg = arg;
}

void poller_free(struct poller *p)
{
    if (!p)
        return;
    /* First the workers: a parse still running reads its poll. */
    vg_work_free(p->work);
    /* Polls cut short by shutdown: their leases expire and the sources are polled again. */
    while (p->polls)
        poll_done(p->polls);
    poll_budgets_free(p->budgets);
    poll_kinds_free(p->kinds);
    queue_recorder_free(p->rec);
    seen_cache_free(p->seen);
    event_free(p->claim_ev);
    event_free(p->lag_ev);
    vg_metric_remove(p->m_in_flight);
    vg_metric_remove(p->m_queued);
    vg_metric_remove(p->m_budget_waiting);
    vg_free(p);
}

void poller_stats(const struct poller *p, struct poller_stats *out)
{
    *out = p->stats;
    out->in_flight = p->in_flight;
}
