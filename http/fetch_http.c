/* fetch_http — the HTTP client (see fetch_http.h). The only file that talks to curl_multi.
 *
 * The curl wiring follows curl's hiperfifo.c: one multi handle, one libevent timer driven by
 * CURLMOPT_TIMERFUNCTION, one fetch_socket per socket (fetch_sockets.c) attached with
 * curl_multi_assign() and re-armed from CURLMOPT_SOCKETFUNCTION, check_multi_info() after every
 * curl_multi_socket_action(), and easy handles removed only in check_multi_info().
 *
 * A request's life: fetch_send() validates and copies it into a struct xfer (fetch_xfer.c), with
 * its header lines (fetch_headers.c) and body, and queues it on its host (fetch_host.c).
 * dispatch() starts what the host and global limits allow: it builds the easy handle only then
 * (fetch_easy.c: the options, limits and address checks of a transfer), so a long queue costs
 * a few hundred bytes per request (plus its body), not a curl handle. curl reports
 * completion in check_multi_info(), which classifies the outcome, releases the host slot
 * (with a Retry-After hold) and runs the callback. A request that fails before reaching curl
 * is finished from a zero-delay event, so callbacks never run inside fetch_send().
 *
 * Nothing here logs a request header or a request body: an Authorization line must never
 * reach a log or a reason. */
#include "http/fetch_http.h"
#include "util/vg_alloc.h"
#include "util/vg_event.h"
#include "util/vg_log.h"
#include "util/vg_url_mask.h"
#include "http/fetch_addr.h"
#include "http/fetch_client_int.h"
#include "http/fetch_headers.h"
#include "http/fetch_host.h"
#include "http/fetch_http_int.h"
#include "http/fetch_sockets.h"
#include "http/fetch_urls.h"

#include <curl/curl.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MOD "fetch"
/* Memory for parsed URLs no request holds (fetch_urls.h): about 500 bytes for a URL of 100
 * characters, so some 30,000 sources; a process polling more parses the others at each poll. */
#define URLS_KEPT_BYTES (16u << 20)

void fetch_config_defaults(struct fetch_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->connect_timeout_ms = 10000;
    cfg->total_timeout_ms = 60000;
    cfg->low_speed_bytes = 64;
    cfg->low_speed_time_s = 30;
    cfg->max_body = 8u << 20;
    cfg->max_redirects = 5;
    cfg->per_host_concurrency = 2;
    cfg->per_host_delay_ms = 1000;
    cfg->max_in_flight = 64;
    cfg->retry_after_max_s = 3600;
    cfg->user_agent = NULL;
}

static void dispatch(struct fetch_client *c);
static void check_multi_info(struct fetch_client *c);

/* ------------------------------------------------------------------------------------------ */
/* hiperfifo wiring: sockets and the multi timer                                              */

static void on_sock_event(evutil_socket_t fd, short what, void *arg)
{
    struct fetch_client *c = arg;
    int action = ((what & EV_READ) ? CURL_CSELECT_IN : 0) |
                 ((what & EV_WRITE) ? CURL_CSELECT_OUT : 0);
    int running = 0;
    CURLMcode mc = curl_multi_socket_action(c->multi, fd, action, &running);
    if (mc != CURLM_OK)
        vg_err(MOD, "curl_multi_socket_action: %s", curl_multi_strerror(mc));
    /* Before check_multi_info(): it may start new transfers, which arm the timer again. */
    if (running <= 0)
        evtimer_del(c->timer);
    check_multi_info(c);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct fetch_client *c = arg;
    int running = 0;
    (void)fd;
    (void)what;
    CURLMcode mc = curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    if (mc != CURLM_OK)
        vg_err(MOD, "curl_multi_socket_action(timeout): %s", curl_multi_strerror(mc));
    check_multi_info(c);
}

static int on_multi_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct fetch_client *c = userp;
    (void)multi;
    if (timeout_ms < 0) {
        evtimer_del(c->timer);
        return 0;
    }
    /* A zero timeout runs on the next loop turn (see vg_event.h): curl forbids re-entering
     * socket_action from its own callback. */
    vg_timer_arm(c->timer, timeout_ms);
    return 0;
}

