/* sink_request — sink_http: a sink's request waits for the rate budget every vigie process
 * shares (queue_budget.h), then goes out through the core's HTTP client; in a preview it is
 * printed instead, in direct mode (vigie alerts test) its answer is reported to the caller. */
#include "sinks/sink_core_int.h"
#include "http/fetch_http.h"
#include "queue/queue_budget.h"
#include "sinks/sink_preview.h"
#include "util/vg_alloc.h"
#include "util/vg_event.h"
#include "util/vg_metrics.h"

#include <event2/event.h>
#include <stdio.h>
#include <string.h>

/* A request waiting for the rate budget, then in flight. */
struct http_wait {
    struct sink_core *s;          /* NULL: orphaned (the sink was freed while Redis had the
                                     budget call; the reply frees it) */
    struct http_wait *next, *prev;
    int asking;                   /* a budget call is in flight */
    struct fetch_request req;
    char *url, *body, *method, *content_type, **headers, **want;
    sink_http_cb cb;
    void *arg;
    struct event *ev;
};

static void http_wait_free(struct http_wait *w)
{
    if (w->s) {
        if (w->prev)
            w->prev->next = w->next;
        else
            w->s->waits = w->next;
        if (w->next)
            w->next->prev = w->prev;
    }
    if (w->ev)
        event_free(w->ev);
    for (size_t i = 0; w->headers && w->headers[i]; i++)
        vg_free(w->headers[i]);
    for (size_t i = 0; w->want && w->want[i]; i++)
        vg_free(w->want[i]);
    vg_free(w->headers);
    vg_free(w->want);
    vg_free(w->url);
    vg_free(w->body);
    vg_free(w->method);
    vg_free(w->content_type);
    vg_free(w);
}

static char **copy_list(const char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    char **out = vg_calloc(n + 1, sizeof(*out));
    for (size_t i = 0; out && i < n; i++)
        if (!(out[i] = vg_strdup(v[i]))) {
            for (size_t j = 0; j < i; j++)
                vg_free(out[j]);
            vg_free(out);
            return NULL;
        }
    return out;
}

/* Direct mode: the caller hears of every answer, before the sink reads it. */
static void report_response(struct http_wait *w, const struct fetch_response *resp)
{
    struct sink_core *s = w->s;
    if (s && s->env.direct && s->env.on_response)
        s->env.on_response(s->env.report_arg, &w->req, resp);
}

static void fail_request(struct http_wait *w, enum fetch_error e, const char *reason)
{
    struct fetch_response resp;
    memset(&resp, 0, sizeof(resp));
    resp.url = w->url;
    resp.effective_url = w->url;
    resp.error = e;
    resp.reason = reason;
    report_response(w, &resp);
    w->cb(&resp, w->arg);
    vg_buf_free(&resp.body);
}

static void on_http_done(struct fetch_response *resp, void *arg)
{
    struct http_wait *w = arg;
    report_response(w, resp);
    w->cb(resp, w->arg);
    http_wait_free(w);
}

static void send_now(struct http_wait *w)
{
    struct sink_core *s = w->s;
    s->st.requests++;
    vg_metric_add(s->m_requests, 1);
    if (s->env.preview) {
        sink_preview_print(s->env.preview, s->name, &w->req);
        struct fetch_response resp;
        memset(&resp, 0, sizeof(resp));
        resp.url = w->url;
        resp.effective_url = w->url;
        w->cb(&resp, w->arg);
        http_wait_free(w);
        return;
    }
    char err[256] = "";
    if (fetch_send(s->http, &w->req, on_http_done, w, err, sizeof(err)) < 0) {
        fail_request(w, FETCH_ERR_INTERNAL, err);
        http_wait_free(w);
    }
}

static void ask_budget(struct http_wait *w);

static void on_budget_timer(evutil_socket_t fd, short what, void *arg) { ask_budget(arg); }

static void on_budget(long long wait_ms, void *arg)
{
    struct http_wait *w = arg;
    w->asking = 0;
    if (!w->s) {
        http_wait_free(w);
        return;
    }
    if (wait_ms == 0) {
        send_now(w);
        return;
    }
    /* -1: Redis did not answer; the request waits for it like everything else does */
    vg_timer_arm(w->ev, wait_ms > 0 ? wait_ms : 1000);
}

static void ask_budget(struct http_wait *w)
{
    struct sink_core *s = w->s;
    if (queue_budget_take(s->env.q, s->budget, s->common.rate_limit, s->common.rate_window_ms, 1, on_budget, w) < 0)
        vg_timer_arm(w->ev, 1000);
    else
        w->asking = 1;
}

int sink_http(struct sink_ctx *ctx, const struct fetch_request *req, sink_http_cb cb, void *arg, char *err,
              size_t errlen)
{
    struct sink_core *s = ctx->core;
    struct http_wait *w = vg_calloc(1, sizeof(*w));
    if (!w)
        goto oom;
    w->s = s;
    w->next = s->waits;
    if (s->waits)
        s->waits->prev = w;
    s->waits = w;
    w->cb = cb;
    w->arg = arg;
    w->req = *req;
    w->url = vg_strdup(req->url ? req->url : "");
    w->method = req->method ? vg_strdup(req->method) : NULL;
    w->content_type = req->content_type ? vg_strdup(req->content_type) : NULL;
    w->body = req->body ? vg_malloc(req->body_len + 1) : NULL;
    w->headers = req->headers ? copy_list(req->headers) : NULL;
    w->want = req->want_headers ? copy_list(req->want_headers) : NULL;
    w->ev = evtimer_new(s->env.base, on_budget_timer, w);
    if (!w->url || (req->method && !w->method) || (req->content_type && !w->content_type) ||
        (req->body && !w->body) || (req->headers && !w->headers) || (req->want_headers && !w->want) || !w->ev)
        goto oom;
    if (w->body) {
        memcpy(w->body, req->body, req->body_len);
        w->body[req->body_len] = '\0';
    }
    w->req.url = w->url;
    w->req.method = w->method;
    w->req.content_type = w->content_type;
    w->req.body = w->body;
    w->req.headers = (const char *const *)w->headers;
    w->req.want_headers = (const char *const *)w->want;
    if (s->common.rate_limit > 0 && !offline(s))
        ask_budget(w);
    else
        send_now(w);
    return 0;
oom:
    if (w)
        http_wait_free(w);
    snprintf(err, errlen, "out of memory");
    return -1;
}

void sink_requests_orphan(struct sink_core *s)
{
    while (s->waits) {
        struct http_wait *w = s->waits;
        s->waits = w->next;
        w->prev = w->next = NULL;
        w->s = NULL;
        if (w->ev) {
            event_free(w->ev);
            w->ev = NULL;
        }
        if (!w->asking)
            http_wait_free(w);
    }
}
