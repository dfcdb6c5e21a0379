/* queue_auto_sources — the accounts' automatic company sources (see queue_auto_sources.h). */
#include "queue/queue_auto_sources.h"
#include "fetchers/kind.h"
#include "queue/queue_fcall.h"
#include "queue/queue_int.h"
#include "util/vg_alloc.h"

#include <stdio.h>

struct auto_req {
    void (*cb)(long, long, long, void *);
    void *arg;
};

static void on_synced(redisAsyncContext *ac, void *r, void *privdata)
{
    struct auto_req *req = privdata;
    redisReply *reply = r;
    long c = -1, u = -1, d = -1;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 3) {
        c = (long)reply->element[0]->integer;
        u = (long)reply->element[1]->integer;
        d = (long)reply->element[2]->integer;
    }
    if (req->cb)
        req->cb(c, u, d, req->arg);
    vg_free(req);
}

#define SOURCE_KEY_(how, key) how, key,
static const char *const remove_keys[] = {QUEUE_SOURCE_KEYS(SOURCE_KEY_)};
#undef SOURCE_KEY_
#define NREMOVE (sizeof(remove_keys) / sizeof(remove_keys[0]) / 2)

int queue_auto_sources_sync(struct queue *q, const struct queue_auto_kind *kinds, size_t nkinds,
                            void (*cb)(long created, long updated, long removed, void *arg), void *arg)
{
    enum { NKEYS = 2, NFIXED = 3 };
    size_t nsrc = 0;
    for (size_t k = 0; k < nkinds; k++)
        nsrc += kinds[k].n;
    size_t argc = QUEUE_FCALL_HEAD + NKEYS + NFIXED + nkinds + 2 * NREMOVE + 6 * nsrc;
    const char **argv = vg_calloc(argc, sizeof(*argv));
    char (*intervals)[24] = vg_calloc(nkinds + 1, sizeof(*intervals));
    struct auto_req *req = vg_malloc(sizeof(*req));
    const char *p = queue_prefix(q);
    char *k_sources = vg_asprintf("%s%s", p, QUEUE_KEY_SOURCES), *k_due = vg_asprintf("%s%s", p, QUEUE_KEY_DUE);
    int rc = -1;
    if (argv && intervals && req && k_sources && k_due) {
        char nk[24], nr[24];
        snprintf(nk, sizeof(nk), "%zu", nkinds);
        snprintf(nr, sizeof(nr), "%zu", (size_t)NREMOVE);
        size_t a = QUEUE_FCALL_HEAD;
        argv[a++] = k_sources;
        argv[a++] = k_due;
        argv[a++] = p;
        argv[a++] = nk;
        argv[a++] = nr;
        for (size_t k = 0; k < nkinds; k++)
            argv[a++] = kinds[k].kind;
        for (size_t i = 0; i < 2 * NREMOVE; i++)
            argv[a++] = remove_keys[i];
        for (size_t k = 0; k < nkinds; k++) {
            snprintf(intervals[k], sizeof(intervals[k]), "%lld", kinds[k].interval_ms);
            for (size_t i = 0; i < kinds[k].n; i++) {
                const struct kind_auto_source *s = &kinds[k].v[i];
                argv[a++] = s->id;
                argv[a++] = kinds[k].kind;
                argv[a++] = s->url;
                argv[a++] = s->account_id ? s->account_id : "";
                argv[a++] = s->options ? s->options : "";
                argv[a++] = intervals[k];
            }
        }
        req->cb = cb;
        req->arg = arg;
        rc = queue_fcall(queue_cmd(q), on_synced, req, QUEUE_FN_AUTO_SOURCES, argv, NKEYS, a - QUEUE_FCALL_HEAD - NKEYS);
    }
    if (rc < 0)
        vg_free(req);
    vg_free(argv);
    vg_free(intervals);
    vg_free(k_sources);
    vg_free(k_due);
    return rc;
}
