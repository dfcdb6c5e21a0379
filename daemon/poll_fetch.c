/* poll_fetch — one poll, from the claimed source to its record: its request sent (after a token
 * of its kind's API budget, poll_budget.h, when the kind has one, with the kind's identity
 * headers, poll_kind.h), the further requests a kind's `plan` names fetched one after the
 * other, and what came back parsed by the kind, on a worker thread when large (util/vg_work.h)
 * so that a document of several megabytes never holds the event loop. Split from poller.c,
 * which decides when to claim; the outcome goes to poll_record.c. */
#include "daemon/poll_budget.h"
#include "daemon/poll_kind.h"
#include "daemon/poller.h"
#include "daemon/poller_int.h"
#include "daemon/websub.h"
#include "fetchers/feed.h"
#include "fetchers/kind.h"
#include "fetchers/seen_cache.h"
#include "http/fetch_http.h"
#include "queue/queue_sched.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"
#include "util/vg_metrics.h"
#include "util/vg_time.h"
#include "util/vg_work.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Bodies from this size on are parsed on a worker thread: a page or feed of several megabytes
 * takes long enough to delay health checks, the watchdog and SIGTERM. */
#define PARSE_OFF_LOOP_BYTES (256 * 1024)

/* ---- parse ------------------------------------------------------------------ */

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
        poll_record(pl, 0, out->error_kind ? out->error_kind : "parse", err, 0, NULL, NULL, NULL, NULL);
        return;
    }
    if (out->doc->flags & FEED_F_RECOVERED)
        vg_debug("fetch", "source %s: malformed document, items recovered (%s)", pl->st.src.id, out->doc->note);
    poll_record(pl, 1, NULL, NULL, 0, etag, last_modified, out->watch_text, out->doc);
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

/* ---- requests and responses --------------------------------------------------- */

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
        poll_record(pl, 0, "bad_request", err, 0, NULL, NULL, NULL, NULL);
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
        poller_check_drained(p);
        return;
    }
    char name[64];
    snprintf(name, sizeof(name), "api:%s", pl->kind->name);
    if (!(pl->bw = poll_budget_wait(p->budgets, name, pl->rate_limit, pl->rate_window_ms, on_granted, pl)))
        poll_record(pl, 0, "internal", "out of memory", 0, NULL, NULL, NULL, NULL);
}

/* The first response of a kind with a plan: the further URLs it names, fetched in turn. */
static void plan_parts(struct poll *pl, struct fetch_response *resp, const struct kind_input *in)
{
    struct parse *ps = parse_keep(pl, resp, in);
    if (!ps) {
        poll_record(pl, 0, "internal", "out of memory", 0, NULL, NULL, NULL, NULL);
        return;
    }
    char err[300] = "";
    if (pl->kind->plan(&ps->in, &ps->urls, &ps->nurls, err, sizeof(err)) < 0) {
        ps->urls = NULL; /* a failed plan gives nothing back (kind.h): not freed twice */
        ps->nurls = 0;
        parse_free(ps);
        poll_record(pl, 0, "parse", err[0] ? err : "the kind could not plan the poll", 0, NULL, NULL, NULL, NULL);
        return;
    }
    if (ps->nurls > KIND_MAX_PARTS) {
        snprintf(err, sizeof(err), "the kind planned %zu further requests; at most %d", ps->nurls, KIND_MAX_PARTS);
        parse_free(ps);
        poll_record(pl, 0, "internal", err, 0, NULL, NULL, NULL, NULL);
        return;
    }
    if (ps->nurls == 0) {
        poller_fetch_finished(pl);
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
        poll_record(pl, 0, fetch_error_name(resp->error), why, resp->retry_after_s * 1000LL, NULL, NULL, NULL, NULL);
        return;
    }
    size_t len = resp->body.len;
    if (!(ps->part_body[i] = vg_buf_steal(&resp->body))) {
        poll_record(pl, 0, "internal", "out of memory", 0, NULL, NULL, NULL, NULL);
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
    poller_fetch_finished(pl);
    parse_start(pl, ps);
}

/* A feed that answers 200 with the very body of an earlier poll whose items Redis still
 * remembers as seen (every one of them: the body's tag is kept until the first of them
 * expires) brings nothing: it is recorded like a 304, without parsing it or sending its items
 * to be found seen. Feeds only: a page watch or a company source keeps what it read, and a
 * company source counts its polls. Sets pl->body_tag for poll_record() otherwise. */
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
        poll_record(pl, 0, fetch_error_name(resp->error), resp->reason, resp->retry_after_s * 1000LL, NULL, NULL, NULL,
               NULL);
        return;
    }
    if (resp->not_modified) {
        p->stats.not_modified++;
        vg_metric_add(p->m_not_modified, 1);
        poll_record(pl, 1, NULL, NULL, 0, NULL, NULL, NULL, NULL);
        return;
    }
    if (body_known(pl, resp)) {
        p->stats.unchanged++;
        vg_metric_add(p->m_unchanged, 1);
        poll_record(pl, 1, NULL, NULL, 0, resp->etag, resp->last_modified, NULL, NULL);
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
    poller_fetch_finished(pl);
    if (in.len >= PARSE_OFF_LOOP_BYTES && p->work) {
        struct parse *ps = parse_keep(pl, resp, &in);
        if (!ps)
            poll_record(pl, 0, "internal", "out of memory", 0, NULL, NULL, NULL, NULL);
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

/* ---- a poll's start and end ------------------------------------------------------ */

void poll_start(struct poller *p, struct queue_source_state *st)
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
        poll_record(pl, 0, "bad_request", err, 0, NULL, NULL, NULL, NULL);
        return;
    }
    if (poll_kinds_refuse(p->kinds, pl->kind, err, sizeof(err)) < 0) {
        poll_record(pl, 0, "options", err, 0, NULL, NULL, NULL, NULL);
        return;
    }
    poll_kinds_rate(p->kinds, pl->kind, &pl->rate_limit, &pl->rate_window_ms);
    send_next(pl);
}

/* Ends a poll: out of the in-flight list, freed. */
void poll_done(struct poll *pl)
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
