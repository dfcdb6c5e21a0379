/* queue_alerts — the alerts router's calls on Redis (see queue_alerts.h): each built by
 * queue_fcall from its layout in queue_contract.h, on the command connection. */
#include "queue/queue_alerts.h"
#include "queue/queue_fcall.h"
#include "queue/queue_int.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct alerts_req {
    void (*cb)(void);           /* the caller's, cast back by each reply handler */
    void *arg;
    size_t n;
};

static struct alerts_req *req_new(void (*cb)(void), void *arg, size_t n)
{
    struct alerts_req *r = vg_malloc(sizeof(*r));
    if (r)
        *r = (struct alerts_req){cb, arg, n};
    return r;
}

static void warn_error(const char *what, const redisReply *reply)
{
    if (reply && reply->type == REDIS_REPLY_ERROR)
        vg_warn("queue", "alerts: %s: %s", what, reply->str);
}

#define NUM(buf, v) snprintf(buf, sizeof(buf), "%lld", (long long)(v))

/* ---- route ------------------------------------------------------------------------------- */

static const char *const WHATS[] = {"grouped", "duplicate", "replaced", "update", "inhibited", "quiet"};

static void on_route(redisAsyncContext *ac, void *r, void *privdata)
{
    struct alerts_req *req = privdata;
    redisReply *reply = r;
    struct queue_alert_routed out = {0};
    int ok = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
             reply->element[0]->type == REDIS_REPLY_STRING && reply->element[1]->type == REDIS_REPLY_INTEGER &&
             reply->element[2]->type == REDIS_REPLY_INTEGER;
    if (ok) {
        ok = 0;
        for (size_t i = 0; i < sizeof(WHATS) / sizeof(*WHATS); i++)
            if (strcmp(reply->element[0]->str, WHATS[i]) == 0) {
                out.what = (enum queue_alert_what)i;
                ok = 1;
            }
        out.folded = (int)reply->element[1]->integer;
        out.messages = (int)reply->element[2]->integer;
    } else {
        warn_error("route", reply);
    }
    ((queue_alert_route_cb)req->cb)(ok ? &out : NULL, req->arg);
    vg_free(req);
}

int queue_alert_route(struct queue *q, const struct queue_alert_route *a, queue_alert_route_cb cb, void *arg)
{
    const char *p = queue_prefix(q);
    char *group = vg_asprintf("%s" QUEUE_KEY_AGROUP "%s:%s", p, a->receiver, a->account_id);
    char *due = vg_asprintf("%s" QUEUE_KEY_AGROUPS_DUE, p);
    char *alerted = vg_asprintf("%s" QUEUE_KEY_ALERTED "%s:%s", p, a->receiver, a->signal_id);
    char *inhibit = vg_asprintf("%s" QUEUE_KEY_INHIBIT "%s", p, a->account_id);
    char *member = vg_asprintf("%s|%s", a->receiver, a->account_id);
    struct alerts_req *req = req_new((void (*)(void))cb, arg, 0);
    int rc = -1;
    if (group && due && alerted && inhibit && member && req) {
        char prio[24], gdue[24], ifor[24], ddue[24], ttl[24], maxlen[24], now[24];
        NUM(now, a->now_ms);
        NUM(prio, a->priority);
        NUM(gdue, a->group_due_ms);
        NUM(ifor, a->inhibit_for_ms);
        NUM(ddue, a->digest_due_ms);
        NUM(ttl, a->ttl_s);
        NUM(maxlen, a->maxlen);
        const char *argv[] = {[QUEUE_FCALL_HEAD] = group, due, alerted, inhibit,
                              p, a->kind, member, a->signal_id, prio, a->type ? a->type : "", a->json, gdue,
                              a->quiet ? "1" : "0", a->inhibited ? "1" : "0", ifor, a->slack_update ? "1" : "0",
                              a->meta, a->owner, a->account, a->owner_key ? a->owner_key : "", ddue,
                              a->digest_meta, a->created, ttl, maxlen, now};
        rc = queue_fcall(queue_cmd(q), on_route, req, QUEUE_FN_ALERT_ROUTE, argv, 4, 22);
    }
    vg_free(group);
    vg_free(due);
    vg_free(alerted);
    vg_free(inhibit);
    vg_free(member);
    if (rc < 0)
        vg_free(req);
    return rc;
}

/* ---- flush ------------------------------------------------------------------------------- */

