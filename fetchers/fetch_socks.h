/* fetch_socks — the sockets curl asks the HTTP client to watch, by descriptor, each with its
 * libevent event (private to fetch_http.c).
 *
 * A socket stays here, its event registered, between two requests on a kept-alive connection
 * (curl then stops watching it: fetch_sock_idle), so that the next request on that connection
 * costs no epoll_ctl and no allocation. It goes when the socket is closed (fetch_socks_drop).
 * An idle socket that turns readable (the server hung up) stops being listened to, and is not
 * reported: curl checks a connection when it reuses it. */
#ifndef FETCH_SOCKS_H
#define FETCH_SOCKS_H

#include <event2/event.h>

struct fetch_socks;
struct fetch_sock;

/* `on_event(fd, what, arg)` is called for events of sockets that are not idle. */
struct fetch_socks *fetch_socks_new(struct event_base *base, event_callback_fn on_event, void *arg);
/* Closes nothing: the descriptors are curl's. */
void fetch_socks_free(struct fetch_socks *t);

/* The entry for fd, made on first use; NULL on OOM. */
struct fetch_sock *fetch_socks_get(struct fetch_socks *t, int fd);
/* Forgets fd (before it is closed, so that a later socket with the same number starts clean). */
void fetch_socks_drop(struct fetch_socks *t, int fd);

/* Listen for these events (EV_READ and/or EV_WRITE); nothing to do when they are unchanged.
 * 0, or -1 when libevent refuses. */
int fetch_sock_watch(struct fetch_sock *s, short events);
/* curl stopped watching the socket for now. */
void fetch_sock_idle(struct fetch_sock *s);

#endif
