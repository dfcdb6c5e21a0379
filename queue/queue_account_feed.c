/* queue_account_feed — an account's newest signals through its series and stories (see
 * queue_account_feed.h). */
#include "queue/queue_account_feed.h"
#include "queue/queue_contract.h"
#include "queue/queue_sync_internal.h"
#include "util/vg_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void queue_account_signals_free(struct queue_account_signal *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        vg_free(v[i].id);
        vg_free(v[i].json);
    }
    vg_free(v);
}

/* Reads the replies of k pipelined commands; each goes to fn (NULL on a Redis error, after
 * which the others are still read so the connection stays in step). -1 when one failed. */
static int replies(struct queue_sync *q, size_t k, void (*fn)(size_t i, const redisReply *r, void *arg), void *arg,
                   char *err, size_t errlen)
{
    int rc = 0;
    for (size_t i = 0; i < k; i++) {
        redisReply *r = queue_sync_reply(q, err, errlen);
        if (!r) {
            rc = -1;
            continue;
        }
        fn(i, r, arg);
        freeReplyObject(r);
    }
    return rc;
}

struct ctx {
    struct queue_account_signal *v;
    char (*entry)[48];
    size_t *at; /* the signals whose entries are read, in the order asked */
};

static void on_story(size_t i, const redisReply *r, void *arg)
{
    struct ctx *c = arg;
    /* "<sources> <entry id>\n<url>..." (vigie.lua's vigie_stage_write) */
    if (r->type == REDIS_REPLY_STRING && r->str &&
        sscanf(r->str, "%lld %47s", &c->v[i].sources, c->entry[i]) != 2) {
        c->entry[i][0] = '\0';
        c->v[i].sources = 0;
    }
}

static void on_entry(size_t i, const redisReply *r, void *arg)
{
    struct ctx *c = arg;
    struct queue_account_signal *s = &c->v[c->at[i]];
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->elements == 2 &&
        r->element[0]->element[1]->elements >= 2 && r->element[0]->element[1]->element[1]->str)
        s->json = vg_strdup(r->element[0]->element[1]->element[1]->str);
    if (!s->json)
        s->sources = 0; /* the entry was trimmed: the story is gone too */
}

int queue_account_signals(struct queue_sync *q, const char *account, size_t max, struct queue_account_signal **out,
                          size_t *n, size_t *total, char *err, size_t errlen)
{
    redisContext *c = queue_sync_ctx(q);
    const char *p = queue_sync_prefix(q);
    *out = NULL;
    *n = *total = 0;
    if (!max)
        return 0;
    char stop[24];
    snprintf(stop, sizeof(stop), "%zu", max - 1);
    if (redisAppendCommand(c, "ZCARD %s" QUEUE_KEY_SERIES_IDS "%s", p, account) != REDIS_OK ||
        redisAppendCommand(c, "ZRANGE %s" QUEUE_KEY_SERIES_IDS "%s 0 %s REV WITHSCORES", p, account, stop) != REDIS_OK) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    redisReply *card = queue_sync_reply(q, err, errlen);
    redisReply *ids = queue_sync_reply(q, err, errlen);
    int rc = -1;
    struct ctx x = {0};
    size_t k = 0, m = 0;
    if (!card || !ids)
        goto out;
    if (ids->type != REDIS_REPLY_ARRAY || ids->elements % 2) {
        snprintf(err, errlen, "redis: unexpected reply to ZRANGE %s" QUEUE_KEY_SERIES_IDS "%s", p, account);
        goto out;
    }
    *total = card->type == REDIS_REPLY_INTEGER ? (size_t)card->integer : 0;
    k = ids->elements / 2;
    x.v = vg_calloc(k ? k : 1, sizeof(*x.v));
    x.entry = vg_calloc(k ? k : 1, sizeof(*x.entry));
    x.at = vg_calloc(k ? k : 1, sizeof(*x.at));
    if (!x.v || !x.entry || !x.at) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < k; i++) {
        const redisReply *id = ids->element[2 * i], *sc = ids->element[2 * i + 1];
        double score = sc->str ? strtod(sc->str, NULL) : 0;
        long long ms = score > 0 ? (long long)score : 0;
        x.v[i].ms = ms;
        x.v[i].priority = (int)((score - (double)ms) * 128 + 0.5);
        if (!(x.v[i].id = vg_strdup(id->str ? id->str : ""))) {
            k = i;
            snprintf(err, errlen, "out of memory");
            goto out;
        }
    }
    for (size_t i = 0; i < k; i++)
        if (redisAppendCommand(c, "GET %s" QUEUE_KEY_STORY "%s", p, x.v[i].id) != REDIS_OK) {
            snprintf(err, errlen, "out of memory");
            goto out; /* the connection is left with commands in flight: the command ends */
        }
    if (replies(q, k, on_story, &x, err, errlen) < 0)
        goto out;
    for (size_t i = 0; i < k; i++) {
        if (!x.entry[i][0])
            continue;
        if (redisAppendCommand(c, "XRANGE %s" QUEUE_STREAM_SIGNALS " %s %s", p, x.entry[i], x.entry[i]) != REDIS_OK) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        x.at[m++] = i;
    }
    if (replies(q, m, on_entry, &x, err, errlen) < 0)
        goto out;
    *out = x.v;
    *n = k;
    x.v = NULL;
    rc = 0;
out:
    if (card)
        freeReplyObject(card);
    if (ids)
        freeReplyObject(ids);
    queue_account_signals_free(x.v, k);
    vg_free(x.entry);
    vg_free(x.at);
    return rc;
}