static void on_flush(redisAsyncContext *ac, void *r, void *privdata)
{
    struct alerts_req *req = privdata;
    redisReply *reply = r;
    struct queue_alert_flushed f = {0};
    int ok = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 5;
    for (size_t i = 0; ok && i < 5; i++)
        ok = reply->element[i]->type == REDIS_REPLY_INTEGER;
    if (ok) {
        f.groups = reply->element[0]->integer;
        f.messages = reply->element[1]->integer;
        f.capped = reply->element[2]->integer;
        f.folded = reply->element[3]->integer;
        f.more = reply->element[4]->integer != 0;
    } else {
        warn_error("flush", reply);
    }
    ((queue_alert_flush_cb)req->cb)(ok ? &f : NULL, req->arg);
    vg_free(req);
}

int queue_alert_flush(struct queue *q, long long now_ms, long long limit, long long cap_per_hour, long long ttl_s,
                      long long maxlen, const char *created, int force, queue_alert_flush_cb cb, void *arg)
{
    const char *p = queue_prefix(q);
    char *due = vg_asprintf("%s" QUEUE_KEY_AGROUPS_DUE, p);
    struct alerts_req *req = req_new((void (*)(void))cb, arg, 0);
    int rc = -1;
    if (due && req) {
        char now[24], lim[24], cap[24], ttl[24], ml[24];
        NUM(now, now_ms);
        NUM(lim, limit);
        NUM(cap, cap_per_hour);
        NUM(ttl, ttl_s);
        NUM(ml, maxlen);
        const char *argv[] = {[QUEUE_FCALL_HEAD] = due, p, now, lim, cap, ttl, ml, created, force ? "1" : "0"};
        rc = queue_fcall(queue_cmd(q), on_flush, req, QUEUE_FN_ALERT_FLUSH, argv, 1, 8);
    }
    vg_free(due);
    if (rc < 0)
        vg_free(req);
    return rc;
}

/* ---- digests ------------------------------------------------------------------------------- */

static void on_digest_due(redisAsyncContext *ac, void *r, void *privdata)
{
    struct alerts_req *req = privdata;
    redisReply *reply = r;
    struct queue_digest_due *v = NULL;
    size_t n = 0;
    int ok = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements % 3 == 0;
    for (size_t i = 0; ok && i < reply->elements; i++)
        ok = reply->element[i]->type == REDIS_REPLY_STRING;
    if (ok && reply->elements) {
        n = reply->elements / 3;
        v = vg_calloc(n, sizeof(*v));
        ok = v != NULL;
        for (size_t i = 0; ok && i < n; i++) {
            v[i].owner_key = reply->element[3 * i]->str;
            v[i].due_ms = strtoll(reply->element[3 * i + 1]->str, NULL, 10);
            v[i].meta = reply->element[3 * i + 2]->str;
        }
    }
    if (!ok)
        warn_error("digests due", reply);
    ((queue_digest_due_cb)req->cb)(ok ? v : NULL, ok ? n : 0, ok, req->arg);
    vg_free(v);
    vg_free(req);
}

int queue_digest_due(struct queue *q, long long now_ms, long long limit, queue_digest_due_cb cb, void *arg)
{
    const char *p = queue_prefix(q);
    char *due = vg_asprintf("%s" QUEUE_KEY_DIGEST_DUE, p);
    struct alerts_req *req = req_new((void (*)(void))cb, arg, 0);
    int rc = -1;
    if (due && req) {
        char now[24], lim[24];
        NUM(now, now_ms);
        NUM(lim, limit);
        const char *argv[] = {[QUEUE_FCALL_HEAD] = due, p, now, lim};
        rc = queue_fcall(queue_cmd(q), on_digest_due, req, QUEUE_FN_DIGEST_DUE, argv, 1, 3);
    }
    vg_free(due);
    if (rc < 0)
        vg_free(req);
    return rc;
}

static void on_digest_take(redisAsyncContext *ac, void *r, void *privdata)
{
    struct alerts_req *req = privdata;
    redisReply *reply = r;
    int result = -3;
    if (reply && reply->type == REDIS_REPLY_INTEGER)
        result = (int)reply->integer;
    else
        warn_error("digest", reply);
    ((queue_digest_take_cb)req->cb)(result, req->arg);
    vg_free(req);
}

