/* queue_tally — an account's recent signals, counted and heated by vigie_tally_add from the
 * account's series (queue/lua/vigie.lua; see queue_tally.h, queue_series.h). */
#include "queue/queue_tally.h"
#include "queue/queue_fcall.h"
#include "queue/queue_int.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"

#include <stdio.h>
#include <stdlib.h>

struct tally_req {
    queue_tally_cb cb;
    void *arg;
};

static void on_tally(redisAsyncContext *ac, void *r, void *privdata)
{
    struct tally_req *req = privdata;
    redisReply *reply = r;
    struct queue_tally t;
    int ok = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
             reply->element[0]->type == REDIS_REPLY_INTEGER && reply->element[1]->type == REDIS_REPLY_STRING &&
             reply->element[2]->type == REDIS_REPLY_INTEGER;
    if (ok) {
        t.count = reply->element[0]->integer;
        t.heat = strtod(reply->element[1]->str, NULL);
        t.last_ms = reply->element[2]->integer;
    } else if (reply && reply->type == REDIS_REPLY_ERROR) {
        vg_warn("queue", "tally: %s", reply->str);
    }
    req->cb(ok ? &t : NULL, req->arg);
    vg_free(req);
}

int queue_tally_add(struct queue *q, const char *account_id, const char *signal_id, int priority,
                    long long published_ms, long long window_ms, long long half_life_ms, queue_tally_cb cb,
                    void *arg)
{
    struct tally_req *req = vg_malloc(sizeof(*req));
    char *key = vg_asprintf("%s" QUEUE_KEY_TALLY "%s", queue_prefix(q), account_id);
    int rc = -1;
    if (req && key) {
        *req = (struct tally_req){cb, arg};
        char prio[24], published[24], window[24], half[24];
        snprintf(prio, sizeof(prio), "%d", priority);
        snprintf(published, sizeof(published), "%lld", published_ms);
        snprintf(window, sizeof(window), "%lld", window_ms);
        snprintf(half, sizeof(half), "%lld", half_life_ms);
        const char *argv[] = {[QUEUE_FCALL_HEAD] = key, queue_prefix(q), account_id, signal_id, prio, published,
                              window, half};
        rc = queue_fcall(queue_cmd(q), on_tally, req, QUEUE_FN_TALLY_ADD, argv, 1, 7);
    }
    vg_free(key);
    if (rc < 0)
        vg_free(req);
    return rc;
}
