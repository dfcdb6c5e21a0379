/* queue_news — per-account news search sources (see queue_news.h). */
#include "queue/queue_news.h"
#include "queue/queue_fcall.h"
#include "queue/queue_int.h"
#include "util/vg_alloc.h"

#include <stdio.h>

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
    char interval[24];
    snprintf(interval, sizeof(interval), "%lld", interval_ms);
    char *k_accounts = vg_asprintf("%s%s", p, QUEUE_KEY_ACCOUNTS), *k_sources = vg_asprintf("%s%s", p, QUEUE_KEY_SOURCES),
         *k_due = vg_asprintf("%s%s", p, QUEUE_KEY_DUE);
#define SOURCE_KEY_(how, key) how, key,
    const char *argv[] = {[QUEUE_FCALL_HEAD] = k_accounts, k_sources, k_due, p, url_template, interval,
                          QUEUE_SOURCE_KEYS(SOURCE_KEY_)};
#undef SOURCE_KEY_
    enum { NARGS = sizeof(argv) / sizeof(argv[0]) - QUEUE_FCALL_HEAD - 3 };
    int rc = k_accounts && k_sources && k_due ? queue_fcall(queue_cmd(q), on_synced, req, QUEUE_FN_NEWS_SOURCES, argv, 3, NARGS)
                                              : -1;
    vg_free(k_accounts);
    vg_free(k_sources);
    vg_free(k_due);
    if (rc < 0)
        vg_free(req);
    return rc;
}
