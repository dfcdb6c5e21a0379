/* admin_http — the bounded HTTP/1.1 server of the admin endpoint (see admin_http.h).
 *
 * One struct conn per accepted socket, on a bufferevent whose read high-water mark keeps the
 * input at most one byte past ADMIN_HTTP_MAX_HEAD: however much a client sends, vigie holds
 * no more than that of it. One timer per connection carries its deadline: the whole request
 * while reading, the whole reply while writing, a short linger while closing. A connection
 * that is closed with a reply first shuts its write side and reads (and drops) what the
 * client still sends until it closes too: closing with unread input would reset the
 * connection and the client could lose the reply it was owed. */
#include "daemon/admin_http.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"
#include "util/vg_metrics.h"
#include "util/vg_time.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define LINGER_MS 2000
#define REPORT_MS 60000
/* A kept-alive connection's life: past either, it closes after its reply. */
#define MAX_REQUESTS 100
#define MAX_AGE_TIMEOUTS 6
#define PAUSE_MIN_MS 50
#define PAUSE_MAX_MS 1000

enum conn_state { C_READ, C_WRITE, C_LINGER };

/* Why a client was turned away: the reason label of vigie_admin_refused_total. */
enum refusal { R_BUSY, R_HEAD, R_TIMEOUT, R_BAD, R_FDS, R_COUNT };
static const char *const refusal_label[R_COUNT] = {"busy", "head_too_large", "timeout", "bad_request",
                                                   "out_of_descriptors"};

struct conn {
    struct admin_http *h;
    struct conn *prev, *next;
    struct bufferevent *bev;
    struct event *deadline;
    enum conn_state state;
    int close_after;          /* close once the reply is written */
    int head;                 /* the request being answered is a HEAD: no body, even on error */
    unsigned served;          /* requests answered on this connection */
    long long opened_ms;
    int rejected;             /* turned away at accept (503), not counted as served */
    size_t addrlen;           /* 0: no address (unix socket) */
    unsigned char addr[16];
    char peer[INET6_ADDRSTRLEN];
};

struct admin_http {
    struct event_base *base;
    struct evconnlistener *listener;
    struct admin_http_limits lim;
    admin_http_fn fn;
    void *arg;
    struct conn *conns;
    int nserved, nrejected;
    int reserve_fd;           /* /dev/null, given up to answer one client when out of descriptors */
    struct event *resume_ev;
    int64_t pause_ms;
    struct event *report_ev;
    unsigned long unreported[R_COUNT];
    struct vg_metric *m_refused[R_COUNT];
};

static const char *reason_phrase(int code)
{
    switch (code) {
    case 200: return "OK";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Internal Server Error";
    }
}

/* ---- refusals: counted, and logged at most once a minute ---------------------------- */

static void on_report(evutil_socket_t fd, short what, void *arg)
{
    struct admin_http *h = arg;
    unsigned long total = 0;
    char by[256] = "";
    size_t off = 0;
    for (int i = 0; i < R_COUNT; i++) {
        if (!h->unreported[i])
            continue;
        total += h->unreported[i];
        int n = snprintf(by + off, sizeof(by) - off, "%s%s %lu", off ? ", " : "", refusal_label[i], h->unreported[i]);
        if (n > 0 && (size_t)n < sizeof(by) - off)
            off += (size_t)n;
        h->unreported[i] = 0;
    }
    if (!total)
        return; /* quiet for a minute: the next refusal is logged at once */
    vg_warn("admin", "refused %lu more connection(s) or request(s) in the last %ds (%s)", total, REPORT_MS / 1000, by);
    struct timeval tv = vg_tv_ms(REPORT_MS);
    evtimer_add(h->report_ev, &tv);
}

