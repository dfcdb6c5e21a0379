/* fuzz_admin_http — libFuzzer harness for the admin endpoint's HTTP/1.1 server: hostile bytes
 * from a client on a real (unix) socket, through the server's request reader and its limits.
 * Whatever arrives, the server answers with a well-formed status line or closes, and never
 * writes past its bounds (ASan). */
#include "daemon/admin_http.h"
#include "util/vg_buf.h"

#include <event2/event.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static struct event_base *base;
static struct admin_http *server;
static struct sockaddr_un addr;

static void handler(const struct admin_http_req *req, struct admin_http_reply *rep, void *arg)
{
    rep->code = strcmp(req->path, "/healthz") == 0 ? 200 : 404;
    rep->ctype = "text/plain; charset=utf-8";
    vg_buf_puts(&rep->body, rep->code == 200 ? "ok\n" : "not found\n");
}

static void setup(void)
{
    signal(SIGPIPE, SIG_IGN); /* as the daemon does: a client that hangs up is not fatal */
    base = event_base_new();
    addr.sun_family = AF_UNIX;
    snprintf(addr.sun_path, sizeof(addr.sun_path), "/tmp/vigie-fuzz-admin-%d.sock", (int)getpid());
    unlink(addr.sun_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 16) < 0)
        abort();
    struct admin_http_limits lim = {.max_conns = 8, .max_per_addr = 0, .timeout_ms = 2000};
    char err[256];
    if (!(server = admin_http_new(base, fd, &lim, handler, NULL, err, sizeof(err)))) {
        fprintf(stderr, "admin_http_new: %s\n", err);
        abort();
    }
}

struct client {
    int fd;
    struct vg_buf got;
};

static void on_client(evutil_socket_t fd, short what, void *arg)
{
    struct client *c = arg;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n > 0 && c->got.len < 65536)
        vg_buf_append(&c->got, buf, (size_t)n);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        event_base_loopbreak(base);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!base)
        setup();
    if (size > 65536)
        return 0;
    struct client c = {.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    if (c.fd < 0 || connect(c.fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        abort();
    vg_buf_init(&c.got, 0);
    /* A unix socket's buffer holds the whole input: the server has not read yet. */
    size_t off = 0;
    while (off < size) {
        ssize_t n = send(c.fd, data + off, size - off, MSG_NOSIGNAL); /* the server may close first */
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    shutdown(c.fd, SHUT_WR);
    fcntl(c.fd, F_SETFL, O_NONBLOCK);
    struct event *ev = event_new(base, c.fd, EV_READ | EV_PERSIST, on_client, &c);
    event_add(ev, NULL);
    struct timeval bound = {5, 0};
    event_base_loopexit(base, &bound);
    event_base_dispatch(base);
    event_free(ev);
    close(c.fd);
    /* Every reply starts with a status line of the version the server speaks. */
    if (c.got.len && (c.got.len < 12 || memcmp(c.got.data, "HTTP/1.1 ", 9) != 0 || c.got.data[9] < '1' ||
                      c.got.data[9] > '5')) {
        fprintf(stderr, "malformed reply: %.80s\n", c.got.data);
        abort();
    }
    vg_buf_free(&c.got);
    return 0;
}
