/* queue_reviews — saved reviews and tier decisions (see queue_reviews.h). */
#include "queue/queue_reviews.h"
#include "queue/queue_contract.h"
#include "queue/queue_sync_internal.h"
#include "queue/queue_txn.h"
#include "util/vg_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long long queue_reviews_next_id(struct queue_sync *q, char *err, size_t errlen)
{
    redisReply *r = queue_sync_cmd(q, err, errlen, "INCR %s" QUEUE_KEY_REVIEWS_SEQ, queue_sync_prefix(q));
    if (!r)
        return -1;
    long long id = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (id < 0)
        snprintf(err, errlen, "INCR reviews:seq: unexpected reply");
    freeReplyObject(r);
    return id;
}

int queue_reviews_put(struct queue_sync *q, long long id, const char *json, char *err, size_t errlen)
{
    redisReply *r = queue_sync_cmd(q, err, errlen, "HSET %s" QUEUE_KEY_REVIEWS " %lld %s", queue_sync_prefix(q), id,
                                   json);
    if (!r)
        return -1;
    freeReplyObject(r);
    return 0;
}

struct saved {
    long long id;
    char *json;
};

static int by_id(const void *a, const void *b)
{
    long long x = ((const struct saved *)a)->id, y = ((const struct saved *)b)->id;
    return x < y ? -1 : x > y;
}

int queue_reviews_all(struct queue_sync *q, char ***json, size_t *n, char *err, size_t errlen)
{
    *json = NULL;
    *n = 0;
    redisReply *r = queue_sync_cmd(q, err, errlen, "HGETALL %s" QUEUE_KEY_REVIEWS, queue_sync_prefix(q));
    if (!r)
        return -1;
    if (r->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "HGETALL reviews: unexpected reply");
        freeReplyObject(r);
        return -1;
    }
    size_t count = r->elements / 2;
    struct saved *v = vg_calloc(count + 1, sizeof(*v));
    char **out = vg_calloc(count + 1, sizeof(*out));
    int rc = -1;
    if (!v || !out)
        goto out;
    for (size_t i = 0; i < count; i++) {
        v[i].id = strtoll(r->element[2 * i]->str, NULL, 10);
        v[i].json = r->element[2 * i + 1]->str;
    }
    qsort(v, count, sizeof(*v), by_id); /* the hash has no order: by id, the order of saving */
    for (size_t i = 0; i < count; i++)
        if (!(out[i] = vg_strdup(v[i].json))) {
            queue_reviews_free(out, i);
            out = NULL;
            goto out;
        }
    *json = out;
    *n = count;
    out = NULL;
    rc = 0;
out:
    if (rc)
        snprintf(err, errlen, "out of memory");
    vg_free(out);
    vg_free(v);
    freeReplyObject(r);
    return rc;
}

void queue_reviews_free(char **json, size_t n)
{
    for (size_t i = 0; json && i < n; i++)
        vg_free(json[i]);
    vg_free(json);
}

int queue_tier_decide(struct queue_sync *q, const char *id, const char *account_json, const char *decision_json,
                      char *err, size_t errlen)
{
    redisContext *c = queue_sync_ctx(q);
    const char *p = queue_sync_prefix(q);
    redisAppendCommand(c, "MULTI");
    redisAppendCommand(c, "HSET %s" QUEUE_KEY_ACCOUNTS " %s %s", p, id, account_json);
    redisAppendCommand(c, "RPUSH %s" QUEUE_KEY_TIER_DECISIONS "%s %s", p, id, decision_json);
    redisAppendCommand(c, "INCR %s" QUEUE_KEY_ACCOUNTS_VERSION, p);
    redisAppendCommand(c, "EXEC");
    redisReply *r;
    enum queue_txn_outcome out = queue_txn_exec(q, 3, &r, err, errlen);
    if (out == QUEUE_TXN_APPLIED)
        out = queue_txn_check(&r, err, errlen);
    if (out != QUEUE_TXN_APPLIED)
        return -1;
    freeReplyObject(r);
    return 0;
}

int queue_tier_last(struct queue_sync *q, const char *const *ids, size_t n, char **out, char *err, size_t errlen)
{
    redisContext *c = queue_sync_ctx(q);
    const char *p = queue_sync_prefix(q);
    for (size_t i = 0; i < n; i++) {
        out[i] = NULL;
        redisAppendCommand(c, "LINDEX %s" QUEUE_KEY_TIER_DECISIONS "%s -1", p, ids[i]);
    }
    int rc = 0;
    for (size_t i = 0; i < n; i++) { /* every reply is read, so the connection stays in step */
        redisReply *r = queue_sync_reply(q, err, errlen);
        if (!r) {
            rc = -1;
            continue;
        }
        if (r->type == REDIS_REPLY_STRING && !(out[i] = vg_strndup(r->str, r->len))) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
        freeReplyObject(r);
    }
    if (rc)
        for (size_t i = 0; i < n; i++) {
            vg_free(out[i]);
            out[i] = NULL;
        }
    return rc;
}

