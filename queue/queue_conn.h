/* queue_conn — one supervised asynchronous connection to Redis (internal to queue/).
 *
 * hiredis 0.14's async API on the libevent adapter, plus what 0.14 lacks: a connect timeout,
 * a PING watchdog (0.14 has no command timeouts, so a silent server is detected by an
 * unanswered PING), and reconnection with capped, jittered exponential backoff. After each
 * (re)connection the handshake runs AUTH, SELECT, CLIENT SETNAME, INFO and, when given,
 * FUNCTION LOAD and the cluster slot check before the connection is declared up. Commands are refused (-1) while it is down; every reply callback
 * must handle reply == NULL (the connection dropped with the command in flight).
 *
 * Redis may stay reachable yet refuse writes (a failed snapshot or AOF write, maxmemory, a
 * read-only replica): every reply is watched for those errors, which stats.refused reports
 * and the log tells once a minute at most.
 *
 * Blocking commands (XREADGROUP BLOCK) need a connection of their own: open a second
 * queue_conn for them, so they never stall the commands behind them. */
#ifndef QUEUE_CONN_H
#define QUEUE_CONN_H

#include <hiredis/async.h>
#include <stdint.h>

struct event_base;
struct queue_conn;

struct queue_conn_config {
    const char *url;             /* redis://... or unix:... (see queue_url.h) */
    const char *password;        /* overrides the URL's password when non-empty */
    const char *name;            /* CLIENT SETNAME, e.g. "vigie:host:cmd" */
    const char *role;            /* log tag, e.g. "cmd" */
    int quiet;                   /* state changes at debug level: another connection to the same
                                    server already reports them */
    long long connect_timeout_ms;
    long long ping_interval_ms;
    long long ping_timeout_ms;
    long long backoff_max_ms;
    const char *library;         /* a Redis function library loaded (FUNCTION LOAD REPLACE) at
                                    every connection, or NULL */
    const char *prefix;          /* the keys' prefix: on a Redis Cluster node the handshake
                                    checks that it holds a hash tag this node serves
                                    (queue_cluster.h); NULL: no check */
    long long startup_grace_ms;  /* failures this soon after creation are expected (a server
                                    still starting) and logged at debug level only */
};

/* Called when the connection becomes usable (up = 1) or is lost (up = 0). */
typedef void (*queue_conn_state_cb)(struct queue_conn *c, int up, void *arg);

/* Starts connecting at once. Returns NULL with err filled on a bad URL or no memory. */
struct queue_conn *queue_conn_new(struct event_base *base, const struct queue_conn_config *cfg,
                                  queue_conn_state_cb on_state, void *arg, char *err, size_t errlen);
/* Frees at once: commands in flight get a NULL reply; on_state is not called. */
void queue_conn_free(struct queue_conn *c);
/* Graceful close: waits for the replies in flight, then calls done(arg). No reconnection. */
void queue_conn_close(struct queue_conn *c, void (*done)(void *arg), void *arg);

int queue_conn_is_up(const struct queue_conn *c);
/* Sends a command (printf-style, as redisAsyncCommand). The callback receives (ac, reply,
 * privdata); ac->data is the queue_conn. -1 when the connection is not up. */
int queue_conn_command(struct queue_conn *c, redisCallbackFn *cb, void *privdata, const char *fmt, ...);
int queue_conn_commandv(struct queue_conn *c, redisCallbackFn *cb, void *privdata, int argc,
                        const char **argv, const size_t *argvlen);
/* A command already in the Redis protocol (an array of bulk strings), sent as is. */
int queue_conn_formatted(struct queue_conn *c, redisCallbackFn *cb, void *privdata, const char *cmd, size_t len);

struct queue_conn_stats {
    uint64_t connects;        /* successful handshakes */
    uint64_t drops;           /* connections lost or dropped by the watchdog */
    uint64_t failed_attempts; /* connection attempts that did not reach "up" */
    char server_version[32];  /* from INFO, "" until known */
    char last_error[160];
    char refused[160];        /* while Redis refuses writes: the first sentence of its MISCONF,
                                 OOM, READONLY or NOREPLICAS error; "" while it accepts them */
    uint64_t refusals;        /* replies that refused a command for one of those reasons */
};
const struct queue_conn_stats *queue_conn_stats(const struct queue_conn *c);
/* Printable target without password. */
const char *queue_conn_target(const struct queue_conn *c);
/* The name the connection gives itself (CLIENT SETNAME), as Redis shows it. */
const char *queue_conn_name(const struct queue_conn *c);

#endif
