/* fetch_http — vigie's HTTP client: libcurl's multi_socket interface on the daemon's libevent
 * loop.
 *
 * Every fetch of the daemon (feeds, pages, registries, APIs) goes through one fetch_client.
 * A request is queued on its host (fetch_host.h: per-host concurrency, minimum delay between
 * starts, Retry-After holds) and under a global in-flight limit, then run by curl with the
 * safety settings of a hostile web: http/https only (file:// only when the configuration
 * allows it, never through a redirect), at most N redirects, connect/total/low-speed
 * timeouts, TLS always verified, a cap on the *decoded* body enforced while it arrives (so a
 * decompression bomb is cut off, never buffered), and every connection checked against the
 * address policy (fetch_addr.h) on the resolved address, redirects included.
 *
 * Every outcome reaches the caller's callback exactly once, as an enum plus a human reason:
 * the scheduler records the reason on the source and counts failures per
 * fetch_error_name(). A failed or slow request never blocks the others.
 *
 * Besides GET (the pollers), the client sends POST, PATCH, PUT and DELETE with a body (the CRM
 * sinks). Such a request never follows a redirect: a write that gets redirected is a
 * configuration error to show, not something to replay at another address or method.
 * Request headers (an Authorization among them) are never logged nor put in a reason.
 *
 * Single-threaded: every function must be called from the event loop's thread. */
#ifndef FETCH_HTTP_H
#define FETCH_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "util/vg_buf.h"

struct event_base;
struct fetch_client;

enum fetch_error {
    FETCH_OK = 0,
    FETCH_ERR_DNS,              /* name did not resolve */
    FETCH_ERR_CONNECT,          /* TCP connect failed */
    FETCH_ERR_TLS,              /* handshake or certificate verification failed */
    FETCH_ERR_HTTP_STATUS,      /* the server answered with a status other than 2xx/304 */
    FETCH_ERR_TOO_LARGE,        /* body (after decompression) over the cap */
    FETCH_ERR_TIMEOUT,          /* connect, total or low-speed timeout */
    FETCH_ERR_REFUSED_ADDRESS,  /* destination refused by the address policy */
    FETCH_ERR_REDIRECTS,        /* more redirects than allowed, or any redirect of a
                                   request other than GET */
    FETCH_ERR_PROTOCOL,         /* scheme not allowed (file://, ftp://...) or broken HTTP */
    FETCH_ERR_RESET,            /* connection closed or reset before the body was complete */
    FETCH_ERR_CONTENT_TYPE,     /* 2xx with a Content-Type outside the request's `accept` */
    FETCH_ERR_BAD_URL,          /* the URL does not parse */
    FETCH_ERR_FILE,             /* a file:// URL could not be read */
    FETCH_ERR_INTERNAL,         /* out of memory, curl misuse */
    FETCH_ERR__COUNT
};

/* Short stable names for metrics and logs: "ok", "dns", "connect", "tls", "http_status",
 * "too_large", "timeout", "refused_address", "redirects", "protocol", "reset",
 * "content_type", "bad_url", "file", "internal". */
const char *fetch_error_name(enum fetch_error e);

struct fetch_config {
    long connect_timeout_ms;   /* DNS + TCP + TLS; default 10000 */
    long total_timeout_ms;     /* whole transfer once started; default 60000 */
    long low_speed_bytes;      /* abort when slower than this many bytes/s ... (default 64) */
    long low_speed_time_s;     /* ... for this many seconds (default 30; 0 turns it off) */
    size_t max_body;           /* decoded body cap in bytes; default 8 MiB */
    int max_redirects;         /* default 5; 0 refuses redirects */
    int per_host_concurrency;  /* requests running at once on one host; default 2 */
    long per_host_delay_ms;    /* minimum time between two starts on one host; default 1000 */
    int max_in_flight;         /* requests running at once overall; default 64 */
    long retry_after_max_s;    /* Retry-After values are clamped to [0, this]; default 3600 */
    const char *user_agent;    /* default "vigie/<version>" */
    int allow_file;            /* accept file:// request URLs (bundled examples); default 0 */
    const char *allow_private; /* CIDRs exempt from the address policy, comma/space separated,
                                  e.g. "127.0.0.0/8, ::1"; default NULL (none) */
    const char *proxy;         /* proxy URL; NULL: none, and the *_proxy environment variables
                                  are ignored. With a proxy the address policy applies to the
                                  proxy's address, not to the destination's. */
    const char *ca_file;       /* PEM bundle of CAs to trust instead of the system store (a
                                  company CA); NULL: the system store. Verification itself
                                  is never turned off. */
};

/* Fills every field with its default. */
void fetch_config_defaults(struct fetch_config *cfg);

