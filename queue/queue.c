/* queue — the daemon's Redis handle: embedded server, command connection, status
 * (see queue.h). */
#include "queue/queue_int.h"
#include "queue/queue_contract.h"
#include "queue/queue_lua.h"
#include "queue/queue_embedded.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"
#include "util/vg_metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct queue {
    struct event_base *base;
    struct queue_embedded *embedded;
    struct queue_conn *cmd;
    char *prefix;
    char *instance;
    struct queue_conn_config cc; /* how to open more connections (url and password owned) */
    queue_state_cb on_state;
    void *arg;
    struct vg_metric *m_up, *m_connects, *m_drops, *m_restarts, *m_refused, *m_refusals;
};

static void on_conn_state(struct queue_conn *c, int up, void *arg)
{
    struct queue *q = arg;
    vg_metric_set(q->m_up, up);
    if (up)
        vg_metric_add(q->m_connects, 1);
    else
        vg_metric_add(q->m_drops, 1);
    if (q->on_state)
        q->on_state(up, q->arg);
}

static double embedded_restarts(void *arg)
{
    struct queue *q = arg;
    return q->embedded ? queue_embedded_restarts(q->embedded) : 0;
}

static double writes_refused(void *arg) { return queue_writes_refused(arg) != NULL; }

static double write_refusals(void *arg)
{
    struct queue *q = arg;
    return (double)queue_conn_stats(q->cmd)->refusals;
}

