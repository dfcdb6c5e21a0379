/* poller — claim, fetch, parse, record (see poller.h).
 *
 * A source's kind (fetchers/kind.h) says what Accept header its fetch sends and parses what
 * comes back; bodies of PARSE_OFF_LOOP_BYTES and more are parsed on a worker thread
 * (util/vg_work.h), so a document of several megabytes never holds the event loop.
 *
 * One claim is outstanding at a time. The poller keeps several batches of [fetch]
 * max_in_flight sources claimed and not yet fetched (claim_window): the HTTP client runs one
 * while the others wait in its queue, so the fetch slots never sit idle for a claim's round
 * trip. A new claim goes out as soon as there is room for half a batch, so a backlog drains at
 * the speed of the network while an idle poller costs one script call per second. Recording a poll
 * (queue_recorder) does not hold a fetch slot: results are batched into one script call per
 * turn of the event loop.
 *
 * A poll of a company source may take several requests: after the first response the kind's
 * `plan` names further URLs (its parts), fetched one after the other, and `parse` gets them
 * all. A kind whose API has a documented rate limit waits, before each request, for a token
 * of its budget shared through Redis (poll_budget.h); a kind may need a declared User-Agent
 * or an API key, sent as headers. */
#include "daemon/poller.h"
#include "daemon/config.h"
#include "daemon/poll_budget.h"
#include "daemon/poll_kind.h"
#include "daemon/websub.h"
#include "util/vg_units.h"
#include "util/vg_alloc.h"
#include "util/vg_event.h"
#include "util/vg_log.h"
#include "util/vg_metrics.h"
#include "util/vg_time.h"
#include "util/vg_work.h"
#include "fetchers/feed.h"
#include "http/fetch_http.h"
#include "fetchers/item.h"
#include "fetchers/kind.h"
#include "fetchers/schedule.h"
#include "fetchers/seen_cache.h"
#include "queue/queue.h"
#include "queue/queue_contract.h"
#include "queue/queue_lag.h"
#include "queue/queue_sched.h"

#include <event2/event.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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
/* Bodies from this size on are parsed on a worker thread: a page or feed of several megabytes
 * takes long enough to delay health checks, the watchdog and SIGTERM. */
#define PARSE_OFF_LOOP_BYTES (256 * 1024)
/* Items known as seen in Redis, kept to leave them out of the polls that bring them again:
 * 16 bytes each, at most 8 MiB (half a million items: 50,000 feeds of 10). */
#define SEEN_CACHE_ENTRIES (512 * 1024)

struct poller {
    struct event_base *base;
    struct queue *q;
    struct fetch_client *fc;
    const struct vg_config *cfg;
    struct event *claim_ev;
    struct event *lag_ev;
    int paused;                   /* backpressure: enrich is too far behind */
    struct vg_log_limit claim_errors;
    int lag_asking;
    int running;
    int claiming;
    unsigned in_flight;           /* claimed and not yet recorded */
    unsigned fetching;            /* claimed and not yet fetched (running or queued in the client) */
    int64_t wait_ms;              /* moving average of the time from claim to fetched */
    struct queue_recorder *rec;
    struct vg_work *work;         /* parses of large bodies, off the event loop */
    struct seen_cache *seen;      /* items Redis has recorded as seen lately (NULL: none kept) */
    long long seen_ttl_ms;        /* the dedup_ttl its entries were put with */
    struct poll *polls;           /* those polls, so that shutdown can free the unfinished */
    struct poll_budgets *budgets; /* the APIs' shared budgets, a line per kind */
    struct poll_kinds *kinds;     /* the kinds' identity headers and budgets, per configuration */
    void (*drained)(void *);
    void *drained_arg;
    void (*idle)(void *);
    void *idle_arg;
    struct poller_stats stats;
    struct vg_metric *m_paused, *m_in_flight, *m_queued, *m_off_loop, *m_budget_waiting;
    struct vg_metric *m_polls_ok, *m_polls_failed, *m_not_modified, *m_unchanged, *m_added, *m_dup, *m_base, *m_cached;
};

