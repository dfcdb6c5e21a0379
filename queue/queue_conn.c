/* queue_conn — a supervised async Redis connection (see queue_conn.h).
 *
 * States: DOWN (waiting for the retry timer) -> CONNECTING (TCP/unix connect) -> HANDSHAKE
 * (AUTH/SELECT/SETNAME/INFO/PING in one pipeline) -> UP. Any failure goes back to DOWN and
 * arms the retry timer with jittered exponential backoff. hiredis frees a context itself after
 * its connect-failure or disconnect callback, so those callbacks only forget the pointer;
 * contexts are freed by us (queue_conn_drop) only from timer callbacks, never from inside a
 * hiredis reply callback. */
#include "queue/queue_conn.h"
#include "queue/queue_cluster.h"
#include "queue/queue_ev.h"
#include "queue/queue_url.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"
#include "util/vg_time.h"

#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum conn_state { ST_DOWN, ST_CONNECTING, ST_HANDSHAKE, ST_UP, ST_CLOSED };

enum hs_step { HS_AUTH, HS_SELECT, HS_SETNAME, HS_INFO, HS_LIBRARY, HS_SLOT, HS_PING };

struct queue_conn {
    struct event_base *base;
    struct queue_url url;
    char *password;
    char *name;
    char *role;
    int quiet;
    char *target;
    char *library;
    char *prefix;              /* the keys' prefix, for the cluster checks; NULL: none */
    long long connect_timeout_ms, ping_interval_ms, ping_timeout_ms, backoff_max_ms;

    redisAsyncContext *ac;
    enum conn_state state;
    unsigned attempt;          /* consecutive failed attempts, for backoff */
    int64_t attempt_started;   /* mono ms */
    int64_t down_since;        /* mono ms, 0 when up */
    int64_t created;           /* mono ms */
    long long startup_grace_ms;
    int ever_up;
    int hs_failed;
    int hs_cluster;            /* the server said cluster_enabled:1 */
    char hs_probe_error[160];  /* the slot probe's error, "" when it succeeded */
    int64_t ping_sent;         /* mono ms of the outstanding PING, 0 when none */
    int64_t refused_since, refused_seen, refused_logged; /* mono ms */
    uint64_t refused_logged_at; /* stats.refusals when last logged */

    struct event *retry_ev, *tick_ev, *drop_ev;
    queue_conn_state_cb on_state;
    void *arg;
    void (*close_done)(void *);
    void *close_arg;
    struct queue_conn_stats stats;
};

static void start_connect(struct queue_conn *c);

static void set_error(struct queue_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct queue_conn *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->stats.last_error, sizeof(c->stats.last_error), fmt, ap);
    va_end(ap);
}

/* ---- writes refused ---------------------------------------------------------------
 * The errors are caught in hiredis's reader, as the reply objects are built, so that no
 * command's callback has to look, and errors nested in EXEC or script replies count too.
 * MISCONF refuses PING as well, so the watchdog's next PONG says it is over; the others are
 * over once no reply has refused anything for REFUSAL_HOLD_MS. */

#define REFUSAL_HOLD_MS 30000
#define REFUSAL_LOG_MS 60000

static redisReplyObjectFunctions watched_fns;
static const redisReplyObjectFunctions *default_fns;

static void log_refusal(struct queue_conn *c, int64_t now, const char *what)
{
    VG_LOG(c->quiet ? VG_LOG_DEBUG : VG_LOG_WARNING, "redis", "%s: %s %s: %s (%llu refused replies so far)", c->role,
           c->target, what, c->stats.refused, (unsigned long long)c->stats.refusals);
    c->refused_logged = now;
    c->refused_logged_at = c->stats.refusals;
}

