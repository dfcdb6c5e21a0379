/* admin — the admin HTTP endpoint: its routes, and the socket it listens on (see admin.h).
 * The HTTP itself, with its limits, is admin_http's. */
#include "daemon/admin.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_log.h"
#include "util/vg_metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct admin {
    struct admin_http *http;
    char *address;
    char *unix_path;
    char *console;            /* the console's address, for the /ui redirect, or NULL */
    admin_ready_fn ready;
    void *arg;
    struct vg_metric *m_requests;
};

static void reply(struct admin_http_reply *rep, int code, const char *ctype, const char *body)
{
    rep->code = code;
    rep->ctype = ctype;
    vg_buf_puts(&rep->body, body);
}

static void on_request(const struct admin_http_req *req, struct admin_http_reply *rep, void *arg)
{
    struct admin *a = arg;
    vg_metric_add(a->m_requests, 1);
    if (strcmp(req->path, "/healthz") == 0) {
        reply(rep, 200, "text/plain", "ok\n");
    } else if (strcmp(req->path, "/readyz") == 0) {
        char reason[400] = "";
        int ok = a->ready(a->arg, reason, sizeof(reason));
        reply(rep, ok ? 200 : 503, "text/plain", ok ? "ready" : reason);
        vg_buf_putc(&rep->body, '\n');
    } else if (strcmp(req->path, "/metrics") == 0) {
        rep->code = vg_metrics_render(&rep->body) < 0 ? 500 : 200;
        rep->ctype = "text/plain; version=0.0.4; charset=utf-8";
    } else if (a->console && (strcmp(req->path, "/ui") == 0 || strncmp(req->path, "/ui/", 4) == 0)) {
        /* The console runs on a listener of its own; the path (and query) go along only when
         * they are plain printable ASCII, so no client byte can break the header. */
        int plain = 1;
        for (const char *p = req->path; *p && plain; p++)
            plain = *p > 0x20 && *p < 0x7f;
        for (const char *p = req->query; *p && plain; p++)
            plain = *p > 0x20 && *p < 0x7f;
        vg_buf_printf(&rep->headers, "Location: %s%s%s%s\r\n", a->console, plain ? req->path : "/ui/",
                      plain && req->query[0] ? "?" : "", plain ? req->query : "");
        reply(rep, 302, "text/plain", "the console is at ");
        vg_buf_puts(&rep->body, a->console);
        vg_buf_puts(&rep->body, "/ui/\n");
    } else if (strcmp(req->path, "/ui") == 0 || strncmp(req->path, "/ui/", 4) == 0) {
        /* Someone looking for the console: say how to turn it on rather than a bare 404. */
        reply(rep, 404, "text/plain",
              "the web console is off: set [console] listen = 127.0.0.1:9747 (README, \"Web console\") and "
              "restart vigie\n");
    } else {
        reply(rep, 404, "text/plain", "not found: try /healthz, /readyz, /metrics\n");
    }
}

/* A listening unix socket at path, or -1 with err filled. */
static int listen_unix(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    size_t len = strlen(path);
    if (len >= sizeof(sun.sun_path)) {
        snprintf(err, errlen, "admin socket path too long: %s", path);
        return -1;
    }
    memcpy(sun.sun_path, path, len + 1);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 128) < 0) {
        snprintf(err, errlen, "cannot listen on unix:%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    chmod(path, 0660);
    return fd;
}

/* A listening TCP socket for "HOST:PORT" ("[v6]:PORT"), or -1 with err filled; *port gets
 * the port bound (port 0 picks one). */
static int listen_tcp(const char *spec, char *host, size_t hostlen, int *port, char *err, size_t errlen)
{
    const char *colon = strrchr(spec, ':');
    if (!colon || !colon[1]) {
        snprintf(err, errlen, "admin listen '%s' must be HOST:PORT, unix:PATH or off", spec);
        return -1;
    }
    size_t hl = (size_t)(colon - spec);
    if (hl >= hostlen) {
        snprintf(err, errlen, "admin listen host too long");
        return -1;
    }
    memcpy(host, spec, hl);
    host[hl] = '\0';
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') { /* [::1]:port */
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = '\0';
    }
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || p < 0 || p > 65535) {
        snprintf(err, errlen, "admin listen '%s': bad port", spec);
        return -1;
    }
    struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int gai = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", spec, gai_strerror(gai));
        return -1;
    }
    int fd = -1, saved = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1;
        if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
                        bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0)) {
            saved = errno;
            close(fd);
            fd = -1;
        } else if (fd < 0) {
            saved = errno;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", spec, strerror(saved));
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    *port = (int)p;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        *port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                               : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

/* 1 when ss is a loopback address. */
static int is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
    if (ss->ss_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)ss)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a6) || (IN6_IS_ADDR_V4MAPPED(a6) && a6->s6_addr[12] == 127);
    }
    return 0;
}