/* One poll: a claimed source on its way through fetch, parse and record. */
struct poll {
    struct poller *p;
    struct queue_source_state st;
    const struct source_kind *kind;
    struct parse *parse;          /* its first response and parts, while it has parts to fetch or
                                     while they are being parsed on a worker thread */
    struct poll_budget_wait *bw;  /* waiting for a token of its kind's budget */
    long long rate_limit, rate_window_ms; /* its kind's budget; 0: none */
    int fetching;
    int64_t started;
    uint64_t body_tag;            /* a feed's 200: the seen-cache tag of its body, or 0 */
    struct poll *prev, *next;
};

static void schedule_claim(struct poller *p, long ms);

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
static int claim_room(const struct poller *p)
{
    unsigned cap = (unsigned)p->cfg->fetch_max_in_flight;
    unsigned half = cap / 2 ? cap / 2 : 1;
    /* An API's line longer than lease / LEASE_SHARE: the sources claimed now could join it
     * and wait past their leases (another process would poll them too). */
    if (poll_budgets_drain_ms(p->budgets) > p->cfg->fetch_lease_ms / LEASE_SHARE)
        return 0;
    return p->fetching + half <= claim_window(p) && p->in_flight - p->fetching <= 4 * cap;
}

static void fetch_finished(struct poll *pl)
{
    struct poller *p = pl->p;
    if (!pl->fetching)
        return;
    pl->fetching = 0;
    p->fetching--;
    p->wait_ms += (vg_mono_ms() - pl->started - p->wait_ms) / 8;
    if (p->running && claim_room(p))
        schedule_claim(p, 0);
}

static void check_drained(struct poller *p)
{
    if (!p->running && p->in_flight == 0 && !p->claiming && p->drained) {
        void (*cb)(void *) = p->drained;
        p->drained = NULL;
        cb(p->drained_arg);
    }
}

/* Ends a poll: out of the in-flight list, freed. */
static void parse_free(struct parse *ps);

static void poll_done(struct poll *pl)
{
    struct poller *p = pl->p;
    if (pl->prev)
        pl->prev->next = pl->next;
    else
        p->polls = pl->next;
    if (pl->next)
        pl->next->prev = pl->prev;
    if (pl->fetching)
        p->fetching--;
    p->in_flight--;
    poll_budget_cancel(pl->bw);
    parse_free(pl->parse); /* only at shutdown, once the workers are stopped, or cut short */
    queue_source_state_clear(&pl->st);
    vg_free(pl);
}

static void count_error(const char *kind)
{
    char series[96];
    snprintf(series, sizeof(series), "vigie_fetch_errors_total{kind=\"%s\"}", kind);
    vg_metric_add(vg_counter(series, "failed polls by kind of failure"), 1);
}

/* ---- record --------------------------------------------------------------- */

struct record {
    struct poll *pl;
    int ok;
    const char *kind;   /* a static name: fetch_error_name() or a literal */
    char *error;
    uint64_t *tags;     /* the seen-cache tags of the items sent */
    size_t ntags, cached; /* items left out: known as seen (counted as duplicates) */
    int64_t until_ms;   /* Redis remembers the items sent as seen until then, once recorded */
    uint64_t body_tag;  /* the poll's body (a feed's), to know it again: see body_known() */
    int64_t body_until; /* every item of that body is remembered as seen until then */
};

static void on_recorded(enum queue_complete_status st, long added, long dup, long base, void *arg)
{
    struct record *rec = arg;
    struct poll *pl = rec->pl;
    struct poller *p = pl->p;
    const char *id = pl->st.src.id;
    if (st == QUEUE_COMPLETE_OK) {
        /* Every item sent is now recorded as seen in Redis, new or not. */
        for (size_t i = 0; p->seen && i < rec->ntags; i++)
            seen_cache_put(p->seen, rec->tags[i], rec->until_ms);
        if (p->seen && rec->body_tag && rec->ok)
            seen_cache_put(p->seen, rec->body_tag, rec->body_until);
        dup += (long)rec->cached;
        vg_metric_add(p->m_cached, (double)rec->cached);
        p->stats.items_added += (uint64_t)added;
        p->stats.items_duplicate += (uint64_t)dup;
        p->stats.items_baseline += (uint64_t)base;
        vg_metric_add(p->m_added, (double)added);
        vg_metric_add(p->m_dup, (double)dup);
        vg_metric_add(p->m_base, (double)base);
        if (rec->ok && pl->st.failures > 0)
            vg_notice("fetch", "source %s recovered after %lld failure(s)", id, pl->st.failures);
        else if (!rec->ok && pl->st.failures == 0)
            vg_warn("fetch", "source %s failing: %s: %s", id, rec->kind, rec->error ? rec->error : "");
        vg_debug("fetch", "source %s: %s, %ld new, %ld seen, %ld baseline", id, rec->ok ? "ok" : rec->kind,
                 added, dup, base);
    } else if (st == QUEUE_COMPLETE_LEASE_LOST) {
        vg_warn("fetch", "source %s: the poll was not recorded: its lease expired first and another "
                "process polls it now (consider a longer [fetch] lease), or it was removed and added again",
                id);
    } else if (st == QUEUE_COMPLETE_ERROR) {
        vg_warn("fetch", "source %s: could not record the poll (redis); its lease is given back, so it is "
                "polled again shortly", id);
    }
    vg_free(rec->error);
    vg_free(rec->tags);
    vg_free(rec);
    poll_done(pl);
    if (p->running && claim_room(p))
        schedule_claim(p, 0);
    check_drained(p);
}