static void note_refusal(struct queue_conn *c, const char *str, size_t len)
{
    static const char *const codes[] = {"MISCONF ", "OOM ", "READONLY ", "NOREPLICAS "};
    size_t i = 0;
    while (i < sizeof(codes) / sizeof(codes[0]) && (len < strlen(codes[i]) || memcmp(str, codes[i], strlen(codes[i])) != 0))
        i++;
    if (i == sizeof(codes) / sizeof(codes[0]))
        return;
    int64_t now = vg_mono_ms();
    c->stats.refusals++;
    c->refused_seen = now;
    if (c->stats.refused[0])
        return;
    /* Its first sentence says enough ("MISCONF Redis is configured to save RDB snapshots,
     * but it's currently unable to persist to disk."); the rest points at the Redis log. */
    size_t n = 0;
    while (n < len && n + 1 < sizeof(c->stats.refused) && !(str[n] == '.' && (n + 1 == len || str[n + 1] == ' ')))
        n++;
    if (n < len && str[n] == '.' && n + 1 < sizeof(c->stats.refused))
        n++;
    memcpy(c->stats.refused, str, n);
    c->stats.refused[n] = '\0';
    c->refused_since = now;
    log_refusal(c, now, "refuses writes");
}

static void writes_accepted(struct queue_conn *c, int64_t now)
{
    VG_LOG(c->quiet ? VG_LOG_DEBUG : VG_LOG_NOTICE, "redis", "%s: %s accepts writes again after %.1fs (%llu refused replies)",
           c->role, c->target, (double)(now - c->refused_since) / 1000.0, (unsigned long long)c->stats.refusals);
    c->stats.refused[0] = '\0';
}

/* A PING answered: MISCONF, which refuses PING too, is over. */
static void pong_received(struct queue_conn *c)
{
    if (strncmp(c->stats.refused, "MISCONF", 7) == 0)
        writes_accepted(c, vg_mono_ms());
}

/* From the watchdog tick: a refusal other than MISCONF is over when none was seen for a
 * while; one that lasts is logged again once a minute with how many replies it refused. */
static void refusal_tick(struct queue_conn *c, int64_t now)
{
    if (!c->stats.refused[0])
        return;
    if (strncmp(c->stats.refused, "MISCONF", 7) != 0 && now - c->refused_seen > REFUSAL_HOLD_MS)
        writes_accepted(c, now);
    else if (now - c->refused_logged >= REFUSAL_LOG_MS && c->stats.refusals > c->refused_logged_at)
        log_refusal(c, now, "still refuses writes");
}

static void *watched_string(const redisReadTask *task, char *str, size_t len)
{
    const redisReadTask *root = task;
    while (root->parent)
        root = root->parent;
    if (task->type == REDIS_REPLY_ERROR && root->privdata)
        note_refusal(root->privdata, str, len);
    return default_fns->createString(task, str, len);
}

static void watch_replies(struct queue_conn *c, redisAsyncContext *ac)
{
    if (!default_fns) {
        default_fns = ac->c.reader->fn;
        watched_fns = *default_fns;
        watched_fns.createString = watched_string;
    }
    ac->c.reader->fn = &watched_fns;
    ac->c.reader->privdata = c; /* hiredis 0.14's redisReaderSetPrivdata casts a pointer to int */
}

static void schedule_retry(struct queue_conn *c)
{
    if (c->state == ST_CLOSED)
        return;
    c->state = ST_DOWN;
    c->stats.failed_attempts++;
    int64_t delay = vg_backoff_ms(c->attempt, 100, c->backoff_max_ms);
    /* One line for the first failure, then one every 10 attempts: a long outage must not
     * flood the log, but it must stay visible. */
    if (!c->ever_up && vg_mono_ms() - c->created < c->startup_grace_ms)
        vg_debug("redis", "%s not answering yet (%s); retrying in %.1fs", c->target,
                 c->stats.last_error, (double)delay / 1000.0);
    else if (c->attempt == 0 || c->attempt % 10 == 0)
        VG_LOG(c->quiet ? VG_LOG_DEBUG : VG_LOG_WARNING, "redis", "%s: %s unreachable (%s); retrying in %.1fs (attempt %u)", c->role, c->target,
                c->stats.last_error, (double)delay / 1000.0, c->attempt + 1);
    c->attempt++;
    struct timeval tv = vg_tv_ms(delay);
    evtimer_add(c->retry_ev, &tv);
}