/* A kept-alive connection's socket stays registered between requests (fetch_sockets.h). */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct fetch_client *c = userp;
    struct fetch_socket *s = socketp;
    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        if (s)
            fetch_socket_idle(s);
        return 0;
    }
    if (!s) {
        if (!(s = fetch_sockets_get(c->socks, fd)))
            return -1;
        curl_multi_assign(c->multi, fd, s);
    }
    return fetch_socket_watch(s, (short)(((what & CURL_POLL_IN) ? EV_READ : 0) | ((what & CURL_POLL_OUT) ? EV_WRITE : 0)));
}

/* ------------------------------------------------------------------------------------------ */
/* Transfers                                                                                  */

static void running_unlink(struct fetch_client *c, struct xfer *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        c->running = x->next;
    if (x->next)
        x->next->prev = x->prev;
    x->prev = x->next = NULL;
}

/* Finishes a transfer that never reached curl, from the `early` event. */
static void fail_early(struct fetch_client *c, struct xfer *x, enum fetch_error err,
                       const char *reason)
{
    x->early_error = err;
    snprintf(x->errbuf, sizeof(x->errbuf), "%s", reason);
    x->next = NULL;
    if (c->failed_tail)
        c->failed_tail->next = x;
    else
        c->failed_head = x;
    c->failed_tail = x;
    event_active(c->early, EV_TIMEOUT, 0);
}

static void dispatch(struct fetch_client *c)
{
    while (!c->paused && c->in_flight < (size_t)c->cfg.max_in_flight) {
        struct fetch_host *host = NULL;
        struct fetch_waiter *w = fetch_hosts_next(c->hosts, &host);
        if (!w)
            break;
        struct xfer *x = (struct xfer *)w;
        x->host = host;
        x->started_ms = fetch_now_ms();
        CURLMcode mc = CURLM_OK;
        if (fetch_xfer_setup(c, x) < 0 || (mc = curl_multi_add_handle(c->multi, x->easy)) != CURLM_OK) {
            x->host = NULL;
            fetch_hosts_done(c->hosts, host, 0);
            fail_early(c, x, FETCH_ERR_INTERNAL,
                       mc != CURLM_OK ? curl_multi_strerror(mc) : "could not set up the transfer");
            continue;
        }
        c->in_flight++;
        x->prev = NULL;
        x->next = c->running;
        if (c->running)
            c->running->prev = x;
        c->running = x;
    }
}

static void on_wake(void *arg) { dispatch(arg); }

/* ------------------------------------------------------------------------------------------ */
/* Completion                                                                                 */

/* Runs the callback and updates counters; frees nothing. */
static void deliver(struct fetch_client *c, struct xfer *x, struct fetch_response *r)
{
    c->st.completed++;
    c->st.errors[r->error]++;
    if (r->error == FETCH_OK) {
        c->st.ok++;
        c->st.not_modified += r->not_modified ? 1u : 0u;
        c->st.body_bytes += r->body.len;
    }
    vg_debug(MOD, "%s -> %s%s%s (status %ld, %zu bytes)", x->url, fetch_error_name(r->error),
             r->reason[0] ? ": " : "", r->reason, r->status, r->body.len);
    x->cb(r, x->arg);
}

static long us_to_ms(curl_off_t us) { return us > 0 ? (long)(us / 1000) : 0; }

