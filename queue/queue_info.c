/* queue_info — status figures and dead letters (see queue_info.h). */
#include "queue/queue_info.h"
#include "queue/queue_fcall.h"
#include "queue/queue_int.h"
#include "queue/queue_sync_internal.h"
#include "util/vg_alloc.h"
#include "util/vg_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void queue_group_from_reply(const redisReply *kv, struct queue_group_info *gi)
{
    memset(gi, 0, sizeof(*gi));
    gi->lag = -1;
    for (size_t i = 0; i + 1 < kv->elements; i += 2) {
        const char *k = kv->element[i]->str;
        const redisReply *v = kv->element[i + 1];
        if (!k)
            continue;
        if (strcmp(k, "name") == 0 && v->str)
            snprintf(gi->name, sizeof(gi->name), "%s", v->str);
        else if (strcmp(k, "pending") == 0)
            gi->pending = v->integer;
        else if (strcmp(k, "consumers") == 0)
            gi->consumers = v->integer;
        else if (strcmp(k, "lag") == 0 && v->type == REDIS_REPLY_INTEGER)
            gi->lag = v->integer;
    }
}

/* trimmed:<stream> (group -> count, as HGETALL) onto the stream's groups: a group that no
 * longer exists but lost entries is listed too, so that the loss stays visible. */
static void add_trimmed(struct queue_stream_info *s, const redisReply *h)
{
    for (size_t i = 0; h->type == REDIS_REPLY_ARRAY && i + 1 < h->elements; i += 2) {
        const char *name = h->element[i]->str;
        const char *n = h->element[i + 1]->str;
        if (!name || !n)
            continue;
        struct queue_group_info *gi = NULL;
        for (size_t g = 0; g < s->ngroups && !gi; g++)
            if (strcmp(s->groups[g].name, name) == 0)
                gi = &s->groups[g];
        if (!gi && s->ngroups < QUEUE_INFO_MAX_GROUPS) {
            gi = &s->groups[s->ngroups++];
            memset(gi, 0, sizeof(*gi));
            snprintf(gi->name, sizeof(gi->name), "%s", name);
            gi->lag = -1;
        }
        if (gi)
            gi->trimmed = strtoll(n, NULL, 10);
    }
}

/* The reply of vigie_figures (queue/lua/vigie.lua) into info; -1 when it has another shape. */
static int figures_from_reply(const redisReply *r, struct queue_info *info)
{
    static const char *const names[] = {QUEUE_STREAM_ITEMS, QUEUE_STREAM_SIGNALS, QUEUE_STREAM_CONTACTS,
                                        QUEUE_STREAM_DLQ};
    memset(info, 0, sizeof(*info));
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 8)
        return -1;
    for (size_t i = 0; i < 4; i++) {
        const redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 4)
            return -1;
        struct queue_stream_info *s = &info->streams[info->nstreams++];
        s->name = names[i];
        s->length = e->element[1]->integer;
        const redisReply *g = e->element[2];
        for (size_t k = 0; g->type == REDIS_REPLY_ARRAY && k < g->elements && s->ngroups < QUEUE_INFO_MAX_GROUPS; k++)
            queue_group_from_reply(g->element[k], &s->groups[s->ngroups++]);
        add_trimmed(s, e->element[3]);
    }
    info->sources = r->element[4]->integer;
    info->due = r->element[5]->integer;
    info->failing = r->element[6]->integer;
    info->dlq_dropped = r->element[7]->integer;
    return 0;
}