static void refused(struct admin_http *h, enum refusal why, const char *peer, const char *what)
{
    vg_metric_add(h->m_refused[why], 1); /* NULL (no_metrics): nothing */
    if (evtimer_pending(h->report_ev, NULL)) {
        h->unreported[why]++;
        return;
    }
    vg_warn("admin", "%s%s%s; further refusals are counted and reported once a minute", what,
            peer ? " from " : "", peer ? peer : "");
    struct timeval tv = vg_tv_ms(REPORT_MS);
    evtimer_add(h->report_ev, &tv);
}

/* ---- connections ------------------------------------------------------------------- */

static void conn_free(struct conn *c)
{
    struct admin_http *h = c->h;
    if (c->prev)
        c->prev->next = c->next;
    else
        h->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->rejected)
        h->nrejected--;
    else
        h->nserved--;
    if (c->bev)
        bufferevent_free(c->bev);
    if (c->deadline)
        event_free(c->deadline);
    vg_free(c);
}

static void arm(struct conn *c, long long ms)
{
    struct timeval tv = vg_tv_ms(ms);
    evtimer_add(c->deadline, &tv);
}

/* Queues a reply; the connection then closes if c->close_after is set. */
static void send_reply(struct conn *c, int code, const char *ctype, const char *body, size_t len, int head_only,
                       const char *extra)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    evbuffer_add_printf(out,
                        "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nCache-Control: no-store\r\n"
                        "%s%s\r\n",
                        code, reason_phrase(code), ctype, len, extra ? extra : "",
                        c->close_after ? "Connection: close\r\n" : "");
    if (!head_only && len)
        evbuffer_add(out, body, len);
    c->state = C_WRITE;
    bufferevent_disable(c->bev, EV_READ);
    bufferevent_enable(c->bev, EV_WRITE);
    arm(c, c->h->lim.timeout_ms);
}

/* A request refused by the server closes its connection: what follows it on the wire may
 * not be the next request. */
static void send_error(struct conn *c, int code, const char *text)
{
    c->close_after = 1;
    send_reply(c, code, "text/plain; charset=utf-8", text, strlen(text), c->head,
               code == 405 ? "Allow: GET, HEAD\r\n" : NULL);
}

/* Finds the end of the request head in p[0..n): returns its length (the blank line
 * included), 0 when it has not arrived yet. *lines counts the line ends seen. */
static size_t head_end(const char *p, size_t n, int *lines)
{
    size_t start = 0;
    *lines = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '\n')
            continue;
        size_t len = i - start;
        if (len > 0 && p[i - 1] == '\r')
            len--;
        (*lines)++;
        if (len == 0 && *lines > 1)
            return i + 1;
        if (len == 0) /* a blank line before the request line is tolerated (RFC 9112 2.2) */
            *lines = 0;
        start = i + 1;
    }
    return 0;
}

static int token_in(const char *v, size_t n, const char *tok)
{
    size_t tl = strlen(tok);
    for (size_t i = 0; i + tl <= n; i++)
        if (strncasecmp(v + i, tok, tl) == 0 && (i == 0 || v[i - 1] == ',' || v[i - 1] == ' ') &&
            (i + tl == n || v[i + tl] == ',' || v[i + tl] == ' '))
            return 1;
    return 0;
}

