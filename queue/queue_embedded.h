/* queue_embedded — vigie's own redis-server, for `[redis] url = embedded` (the default).
 *
 * Runs redis-server as a child process with a private unix socket in the state directory,
 * no TCP port, and append-only persistence (appendfsync everysec) so queued work survives a
 * restart. The child is restarted (with backoff) if it dies, is sent SIGTERM if vigie dies
 * (PR_SET_PDEATHSIG), and is stopped cleanly on exit. A lock file keeps two vigie processes
 * from running two servers on the same data. */
#ifndef QUEUE_EMBEDDED_H
#define QUEUE_EMBEDDED_H

#include <stddef.h>
#include <sys/types.h>

struct event_base;
struct queue_embedded;

/* Prepares state_dir/redis/ and starts redis-server (the `server` binary, searched in PATH).
 * Returns NULL with a clear reason in err (missing binary, unwritable directory, lock held,
 * socket path too long). base may be NULL for a short-lived command: the server is then
 * neither supervised nor restarted. */
struct queue_embedded *queue_embedded_start(struct event_base *base, const char *state_dir,
                                            const char *server, char *err, size_t errlen);
/* The URL clients connect to: "unix:/.../redis.sock". */
const char *queue_embedded_url(const struct queue_embedded *e);
pid_t queue_embedded_pid(const struct queue_embedded *e);
/* Number of times the server was restarted after dying. */
unsigned queue_embedded_restarts(const struct queue_embedded *e);
/* Stops the server (SIGTERM, waiting up to timeout_ms, then SIGKILL) and frees everything. */
void queue_embedded_stop(struct queue_embedded *e, long long timeout_ms);

#endif
