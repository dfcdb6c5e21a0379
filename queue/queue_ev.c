/* queue_ev — hiredis async on libevent (see queue_ev.h). */
#include "queue/queue_ev.h"
#include "util/vg_alloc.h"

#include <sys/ioctl.h>

/* Reads per read event at most: 64 x 16 KiB, so one connection cannot hold the loop long. */
#define MAX_READS_PER_EVENT 64

struct ev {
    redisAsyncContext *ac;
    struct event *rev, *wev;
    int reading;   /* 1 while hiredis wants reads (the persistent event is added) */
    int in_read;   /* inside on_read: cleanup must not free us yet */
    int dead;      /* cleaned up while in_read */
};

static void ev_free(struct ev *e)
{
    event_free(e->rev);
    event_free(e->wev);
    vg_free(e);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
    struct ev *e = arg;
    (void)what;
    e->in_read = 1;
    for (int i = 0; i < MAX_READS_PER_EVENT; i++) {
        redisAsyncHandleRead(e->ac);
        /* A reply callback may have freed the context (and so called cleanup). */
        if (e->dead || !e->reading)
            break;
        int avail = 0;
        if (ioctl(fd, FIONREAD, &avail) < 0 || avail <= 0)
            break;
    }
    e->in_read = 0;
    if (e->dead)
        ev_free(e);
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
    struct ev *e = arg;
    (void)fd;
    (void)what;
    redisAsyncHandleWrite(e->ac);
}

static void add_read(void *privdata)
{
    struct ev *e = privdata;
    if (!e->reading && event_add(e->rev, NULL) == 0)
        e->reading = 1;
}

static void del_read(void *privdata)
{
    struct ev *e = privdata;
    if (e->reading) {
        event_del(e->rev);
        e->reading = 0;
    }
}

/* hiredis asks for a write each time it has queued a command and again while output is
 * left; a one-shot event that is already pending needs no new registration. */
static void add_write(void *privdata)
{
    struct ev *e = privdata;
    if (!event_pending(e->wev, EV_WRITE, NULL))
        event_add(e->wev, NULL);
}

static void del_write(void *privdata)
{
    struct ev *e = privdata;
    event_del(e->wev);
}

static void cleanup(void *privdata)
{
    struct ev *e = privdata;
    event_del(e->rev);
    event_del(e->wev);
    e->reading = 0;
    if (e->in_read)
        e->dead = 1;
    else
        ev_free(e);
}

int queue_ev_attach(redisAsyncContext *ac, struct event_base *base)
{
    if (ac->ev.data)
        return REDIS_ERR;
    struct ev *e = vg_calloc(1, sizeof(*e));
    if (!e)
        return REDIS_ERR;
    e->ac = ac;
    e->rev = event_new(base, ac->c.fd, EV_READ | EV_PERSIST, on_read, e);
    e->wev = event_new(base, ac->c.fd, EV_WRITE, on_write, e);
    if (!e->rev || !e->wev) {
        if (e->rev)
            event_free(e->rev);
        if (e->wev)
            event_free(e->wev);
        vg_free(e);
        return REDIS_ERR;
    }
    ac->ev.addRead = add_read;
    ac->ev.delRead = del_read;
    ac->ev.addWrite = add_write;
    ac->ev.delWrite = del_write;
    ac->ev.cleanup = cleanup;
    ac->ev.data = e;
    /* As hiredis's own adapter does: the write event completes a non-blocking connect. */
    add_read(e);
    add_write(e);
    return REDIS_OK;
}