/* An API (a company kind) answered "not now" (429 or 503 with Retry-After): nothing is wrong
 * with the source, so it is polled again when the API says, not after the failures' backoff
 * (which would be days for a daily source). */
static int api_throttled(const struct poll *pl, int ok, long long retry_after_ms)
{
    return !ok && retry_after_ms > 0 && pl->kind && pl->kind->default_url;
}

/* Items of a parsed document to the stream, with the poll's outcome. Takes ownership of pl. */
static void record(struct poll *pl, int ok, const char *kind, const char *error, long long retry_after_ms,
                   const char *etag, const char *last_modified, const char *watch_text, const struct feed_doc *doc)
{
    struct poller *p = pl->p;
    const struct vg_config *c = p->cfg;
    fetch_finished(pl); /* a poll failed before its last request ended */
    long long failures = ok ? 0 : pl->st.failures + 1;
    struct queue_poll_result r = {
        .id = pl->st.src.id,
        .lease = pl->st.lease,
        .ok = ok,
        .clean = ok && pl->st.failures == 0 && pl->st.baselined && !pl->st.error_kind,
        .next_delay_ms = api_throttled(pl, ok, retry_after_ms)
                             ? retry_after_ms + (long long)vg_rand_below((unsigned)(retry_after_ms / 10 + 1))
                             : fetch_next_delay_ms(pl->st.src.interval_ms, failures, c->fetch_backoff_max_ms,
                                                   retry_after_ms, (unsigned)vg_rand_below(1000)),
        .etag = etag,
        .last_modified = last_modified,
        .watch_text = watch_text,
        .error_kind = kind,
        .error = error,
        .dedup_ttl_s = c->fetch_dedup_ttl_ms / 1000,
        /* a ceiling: the trim of every minute (queue_trim.h) holds the stream to items_maxlen
         * and counts what it removes before the enrich stage has it; this one, uncounted, only
         * bounds a stream no process trims */
        .stream_maxlen = c->fetch_items_maxlen * 2,
    };
    if (ok) /* WebSub: a hub discovered, and the slow interval while one pushes (daemon/websub.h) */
        r.next_delay_ms = websub_polled(pl->st.src.id, pl->st.src.kind, pl->st.src.account_id, doc, r.next_delay_ms);
    struct queue_new_item *items = NULL;
    size_t n = 0;
    struct record *rec = vg_calloc(1, sizeof(*rec));
    if (doc && doc->nitems) {
        items = vg_calloc(doc->nitems, sizeof(*items));
        uint64_t *tags = p->seen && rec ? vg_calloc(doc->nitems, sizeof(*tags)) : NULL;
        if (rec)
            rec->tags = tags;
        int64_t now = vg_clock_ms();
        /* Redis keeps what it records for dedup_ttl from the call's clock (taken at most a few
         * ms before now) rounded to the hour below: a minute's margin. */
        if (rec)
            rec->until_ms = rec->body_until = now + c->fetch_dedup_ttl_ms - 60000;
        int64_t recent_after = vg_wall_ms() / 1000 - c->fetch_recent_window_ms / 1000;
        for (size_t i = 0; items && i < doc->nitems; i++) {
            const struct feed_item *it = &doc->items[i];
            struct fetch_item_keys keys;
            if (tags) {
                if (fetch_item_keys(it, &keys) < 0)
                    continue;
                uint64_t tag = seen_cache_tag(pl->st.src.id, keys.id, keys.fp);
                int64_t until = seen_cache_until(p->seen, tag);
                if (until > now) {
                    rec->cached++;
                    if (until < rec->body_until)
                        rec->body_until = until;
                    continue;
                }
                tags[rec->ntags++] = tag;
            }
            char *json = fetch_item_json(pl->st.src.id, pl->st.src.account_id, doc, it, &keys);
            if (!json) {
                if (tags)
                    rec->ntags--;
                continue;
            }
            memcpy(items[n].url_key, keys.id, sizeof(keys.id));
            memcpy(items[n].fp_key, keys.fp, sizeof(keys.fp));
            int64_t when = it->published != FEED_DATE_NONE ? it->published : it->updated;
            items[n].recent = when != FEED_DATE_NONE && when >= recent_after;
            items[n].json = json;
            n++;
        }
    }
    r.items = items;
    r.nitems = n;
    if (rec) {
        rec->pl = pl;
        rec->ok = ok;
        rec->body_tag = ok && items ? pl->body_tag : 0;
        rec->kind = kind ? kind : "ok";
        rec->error = error ? vg_strdup(error) : NULL;
    }
    if (ok)
        p->stats.ok++, vg_metric_add(p->m_polls_ok, 1);
    else
        p->stats.failed++, vg_metric_add(p->m_polls_failed, 1), count_error(kind);
    if (!rec || queue_recorder_add(p->rec, &r, on_recorded, rec) < 0) {
        /* Redis is gone: the recorder gives the lease back once it is here again. */
        vg_warn("fetch", "source %s: could not record the poll (redis unreachable); its lease is given back "
                "when redis answers", pl->st.src.id);
        if (rec) {
            vg_free(rec->error);
            vg_free(rec->tags);
            vg_free(rec);
        }
        poll_done(pl);
        check_drained(p);
    }
    for (size_t i = 0; i < n; i++)
        vg_free((char *)items[i].json);
    vg_free(items);
}

