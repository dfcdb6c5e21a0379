/* queue_info — status figures and dead letters (see queue_info.h). */
#include "queue/queue_info.h"
#include "queue/queue_int.h"
#include "queue/queue_sync_internal.h"
#include "daemon/vg_alloc.h"
#include "daemon/vg_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const stream_names[] = {"items", "signals", "contacts", "dlq"};

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

static void read_groups(redisReply *r, struct queue_stream_info *s)
{
    for (size_t g = 0; g < r->elements && s->ngroups < QUEUE_INFO_MAX_GROUPS; g++)
        queue_group_from_reply(r->element[g], &s->groups[s->ngroups++]);
}

int queue_info_collect(struct queue_sync *q, struct queue_info *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    redisContext *c = queue_sync_ctx(q);
    const char *p = queue_sync_prefix(q);
    size_t ns = sizeof(stream_names) / sizeof(stream_names[0]);
    for (size_t i = 0; i < ns; i++) {
        redisAppendCommand(c, "XLEN %s%s", p, stream_names[i]);
        redisAppendCommand(c, "XINFO GROUPS %s%s", p, stream_names[i]);
    }
    redisAppendCommand(c, "SCARD %ssources", p);
    redisAppendCommand(c, "ZCOUNT %sdue -inf %lld", p, (long long)vg_wall_ms());
    redisAppendCommand(c, "SCARD %sfailing", p);
    redisAppendCommand(c, "SRANDMEMBER %sfailing %d", p, QUEUE_INFO_MAX_ERRORS);
    int rc = 0;
    for (size_t i = 0; i < ns; i++) {
        struct queue_stream_info *s = &out->streams[out->nstreams++];
        s->name = stream_names[i];
        redisReply *len = queue_sync_reply(q, err, errlen);
        if (!len)
            rc = -1;
        else {
            s->length = len->integer;
            freeReplyObject(len);
        }
        /* XINFO GROUPS fails on a stream that does not exist yet: that is "no groups". */
        void *r = NULL;
        if (redisGetReply(c, &r) != REDIS_OK) {
            snprintf(err, errlen, "redis: %s", c->errstr);
            return -1;
        }
        redisReply *groups = r;
        if (groups->type == REDIS_REPLY_ARRAY)
            read_groups(groups, s);
        freeReplyObject(groups);
    }
    long long *counts[] = {&out->sources, &out->due, &out->failing};
    for (int i = 0; i < 3; i++) {
        redisReply *r = queue_sync_reply(q, err, errlen);
        if (!r)
            return -1;
        *counts[i] = r->integer;
        freeReplyObject(r);
    }
    redisReply *ids = queue_sync_reply(q, err, errlen);
    if (!ids)
        return -1;
    for (size_t i = 0; i < ids->elements; i++)
        redisAppendCommand(c, "HMGET %ssource:%s error_kind last_error", p, ids->element[i]->str);
    for (size_t i = 0; i < ids->elements; i++) {
        redisReply *r = queue_sync_reply(q, err, errlen);
        if (!r) {
            rc = -1;
            continue;
        }
        if (r->elements == 2 && out->nerrors < QUEUE_INFO_MAX_ERRORS) {
            size_t k = out->nerrors++;
            snprintf(out->errors[k].id, sizeof(out->errors[k].id), "%s", ids->element[i]->str);
            snprintf(out->errors[k].kind, sizeof(out->errors[k].kind), "%s",
                     r->element[0]->str ? r->element[0]->str : "");
            snprintf(out->errors[k].error, sizeof(out->errors[k].error), "%s",
                     r->element[1]->str ? r->element[1]->str : "");
        }
        freeReplyObject(r);
    }
    freeReplyObject(ids);
    return rc;
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
    redisReply *r = id ? queue_sync_cmd(q, err, errlen, "XRANGE %sdlq %s %s", queue_sync_prefix(q), id, id)
                       : queue_sync_cmd(q, err, errlen, "XRANGE %sdlq - + COUNT %llu", queue_sync_prefix(q), (unsigned long long)limit);
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
    redisAppendCommand(c, "MULTI");
    redisAppendCommand(c, "XADD %s * %s %s", d->stream, d->field, d->payload);
    redisAppendCommand(c, "XDEL %sdlq %s", queue_sync_prefix(q), id);
    redisAppendCommand(c, "EXEC");
    rc = 1;
    for (int i = 0; i < 4; i++) {
        redisReply *r = queue_sync_reply(q, err, errlen);
        if (!r || (i == 3 && r->type != REDIS_REPLY_ARRAY))
            rc = -1;
        if (r)
            freeReplyObject(r);
    }
out:
    queue_dead_letters_free(d, n);
    return rc;
}

int queue_dlq_drop(struct queue_sync *q, const char *id, char *err, size_t errlen)
{
    redisReply *r = queue_sync_cmd(q, err, errlen, "XDEL %sdlq %s", queue_sync_prefix(q), id);
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
