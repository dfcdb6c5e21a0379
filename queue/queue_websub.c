/* queue_websub — WebSub subscriptions in Redis (see queue_websub.h). */
#include "queue/queue_websub.h"
#include "queue/queue_contract.h"
#include "queue/queue_int.h"
#include "queue/queue_sync_internal.h"
#include "util/vg_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void queue_websub_clear(struct queue_websub *s)
{
    char **strs[] = {&s->id, &s->kind, &s->account_id, &s->hub, &s->topic, &s->secret, &s->token,
                     &s->state, &s->last_error};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        vg_free(*strs[i]);
    memset(s, 0, sizeof(*s));
}

void queue_websubs_free(struct queue_websub *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        queue_websub_clear(&v[i]);
    vg_free(v);
}

/* Reads an HGETALL reply into s: 0, -1 when it is not a whole subscription (no token or
 * topic: written by hand, or half-deleted) or out of memory. */
static int from_reply(const char *id, const redisReply *r, struct queue_websub *s)
{
    memset(s, 0, sizeof(*s));
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements == 0)
        return -1;
    s->id = vg_strdup(id);
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const char *k = r->element[i]->str, *v = r->element[i + 1]->str;
        if (!k || !v)
            continue;
        char **str = strcmp(k, "kind") == 0         ? &s->kind
                     : strcmp(k, "account_id") == 0 ? &s->account_id
                     : strcmp(k, "hub") == 0        ? &s->hub
                     : strcmp(k, "topic") == 0      ? &s->topic
                     : strcmp(k, "secret") == 0     ? &s->secret
                     : strcmp(k, "token") == 0      ? &s->token
                     : strcmp(k, "state") == 0      ? &s->state
                     : strcmp(k, "last_error") == 0 ? &s->last_error
                                                    : NULL;
        if (str) {
            vg_free(*str);
            *str = vg_strdup(v);
            continue;
        }
        long long n = strtoll(v, NULL, 10);
        if (strcmp(k, "requested_ms") == 0)
            s->requested_ms = n;
        else if (strcmp(k, "verified_ms") == 0)
            s->verified_ms = n;
        else if (strcmp(k, "expires_ms") == 0)
            s->expires_ms = n;
        else if (strcmp(k, "next_try_ms") == 0)
            s->next_try_ms = n;
        else if (strcmp(k, "lease_s") == 0)
            s->lease_s = n;
        else if (strcmp(k, "attempts") == 0)
            s->attempts = n;
    }
    char **need[] = {&s->kind, &s->account_id, &s->hub, &s->topic, &s->secret, &s->token, &s->state, &s->last_error};
    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
        if (!*need[i])
            *need[i] = vg_strdup("");
    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
        if (!*need[i] || !s->id) {
            queue_websub_clear(s);
            return -1;
        }
    if (!s->token[0] || !s->topic[0] || !s->hub[0]) {
        queue_websub_clear(s);
        return -1;
    }
    return 0;
}

int queue_websub_put(struct queue *q, const struct queue_websub *s)
{
    const char *p = queue_prefix(q);
    char rq[24], vf[24], ex[24], nt[24], ls[24], at[24];
    snprintf(rq, sizeof(rq), "%lld", (long long)s->requested_ms);
    snprintf(vf, sizeof(vf), "%lld", (long long)s->verified_ms);
    snprintf(ex, sizeof(ex), "%lld", (long long)s->expires_ms);
    snprintf(nt, sizeof(nt), "%lld", (long long)s->next_try_ms);
    snprintf(ls, sizeof(ls), "%lld", s->lease_s);
    snprintf(at, sizeof(at), "%lld", s->attempts);
    char *key = vg_asprintf("%s%s%s", p, QUEUE_KEY_WEBSUB, s->id);
    char *tokens = vg_asprintf("%s%s", p, QUEUE_KEY_WEBSUB_TOKENS);
    const char *argv[] = {"HSET", key, "kind", s->kind ? s->kind : "", "account_id", s->account_id ? s->account_id : "",
                          "hub", s->hub, "topic", s->topic, "secret", s->secret, "token", s->token,
                          "state", s->state, "last_error", s->last_error ? s->last_error : "",
                          "requested_ms", rq, "verified_ms", vf, "expires_ms", ex, "next_try_ms", nt,
                          "lease_s", ls, "attempts", at};
    int rc = -1;
    if (key && tokens &&
        queue_conn_commandv(queue_cmd(q), NULL, NULL, (int)(sizeof(argv) / sizeof(argv[0])), argv, NULL) == 0)
        rc = queue_conn_command(queue_cmd(q), NULL, NULL, "HSET %s %s %s", tokens, s->token, s->id);
    vg_free(key);
    vg_free(tokens);
    return rc;
}

int queue_websub_del(struct queue *q, const char *id, const char *token)
{
    const char *p = queue_prefix(q);
    if (token && token[0] &&
        queue_conn_command(queue_cmd(q), NULL, NULL, "HDEL %s%s %s", p, QUEUE_KEY_WEBSUB_TOKENS, token) < 0)
        return -1;
    return queue_conn_command(queue_cmd(q), NULL, NULL, "DEL %s%s%s", p, QUEUE_KEY_WEBSUB, id);
}

/* ---- load ------------------------------------------------------------------------- */

struct load {
    struct queue *q;
    queue_websub_load_cb cb;
    void *arg;
    struct queue_websub *v;
    size_t n, waiting;
    int failed;
};

struct load_one {
    struct load *l;
    char *id;
};