/* Handles one complete request head, p (a NUL-terminated copy). */
static void handle(struct conn *c, char *p)
{
    /* skip the blank lines head_end tolerated: whole lines only, so a lone CR stays and is
     * refused below, as head_end counted it as a line */
    for (;;) {
        if (p[0] == '\n')
            p++;
        else if (p[0] == '\r' && p[1] == '\n')
            p += 2;
        else
            break;
    }
    c->head = strncmp(p, "HEAD ", 5) == 0;
    char *eol = strchr(p, '\n');
    if (!eol) { /* cannot happen after head_end; refused rather than trusted */
        refused(c->h, R_BAD, c->peer, "refused a request that is not HTTP (400)");
        send_error(c, 400, "bad request\n");
        return;
    }
    *eol = '\0';
    if (eol > p && eol[-1] == '\r')
        eol[-1] = '\0';
    char *method = p, *target = strchr(p, ' ');
    char *version = target ? strchr(target + 1, ' ') : NULL;
    if (!target || !version || strchr(version + 1, ' ') || target + 1 == version) {
        refused(c->h, R_BAD, c->peer, "refused a request that is not HTTP (400)");
        send_error(c, 400, "bad request\n");
        return;
    }
    *target++ = '\0';
    *version++ = '\0';
    if (strncmp(version, "HTTP/1.", 7) != 0 || (version[7] != '0' && version[7] != '1') || version[8]) {
        refused(c->h, R_BAD, c->peer, "refused a request in another HTTP version (505)");
        send_error(c, 505, "HTTP/1.1 only\n");
        return;
    }
    int http10 = version[7] == '0';
    int keep_alive = !http10, body = 0;
    const char *accept_language = "", *authorization = "", *if_none_match = "";
    /* up to the blank line that ends the head (head_end found it): a line that only starts
     * with a CR is a header line, and a malformed one */
    for (char *line = eol + 1; *line && !(line[0] == '\n' || (line[0] == '\r' && line[1] == '\n'));) {
        char *end = strchr(line, '\n');
        *end = '\0';
        size_t len = (size_t)(end - line);
        if (len && line[len - 1] == '\r')
            line[--len] = '\0';
        char *colon = memchr(line, ':', len);
        /* no blank before the colon (RFC 9112 5.1): "Content-Length : 5" must not pass as
         * another header and let its body be read as the next request */
        if (!colon || colon == line || line[0] == ' ' || line[0] == '\t' || memchr(line, '\r', len) ||
            colon[-1] == ' ' || colon[-1] == '\t') {
            refused(c->h, R_BAD, c->peer, "refused a request with a malformed header (400)");
            send_error(c, 400, "bad request\n");
            return;
        }
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        size_t name = (size_t)(colon - line), vlen = strlen(v);
        if (name == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
            char *e;
            long long cl = strtoll(v, &e, 10);
            if (e == v || cl < 0) {
                refused(c->h, R_BAD, c->peer, "refused a request with a bad Content-Length (400)");
                send_error(c, 400, "bad request\n");
                return;
            }
            body |= cl > 0;
        } else if (name == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0) {
            body = 1;
        } else if (name == 15 && strncasecmp(line, "Accept-Language", 15) == 0) {
            accept_language = v;
        } else if (name == 13 && strncasecmp(line, "Authorization", 13) == 0) {
            authorization = v;
        } else if (name == 13 && strncasecmp(line, "If-None-Match", 13) == 0) {
            if_none_match = v;
        } else if (name == 10 && strncasecmp(line, "Connection", 10) == 0) {
            if (token_in(v, vlen, "close"))
                keep_alive = 0;
            else if (token_in(v, vlen, "keep-alive"))
                keep_alive = 1;
        }
        line = end + 1;
    }
    /* A body is never read: the connection closes after the reply instead. HTTP/1.0 closes
     * too (its keep-alive would need announcing). A connection lives for MAX_REQUESTS
     * requests or MAX_AGE_TIMEOUTS request timeouts at most, so held slots come free. */
    c->close_after = !keep_alive || body || http10 || ++c->served >= MAX_REQUESTS ||
                     vg_mono_ms() - c->opened_ms > MAX_AGE_TIMEOUTS * c->h->lim.timeout_ms;
    int head = strcmp(method, "HEAD") == 0;
    if (!head && strcmp(method, "GET") != 0) {
        send_error(c, 405, "GET or HEAD only\n");
        return;
    }
    char *q = strchr(target, '?');
    if (q)
        *q++ = '\0';
    struct admin_http_req req = {.head = head,
                                 .path = target,
                                 .query = q ? q : "",
                                 .peer = c->peer,
                                 .accept_language = accept_language,
                                 .authorization = authorization,
                                 .if_none_match = if_none_match};
    struct admin_http_reply rep = {.code = 500, .ctype = "text/plain; charset=utf-8"};
    vg_buf_init(&rep.body, 0);
    vg_buf_init(&rep.headers, 16384);
    c->h->fn(&req, &rep, c->h->arg);
    /* a 304 has no body (RFC 9110 15.4.5) */
    send_reply(c, rep.code, rep.ctype, rep.body.data ? rep.body.data : "", rep.code == 304 ? 0 : rep.body.len,
               head, vg_buf_check(&rep.headers) == 0 ? rep.headers.data : NULL);
    vg_buf_free(&rep.body);
    vg_buf_free(&rep.headers);
}

