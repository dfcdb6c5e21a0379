/* fetch_client_int — the layout of the HTTP client and of one transfer, shared by the three
 * files that make the client: fetch_http.c (the curl_multi driver: sockets, timer, dispatch,
 * completion), fetch_easy.c (a transfer's easy handle: its options, limits and callbacks) and
 * fetch_xfer.c (a transfer built from a request, and freed). Not an API for other modules:
 * they see fetch_http.h only. */
#ifndef FETCH_CLIENT_INT_H
#define FETCH_CLIENT_INT_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "http/fetch_headers.h"
#include "http/fetch_host.h"
#include "http/fetch_http.h"
#include "util/vg_buf.h"

struct event;
struct event_base;
struct fetch_addr_policy;
struct fetch_sockets;
struct fetch_url;
struct fetch_urls;

struct xfer {
    struct fetch_waiter link;        /* first member: queue link (fetch_host.c) */
    struct fetch_client *c;
    struct fetch_host *host;         /* set while it holds a slot on its host */
    CURL *easy;
    struct fetch_headers headers;
    const struct fetch_url *u;       /* the URL, parsed once (fetch_urls.h), handed to curl */
    const char *url;                 /* u->url */
    char *accept;
    int paced;                       /* fetch_request.paced */
    size_t max_body;
    struct vg_buf body;
    int method;                      /* M_GET ... */
    int posts;                       /* sends a body (send_len bytes, maybe none): POSTFIELDS */
    char *send_body;                 /* the request body, copied at submission; or NULL */
    size_t send_len;
    char **want;                     /* wanted response header names, NULL-terminated; or NULL */
    char **values;                   /* their values in the final response, one per name */
    size_t nwant;
    fetch_done_cb cb;
    void *arg;
    uint64_t submitted_ms, started_ms;
    /* Set by the curl callbacks; they decide what a curl error code means. */
    int too_large;
    int body_started;                /* on_body() was called: the headers were all read */
    int ctype_checked, ctype_bad;
    int oom;
    int refused;
    char why[192];                   /* the address policy's sentence when refused */
    /* Failure decided before curl (dispatch could not build the transfer). */
    enum fetch_error early_error;
    char errbuf[CURL_ERROR_SIZE];
    struct xfer *prev, *next;        /* running list, or the early-failure list */
};

struct fetch_client {
    struct event_base *base;
    CURLM *multi;
    struct event *timer;             /* the one multi timer */
    struct event *early;             /* finishes transfers failed before reaching curl */
    struct fetch_config cfg;
    char *user_agent, *proxy, *ca_file;
    struct curl_slist *fixed;        /* the header lines every request sends (fetch_headers.h) */
    const char *protocols;
    struct fetch_addr_policy *policy;
    struct fetch_hosts *hosts;
    struct fetch_urls *urls;         /* parsed URLs (fetch_urls.h) */
    struct xfer *running, *failed_head, *failed_tail;
    struct fetch_sockets *socks;       /* the sockets curl watches */
    CURL **pool;                     /* finished easy handles, reset, for the next transfers */
    size_t npool;
    size_t in_flight;
    int paused;
    int global_init;
    struct fetch_stats st;
};

/* fetch_xfer.c: a transfer for the request `req`, already checked by fetch_request_check()
 * (method, counts of extra and wanted headers), with everything it sends copied. NULL when
 * memory runs out. Freed with fetch_xfer_free(), which frees its easy handle too. */
struct xfer *fetch_xfer_new(struct fetch_client *c, const struct fetch_request *req, int method, size_t nextra,
                            size_t nwant, fetch_done_cb cb, void *arg);
void fetch_xfer_free(struct xfer *x);
/* Frees the values of the wanted headers, keeping the array (all NULL again). */
void fetch_xfer_values_clear(struct xfer *x);

/* fetch_easy.c: gives the transfer an easy handle, from the client's pool or new, with every
 * option set. 0, or -1 when curl refuses an option or memory runs out. */
int fetch_xfer_setup(struct fetch_client *c, struct xfer *x);
/* Keeps a finished transfer's easy handle for a later transfer, when the pool has room. */
void fetch_pool_put(struct fetch_client *c, struct xfer *x);

#endif
