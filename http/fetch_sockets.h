/* fetch_sockets — the sockets curl asks the HTTP client to watch, by descriptor, each with its
 * libevent event (private to the client: fetch_http.c, and fetch_easy.c which opens and closes
 * them).
 *
 * A socket stays here, its event registered, between two requests on a kept-alive connection
 * (curl then stops watching it: fetch_socket_idle), so that the next request on that connection
 * costs no epoll_ctl and no allocation. It goes when the socket is closed (fetch_sockets_drop).
 * An idle socket that turns readable (the server hung up) stops being listened to, and is not
 * reported: curl checks a connection when it reuses it. */
#ifndef FETCH_SOCKETS_H
#define FETCH_SOCKETS_H

#include <event2/event.h>

struct fetch_sockets;
struct fetch_socket;

/* `on_event(fd, what, arg)` is called for events of sockets that are not idle. */
struct fetch_sockets *fetch_sockets_new(struct event_base *base, event_callback_fn on_event, void *arg);
/* Closes nothing: the descriptors are curl's. */
void fetch_sockets_free(struct fetch_sockets *t);

/* The entry for fd, made on first use; NULL on OOM. */
struct fetch_socket *fetch_sockets_get(struct fetch_sockets *t, int fd);
/* Forgets fd (before it is closed, so that a later socket with the same number starts clean). */
void fetch_sockets_drop(struct fetch_sockets *t, int fd);

/* Listen for these events (EV_READ and/or EV_WRITE); nothing to do when they are unchanged.
 * 0, or -1 when libevent refuses. */
int fetch_socket_watch(struct fetch_socket *s, short events);
/* curl stopped watching the socket for now. */
void fetch_socket_idle(struct fetch_socket *s);

#endif
