/* queue_accounts — account registry (see queue_accounts.h). */
#include "queue/queue_accounts.h"
#include "queue/queue_contract.h"
#include "queue/queue_int.h"
#include "queue/queue_sync_internal.h"
#include "queue/queue_txn.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int queue_accounts_put(struct queue_sync *q, const char *const *ids, const char *const *json, size_t n,
                       size_t *created, size_t *updated, char *err, size_t errlen)
{
    redisContext *c = queue_sync_ctx(q);
    const char *p = queue_sync_prefix(q);
    *created = *updated = 0;
    redisAppendCommand(c, "MULTI");
    for (size_t i = 0; i < n; i++)
        redisAppendCommand(c, "HSET %s" QUEUE_KEY_ACCOUNTS " %s %s", p, ids[i], json[i]);
    redisAppendCommand(c, "INCR %s" QUEUE_KEY_ACCOUNTS_VERSION, p);
    redisAppendCommand(c, "EXEC");
    redisReply *r;
    enum queue_txn_outcome out = queue_txn_exec(q, n + 1, &r, err, errlen);
    if (out == QUEUE_TXN_APPLIED)
        out = queue_txn_check(&r, err, errlen);
    if (out != QUEUE_TXN_APPLIED)
        return out;
    /* HSET answers 1 for a new field, 0 for an updated one. */
    for (size_t k = 0; k < n && k < r->elements; k++)
        if (r->element[k]->integer)
            (*created)++;
        else
            (*updated)++;
    freeReplyObject(r);
    return 0;
}

int queue_accounts_remove(struct queue_sync *q, const char *id, char *err, size_t errlen)
{
    const char *p = queue_sync_prefix(q);
    redisContext *c = queue_sync_ctx(q);
    redisAppendCommand(c, "MULTI");
    redisAppendCommand(c, "HDEL %s" QUEUE_KEY_ACCOUNTS " %s", p, id);
    redisAppendCommand(c, "INCR %s" QUEUE_KEY_ACCOUNTS_VERSION, p);
    redisAppendCommand(c, "EXEC");
    int found = -1;
    for (int i = 0; i < 4; i++) {
        redisReply *r = queue_sync_reply(q, err, errlen);
        if (!r)
            return -1;
        if (i == 3 && r->type == REDIS_REPLY_ARRAY && r->elements == 2)
            found = r->element[0]->integer > 0;
        freeReplyObject(r);
    }
    return found;
}

struct kv {
    const redisReply *k, *v;
};

static int cmp_kv(const void *a, const void *b)
{
    return strcmp(((const struct kv *)a)->k->str, ((const struct kv *)b)->k->str);
}

/* HGETALL reply -> "[json,json,...]" sorted by id. */
char *queue_accounts_join(const redisReply *r, size_t *n)
{
    size_t count = r->elements / 2;
    struct kv *pairs = vg_calloc(count + 1, sizeof(*pairs));
    if (!pairs)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        pairs[i].k = r->element[2 * i];
        pairs[i].v = r->element[2 * i + 1];
    }
    qsort(pairs, count, sizeof(*pairs), cmp_kv);
    struct vg_buf b;
    vg_buf_init(&b, 0);
    int rc = vg_buf_putc(&b, '[');
    for (size_t i = 0; i < count; i++) {
        if (i)
            rc |= vg_buf_putc(&b, ',');
        rc |= vg_buf_append(&b, pairs[i].v->str, pairs[i].v->len);
    }
    rc |= vg_buf_putc(&b, ']');
    vg_free(pairs);
    if (rc) {
        vg_buf_free(&b);
        return NULL;
    }
    *n = count;
    return vg_buf_steal(&b);
}

char *queue_accounts_all(struct queue_sync *q, size_t *n, char *err, size_t errlen)
{
    redisReply *r = queue_sync_cmd(q, err, errlen, "HGETALL %s" QUEUE_KEY_ACCOUNTS, queue_sync_prefix(q));
    if (!r)
        return NULL;
    char *s = queue_accounts_join(r, n);
    freeReplyObject(r);
    if (!s)
        snprintf(err, errlen, "out of memory");
    return s;
}

