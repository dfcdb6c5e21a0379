/* queue_ev — hiredis's async context on the libevent loop (our adapter, in place of
 * hiredis/adapters/libevent.h).
 *
 * Differences that matter under load: the read event is persistent, so a busy connection
 * costs no epoll_ctl per reply; and a read event drains what the socket holds (up to a bound)
 * in one turn, where hiredis reads 16 KiB per call, so a large reply (a claim of a few hundred
 * sources) is handled in one turn of the loop rather than one turn per 16 KiB. */
#ifndef QUEUE_EV_H
#define QUEUE_EV_H

#include <event2/event.h>
#include <hiredis/async.h>

/* REDIS_OK, or REDIS_ERR when something is attached already or memory runs out. */
int queue_ev_attach(redisAsyncContext *ac, struct event_base *base);

#endif
