/* queue_owed — members a sink still owes its service (see queue_owed.h): HSET, HRANDFIELD
 * (Redis 6.2+) and HDEL on one hash, on the command connection (in order with the acknowledgements). */
#include "queue/queue_owed.h"
#include "queue/queue_contract.h"
#include "queue/queue_int.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"

#include <stdio.h>

struct owed_req {
    queue_owed_added_cb added;
    queue_owed_cb taken;
    void *arg;
};

static char *owed_key(struct queue *q, const char *ns, const char *name)
{
    return vg_asprintf("%s" QUEUE_KEY_OWED "%s:%s", queue_prefix(q), ns, name);
}

static void on_added(redisAsyncContext *ac, void *r, void *privdata)
{
    (void)ac;
    struct owed_req *req = privdata;
    redisReply *reply = r;
    int ok = reply && reply->type == REDIS_REPLY_INTEGER;
    if (reply && reply->type == REDIS_REPLY_ERROR)
        vg_warn("queue", "owed entries not written: %s", reply->str);
    req->added(req->arg, ok);
    vg_free(req);
}

static void on_expire(redisAsyncContext *ac, void *r, void *privdata)
{
    (void)ac, (void)privdata;
    redisReply *reply = r;
    if (reply && reply->type == REDIS_REPLY_ERROR)
        vg_warn("queue", "owed entries' expiry not set: %s", reply->str);
}

/* HSET key m1 1 m2 1 ... (or HDEL key m1 m2 ...): argv built here. */
static int send_members(struct queue *q, const char *cmd, const char *key, const char *const *members, size_t n,
                        redisCallbackFn *cb, void *privdata)
{
    int pairs = cmd[1] == 'S'; /* HSET: member, value */
    size_t argc = 2 + n * (pairs ? 2 : 1);
    const char **argv = vg_calloc(argc, sizeof(*argv));
    if (!argv)
        return -1;
    argv[0] = cmd;
    argv[1] = key;
    size_t k = 2;
    for (size_t i = 0; i < n; i++) {
        argv[k++] = members[i];
        if (pairs)
            argv[k++] = "1";
    }
    int rc = queue_conn_commandv(queue_cmd(q), cb, privdata, (int)argc, argv, NULL);
    vg_free(argv);
    return rc;
}

int queue_owed_add(struct queue *q, const char *ns, const char *name, const char *const *members, size_t n,
                   long long ttl_s, queue_owed_added_cb cb, void *arg)
{
    if (n == 0)
        return -1;
    char *key = owed_key(q, ns, name);
    struct owed_req *req = vg_calloc(1, sizeof(*req));
    int rc = -1;
    if (key && req) {
        *req = (struct owed_req){.added = cb, .arg = arg};
        rc = send_members(q, "HSET", key, members, n, on_added, req);
    }
    if (rc == 0) {
        char ttl[24];
        snprintf(ttl, sizeof(ttl), "%lld", ttl_s > 0 ? ttl_s : 1);
        const char *argv[] = {"EXPIRE", key, ttl};
        queue_conn_commandv(queue_cmd(q), on_expire, NULL, 3, argv, NULL);
    } else {
        vg_free(req);
    }
    vg_free(key);
    return rc;
}

static void on_taken(redisAsyncContext *ac, void *r, void *privdata)
{
    (void)ac;
    struct owed_req *req = privdata;
    redisReply *reply = r;
    const char **members = NULL;
    size_t n = 0;
    if (reply && reply->type == REDIS_REPLY_ARRAY) {
        members = vg_calloc(reply->elements + 1, sizeof(*members));
        for (size_t i = 0; members && i < reply->elements; i++)
            if (reply->element[i]->type == REDIS_REPLY_STRING)
                members[n++] = reply->element[i]->str;
    } else if (reply && reply->type == REDIS_REPLY_ERROR) {
        vg_warn("queue", "owed entries not read: %s", reply->str);
    }
    req->taken(req->arg, members, n);
    vg_free(members);
    vg_free(req);
}

int queue_owed_take(struct queue *q, const char *ns, const char *name, size_t max, queue_owed_cb cb, void *arg)
{
    char *key = owed_key(q, ns, name);
    struct owed_req *req = vg_calloc(1, sizeof(*req));
    char count[24];
    snprintf(count, sizeof(count), "%zu", max);
    const char *argv[] = {"HRANDFIELD", key, count};
    int rc = -1;
    if (key && req && max > 0) {
        *req = (struct owed_req){.taken = cb, .arg = arg};
        rc = queue_conn_commandv(queue_cmd(q), on_taken, req, 3, argv, NULL);
    }
    if (rc < 0)
        vg_free(req);
    vg_free(key);
    return rc;
}

static void on_removed(redisAsyncContext *ac, void *r, void *privdata)
{
    (void)ac, (void)privdata;
    redisReply *reply = r;
    if (reply && reply->type == REDIS_REPLY_ERROR)
        vg_warn("queue", "owed entries not removed: %s", reply->str);
}

int queue_owed_remove(struct queue *q, const char *ns, const char *name, const char *const *members, size_t n)
{
    if (n == 0)
        return 0;
    char *key = owed_key(q, ns, name);
    int rc = key ? send_members(q, "HDEL", key, members, n, on_removed, NULL) : -1;
    vg_free(key);
    return rc;
}