char *queue_accounts_get(struct queue_sync *q, const char *id, char *err, size_t errlen)
{
    err[0] = '\0';
    redisReply *r = queue_sync_cmd(q, err, errlen, "HGET %s" QUEUE_KEY_ACCOUNTS " %s", queue_sync_prefix(q), id);
    if (!r)
        return NULL;
    char *s = r->type == REDIS_REPLY_STRING ? vg_strndup(r->str, r->len) : NULL;
    freeReplyObject(r);
    return s;
}

long long queue_accounts_version_sync(struct queue_sync *q, char *err, size_t errlen)
{
    redisReply *r = queue_sync_cmd(q, err, errlen, "GET %s" QUEUE_KEY_ACCOUNTS_VERSION, queue_sync_prefix(q));
    if (!r)
        return -1;
    long long v = r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10) : 0;
    freeReplyObject(r);
    return v;
}

/* ---- from the event loop ---------------------------------------------------------- */

struct version_req {
    void (*cb)(long long, void *);
    void *arg;
};

static void on_version(redisAsyncContext *ac, void *r, void *privdata)
{
    struct version_req *req = privdata;
    redisReply *reply = r;
    long long v = -1;
    if (reply && reply->type == REDIS_REPLY_STRING)
        v = strtoll(reply->str, NULL, 10);
    else if (reply && reply->type == REDIS_REPLY_NIL)
        v = 0;
    req->cb(v, req->arg);
    vg_free(req);
}

int queue_accounts_version(struct queue *q, void (*cb)(long long version, void *arg), void *arg)
{
    struct version_req *req = vg_malloc(sizeof(*req));
    if (!req)
        return -1;
    req->cb = cb;
    req->arg = arg;
    if (queue_conn_command(queue_cmd(q), on_version, req, "GET %s" QUEUE_KEY_ACCOUNTS_VERSION, queue_prefix(q)) < 0) {
        vg_free(req);
        return -1;
    }
    return 0;
}

struct load_req {
    void (*cb)(long long, char *, size_t, void *);
    void *arg;
};

static void on_load(redisAsyncContext *ac, void *r, void *privdata)
{
    struct load_req *req = privdata;
    redisReply *reply = r;
    long long v = -1;
    char *json = NULL;
    size_t n = 0;
    /* MULTI/EXEC reply: [version, HGETALL] read at one instant. */
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2) {
        redisReply *ver = reply->element[0], *all = reply->element[1];
        v = ver->type == REDIS_REPLY_STRING ? strtoll(ver->str, NULL, 10) : 0;
        if (all->type == REDIS_REPLY_ARRAY)
            json = queue_accounts_join(all, &n);
    }
    req->cb(json ? v : -1, json, n, req->arg);
    vg_free(req);
}

static void on_queued(redisAsyncContext *ac, void *r, void *privdata) {}

int queue_accounts_load(struct queue *q, void (*cb)(long long version, char *json, size_t n, void *arg), void *arg)
{
    struct load_req *req = vg_malloc(sizeof(*req));
    if (!req)
        return -1;
    req->cb = cb;
    req->arg = arg;
    struct queue_conn *c = queue_cmd(q);
    const char *p = queue_prefix(q);
    if (queue_conn_command(c, on_queued, NULL, "MULTI") < 0) {
        vg_free(req);
        return -1;
    }
    queue_conn_command(c, on_queued, NULL, "GET %s" QUEUE_KEY_ACCOUNTS_VERSION, p);
    queue_conn_command(c, on_queued, NULL, "HGETALL %s" QUEUE_KEY_ACCOUNTS, p);
    if (queue_conn_command(c, on_load, req, "EXEC") < 0) {
        vg_free(req);
        return -1;
    }
    return 0;
}
