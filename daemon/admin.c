/* admin — the admin HTTP endpoint on libevent's evhttp (see admin.h). */
#include "daemon/admin.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_log.h"
#include "util/vg_metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct admin {
    struct evhttp *http;
    char *address;
    char *unix_path;
    admin_ready_fn ready;
    void *arg;
    struct vg_metric *m_requests;
};

static void reply_text(struct evhttp_request *req, int code, const char *reason, const char *ctype,
                       const char *body, size_t len)
{
    struct evbuffer *out = evbuffer_new();
    if (!out) {
        evhttp_send_error(req, 500, "out of memory");
        return;
    }
    evbuffer_add(out, body, len);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", ctype);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
    evhttp_send_reply(req, code, reason, out);
    evbuffer_free(out);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct admin *a = arg;
    vg_metric_add(a->m_requests, 1);
    const char *uri = evhttp_request_get_uri(req);
    size_t plen = strcspn(uri, "?");
    if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
        evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
        reply_text(req, 405, "Method Not Allowed", "text/plain", "GET only\n", 9);
        return;
    }
    if (plen == 8 && strncmp(uri, "/healthz", 8) == 0) {
        reply_text(req, 200, "OK", "text/plain", "ok\n", 3);
    } else if (plen == 7 && strncmp(uri, "/readyz", 7) == 0) {
        char reason[200] = "";
        char body[256];
        int ok = a->ready(a->arg, reason, sizeof(reason));
        int n = snprintf(body, sizeof(body), "%s\n", ok ? "ready" : reason);
        reply_text(req, ok ? 200 : 503, ok ? "OK" : "Service Unavailable", "text/plain", body,
                   (size_t)n < sizeof(body) ? (size_t)n : sizeof(body) - 1);
    } else if (plen == 8 && strncmp(uri, "/metrics", 8) == 0) {
        struct vg_buf b;
        vg_buf_init(&b, 0);
        if (vg_metrics_render(&b) < 0) {
            vg_buf_free(&b);
            evhttp_send_error(req, 500, "out of memory");
            return;
        }
        reply_text(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", b.data ? b.data : "", b.len);
        vg_buf_free(&b);
    } else {
        reply_text(req, 404, "Not Found", "text/plain", "not found: try /healthz, /readyz, /metrics\n", 43);
    }
}

static int bind_unix(struct admin *a, struct event_base *base, const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sun.sun_path)) {
        snprintf(err, errlen, "admin socket path too long: %s", path);
        return -1;
    }
    strcpy(sun.sun_path, path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 64) < 0) {
        snprintf(err, errlen, "cannot listen on unix:%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    chmod(path, 0660);
    if (!evhttp_accept_socket_with_handle(a->http, fd)) {
        snprintf(err, errlen, "cannot serve unix:%s", path);
        close(fd);
        return -1;
    }
    a->unix_path = vg_strdup(path);
    a->address = vg_asprintf("unix:%s", path);
    return a->address ? 0 : -1;
}

static int bind_tcp(struct admin *a, const char *listen, char *err, size_t errlen)
{
    const char *colon = strrchr(listen, ':');
    if (!colon || !colon[1]) {
        snprintf(err, errlen, "admin listen '%s' must be HOST:PORT, unix:PATH or off", listen);
        return -1;
    }
    char host[256];
    size_t hl = (size_t)(colon - listen);
    if (hl >= sizeof(host)) {
        snprintf(err, errlen, "admin listen host too long");
        return -1;
    }
    memcpy(host, listen, hl);
    host[hl] = '\0';
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') { /* [::1]:port */
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = '\0';
    }
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535) {
        snprintf(err, errlen, "admin listen '%s': bad port", listen);
        return -1;
    }
    struct evhttp_bound_socket *bs = evhttp_bind_socket_with_handle(a->http, host, (ev_uint16_t)port);
    if (!bs) {
        snprintf(err, errlen, "cannot listen on %s: %s", listen, strerror(errno));
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int actual = (int)port;
    if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&ss, &sl) == 0)
        actual = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                : ((struct sockaddr_in *)&ss)->sin_port);
    int v6 = strchr(host, ':') != NULL;
    a->address = vg_asprintf("http://%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", actual);
    return a->address ? 0 : -1;
}

struct admin *admin_new(struct event_base *base, const char *listen, admin_ready_fn ready,
                        void *arg, char *err, size_t errlen)
{
    err[0] = '\0';
    if (strcmp(listen, "off") == 0 || !listen[0])
        return NULL;
    struct admin *a = vg_calloc(1, sizeof(*a));
    if (!a || !(a->http = evhttp_new(base))) {
        snprintf(err, errlen, "out of memory");
        vg_free(a);
        return NULL;
    }
    a->ready = ready;
    a->arg = arg;
    evhttp_set_gencb(a->http, on_request, a);
    evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
    evhttp_set_timeout(a->http, 10);
    evhttp_set_max_body_size(a->http, 4096);
    int rc = strncmp(listen, "unix:", 5) == 0 ? bind_unix(a, base, listen + 5, err, errlen)
                                              : bind_tcp(a, listen, err, errlen);
    if (rc < 0) {
        if (!err[0])
            snprintf(err, errlen, "out of memory");
        admin_free(a);
        return NULL;
    }
    a->m_requests = vg_counter("vigie_admin_requests_total", "requests served by the admin endpoint");
    vg_info("admin", "admin endpoint on %s (/healthz /readyz /metrics)", a->address);
    return a;
}

const char *admin_address(const struct admin *a) { return a ? a->address : "off"; }

void admin_free(struct admin *a)
{
    if (!a)
        return;
    if (a->http)
        evhttp_free(a->http);
    if (a->unix_path)
        unlink(a->unix_path);
    vg_free(a->unix_path);
    vg_free(a->address);
    vg_free(a);
}
