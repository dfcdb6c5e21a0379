/* queue_series — an account's signal activity over time, read from what the Redis functions
 * keep (see queue_series.h; the writing side is series_add in queue/lua/vigie.lua). */
#include "queue/queue_series.h"
#include "queue/queue_contract.h"
#include "queue/queue_fcall.h"
#include "queue/queue_sync_internal.h"
#include "util/vg_alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEEK_MS 604800000LL
#define MONDAY_MS 345600000LL /* 1970-01-05T00:00:00Z, the first Monday of the epoch */

/* Entries per vigie_series_index call: each one is decoded in Redis, which blocks meanwhile. */
#define INDEX_BATCH 1000

long long queue_series_week(long long ms)
{
    long long d = ms - MONDAY_MS;
    return d >= 0 ? d / WEEK_MS : -((-d + WEEK_MS - 1) / WEEK_MS); /* floor, before 1970 too */
}

long long queue_series_week_start(long long week)
{
    return week * WEEK_MS + MONDAY_MS;
}

size_t queue_series_sparkline(const int *count, size_t n, char *out, size_t len)
{
    static const char *const blocks[] = {"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
                                         "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88"};
    int max = 0;
    for (size_t i = 0; i < n; i++)
        if (count[i] > max)
            max = count[i];
    size_t k = 0;
    if (!len)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const char *c = " ";
        if (count[i] > 0) {
            /* 1..max onto 1..8, any signal at least the lowest block */
            long long level = ((long long)count[i] * 8 + max - 1) / max;
            c = blocks[(level < 1 ? 1 : level > 8 ? 8 : level) - 1];
        }
        size_t cl = strlen(c);
        if (k + cl >= len)
            break;
        memcpy(out + k, c, cl);
        k += cl;
    }
    out[k] = '\0';
    return k;
}

static long long int_of(const redisReply *r)
{
    if (r->type == REDIS_REPLY_INTEGER)
        return r->integer;
    if (r->type == REDIS_REPLY_STRING)
        return strtoll(r->str, NULL, 10);
    return 0;
}

static void copy_str(char *dst, size_t len, const redisReply *r)
{
    snprintf(dst, len, "%s", r->type == REDIS_REPLY_STRING ? r->str : "");
}

/* One account's reply of vigie_series_read (see the function for its layout). */
static int take(const redisReply *a, struct queue_series *s)
{
    memset(s, 0, sizeof(*s));
    if (a->type != REDIS_REPLY_ARRAY || a->elements != 11 || a->element[4]->type != REDIS_REPLY_ARRAY ||
        a->element[4]->elements != SERIES_WEEKS || a->element[5]->type != REDIS_REPLY_ARRAY ||
        a->element[5]->elements != SERIES_WEEKS)
        return -1;
    s->heat = a->element[0]->type == REDIS_REPLY_STRING ? strtod(a->element[0]->str, NULL) : 0;
    s->last_ms = int_of(a->element[1]);
    copy_str(s->last_type, sizeof(s->last_type), a->element[2]);
    copy_str(s->last_id, sizeof(s->last_id), a->element[3]);
    for (size_t k = 0; k < SERIES_WEEKS; k++) {
        s->count[k] = (int)int_of(a->element[4]->element[k]);
        s->weight[k] = (double)int_of(a->element[5]->element[k]);
    }
    s->d7_now = (int)int_of(a->element[6]);
    s->d7_before = (int)int_of(a->element[7]);
    s->d90_now = (int)int_of(a->element[8]);
    s->d90_before = (int)int_of(a->element[9]);
    s->d365 = (int)int_of(a->element[10]);
    return 0;
}

int queue_series_read(struct queue_sync *q, const char *const *ids, size_t n, long long now_ms,
                      long long half_life_ms, struct queue_series *out, char *err, size_t errlen)
{
    char now[24], half[24];
    snprintf(now, sizeof(now), "%lld", now_ms);
    snprintf(half, sizeof(half), "%lld", half_life_ms);
    const char **argv = vg_calloc(QUEUE_FCALL_HEAD + 3 + QUEUE_SERIES_CHUNK, sizeof(*argv));
    if (!argv) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0;
    for (size_t from = 0; from < n && rc == 0; from += QUEUE_SERIES_CHUNK) {
        size_t m = n - from < QUEUE_SERIES_CHUNK ? n - from : QUEUE_SERIES_CHUNK;
        size_t a = QUEUE_FCALL_HEAD;
        argv[a++] = queue_sync_prefix(q);
        argv[a++] = now;
        argv[a++] = half;
        for (size_t i = 0; i < m; i++)
            argv[a++] = ids[from + i];
        redisReply *r = queue_fcall_sync(q, err, errlen, QUEUE_FN_SERIES_READ, argv, 0, 3 + m);
        if (!r)
            rc = -1;
        else if (r->type != REDIS_REPLY_ARRAY || r->elements != m)
            rc = -1;
        for (size_t i = 0; r && rc == 0 && i < m; i++)
            if (take(r->element[i], &out[from + i]) < 0)
                rc = -1;
        if (r && rc < 0)
            snprintf(err, errlen, "vigie_series_read: unexpected reply");
        if (r)
            freeReplyObject(r);
    }
    vg_free(argv);
    return rc;
}

