/* queue_txn — one MULTI/EXEC of any size on a command-line connection, with an outcome the
 * command can tell truthfully (for queue/ files only).
 *
 * The connection's usual timeout is for short commands: a transaction of a million commands
 * can wait longer than that for Redis (its EXEC runs them all at once, and a busy or paused
 * Redis answers late), so the wait is sized to the transaction. Whether the transaction was
 * applied is known when its EXEC reply arrives, and when the connection fails before the
 * whole transaction was sent (Redis drops an unfinished MULTI with its connection); when it
 * fails after, the outcome is unknown and is reported as such. */
#ifndef QUEUE_TXN_H
#define QUEUE_TXN_H

#include <stddef.h>

#include "queue/queue_sync_internal.h"

enum queue_txn_outcome {
    QUEUE_TXN_APPLIED = 0,
    QUEUE_TXN_NOT_APPLIED = -1,
    QUEUE_TXN_UNKNOWN = -2,
    /* EXEC ran, but Redis refused some of its commands (a key of the wrong type): the others
     * were applied. */
    QUEUE_TXN_PARTLY = -3,
};

/* Sends what was appended to the context (MULTI, ncmds commands, EXEC: ncmds + 2 commands)
 * and reads the replies. On QUEUE_TXN_APPLIED *exec receives the EXEC reply (caller frees
 * with freeReplyObject); otherwise err says why. */
enum queue_txn_outcome queue_txn_exec(struct queue_sync *q, size_t ncmds, redisReply **exec, char *err,
                                      size_t errlen);
/* After QUEUE_TXN_APPLIED: QUEUE_TXN_PARTLY with the first refusal in err when a command
 * inside the transaction failed at run time (then *exec is freed and NULL), else APPLIED. */
enum queue_txn_outcome queue_txn_check(redisReply **exec, char *err, size_t errlen);

#endif
