/* queue_console_reads — see queue_console_reads.h. */
#include "queue/queue_console_reads.h"
#include "queue/queue_contract.h"
#include "queue/queue_sync_internal.h"
#include "util/vg_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_id(const void *a, const void *b)
{
    long long x = ((const struct queue_review_key *)a)->id, y = ((const struct queue_review_key *)b)->id;
    return (x > y) - (x < y);
}

int queue_reviews_keys(struct queue_sync *q, struct queue_review_key **out, size_t *n, char *err, size_t errlen)
{
    const char *p = queue_sync_prefix(q);
    *out = NULL;
    *n = 0;
    redisReply *ids = queue_sync_cmd(q, err, errlen, "HKEYS %s" QUEUE_KEY_REVIEWS, p);
    if (!ids)
        return -1;
    size_t m = ids->type == REDIS_REPLY_ARRAY ? ids->elements : 0;
    struct queue_review_key *v = vg_calloc(m + 1, sizeof(*v));
    if (!v) {
        freeReplyObject(ids);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    redisContext *c = queue_sync_ctx(q);
    for (size_t i = 0; i < m; i++)
        redisAppendCommand(c, "HSTRLEN %s" QUEUE_KEY_REVIEWS " %s", p, ids->element[i]->str ? ids->element[i]->str : "");
    int rc = 0;
    for (size_t i = 0; i < m; i++) {
        redisReply *r = queue_sync_reply(q, err, errlen);
        if (!r) {
            rc = -1;
            continue;
        }
        char *end;
        long long id = ids->element[i]->str ? strtoll(ids->element[i]->str, &end, 10) : 0;
        if (id > 0 && !*end && r->type == REDIS_REPLY_INTEGER)
            v[(*n)++] = (struct queue_review_key){id, r->integer};
        freeReplyObject(r);
    }
    freeReplyObject(ids);
    if (rc < 0) {
        vg_free(v);
        *n = 0;
        return -1;
    }
    qsort(v, *n, sizeof(*v), by_id);
    *out = v;
    return 0;
}

char *queue_reviews_get(struct queue_sync *q, long long id, char *err, size_t errlen)
{
    err[0] = '\0';
    redisReply *r = queue_sync_cmd(q, err, errlen, "HGET %s" QUEUE_KEY_REVIEWS " %lld", queue_sync_prefix(q), id);
    if (!r)
        return NULL;
    char *json = r->str ? vg_strdup(r->str) : NULL;
    if (r->str && !json)
        snprintf(err, errlen, "out of memory");
    freeReplyObject(r);
    return json;
}
