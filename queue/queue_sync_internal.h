/* queue_sync_internal — the hiredis context behind a queue_sync, for queue/ files only. */
#ifndef QUEUE_SYNC_INTERNAL_H
#define QUEUE_SYNC_INTERNAL_H

#include <hiredis/hiredis.h>

#include "queue/queue_sync.h"

redisContext *queue_sync_ctx(struct queue_sync *s);
/* Runs a command; on a transport or Redis error returns NULL with err filled. Caller frees
 * the reply with freeReplyObject. */
redisReply *queue_sync_cmd(struct queue_sync *s, char *err, size_t errlen, const char *fmt, ...);
/* The same with the command as an argument vector. */
redisReply *queue_sync_cmdv(struct queue_sync *s, char *err, size_t errlen, int argc, const char **argv);
/* Reads a pipelined reply (after redisAppendCommand); same error handling. */
redisReply *queue_sync_reply(struct queue_sync *s, char *err, size_t errlen);

#endif