/* Looks at what has arrived: a whole request is handled, an overlong one refused. */
static void process(struct conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t avail = evbuffer_get_length(in);
    if (c->state != C_READ || avail == 0)
        return;
    size_t n = avail < ADMIN_HTTP_MAX_HEAD + 1 ? avail : ADMIN_HTTP_MAX_HEAD + 1;
    const char *p = (const char *)evbuffer_pullup(in, (ev_ssize_t)n);
    if (!p)
        return;
    int lines;
    size_t end = head_end(p, n, &lines);
    if (end == 0 || end > ADMIN_HTTP_MAX_HEAD) {
        if (n <= ADMIN_HTTP_MAX_HEAD)
            return; /* more to come */
        char msg[96];
        snprintf(msg, sizeof(msg), "refused a request %s over %d bytes (%d)", lines ? "head" : "line",
                 ADMIN_HTTP_MAX_HEAD, lines ? 431 : 414);
        refused(c->h, R_HEAD, c->peer, msg);
        if (lines)
            send_error(c, 431, "request line and headers over 8 KiB\n");
        else
            send_error(c, 414, "request line over 8 KiB\n");
        return;
    }
    char head[ADMIN_HTTP_MAX_HEAD + 1];
    memcpy(head, p, end);
    head[end] = '\0';
    evbuffer_drain(in, end);
    if (memchr(head, '\0', end)) {
        refused(c->h, R_BAD, c->peer, "refused a request with a NUL byte (400)");
        send_error(c, 400, "bad request\n");
        return;
    }
    handle(c, head);
}

static void linger(struct conn *c)
{
    c->state = C_LINGER;
    shutdown(bufferevent_getfd(c->bev), SHUT_WR);
    evbuffer_drain(bufferevent_get_input(c->bev), evbuffer_get_length(bufferevent_get_input(c->bev)));
    bufferevent_setwatermark(c->bev, EV_READ, 0, 0);
    bufferevent_disable(c->bev, EV_WRITE);
    bufferevent_enable(c->bev, EV_READ);
    arm(c, c->h->lim.timeout_ms < LINGER_MS ? c->h->lim.timeout_ms : LINGER_MS);
}

static void on_read(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;
    if (c->state == C_LINGER) {
        struct evbuffer *in = bufferevent_get_input(bev);
        evbuffer_drain(in, evbuffer_get_length(in));
        return;
    }
    process(c);
}

