/* queue_txn — a sized, truthful MULTI/EXEC for command-line tools (see queue_txn.h). */
#include "queue/queue_txn.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

/* The wait for any one reply: a minute, and more for a transaction whose EXEC has much to
 * do (a tenth of a millisecond per command is several times what Redis takes). */
static struct timeval txn_wait(size_t ncmds)
{
    unsigned long long ms = 60000ULL + ncmds / 10;
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
    return tv;
}

static void transport_error(redisContext *c, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "redis: %s%s", c->errstr[0] ? c->errstr : "no reply", what);
}

enum queue_txn_outcome queue_txn_exec(struct queue_sync *q, size_t ncmds, redisReply **exec, char *err,
                                      size_t errlen)
{
    redisContext *c = queue_sync_ctx(q);
    enum queue_txn_outcome out = QUEUE_TXN_NOT_APPLIED;
    char queued_err[256] = "";
    *exec = NULL;
    redisSetTimeout(c, txn_wait(ncmds));
    /* Until EXEC has left whole, Redis cannot apply the transaction. */
    int done = 0;
    while (!done) {
        if (redisBufferWrite(c, &done) == REDIS_ERR) {
            transport_error(c, "", err, errlen);
            return QUEUE_TXN_NOT_APPLIED;
        }
    }
    for (size_t i = 0; i < ncmds + 2; i++) {
        void *v = NULL;
        if (redisGetReply(c, &v) != REDIS_OK || !v) {
            transport_error(c, " after the whole transaction was sent", err, errlen);
            return QUEUE_TXN_UNKNOWN;
        }
        redisReply *r = v;
        if (i < ncmds + 1) {
            /* A command refused when queued (out of memory, a bad argument) makes Redis
             * abort the whole transaction at EXEC: that first reason is the one to tell. */
            if (r->type == REDIS_REPLY_ERROR && !queued_err[0])
                snprintf(queued_err, sizeof(queued_err), "%s", r->str);
            freeReplyObject(r);
            continue;
        }
        if (r->type == REDIS_REPLY_ARRAY) {
            *exec = r;
            out = QUEUE_TXN_APPLIED;
        } else {
            snprintf(err, errlen, "redis: the transaction was aborted: %s",
                     queued_err[0] ? queued_err : r->type == REDIS_REPLY_ERROR ? r->str : "EXEC answered nil");
            freeReplyObject(r);
        }
    }
    if (c->timeout)
        redisSetTimeout(c, *c->timeout);
    return out;
}

enum queue_txn_outcome queue_txn_check(redisReply **exec, char *err, size_t errlen)
{
    redisReply *r = *exec;
    for (size_t i = 0; i < r->elements; i++)
        if (r->element[i]->type == REDIS_REPLY_ERROR) {
            snprintf(err, errlen, "redis refused command %zu of %zu: %s", i + 1, r->elements, r->element[i]->str);
            freeReplyObject(r);
            *exec = NULL;
            return QUEUE_TXN_PARTLY;
        }
    return QUEUE_TXN_APPLIED;
}
