/* queue_trim — streams trimmed by age and count (see queue_trim.h). */
#include "queue/queue_trim.h"
#include "queue/queue_fcall.h"
#include "queue/queue_int.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"
#include "util/vg_time.h"

#include <stdio.h>

#define TRIM_PERIOD_MS 60000

static void on_trimmed(redisAsyncContext *ac, void *r, void *privdata)
{
    (void)ac;
    char *stream = privdata;
    redisReply *reply = r;
    if (reply && reply->type == REDIS_REPLY_ERROR)
        vg_warn("queue", "trimming the %s stream: %s", stream, reply->str);
    else if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 && reply->element[0]->integer > 0)
        vg_debug("queue", "%s: %lld entries older than the retention trimmed", stream, reply->element[0]->integer);
    vg_free(stream);
}

static void trim(struct queue *q, const char *stream, long long retention_ms, long long maxlen)
{
    const char *p = queue_prefix(q);
    char *key = vg_asprintf("%s%s", p, stream);
    char *counter = vg_asprintf("%s" QUEUE_KEY_TRIMMED "%s", p, stream);
    char *name = vg_strdup(stream);
    char ret[24], cap[24];
    snprintf(ret, sizeof(ret), "%lld", retention_ms > 0 ? retention_ms : 0);
    snprintf(cap, sizeof(cap), "%lld", maxlen > 0 ? maxlen : QUEUE_DEFAULT_MAXLEN);
    const char *argv[] = {[QUEUE_FCALL_HEAD] = key, counter, ret, cap};
    if (key && counter && name && queue_fcall(queue_cmd(q), on_trimmed, name, QUEUE_FN_TRIM, argv, 2, 2) == 0)
        name = NULL; /* the callback frees it */
    vg_free(name);
    vg_free(key);
    vg_free(counter);
}

void queue_trim_tick(struct queue *q, const struct queue_trim_limits *lim, int64_t *last_ms)
{
    int64_t now = vg_mono_ms();
    if (!q || !lim || (*last_ms && now - *last_ms < TRIM_PERIOD_MS) || !queue_is_ready(q))
        return;
    *last_ms = now;
    trim(q, QUEUE_STREAM_ITEMS, lim->items_retention_ms, lim->items_maxlen);
    trim(q, QUEUE_STREAM_SIGNALS, lim->outputs_retention_ms, lim->outputs_maxlen);
    trim(q, QUEUE_STREAM_CONTACTS, lim->outputs_retention_ms, lim->outputs_maxlen);
}