int queue_info_collect(struct queue_sync *q, struct queue_info *out, char *err, size_t errlen)
{
    const char *p = queue_sync_prefix(q);
    const char *argv[] = {[QUEUE_FCALL_HEAD] = p};
    redisReply *r = queue_fcall_sync(q, err, errlen, QUEUE_FN_FIGURES, argv, 0, 1);
    if (!r)
        return -1;
    int rc = figures_from_reply(r, out);
    freeReplyObject(r);
    if (rc < 0) {
        snprintf(err, errlen, "redis: unexpected reply to vigie_figures");
        return -1;
    }
    redisContext *c = queue_sync_ctx(q);
    /* MISCONF refuses PING too: the one refusal a reader can see without trying a write. */
    redisReply *ping = redisCommand(c, "PING");
    if (ping && ping->type == REDIS_REPLY_ERROR && strncmp(ping->str, "MISCONF", 7) == 0)
        snprintf(out->writes_refused, sizeof(out->writes_refused), "%.*s", (int)strcspn(ping->str, "."), ping->str);
    freeReplyObject(ping);
    /* A few failing sources and why. */
    redisReply *ids = queue_sync_cmd(q, err, errlen, "SRANDMEMBER %s" QUEUE_KEY_FAILING " %d", p, QUEUE_INFO_MAX_ERRORS);
    if (!ids)
        return -1;
    for (size_t i = 0; i < ids->elements; i++) {
        redisAppendCommand(c, "HMGET %s" QUEUE_KEY_SOURCE "%s error_kind last_error", p, ids->element[i]->str);
        redisAppendCommand(c, "HGET %s" QUEUE_KEY_LAST_OK " %s", p, ids->element[i]->str);
    }
    for (size_t i = 0; i < ids->elements; i++) {
        redisReply *e = queue_sync_reply(q, err, errlen);
        redisReply *ok = queue_sync_reply(q, err, errlen);
        if (!e || !ok) {
            freeReplyObject(e);
            freeReplyObject(ok);
            rc = -1;
            continue;
        }
        if (e->elements == 2 && out->nerrors < QUEUE_INFO_MAX_ERRORS) {
            size_t k = out->nerrors++;
            out->errors[k].last_ok_ms = ok->str ? strtoll(ok->str, NULL, 10) : 0;
            snprintf(out->errors[k].id, sizeof(out->errors[k].id), "%s", ids->element[i]->str);
            snprintf(out->errors[k].kind, sizeof(out->errors[k].kind), "%s",
                     e->element[0]->str ? e->element[0]->str : "");
            snprintf(out->errors[k].error, sizeof(out->errors[k].error), "%s",
                     e->element[1]->str ? e->element[1]->str : "");
        }
        freeReplyObject(e);
        freeReplyObject(ok);
    }
    freeReplyObject(ids);
    return rc;
}

struct figures_req {
    void (*cb)(const struct queue_info *, void *);
    void *arg;
};

static void on_figures(redisAsyncContext *ac, void *reply, void *privdata)
{
    struct figures_req *req = privdata;
    struct queue_info info;
    int ok = figures_from_reply(reply, &info) == 0;
    req->cb(ok ? &info : NULL, req->arg);
    vg_free(req);
}

int queue_figures(struct queue *q, void (*cb)(const struct queue_info *info, void *arg), void *arg)
{
    struct figures_req *req = vg_malloc(sizeof(*req));
    if (!req)
        return -1;
    req->cb = cb;
    req->arg = arg;
    const char *argv[] = {[QUEUE_FCALL_HEAD] = queue_prefix(q)};
    if (queue_fcall(queue_cmd(q), on_figures, req, QUEUE_FN_FIGURES, argv, 0, 1) < 0) {
        vg_free(req);
        return -1;
    }
    return 0;
}

/* ---- dead letters ------------------------------------------------------------ */

static int fill_dead_letter(struct queue_dead_letter *d, redisReply *entry)
{
    memset(d, 0, sizeof(*d));
    if (!(d->id = vg_strdup(entry->element[0]->str)))
        return -1;
    redisReply *f = entry->element[1];
    for (size_t i = 0; i + 1 < f->elements; i += 2) {
        const char *k = f->element[i]->str, *v = f->element[i + 1]->str;
        char **dst = NULL;
        if (!k || !v)
            continue;
        if (strcmp(k, "stream") == 0) dst = &d->stream;
        else if (strcmp(k, "field") == 0) dst = &d->field;
        else if (strcmp(k, "group") == 0) dst = &d->group;
        else if (strcmp(k, "entry") == 0) dst = &d->entry;
        else if (strcmp(k, "error") == 0) dst = &d->error;
        else if (strcmp(k, "payload") == 0) dst = &d->payload;
        else if (strcmp(k, "deliveries") == 0) d->deliveries = strtoll(v, NULL, 10);
        if (dst && !(*dst = vg_strdup(v)))
            return -1;
    }
    return 0;
}