int admin_listen_socket(const char *listen, char **address, char **unix_path, int *local, char *err, size_t errlen)
{
    *address = *unix_path = NULL;
    *local = 0;
    int fd;
    if (strncmp(listen, "unix:", 5) == 0) {
        fd = listen_unix(listen + 5, err, errlen);
        *local = 1;
        if (fd >= 0 && (!(*unix_path = vg_strdup(listen + 5)) || !(*address = vg_strdup(listen)))) {
            snprintf(err, errlen, "out of memory");
            close(fd);
            return -1;
        }
        return fd;
    }
    char host[256] = "";
    int port;
    fd = listen_tcp(listen, host, sizeof(host), &port, err, errlen);
    if (fd < 0)
        return -1;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    *local = getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 && is_loopback(&ss);
    int v6 = strchr(host, ':') != NULL;
    if (!(*address = vg_asprintf("http://%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", port))) {
        snprintf(err, errlen, "out of memory");
        close(fd);
        return -1;
    }
    return fd;
}

void admin_set_console(struct admin *a, const char *address)
{
    if (!a)
        return;
    vg_free(a->console);
    a->console = address ? vg_strdup(address) : NULL;
}

struct admin *admin_new(struct event_base *base, const char *listen, const struct admin_http_limits *lim,
                        admin_ready_fn ready, void *arg, char *err, size_t errlen)
{
    err[0] = '\0';
    if (strcmp(listen, "off") == 0 || !listen[0])
        return NULL;
    struct admin *a = vg_calloc(1, sizeof(*a));
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    a->ready = ready;
    a->arg = arg;
    int fd;
    if (strncmp(listen, "unix:", 5) == 0) {
        fd = listen_unix(listen + 5, err, errlen);
        if (fd >= 0) {
            a->unix_path = vg_strdup(listen + 5);
            a->address = vg_strdup(listen);
        }
    } else {
        char host[256] = "";
        int port;
        fd = listen_tcp(listen, host, sizeof(host), &port, err, errlen);
        int v6 = strchr(host, ':') != NULL;
        if (fd >= 0)
            a->address = vg_asprintf("http://%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", port);
    }
    if (fd >= 0 && (!a->address || (strncmp(listen, "unix:", 5) == 0 && !a->unix_path))) {
        close(fd);
        fd = -1;
    }
    if (fd < 0 || !(a->http = admin_http_new(base, fd, lim, on_request, a, err, errlen))) {
        if (!err[0])
            snprintf(err, errlen, "out of memory");
        admin_free(a);
        return NULL;
    }
    a->m_requests = vg_counter("vigie_admin_requests_total", "requests served by the admin endpoint");
    vg_info("admin", "admin endpoint on %s (/healthz /readyz /metrics)", a->address);
    return a;
}

void admin_set_limits(struct admin *a, const struct admin_http_limits *lim)
{
    if (a)
        admin_http_set_limits(a->http, lim);
}

const char *admin_address(const struct admin *a) { return a ? a->address : "off"; }

void admin_free(struct admin *a)
{
    if (!a)
        return;
    admin_http_free(a->http);
    if (a->unix_path)
        unlink(a->unix_path);
    vg_free(a->unix_path);
    vg_free(a->address);
    vg_free(a->console);
    vg_free(a);
}
