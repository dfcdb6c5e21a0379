/* queue — the daemon's handle on Redis, the queue and the shared state.
 *
 * Everything outside queue/ goes through this header (only queue/ includes hiredis). It owns
 * the embedded redis-server when `url = embedded`, the supervised command connection, and
 * exposes readiness and status. Later stages (streams, leases, registries) add their calls
 * here. */
#ifndef QUEUE_H
#define QUEUE_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct queue;

struct queue_config {
    const char *url;        /* "embedded", redis://..., unix:... */
    const char *password;
    const char *prefix;     /* key prefix, e.g. "vigie:" */
    const char *instance;   /* this process's stable name */
    const char *state_dir;  /* for the embedded server */
    const char *server;     /* redis-server binary for the embedded server */
    long long connect_timeout_ms, ping_interval_ms, ping_timeout_ms, backoff_max_ms;
};

/* Called with up = 1 when Redis becomes usable, 0 when it is lost. */
typedef void (*queue_state_cb)(int up, void *arg);

struct queue *queue_new(struct event_base *base, const struct queue_config *cfg,
                        queue_state_cb on_state, void *arg, char *err, size_t errlen);
int queue_is_ready(const struct queue *q);
/* A printable description of where Redis is (no password). */
const char *queue_describe(const struct queue *q);
/* While Redis refuses writes (MISCONF: it cannot persist; OOM: maxmemory; READONLY: a
 * replica), the first sentence of its error; NULL while it accepts them. */
const char *queue_writes_refused(const struct queue *q);

struct queue_status {
    int up;
    int embedded;
    int embedded_pid;
    unsigned embedded_restarts;
    char server_version[32];
    uint64_t connects, drops;
    long long keys;           /* keys under the prefix; -1 when unknown */
    long long used_memory;    /* bytes; -1 when unknown */
    int aof_enabled;          /* -1 when unknown */
    char last_error[160];
};
/* Fills what is known locally at once, then asks Redis for the rest; cb runs once, from the
 * event loop, with the filled status (and up = 0 if Redis could not answer). */
void queue_status(struct queue *q, void (*cb)(const struct queue_status *, void *), void *arg);

/* Graceful close of the connections: replies in flight are awaited, then done(arg). */
void queue_close(struct queue *q, void (*done)(void *arg), void *arg);
/* Frees everything and stops the embedded server (waiting up to timeout_ms). */
void queue_free(struct queue *q, long long timeout_ms);

#endif
