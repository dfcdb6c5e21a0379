/* fetch_easy — one transfer's easy handle: the options it runs under and the callbacks curl
 * calls for it. Split from fetch_http.c, which drives the multi handle, so that the safety
 * settings of a hostile web sit together: time limits (connect, total, low speed), the size
 * cap on the decoded body (the decompression guard, on_body), redirects (how many, never to
 * file://, never for a write), protocols, TLS verification, and the address policy checked on
 * every connection (on_open_socket, on_prereq). Also the pool of finished handles reused by
 * later transfers, since a pooled handle keeps these options.
 *
 * Nothing here logs a request header or a request body. */
#include "http/fetch_client_int.h"
#include "http/fetch_addr.h"
#include "http/fetch_headers.h"
#include "http/fetch_http_int.h"
#include "http/fetch_sockets.h"
#include "http/fetch_urls.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MOD "fetch"

/* ------------------------------------------------------------------------------------------ */
/* Per-transfer curl callbacks                                                                */

/* The body arrives here already decoded (gzip, deflate, br, zstd), so the cap bounds what a
 * decompression bomb can make us hold. Returning short makes curl stop with
 * CURLE_WRITE_ERROR; the flags tell check_multi_info() why. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    struct xfer *x = userp;
    size_t n = size * nmemb;
    x->body_started = 1;
    if (x->accept && !x->ctype_checked) {
        /* Decided on the first byte: a feed URL that now serves an image or a video should
         * cost us nothing beyond its headers. */
        x->ctype_checked = 1;
        long status = 0;
        char *ct = NULL;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct);
        if (status >= 200 && status < 300 && ct) {
            char *type, *charset;
            fetch_split_content_type(ct, &type, &charset);
            int ok = type && fetch_type_accepted(x->accept, type);
            vg_free(type);
            vg_free(charset);
            if (!ok) {
                x->ctype_bad = 1;
                return 0;
            }
        }
    }
    if (n > x->max_body - x->body.len) {
        x->too_large = 1;
        return 0;
    }
    if (vg_buf_append(&x->body, data, n) < 0) {
        x->oom = 1;
        return 0;
    }
    return n;
}

/* Every connection curl opens comes through here with the resolved address, redirects and
 * happy-eyeballs attempts included, so this is where SSRF is stopped: before the SYN. */
static curl_socket_t on_open_socket(void *userp, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct xfer *x = userp;
    char why[sizeof(x->why)];
    if (purpose != CURLSOCKTYPE_IPCXN)
        return CURL_SOCKET_BAD;
    if (fetch_addr_check_sockaddr(x->c->policy, &a->addr, a->addrlen, why, sizeof(why)) < 0) {
        if (!x->refused) {
            x->refused = 1;
            snprintf(x->why, sizeof(x->why), "%s", why);
        }
        vg_info(MOD, "refused connection for %s: %s", x->url, why);
        return CURL_SOCKET_BAD;
    }
    /* CLOEXEC: the daemon spawns redis-server and must not leak connections into it. */
    curl_socket_t fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
    /* Should a socket ever have been closed behind on_close_socket()'s back, its stale sock
     * must not pass for this new one's. */
    fetch_sockets_drop(x->c->socks, fd);
    return fd;
}

/* curl closes a connection's socket: its event goes first, so that a later socket with the
 * same descriptor starts clean. */
static int on_close_socket(void *clientp, curl_socket_t fd)
{
    fetch_sockets_drop(((struct fetch_client *)clientp)->socks, fd);
    return close(fd);
}

/* Second line of defence, after connect and before the request is sent (also for reused
 * connections and each redirect): the primary IP curl actually talks to. */
static int on_prereq(void *userp, char *primary_ip, char *local_ip, int primary_port,
                     int local_port)
{
    struct xfer *x = userp;
    char why[sizeof(x->why)];
    (void)local_ip;
    (void)primary_port;
    (void)local_port;
    char *scheme = NULL;
    curl_easy_getinfo(x->easy, CURLINFO_SCHEME, &scheme);
    if (scheme && strcasecmp(scheme, "file") == 0)
        return CURL_PREREQFUNC_OK;   /* no network; only reachable when allow_file */
    if (fetch_addr_check_string(x->c->policy, primary_ip, why, sizeof(why)) < 0) {
        x->refused = 1;
        snprintf(x->why, sizeof(x->why), "%s", why);
        vg_info(MOD, "refused request for %s: %s", x->url, why);
        return CURL_PREREQFUNC_ABORT;
    }
    return CURL_PREREQFUNC_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Options                                                                                    */

/* The options every transfer of the client shares. They are set once per easy handle: a
 * pooled handle keeps them from one transfer to the next (pool_put does not reset it), which
 * saves libcurl thirty option copies per request. */
static CURLcode easy_configure(struct fetch_client *c, CURL *e)
{
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                     \
    do {                                                  \
        if (rc == CURLE_OK)                               \
            rc = curl_easy_setopt(e, opt, val);           \
    } while (0)
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_DEFAULT_PROTOCOL, "https");
    SET(CURLOPT_PROTOCOLS_STR, c->protocols);
    /* Never file:// through a redirect, even when request URLs may use it. */
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 1L);
    SET(CURLOPT_MAXREDIRS, (long)c->cfg.max_redirects);   /* unlimited by default on 7.88 */
    /* HTTP/2 when the server offers it through ALPN. No CURLOPT_PIPEWAIT: on 7.88 a transfer
     * waiting for a possibly-multiplexing connection is only woken when another transfer
     * ends, so one stalled response would hold every other request to its host (seen in
     * test_bad_requests_do_not_hold_up_good_ones). The per-host limit keeps the few extra
     * connections this costs small. */
    if (curl_version_info(CURLVERSION_NOW)->features & CURL_VERSION_HTTP2)
        SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS); /* refused by a libcurl without it */
    SET(CURLOPT_ACCEPT_ENCODING, "");                      /* every encoding curl decodes */
    /* Through a proxy, for its CONNECT request too (the requests' own line wins over it). */
    if (c->proxy)
        SET(CURLOPT_USERAGENT, c->user_agent);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->ca_file)
        SET(CURLOPT_CAINFO, c->ca_file);
    SET(CURLOPT_PROXY, c->proxy ? c->proxy : "");          /* "": ignore *_proxy env vars */
    SET(CURLOPT_CONNECTTIMEOUT_MS, c->cfg.connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, c->cfg.total_timeout_ms);
    if (c->cfg.low_speed_time_s > 0 && c->cfg.low_speed_bytes > 0) {
        SET(CURLOPT_LOW_SPEED_LIMIT, c->cfg.low_speed_bytes);
        SET(CURLOPT_LOW_SPEED_TIME, c->cfg.low_speed_time_s);
    }
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    SET(CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
    SET(CURLOPT_CLOSESOCKETDATA, c);
    SET(CURLOPT_PREREQFUNCTION, on_prereq);
    return rc;
}