struct fetch_request {
    const char *url;            /* http(s)://, or file:// when allow_file */
    const char *method;         /* "GET" (or NULL), "POST", "PATCH", "PUT" or "DELETE",
                                   upper-case; anything else is refused. A method other than
                                   GET never follows a redirect: a 3xx with a Location fails
                                   with FETCH_ERR_REDIRECTS ("redirect refused for a POST:
                                   HTTP 307 to <Location>") and the target is not requested. */
    const char *body;           /* body_len bytes sent as they are (copied: the caller may
                                   free them once the call returns); NULL: no body. POST, PUT
                                   and PATCH without one send an empty body; a GET has none. */
    size_t body_len;
    const char *content_type;   /* sent as Content-Type when body is given; NULL:
                                   "application/json". No "Expect: 100-continue" is sent,
                                   whatever the size (it would cost a round trip). */
    const char *etag;           /* sent as If-None-Match; NULL: none. GET only. */
    const char *last_modified;  /* sent as If-Modified-Since (HTTP-date); NULL: none. GET
                                   only. */
    const char *accept;         /* media types, e.g. "application/rss+xml, text/xml";
                                   "text/" followed by "*" matches any text type. Sent as
                                   Accept. A 2xx whose Content-Type is none of them fails
                                   with FETCH_ERR_CONTENT_TYPE before its body is read. A
                                   response without Content-Type passes. NULL: anything.
                                   With a write, mind that the write happened anyway. */
    const char *const *headers; /* extra "Name: value" lines, NULL-terminated; or NULL. A
                                   Content-Type line here replaces content_type. */
    const char *const *want_headers; /* response header names (case-insensitive) whose values
                                   the response gives back in header_values, NULL-terminated;
                                   or NULL. E.g. "X-HubSpot-RateLimit-Remaining". */
    size_t max_body;            /* 0: the client's max_body (the response body's cap) */
    int paced;                  /* the caller keeps these requests to a rate of its own (an API's
                                   budget): they start as soon as sent, without the per-host
                                   delay and limit; Retry-After holds still apply (fetch_host.h) */
};

struct fetch_response {
    const char *url;            /* the request URL */
    const char *effective_url;  /* after redirects (the request URL when none happened) */
    enum fetch_error error;
    const char *reason;         /* "" when error == FETCH_OK, else e.g. "HTTP 404",
                                   "too large: body passed 8388608 bytes after decompression",
                                   "refused: 127.0.0.1 is a loopback address (not in
                                   allow_private)" */
    long status;                /* last HTTP status; 0 when none (network error, file://) */
    int not_modified;           /* 1 on 304: body empty, error FETCH_OK */
    struct vg_buf body;         /* decoded body, capped; the callback may take it with
                                   vg_buf_steal(). Kept (capped) for FETCH_ERR_HTTP_STATUS,
                                   empty for a 304 and for every other error. */
    const char *content_type;   /* media type, lower-cased, without parameters; or NULL */
    const char *charset;        /* charset parameter, lower-cased; or NULL */
    const char *etag;           /* validators of the final response, as sent; or NULL */
    const char *last_modified;
    long retry_after_s;         /* Retry-After of a 4xx/5xx answer in seconds (a delay or
                                   an HTTP-date, a date past giving 0), clamped to
                                   retry_after_max; else 0. On 429 and 503 it also holds the
                                   host (fetch_host.h). */
    int retry_after_given;      /* 1 when retry_after_s comes from the header (so 0 means
                                   "now"), 0 when the header is absent or unparsable */
    const char *const *header_values; /* when the request had want_headers: one value per
                                   name, in its order, from the final response only (not a
                                   redirect's nor a 1xx's headers); NULL for a header it did
                                   not carry, or when there was no response. A header sent
                                   more than once gives its values joined by ", ". NULL when
                                   the request had no want_headers. */
    long redirects;             /* redirects followed */
    int http_version;           /* 10, 11, 20, 30; 0 when no HTTP response */
    long queued_ms;             /* time spent waiting for a slot */
    long total_ms;              /* transfer time once started */
    long connect_ms;            /* until connected (0 on a reused connection) */
    long ttfb_ms;               /* until the first response byte */
};

/* Called exactly once per accepted request, from the event loop (never from inside
 * fetch_send). The response and its strings live until the callback returns, except the body
 * data if the callback steals it. The callback may call fetch_send() and the pause
 * functions; it must not call fetch_client_free(). */
typedef void (*fetch_done_cb)(struct fetch_response *resp, void *arg);

/* Creates the client on `base` (not owned). cfg strings are copied. NULL with a message in
 * err when the configuration is invalid (bounds, allow_private syntax) or on OOM. */
struct fetch_client *fetch_client_new(struct event_base *base, const struct fetch_config *cfg,
                                      char *err, size_t errlen);
/* Aborts and frees everything queued or in flight WITHOUT calling their callbacks, then
 * releases curl. Call it before event_base_free(). NULL is a no-op. */
void fetch_client_free(struct fetch_client *c);

/* Queues a request. The request, its strings and its body are copied. Returns 0 when
 * accepted (the callback will run later), -1 with a message in err when the request itself
 * is invalid: no URL, an unknown method, a GET with a body, an ETag or date with a method
 * other than GET, a file:// URL with one, a header, ETag or date carrying CR, LF or another
 * control character, a wanted header name that is not a token, a body_len without a body,
 * or OOM. The message never quotes a header's value. URL problems (unknown scheme,
 * malformed) are reported through the callback. */
int fetch_send(struct fetch_client *c, const struct fetch_request *req, fetch_done_cb cb,
               void *arg, char *err, size_t errlen);
/* The same as fetch_send(), named for the pollers' GETs. */
int fetch_get(struct fetch_client *c, const struct fetch_request *req, fetch_done_cb cb,
              void *arg, char *err, size_t errlen);

/* Backpressure: while paused no new request starts (queued ones wait, running ones finish).
 * Logs the transition once. */
void fetch_client_pause(struct fetch_client *c, int paused);

struct fetch_stats {
    size_t in_flight;
    size_t queued;
    size_t hosts;               /* hosts with queued, running or held requests */
    int paused;
    uint64_t submitted;
    uint64_t completed;         /* callbacks run */
    uint64_t ok;                /* error == FETCH_OK, 304 included */
    uint64_t not_modified;
    uint64_t body_bytes;        /* decoded body bytes delivered */
    uint64_t errors[FETCH_ERR__COUNT];   /* per error; errors[FETCH_OK] == ok */
};
void fetch_client_stats(const struct fetch_client *c, struct fetch_stats *out);

#endif
