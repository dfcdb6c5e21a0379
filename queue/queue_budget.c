/* queue_budget — a rate budget shared through Redis (see queue_budget.h): one call of
 * vigie_budget_take (queue/lua/vigie.lua) per take, on the command connection. */
#include "queue/queue_budget.h"
#include "queue/queue_fcall.h"
#include "queue/queue_int.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"

#include <stdio.h>

struct budget_req {
    queue_budget_cb cb;
    void *arg;
};

static void on_take(redisAsyncContext *ac, void *r, void *privdata)
{
    struct budget_req *req = privdata;
    redisReply *reply = r;
    long long wait = -1;
    if (reply && reply->type == REDIS_REPLY_INTEGER && reply->integer >= 0)
        wait = reply->integer;
    else if (reply && reply->type == REDIS_REPLY_ERROR)
        vg_warn("queue", "budget: %s", reply->str);
    req->cb(wait, req->arg);
    vg_free(req);
}

int queue_budget_take(struct queue *q, const char *name, long long limit, long long window_ms, int n,
                      queue_budget_cb cb, void *arg)
{
    if (limit < 1 || window_ms < 1 || n < 1 || n > limit)
        return -1; /* never grantable: the caller's configuration is wrong */
    struct budget_req *req = vg_malloc(sizeof(*req));
    char *key = vg_asprintf("%s" QUEUE_KEY_BUDGET "%s", queue_prefix(q), name);
    if (!req || !key) {
        vg_free(req);
        vg_free(key);
        return -1;
    }
    req->cb = cb;
    req->arg = arg;
    char slimit[24], swindow[24], sn[24];
    snprintf(slimit, sizeof(slimit), "%lld", limit);
    snprintf(swindow, sizeof(swindow), "%lld", window_ms);
    snprintf(sn, sizeof(sn), "%d", n);
    const char *argv[] = {[QUEUE_FCALL_HEAD] = key, slimit, swindow, sn};
    int rc = queue_fcall(queue_cmd(q), on_take, req, QUEUE_FN_BUDGET_TAKE, argv, 1, 3);
    vg_free(key);
    if (rc < 0)
        vg_free(req);
    return rc;
}