/* ---- fetch and parse ---------------------------------------------------------- */

/* What a poll's parse reads, and what it made: the first response kept while the parts are
 * fetched, or while a large body is parsed on a worker thread. Owns its strings, since the
 * responses they come from are gone by then. */
struct parse {
    struct poll *pl;
    struct kind_input in;
    char *body, *url, *charset, *etag, *last_modified;
    char **urls;                          /* the kind's plan: the parts' URLs */
    size_t nurls;
    size_t nparts;                        /* parts fetched so far */
    struct kind_part parts[KIND_MAX_PARTS];
    char *part_body[KIND_MAX_PARTS];
    size_t bytes;                         /* the first body's and the parts' */
    struct kind_output out;
    int rc;
    char err[300];
};

static void parse_free(struct parse *ps)
{
    if (!ps)
        return;
    vg_free(ps->body);
    vg_free(ps->url);
    vg_free(ps->charset);
    vg_free(ps->etag);
    vg_free(ps->last_modified);
    for (size_t i = 0; ps->urls && i < ps->nurls; i++)
        vg_free(ps->urls[i]);
    vg_free(ps->urls);
    for (size_t i = 0; i < KIND_MAX_PARTS; i++)
        vg_free(ps->part_body[i]);
    vg_free(ps->out.watch_text);
    feed_doc_free(ps->out.doc);
    vg_free(ps);
}

/* Runs on a worker thread for a large body: the kind's parse is pure. */
static void parse_run(void *arg)
{
    struct parse *ps = arg;
    ps->rc = ps->pl->kind->parse(&ps->in, &ps->out, ps->err, sizeof(ps->err));
}

/* The outcome of a parse recorded, with the response's validators. */
static void parsed(struct poll *pl, int rc, const struct kind_output *out, const char *err, const char *etag,
                   const char *last_modified)
{
    if (rc < 0) {
        record(pl, 0, out->error_kind ? out->error_kind : "parse", err, 0, NULL, NULL, NULL, NULL);
        return;
    }
    if (out->doc->flags & FEED_F_RECOVERED)
        vg_debug("fetch", "source %s: malformed document, items recovered (%s)", pl->st.src.id, out->doc->note);
    record(pl, 1, NULL, NULL, 0, etag, last_modified, out->watch_text, out->doc);
}