/* Drops the current context (from a timer, never from a hiredis callback) and retries. */
static void queue_conn_drop(struct queue_conn *c)
{
    redisAsyncContext *ac = c->ac;
    int was_up = c->state == ST_UP;
    c->ac = NULL;
    c->ping_sent = 0;
    if (ac)
        redisAsyncFree(ac); /* in-flight callbacks get NULL; our disconnect cb ignores it */
    if (was_up) {
        c->stats.drops++;
        c->down_since = vg_mono_ms();
        if (c->on_state)
            c->on_state(c, 0, c->arg);
    }
    schedule_retry(c);
}

static void on_drop_timer(evutil_socket_t fd, short what, void *arg)
{
    queue_conn_drop(arg);
}

static void became_up(struct queue_conn *c)
{
    int64_t now = vg_mono_ms();
    c->state = ST_UP;
    c->stats.connects++;
    if (c->ever_up)
        VG_LOG(c->quiet ? VG_LOG_DEBUG : VG_LOG_NOTICE, "redis", "%s: reconnected to %s after %u attempts (down %.1fs)", c->role, c->target, c->attempt,
                  (double)(now - c->down_since) / 1000.0);
    else
        VG_LOG(c->quiet ? VG_LOG_DEBUG : VG_LOG_INFO, "redis", "%s: connected to %s (redis %s)", c->role, c->target,
                c->stats.server_version[0] ? c->stats.server_version : "?");
    c->ever_up = 1;
    c->attempt = 0;
    c->down_since = 0;
    c->stats.last_error[0] = '\0';
    pong_received(c);
    if (c->on_state)
        c->on_state(c, 1, c->arg);
}

static void parse_info(struct queue_conn *c, const char *info)
{
    const char *v = strstr(info, "redis_version:");
    if (!v)
        return;
    v += strlen("redis_version:");
    size_t n = strcspn(v, "\r\n");
    if (n >= sizeof(c->stats.server_version))
        n = sizeof(c->stats.server_version) - 1;
    memcpy(c->stats.server_version, v, n);
    c->stats.server_version[n] = '\0';
}

static void on_handshake_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    struct queue_conn *c = ac->data;
    redisReply *reply = r;
    enum hs_step step = (enum hs_step)(intptr_t)privdata;
    if (!c || c->ac != ac || !reply)
        return;
    if (step == HS_SLOT) {
        /* Judged at PING, once INFO said whether this is a cluster node: on a plain Redis the
         * probe's answer does not matter. */
        if (reply->type == REDIS_REPLY_ERROR)
            snprintf(c->hs_probe_error, sizeof(c->hs_probe_error), "%s", reply->str);
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        static const char *const what[] = {"AUTH", "SELECT", "CLIENT SETNAME", "INFO", "FUNCTION LOAD", "slot probe",
                                           "PING"};
        set_error(c, "%s failed: %.100s", what[step], reply->str);
        /* A wrong password or a Redis too old for functions is a configuration problem,
         * not a blip: say so loudly. */
        if ((step == HS_AUTH || step == HS_SELECT || step == HS_LIBRARY) && !c->stats.refused[0])
            vg_err("redis", "%s: %s: %s", c->role, c->target, c->stats.last_error);
        c->hs_failed = 1;
    } else if (step == HS_INFO && reply->type == REDIS_REPLY_STRING) {
        parse_info(c, reply->str);
        c->hs_cluster = queue_cluster_enabled(reply->str);
    }
    if (step != HS_PING)
        return;
    char why[sizeof(c->stats.last_error)];
    if (!c->hs_failed && c->hs_cluster && c->prefix &&
        queue_cluster_check(c->prefix, c->hs_probe_error[0] ? c->hs_probe_error : NULL, why, sizeof(why)) < 0) {
        set_error(c, "%s", why);
        vg_err("redis", "%s: %s: %s", c->role, c->target, why); /* a configuration problem: loudly */
        c->hs_failed = 1;
    }
    if (c->hs_failed) {
        struct timeval tv = {0, 0};
        evtimer_add(c->drop_ev, &tv);
        return;
    }
    became_up(c);
}

