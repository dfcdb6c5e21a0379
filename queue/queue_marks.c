/* queue_marks — small strings with an expiry per (namespace, key) (see queue_marks.h): MGET
 * and SET EX on the command connection. */
#include "queue/queue_marks.h"
#include "queue/queue_contract.h"
#include "queue/queue_int.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"

#include <stdio.h>

struct marks_req {
    size_t n;
    queue_marks_cb cb;
    void *arg;
};

static void on_get(redisAsyncContext *ac, void *r, void *privdata)
{
    struct marks_req *req = privdata;
    redisReply *reply = r;
    const char **values = NULL;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == req->n &&
        (values = vg_calloc(req->n, sizeof(*values)))) {
        for (size_t i = 0; i < req->n; i++)
            values[i] = reply->element[i]->type == REDIS_REPLY_STRING ? reply->element[i]->str : NULL;
    }
    req->cb(req->arg, values, values ? req->n : 0);
    vg_free(values);
    vg_free(req);
}

static char *mark_key(struct queue *q, const char *ns, const char *key)
{
    return vg_asprintf("%s" QUEUE_KEY_MARK "%s:%s", queue_prefix(q), ns, key);
}

int queue_marks_get(struct queue *q, const char *ns, const char *const *keys, size_t n, queue_marks_cb cb,
                    void *arg)
{
    if (n == 0)
        return -1;
    struct marks_req *req = vg_malloc(sizeof(*req));
    const char **argv = vg_calloc(n + 1, sizeof(*argv));
    size_t made = 0;
    int rc = -1;
    if (!req || !argv)
        goto out;
    argv[0] = "MGET";
    for (; made < n; made++)
        if (!(argv[made + 1] = mark_key(q, ns, keys[made])))
            goto out;
    *req = (struct marks_req){n, cb, arg};
    rc = queue_conn_commandv(queue_cmd(q), on_get, req, (int)(n + 1), argv, NULL);
out:
    for (size_t i = 0; argv && i < made; i++)
        vg_free((char *)argv[i + 1]);
    vg_free(argv);
    if (rc < 0)
        vg_free(req);
    return rc;
}

static void on_set(redisAsyncContext *ac, void *r, void *privdata)
{
    redisReply *reply = r;
    if (reply && reply->type == REDIS_REPLY_ERROR)
        vg_warn("queue", "mark not written: %s", reply->str);
}

int queue_mark_set(struct queue *q, const char *ns, const char *key, const char *value, long long ttl_s)
{
    char *k = mark_key(q, ns, key);
    char ttl[24];
    snprintf(ttl, sizeof(ttl), "%lld", ttl_s > 0 ? ttl_s : 1);
    const char *argv[] = {"SET", k, value, "EX", ttl};
    int rc = k ? queue_conn_commandv(queue_cmd(q), on_set, NULL, 5, argv, NULL) : -1;
    vg_free(k);
    return rc;
}