/* Back on the loop after a worker's parse (or after one run here). */
static void parse_done(void *arg)
{
    struct parse *ps = arg;
    ps->pl->parse = NULL;
    parsed(ps->pl, ps->rc, &ps->out, ps->err, ps->etag, ps->last_modified);
    parse_free(ps);
}

/* The first response taken or copied, with what the kind reads of it: the response is gone
 * once on_fetched returns. NULL when out of memory. */
static struct parse *parse_keep(struct poll *pl, struct fetch_response *resp, const struct kind_input *in)
{
    struct parse *ps = vg_calloc(1, sizeof(*ps));
    if (!ps || !(ps->body = vg_buf_steal(&resp->body)) || !(ps->url = vg_strdup(in->url)) ||
        (in->charset && !(ps->charset = vg_strdup(in->charset))) ||
        (resp->etag && !(ps->etag = vg_strdup(resp->etag))) ||
        (resp->last_modified && !(ps->last_modified = vg_strdup(resp->last_modified)))) {
        parse_free(ps);
        return NULL;
    }
    ps->pl = pl;
    ps->in = *in;
    ps->in.body = ps->body;
    ps->in.url = ps->url;
    ps->in.charset = ps->charset;
    ps->bytes = in->len;
    return ps;
}

/* Parses what the poll gathered: on a worker thread when it is large, else here. Takes ps. */
static void parse_start(struct poll *pl, struct parse *ps)
{
    struct poller *p = pl->p;
    ps->in.parts = ps->nparts ? ps->parts : NULL;
    ps->in.nparts = ps->nparts;
    pl->parse = ps;
    if (ps->bytes >= PARSE_OFF_LOOP_BYTES && p->work && vg_work_submit(p->work, parse_run, parse_done, ps) == 0) {
        vg_metric_add(p->m_off_loop, 1);
        return;
    }
    parse_run(ps);
    parse_done(ps);
}

static void on_fetched(struct fetch_response *resp, void *arg);
static void on_part(struct fetch_response *resp, void *arg);

/* Sends the poll's next request: its first (no parse kept yet), or its next part. */
static void send_now(struct poll *pl)
{
    struct poller *p = pl->p;
    struct parse *ps = pl->parse;
    const char *url = ps ? ps->urls[ps->nparts] : pl->st.src.url;
    const char *headers[3];
    size_t nh = poll_kinds_headers(p->kinds, pl->kind, url, headers);
    struct fetch_request req = {
        .url = url,
        .etag = ps ? NULL : pl->st.etag,
        .last_modified = ps ? NULL : pl->st.last_modified,
        .accept = pl->kind->accept,
        .headers = nh ? headers : NULL,
        /* an API's budget paces its requests: [fetch] per_host_delay would cap it at one a
         * second whatever its documented rate (feed_rate caps feeds as a whole, not a host) */
        .paced = pl->rate_limit > 0 && pl->kind->default_url,
        /* the first response's Link header: WebSub discovery (daemon/websub.h) */
        .want_headers = ps || strncasecmp(url, "file://", 7) == 0 ? NULL : websub_want_headers(),
    };
    char err[200];
    if (fetch_get(p->fc, &req, ps ? on_part : on_fetched, pl, err, sizeof(err)) < 0)
        record(pl, 0, "bad_request", err, 0, NULL, NULL, NULL, NULL);
}

static void on_granted(void *arg)
{
    struct poll *pl = arg;
    pl->bw = NULL;
    send_now(pl);
}

/* Sends the poll's next request once its kind's budget grants it. The wait counts as the
 * fetch's (claim to fetched), so a long line shrinks the claim window like a slow host does. */
static void send_next(struct poll *pl)
{
    struct poller *p = pl->p;
    if (!pl->rate_limit) {
        send_now(pl);
        return;
    }
    if (!p->running) {
        /* stopping: as the polls already in a line (poller_stop), left for later */
        poll_done(pl);
        check_drained(p);
        return;
    }
    char name[64];
    snprintf(name, sizeof(name), "api:%s", pl->kind->name);
    if (!(pl->bw = poll_budget_wait(p->budgets, name, pl->rate_limit, pl->rate_window_ms, on_granted, pl)))
        record(pl, 0, "internal", "out of memory", 0, NULL, NULL, NULL, NULL);
}

