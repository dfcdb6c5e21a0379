/* queue_feed — the signals stream newest first, and a signal's story (see queue_feed.h). */
#include "queue/queue_feed.h"
#include "queue/queue_contract.h"
#include "queue/queue_sync_internal.h"
#include "util/vg_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long queue_feed_chunk(struct queue_sync *q, const char *stream, const char *before, int64_t until_ms,
                      int64_t since_ms, size_t count, int (*fn)(const struct queue_feed_entry *e, void *arg),
                      void *arg, char *last, size_t lastlen, char *err, size_t errlen)
{
    char key[256], end[64], start[32], n[24];
    snprintf(key, sizeof(key), "%s%s", queue_sync_prefix(q), stream);
    /* An id alone is inclusive; "(" makes it exclusive (Redis 6.2+), so paging never repeats
     * the entry a page ended on. A bare millisecond time means every entry of that ms. */
    if (before && *before)
        snprintf(end, sizeof(end), "(%s", before);
    else if (until_ms > 0)
        snprintf(end, sizeof(end), "%lld", (long long)until_ms);
    else
        snprintf(end, sizeof(end), "+");
    if (since_ms > 0)
        snprintf(start, sizeof(start), "%lld", (long long)since_ms);
    else
        snprintf(start, sizeof(start), "-");
    snprintf(n, sizeof(n), "%zu", count);
    const char *argv[] = {"XREVRANGE", key, end, start, "COUNT", n};
    if (last && lastlen)
        last[0] = '\0';
    redisReply *r = queue_sync_cmdv(q, err, errlen, 6, argv);
    if (!r)
        return -1;
    if (r->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "redis: unexpected reply to XREVRANGE %s", key);
        freeReplyObject(r);
        return -1;
    }
    long read = 0;
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || !e->element[0]->str)
            continue;
        read++;
        if (last && lastlen)
            snprintf(last, lastlen, "%s", e->element[0]->str);
        const redisReply *f = e->element[1];
        if (f->type != REDIS_REPLY_ARRAY || f->elements < 2 || !f->element[0]->str || !f->element[1]->str)
            continue;
        struct queue_feed_entry fe = {e->element[0]->str, f->element[0]->str, f->element[1]->str, f->element[1]->len};
        if (fn(&fe, arg))
            break;
    }
    freeReplyObject(r);
    return read;
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int queue_story_get(struct queue_sync *q, const char *signal_id, struct queue_story *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    const char *p = queue_sync_prefix(q);
    /* story:<id> is "<sources> <entry id>\n<url>\n<url>..." (vigie.lua): the record itself
     * is read back from the stream at that entry. */
    redisReply *h = queue_sync_cmd(q, err, errlen, "GET %s" QUEUE_KEY_STORY "%s", p, signal_id);
    if (!h)
        return -1;
    char entry[48] = "";
    const char *nl = h->str ? strchr(h->str, '\n') : NULL;
    if (h->str)
        sscanf(h->str, "%lld %47s", &out->sources, entry);
    size_t nurls = 0;
    for (const char *u = nl; u; u = strchr(u + 1, '\n'))
        nurls++;
    if (!entry[0]) {
        freeReplyObject(h);
        return 0;
    }
    out->urls = vg_calloc(nurls + 1, sizeof(*out->urls));
    for (const char *u = nl; out->urls && u; u = strchr(u + 1, '\n')) {
        size_t len = strcspn(u + 1, "\n");
        if (len && (out->urls[out->nurls] = vg_malloc(len + 1))) {
            memcpy(out->urls[out->nurls], u + 1, len);
            out->urls[out->nurls++][len] = '\0';
        }
    }
    freeReplyObject(h);
    if (out->nurls > 1)
        qsort(out->urls, out->nurls, sizeof(*out->urls), by_text);
    redisReply *r = queue_sync_cmd(q, err, errlen, "XRANGE %s" QUEUE_STREAM_SIGNALS " %s %s", p, entry, entry);
    if (!r) {
        queue_story_free(out);
        return -1;
    }
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->elements == 2 &&
        r->element[0]->element[1]->elements >= 2 && r->element[0]->element[1]->element[1]->str)
        out->json = vg_strdup(r->element[0]->element[1]->element[1]->str);
    freeReplyObject(r);
    if (!out->json) {
        queue_story_free(out); /* the record was trimmed from the stream: no longer known */
        return 0;
    }
    return 1;
}

void queue_story_free(struct queue_story *s)
{
    if (!s)
        return;
    vg_free(s->json);
    for (size_t i = 0; i < s->nurls; i++)
        vg_free(s->urls[i]);
    vg_free(s->urls);
    memset(s, 0, sizeof(*s));
}
