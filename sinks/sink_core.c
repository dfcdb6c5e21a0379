/* sink_core — batching, retries, dead letters, pause and figures around one sink (see
 * sink_core.h; its requests and the rate budget are sink_request.c's). Single-threaded, on the
 * daemon's event loop. */
#include "sinks/sink_core.h"
#include "sinks/sink_core_int.h"
#include "enrich/account.h"
#include "http/fetch_http.h"
#include "queue/queue.h"
#include "queue/queue_consumer.h"
#include "queue/queue_contract.h"
#include "queue/queue_marks.h"
#include "util/vg_alloc.h"
#include "util/vg_event.h"
#include "util/vg_json.h"
#include "util/vg_log.h"
#include "util/vg_metrics.h"
#include "util/vg_time.h"

#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Records in hand at most, as a multiple of the batch size: the next batch is read while one
 * is delivered, and records waiting for a retry do not stop fresh ones. */
#define HAND_BATCHES 3
/* How often the figures are written to Redis for `vigie status` (and how long they live
 * there after the process stops writing them). */
#define STATUS_EVERY_MS 2000
#define STATUS_TTL_S 3600
/* An entry delivered this many times without being settled is a crash loop, not a fault of
 * the service: it goes to the dead-letter stream instead of taking the process down again. */
#define CRASH_LOOP_DELIVERIES 50

static void schedule(struct sink_core *s, int64_t ms) { vg_timer_arm(s->tick_ev, ms); }


/* ---- records in hand -------------------------------------------------------------- */

static void held_clear(struct held *h)
{
    vg_free(h->stream);
    vg_free(h->id);
    vg_free(h->field);
    vg_free(h->payload);
    vg_free(h->key);
    cJSON_Delete(h->doc);
    memset(h, 0, sizeof(*h));
}

static struct queue_msg held_entry(const struct held *h)
{
    struct queue_msg e = {h->stream, h->id, h->field, h->payload, h->len, h->attempts, h->key};
    return e;
}

static void remove_held(struct sink_core *s, size_t i)
{
    held_clear(&s->hand[i]);
    s->hand[i] = s->hand[--s->nhand];
}

static size_t hand_room(const struct sink_core *s)
{
    size_t cap = s->batch_max * HAND_BATCHES;
    return s->nhand < cap ? cap - s->nhand : 0;
}

static void want_more(struct sink_core *s)
{
    if (s->consumer && s->running)
        queue_consumer_want(s->consumer, s->paused ? 0 : hand_room(s));
}

static int64_t retry_delay(const struct sink_core *s, int attempts, long retry_after_ms);

/* A paused sink holds nothing: what it has in hand goes back to Redis (pending, taken over
 * once idle, by this process after the pause or by another), and it asks for nothing more. */
static void release_hand(struct sink_core *s)
{
    for (size_t i = s->nhand; i-- > 0;) {
        struct held *h = &s->hand[i];
        if (h->in_batch)
            continue;
        if (s->consumer) {
            struct queue_msg e = held_entry(h);
            queue_consumer_release(s->consumer, &e);
        }
        remove_held(s, i);
    }
    want_more(s);
}

static void dead_letter(struct sink_core *s, struct held *h, const char *reason)
{
    struct queue_msg e = held_entry(h);
    if (!s->env.preview && s->consumer)
        queue_consumer_dead_letter(s->consumer, &e, reason);
    s->st.dead_lettered++;
    vg_metric_add(s->m_dead, 1);
    snprintf(s->last_error, sizeof(s->last_error), "%s", reason);
}

