/* admin — the admin HTTP endpoint: /healthz, /readyz and /metrics (Prometheus text).
 *
 * Listens on 127.0.0.1:PORT (or another HOST:PORT; port 0 picks a free one) or on a unix
 * socket (unix:PATH). It is meant for the local machine: put a reverse proxy in front of it
 * to expose it further. Its limits (request size and time, connections) are admin_http's. */
#ifndef VG_ADMIN_H
#define VG_ADMIN_H

#include <stddef.h>

#include "daemon/admin_http.h"

struct event_base;
struct admin;

/* Returns 1 when the daemon is ready to do work; reason gets why not. */
typedef int (*admin_ready_fn)(void *arg, char *reason, size_t len);

/* listen: "HOST:PORT", "unix:PATH" or "off" (returns NULL with err[0] == '\0'). */
struct admin *admin_new(struct event_base *base, const char *listen, const struct admin_http_limits *lim,
                        admin_ready_fn ready, void *arg, char *err, size_t errlen);
/* New limits (a reload), for connections accepted from now on. */
void admin_set_limits(struct admin *a, const struct admin_http_limits *lim);
/* Where it listens, e.g. "http://127.0.0.1:9746" or "unix:/run/vigie/admin.sock". */
const char *admin_address(const struct admin *a);
void admin_free(struct admin *a);

/* Where /ui and /ui/... are redirected (302): the web console's address, e.g.
 * "http://127.0.0.1:9747" (copied), or NULL: they answer 404 like any unknown path. */
void admin_set_console(struct admin *a, const char *address);

/* A listening, non-blocking socket for `listen` ("HOST:PORT", "[V6]:PORT" or "unix:PATH"),
 * for the console's server: *address gets "http://HOST:PORT" or "unix:PATH" and *unix_path
 * the socket's path or NULL (both vg_free'd by the caller); *local is 1 when only this
 * machine can reach it (a loopback address, or a unix socket). -1 with err filled. */
int admin_listen_socket(const char *listen, char **address, char **unix_path, int *local, char *err, size_t errlen);

#endif
