/* fetch_sockets — descriptors to libevent events for the HTTP client (see fetch_sockets.h). */
#include "http/fetch_sockets.h"
#include "util/vg_alloc.h"

#include <string.h>

struct fetch_socket {
    struct fetch_sockets *t;
    int fd;
    short kind;       /* the events listened for, EV_PERSIST included; 0: none */
    int idle;         /* curl is not watching it (between requests) */
    struct event *ev;
};

struct fetch_sockets {
    struct event_base *base;
    event_callback_fn on_event;
    void *arg;
    struct fetch_socket **v;   /* by descriptor */
    size_t n;
};

static void on_sock_event(evutil_socket_t fd, short what, void *arg)
{
    struct fetch_socket *s = arg;
    if (s->idle) {
        /* The level-triggered event would fire again and again: stop listening. */
        event_del(s->ev);
        s->kind = 0;
        return;
    }
    s->t->on_event(fd, what, s->t->arg);
}

struct fetch_sockets *fetch_sockets_new(struct event_base *base, event_callback_fn on_event, void *arg)
{
    struct fetch_sockets *t = vg_calloc(1, sizeof(*t));
    if (t) {
        t->base = base;
        t->on_event = on_event;
        t->arg = arg;
    }
    return t;
}

void fetch_sockets_drop(struct fetch_sockets *t, int fd)
{
    if (fd < 0 || (size_t)fd >= t->n || !t->v[fd])
        return;
    event_free(t->v[fd]->ev);
    vg_free(t->v[fd]);
    t->v[fd] = NULL;
}

void fetch_sockets_free(struct fetch_sockets *t)
{
    if (!t)
        return;
    for (size_t fd = 0; fd < t->n; fd++)
        fetch_sockets_drop(t, (int)fd);
    vg_free(t->v);
    vg_free(t);
}

struct fetch_socket *fetch_sockets_get(struct fetch_sockets *t, int fd)
{
    if (fd < 0)
        return NULL;
    if ((size_t)fd >= t->n) {
        size_t n = t->n ? t->n : 64;
        while (n <= (size_t)fd)
            n *= 2;
        struct fetch_socket **v = vg_realloc(t->v, n * sizeof(*v));
        if (!v)
            return NULL;
        memset(v + t->n, 0, (n - t->n) * sizeof(*v));
        t->v = v;
        t->n = n;
    }
    if (!t->v[fd]) {
        struct fetch_socket *s = vg_calloc(1, sizeof(*s));
        if (!s)
            return NULL;
        s->t = t;
        s->fd = fd;
        /* Assigned for real in fetch_socket_watch(); event_new needs some events. */
        if (!(s->ev = event_new(t->base, fd, EV_READ | EV_PERSIST, on_sock_event, s))) {
            vg_free(s);
            return NULL;
        }
        t->v[fd] = s;
    }
    return t->v[fd];
}

int fetch_socket_watch(struct fetch_socket *s, short events)
{
    s->idle = 0;
    short kind = (short)(events | EV_PERSIST);
    if (s->kind == kind)
        return 0; /* persistent and unchanged: no epoll_ctl */
    if (s->kind)
        event_del(s->ev);
    event_assign(s->ev, s->t->base, s->fd, kind, on_sock_event, s);
    if (event_add(s->ev, NULL) < 0) {
        s->kind = 0;
        return -1;
    }
    s->kind = kind;
    return 0;
}

void fetch_socket_idle(struct fetch_socket *s) { s->idle = 1; }
