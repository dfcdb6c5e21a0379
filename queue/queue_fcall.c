/* queue_fcall — building and checking the calls of Redis functions (see queue_fcall.h). */
#include "queue/queue_fcall.h"
#include "queue/queue_conn.h"
#include "queue/queue_lua.h"
#include "queue/queue_sync_internal.h"
#include "util/vg_buf.h"
#include "util/vg_log.h"

#include <stdio.h>
#include <string.h>

#define QUEUE_FN_LAYOUT_(id, fname, nk, na, more) [QUEUE_FN_##id] = {fname, #nk, nk, na, more},
const struct queue_fn_layout queue_fn_layouts[QUEUE_FN_COUNT] = {QUEUE_FUNCTIONS(QUEUE_FN_LAYOUT_)};
#undef QUEUE_FN_LAYOUT_

/* 0 when the counts fit fn's layout; else -1 with the mismatch in err. */
static int check(enum queue_fn fn, size_t nkeys, size_t nargs, char *err, size_t errlen)
{
    if ((unsigned)fn >= QUEUE_FN_COUNT) {
        snprintf(err, errlen, "no Redis function number %d", (int)fn);
        return -1;
    }
    const struct queue_fn_layout *l = &queue_fn_layouts[fn];
    if (nkeys == l->nkeys && (l->more ? nargs >= l->nargs : nargs == l->nargs))
        return 0;
    snprintf(err, errlen, "%s called with %zu keys and %zu arguments; its layout (queue_contract.h) is %u keys and %s%u "
             "arguments: the call was not sent", l->name, nkeys, nargs, l->nkeys, l->more ? "at least " : "", l->nargs);
    return -1;
}

int queue_fcall_argv(enum queue_fn fn, const char **argv, size_t nkeys, size_t nargs)
{
    char err[300];
    if (check(fn, nkeys, nargs, err, sizeof(err)) < 0) {
        vg_err("queue", "%s", err);
        return -1;
    }
    argv[0] = "FCALL";
    argv[1] = queue_fn_layouts[fn].name;
    argv[2] = queue_fn_layouts[fn].nkeys_str;
    return (int)(QUEUE_FCALL_HEAD + nkeys + nargs);
}

int queue_fcall(struct queue_conn *c, redisCallbackFn *cb, void *privdata, enum queue_fn fn, const char **argv,
                size_t nkeys, size_t nargs)
{
    int argc = queue_fcall_argv(fn, argv, nkeys, nargs);
    return argc < 0 ? -1 : queue_conn_commandv(c, cb, privdata, argc, argv, NULL);
}

redisReply *queue_fcall_sync(struct queue_sync *s, char *err, size_t errlen, enum queue_fn fn, const char **argv,
                             size_t nkeys, size_t nargs)
{
    if (check(fn, nkeys, nargs, err, errlen) < 0) {
        vg_err("queue", "%s", err);
        return NULL;
    }
    queue_fcall_argv(fn, argv, nkeys, nargs);
    redisReply *r = queue_sync_cmdv(s, err, errlen, (int)(QUEUE_FCALL_HEAD + nkeys + nargs), argv);
    if (r || !strstr(err, "Function not found"))
        return r;
    /* A Redis no daemon has used yet (vigie status right after install): load the library,
     * without REPLACE, so that a running daemon's own version is never swapped by a command's. */
    char lerr[256];
    redisReply *l = queue_sync_cmd(s, lerr, sizeof(lerr), "FUNCTION LOAD %s", queue_lua_library);
    if (!l && !strstr(lerr, "already exists"))
        return NULL; /* err still says the function was not found */
    if (l)
        freeReplyObject(l);
    return queue_sync_cmdv(s, err, errlen, (int)(QUEUE_FCALL_HEAD + nkeys + nargs), argv);
}

/* $<len>\r\n<a><b>\r\n */
static int put_bulk2(struct vg_buf *b, const char *a, const char *s)
{
    size_t na = strlen(a), ns = strlen(s);
    char head[32];
    int n = snprintf(head, sizeof(head), "$%zu\r\n", na + ns);
    return vg_buf_append(b, head, (size_t)n) < 0 || vg_buf_append(b, a, na) < 0 || vg_buf_append(b, s, ns) < 0 ||
                   vg_buf_append(b, "\r\n", 2) < 0
               ? -1
               : 0;
}

int queue_fcall_proto_head(struct vg_buf *b, enum queue_fn fn, const char *prefix, const char *const *keys,
                           size_t nkeys, size_t nargs)
{
    const char *head[QUEUE_FCALL_HEAD];
    if (queue_fcall_argv(fn, head, nkeys, nargs) < 0)
        return -1;
    char count[32];
    int n = snprintf(count, sizeof(count), "*%zu\r\n", QUEUE_FCALL_HEAD + nkeys + nargs);
    if (vg_buf_append(b, count, (size_t)n) < 0)
        return -1;
    for (size_t i = 0; i < QUEUE_FCALL_HEAD; i++)
        if (put_bulk2(b, "", head[i]) < 0)
            return -1;
    for (size_t i = 0; i < nkeys; i++)
        if (put_bulk2(b, prefix, keys[i]) < 0)
            return -1;
    return 0;
}