struct queue *queue_new(struct event_base *base, const struct queue_config *cfg,
                        queue_state_cb on_state, void *arg, char *err, size_t errlen)
{
    struct queue *q = vg_calloc(1, sizeof(*q));
    char *name = NULL;
    if (!q || !(q->prefix = vg_strdup(cfg->prefix ? cfg->prefix : QUEUE_DEFAULT_PREFIX))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    q->base = base;
    q->on_state = on_state;
    q->arg = arg;
    const char *url = cfg->url;
    if (strcmp(url, "embedded") == 0) {
        q->embedded = queue_embedded_start(base, cfg->state_dir, cfg->server, err, errlen);
        if (!q->embedded)
            goto fail;
        url = queue_embedded_url(q->embedded);
    }
    name = vg_asprintf("vigie:%s:cmd", cfg->instance ? cfg->instance : "");
    q->cc = (struct queue_conn_config){
        .url = vg_strdup(url),
        .password = cfg->password ? vg_strdup(cfg->password) : NULL,
        .connect_timeout_ms = cfg->connect_timeout_ms,
        .ping_interval_ms = cfg->ping_interval_ms,
        .ping_timeout_ms = cfg->ping_timeout_ms,
        .backoff_max_ms = cfg->backoff_max_ms,
        .prefix = q->prefix,
        /* Our own redis-server needs a moment to create its socket. */
        .startup_grace_ms = q->embedded ? 5000 : 0,
    };
    q->instance = vg_strdup(cfg->instance ? cfg->instance : "vigie");
    if (!q->cc.url || (cfg->password && !q->cc.password) || !q->instance) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    struct queue_conn_config cc = q->cc;
    cc.name = name;
    cc.library = queue_lua_library; /* the command connection runs the functions */
    cc.role = "cmd";
    q->cmd = queue_conn_new(base, &cc, on_conn_state, q, err, errlen);
    vg_free(name);
    name = NULL;
    if (!q->cmd)
        goto fail;
    q->m_up = vg_gauge("vigie_redis_up", "1 when the Redis command connection is up");
    q->m_connects = vg_counter("vigie_redis_connects_total", "successful Redis connections");
    q->m_drops = vg_counter("vigie_redis_disconnects_total", "Redis connections lost");
    q->m_refused = vg_gauge_fn("vigie_redis_writes_refused", "1 while Redis refuses writes (MISCONF, OOM, READONLY)",
                               writes_refused, q);
    q->m_refusals = vg_gauge_fn("vigie_redis_write_refusals_total", "Redis replies that refused a write",
                                write_refusals, q);
    if (q->embedded)
        q->m_restarts = vg_gauge_fn("vigie_redis_embedded_restarts_total",
                                    "restarts of the embedded redis-server after it died",
                                    embedded_restarts, q);
    return q;
fail:
    vg_free(name);
    queue_free(q, 0);
    return NULL;
}

struct queue_conn *queue_cmd(struct queue *q) { return q->cmd; }

struct queue_conn *queue_open_conn(struct queue *q, const char *role, queue_conn_state_cb on_state, void *arg,
                                   char *err, size_t errlen)
{
    char *name = vg_asprintf("vigie:%s:%s", q->instance, role);
    if (!name) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    struct queue_conn_config cc = q->cc;
    cc.name = name;
    cc.role = role;
    cc.quiet = 1; /* the command connection reports the server's state */
    struct queue_conn *c = queue_conn_new(q->base, &cc, on_state, arg, err, errlen);
    vg_free(name);
    return c;
}

const char *queue_prefix(const struct queue *q) { return q->prefix; }


const char *queue_consumer(const struct queue *q) { return q->instance; }

struct event_base *queue_base(struct queue *q) { return q->base; }

int queue_is_ready(const struct queue *q) { return q && queue_conn_is_up(q->cmd); }

const char *queue_describe(const struct queue *q) { return queue_conn_target(q->cmd); }

const char *queue_writes_refused(const struct queue *q)
{
    const char *r = q ? queue_conn_stats(q->cmd)->refused : "";
    return r[0] ? r : NULL;
}

/* ---- status --------------------------------------------------------------- */

struct status_req {
    struct queue *q;
    struct queue_status st;
    void (*cb)(const struct queue_status *, void *);
    void *arg;
    int pending;
};

static long long info_field(const char *info, const char *key)
{
    const char *p = strstr(info, key);
    if (!p)
        return -1;
    return strtoll(p + strlen(key), NULL, 10);
}

static void status_step_done(struct status_req *r)
{
    if (--r->pending > 0)
        return;
    r->cb(&r->st, r->arg);
    vg_free(r);
}

static void on_status_info(redisAsyncContext *ac, void *reply, void *privdata)
{
    struct status_req *r = privdata;
    redisReply *rep = reply;
    if (rep && rep->type == REDIS_REPLY_STRING) {
        r->st.used_memory = info_field(rep->str, "used_memory:");
        r->st.aof_enabled = (int)info_field(rep->str, "aof_enabled:");
    } else {
        r->st.up = 0;
    }
    status_step_done(r);
}

static void on_status_keys(redisAsyncContext *ac, void *reply, void *privdata)
{
    struct status_req *r = privdata;
    redisReply *rep = reply;
    if (rep && rep->type == REDIS_REPLY_INTEGER)
        r->st.keys = rep->integer;
    else
        r->st.up = 0;
    status_step_done(r);
}

void queue_status(struct queue *q, void (*cb)(const struct queue_status *, void *), void *arg)
{
    struct status_req *r = vg_calloc(1, sizeof(*r));
    if (!r) {
        struct queue_status st = {.keys = -1, .used_memory = -1, .aof_enabled = -1};
        snprintf(st.last_error, sizeof(st.last_error), "out of memory");
        cb(&st, arg);
        return;
    }
    r->q = q;
    r->cb = cb;
    r->arg = arg;
    const struct queue_conn_stats *cs = queue_conn_stats(q->cmd);
    r->st.up = queue_conn_is_up(q->cmd);
    r->st.embedded = q->embedded != NULL;
    r->st.embedded_pid = q->embedded ? (int)queue_embedded_pid(q->embedded) : 0;
    r->st.embedded_restarts = q->embedded ? queue_embedded_restarts(q->embedded) : 0;
    snprintf(r->st.server_version, sizeof(r->st.server_version), "%s", cs->server_version);
    snprintf(r->st.last_error, sizeof(r->st.last_error), "%s", cs->last_error);
    r->st.connects = cs->connects;
    r->st.drops = cs->drops;
    r->st.keys = r->st.used_memory = -1;
    r->st.aof_enabled = -1;
    r->pending = 1; /* held until both commands are sent */
    char *match = vg_asprintf("%s*", q->prefix);
    if (match && queue_conn_command(q->cmd, on_status_info, r, "INFO") == 0)
        r->pending++;
    if (match && queue_conn_command(q->cmd, on_status_keys, r, "EVAL %s 0 %s", queue_lua_count_keys, match) == 0)
        r->pending++;
    vg_free(match);
    status_step_done(r);
}

/* ---- shutdown ------------------------------------------------------------- */

void queue_close(struct queue *q, void (*done)(void *arg), void *arg)
{
    queue_conn_close(q->cmd, done, arg);
}

void queue_free(struct queue *q, long long timeout_ms)
{
    if (!q)
        return;
    queue_conn_free(q->cmd);
    queue_embedded_stop(q->embedded, timeout_ms);
    if (q->m_restarts)
        vg_metric_remove(q->m_restarts);
    if (q->m_refused)
        vg_metric_remove(q->m_refused);
    if (q->m_refusals)
        vg_metric_remove(q->m_refusals);
    vg_free(q->prefix);
    vg_free(q->instance);
    vg_free((char *)q->cc.url);
    vg_free((char *)q->cc.password);
    vg_free(q);
}
