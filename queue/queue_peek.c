/* queue_peek — reading what a group has not been handed yet, and the sinks' figures (see
 * queue_peek.h). */
#include "queue/queue_peek.h"
#include "queue/queue_contract.h"
#include "queue/queue_sync_internal.h"
#include "util/vg_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The group's last-delivered-id on the stream, "-" when the group (or the stream) is absent. */
static int last_delivered(struct queue_sync *q, const char *key, const char *group, char *out, size_t outlen,
                          char *err, size_t errlen)
{
    snprintf(out, outlen, "-");
    redisReply *r = queue_sync_cmd(q, err, errlen, "XINFO GROUPS %s", key);
    if (!r) {
        if (strstr(err, "no such key")) {
            err[0] = '\0';
            return 0;
        }
        return -1;
    }
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        redisReply *g = r->element[i];
        const char *name = NULL, *last = NULL;
        for (size_t k = 0; g->type == REDIS_REPLY_ARRAY && k + 1 < g->elements; k += 2) {
            if (!g->element[k]->str)
                continue;
            if (strcmp(g->element[k]->str, "name") == 0)
                name = g->element[k + 1]->str;
            else if (strcmp(g->element[k]->str, "last-delivered-id") == 0)
                last = g->element[k + 1]->str;
        }
        if (name && last && strcmp(name, group) == 0)
            snprintf(out, outlen, "(%s", last); /* exclusive range start (Redis 6.2+) */
    }
    freeReplyObject(r);
    return 0;
}

int queue_peek_undelivered(struct queue_sync *q, const char *stream, const char *group, size_t limit,
                           struct queue_peeked **v, size_t *n, char *err, size_t errlen)
{
    char key[256], start[80], count[24];
    snprintf(key, sizeof(key), "%s%s", queue_sync_prefix(q), stream);
    if (last_delivered(q, key, group, start, sizeof(start), err, errlen) < 0)
        return -1;
    snprintf(count, sizeof(count), "%zu", limit);
    const char *argv[] = {"XRANGE", key, start, "+", "COUNT", count};
    redisReply *r = queue_sync_cmdv(q, err, errlen, 6, argv);
    if (!r)
        return -1;
    int rc = 0;
    struct queue_peeked *nv = vg_realloc(*v, (*n + r->elements + 1) * sizeof(*nv));
    if (!nv) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
        goto out;
    }
    *v = nv;
    for (size_t i = 0; i < r->elements; i++) {
        redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 || e->element[1]->type != REDIS_REPLY_ARRAY ||
            e->element[1]->elements < 2)
            continue;
        redisReply *f = e->element[1];
        struct queue_peeked *p = &nv[*n];
        p->stream = vg_strdup(stream);
        p->id = vg_strdup(e->element[0]->str);
        p->field = vg_strdup(f->element[0]->str ? f->element[0]->str : "");
        p->payload = vg_strndup(f->element[1]->str ? f->element[1]->str : "", f->element[1]->len);
        p->len = f->element[1]->len;
        (*n)++;
        if (!p->stream || !p->id || !p->field || !p->payload) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
            break;
        }
    }
out:
    freeReplyObject(r);
    return rc;
}

void queue_peeked_free(struct queue_peeked *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        vg_free(v[i].stream);
        vg_free(v[i].id);
        vg_free(v[i].field);
        vg_free(v[i].payload);
    }
    vg_free(v);
}

static int cmp_fig(const void *a, const void *b)
{
    return strcmp(((const struct queue_sink_figures *)a)->name, ((const struct queue_sink_figures *)b)->name);
}

int queue_sink_figures(struct queue_sync *q, struct queue_sink_figures **v, size_t *n, char *err, size_t errlen)
{
    *v = NULL;
    *n = 0;
    char pattern[256];
    int head = snprintf(pattern, sizeof(pattern), "%s" QUEUE_KEY_MARK "%s:", queue_sync_prefix(q),
                        QUEUE_MARKS_SINK_STATUS);
    snprintf(pattern + head, sizeof(pattern) - (size_t)head, "*");
    char cursor[32] = "0";
    do {
        const char *argv[] = {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"};
        redisReply *r = queue_sync_cmdv(q, err, errlen, 6, argv);
        if (!r)
            goto fail;
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
            freeReplyObject(r);
            snprintf(err, errlen, "unexpected SCAN reply");
            goto fail;
        }
        snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
        redisReply *keys = r->element[1];
        for (size_t i = 0; i < keys->elements; i++) {
            redisReply *g = queue_sync_cmd(q, err, errlen, "GET %s", keys->element[i]->str);
            if (!g) {
                freeReplyObject(r);
                goto fail;
            }
            if (g->type == REDIS_REPLY_STRING) {
                struct queue_sink_figures *nv = vg_realloc(*v, (*n + 1) * sizeof(*nv));
                if (nv) {
                    *v = nv;
                    nv[*n].name = vg_strdup(keys->element[i]->str + head);
                    nv[*n].json = vg_strdup(g->str);
                    (*n)++;
                }
            }
            freeReplyObject(g);
        }
        freeReplyObject(r);
    } while (strcmp(cursor, "0") != 0);
    if (*n)
        qsort(*v, *n, sizeof(**v), cmp_fig);
    return 0;
fail:
    queue_sink_figures_free(*v, *n);
    *v = NULL;
    *n = 0;
    return -1;
}

void queue_sink_figures_free(struct queue_sink_figures *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        vg_free(v[i].name);
        vg_free(v[i].json);
    }
    vg_free(v);
}