static void take_entries(void *arg, const struct queue_msg *entries, size_t n)
{
    struct sink_core *s = arg;
    int64_t now = vg_mono_ms();
    size_t i;
    for (i = 0; i < n; i++) {
        const struct queue_msg *e = &entries[i];
        if (s->nhand == s->cap) {
            size_t ncap = s->cap ? s->cap * 2 : 64;
            struct held *nh = vg_realloc(s->hand, ncap * sizeof(*nh));
            if (!nh)
                goto no_room;
            s->hand = nh;
            s->cap = ncap;
        }
        struct held *h = &s->hand[s->nhand];
        memset(h, 0, sizeof(*h));
        h->stream = vg_strdup(e->stream);
        h->id = vg_strdup(e->id);
        h->field = vg_strdup(e->field ? e->field : "");
        h->payload = vg_strndup(e->payload ? e->payload : "", e->len);
        h->key = e->key ? vg_strdup(e->key) : NULL;
        h->len = e->len;
        if (!h->stream || !h->id || !h->field || !h->payload || (e->key && !h->key)) {
            held_clear(h);
            goto no_room;
        }
        /* Attempts are counted by this process: a record given back during a pause or an
         * outage comes back through a takeover, which Redis counts as a delivery too. Only a
         * record handed over very many times without ever being settled — a crash loop — is
         * given up on from Redis's count. */
        if (e->deliveries > CRASH_LOOP_DELIVERIES) {
            char why[160];
            snprintf(why, sizeof(why), "handed over %lld times without being settled (a crash while delivering it?)",
                     e->deliveries);
            h->doc = NULL;
            s->nhand++;
            dead_letter(s, h, why);
            remove_held(s, s->nhand - 1);
            continue;
        }
        h->attempts = 0;
        h->since = h->touched = now;
        s->nhand++;
        h->doc = vg_json_parse(h->payload, h->len);
        if (!h->doc || !cJSON_IsObject(h->doc)) {
            dead_letter(s, h, "not a JSON object: the record cannot be delivered");
            remove_held(s, s->nhand - 1);
        }
    }
    s->preview_read += n;
    schedule(s, 0);
    return;
no_room:
    /* Out of memory: what could not be held goes back to Redis unsettled (a takeover hands it
     * over again later), so nothing is stranded in the consumer. */
    for (; s->consumer && i < n; i++)
        queue_consumer_release(s->consumer, &entries[i]);
    schedule(s, 0);
}

/* ---- batches ---------------------------------------------------------------------- */