static void load_finish(struct load *l)
{
    l->cb(l->failed ? NULL : l->v, l->failed ? 0 : l->n, l->failed ? "could not read the WebSub subscriptions" : NULL,
          l->arg);
    if (l->failed)
        queue_websubs_free(l->v, l->n);
    vg_free(l);
}

static void on_one(redisAsyncContext *ac, void *r, void *privdata)
{
    struct load_one *o = privdata;
    struct load *l = o->l;
    redisReply *reply = r;
    (void)ac;
    if (!reply || reply->type == REDIS_REPLY_ERROR)
        l->failed = 1;
    else if (from_reply(o->id, reply, &l->v[l->n]) == 0)
        l->n++;
    vg_free(o->id);
    vg_free(o);
    if (--l->waiting == 0)
        load_finish(l);
}

static void on_tokens(redisAsyncContext *ac, void *r, void *privdata)
{
    struct load *l = privdata;
    redisReply *reply = r;
    (void)ac;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        l->failed = 1;
        load_finish(l);
        return;
    }
    size_t n = reply->elements / 2;
    if (n == 0) {
        load_finish(l);
        return;
    }
    if (!(l->v = vg_calloc(n, sizeof(*l->v)))) {
        l->failed = 1;
        load_finish(l);
        return;
    }
    l->waiting = 1; /* held until every read is sent */
    for (size_t i = 0; i < n; i++) {
        const redisReply *id = reply->element[2 * i + 1];
        struct load_one *o = vg_calloc(1, sizeof(*o));
        if (!o || !id->str || !(o->id = vg_strdup(id->str))) {
            vg_free(o);
            l->failed = 1;
            continue;
        }
        o->l = l;
        if (queue_conn_command(queue_cmd(l->q), on_one, o, "HGETALL %s%s%s", queue_prefix(l->q), QUEUE_KEY_WEBSUB,
                               o->id) < 0) {
            vg_free(o->id);
            vg_free(o);
            l->failed = 1;
            continue;
        }
        l->waiting++;
    }
    if (--l->waiting == 0)
        load_finish(l);
}

int queue_websub_load(struct queue *q, queue_websub_load_cb cb, void *arg)
{
    struct load *l = vg_calloc(1, sizeof(*l));
    if (!l)
        return -1;
    l->q = q;
    l->cb = cb;
    l->arg = arg;
    if (queue_conn_command(queue_cmd(q), on_tokens, l, "HGETALL %s%s", queue_prefix(q), QUEUE_KEY_WEBSUB_TOKENS) < 0) {
        vg_free(l);
        return -1;
    }
    return 0;
}

/* ---- sources still there ------------------------------------------------------------- */

struct exists_req {
    queue_websub_exists_cb cb;
    void *arg;
    size_t n;
};

static void on_exists(redisAsyncContext *ac, void *r, void *privdata)
{
    struct exists_req *req = privdata;
    redisReply *reply = r;
    (void)ac;
    int *present = NULL;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == req->n &&
        (present = vg_calloc(req->n ? req->n : 1, sizeof(*present))))
        for (size_t i = 0; i < req->n; i++)
            present[i] = reply->element[i]->type != REDIS_REPLY_NIL;
    req->cb(present, req->n, req->arg);
    vg_free(present);
    vg_free(req);
}

int queue_websub_sources_exist(struct queue *q, const char *const *ids, size_t n, queue_websub_exists_cb cb,
                               void *arg)
{
    struct exists_req *req = vg_calloc(1, sizeof(*req));
    const char **argv = vg_calloc(n + 2, sizeof(*argv));
    char *key = vg_asprintf("%s%s", queue_prefix(q), QUEUE_KEY_DUE);
    int rc = -1;
    if (req && argv && key && n > 0) {
        req->cb = cb;
        req->arg = arg;
        req->n = n;
        argv[0] = "ZMSCORE";
        argv[1] = key;
        for (size_t i = 0; i < n; i++)
            argv[2 + i] = ids[i];
        rc = queue_conn_commandv(queue_cmd(q), on_exists, req, (int)(n + 2), argv, NULL);
    }
    if (rc < 0)
        vg_free(req);
    vg_free(argv);
    vg_free(key);
    return rc;
}

/* ---- the commands' reads --------------------------------------------------------------- */

int queue_websub_get(struct queue_sync *q, const char *id, struct queue_websub *out, char *err, size_t errlen)
{
    redisReply *r = queue_sync_cmd(q, err, errlen, "HGETALL %s%s%s", queue_sync_prefix(q), QUEUE_KEY_WEBSUB, id);
    if (!r)
        return -1;
    int found = from_reply(id, r, out) == 0;
    freeReplyObject(r);
    return found;
}

int queue_websub_list(struct queue_sync *q, struct queue_websub **out, size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    redisReply *r = queue_sync_cmd(q, err, errlen, "HVALS %s%s", queue_sync_prefix(q), QUEUE_KEY_WEBSUB_TOKENS);
    if (!r)
        return -1;
    struct queue_websub *v = r->type == REDIS_REPLY_ARRAY && r->elements ? vg_calloc(r->elements, sizeof(*v)) : NULL;
    size_t k = 0;
    for (size_t i = 0; v && i < r->elements; i++) {
        if (!r->element[i]->str)
            continue;
        int rc = queue_websub_get(q, r->element[i]->str, &v[k], err, errlen);
        if (rc < 0) {
            queue_websubs_free(v, k);
            freeReplyObject(r);
            return -1;
        }
        k += (size_t)rc;
    }
    freeReplyObject(r);
    *out = v;
    *n = k;
    return 0;
}
