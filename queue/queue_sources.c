/* queue_sources — the source registry (see queue_sources.h). */
#include "queue/queue_sources.h"
#include "queue/queue_contract.h"
#include "queue/queue_sync_internal.h"
#include "queue/queue_txn.h"
#include "util/vg_alloc.h"
#include "util/vg_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int queue_source_state_from_pairs(struct queue_source_state *st, const char *id, const char *const *kv,
                                  size_t nkv)
{
    memset(st, 0, sizeof(*st));
    if (!(st->src.id = vg_strdup(id)))
        return -1;
    for (size_t i = 0; i + 1 < nkv; i += 2) {
        const char *k = kv[i], *v = kv[i + 1];
        if (!k || !v)
            continue;
        /* On the first letter first: a claim fills a state per polled source, and a chain of
         * strcmp showed in profiles. */
        char **dst = NULL;
        switch (k[0]) {
        case 'a':
            if (strcmp(k, "account_id") == 0) dst = &st->src.account_id;
            break;
        case 'b':
            if (strcmp(k, "baselined") == 0) st->baselined = strcmp(v, "1") == 0;
            break;
        case 'e':
            if (strcmp(k, "etag") == 0) dst = &st->etag;
            else if (strcmp(k, "error_kind") == 0) dst = &st->error_kind;
            break;
        case 'f':
            if (strcmp(k, "failures") == 0) st->failures = strtoll(v, NULL, 10);
            break;
        case 'i':
            if (strcmp(k, "interval_ms") == 0) st->src.interval_ms = strtoll(v, NULL, 10);
            else if (strcmp(k, "items_total") == 0) st->items_total = strtoll(v, NULL, 10);
            break;
        case 'k':
            if (strcmp(k, "kind") == 0) dst = &st->src.kind;
            break;
        case 'l':
            if (strcmp(k, "last_error") == 0) dst = &st->last_error;
            else if (strcmp(k, "last_modified") == 0) dst = &st->last_modified;
            else if (strcmp(k, "last_attempt") == 0) st->last_attempt = strtoll(v, NULL, 10);
            else if (strcmp(k, "last_ok") == 0) st->last_ok = strtoll(v, NULL, 10);
            break;
        case 'o':
            if (strcmp(k, "options") == 0) dst = &st->src.options;
            break;
        case 'u':
            if (strcmp(k, "url") == 0) dst = &st->src.url;
            break;
        case 'w':
            if (strcmp(k, "watch_text") == 0) dst = &st->watch_text;
            break;
        default:
            break;
        }
        if (dst) {
            vg_free(*dst);
            *dst = NULL;
            if (v[0] && !(*dst = vg_strdup(v)))
                return -1;
        }
    }
    return 0;
}

/* Fills st from an HGETALL reply. */
static int from_hash(struct queue_source_state *st, const char *id, redisReply *r)
{
    const char **kv = vg_calloc(r->elements + 1, sizeof(*kv));
    if (!kv)
        return -1;
    for (size_t i = 0; i < r->elements; i++)
        kv[i] = r->element[i]->str;
    int rc = queue_source_state_from_pairs(st, id, kv, r->elements);
    vg_free(kv);
    return rc;
}