/* ---- the scheduled review ------------------------------------------------------------------ */

int queue_review_sched_take(struct queue_sync *q, const char *period, const char *instance, long long lease_ms,
                            long long *done_id, char *err, size_t errlen)
{
    const char *p = queue_sync_prefix(q);
    *done_id = 0;
    redisReply *r = queue_sync_cmd(q, err, errlen, "GET %s" QUEUE_KEY_REVIEW_DONE "%s", p, period);
    if (!r)
        return -1;
    if (r->type == REDIS_REPLY_STRING) {
        *done_id = strtoll(r->str, NULL, 10);
        freeReplyObject(r);
        return 0;
    }
    freeReplyObject(r);
    r = queue_sync_cmd(q, err, errlen, "SET %s" QUEUE_KEY_REVIEW_LEASE "%s %s NX PX %lld", p, period, instance,
                       lease_ms);
    if (!r)
        return -1;
    int taken = r->type == REDIS_REPLY_STATUS;
    freeReplyObject(r);
    return taken;
}

void queue_review_sched_release(struct queue_sync *q, const char *period, const char *instance)
{
    char err[256];
    const char *p = queue_sync_prefix(q);
    redisReply *r = queue_sync_cmd(q, err, sizeof(err), "GET %s" QUEUE_KEY_REVIEW_LEASE "%s", p, period);
    int mine = r && r->type == REDIS_REPLY_STRING && strcmp(r->str, instance) == 0;
    if (r)
        freeReplyObject(r);
    if (mine && (r = queue_sync_cmd(q, err, sizeof(err), "DEL %s" QUEUE_KEY_REVIEW_LEASE "%s", p, period)))
        freeReplyObject(r);
}

int queue_review_sched_commit(struct queue_sync *q, const char *period, long long id, const char *review_json,
                              const char *const *emails, size_t n_emails, const char *outbox, long long maxlen,
                              long long keep_s, char *err, size_t errlen)
{
    redisContext *c = queue_sync_ctx(q);
    const char *p = queue_sync_prefix(q);
    /* The done mark is watched: a process whose lease ran out while it worked (a review of a
     * huge stream, a stalled machine) and another that took the period meanwhile cannot both
     * write it. */
    redisReply *r = queue_sync_cmd(q, err, errlen, "WATCH %s" QUEUE_KEY_REVIEW_DONE "%s", p, period);
    if (!r)
        return -1;
    freeReplyObject(r);
    r = queue_sync_cmd(q, err, errlen, "EXISTS %s" QUEUE_KEY_REVIEW_DONE "%s", p, period);
    if (!r)
        return -1;
    int done = r->type == REDIS_REPLY_INTEGER && r->integer > 0;
    freeReplyObject(r);
    if (done) {
        if ((r = queue_sync_cmd(q, err, errlen, "UNWATCH")))
            freeReplyObject(r);
        return 0;
    }
    size_t n = 0;
    redisAppendCommand(c, "MULTI");
    redisAppendCommand(c, "HSET %s" QUEUE_KEY_REVIEWS " %lld %s", p, id, review_json);
    n++;
    for (size_t i = 0; i < n_emails; i++, n++)
        redisAppendCommand(c, "XADD %s" QUEUE_STREAM_ALERTS "email MAXLEN ~ %lld * " QUEUE_FIELD_ALERT " %s", p,
                           maxlen, emails[i]);
    if (outbox) {
        redisAppendCommand(c, "XADD %s" QUEUE_STREAM_REPORTS " MAXLEN ~ %lld * " QUEUE_FIELD_REVIEW " %s", p, maxlen,
                           outbox);
        n++;
    }
    redisAppendCommand(c, "SET %s" QUEUE_KEY_REVIEW_DONE "%s %lld EX %lld", p, period, id, keep_s);
    redisAppendCommand(c, "DEL %s" QUEUE_KEY_REVIEW_LEASE "%s", p, period);
    n += 2;
    redisAppendCommand(c, "EXEC");
    enum queue_txn_outcome out = queue_txn_exec(q, n, &r, err, errlen);
    if (out == QUEUE_TXN_APPLIED)
        out = queue_txn_check(&r, err, errlen);
    if (out == QUEUE_TXN_NOT_APPLIED && strstr(err, "nil"))
        return 0; /* the watched mark moved: another process wrote the period */
    if (out != QUEUE_TXN_APPLIED)
        return -1;
    freeReplyObject(r);
    return 1;
}