static const char *str_member(const cJSON *doc, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t retry_delay(const struct sink_core *s, int attempts, long retry_after_ms)
{
    int64_t d = vg_backoff_ms((unsigned)(attempts > 0 ? attempts - 1 : 0), s->common.backoff_min_ms,
                              s->common.backoff_max_ms);
    return d > retry_after_ms ? d : retry_after_ms;
}

/* Ready records per stream, for try_batch. More streams than this (a sink reads at most 7)
 * would only make batches mixed. */
#define BATCH_STREAMS 8
struct stream_ready {
    const char *stream;
    size_t n;
    int64_t oldest;          /* monotonic ms its longest-waiting record has waited since */
};

/* Picks the records ready now, up to the batch size, all of one stream: a batch of signals and
 * contacts together costs a CRM the requests of both kinds (a HubSpot batch of 90 notes and
 * 10 contacts sends the notes' requests and the contacts' too), so each kind waits for its
 * own batch. The batch starts when a stream has a full batch ready (the one with the most),
 * when the record waiting longest has waited `linger` (a retried record: since it came due;
 * its stream then goes), or when nothing more can come in; else it waits. */
static void try_batch(struct sink_core *s)
{
    if (!s->running || s->in_flight || (s->nhand == 0 && !s->paused && !s->wake_at))
        return;
    int64_t now = vg_mono_ms();
    if (s->paused && !s->env.direct) { /* direct: every record is tried, the pause told */
        if (!s->paused_until || now < s->paused_until) {
            /* A pause long enough for the entries to go idle gives them back (another process
             * may deliver them); a short backoff keeps them. */
            if (!offline(s) && (!s->paused_until || s->paused_until - now > s->env.reclaim_idle_ms / 2))
                release_hand(s);
            if (s->paused_until)
                schedule(s, s->paused_until - now);
            return;
        }
        s->paused = 0;
        vg_metric_set(s->m_paused, 0);
        vg_notice("sink", "%s: the pause is over, delivering again", s->name);
        want_more(s);
    }
    size_t ready = 0;
    int64_t oldest = now, next_ready = INT64_MAX;
    struct stream_ready per[BATCH_STREAMS];
    size_t nper = 0;
    int mixed = 0; /* too many streams to tell apart: batches take any */
    for (size_t i = 0; i < s->nhand; i++) {
        const struct held *h = &s->hand[i];
        if (h->not_before > now) {
            if (h->not_before < next_ready)
                next_ready = h->not_before;
            continue;
        }
        ready++;
        /* A record back from a retry waits from the time it came due: the records of a batch
         * that failed come due over the backoff's jitter, and without this each would leave
         * alone in a batch of its own, one request or more apiece. */
        int64_t waiting_since = h->not_before > h->since ? h->not_before : h->since;
        if (waiting_since < oldest)
            oldest = waiting_since;
        size_t k = 0;
        while (k < nper && strcmp(per[k].stream, h->stream) != 0)
            k++;
        if (k == nper) {
            if (nper == BATCH_STREAMS) {
                mixed = 1;
                continue;
            }
            per[nper++] = (struct stream_ready){h->stream, 0, waiting_since};
        }
        per[k].n++;
        if (waiting_since < per[k].oldest)
            per[k].oldest = waiting_since;
    }
    if (ready == 0 && s->wake_at && now >= s->wake_at && !s->paused) {
        /* sink_wake: nothing came; the sink gets its empty batch */
        s->wake_at = 0;
        s->batch.v = s->recs;
        s->batch.n = 0;
        s->batch.ctx = &s->ctx;
        s->batch.core = s;
        s->in_flight = 1;
        s->type->deliver(s->state, &s->batch);
        return;
    }
    if (ready == 0) {
        if (s->wake_at && s->wake_at - now < next_ready - now)
            next_ready = s->wake_at;
        if (next_ready != INT64_MAX)
            schedule(s, next_ready - now);
        return;
    }
    size_t most = 0, first = 0;
    for (size_t k = 1; k < nper; k++) {
        if (per[k].n > per[most].n)
            most = k;
        if (per[k].oldest < per[first].oldest)
            first = k;
    }
    int full = (mixed ? ready : per[most].n) >= s->batch_max || hand_room(s) == 0 || offline(s);
    int lingered = now - oldest >= s->common.linger_ms;
    if (!full && !lingered) {
        schedule(s, s->common.linger_ms - (now - oldest));
        return;
    }
    const char *stream = mixed ? NULL : per[lingered ? first : most].stream;
    size_t n = ready < s->batch_max ? ready : s->batch_max;
    size_t k = 0;
    for (size_t i = 0; i < s->nhand && k < n; i++) {
        struct held *h = &s->hand[i];
        if (h->not_before > now || (stream && strcmp(h->stream, stream) != 0))
            continue;
        struct sink_record *r = &s->recs[k];
        memset(r, 0, sizeof(*r));
        r->entry_id = h->id;
        r->stream = h->stream;
        r->field = h->field;
        r->doc = h->doc;
        r->json = h->payload;
        const char *id = str_member(h->doc, "id");
        r->id = id ? id : "";
        const char *acct = str_member(h->doc, "account_id");
        r->account = acct ? sink_account(&s->ctx, acct) : NULL;
        r->attempt = h->attempts + 1;
        r->outcome = SINK_OK;
        s->rec_slot[k] = i;
        h->in_batch = 1;
        k++;
    }
    s->wake_at = 0; /* a batch: the sink asks again if it still holds something */
    s->batch.v = s->recs;
    s->batch.n = k;
    s->batch.ctx = &s->ctx;
    s->batch.core = s;
    s->in_flight = 1;
    s->type->deliver(s->state, &s->batch);
}

static void check_drained(struct sink_core *s)
{
    if (!s->running && !s->in_flight && !s->lag_asking && !s->touching && s->drained) {
        void (*cb)(void *) = s->drained;
        s->drained = NULL;
        cb(s->drained_arg);
    }
}

/* A batch whose every record answered RETRY tells about the service (down, overloaded,
 * throttling), not about its records: the sink backs off as a whole, with the same capped
 * jittered backoff, and no record is charged an attempt, so an outage of any length loses
 * nothing and dead-letters nothing. A record is charged when its own batch shows the service
 * working (another record went through or was refused). */
static void back_off(struct sink_core *s, const struct sink_batch *b)
{
    long retry_after = 0;
    const char *why = "";
    for (size_t k = 0; k < b->n; k++) {
        if (b->v[k].retry_after_ms > retry_after)
            retry_after = b->v[k].retry_after_ms;
        if (b->v[k].reason[0])
            why = b->v[k].reason;
    }
    int64_t d = vg_backoff_ms(s->svc_failures, s->common.backoff_min_ms, s->common.backoff_max_ms);
    if (d < retry_after)
        d = retry_after;
    s->svc_failures++;
    snprintf(s->pause_reason, sizeof(s->pause_reason), "backing off: no record of the last batch went through (%.180s)",
             why[0] ? why : "no reason given");
    snprintf(s->last_error, sizeof(s->last_error), "%s", why);
    if (!s->paused)
        vg_warn("sink", "%s: %s; delivering again in %.1fs", s->name, s->pause_reason, (double)d / 1000.0);
    s->paused = 1;
    s->paused_until = vg_mono_ms() + d;
    vg_metric_set(s->m_paused, 1);
}

void sink_batch_done(struct sink_batch *b)
{
    struct sink_core *s = b->core;
    int64_t now = vg_mono_ms();
    size_t retries = 0;
    for (size_t k = 0; k < b->n; k++)
        retries += b->v[k].outcome == SINK_RETRY;
    /* the sink paused itself (a refused token...): that says it all */
    int service_down = retries == b->n && b->n > 0 && !s->paused && !offline(s);
    for (size_t k = 0; s->env.on_outcome && k < b->n; k++)
        s->env.on_outcome(s->env.report_arg, &b->v[k]);
    if (retries < b->n)
        s->svc_failures = 0;
    /* Settle from the last record so that removing one (the last of hand moves into its
     * place) never moves another record of this batch before it is settled. */
    size_t *order = s->rec_slot;
    for (size_t k = b->n; k-- > 0;) {
        struct sink_record *r = &b->v[k];
        struct held *h = &s->hand[order[k]];
        h->in_batch = 0;
        if (r->outcome == SINK_OK) {
            struct queue_msg e = held_entry(h);
            if (!s->env.preview && s->consumer)
                queue_consumer_ack(s->consumer, &e);
            s->st.delivered++;
            vg_metric_add(s->m_delivered, 1);
        } else if (r->outcome == SINK_DROP) {
            char reason[400];
            snprintf(reason, sizeof(reason), "%s refused it: %s", s->name, r->reason[0] ? r->reason : "no reason given");
            dead_letter(s, h, reason);
            if (!offline(s)) /* a preview's or direct delivery's caller reports it itself */
                vg_warn("sink", "%s: entry %s (%s %s) dead-lettered: %s", s->name, h->id, h->field, r->id, reason);
        } else {
            if (r->reason[0])
                snprintf(s->last_error, sizeof(s->last_error), "%s", r->reason);
            s->st.retried++;
            vg_metric_add(s->m_retried, 1);
            if (!s->paused && !service_down)
                h->attempts++; /* the records of a paused or failing service are not at fault */
            if (h->attempts >= s->common.max_attempts && !offline(s)) {
                char reason[400];
                snprintf(reason, sizeof(reason), "%s: gave up after %d attempts: %s", s->name, h->attempts,
                         r->reason[0] ? r->reason : "no reason given");
                dead_letter(s, h, reason);
                vg_warn("sink", "%s: entry %s dead-lettered: %s", s->name, h->id, reason);
            } else if (!offline(s)) {
                /* Held here until its retry (its idle time in Redis kept fresh meanwhile, see
                 * on_touch_timer); the wait is kept under half of reclaim_idle, so that a
                 * record is tried again at least that often. */
                int64_t delay = retry_delay(s, h->attempts, r->retry_after_ms);
                int64_t cap = s->env.reclaim_idle_ms / 2;
                h->not_before = now + (cap > 0 && delay > cap ? cap : delay);
                continue;
            } /* a preview shows each record once, a direct delivery tries it once */
        }
        remove_held(s, order[k]);
        /* the last held record moved into order[k]: if it belongs to this batch, follow it */
        for (size_t j = 0; j < k; j++)
            if (order[j] == s->nhand)
                order[j] = order[k];
    }
    if (service_down)
        back_off(s, b);
    s->in_flight = 0;
    want_more(s);
    if (s->running)
        schedule(s, 0);
    check_drained(s);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    try_batch(arg);
}

/* ---- what the core offers a sink (sink_http: sink_request.c) ------------------------ */

int sink_previewing(const struct sink_ctx *ctx) { return ctx->core->env.preview != NULL; }

void sink_pause(struct sink_ctx *ctx, long long for_ms, const char *fmt, ...)
{
    struct sink_core *s = ctx->core;
    char reason[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    int was = s->paused;
    s->paused = 1;
    s->paused_until = for_ms > 0 ? vg_mono_ms() + for_ms : 0;
    vg_metric_set(s->m_paused, 1);
    if (!was || strcmp(reason, s->pause_reason) != 0)
        vg_err("sink", "%s: paused%s: %s", s->name, for_ms > 0 ? " for a while" : " until the configuration is reloaded",
               reason);
    snprintf(s->pause_reason, sizeof(s->pause_reason), "%s", reason);
    snprintf(s->last_error, sizeof(s->last_error), "%s", reason);
}

/* A preview or a direct delivery reads no delivery record: every record is shown (sent) as if
 * it had never been delivered. The answer still comes from the loop, as Redis's would. */
struct no_marks {
    sink_marks_cb cb;
    void *arg;
    size_t n;
};

static void on_no_marks(evutil_socket_t fd, short what, void *arg)
{
    struct no_marks *m = arg;
    const char **values = vg_calloc(m->n + 1, sizeof(*values));
    m->cb(m->arg, values, values ? m->n : 0);
    vg_free(values);
    vg_free(m);
}

int sink_marks_get(struct sink_ctx *ctx, const char *const *keys, size_t n, sink_marks_cb cb, void *arg)
{
    struct sink_core *s = ctx->core;
    if (s->env.q && !offline(s))
        return queue_marks_get(s->env.q, s->marks_ns, keys, n, cb, arg);
    struct no_marks *m = vg_calloc(1, sizeof(*m));
    if (!m)
        return -1;
    *m = (struct no_marks){cb, arg, n};
    struct timeval now = {0, 0};
    if (event_base_once(s->env.base, -1, EV_TIMEOUT, on_no_marks, m, &now) < 0) {
        vg_free(m);
        return -1;
    }
    return 0;
}

int sink_mark_set(struct sink_ctx *ctx, const char *key, const char *value)
{
    if (offline(ctx->core))
        return 0; /* a preview or a direct delivery changes nothing */
    return queue_mark_set(ctx->core->env.q, ctx->core->marks_ns, key, value, ctx->core->env.dedup_ttl_s);
}

struct queue *sink_queue(struct sink_ctx *ctx) { return offline(ctx->core) ? NULL : ctx->core->env.q; }
const char *sink_name(const struct sink_ctx *ctx) { return ctx->core->name; }
const char *sink_state_dir(const struct sink_ctx *ctx) { return ctx->core->env.state_dir ? ctx->core->env.state_dir : "."; }
const char *sink_instance(const struct sink_ctx *ctx) { return ctx->core->env.instance ? ctx->core->env.instance : ""; }

struct event_base *sink_base(struct sink_ctx *ctx) { return ctx->core->env.base; }
long long sink_dedup_ttl_s(const struct sink_ctx *ctx) { return ctx->core->env.dedup_ttl_s > 0 ? ctx->core->env.dedup_ttl_s : 7 * 86400; }

const char *sink_console_url(const struct sink_ctx *ctx) { return ctx->core->env.console_url ? ctx->core->env.console_url : ""; }

const void *sink_peer_config(struct sink_ctx *ctx, const char *name)
{
    struct sink_core *s = ctx->core;
    return s->env.peer ? s->env.peer(s->env.peer_arg, name) : NULL;
}

const struct enrich_account *sink_account(struct sink_ctx *ctx, const char *id)
{
    struct sink_core *s = ctx->core;
    return s->env.account && id ? s->env.account(s->env.account_arg, id) : NULL;
}

int sink_paused_for_good(const struct sink_ctx *ctx)
{
    const struct sink_core *s = ctx->core;
    return s->paused && !s->paused_until;
}

void sink_wake(struct sink_ctx *ctx, long long in_ms)
{
    struct sink_core *s = ctx->core;
    int64_t at = vg_mono_ms() + (in_ms > 0 ? in_ms : 0);
    if (s->env.preview || (s->wake_at && s->wake_at <= at))
        return;
    s->wake_at = at; /* try_batch, run after every batch, arms the timer for it */
    if (s->running && !s->in_flight)
        schedule(s, 0);
}

const struct enrich_account *sink_account_at(struct sink_ctx *ctx, size_t i)
{
    struct sink_core *s = ctx->core;
    return s->env.account_at ? s->env.account_at(s->env.account_arg, i) : NULL;
}

/* ---- figures ------------------------------------------------------------------------ */

static void on_lag_figure(long long lag, void *arg)
{
    struct sink_core *s = arg;
    s->lag_asking = 0;
    vg_metric_set(s->m_lag, (double)lag);
    check_drained(s); /* a stop waits for this answer: it points at this core */
}

/* ---- keeping what is in hand ------------------------------------------------------- */

/* A record held past reclaim_idle (waiting out a backoff, or a slow request) would be taken
 * over by another process's consumer and delivered twice: every held record has its idle time
 * reset about every quarter of reclaim_idle. One found taken over or settled meanwhile is
 * dropped from the hand (unless its batch is in flight: then its outcome settles it, at least
 * once). */
struct touch {
    struct sink_core *s;
    char *key, *id;
};

static void on_touched(void *arg, int ours)
{
    struct touch *t = arg;
    struct sink_core *s = t->s;
    s->touching--;
    for (size_t i = 0; ours == 0 && i < s->nhand; i++) {
        struct held *h = &s->hand[i];
        if (!h->in_batch && strcmp(h->id, t->id) == 0 && strcmp(h->key, t->key) == 0) {
            vg_info("sink", "%s: entry %s of %s is no longer this process's (taken over or settled): "
                    "dropped from hand", s->name, h->id, h->stream);
            remove_held(s, i);
            want_more(s);
            break;
        }
    }
    vg_free(t->key);
    vg_free(t->id);
    vg_free(t);
    check_drained(s);
}

static void on_touch_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct sink_core *s = arg;
    int64_t now = vg_mono_ms(), every = s->env.reclaim_idle_ms / 4;
    for (size_t i = 0; s->consumer && s->running && i < s->nhand; i++) {
        struct held *h = &s->hand[i];
        if (now - h->touched < every)
            continue;
        struct touch *t = vg_calloc(1, sizeof(*t));
        struct queue_msg e = held_entry(h);
        if (t && (t->key = vg_strdup(h->key)) && (t->id = vg_strdup(h->id))) {
            t->s = s;
            if (queue_consumer_touch(s->consumer, &e, on_touched, t) == 0) {
                s->touching++;
                h->touched = now;
                continue;
            }
        }
        if (t) {
            vg_free(t->key);
            vg_free(t->id);
            vg_free(t);
        }
    }
}

static void on_status_timer(evutil_socket_t fd, short what, void *arg)
{
    struct sink_core *s = arg;
    if (offline(s))
        return;
    if (s->consumer && s->running && !s->lag_asking) {
        s->lag_asking = 1;
        queue_consumer_lag(s->consumer, on_lag_figure, s);
    }
    struct sink_status st;
    sink_core_status(s, &st);
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return;
    cJSON_AddNumberToObject(o, "delivered", (double)st.delivered);
    cJSON_AddNumberToObject(o, "retried", (double)st.retried);
    cJSON_AddNumberToObject(o, "dead_lettered", (double)st.dead_lettered);
    cJSON_AddNumberToObject(o, "requests", (double)st.requests);
    cJSON_AddNumberToObject(o, "in_hand", (double)st.in_hand);
    cJSON_AddStringToObject(o, "paused", st.paused ? st.pause_reason : "");
    cJSON_AddStringToObject(o, "last_error", st.last_error);
    cJSON_AddNumberToObject(o, "at", (double)vg_wall_ms());
    cJSON_AddBoolToObject(o, "stopped", !s->running);
    char *json = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (json)
        queue_mark_set(s->env.q, QUEUE_MARKS_SINK_STATUS, s->status_key, json, STATUS_TTL_S);
    cJSON_free(json);
}

void sink_core_status(const struct sink_core *s, struct sink_status *out)
{
    *out = s->st;
    out->name = s->name;
    out->paused = s->paused;
    int64_t left = s->paused && s->paused_until ? s->paused_until - vg_mono_ms() : 0;
    out->resume_in_ms = left > 0 ? left : s->paused && s->paused_until ? 1 : 0;
    snprintf(out->pause_reason, sizeof(out->pause_reason), "%s", s->paused ? s->pause_reason : "");
    snprintf(out->last_error, sizeof(out->last_error), "%s", s->last_error);
    out->in_hand = s->nhand;
}

int sink_core_busy(const struct sink_core *s) { return s->in_flight; }
int sink_core_idle(const struct sink_core *s) { return !s->in_flight && s->nhand == 0; }

void sink_core_settle(struct sink_core *s, void (*done)(void *arg), void *arg)
{
    if (s->type->settle && s->state)
        s->type->settle(s->state, done, arg);
    else
        done(arg);
}

const char *sink_core_where(const struct sink_core *s)
{
    return s->type->where && s->state ? s->type->where(s->state) : "";
}

void sink_core_lag(struct sink_core *s, void (*cb)(long long lag, void *arg), void *arg)
{
    if (s->consumer)
        queue_consumer_lag(s->consumer, cb, arg);
    else
        cb(0, arg);
}

/* ---- lifecycle ------------------------------------------------------------------------ */

static int split_streams(const char *list, char **out, size_t max)
{
    size_t n = 0;
    for (const char *p = list; *p && n < max;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len && !(out[n++] = vg_strndup(p, len)))
            return -1;
        if (!comma)
            break;
        p = comma + 1;
    }
    return (int)n;
}

