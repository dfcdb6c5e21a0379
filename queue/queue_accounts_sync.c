/* queue_accounts_sync — reads and writes of `vigie accounts sync` (see queue_accounts_sync.h). */
#include "queue/queue_accounts_sync.h"
#include "queue/queue_contract.h"
#include "queue/queue_fcall.h"
#include "queue/queue_int.h"
#include "queue/queue_sync_internal.h"
#include "queue/queue_txn.h"
#include "util/vg_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void queue_accounts_state_free(struct queue_accounts_state *s)
{
    if (!s)
        return;
    vg_free(s->accounts);
    for (size_t i = 0; i < s->n_synced; i++)
        vg_free(s->synced[i]);
    vg_free(s->synced);
    vg_free(s);
}

/* The EXEC reply of MULTI / GET version / HGETALL accounts / SMEMBERS synced / EXEC. */
static struct queue_accounts_state *state_from(const redisReply *r, char *err, size_t errlen)
{
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
        snprintf(err, errlen, "redis: unexpected answer reading the accounts");
        return NULL;
    }
    const redisReply *ver = r->element[0], *all = r->element[1], *ids = r->element[2];
    for (size_t i = 0; i < 3; i++)
        if (r->element[i]->type == REDIS_REPLY_ERROR) {
            snprintf(err, errlen, "redis: %s", r->element[i]->str);
            return NULL;
        }
    if (all->type != REDIS_REPLY_ARRAY || ids->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "redis: unexpected answer reading the accounts");
        return NULL;
    }
    struct queue_accounts_state *s = vg_calloc(1, sizeof(*s));
    if (!s)
        goto oom;
    s->version = ver->type == REDIS_REPLY_STRING ? strtoll(ver->str, NULL, 10) : 0;
    if (!(s->accounts = queue_accounts_join(all, &s->n_accounts)))
        goto oom;
    s->synced = vg_calloc(ids->elements + 1, sizeof(*s->synced));
    if (!s->synced)
        goto oom;
    for (size_t i = 0; i < ids->elements; i++) {
        if (ids->element[i]->type != REDIS_REPLY_STRING)
            continue;
        if (!(s->synced[s->n_synced] = vg_strndup(ids->element[i]->str, ids->element[i]->len)))
            goto oom;
        s->n_synced++;
    }
    return s;
oom:
    queue_accounts_state_free(s);
    snprintf(err, errlen, "out of memory");
    return NULL;
}

static char *synced_key(const char *prefix, const char *sink)
{
    return vg_asprintf("%s" QUEUE_KEY_ACCOUNTS_SYNCED "%s", prefix, sink);
}

struct queue_accounts_state *queue_accounts_sync_read(struct queue_sync *q, const char *sink, char *err,
                                                      size_t errlen)
{
    const char *p = queue_sync_prefix(q);
    char *key = synced_key(p, sink);
    if (!key) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    redisContext *c = queue_sync_ctx(q);
    redisAppendCommand(c, "MULTI");
    redisAppendCommand(c, "GET %s" QUEUE_KEY_ACCOUNTS_VERSION, p);
    redisAppendCommand(c, "HGETALL %s" QUEUE_KEY_ACCOUNTS, p);
    redisAppendCommand(c, "SMEMBERS %s", key);
    redisAppendCommand(c, "EXEC");
    vg_free(key);
    redisReply *r;
    enum queue_txn_outcome out = queue_txn_exec(q, 3, &r, err, errlen);
    if (out != QUEUE_TXN_APPLIED)
        return NULL;
    struct queue_accounts_state *s = state_from(r, err, errlen);
    freeReplyObject(r);
    return s;
}

/* The call's argument vector (QUEUE_FCALL_HEAD free slots first); the strings are the
 * caller's but for the version and count, written into num (2 x 24 bytes). */
static const char **write_argv(const char *prefix, const char *sink, long long version,
                               const struct queue_accounts_write *w, char **keys, char num[2][24], size_t *nargs)
{
    keys[0] = vg_asprintf("%s" QUEUE_KEY_ACCOUNTS, prefix);
    keys[1] = vg_asprintf("%s" QUEUE_KEY_ACCOUNTS_VERSION, prefix);
    keys[2] = synced_key(prefix, sink);
    *nargs = 2 + 2 * w->n + w->n_listed;
    const char **argv = vg_calloc(QUEUE_FCALL_HEAD + 3 + *nargs, sizeof(*argv));
    if (!keys[0] || !keys[1] || !keys[2] || !argv) {
        vg_free(argv);
        return NULL;
    }
    snprintf(num[0], 24, "%lld", version);
    snprintf(num[1], 24, "%zu", w->n);
    size_t k = QUEUE_FCALL_HEAD;
    for (int i = 0; i < 3; i++)
        argv[k++] = keys[i];
    argv[k++] = num[0];
    argv[k++] = num[1];
    for (size_t i = 0; i < w->n; i++) {
        argv[k++] = w->ids[i];
        argv[k++] = w->json[i];
    }
    for (size_t i = 0; i < w->n_listed; i++)
        argv[k++] = w->listed[i];
    return argv;
}