/* A transfer curl has finished: classify, release the host, run the callback. */
static void complete(struct fetch_client *c, struct xfer *x, CURLcode rc)
{
    CURL *e = x->easy;
    struct fetch_response r;
    char reason[CURL_ERROR_SIZE + 64];
    memset(&r, 0, sizeof(r));
    reason[0] = '\0';

    long status = 0, redirects = 0, httpver = 0, retry = 0;
    char *eff = NULL, *ct = NULL;
    curl_off_t t_total = 0, t_conn = 0, t_first = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(e, CURLINFO_REDIRECT_COUNT, &redirects);
    curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &eff);
    curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct);
    curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &httpver);
    curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &t_total);
    curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &t_conn);
    curl_easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME_T, &t_first);

    char *type = NULL, *charset = NULL;
    fetch_split_content_type(ct, &type, &charset);
    char *etag = status ? fetch_header_dup(e, "ETag") : NULL;
    char *lastmod = status ? fetch_header_dup(e, "Last-Modified") : NULL;

    /* Read here rather than through CURLINFO_RETRY_AFTER, which gives 0 for both "0" and no
     * header (a sink must tell them apart) and, before curl 8.12, a negative value for a date
     * past. Any error may carry one (HubSpot's 477 does); only 429 and 503 hold the host. */
    int retry_given = 0;
    if (status >= 400) {
        char *ra = fetch_header_dup(e, "Retry-After");
        retry_given = fetch_retry_after_parse(ra, time(NULL), c->cfg.retry_after_max_s, &retry);
        vg_free(ra);
    }
    /* A write's redirect is not followed: where it pointed goes into the reason. */
    char *location = NULL;
    if (x->method != M_GET && status / 100 == 3) {
        char *loc = NULL;
        curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &loc);
        if (loc && !(location = vg_url_mask(loc)))
            location = vg_strdup("(not shown: out of memory)");
    }
    int values_oom = 0;
    for (size_t i = 0; status && i < x->nwant; i++)
        x->values[i] = fetch_header_join(e, x->want[i], &values_oom);

    struct fetch_outcome o = {
        .rc = rc,
        .detail = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc),
        .status = status,
        .redirects = redirects,
        .type = type,
        .accept = x->accept,
        .max_body = x->max_body,
        .max_redirects = c->cfg.max_redirects,
        .refused = x->refused,
        .why = x->why,
        .too_large = x->too_large,
        .ctype_bad = x->ctype_bad,
        .oom = x->oom,
        .body_started = x->body_started,
        .method = x->method != M_GET ? fetch_method_names[x->method] : NULL,
        .location = location,
    };
    enum fetch_error err = fetch_http_judge(&o, reason, sizeof(reason));
    if (values_oom) {
        err = FETCH_ERR_INTERNAL;
        snprintf(reason, sizeof(reason), "%s: out of memory", fetch_error_label(err));
    }

    r.url = x->url;
    r.effective_url = eff ? eff : x->url;
    r.error = err;
    r.reason = reason;
    r.status = status;
    r.not_modified = err == FETCH_OK && status == 304;
    /* A 304 has no body, and a transfer cut short (too large, reset, timeout...) has only a
     * useless prefix: hand over an empty buffer so nobody parses a truncated document. Error
     * pages (HTTP status) keep theirs for the log. */
    if (r.not_modified || (err != FETCH_OK && err != FETCH_ERR_HTTP_STATUS))
        vg_buf_free(&x->body);
    r.body = x->body;
    r.content_type = type;
    r.charset = charset;
    r.etag = etag;
    r.last_modified = lastmod;
    r.retry_after_s = retry;
    r.retry_after_given = retry_given;
    r.header_values = x->want ? (const char *const *)x->values : NULL;
    r.redirects = redirects;
    r.http_version = httpver == CURL_HTTP_VERSION_1_0   ? 10
                     : httpver == CURL_HTTP_VERSION_1_1 ? 11
                     : httpver == CURL_HTTP_VERSION_2_0 ? 20
                     : httpver == CURL_HTTP_VERSION_3   ? 30
                                                        : 0;
    r.queued_ms = (long)(x->started_ms - x->submitted_ms);
    r.total_ms = us_to_ms(t_total);
    r.connect_ms = us_to_ms(t_conn);
    r.ttfb_ms = us_to_ms(t_first);

    /* Release the host first, so a request the callback submits sees the hold. */
    if (x->host) {
        long hold = (status == 429 || status == 503) ? retry * 1000 : 0;
        fetch_hosts_done(c->hosts, x->host, hold);
        x->host = NULL;
    }
    deliver(c, x, &r);
    /* The callback may have stolen the body: take the buffer back as it left it. */
    x->body = r.body;
    vg_free(type);
    vg_free(charset);
    vg_free(etag);
    vg_free(lastmod);
    vg_free(location);
    fetch_xfer_values_clear(x);
}

static void check_multi_info(struct fetch_client *c)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(c->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *e = msg->easy_handle;
        CURLcode rc = msg->data.result;
        struct xfer *x = NULL;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, &x);
        curl_multi_remove_handle(c->multi, e);
        running_unlink(c, x);
        c->in_flight--;
        complete(c, x, rc);
        fetch_pool_put(c, x);
        fetch_xfer_free(x);
    }
    dispatch(c);
}

static void on_early(evutil_socket_t fd, short what, void *arg)
{
    struct fetch_client *c = arg;
    (void)fd;
    (void)what;
    struct xfer *list = c->failed_head;
    c->failed_head = c->failed_tail = NULL;
    while (list) {
        struct xfer *x = list;
        list = x->next;
        char reason[CURL_ERROR_SIZE + 32];
        snprintf(reason, sizeof(reason), "%s: %s", fetch_error_label(x->early_error), x->errbuf);
        struct fetch_response r;
        memset(&r, 0, sizeof(r));
        r.url = r.effective_url = x->url;
        r.error = x->early_error;
        r.reason = reason;
        r.body = x->body;
        r.header_values = x->want ? (const char *const *)x->values : NULL;   /* all NULL */
        r.queued_ms = (long)(fetch_now_ms() - x->submitted_ms);
        deliver(c, x, &r);
        x->body = r.body;
        fetch_xfer_free(x);
    }
    dispatch(c);
}

