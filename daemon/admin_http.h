/* admin_http — the small HTTP/1.1 server under the admin endpoint, bounded in every way a
 * client can push on it.
 *
 * GET and HEAD only, no request bodies, keep-alive and pipelining in order. Per connection:
 * the request line and headers together fit in ADMIN_HTTP_MAX_HEAD bytes (else 414 for a
 * request line that never ends, 431 for headers), and a request arrives whole within
 * `timeout_ms` of the connection opening or of the previous reply (else 408: a total time,
 * not an idle time, so a client trickling bytes is cut off too); a reply must be taken within
 * the same time. Per server: at most `max_conns` connections served at once, of which
 * `max_per_addr` from one client address; a connection past either gets 503 at once. When
 * the process is out of file descriptors, accepting pauses and resumes by itself, a reserve
 * descriptor answers the waiting client 503, and the log gets one line per minute at most
 * (as for every refusal). Refusals are counted in vigie_admin_refused_total{reason}. */
#ifndef VG_ADMIN_HTTP_H
#define VG_ADMIN_HTTP_H

#include <stddef.h>

#include "util/vg_buf.h"

#define ADMIN_HTTP_MAX_HEAD 8192

struct event_base;
struct admin_http;

struct admin_http_limits {
    int max_conns;
    int max_per_addr;     /* 0: no per-address share */
    long long timeout_ms;
    int no_metrics;       /* 1: refusals are logged but not counted (a server on another
                             thread than the one rendering /metrics: the registry is not
                             thread-safe) */
};

struct admin_http_req {
    int head;             /* HEAD: the reply's body is not sent */
    const char *path;     /* the target up to '?', as sent */
    const char *query;    /* after '?', or "" */
    const char *peer;     /* the client's address, for logs */
    /* Request headers a handler may use ("" when absent; the last one sent wins). */
    const char *accept_language;
    const char *authorization;
    const char *if_none_match;
};

/* What a handler fills; the server sends it (code 500 and no body unless set). */
struct admin_http_reply {
    int code;
    const char *ctype;    /* a static string */
    struct vg_buf body;
    /* Extra response header lines, each "Name: value\r\n" (the handler writes only values it
     * made, never a client's bytes unchecked). Cache-Control: no-store is always sent. */
    struct vg_buf headers;
};

/* Called for each GET or HEAD, from the event loop; it answers before returning. */
typedef void (*admin_http_fn)(const struct admin_http_req *req, struct admin_http_reply *rep, void *arg);

/* Serves the listening socket `fd` (bound, listening, non-blocking), which it takes over
 * (closed by admin_http_free, or here on failure). Clients of a unix socket have no address
 * and no share. NULL with err filled on failure. */
struct admin_http *admin_http_new(struct event_base *base, int fd, const struct admin_http_limits *lim,
                                  admin_http_fn fn, void *arg, char *err, size_t errlen);
/* New limits, for connections accepted from now on. */
void admin_http_set_limits(struct admin_http *h, const struct admin_http_limits *lim);
/* Closes the listener and every connection. */
void admin_http_free(struct admin_http *h);

#endif