int queue_accounts_sync_write(struct queue_sync *q, const char *sink, long long version,
                              const struct queue_accounts_write *w, char *err, size_t errlen)
{
    char *keys[3] = {0};
    char num[2][24];
    size_t nargs;
    const char **argv = write_argv(queue_sync_prefix(q), sink, version, w, keys, num, &nargs);
    int rc = -1;
    if (!argv) {
        snprintf(err, errlen, "out of memory");
    } else {
        redisReply *r = queue_fcall_sync(q, err, errlen, QUEUE_FN_ACCOUNTS_SYNC, argv, 3, nargs);
        if (r && r->type == REDIS_REPLY_INTEGER)
            rc = r->integer == 1 ? 1 : 0;
        else if (r)
            snprintf(err, errlen, "redis: unexpected answer from vigie_accounts_sync");
        if (r)
            freeReplyObject(r);
    }
    vg_free(argv);
    for (int i = 0; i < 3; i++)
        vg_free(keys[i]);
    return rc;
}

/* ---- from the event loop ------------------------------------------------------------ */

struct read_req {
    void (*cb)(const struct queue_accounts_state *, void *);
    void *arg;
};

static void on_read(redisAsyncContext *ac, void *r, void *privdata)
{
    struct read_req *req = privdata;
    char err[256];
    struct queue_accounts_state *s = r ? state_from(r, err, sizeof(err)) : NULL;
    req->cb(s, req->arg);
    queue_accounts_state_free(s);
    vg_free(req);
}

static void on_queued(redisAsyncContext *ac, void *r, void *privdata) {}

int queue_accounts_sync_read_async(struct queue *q, const char *sink,
                                   void (*cb)(const struct queue_accounts_state *s, void *arg), void *arg)
{
    struct read_req *req = vg_malloc(sizeof(*req));
    const char *p = queue_prefix(q);
    char *key = synced_key(p, sink);
    struct queue_conn *c = queue_cmd(q);
    int rc = -1;
    if (req && key && queue_conn_command(c, on_queued, NULL, "MULTI") == 0) {
        *req = (struct read_req){cb, arg};
        queue_conn_command(c, on_queued, NULL, "GET %s" QUEUE_KEY_ACCOUNTS_VERSION, p);
        queue_conn_command(c, on_queued, NULL, "HGETALL %s" QUEUE_KEY_ACCOUNTS, p);
        queue_conn_command(c, on_queued, NULL, "SMEMBERS %s", key);
        rc = queue_conn_command(c, on_read, req, "EXEC");
    }
    vg_free(key);
    if (rc < 0)
        vg_free(req);
    return rc;
}

struct write_req {
    void (*cb)(int, const char *, void *);
    void *arg;
};

static void on_write(redisAsyncContext *ac, void *r, void *privdata)
{
    struct write_req *req = privdata;
    redisReply *reply = r;
    if (reply && reply->type == REDIS_REPLY_INTEGER)
        req->cb(reply->integer == 1 ? 1 : 0, NULL, req->arg);
    else
        req->cb(-1, reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "redis did not answer", req->arg);
    vg_free(req);
}

int queue_accounts_sync_write_async(struct queue *q, const char *sink, long long version,
                                    const struct queue_accounts_write *w,
                                    void (*cb)(int applied, const char *err, void *arg), void *arg)
{
    char *keys[3] = {0};
    char num[2][24];
    size_t nargs;
    const char **argv = write_argv(queue_prefix(q), sink, version, w, keys, num, &nargs);
    struct write_req *req = vg_malloc(sizeof(*req));
    int rc = -1;
    if (argv && req) {
        *req = (struct write_req){cb, arg};
        rc = queue_fcall(queue_cmd(q), on_write, req, QUEUE_FN_ACCOUNTS_SYNC, argv, 3, nargs);
    }
    if (rc < 0)
        vg_free(req);
    vg_free(argv);
    for (int i = 0; i < 3; i++)
        vg_free(keys[i]);
    return rc;
}

struct lease_req {
    void (*cb)(int, void *);
    void *arg;
};

static void on_lease(redisAsyncContext *ac, void *r, void *privdata)
{
    struct lease_req *req = privdata;
    redisReply *reply = r;
    int taken = -1;
    if (reply && reply->type == REDIS_REPLY_STATUS)
        taken = 1;
    else if (reply && reply->type == REDIS_REPLY_NIL)
        taken = 0;
    req->cb(taken, req->arg);
    vg_free(req);
}

int queue_accounts_sync_lease(struct queue *q, const char *sink, const char *instance, long long ms,
                              void (*cb)(int taken, void *arg), void *arg)
{
    struct lease_req *req = vg_malloc(sizeof(*req));
    if (!req)
        return -1;
    *req = (struct lease_req){cb, arg};
    if (queue_conn_command(queue_cmd(q), on_lease, req, "SET %s" QUEUE_KEY_LEASE_ACCOUNTS_SYNC "%s %s NX PX %lld",
                           queue_prefix(q), sink, instance, ms) < 0) {
        vg_free(req);
        return -1;
    }
    return 0;
}