static void on_connect(const redisAsyncContext *ac, int status)
{
    struct queue_conn *c = ac->data;
    if (!c || c->ac != ac)
        return;
    if (status != REDIS_OK) {
        set_error(c, "%s", ac->errstr[0] ? ac->errstr : "connect failed");
        c->ac = NULL; /* hiredis frees it after this callback */
        schedule_retry(c);
        return;
    }
    c->state = ST_HANDSHAKE;
    c->hs_failed = 0;
    redisAsyncContext *mac = c->ac;
    if (c->password && c->password[0]) {
        if (c->url.user)
            redisAsyncCommand(mac, on_handshake_reply, (void *)(intptr_t)HS_AUTH, "AUTH %s %s",
                              c->url.user, c->password);
        else
            redisAsyncCommand(mac, on_handshake_reply, (void *)(intptr_t)HS_AUTH, "AUTH %s", c->password);
    }
    if (c->url.db)
        redisAsyncCommand(mac, on_handshake_reply, (void *)(intptr_t)HS_SELECT, "SELECT %d", c->url.db);
    redisAsyncCommand(mac, on_handshake_reply, (void *)(intptr_t)HS_SETNAME, "CLIENT SETNAME %s", c->name);
    /* Redis 7 takes several sections; "cluster" says whether this is a cluster node. */
    redisAsyncCommand(mac, on_handshake_reply, (void *)(intptr_t)HS_INFO, "INFO server cluster");
    if (c->library)
        redisAsyncCommand(mac, on_handshake_reply, (void *)(intptr_t)HS_LIBRARY, "FUNCTION LOAD REPLACE %s",
                          c->library);
    c->hs_cluster = 0;
    c->hs_probe_error[0] = '\0';
    if (c->prefix)
        redisAsyncCommand(mac, on_handshake_reply, (void *)(intptr_t)HS_SLOT, "EXISTS %s%s", c->prefix,
                          QUEUE_CLUSTER_PROBE);
    redisAsyncCommand(mac, on_handshake_reply, (void *)(intptr_t)HS_PING, "PING");
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    struct queue_conn *c = ac->data;
    if (!c || c->ac != ac)
        return; /* a context we dropped ourselves */
    c->ac = NULL; /* hiredis frees it after this callback */
    c->ping_sent = 0;
    if (c->state == ST_CLOSED) {
        if (c->close_done)
            c->close_done(c->close_arg);
        return;
    }
    int was_up = c->state == ST_UP;
    set_error(c, "%s", status == REDIS_OK ? "connection closed" : (ac->errstr[0] ? ac->errstr : "connection lost"));
    if (was_up) {
        c->stats.drops++;
        c->down_since = vg_mono_ms();
        VG_LOG(c->quiet ? VG_LOG_DEBUG : VG_LOG_WARNING, "redis", "%s: lost connection to %s: %s", c->role, c->target, c->stats.last_error);
        if (c->on_state)
            c->on_state(c, 0, c->arg);
    }
    schedule_retry(c);
}