/* The reply has left: close, or wait for the next request (perhaps already here). */
static void on_write(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;
    if (c->state != C_WRITE)
        return;
    if (c->close_after) {
        linger(c);
        return;
    }
    c->state = C_READ;
    arm(c, c->h->lim.timeout_ms);
    bufferevent_enable(bev, EV_READ);
    process(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    struct conn *c = arg;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
        conn_free(c);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t n = evbuffer_get_length(in), i = 0;
    const char *p = n ? (const char *)evbuffer_pullup(in, (ev_ssize_t)n) : NULL;
    while (p && i < n && (p[i] == '\r' || p[i] == '\n')) /* blank lines between requests are idle */
        i++;
    if (c->state == C_READ && i < n) {
        char msg[96];
        snprintf(msg, sizeof(msg), "cut off a request not received whole within %.0fs (408)",
                 (double)c->h->lim.timeout_ms / 1000.0);
        refused(c->h, R_TIMEOUT, c->peer, msg);
        send_error(c, 408, "request not received in time\n");
        return;
    }
    /* Idle between requests, a reply not taken, or the linger is over. */
    conn_free(c);
}

static struct conn *conn_new(struct admin_http *h, evutil_socket_t fd, const unsigned char *addr, size_t addrlen,
                             const char *peer, int rejected)
{
    struct conn *c = vg_calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->h = h;
    c->rejected = rejected;
    c->opened_ms = vg_mono_ms();
    memcpy(c->addr, addr, addrlen);
    c->addrlen = addrlen;
    snprintf(c->peer, sizeof(c->peer), "%s", peer);
    c->bev = bufferevent_socket_new(h->base, fd, BEV_OPT_CLOSE_ON_FREE);
    c->deadline = evtimer_new(h->base, on_deadline, c);
    /* Linked first, so conn_free can undo everything below. */
    c->next = h->conns;
    if (h->conns)
        h->conns->prev = c;
    h->conns = c;
    if (rejected)
        h->nrejected++;
    else
        h->nserved++;
    if (!c->bev || !c->deadline) {
        if (!c->bev)
            evutil_closesocket(fd);
        conn_free(c);
        return NULL;
    }
    bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
    bufferevent_setwatermark(c->bev, EV_READ, 0, ADMIN_HTTP_MAX_HEAD + 1);
    c->state = C_READ;
    bufferevent_enable(c->bev, EV_READ);
    arm(c, h->lim.timeout_ms);
    return c;
}

/* The peer's address as the key of its share (IPv4-mapped IPv6 counts as IPv4). */
static size_t peer_key(const struct sockaddr *sa, unsigned char *key, char *peer, size_t peerlen)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        memcpy(key, &s4->sin_addr, 4);
        inet_ntop(AF_INET, &s4->sin_addr, peer, (socklen_t)peerlen);
        return 4;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
            memcpy(key, s6->sin6_addr.s6_addr + 12, 4);
            inet_ntop(AF_INET, key, peer, (socklen_t)peerlen);
            return 4;
        }
        memcpy(key, &s6->sin6_addr, 16);
        inet_ntop(AF_INET6, &s6->sin6_addr, peer, (socklen_t)peerlen);
        return 16;
    }
    snprintf(peer, peerlen, "unix socket");
    return 0;
}

static const char busy_reply[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                 "Content-Length: 28\r\nCache-Control: no-store\r\nRetry-After: 1\r\n"
                                 "Connection: close\r\n\r\ntoo many connections; retry\n";

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
    struct admin_http *h = arg;
    unsigned char key[16];
    char peer[INET6_ADDRSTRLEN];
    size_t keylen = peer_key(sa, key, peer, sizeof(peer));
    h->pause_ms = 0;
    int busy = h->nserved >= h->lim.max_conns;
    if (!busy && keylen && h->lim.max_per_addr > 0) {
        int same = 0;
        for (struct conn *c = h->conns; c; c = c->next)
            same += !c->rejected && c->addrlen == keylen && memcmp(c->addr, key, keylen) == 0;
        busy = same >= h->lim.max_per_addr;
    }
    if (!busy) {
        conn_new(h, fd, key, keylen, peer, 0);
        return;
    }
    refused(h, R_BUSY, peer, "turned away a connection over [admin] max_connections or max_per_address (503)");
    /* The 503 is answered through a connection of its own, which lingers briefly; there are
     * as many of those at most as served ones, past that a connection is just closed. */
    struct conn *c = h->nrejected < h->lim.max_conns ? conn_new(h, fd, key, keylen, peer, 1) : NULL;
    if (!c) {
        if (h->nrejected >= h->lim.max_conns)
            evutil_closesocket(fd);
        return;
    }
    c->close_after = 1;
    evbuffer_add(bufferevent_get_output(c->bev), busy_reply, sizeof(busy_reply) - 1);
    c->state = C_WRITE;
    bufferevent_disable(c->bev, EV_READ);
    bufferevent_enable(c->bev, EV_WRITE);
    arm(c, h->lim.timeout_ms < LINGER_MS ? h->lim.timeout_ms : LINGER_MS);
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
    struct admin_http *h = arg;
    evconnlistener_enable(h->listener);
}

