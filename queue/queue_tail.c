/* queue_tail — stream reading for the CLI (see queue_tail.h). */
#include "queue/queue_tail.h"
#include "queue/queue_sync_internal.h"

#include <stdio.h>

int queue_tail(struct queue_sync *q, const char *stream, int64_t since_ms, int follow,
               int (*fn)(const char *field, const char *payload, const char *entry_id, void *arg), void *arg,
               char *err, size_t errlen)
{
    /* `last` is exclusive: entries strictly after it are read (XRANGE "(id", XREAD id). */
    char last[48];
    if (since_ms > 0)
        snprintf(last, sizeof(last), "%lld-18446744073709551615", (long long)since_ms - 1);
    else
        snprintf(last, sizeof(last), "0-0");
    const char *p = queue_sync_prefix(q);
    for (;;) {
        redisReply *r = queue_sync_cmd(q, err, errlen, "XRANGE %s%s (%s + COUNT 500", p, stream, last);
        if (!r)
            return -1;
        size_t n = r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
        int stop = 0;
        for (size_t i = 0; i < n && !stop; i++) {
            redisReply *e = r->element[i];
            redisReply *f = e->element[1];
            if (f->type == REDIS_REPLY_ARRAY && f->elements >= 2 && f->element[0]->str && f->element[1]->str)
                stop = fn(f->element[0]->str, f->element[1]->str, e->element[0]->str, arg);
            snprintf(last, sizeof(last), "%s", e->element[0]->str);
        }
        freeReplyObject(r);
        if (stop)
            return 0;
        if (n == 500)
            continue;
        if (!follow)
            return 0;
        /* Caught up: wait for the next entries (up to a second, then look again). */
        r = queue_sync_cmd(q, err, errlen, "XREAD BLOCK 1000 STREAMS %s%s %s", p, stream, last);
        if (!r)
            return -1;
        freeReplyObject(r); /* the XRANGE above reads them, in order, with the same code */
    }
}