int queue_sources_put(struct queue_sync *q, const struct fetch_source *v, size_t n, size_t *created,
                      size_t *updated, char *err, size_t errlen)
{
    redisContext *c = queue_sync_ctx(q);
    const char *p = queue_sync_prefix(q);
    *created = *updated = 0;
    int64_t now = vg_wall_ms();
    redisAppendCommand(c, "MULTI");
    for (size_t i = 0; i < n; i++) {
        const struct fetch_source *s = &v[i];
        char interval[32];
        snprintf(interval, sizeof(interval), "%lld", s->interval_ms);
        const char *argv[] = {"HSET", NULL, "kind", s->kind, "url", s->url, "interval_ms", interval,
                              "account_id", s->account_id ? s->account_id : "",
                              "options", s->options ? s->options : ""};
        char *key = vg_asprintf("%s" QUEUE_KEY_SOURCE "%s", p, s->id);
        if (!key) {
            snprintf(err, errlen, "out of memory");
            redisAppendCommand(c, "DISCARD");
            return -1;
        }
        argv[1] = key;
        /* For the counts: whether it existed when the transaction ran. */
        redisAppendCommand(c, "EXISTS %s", key);
        redisAppendCommandArgv(c, (int)(sizeof(argv) / sizeof(argv[0])), argv, NULL);
        vg_free(key);
        redisAppendCommand(c, "SADD %s" QUEUE_KEY_SOURCES " %s", p, s->id);
        /* The claim's cached copy of the poll fields (queue_sched.c) is built again. */
        redisAppendCommand(c, "HDEL %s" QUEUE_KEY_POLL_CARDS " %s", p, s->id);
        /* NX: a new source is due now; an existing one keeps its place in the schedule. */
        redisAppendCommand(c, "ZADD %s" QUEUE_KEY_DUE " NX %lld %s", p, (long long)now, s->id);
    }
    redisAppendCommand(c, "EXEC");
    redisReply *r;
    enum queue_txn_outcome out = queue_txn_exec(q, 5 * n, &r, err, errlen);
    if (out == QUEUE_TXN_APPLIED)
        out = queue_txn_check(&r, err, errlen);
    if (out != QUEUE_TXN_APPLIED)
        return out;
    for (size_t i = 0; i < n && 5 * i < r->elements; i++)
        if (r->element[5 * i]->integer)
            (*updated)++;
        else
            (*created)++;
    freeReplyObject(r);
    return 0;
}

int queue_sources_remove(struct queue_sync *q, const char *id, char *err, size_t errlen)
{
#define SOURCE_KEY_(how, key) {how, key},
    static const char *const keys[][2] = {QUEUE_SOURCE_KEYS(SOURCE_KEY_)};
#undef SOURCE_KEY_
    enum { NKEYS = sizeof(keys) / sizeof(keys[0]) };
    const char *p = queue_sync_prefix(q);
    redisContext *c = queue_sync_ctx(q);
    redisAppendCommand(c, "MULTI");
    for (size_t k = 0; k < NKEYS; k++) {
        if (strcmp(keys[k][0], "DEL") == 0)
            redisAppendCommand(c, "DEL %s%s%s", p, keys[k][1], id);
        else
            redisAppendCommand(c, "%s %s%s %s", keys[k][0], p, keys[k][1], id);
    }
    redisAppendCommand(c, "EXEC");
    /* Whether the source existed: what its hash's DEL answered. */
    int found = -1;
    for (size_t i = 0; i < NKEYS + 2; i++) {
        redisReply *r = queue_sync_reply(q, err, errlen);
        if (!r)
            return -1;
        if (i == NKEYS + 1 && r->type == REDIS_REPLY_ARRAY && r->elements == NKEYS) {
            found = 0;
            for (size_t k = 0; k < NKEYS; k++)
                if (strcmp(keys[k][0], "DEL") == 0 && strcmp(keys[k][1], QUEUE_KEY_SOURCE) == 0)
                    found = r->element[k]->integer > 0;
        }
        freeReplyObject(r);
    }
    if (found < 0)
        snprintf(err, errlen, "redis: the removal transaction was aborted");
    return found;
}

static int cmp_state(const void *a, const void *b)
{
    return strcmp(((const struct queue_source_state *)a)->src.id, ((const struct queue_source_state *)b)->src.id);
}

