/* queue_lag — consumer-group lag from XINFO GROUPS (see queue_lag.h). */
#include "queue/queue_lag.h"
#include "queue/queue_int.h"
#include "util/vg_alloc.h"

#include <string.h>

struct lag_req {
    char group[64];
    void (*cb)(long long, long long, void *);
    void *arg;
};

static void on_groups(redisAsyncContext *ac, void *r, void *privdata)
{
    struct lag_req *req = privdata;
    redisReply *reply = r;
    long long lag = 0, pending = 0;
    if (!reply)
        lag = pending = -1;
    else if (reply->type == REDIS_REPLY_ARRAY) {
        lag = -2; /* the stream exists; the group, until found below, does not */
        for (size_t g = 0; g < reply->elements; g++) {
            struct queue_group_info gi;
            queue_group_from_reply(reply->element[g], &gi);
            if (strcmp(gi.name, req->group) == 0) {
                lag = gi.lag < 0 ? 0 : gi.lag;
                pending = gi.pending;
            }
        }
    } /* an error reply: no such stream yet, nothing is behind */
    req->cb(lag, pending, req->arg);
    vg_free(req);
}

int queue_group_lag(struct queue *q, const char *stream, const char *group,
                    void (*cb)(long long lag, long long pending, void *arg), void *arg)
{
    struct lag_req *req = vg_calloc(1, sizeof(*req));
    if (!req)
        return -1;
    strncpy(req->group, group, sizeof(req->group) - 1);
    req->cb = cb;
    req->arg = arg;
    if (queue_conn_command(queue_cmd(q), on_groups, req, "XINFO GROUPS %s%s", queue_prefix(q), stream) < 0) {
        vg_free(req);
        return -1;
    }
    return 0;
}