static void start_connect(struct queue_conn *c)
{
    if (c->state == ST_CLOSED)
        return;
    redisAsyncContext *ac = c->url.path ? redisAsyncConnectUnix(c->url.path)
                                        : redisAsyncConnect(c->url.host, c->url.port);
    c->attempt_started = vg_mono_ms();
    if (!ac) {
        set_error(c, "out of memory");
        schedule_retry(c);
        return;
    }
    if (ac->err) {
        set_error(c, "%s", ac->errstr);
        redisAsyncFree(ac);
        schedule_retry(c);
        return;
    }
    ac->data = c;
    c->ac = ac;
    c->state = ST_CONNECTING;
    watch_replies(c, ac);
    if (queue_ev_attach(ac, c->base) != REDIS_OK) {
        set_error(c, "out of memory");
        c->ac = NULL;
        redisAsyncFree(ac);
        schedule_retry(c);
        return;
    }
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
}

static void on_retry_timer(evutil_socket_t fd, short what, void *arg)
{
    start_connect(arg);
}

static void on_pong(redisAsyncContext *ac, void *r, void *privdata)
{
    struct queue_conn *c = ac->data;
    redisReply *reply = r;
    if (!c || c->ac != ac || !reply)
        return;
    c->ping_sent = 0;
    if (reply->type != REDIS_REPLY_ERROR)
        pong_received(c);
}

/* The watchdog: a connection attempt or a PING that takes too long means the server or the
 * path to it is stuck, which hiredis 0.14 would otherwise wait on forever. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct queue_conn *c = arg;
    int64_t now = vg_mono_ms();
    refusal_tick(c, now);
    if ((c->state == ST_CONNECTING || c->state == ST_HANDSHAKE) &&
        now - c->attempt_started > c->connect_timeout_ms) {
        set_error(c, "no answer within %.1fs", (double)c->connect_timeout_ms / 1000.0);
        queue_conn_drop(c);
        return;
    }
    if (c->state != ST_UP)
        return;
    if (c->ping_sent) {
        if (now - c->ping_sent > c->ping_timeout_ms) {
            set_error(c, "no reply to PING within %.1fs", (double)c->ping_timeout_ms / 1000.0);
            VG_LOG(c->quiet ? VG_LOG_DEBUG : VG_LOG_WARNING, "redis", "%s: %s: %s; reconnecting", c->role,
                   c->target, c->stats.last_error);
            queue_conn_drop(c);
        }
        return;
    }
    if (redisAsyncCommand(c->ac, on_pong, NULL, "PING") == REDIS_OK)
        c->ping_sent = now;
}

struct queue_conn *queue_conn_new(struct event_base *base, const struct queue_conn_config *cfg,
                                  queue_conn_state_cb on_state, void *arg, char *err, size_t errlen)
{
    struct queue_conn *c = vg_calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (queue_url_parse(cfg->url, &c->url, err, errlen) < 0) {
        vg_free(c);
        return NULL;
    }
    c->base = base;
    c->on_state = on_state;
    c->arg = arg;
    c->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 5000;
    c->ping_interval_ms = cfg->ping_interval_ms > 0 ? cfg->ping_interval_ms : 2000;
    c->ping_timeout_ms = cfg->ping_timeout_ms > 0 ? cfg->ping_timeout_ms : 5000;
    c->backoff_max_ms = cfg->backoff_max_ms > 0 ? cfg->backoff_max_ms : 10000;
    c->startup_grace_ms = cfg->startup_grace_ms;
    c->created = vg_mono_ms();
    const char *pw = cfg->password && cfg->password[0] ? cfg->password : c->url.password;
    c->password = pw ? vg_strdup(pw) : NULL;
    /* CLIENT SETNAME refuses spaces; keep the name printable. */
    c->name = vg_strdup(cfg->name && cfg->name[0] ? cfg->name : "vigie");
    c->target = queue_url_describe(&c->url);
    c->role = vg_strdup(cfg->role && cfg->role[0] ? cfg->role : "redis");
    c->quiet = cfg->quiet;
    c->library = cfg->library ? vg_strdup(cfg->library) : NULL;
    c->prefix = cfg->prefix ? vg_strdup(cfg->prefix) : NULL;
    c->retry_ev = evtimer_new(base, on_retry_timer, c);
    c->tick_ev = event_new(base, -1, EV_PERSIST, on_tick, c);
    c->drop_ev = evtimer_new(base, on_drop_timer, c);
    if ((pw && !c->password) || (cfg->library && !c->library) || (cfg->prefix && !c->prefix) || !c->role || !c->name || !c->target || !c->retry_ev || !c->tick_ev || !c->drop_ev) {
        snprintf(err, errlen, "out of memory");
        queue_conn_free(c);
        return NULL;
    }
    for (char *p = c->name; *p; p++)
        if (*p <= ' ' || *p > '~')
            *p = '_';
    /* The tick runs at a fraction of the shortest deadline it watches. */
    long long tick = c->ping_interval_ms;
    if (c->connect_timeout_ms / 4 < tick)
        tick = c->connect_timeout_ms / 4 > 50 ? c->connect_timeout_ms / 4 : 50;
    struct timeval tv = vg_tv_ms(tick);
    evtimer_add(c->tick_ev, &tv);
    c->down_since = vg_mono_ms();
    start_connect(c);
    return c;
}

