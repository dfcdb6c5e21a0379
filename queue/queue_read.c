/* queue_read — XRANGE from the event loop (see queue_read.h). */
#include "queue/queue_read.h"
#include "queue/queue_int.h"
#include "util/vg_alloc.h"

struct read_req {
    void (*cb)(const struct queue_entry *, size_t, int, void *);
    void *arg;
};

static void on_range(redisAsyncContext *ac, void *r, void *privdata)
{
    struct read_req *req = privdata;
    redisReply *reply = r;
    struct queue_entry *v = NULL;
    size_t n = 0;
    int ok = reply && reply->type == REDIS_REPLY_ARRAY;
    if (ok && reply->elements && (v = vg_calloc(reply->elements, sizeof(*v)))) {
        for (size_t i = 0; i < reply->elements; i++) {
            redisReply *e = reply->element[i], *f = e->element[1];
            if (f->type != REDIS_REPLY_ARRAY || f->elements < 2)
                continue;
            v[n].id = e->element[0]->str;
            v[n].field = f->element[0]->str;
            v[n].value = f->element[1]->str;
            n++;
        }
    }
    req->cb(v, n, ok, req->arg);
    vg_free(v);
    vg_free(req);
}

int queue_read_range(struct queue *q, const char *stream, int64_t since_ms, size_t count,
                     void (*cb)(const struct queue_entry *v, size_t n, int ok, void *arg), void *arg)
{
    struct read_req *req = vg_malloc(sizeof(*req));
    if (!req)
        return -1;
    req->cb = cb;
    req->arg = arg;
    if (queue_conn_command(queue_cmd(q), on_range, req, "XRANGE %s%s %lld + COUNT %llu", queue_prefix(q), stream,
                           (long long)since_ms, (unsigned long long)count) < 0) {
        vg_free(req);
        return -1;
    }
    return 0;
}