/* ------------------------------------------------------------------------------------------ */
/* Client                                                                                     */

struct fetch_client *fetch_client_new(struct event_base *base, const struct fetch_config *cfg,
                                      char *err, size_t errlen)
{
    struct fetch_client *c = NULL;
    if (!base || !cfg) {
        snprintf(err, errlen, "fetch: no event base or configuration");
        return NULL;
    }
#define CHECK(cond, ...)                                   \
    do {                                                   \
        if (!(cond)) {                                     \
            snprintf(err, errlen, __VA_ARGS__);            \
            return NULL;                                   \
        }                                                  \
    } while (0)
    CHECK(cfg->connect_timeout_ms > 0, "fetch: connect_timeout must be positive");
    CHECK(cfg->total_timeout_ms > 0, "fetch: total_timeout must be positive");
    CHECK(cfg->low_speed_bytes >= 0 && cfg->low_speed_time_s >= 0,
          "fetch: low_speed settings must not be negative");
    CHECK(cfg->max_body > 0, "fetch: max_body must be positive");
    CHECK(cfg->max_redirects >= 0 && cfg->max_redirects <= 50,
          "fetch: max_redirects must be between 0 and 50");
    CHECK(cfg->per_host_concurrency >= 1, "fetch: per_host_concurrency must be at least 1");
    CHECK(cfg->per_host_delay_ms >= 0, "fetch: per_host_delay must not be negative");
    CHECK(cfg->max_in_flight >= 1, "fetch: max_in_flight must be at least 1");
    CHECK(cfg->retry_after_max_s >= 0, "fetch: retry_after_max must not be negative");
#undef CHECK

    c = vg_calloc(1, sizeof(*c));
    if (!c)
        goto oom;
    c->base = base;
    c->cfg = *cfg;
    c->protocols = cfg->allow_file ? "http,https,file" : "http,https";
    c->user_agent = cfg->user_agent ? vg_strdup(cfg->user_agent)
                                    : vg_strdup("vigie/" VIGIE_VERSION);
    if (!c->user_agent)
        goto oom;
    if (!fetch_header_value_ok(c->user_agent)) {
        snprintf(err, errlen, "fetch: the user agent contains a control character");
        goto fail;
    }
    if (!(c->fixed = fetch_headers_fixed(c->user_agent)))
        goto oom;
    if (cfg->proxy && cfg->proxy[0] && !(c->proxy = vg_strdup(cfg->proxy)))
        goto oom;
    if (cfg->ca_file && cfg->ca_file[0] && !(c->ca_file = vg_strdup(cfg->ca_file)))
        goto oom;
    /* The copies replace the caller's pointers, which need not outlive this call. */
    c->cfg.user_agent = c->user_agent;
    c->cfg.proxy = c->proxy;
    c->cfg.ca_file = c->ca_file;
    c->cfg.allow_private = NULL;
    c->policy = fetch_addr_policy_new(cfg->allow_private, err, errlen);
    if (!c->policy)
        goto fail;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "fetch: curl_global_init failed");
        goto fail;
    }
    c->global_init = 1;
    c->multi = curl_multi_init();
    c->pool = vg_calloc((size_t)cfg->max_in_flight, sizeof(*c->pool));
    c->socks = fetch_sockets_new(base, on_sock_event, c);
    c->timer = evtimer_new(base, on_timer, c);
    c->early = event_new(base, -1, 0, on_early, c);
    c->hosts = fetch_hosts_new(base, cfg->per_host_concurrency, cfg->per_host_delay_ms, on_wake,
                               c);
    c->urls = fetch_urls_new(URLS_KEPT_BYTES);
    if (!c->multi || !c->pool || !c->socks || !c->timer || !c->early || !c->hosts || !c->urls)
        goto oom;
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_multi_timer);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    /* Keep enough idle connections to reuse one per request in flight. Left alone, curl sizes
     * its cache from the handles added at the moment, which are few when requests come and go
     * one by one, and closes connections it could have reused. */
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)(c->cfg.max_in_flight * 2 > 16 ? c->cfg.max_in_flight * 2 : 16));
    vg_info(MOD, "client ready: %d in flight, %d per host, %ld ms between starts, %zu allow-listed "
                 "networks",
            cfg->max_in_flight, cfg->per_host_concurrency, cfg->per_host_delay_ms,
            fetch_addr_policy_count(c->policy));
    return c;