struct sink_core *sink_core_new(const struct sink_env *env, const struct sink_type *type,
                                const struct sink_common_config *common, const void *config, char *err,
                                size_t errlen)
{
    struct sink_core *s = vg_calloc(1, sizeof(*s));
    if (!s)
        goto oom;
    s->ctx.core = s;
    s->type = type;
    s->common = *common;
    s->config = config;
    s->env = *env;
    s->batch_max = common->batch > 0 && (size_t)common->batch < type->max_batch ? (size_t)common->batch : type->max_batch;
    if (s->batch_max == 0)
        s->batch_max = 1;
    s->name = vg_strdup(type->name);
    s->group = vg_asprintf(QUEUE_GROUP_SINK "%s", type->name);
    s->budget = vg_asprintf("%s", type->name);
    s->marks_ns = vg_asprintf("sink:%s", type->name);
    s->status_key = vg_asprintf("%s:%s", type->name, env->instance ? env->instance : "");
    s->recs = vg_calloc(s->batch_max, sizeof(*s->recs));
    s->rec_slot = vg_calloc(s->batch_max, sizeof(*s->rec_slot));
    s->tick_ev = evtimer_new(env->base, on_tick, s);
    s->status_ev = event_new(env->base, -1, EV_PERSIST, on_status_timer, s);
    s->touch_ev = event_new(env->base, -1, EV_PERSIST, on_touch_timer, s);
    if (!s->name || !s->group || !s->budget || !s->marks_ns || !s->status_key || !s->recs || !s->rec_slot ||
        !s->tick_ev || !s->status_ev || !s->touch_ev)
        goto oom;

    struct fetch_config fc;
    sink_common_fetch_config(common, &fc);
    s->http = fetch_client_new(env->base, &fc, err, errlen);
    if (!s->http) {
        sink_core_free(s);
        return NULL;
    }

    char sname[200];
#define SINK_SERIES(field, make, family, help)                                                   \
    snprintf(sname, sizeof(sname), family "{sink=\"%s\"}", s->name);                              \
    s->field = make(sname, help)
    SINK_SERIES(m_delivered, vg_counter, "vigie_sink_delivered_total", "records a sink delivered");
    SINK_SERIES(m_retried, vg_counter, "vigie_sink_retried_total", "deliveries a sink will try again");
    SINK_SERIES(m_dead, vg_counter, "vigie_sink_dead_lettered_total", "records a sink gave up on (vigie dlq list)");
    SINK_SERIES(m_requests, vg_counter, "vigie_sink_requests_total", "requests a sink sent to its service");
    SINK_SERIES(m_paused, vg_gauge, "vigie_sink_paused", "1 while a sink is paused or backing off (vigie status says why)");
    SINK_SERIES(m_lag, vg_gauge, "vigie_sink_lag", "records of a sink's streams not yet delivered to it, or pending (-1: unknown)");
#undef SINK_SERIES

    if (type->init(&s->ctx, config, &s->state, err, errlen) < 0) {
        s->type = NULL; /* nothing to close */
        sink_core_free(s);
        return NULL;
    }
    if (!env->preview && !env->direct) {
        char *streams[8] = {0};
        int ns = split_streams(type->streams, streams, 7);
        char replay[160];
        snprintf(replay, sizeof(replay), QUEUE_STREAM_REPLAY "%s", s->group);
        struct queue_consumer_config cc = {
            .streams = (const char *const *)streams,
            .group = s->group,
            .replay_stream = replay,
            .reclaim_idle_ms = env->reclaim_idle_ms,
            .dlq_maxlen = env->dlq_maxlen,
            .marker_ttl_s = env->dedup_ttl_s,
        };
        if (ns > 0)
            s->consumer = queue_consumer_new(env->q, &cc, take_entries, s, err, errlen);
        for (int i = 0; i < 8; i++)
            vg_free(streams[i]);
        if (!s->consumer) {
            if (ns <= 0)
                snprintf(err, errlen, "sink %s reads no stream", s->name);
            sink_core_free(s);
            return NULL;
        }
    }
    return s;
oom:
    snprintf(err, errlen, "out of memory");
    sink_core_free(s);
    return NULL;
}