int queue_digest_take(struct queue *q, const struct queue_digest_take *t, queue_digest_take_cb cb, void *arg)
{
    const char *p = queue_prefix(q);
    char *items = vg_asprintf("%s" QUEUE_KEY_DIGEST "%s", p, t->owner_key);
    char *due = vg_asprintf("%s" QUEUE_KEY_DIGEST_DUE, p);
    char *sent = vg_asprintf("%s" QUEUE_KEY_DIGEST_SENT "%s:%s", p, t->owner_key, t->period);
    struct alerts_req *req = req_new((void (*)(void))cb, arg, 0);
    int rc = -1;
    if (items && due && sent && req) {
        char now[24], next[24], ttl[24], ml[24];
        NUM(now, t->now_ms);
        NUM(next, t->next_due_ms);
        NUM(ttl, t->ttl_s);
        NUM(ml, t->maxlen);
        const char *argv[] = {[QUEUE_FCALL_HEAD] = items, due, sent, p, t->owner_key, now, t->period,
                              t->period_start, t->period_end, t->created, next, ttl, ml};
        rc = queue_fcall(queue_cmd(q), on_digest_take, req, QUEUE_FN_DIGEST_TAKE, argv, 3, 10);
    }
    vg_free(items);
    vg_free(due);
    vg_free(sent);
    if (rc < 0)
        vg_free(req);
    return rc;
}

/* ---- silences, inhibitions ---------------------------------------------------------------- */

static void on_silences(redisAsyncContext *ac, void *r, void *privdata)
{
    struct alerts_req *req = privdata;
    redisReply *reply = r;
    const char **json = NULL;
    size_t *len = NULL, n = 0;
    int ok = reply && reply->type == REDIS_REPLY_ARRAY;
    if (ok && reply->elements) {
        json = vg_calloc(reply->elements, sizeof(*json));
        len = vg_calloc(reply->elements, sizeof(*len));
        ok = json && len;
        for (size_t i = 0; ok && i < reply->elements; i++)
            if (reply->element[i]->type == REDIS_REPLY_STRING) {
                json[n] = reply->element[i]->str;
                len[n++] = reply->element[i]->len;
            }
    }
    if (!ok)
        warn_error("silences", reply);
    ((queue_silences_cb)req->cb)(ok ? json : NULL, ok ? len : NULL, ok ? n : 0, ok, req->arg);
    vg_free(json);
    vg_free(len);
    vg_free(req);
}

int queue_alert_silences(struct queue *q, queue_silences_cb cb, void *arg)
{
    char *key = vg_asprintf("%s" QUEUE_KEY_SILENCES, queue_prefix(q));
    struct alerts_req *req = req_new((void (*)(void))cb, arg, 0);
    int rc = -1;
    if (key && req) {
        const char *argv[] = {"HVALS", key};
        rc = queue_conn_commandv(queue_cmd(q), on_silences, req, 2, argv, NULL);
    }
    vg_free(key);
    if (rc < 0)
        vg_free(req);
    return rc;
}

static void on_inhibits(redisAsyncContext *ac, void *r, void *privdata)
{
    struct alerts_req *req = privdata;
    redisReply *reply = r;
    const char **values = NULL;
    int ok = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == req->n &&
             (values = vg_calloc(req->n + 1, sizeof(*values)));
    for (size_t i = 0; ok && i < req->n; i++)
        values[i] = reply->element[i]->type == REDIS_REPLY_STRING ? reply->element[i]->str : NULL;
    if (!ok)
        warn_error("inhibitions", reply);
    ((queue_inhibits_cb)req->cb)(ok ? values : NULL, ok ? req->n : 0, ok, req->arg);
    vg_free(values);
    vg_free(req);
}

int queue_alert_inhibits(struct queue *q, const char *const *accounts, size_t n, queue_inhibits_cb cb, void *arg)
{
    if (n == 0)
        return -1;
    struct alerts_req *req = req_new((void (*)(void))cb, arg, n);
    const char **argv = vg_calloc(n + 1, sizeof(*argv));
    size_t made = 0;
    int rc = -1;
    if (!req || !argv)
        goto out;
    argv[0] = "MGET";
    for (; made < n; made++)
        if (!(argv[made + 1] = vg_asprintf("%s" QUEUE_KEY_INHIBIT "%s", queue_prefix(q), accounts[made])))
            goto out;
    rc = queue_conn_commandv(queue_cmd(q), on_inhibits, req, (int)(n + 1), argv, NULL);
out:
    for (size_t i = 0; argv && i < made; i++)
        vg_free((char *)argv[i + 1]);
    vg_free(argv);
    if (rc < 0)
        vg_free(req);
    return rc;
}