oom:
    snprintf(err, errlen, "fetch: out of memory");
fail:
    fetch_client_free(c);
    return NULL;
}

void fetch_client_free(struct fetch_client *c)
{
    if (!c)
        return;
    while (c->running) {
        struct xfer *x = c->running;
        running_unlink(c, x);
        curl_multi_remove_handle(c->multi, x->easy);
        fetch_xfer_free(x);
    }
    while (c->failed_head) {
        struct xfer *x = c->failed_head;
        c->failed_head = x->next;
        fetch_xfer_free(x);
    }
    if (c->hosts) {
        struct fetch_waiter *w = fetch_hosts_take_all(c->hosts);
        while (w) {
            struct fetch_waiter *next = w->next;
            fetch_xfer_free((struct xfer *)w);
            w = next;
        }
    }
    while (c->npool)
        curl_easy_cleanup(c->pool[--c->npool]);
    vg_free(c->pool);
    /* curl may still call the socket and timer callbacks while closing cached connections, so
     * the structures they touch are freed after it. */
    if (c->multi)
        curl_multi_cleanup(c->multi);
    fetch_sockets_free(c->socks);
    if (c->timer)
        event_free(c->timer);
    if (c->early)
        event_free(c->early);
    fetch_hosts_free(c->hosts);
    fetch_urls_free(c->urls);
    fetch_addr_policy_free(c->policy);
    curl_slist_free_all(c->fixed);
    vg_free(c->user_agent);
    vg_free(c->proxy);
    vg_free(c->ca_file);
    if (c->global_init)
        curl_global_cleanup();
    vg_free(c);
}

/* ------------------------------------------------------------------------------------------ */
/* Requests                                                                                   */

/* Host key for politeness: the host name; "" (unthrottled) for file:// and for URLs curl
 * cannot parse, which fail at once anyway. */
static struct fetch_host *host_for(struct fetch_client *c, const struct xfer *x)
{
    enum fetch_host_mode mode = x->u->host[0] == '\0' ? FETCH_HOST_UNTHROTTLED
                                : x->paced             ? FETCH_HOST_PACED
                                                       : FETCH_HOST_POLITE;
    return fetch_hosts_get(c->hosts, x->u->host, mode);
}

int fetch_send(struct fetch_client *c, const struct fetch_request *req, fetch_done_cb cb,
               void *arg, char *err, size_t errlen)
{
    struct xfer *x = NULL;
    if (!c || !req || !cb || !req->url || !req->url[0]) {
        snprintf(err, errlen, "fetch: a request needs a URL and a callback");
        return -1;
    }
    int method;
    size_t nextra, nwant;
    if (fetch_request_check(req, &method, &nextra, &nwant, err, errlen) < 0)
        return -1;

    if (!(x = fetch_xfer_new(c, req, method, nextra, nwant, cb, arg)))
        goto oom;
    struct fetch_host *h = host_for(c, x);
    if (!h)
        goto oom;
    x->submitted_ms = fetch_now_ms();
    c->st.submitted++;
    fetch_hosts_enqueue(c->hosts, h, &x->link);
    dispatch(c);
    return 0;
oom:
    snprintf(err, errlen, "fetch: out of memory");
    fetch_xfer_free(x);
    return -1;
}

int fetch_get(struct fetch_client *c, const struct fetch_request *req, fetch_done_cb cb,
              void *arg, char *err, size_t errlen)
{
    return fetch_send(c, req, cb, arg, err, errlen);
}

void fetch_client_pause(struct fetch_client *c, int paused)
{
    paused = !!paused;
    if (c->paused == paused)
        return;
    c->paused = paused;
    vg_notice(MOD, "%s (%zu running, %zu queued)", paused ? "paused" : "resumed", c->in_flight,
              fetch_hosts_queued(c->hosts));
    if (!paused)
        dispatch(c);
}

void fetch_client_stats(const struct fetch_client *c, struct fetch_stats *out)
{
    *out = c->st;
    out->in_flight = c->in_flight;
    out->queued = fetch_hosts_queued(c->hosts);
    out->hosts = fetch_hosts_count(c->hosts);
    out->paused = c->paused;
}