/* The first response of a kind with a plan: the further URLs it names, fetched in turn. */
static void plan_parts(struct poll *pl, struct fetch_response *resp, const struct kind_input *in)
{
    struct parse *ps = parse_keep(pl, resp, in);
    if (!ps) {
        record(pl, 0, "internal", "out of memory", 0, NULL, NULL, NULL, NULL);
        return;
    }
    char err[300] = "";
    if (pl->kind->plan(&ps->in, &ps->urls, &ps->nurls, err, sizeof(err)) < 0) {
        ps->urls = NULL; /* a failed plan gives nothing back (kind.h): not freed twice */
        ps->nurls = 0;
        parse_free(ps);
        record(pl, 0, "parse", err[0] ? err : "the kind could not plan the poll", 0, NULL, NULL, NULL, NULL);
        return;
    }
    if (ps->nurls > KIND_MAX_PARTS) {
        snprintf(err, sizeof(err), "the kind planned %zu further requests; at most %d", ps->nurls, KIND_MAX_PARTS);
        parse_free(ps);
        record(pl, 0, "internal", err, 0, NULL, NULL, NULL, NULL);
        return;
    }
    if (ps->nurls == 0) {
        fetch_finished(pl);
        parse_start(pl, ps);
        return;
    }
    pl->parse = ps;
    send_next(pl);
}

/* A part's response. A 4xx/5xx goes to the kind with its status (a 404 may mean "none"),
 * except 429 and 503: the API asks to slow down, so the poll fails and its next one waits the
 * Retry-After. A network failure fails the poll too: the kind never sees half a poll. */
static void on_part(struct fetch_response *resp, void *arg)
{
    struct poll *pl = arg;
    struct parse *ps = pl->parse;
    size_t i = ps->nparts;
    if (resp->error != FETCH_OK &&
        !(resp->error == FETCH_ERR_HTTP_STATUS && resp->status != 429 && resp->status != 503)) {
        char why[400];
        snprintf(why, sizeof(why), "%s (request %zu of %zu: %.200s)", resp->reason, i + 2, ps->nurls + 1,
                 ps->urls[i]);
        record(pl, 0, fetch_error_name(resp->error), why, resp->retry_after_s * 1000LL, NULL, NULL, NULL, NULL);
        return;
    }
    size_t len = resp->body.len;
    if (!(ps->part_body[i] = vg_buf_steal(&resp->body))) {
        record(pl, 0, "internal", "out of memory", 0, NULL, NULL, NULL, NULL);
        return;
    }
    ps->parts[i] = (struct kind_part){
        .url = ps->urls[i],
        .body = ps->part_body[i],
        .len = len,
        .status = resp->status ? (int)resp->status : 200, /* file:// */
    };
    ps->bytes += len;
    if (++ps->nparts < ps->nurls) {
        send_next(pl);
        return;
    }
    pl->parse = NULL;
    fetch_finished(pl);
    parse_start(pl, ps);
}

/* A feed that answers 200 with the very body of an earlier poll whose items Redis still
 * remembers as seen (every one of them: the body's tag is kept until the first of them
 * expires) brings nothing: it is recorded like a 304, without parsing it or sending its items
 * to be found seen. Feeds only: a page watch or a company source keeps what it read, and a
 * company source counts its polls. Sets pl->body_tag for record() otherwise. */
static int body_known(struct poll *pl, const struct fetch_response *resp)
{
    struct poller *p = pl->p;
    pl->body_tag = 0;
    if (!p->seen || pl->kind != &source_kind_feed || !resp->body.data)
        return 0;
    pl->body_tag = seen_cache_body_tag(pl->st.src.id, resp->body.data, resp->body.len);
    return seen_cache_has(p->seen, pl->body_tag, vg_clock_ms());
}

