/* queue_sched — claim and complete polls with Lua scripts (see queue_sched.h). */
#include "queue/queue_sched.h"
#include "queue/queue_int.h"
#include "daemon/vg_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- claim ---------------------------------------------------------------- */

struct claim_req {
    queue_claim_cb cb;
    void *arg;
};

static void on_claim(redisAsyncContext *ac, void *r, void *privdata)
{
    struct claim_req *req = privdata;
    redisReply *reply = r;
    struct queue_source_state *v = NULL;
    size_t n = 0;
    char err[200] = "";
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        snprintf(err, sizeof(err), "claim failed: %s",
                 reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "no reply from redis");
        goto done;
    }
    size_t count = reply->elements / 2;
    if (count == 0)
        goto done;
    v = vg_calloc(count, sizeof(*v));
    if (!v) {
        snprintf(err, sizeof(err), "out of memory");
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        redisReply *id = reply->element[2 * i], *h = reply->element[2 * i + 1];
        const char **kv = vg_calloc(h->elements + 1, sizeof(*kv));
        if (!kv || !id->str) {
            vg_free(kv);
            snprintf(err, sizeof(err), "out of memory");
            break;
        }
        for (size_t k = 0; k < h->elements; k++)
            kv[k] = h->element[k]->str;
        int rc = queue_source_state_from_pairs(&v[n], id->str, kv, h->elements);
        vg_free(kv);
        n++;
        if (rc < 0) {
            snprintf(err, sizeof(err), "out of memory");
            break;
        }
    }
    if (err[0]) {
        /* The leases taken will expire and the sources be claimed again. */
        queue_source_states_free(v, n);
        v = NULL;
        n = 0;
    }
done:
    req->cb(v, n, err[0] ? err : NULL, req->arg);
    vg_free(req);
}

int queue_sched_claim(struct queue *q, size_t limit, long long lease_ms, queue_claim_cb cb, void *arg)
{
    struct claim_req *req = vg_malloc(sizeof(*req));
    if (!req)
        return -1;
    req->cb = cb;
    req->arg = arg;
    const char *p = queue_prefix(q);
    if (queue_conn_command(queue_cmd(q), on_claim, req, "FCALL vigie_claim 2 %sdue %sleases %llu %lld %s %s", p, p,
                           (unsigned long long)limit, lease_ms, queue_owner(q), p) < 0) {
        vg_free(req);
        return -1;
    }
    return 0;
}

/* ---- complete ------------------------------------------------------------- */

struct complete_req {
    queue_complete_cb cb;
    void *arg;
};

static void on_complete(redisAsyncContext *ac, void *r, void *privdata)
{
    struct complete_req *req = privdata;
    redisReply *reply = r;
    long v[4] = {QUEUE_COMPLETE_ERROR, 0, 0, 0};
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 4)
        for (int i = 0; i < 4; i++)
            v[i] = (long)reply->element[i]->integer;
    if (req->cb)
        req->cb((enum queue_complete_status)v[0], v[1], v[2], v[3], req->arg);
    vg_free(req);
}

int queue_sched_complete(struct queue *q, const struct queue_poll_result *r, queue_complete_cb cb, void *arg)
{
    const char *p = queue_prefix(q);
    char *k_due = vg_asprintf("%sdue", p), *k_leases = vg_asprintf("%sleases", p);
    char *k_src = vg_asprintf("%ssource:%s", p, r->id), *k_items = vg_asprintf("%sitems", p);
    char delay[24], ttl[24], maxlen[24], nfields[16];
    snprintf(delay, sizeof(delay), "%lld", r->next_delay_ms);
    snprintf(ttl, sizeof(ttl), "%lld", r->dedup_ttl_s > 0 ? r->dedup_ttl_s : 30LL * 86400);
    snprintf(maxlen, sizeof(maxlen), "%lld", r->stream_maxlen > 0 ? r->stream_maxlen : 1000000);
    const char *fields[10];
    int nf = 0;
    if (r->watch_text) {
        fields[nf++] = "watch_text";
        fields[nf++] = r->watch_text;
    }
    if (r->etag) {
        fields[nf++] = "etag";
        fields[nf++] = r->etag;
    }
    if (r->last_modified) {
        fields[nf++] = "last_modified";
        fields[nf++] = r->last_modified;
    }
    if (!r->ok) {
        fields[nf++] = "error_kind";
        fields[nf++] = r->error_kind ? r->error_kind : "error";
        fields[nf++] = "last_error";
        fields[nf++] = r->error ? r->error : "";
    }
    snprintf(nfields, sizeof(nfields), "%d", nf / 2);
    size_t argc = 3 + 4 + 8 + (size_t)nf + 4 * r->nitems;
    const char **argv = vg_calloc(argc, sizeof(*argv));
    struct complete_req *req = vg_malloc(sizeof(*req));
    int rc = -1;
    if (!argv || !req || !k_due || !k_leases || !k_src || !k_items)
        goto out;
    size_t a = 0;
    argv[a++] = "FCALL";
    argv[a++] = "vigie_complete";
    argv[a++] = "4";
    argv[a++] = k_due;
    argv[a++] = k_leases;
    argv[a++] = k_src;
    argv[a++] = k_items;
    argv[a++] = r->id;
    argv[a++] = queue_owner(q);
    argv[a++] = delay;
    argv[a++] = ttl;
    argv[a++] = maxlen;
    argv[a++] = p;
    argv[a++] = r->ok ? "1" : "0";
    argv[a++] = nfields;
    for (int i = 0; i < nf; i++)
        argv[a++] = fields[i];
    for (size_t i = 0; i < r->nitems; i++) {
        argv[a++] = r->items[i].url_key;
        argv[a++] = r->items[i].fp_key;
        argv[a++] = r->items[i].recent ? "1" : "0";
        argv[a++] = r->items[i].json;
    }
    req->cb = cb;
    req->arg = arg;
    rc = queue_conn_commandv(queue_cmd(q), on_complete, req, (int)a, argv, NULL);
    if (rc == 0)
        req = NULL;
out:
    vg_free(req);
    vg_free(argv);
    vg_free(k_due);
    vg_free(k_leases);
    vg_free(k_src);
    vg_free(k_items);
    return rc;
}

/* ---- due count -------------------------------------------------------------- */

struct due_req {
    void (*cb)(long long, void *);
    void *arg;
};

static void on_due(redisAsyncContext *ac, void *r, void *privdata)
{
    struct due_req *req = privdata;
    redisReply *reply = r;
    req->cb(reply && reply->type == REDIS_REPLY_INTEGER ? reply->integer : -1, req->arg);
    vg_free(req);
}

int queue_sched_due_count(struct queue *q, void (*cb)(long long due, void *arg), void *arg)
{
    struct due_req *req = vg_malloc(sizeof(*req));
    if (!req)
        return -1;
    req->cb = cb;
    req->arg = arg;
    if (queue_conn_command(queue_cmd(q), on_due, req, "FCALL vigie_due 1 %sdue", queue_prefix(q)) < 0) {
        vg_free(req);
        return -1;
    }
    return 0;
}