/* accept() failed for a reason other than a client gone (libevent retries those itself).
 * Out of descriptors, the listening socket stays readable: left enabled, it would fail
 * again at once, for ever. Pause it instead, and let the reserve descriptor take one waiting
 * client to tell it 503 rather than leave it hanging. */
static void on_accept_error(struct evconnlistener *l, void *arg)
{
    struct admin_http *h = arg;
    int err = EVUTIL_SOCKET_ERROR();
    int fds = err == EMFILE || err == ENFILE;
    if (fds && h->reserve_fd >= 0) {
        close(h->reserve_fd);
        int fd = accept4(evconnlistener_get_fd(l), NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            (void)!send(fd, busy_reply, sizeof(busy_reply) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            close(fd);
        }
        h->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    char msg[200];
    struct rlimit rl;
    if (fds && getrlimit(RLIMIT_NOFILE, &rl) == 0)
        snprintf(msg, sizeof(msg), "out of file descriptors (limit %llu, %d admin connections open): "
                 "pausing accepts on the admin endpoint", (unsigned long long)rl.rlim_cur, h->nserved + h->nrejected);
    else
        snprintf(msg, sizeof(msg), "accept() failed on the admin endpoint (%s): pausing accepts", strerror(err));
    refused(h, R_FDS, NULL, msg);
    h->pause_ms = h->pause_ms ? h->pause_ms * 2 : PAUSE_MIN_MS;
    if (h->pause_ms > PAUSE_MAX_MS)
        h->pause_ms = PAUSE_MAX_MS;
    evconnlistener_disable(l);
    struct timeval tv = vg_tv_ms(h->pause_ms);
    evtimer_add(h->resume_ev, &tv);
}

/* ---- the server ---------------------------------------------------------------------- */

struct admin_http *admin_http_new(struct event_base *base, int fd, const struct admin_http_limits *lim,
                                  admin_http_fn fn, void *arg, char *err, size_t errlen)
{
    struct admin_http *h = vg_calloc(1, sizeof(*h));
    if (!h) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    h->base = base;
    h->lim = *lim;
    h->fn = fn;
    h->arg = arg;
    h->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    h->listener = evconnlistener_new(base, on_accept, h, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
    h->resume_ev = evtimer_new(base, on_resume, h);
    h->report_ev = evtimer_new(base, on_report, h);
    if (!h->listener) {
        close(fd);
        snprintf(err, errlen, "cannot serve the admin socket: %s", strerror(errno));
        admin_http_free(h);
        return NULL;
    }
    if (!h->resume_ev || !h->report_ev) {
        snprintf(err, errlen, "out of memory");
        admin_http_free(h);
        return NULL;
    }
    evconnlistener_set_error_cb(h->listener, on_accept_error);
    for (int i = 0; i < R_COUNT && !lim->no_metrics; i++) {
        char series[96];
        snprintf(series, sizeof(series), "vigie_admin_refused_total{reason=\"%s\"}", refusal_label[i]);
        h->m_refused[i] = vg_counter(series, "admin connections and requests turned away, by reason");
    }
    return h;
}

void admin_http_set_limits(struct admin_http *h, const struct admin_http_limits *lim)
{
    if (h)
        h->lim = *lim;
}

void admin_http_free(struct admin_http *h)
{
    if (!h)
        return;
    while (h->conns)
        conn_free(h->conns);
    if (h->listener)
        evconnlistener_free(h->listener);
    if (h->resume_ev)
        event_free(h->resume_ev);
    if (h->report_ev)
        event_free(h->report_ev);
    if (h->reserve_fd >= 0)
        close(h->reserve_fd);
    vg_free(h);
}