void sink_core_start(struct sink_core *s)
{
    if (s->running)
        return;
    s->running = 1;
    if (s->consumer) {
        queue_consumer_start(s->consumer);
        want_more(s);
    }
    if (s->wake_at) /* a sink_wake from init (what an earlier run left to write) */
        schedule(s, 0);
    struct timeval tv = vg_tv_ms(STATUS_EVERY_MS);
    event_add(s->status_ev, &tv);
    if (s->consumer && s->env.reclaim_idle_ms > 0) {
        /* a quarter of reclaim_idle, looked at twice as often so no record waits much past it */
        tv = vg_tv_ms(s->env.reclaim_idle_ms / 8 > 50 ? s->env.reclaim_idle_ms / 8 : 50);
        event_add(s->touch_ev, &tv);
    }
}

void sink_core_feed(struct sink_core *s, const struct queue_msg *entries, size_t n)
{
    take_entries(s, entries, n);
}

void sink_core_stop(struct sink_core *s, void (*drained)(void *), void *arg)
{
    s->running = 0;
    evtimer_del(s->tick_ev);
    on_status_timer(-1, 0, s); /* the last figures */
    event_del(s->status_ev);
    event_del(s->touch_ev);
    s->drained = drained;
    s->drained_arg = arg;
    if (s->consumer)
        queue_consumer_stop(s->consumer, NULL, NULL);
    check_drained(s);
}

void sink_core_free(struct sink_core *s)
{
    if (!s)
        return;
    if (s->type && s->type->close)
        s->type->close(s->state);
    queue_consumer_free(s->consumer);
    fetch_client_free(s->http); /* callbacks of requests in flight are not called */
    sink_requests_orphan(s);
    for (size_t i = 0; i < s->nhand; i++)
        held_clear(&s->hand[i]);
    vg_free(s->hand);
    vg_free(s->recs);
    vg_free(s->rec_slot);
    if (s->tick_ev)
        event_free(s->tick_ev);
    if (s->status_ev)
        event_free(s->status_ev);
    if (s->touch_ev)
        event_free(s->touch_ev);
    vg_free(s->name);
    vg_free(s->group);
    vg_free(s->budget);
    vg_free(s->marks_ns);
    vg_free(s->status_key);
    vg_free(s);
}