int queue_series_top(struct queue_sync *q, size_t offset, size_t count, char ***ids, size_t *n, size_t *total,
                     char *err, size_t errlen)
{
    *ids = NULL;
    *n = 0;
    *total = 0;
    const char *p = queue_sync_prefix(q);
    redisReply *c = queue_sync_cmd(q, err, errlen, "ZCARD %s" QUEUE_KEY_SERIES_HEAT, p);
    if (!c)
        return -1;
    *total = c->type == REDIS_REPLY_INTEGER && c->integer > 0 ? (size_t)c->integer : 0;
    freeReplyObject(c);
    if (!count || offset >= *total)
        return 0;
    /* hottest first; an equal log (the same signals at the same times) by id, reversed */
    char from[24], to[24];
    snprintf(from, sizeof(from), "%zu", offset);
    snprintf(to, sizeof(to), "%zu", count > SIZE_MAX - offset ? SIZE_MAX / 2 : offset + count - 1);
    redisReply *r = queue_sync_cmd(q, err, errlen, "ZRANGE %s" QUEUE_KEY_SERIES_HEAT " %s %s REV", p, from, to);
    if (!r)
        return -1;
    int rc = -1;
    char **v = NULL;
    if (r->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "ZRANGE series:heat: unexpected reply");
        goto out;
    }
    v = vg_calloc(r->elements + 1, sizeof(*v));
    if (!v)
        goto oom;
    for (size_t i = 0; i < r->elements; i++)
        if (!(v[i] = vg_strdup(r->element[i]->str ? r->element[i]->str : ""))) {
            queue_series_ids_free(v, i);
            v = NULL;
            goto oom;
        }
    *ids = v;
    *n = r->elements;
    rc = 0;
    goto out;
oom:
    snprintf(err, errlen, "out of memory");
out:
    freeReplyObject(r);
    return rc;
}

void queue_series_ids_free(char **ids, size_t n)
{
    for (size_t i = 0; ids && i < n; i++)
        vg_free(ids[i]);
    vg_free(ids);
}

int queue_series_index(struct queue_sync *q, long long half_life_ms, int from_start, long long *added, char *err,
                       size_t errlen)
{
    char half[24], batch[24];
    char *stream = vg_asprintf("%s" QUEUE_STREAM_SIGNALS, queue_sync_prefix(q));
    if (added)
        *added = 0;
    if (!stream) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (from_start) {
        redisReply *d = queue_sync_cmd(q, err, errlen, "DEL %s" QUEUE_KEY_SERIES_STREAM, queue_sync_prefix(q));
        if (!d) {
            vg_free(stream);
            return -1;
        }
        freeReplyObject(d);
    }
    snprintf(half, sizeof(half), "%lld", half_life_ms);
    snprintf(batch, sizeof(batch), "%d", INDEX_BATCH);
    int rc = 0, more = 1;
    while (more && rc == 0) {
        const char *argv[] = {[QUEUE_FCALL_HEAD] = stream, queue_sync_prefix(q), half, batch};
        redisReply *r = queue_fcall_sync(q, err, errlen, QUEUE_FN_SERIES_INDEX, argv, 1, 3);
        if (!r)
            rc = -1;
        else if (r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
            snprintf(err, errlen, "vigie_series_index: unexpected reply");
            rc = -1;
        } else {
            if (added)
                *added += int_of(r->element[1]);
            more = int_of(r->element[2]) != 0;
        }
        if (r)
            freeReplyObject(r);
    }
    vg_free(stream);
    return rc;
}

int queue_series_count_since(struct queue_sync *q, const char *const *ids, size_t n, long long since_ms, int *out,
                             char *err, size_t errlen)
{
    char from[24];
    snprintf(from, sizeof(from), "%lld", since_ms);
    redisContext *c = queue_sync_ctx(q);
    for (size_t i = 0; i < n; i++)
        if (redisAppendCommand(c, "ZCOUNT %s" QUEUE_KEY_SERIES_IDS "%s %s +inf", queue_sync_prefix(q), ids[i],
                               from) != REDIS_OK) {
            snprintf(err, errlen, "out of memory");
            return -1; /* the connection is left with commands in flight: the command ends */
        }
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        redisReply *r = queue_sync_reply(q, err, errlen);
        if (!r) {
            rc = -1;
            continue; /* read the others' replies all the same */
        }
        out[i] = r->type == REDIS_REPLY_INTEGER ? (int)r->integer : 0;
        freeReplyObject(r);
    }
    return rc;
}

long long queue_series_since(struct queue_sync *q)
{
    char err[256];
    redisReply *r = queue_sync_cmd(q, err, sizeof(err), "GET %s" QUEUE_KEY_SERIES_SINCE, queue_sync_prefix(q));
    long long ms = r && r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10) : 0;
    if (r)
        freeReplyObject(r);
    return ms;
}
