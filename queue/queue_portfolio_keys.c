/* queue_portfolio_keys — every account's ordering keys for the portfolio (see
 * queue_portfolio_keys.h). */
#include "queue/queue_portfolio_keys.h"
#include "queue/queue_contract.h"
#include "queue/queue_sync_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int queue_portfolio_keys(struct queue_sync *q, const char *const *ids, size_t n, struct queue_portfolio_key *out,
                         char *err, size_t errlen)
{
    redisContext *c = queue_sync_ctx(q);
    const char *p = queue_sync_prefix(q);
    for (size_t i = 0; i < n; i++)
        if (redisAppendCommand(c, "HMGET %s" QUEUE_KEY_SERIES_WEEKS "%s last_ms last_type log", p, ids[i]) !=
            REDIS_OK) {
            snprintf(err, errlen, "out of memory");
            return -1; /* the connection is left with commands in flight: the command ends */
        }
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        struct queue_portfolio_key *k = &out[i];
        memset(k, 0, sizeof(*k));
        k->heat_log = -HUGE_VAL;
        redisReply *r = queue_sync_reply(q, err, errlen);
        if (!r) {
            rc = -1;
            continue; /* read the others' replies all the same */
        }
        if (r->type == REDIS_REPLY_ARRAY && r->elements == 3) {
            if (r->element[0]->str)
                k->last_ms = strtoll(r->element[0]->str, NULL, 10);
            if (r->element[1]->str)
                snprintf(k->last_type, sizeof(k->last_type), "%s", r->element[1]->str);
            if (r->element[2]->str && strcmp(r->element[2]->str, "-inf") != 0)
                k->heat_log = strtod(r->element[2]->str, NULL);
        }
        freeReplyObject(r);
    }
    return rc;
}