int queue_dlq_list(struct queue_sync *q, const char *id, size_t limit, struct queue_dead_letter **out,
                   size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    redisReply *r = id ? queue_sync_cmd(q, err, errlen, "XRANGE %s" QUEUE_STREAM_DLQ " %s %s", queue_sync_prefix(q), id, id)
                       : queue_sync_cmd(q, err, errlen, "XRANGE %s" QUEUE_STREAM_DLQ " - + COUNT %llu", queue_sync_prefix(q), (unsigned long long)limit);
    if (!r)
        return -1;
    struct queue_dead_letter *v = vg_calloc(r->elements + 1, sizeof(*v));
    if (!v) {
        freeReplyObject(r);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < r->elements; i++) {
        if (fill_dead_letter(&v[i], r->element[i]) < 0) {
            queue_dead_letters_free(v, i + 1);
            freeReplyObject(r);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    *n = r->elements;
    *out = v;
    freeReplyObject(r);
    return 0;
}

int queue_dlq_replay(struct queue_sync *q, const char *id, char *err, size_t errlen)
{
    struct queue_dead_letter *d;
    size_t n;
    if (queue_dlq_list(q, id, 1, &d, &n, err, errlen) < 0)
        return -1;
    if (n == 0) {
        vg_free(d);
        return 0;
    }
    int rc = -1;
    if (!d->stream || !d->payload || !d->field || !d->field[0]) {
        snprintf(err, errlen, "dead letter %s has no payload to replay (drop it instead)", id);
        goto out;
    }
    redisContext *c = queue_sync_ctx(q);
    const char *p = queue_sync_prefix(q);
    int sink = d->group && strncmp(d->group, QUEUE_GROUP_SINK, strlen(QUEUE_GROUP_SINK)) == 0;
    int replies = 4;
    redisAppendCommand(c, "MULTI");
    if (sink) {
        /* A sink's: back to that sink alone, on its group's replay stream, naming the stream
         * and entry it was first written as (see queue_contract.h). The group is made here
         * if the sink has not made it yet (BUSYGROUP otherwise, which EXEC reports and the
         * rest ignores), so that trimming by age below waits for the sink. */
        redisAppendCommand(c, "XGROUP CREATE %s" QUEUE_STREAM_REPLAY "%s %s 0 MKSTREAM", p, d->group, d->group);
        redisAppendCommand(c, "XADD %s" QUEUE_STREAM_REPLAY "%s * %s %s " QUEUE_FIELD_ORIGIN_STREAM " %s "
                           QUEUE_FIELD_ORIGIN_ENTRY " %s", p, d->group, d->field, d->payload,
                           d->stream, d->entry ? d->entry : "");
        replies++;
    } else
        redisAppendCommand(c, "XADD %s * %s %s", d->stream, d->field, d->payload);
    redisAppendCommand(c, "XDEL %s" QUEUE_STREAM_DLQ " %s", p, id);
    redisAppendCommand(c, "EXEC");
    rc = 1;
    for (int i = 0; i < replies; i++) {
        redisReply *r = queue_sync_reply(q, err, errlen);
        if (!r || (i == replies - 1 && r->type != REDIS_REPLY_ARRAY))
            rc = -1;
        if (r)
            freeReplyObject(r);
    }
    if (rc == 1 && sink) {
        /* The replay stream's bound (QUEUE_REPLAY_*): only replays write it, so each trims it. */
        char *key = vg_asprintf("%s" QUEUE_STREAM_REPLAY "%s", p, d->group);
        char *counter = vg_asprintf("%s" QUEUE_KEY_TRIMMED QUEUE_STREAM_REPLAY "%s", p, d->group);
        char ret[24], cap[24];
        snprintf(ret, sizeof(ret), "%lld", QUEUE_REPLAY_RETENTION_MS);
        snprintf(cap, sizeof(cap), "%d", QUEUE_REPLAY_MAXLEN);
        const char *argv[] = {[QUEUE_FCALL_HEAD] = key, counter, ret, cap};
        redisReply *r = key && counter ? queue_fcall_sync(q, err, errlen, QUEUE_FN_TRIM, argv, 2, 2) : NULL;
        if (!r)
            rc = -1;
        else
            freeReplyObject(r);
        vg_free(key);
        vg_free(counter);
    }
out:
    queue_dead_letters_free(d, n);
    return rc;
}

int queue_dlq_drop(struct queue_sync *q, const char *id, char *err, size_t errlen)
{
    redisReply *r = queue_sync_cmd(q, err, errlen, "XDEL %s" QUEUE_STREAM_DLQ " %s", queue_sync_prefix(q), id);
    if (!r)
        return -1;
    int rc = r->integer > 0;
    freeReplyObject(r);
    return rc;
}

void queue_dead_letters_free(struct queue_dead_letter *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        vg_free(v[i].id);
        vg_free(v[i].stream);
        vg_free(v[i].field);
        vg_free(v[i].group);
        vg_free(v[i].entry);
        vg_free(v[i].error);
        vg_free(v[i].payload);
    }
    vg_free(v);
}