static void on_fetched(struct fetch_response *resp, void *arg)
{
    struct poll *pl = arg;
    struct poller *p = pl->p;
    p->stats.polls++;
    if (resp->error != FETCH_OK) {
        record(pl, 0, fetch_error_name(resp->error), resp->reason, resp->retry_after_s * 1000LL, NULL, NULL, NULL,
               NULL);
        return;
    }
    if (resp->not_modified) {
        p->stats.not_modified++;
        vg_metric_add(p->m_not_modified, 1);
        record(pl, 1, NULL, NULL, 0, NULL, NULL, NULL, NULL);
        return;
    }
    if (body_known(pl, resp)) {
        p->stats.unchanged++;
        vg_metric_add(p->m_unchanged, 1);
        record(pl, 1, NULL, NULL, 0, resp->etag, resp->last_modified, NULL, NULL);
        return;
    }
    websub_fetched(pl->st.src.id, pl->st.src.url, resp->header_values ? resp->header_values[0] : NULL);
    const struct kind_input in = {
        .body = resp->body.data ? resp->body.data : "",
        .len = resp->body.len,
        .url = resp->effective_url ? resp->effective_url : pl->st.src.url,
        .charset = resp->charset,
        .options = pl->st.src.options,
        .watch_text = pl->st.watch_text,
        .now = vg_wall_ms() / 1000,
        .account_id = pl->st.src.account_id,
    };
    if (pl->kind->plan) {
        plan_parts(pl, resp, &in);
        return;
    }
    fetch_finished(pl);
    if (in.len >= PARSE_OFF_LOOP_BYTES && p->work) {
        struct parse *ps = parse_keep(pl, resp, &in);
        if (!ps)
            record(pl, 0, "internal", "out of memory", 0, NULL, NULL, NULL, NULL);
        else
            parse_start(pl, ps);
        return;
    }
    /* Small bodies, nearly all of them, parse at once, reading the response in place: a
     * thread's round trip would cost more than the parse. */
    struct kind_output out = {0};
    char err[300] = "";
    int rc = pl->kind->parse(&in, &out, err, sizeof(err));
    parsed(pl, rc, &out, err, resp->etag, resp->last_modified);
    vg_free(out.watch_text);
    feed_doc_free(out.doc);
}

static void start_poll(struct poller *p, struct queue_source_state *st)
{
    struct poll *pl = vg_calloc(1, sizeof(*pl));
    if (!pl) {
        queue_source_state_clear(st);
        return;
    }
    pl->p = p;
    pl->st = *st; /* takes the strings */
    memset(st, 0, sizeof(*st));
    pl->started = vg_mono_ms();
    p->in_flight++;
    p->fetching++;
    pl->fetching = 1;
    pl->next = p->polls;
    if (p->polls)
        p->polls->prev = pl;
    p->polls = pl;
    char err[200];
    if (!(pl->kind = source_kind_find(pl->st.src.kind))) {
        /* written by a newer vigie sharing this Redis, or by hand */
        snprintf(err, sizeof(err), "unknown source kind '%.40s'", pl->st.src.kind ? pl->st.src.kind : "");
        record(pl, 0, "bad_request", err, 0, NULL, NULL, NULL, NULL);
        return;
    }
    if (poll_kinds_refuse(p->kinds, pl->kind, err, sizeof(err)) < 0) {
        record(pl, 0, "options", err, 0, NULL, NULL, NULL, NULL);
        return;
    }
    poll_kinds_rate(p->kinds, pl->kind, &pl->rate_limit, &pl->rate_window_ms);
    send_next(pl);
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
        start_poll(p, &v[i]);
    vg_free(v); /* the elements were moved into their polls */
    if (n == 0 && !err && p->in_flight == 0 && p->idle) {
        void (*cb)(void *) = p->idle;
        p->idle = NULL;
        cb(p->idle_arg);
    }
    /* A batch means more may be due: ask again as soon as there is room (fetch_finished and
     * on_recorded ask then); nothing due: look again in a while. */
    if (p->running)
        schedule_claim(p, n > 0 && claim_room(p) ? 0 : CLAIM_PERIOD_MS);
    check_drained(p);
}

static void on_claim_timer(evutil_socket_t fd, short what, void *arg)
{
    struct poller *p = arg;
    if (!p->running || p->claiming)
        return;
    /* Claim in batches of at least half max_in_flight, so that one claim call serves many
     * polls instead of one per finished poll. */
    if (p->paused || !claim_room(p) || !queue_is_ready(p->q)) {
        schedule_claim(p, CLAIM_PERIOD_MS);
        return;
    }
    p->claiming = 1;
    if (queue_sched_claim(p->q, claim_window(p) - p->fetching, p->cfg->fetch_lease_ms, on_claimed, p) < 0) {
        p->claiming = 0;
        schedule_claim(p, CLAIM_PERIOD_MS);
    }
}

static void schedule_claim(struct poller *p, long ms)
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
        schedule_claim(p, 0);
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
    schedule_claim(p, 0);
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
    check_drained(p);
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
