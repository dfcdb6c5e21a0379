/* queue_sync — blocking Redis connection for CLI commands (see queue_sync.h). */
#include "queue/queue_sync_internal.h"
#include "queue/queue_cluster.h"
#include "queue/queue.h"
#include "queue/queue_contract.h"
#include "queue/queue_embedded.h"
#include "queue/queue_url.h"
#include "util/vg_alloc.h"
#include "util/vg_time.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct queue_sync {
    redisContext *c;
    struct queue_embedded *temp; /* a server started just for this command */
    char *prefix;
};

static redisContext *connect_url(const struct queue_url *u, char *err, size_t errlen)
{
    struct timeval tv = {5, 0};
    redisContext *c = u->path ? redisConnectUnixWithTimeout(u->path, tv)
                              : redisConnectWithTimeout(u->host, u->port, tv);
    if (!c || c->err) {
        snprintf(err, errlen, "%s", c ? c->errstr : "out of memory");
        if (c)
            redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, tv);
    return c;
}

/* On a Redis Cluster node, the daemon's checks (queue_cluster.h): a prefix with a hash tag that
 * this node serves. */
static int cluster_check(redisContext *c, const char *prefix, char *err, size_t errlen)
{
    redisReply *r = redisCommand(c, "INFO cluster");
    int cluster = r && r->type == REDIS_REPLY_STRING && queue_cluster_enabled(r->str);
    if (r)
        freeReplyObject(r);
    if (!cluster)
        return 0;
    r = queue_cluster_prefix_tagged(prefix) ? redisCommand(c, "EXISTS %s%s", prefix, QUEUE_CLUSTER_PROBE) : NULL;
    int rc = queue_cluster_check(prefix, r && r->type == REDIS_REPLY_ERROR ? r->str : NULL, err, errlen);
    if (r)
        freeReplyObject(r);
    return rc;
}

/* AUTH and SELECT as the daemon would. */
static int handshake(redisContext *c, const struct queue_url *u, const char *password, char *err, size_t errlen)
{
    const char *pw = password && password[0] ? password : u->password;
    redisReply *r = NULL;
    if (pw) {
        r = u->user ? redisCommand(c, "AUTH %s %s", u->user, pw) : redisCommand(c, "AUTH %s", pw);
        if (!r || r->type == REDIS_REPLY_ERROR)
            goto fail;
        freeReplyObject(r);
    }
    r = redisCommand(c, "SELECT %d", u->db);
    if (!r || r->type == REDIS_REPLY_ERROR)
        goto fail;
    freeReplyObject(r);
    /* A server that just started answers LOADING while it reads its append-only file. */
    int64_t deadline = vg_mono_ms() + 30000;
    for (;;) {
        r = redisCommand(c, "PING");
        if (!r)
            goto fail;
        if (r->type != REDIS_REPLY_ERROR)
            break;
        /* MISCONF refuses PING, yet reads still work: the commands will tell. */
        if (strncmp(r->str, "MISCONF", 7) == 0)
            break;
        if (strncmp(r->str, "LOADING", 7) != 0 || vg_mono_ms() > deadline)
            goto fail;
        freeReplyObject(r);
        usleep(20000);
    }
    freeReplyObject(r);
    return 0;
fail:
    snprintf(err, errlen, "%s", r ? r->str : c->errstr);
    if (r)
        freeReplyObject(r);
    return -1;
}

struct queue_sync *queue_sync_open(const struct queue_config *cfg, char *err, size_t errlen)
{
    struct queue_sync *s = vg_calloc(1, sizeof(*s));
    struct queue_url u = {0};
    char *url = NULL;
    if (!s || !(s->prefix = vg_strdup(cfg->prefix ? cfg->prefix : QUEUE_DEFAULT_PREFIX))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (strcmp(cfg->url, "embedded") == 0) {
        url = vg_asprintf("unix:%s/redis/redis.sock", cfg->state_dir);
        if (!url || queue_url_parse(url, &u, err, errlen) < 0)
            goto fail;
        /* A running daemon's server, else one of our own for this command. A daemon that is
         * just starting holds the lock before its socket exists: wait for it briefly. */
        int64_t deadline = vg_mono_ms() + 5000;
        while (!(s->c = connect_url(&u, err, errlen))) {
            if (!s->temp) {
                char why[512];
                s->temp = queue_embedded_start(NULL, cfg->state_dir, cfg->server, why, sizeof(why));
                if (!s->temp && !strstr(why, "another vigie")) {
                    snprintf(err, errlen, "%s", why);
                    goto fail;
                }
            }
            if (vg_mono_ms() > deadline) {
                snprintf(err, errlen, "embedded Redis in %s/redis did not answer within 5s", cfg->state_dir);
                goto fail;
            }
            usleep(20000);
        }
    } else {
        if (queue_url_parse(cfg->url, &u, err, errlen) < 0)
            goto fail;
        char why[256];
        if (!(s->c = connect_url(&u, why, sizeof(why)))) {
            char *d = queue_url_describe(&u);
            snprintf(err, errlen, "cannot connect to Redis at %s: %s", d ? d : cfg->url, why);
            vg_free(d);
            goto fail;
        }
    }
    if (handshake(s->c, &u, cfg->password, err, errlen) < 0 || cluster_check(s->c, s->prefix, err, errlen) < 0)
        goto fail;
    queue_url_clear(&u);
    vg_free(url);
    return s;
fail:
    queue_url_clear(&u);
    vg_free(url);
    queue_sync_close(s);
    return NULL;
}

void queue_sync_close(struct queue_sync *s)
{
    if (!s)
        return;
    if (s->c)
        redisFree(s->c);
    queue_embedded_stop(s->temp, 5000);
    vg_free(s->prefix);
    vg_free(s);
}

const char *queue_sync_prefix(const struct queue_sync *s) { return s->prefix; }

redisContext *queue_sync_ctx(struct queue_sync *s) { return s->c; }

static redisReply *check(struct queue_sync *s, redisReply *r, char *err, size_t errlen)
{
    if (!r) {
        snprintf(err, errlen, "redis: %s", s->c->errstr[0] ? s->c->errstr : "no reply");
        return NULL;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        snprintf(err, errlen, "redis: %s", r->str);
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

redisReply *queue_sync_cmd(struct queue_sync *s, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(s->c, fmt, ap);
    va_end(ap);
    return check(s, r, err, errlen);
}

redisReply *queue_sync_cmdv(struct queue_sync *s, char *err, size_t errlen, int argc, const char **argv)
{
    return check(s, redisCommandArgv(s->c, argc, argv, NULL), err, errlen);
}

redisReply *queue_sync_reply(struct queue_sync *s, char *err, size_t errlen)
{
    void *r = NULL;
    if (redisGetReply(s->c, &r) != REDIS_OK)
        r = NULL;
    return check(s, r, err, errlen);
}