/* What one transfer has of its own: its URL, headers, size cap and callback data. NULL
 * pointers for a handle going back to the pool, so that it holds none of a freed transfer.
 * The URL goes as the handle host_for() parsed, which spares curl parsing it again; a URL
 * that did not parse goes as text, for curl's own error. */
static CURLcode easy_bind(CURL *e, struct xfer *x)
{
    CURLcode rc = CURLE_OK;
    SET(CURLOPT_CURLU, x ? x->u->cu : NULL);
    SET(CURLOPT_URL, x && !x->u->cu ? x->url : NULL);
    SET(CURLOPT_PRIVATE, x);
    SET(CURLOPT_ERRORBUFFER, x ? x->errbuf : NULL);
    /* Stops early when Content-Length is over the cap; on 7.88 it does nothing for chunked
     * or compressed bodies, which on_body() bounds. */
    if (x)
        SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_body);
    SET(CURLOPT_WRITEDATA, x);
    SET(CURLOPT_OPENSOCKETDATA, x);
    SET(CURLOPT_PREREQDATA, x);
    SET(CURLOPT_HTTPHEADER, x ? fetch_headers_list(&x->headers, x->c->fixed) : NULL);
    return rc;
}

/* The options of a request other than GET, after easy_bind's. easy_unsend() takes them back
 * before the handle goes back to the pool, so that the GETs, nearly every request, never pay
 * for them. The body goes as a pointer to the transfer's own copy, with its size (it may hold
 * NUL bytes, and curl need not copy megabytes again). */
static CURLcode easy_send(CURL *e, const struct xfer *x)
{
    CURLcode rc = CURLE_OK;
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    /* A write goes on a connection of its own, closed after it: libcurl sends a request again,
     * by itself, when a reused connection dies before any byte of the answer — for a CRM
     * write, a second note that no delivery record can prevent. On a fresh connection a
     * failure is reported instead, and the sink's own retry decides. */
    SET(CURLOPT_FRESH_CONNECT, 1L);
    SET(CURLOPT_FORBID_REUSE, 1L);
    if (x->posts) {
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->send_len);
        SET(CURLOPT_POSTFIELDS, x->send_body ? x->send_body : "");
    }
    if (x->method != M_POST)
        SET(CURLOPT_CUSTOMREQUEST, fetch_method_names[x->method]);
    return rc;
}

static CURLcode easy_unsend(CURL *e)
{
    CURLcode rc = CURLE_OK;
    SET(CURLOPT_FOLLOWLOCATION, 1L);
    SET(CURLOPT_FRESH_CONNECT, 0L);
    SET(CURLOPT_FORBID_REUSE, 0L);
    SET(CURLOPT_CUSTOMREQUEST, NULL);
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
    SET(CURLOPT_POSTFIELDS, NULL);
    SET(CURLOPT_HTTPGET, 1L);   /* last: setting POSTFIELDS made the handle a POST */
    return rc;
}
#undef SET

/* ------------------------------------------------------------------------------------------ */
/* Handles: taken from the pool or made, and put back                                         */

/* Gives the transfer an easy handle, from the pool or new. Returns 0, or -1 when curl refuses
 * an option or memory runs out. */
int fetch_xfer_setup(struct fetch_client *c, struct xfer *x)
{
    CURL *e;
    CURLcode rc = CURLE_OK;
    if (c->npool) {
        e = c->pool[--c->npool];
    } else {
        if (!(e = curl_easy_init()))
            return -1;
        rc = easy_configure(c, e);
    }
    x->easy = e; /* freed with x from here on */
    if (fetch_headers_join(&x->headers, c->fixed) < 0)
        return -1;
    if (rc == CURLE_OK)
        rc = easy_bind(e, x);
    if (rc == CURLE_OK && x->method != M_GET)
        rc = easy_send(e, x);
    if (rc != CURLE_OK) {
        vg_err(MOD, "curl_easy_setopt: %s", curl_easy_strerror(rc));
        return -1;
    }
    return 0;
}

/* Keeps a finished transfer's easy handle for a later one: a handle is a large allocation
 * with buffers of its own, and reusing it, with the client's options still set
 * (easy_configure), saves that work per request. The pool holds at most max_in_flight
 * handles, as many as can run at once. */
void fetch_pool_put(struct fetch_client *c, struct xfer *x)
{
    if (!x->easy || c->npool >= (size_t)c->cfg.max_in_flight || easy_bind(x->easy, NULL) ||
        (x->method != M_GET && easy_unsend(x->easy)))
        return;
    c->pool[c->npool++] = x->easy;
    x->easy = NULL;
}
