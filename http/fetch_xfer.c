/* fetch_xfer — one transfer: the copy of a request the client keeps from fetch_send() until its
 * callback has run (URL, header lines, body, wanted response headers, caller's callback).
 * Split from fetch_http.c so that what a request turns into is read in one place, apart from
 * the curl_multi driver that runs it. No curl option is set here (fetch_easy.c does that when
 * the transfer starts), so a long queue costs its copies and no curl handle.
 *
 * Nothing here logs a request header or a request body. */
#include "http/fetch_client_int.h"
#include "http/fetch_headers.h"
#include "http/fetch_http_int.h"
#include "http/fetch_urls.h"
#include "util/vg_alloc.h"

#include <curl/curl.h>
#include <string.h>

/* Frees the values of the wanted headers, keeping the array (all NULL again). */
void fetch_xfer_values_clear(struct xfer *x)
{
    for (size_t i = 0; x->values && i < x->nwant; i++) {
        vg_free(x->values[i]);
        x->values[i] = NULL;
    }
}

void fetch_xfer_free(struct xfer *x)
{
    if (!x)
        return;
    /* The handle first: it may still point at the body (CURLOPT_POSTFIELDS). */
    if (x->easy)
        curl_easy_cleanup(x->easy);
    fetch_headers_free(&x->headers);
    fetch_urls_release(x->c->urls, x->u);
    vg_free(x->accept);
    vg_buf_free(&x->body);
    vg_free(x->send_body);
    fetch_xfer_values_clear(x);
    vg_free(x->values);
    for (size_t i = 0; x->want && i < x->nwant; i++)
        vg_free(x->want[i]);
    vg_free(x->want);
    vg_free(x);
}

/* 1 when one of the caller's header lines is named `name`. */
static int names_header(const struct fetch_request *req, const char *name)
{
    for (size_t i = 0; req->headers && req->headers[i]; i++)
        if (fetch_header_line_is(req->headers[i], name))
            return 1;
    return 0;
}

/* The request's body and the header lines that go with it. POSTFIELDS would have curl send
 * "Content-Type: application/x-www-form-urlencoded" and, past 1 MiB, "Expect: 100-continue"
 * (a round trip per request waiting for a 100 that some servers never send): the empty
 * lines "Content-Type:" and "Expect:" remove them. -1: out of memory. */
static int body_setup(struct xfer *x, const struct fetch_request *req)
{
    x->posts = req->body || x->method == M_POST || x->method == M_PUT || x->method == M_PATCH;
    if (!x->posts)
        return 0;
    if (req->body) {
        if (!(x->send_body = vg_malloc(req->body_len ? req->body_len : 1)))
            return -1;
        memcpy(x->send_body, req->body, req->body_len);
        x->send_len = req->body_len;
    }
    struct fetch_headers *hd = &x->headers;
    if (!names_header(req, "Content-Type")) {
        int rc = req->body ? fetch_headers_add(hd, "Content-Type",
                                               req->content_type ? req->content_type
                                                                 : "application/json")
                           : fetch_headers_add(hd, NULL, "Content-Type:");
        if (rc < 0)
            return -1;
    }
    if (!names_header(req, "Expect") && fetch_headers_add(hd, NULL, "Expect:") < 0)
        return -1;
    return 0;
}

/* The wanted response headers: names copied, and the array of their values allocated now so
 * that the completion only fills it. -1: out of memory. */
static int want_setup(struct xfer *x, const struct fetch_request *req, size_t nwant)
{
    if (!req->want_headers)
        return 0;
    x->want = vg_calloc(nwant + 1, sizeof(*x->want));
    x->values = vg_calloc(nwant + 1, sizeof(*x->values));
    if (!x->want || !x->values)
        return -1;
    for (; x->nwant < nwant; x->nwant++)
        if (!(x->want[x->nwant] = vg_strdup(req->want_headers[x->nwant])))
            return -1;
    return 0;
}

/* The transfer's fields come from the request here; fetch_send() queues it on its host. */
struct xfer *fetch_xfer_new(struct fetch_client *c, const struct fetch_request *req, int method, size_t nextra,
                            size_t nwant, fetch_done_cb cb, void *arg)
{
    struct xfer *x = vg_calloc(1, sizeof(*x));
    if (!x)
        goto oom;
    x->c = c;
    x->cb = cb;
    x->arg = arg;
    x->method = method;
    x->max_body = req->max_body ? req->max_body : c->cfg.max_body;
    x->paced = req->paced;
    vg_buf_init(&x->body, x->max_body);
    if (!(x->u = fetch_urls_get(c->urls, req->url)))
        goto oom;
    x->url = x->u->url;
    if (req->accept && !(x->accept = vg_strdup(req->accept)))
        goto oom;
    struct fetch_headers *hd = &x->headers;
    if (req->etag && fetch_headers_add(hd, "If-None-Match", req->etag) < 0)
        goto oom;
    if (req->last_modified && fetch_headers_add(hd, "If-Modified-Since", req->last_modified) < 0)
        goto oom;
    if (req->accept && fetch_headers_add(hd, "Accept", req->accept) < 0)
        goto oom;
    for (size_t i = 0; i < nextra; i++)
        if (fetch_headers_add(hd, NULL, req->headers[i]) < 0)
            goto oom;
    if (body_setup(x, req) < 0 || want_setup(x, req, nwant) < 0)
        goto oom;
    return x;
oom:
    fetch_xfer_free(x);
    return NULL;
}