void queue_conn_free(struct queue_conn *c)
{
    if (!c)
        return;
    c->state = ST_CLOSED;
    c->close_done = NULL;
    redisAsyncContext *ac = c->ac;
    c->ac = NULL;
    if (ac)
        redisAsyncFree(ac);
    if (c->retry_ev)
        event_free(c->retry_ev);
    if (c->tick_ev)
        event_free(c->tick_ev);
    if (c->drop_ev)
        event_free(c->drop_ev);
    queue_url_clear(&c->url);
    if (c->password) {
        memset(c->password, 0, strlen(c->password));
        vg_free(c->password);
    }
    vg_free(c->name);
    vg_free(c->role);
    vg_free(c->target);
    vg_free(c->library);
    vg_free(c->prefix);
    vg_free(c);
}

void queue_conn_close(struct queue_conn *c, void (*done)(void *arg), void *arg)
{
    int connected = c->ac && (c->state == ST_UP || c->state == ST_HANDSHAKE);
    c->state = ST_CLOSED;
    evtimer_del(c->retry_ev);
    evtimer_del(c->tick_ev);
    evtimer_del(c->drop_ev);
    if (connected) {
        c->close_done = done;
        c->close_arg = arg;
        redisAsyncDisconnect(c->ac); /* flushes pending replies, then on_disconnect */
        return;
    }
    redisAsyncContext *ac = c->ac;
    c->ac = NULL;
    if (ac)
        redisAsyncFree(ac);
    if (done)
        done(arg);
}

int queue_conn_is_up(const struct queue_conn *c) { return c && c->state == ST_UP && c->ac; }

int queue_conn_command(struct queue_conn *c, redisCallbackFn *cb, void *privdata, const char *fmt, ...)
{
    if (!queue_conn_is_up(c))
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int rc = redisvAsyncCommand(c->ac, cb, privdata, fmt, ap);
    va_end(ap);
    return rc == REDIS_OK ? 0 : -1;
}

int queue_conn_commandv(struct queue_conn *c, redisCallbackFn *cb, void *privdata, int argc,
                        const char **argv, const size_t *argvlen)
{
    if (!queue_conn_is_up(c))
        return -1;
    return redisAsyncCommandArgv(c->ac, cb, privdata, argc, argv, argvlen) == REDIS_OK ? 0 : -1;
}

int queue_conn_formatted(struct queue_conn *c, redisCallbackFn *cb, void *privdata, const char *cmd, size_t len)
{
    if (!queue_conn_is_up(c))
        return -1;
    return redisAsyncFormattedCommand(c->ac, cb, privdata, cmd, len) == REDIS_OK ? 0 : -1;
}

const struct queue_conn_stats *queue_conn_stats(const struct queue_conn *c) { return &c->stats; }

const char *queue_conn_target(const struct queue_conn *c) { return c->target; }
const char *queue_conn_name(const struct queue_conn *c) { return c->name; }
