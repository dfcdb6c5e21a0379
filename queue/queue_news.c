/* queue_news — per-account news search sources (see queue_news.h). */
#include "queue/queue_news.h"
#include "queue/queue_int.h"
#include "util/vg_alloc.h"

struct news_req {
    void (*cb)(long, long, void *);
    void *arg;
};

static void on_synced(redisAsyncContext *ac, void *r, void *privdata)
{
    struct news_req *req = privdata;
    redisReply *reply = r;
    long created = -1, removed = -1;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2) {
        created = (long)reply->element[0]->integer;
        removed = (long)reply->element[1]->integer;
    }
    if (req->cb)
        req->cb(created, removed, req->arg);
    vg_free(req);
}

int queue_news_sources_sync(struct queue *q, const char *url_template, long long interval_ms,
                            void (*cb)(long created, long removed, void *arg), void *arg)
{
    struct news_req *req = vg_malloc(sizeof(*req));
    if (!req)
        return -1;
    req->cb = cb;
    req->arg = arg;
    const char *p = queue_prefix(q);
    if (queue_conn_command(queue_cmd(q), on_synced, req, "FCALL vigie_news_sources 3 %saccounts %ssources %sdue %s %s %lld",
                           p, p, p, p, url_template, interval_ms) < 0) {
        vg_free(req);
        return -1;
    }
    return 0;
}
