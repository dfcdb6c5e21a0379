/* queue_digest_peek — an owner's pending digest, read-only (see queue_digest_peek.h). */
#include "queue/queue_digest_peek.h"
#include "queue/queue_contract.h"
#include "queue/queue_fcall.h"
#include "queue/queue_sync_internal.h"
#include "util/vg_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *bulk(const redisReply *r)
{
    return r->type == REDIS_REPLY_STRING && r->len ? vg_strndup(r->str, r->len) : NULL;
}

int queue_digest_peek(struct queue_sync *q, const char *owner_key, long long now_ms, const char *period,
                      const char *period_start, const char *period_end, const char *created,
                      struct queue_digest_peeked *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    const char *p = queue_sync_prefix(q);
    char *k_digest = vg_asprintf("%s" QUEUE_KEY_DIGEST "%s", p, owner_key);
    char *k_due = vg_asprintf("%s" QUEUE_KEY_DIGEST_DUE, p);
    char now[24];
    snprintf(now, sizeof(now), "%lld", now_ms);
    int rc = -1;
    if (!k_digest || !k_due) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    const char *argv[QUEUE_FCALL_HEAD + 9] = {[QUEUE_FCALL_HEAD] = k_digest, k_due, p, owner_key, now, period,
                                              period_start, period_end, created};
    redisReply *r = queue_fcall_sync(q, err, errlen, QUEUE_FN_DIGEST_PEEK, argv, 2, 7);
    if (!r)
        goto done;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
        snprintf(err, errlen, "redis: unexpected answer from vigie_digest_peek");
    } else {
        char *due = bulk(r->element[0]);
        out->due_ms = due ? (long long)strtod(due, NULL) : 0; /* a score: "%.17g" */
        vg_free(due);
        out->message = bulk(r->element[1]);
        out->meta = bulk(r->element[2]);
        rc = 0;
    }
    freeReplyObject(r);
done:
    vg_free(k_digest);
    vg_free(k_due);
    return rc;
}

void queue_digest_peeked_clear(struct queue_digest_peeked *p)
{
    vg_free(p->message);
    vg_free(p->meta);
    memset(p, 0, sizeof(*p));
}