/* Loads the hashes, due times (or leases) and poll times of `ids` with one pipeline. */
static int load_states(struct queue_sync *q, char **ids, size_t n, struct queue_source_state *out,
                       size_t *found, char *err, size_t errlen)
{
    redisContext *c = queue_sync_ctx(q);
    const char *p = queue_sync_prefix(q);
    for (size_t i = 0; i < n; i++) {
        redisAppendCommand(c, "HGETALL %s" QUEUE_KEY_SOURCE "%s", p, ids[i]);
        redisAppendCommand(c, "ZSCORE %s" QUEUE_KEY_DUE " %s", p, ids[i]);
        redisAppendCommand(c, "HGET %s" QUEUE_KEY_LAST_ATTEMPT " %s", p, ids[i]);
        redisAppendCommand(c, "HGET %s" QUEUE_KEY_LAST_OK " %s", p, ids[i]);
    }
    int rc = 0;
    *found = 0;
    for (size_t i = 0; i < n; i++) {
        redisReply *h = queue_sync_reply(q, err, errlen);
        redisReply *z = queue_sync_reply(q, err, errlen);
        redisReply *ta = queue_sync_reply(q, err, errlen);
        redisReply *tok = queue_sync_reply(q, err, errlen);
        if (!h || !z || !ta || !tok)
            rc = -1;
        else if (rc == 0 && h->elements > 0) {
            struct queue_source_state *st = &out[(*found)++];
            if (from_hash(st, ids[i], h) < 0) {
                snprintf(err, errlen, "out of memory");
                rc = -1;
            }
            if (z->type == REDIS_REPLY_STRING) {
                st->next_due = strtoll(z->str, NULL, 10);
                if (strchr(z->str, '.') && z->len < sizeof(st->lease))
                    memcpy(st->lease, z->str, z->len + 1);
            }
            /* Kept apart from the hash so that a plain 304 costs Redis no write of its own (the
             * hash fields are what versions before that wrote). The last attempt is the later
             * of the last failure and the last success. */
            if (ta->type == REDIS_REPLY_STRING)
                st->last_attempt = strtoll(ta->str, NULL, 10);
            if (tok->type == REDIS_REPLY_STRING)
                st->last_ok = strtoll(tok->str, NULL, 10);
            if (st->last_ok > st->last_attempt)
                st->last_attempt = st->last_ok;
        }
        if (h)
            freeReplyObject(h);
        if (z)
            freeReplyObject(z);
        if (ta)
            freeReplyObject(ta);
        if (tok)
            freeReplyObject(tok);
    }
    return rc;
}

int queue_sources_list(struct queue_sync *q, struct queue_source_state **out, size_t *n, char *err,
                       size_t errlen)
{
    *out = NULL;
    *n = 0;
    redisReply *ids = queue_sync_cmd(q, err, errlen, "SMEMBERS %s" QUEUE_KEY_SOURCES, queue_sync_prefix(q));
    if (!ids)
        return -1;
    char **names = vg_calloc(ids->elements + 1, sizeof(*names));
    struct queue_source_state *v = vg_calloc(ids->elements + 1, sizeof(*v));
    if (!names || !v) {
        snprintf(err, errlen, "out of memory");
        vg_free(names);
        vg_free(v);
        freeReplyObject(ids);
        return -1;
    }
    for (size_t i = 0; i < ids->elements; i++)
        names[i] = ids->element[i]->str;
    size_t found = 0;
    int rc = load_states(q, names, ids->elements, v, &found, err, errlen);
    vg_free(names);
    freeReplyObject(ids);
    if (rc < 0) {
        queue_source_states_free(v, found);
        return -1;
    }
    qsort(v, found, sizeof(*v), cmp_state);
    *out = v;
    *n = found;
    return 0;
}

int queue_sources_get(struct queue_sync *q, const char *id, struct queue_source_state *out, char *err,
                      size_t errlen)
{
    char *ids[] = {(char *)id};
    size_t found = 0;
    memset(out, 0, sizeof(*out));
    if (load_states(q, ids, 1, out, &found, err, errlen) < 0) {
        queue_source_state_clear(out);
        return -1;
    }
    return found ? 1 : 0;
}

void queue_source_state_clear(struct queue_source_state *s)
{
    fetch_source_clear(&s->src);
    vg_free(s->last_error);
    vg_free(s->error_kind);
    vg_free(s->etag);
    vg_free(s->last_modified);
    vg_free(s->watch_text);
    memset(s, 0, sizeof(*s));
}

void queue_source_states_free(struct queue_source_state *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        queue_source_state_clear(&v[i]);
    vg_free(v);
}
