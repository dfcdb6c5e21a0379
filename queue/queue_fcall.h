/* queue_fcall — the one way a Redis function of the "vigie" library is called (queue/ only).
 *
 * The call's head (FCALL, the function's name, its number of keys) comes from the function's
 * layout in queue_contract.h, and the numbers of keys and arguments the caller gives are
 * checked against it before anything is sent: a call that does not match fails at once, with
 * -1 (or NULL) and an error logged, instead of reaching a function that would misread it. */
#ifndef QUEUE_FCALL_H
#define QUEUE_FCALL_H

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <stddef.h>

#include "queue/queue_contract.h"

struct queue_conn;
struct queue_sync;
struct vg_buf;

/* Slots the caller leaves free at the front of argv for the call's head; the keys follow
 * them, then the arguments. */
#define QUEUE_FCALL_HEAD 3

/* Checks the counts against fn's layout and fills the head of argv. Returns the call's argc
 * (QUEUE_FCALL_HEAD + nkeys + nargs), or -1 with an error logged. */
int queue_fcall_argv(enum queue_fn fn, const char **argv, size_t nkeys, size_t nargs);

/* Sends the call on c (as queue_conn_commandv). -1 when the counts do not match the layout or
 * the connection is not up; the callback is then not called. */
int queue_fcall(struct queue_conn *c, redisCallbackFn *cb, void *privdata, enum queue_fn fn, const char **argv,
                size_t nkeys, size_t nargs);

/* The same, blocking (CLI). NULL with err filled on a mismatch or an error; the caller frees
 * the reply. */
redisReply *queue_fcall_sync(struct queue_sync *s, char *err, size_t errlen, enum queue_fn fn, const char **argv,
                             size_t nkeys, size_t nargs);

/* For a call written in the Redis protocol as its arguments come: appends to b the array
 * header of the whole call, its head and its keys (each prefix + keys[i]); the caller appends
 * its nargs arguments as bulk strings after them. -1 on a mismatch (logged) or no memory. */
int queue_fcall_proto_head(struct vg_buf *b, enum queue_fn fn, const char *prefix, const char *const *keys,
                           size_t nkeys, size_t nargs);

#endif
