/* queue_consumer — a consumer group read for an owner that acknowledges later (see
 * queue_consumer.h).
 *
 * Reads go through a connection of their own (XREADGROUP BLOCK would hold up every command
 * behind it); acknowledgements, takeovers, dead letters and delivery counts go through the
 * queue's command connection. Whatever a read or a takeover returns is copied into the
 * consumer's own list (`held`) and handed over from there, on the next turn of the loop, as
 * many as the owner wants. A read asks for COUNT = what the owner still wants, but COUNT is per
 * stream, and a takeover may run while a read is blocked: what comes back beyond the owner's
 * room waits in `held` (pending under this consumer) until the owner wants more.
 *
 * Delivery counts: an entry read with ">" is on its first delivery. An entry read again from
 * the consumer's own pending list, or taken over with XAUTOCLAIM, has its count asked from
 * XPENDING for this consumer (one range call per stream and batch) before it is handed over:
 * both commands count the delivery they make, so the count includes it (2 at least, the
 * fallback when XPENDING does not list the entry). Entries wait in `held` in order: one whose
 * count is still asked for holds back those behind it.
 *
 * The consumer remembers what it has handed over and the owner has not settled (acked, dead
 * letter, released): a re-read of its pending list (after a reconnection) or its own takeover
 * that returns one of those, or one still in `held`, does not hand it over a second time. */
#include "queue/queue_consumer.h"
#include "queue/queue_fcall.h"
#include "queue/queue_int.h"
#include "util/vg_alloc.h"
#include "util/vg_event.h"
#include "util/vg_log.h"
#include "util/vg_metrics.h"
#include "util/vg_time.h"

#include <event2/event.h>
#include <stdio.h>
#include <string.h>

#define ID_MAX 48
/* Streams a consumer reads, its replay stream included. */
#define MAX_STREAMS 8
#define LOST_LOG_MS 60000
/* XPENDING rows asked beyond the entries looked for: other entries of this consumer may sit
 * in the same id range (held, handed, or not read again yet). */
#define LOOKUP_SLACK 128

struct cstream {
    char *key;             /* prefix + suffix */
    char *suffix;
    int replay;            /* the group's replay stream: entries name their original stream */
    char next_id[ID_MAX];  /* own pending entries first ("0-0" onwards), then ">" */
    char claim_cursor[ID_MAX];
};

/* An entry copied from a reply, waiting to be handed over; its strings in one allocation. */
struct held {
    struct queue_msg e;
    unsigned stream;       /* index in streams */
    unsigned lookup;       /* the delivery-count lookup it waits for; 0: none */
    char *mem;
};

/* An entry handed over that the owner has not settled yet. */
struct handed {
    unsigned stream;
    char id[ID_MAX];
};

struct queue_consumer {
    struct queue *q;
    struct queue_conn *block;
    queue_consumer_fn fn;
    void *arg;
    char *group, *consumer, *dlq_key, *prefix;
    struct cstream *streams;
    unsigned nstreams;
    long long block_ms, reclaim_idle_ms, dlq_maxlen;

    int running;
    int groups_ready;
    unsigned creating;         /* XGROUP CREATE replies awaited */
    int create_failed;
    int reading;               /* an XREADGROUP in flight */
    int claiming;              /* a takeover round in flight */
    unsigned claim_stream;     /* the stream the round is at */
    unsigned in_flight;        /* commands on the command connection whose reply uses c */
    unsigned last_lookup;
    size_t want;
    struct held *held;
    size_t nheld, held_cap;
    struct handed *handed;
    size_t nhanded, handed_cap;
    struct event *kick_ev, *reclaim_ev;
    struct queue_consumer_stats stats;
    void (*drained)(void *);
    void *drained_arg;
    struct vg_log_limit lost_log;
    struct vg_metric *m_read, *m_acked, *m_dead, *m_reclaimed;
};

static void kick(struct queue_consumer *c, long ms)
{
    if (c->running)
        vg_timer_arm(c->kick_ev, ms);
}

static void check_drained(struct queue_consumer *c)
{
    if (!c->running && !c->reading && c->in_flight == 0 && c->drained) {
        void (*cb)(void *) = c->drained;
        c->drained = NULL;
        cb(c->drained_arg);
    }
}

static size_t room(const struct queue_consumer *c) { return c->want > c->nheld ? c->want - c->nheld : 0; }

static int stream_of_key(const struct queue_consumer *c, const char *key)
{
    for (unsigned i = 0; key && i < c->nstreams; i++)
        if (strcmp(c->streams[i].key, key) == 0)
            return (int)i;
    return -1;
}

/* ---- what the consumer holds and has handed over ------------------------------------ */

static int known(const struct queue_consumer *c, unsigned stream, const char *id)
{
    for (size_t i = 0; i < c->nheld; i++)
        if (c->held[i].stream == stream && strcmp(c->held[i].e.id, id) == 0)
            return 1;
    for (size_t i = 0; i < c->nhanded; i++)
        if (c->handed[i].stream == stream && strcmp(c->handed[i].id, id) == 0)
            return 1;
    return 0;
}

static void forget_handed(struct queue_consumer *c, const struct queue_msg *e)
{
    int s = stream_of_key(c, e->key);
    for (size_t i = 0; s >= 0 && e->id && i < c->nhanded; i++) {
        if (c->handed[i].stream == (unsigned)s && strcmp(c->handed[i].id, e->id) == 0) {
            c->handed[i] = c->handed[--c->nhanded];
            return;
        }
    }
}

static int remember_handed(struct queue_consumer *c, const struct held *h)
{
    if (c->nhanded == c->handed_cap) {
        size_t ncap = c->handed_cap ? c->handed_cap * 2 : 64;
        struct handed *nv = vg_realloc(c->handed, ncap * sizeof(*nv));
        if (!nv)
            return -1;
        c->handed = nv;
        c->handed_cap = ncap;
    }
    struct handed *x = &c->handed[c->nhanded++];
    x->stream = h->stream;
    snprintf(x->id, sizeof(x->id), "%s", h->e.id);
    return 0;
}

/* The value of field `name` among an entry's fields after the first pair, or NULL. */
static const redisReply *extra_field(const redisReply *fields, const char *name)
{
    for (size_t i = 2; i + 1 < fields->elements; i += 2)
        if (fields->element[i]->str && strcmp(fields->element[i]->str, name) == 0)
            return fields->element[i + 1];
    return NULL;
}

/* Copies an entry of a reply into `held`. deliveries 0: to be looked up (lookup). 0, or -1 when
 * out of memory (the entry stays pending, taken over after reclaim_idle). */
static int hold(struct queue_consumer *c, unsigned s, const char *id, const redisReply *fields, long long deliveries,
                unsigned lookup)
{
    const struct cstream *cs = &c->streams[s];
    const redisReply *f = fields->element[0], *v = fields->element[1];
    const char *field = f->str ? f->str : "";
    const char *stream = cs->suffix;
    if (cs->replay) {
        const redisReply *o = extra_field(fields, QUEUE_FIELD_ORIGIN_STREAM);
        if (o && o->str && o->str[0]) {
            size_t pl = strlen(c->prefix);
            stream = strncmp(o->str, c->prefix, pl) == 0 ? o->str + pl : o->str;
        }
    }
    size_t lid = strlen(id) + 1, lf = strlen(field) + 1, ls = strlen(stream) + 1;
    size_t lp = v->str ? v->len : 0;
    if (c->nheld == c->held_cap) {
        size_t ncap = c->held_cap ? c->held_cap * 2 : 64;
        struct held *nv = vg_realloc(c->held, ncap * sizeof(*nv));
        if (!nv)
            return -1;
        c->held = nv;
        c->held_cap = ncap;
    }
    char *mem = vg_malloc(lid + lf + ls + lp + 1);
    if (!mem)
        return -1;
    struct held *h = &c->held[c->nheld++];
    memset(h, 0, sizeof(*h));
    h->mem = mem;
    h->stream = s;
    h->lookup = deliveries > 0 ? 0 : lookup;
    memcpy(mem, id, lid);
    h->e.id = mem;
    memcpy(mem + lid, field, lf);
    h->e.field = mem + lid;
    memcpy(mem + lid + lf, stream, ls);
    h->e.stream = mem + lid + lf;
    char *payload = mem + lid + lf + ls;
    if (lp)
        memcpy(payload, v->str, lp);
    payload[lp] = '\0';
    h->e.payload = payload;
    h->e.len = lp;
    h->e.deliveries = deliveries;
    h->e.key = cs->key;
    return 0;
}

/* Hands the held entries over, in order, as many as the owner wants, up to the first one
 * whose delivery count is still being asked for. From the kick timer only, so that the
 * owner's callback never runs inside a reply callback of ours. */
static void hand_over(struct queue_consumer *c)
{
    size_t k = 0;
    while (k < c->nheld && k < c->want && c->held[k].lookup == 0)
        k++;
    if (k == 0 || !c->running)
        return;
    struct queue_msg *v = vg_malloc(k * sizeof(*v));
    struct held *taken = vg_malloc(k * sizeof(*taken));
    if (!v || !taken) {
        vg_free(v);
        vg_free(taken);
        kick(c, 100);
        return;
    }
    for (size_t i = 0; i < k; i++) {
        taken[i] = c->held[i];
        v[i] = c->held[i].e;
        if (remember_handed(c, &c->held[i]) < 0)
            vg_warn("queue", "consumer %s: out of memory: entry %s may be handed over twice", c->group,
                    c->held[i].e.id);
    }
    memmove(c->held, c->held + k, (c->nheld - k) * sizeof(*c->held));
    c->nheld -= k;
    c->want -= k;
    c->fn(c->arg, v, k);
    for (size_t i = 0; i < k; i++)
        vg_free(taken[i].mem);
    vg_free(taken);
    vg_free(v);
}

/* ---- dead letters --------------------------------------------------------------------- */

static void on_dead_lettered(redisAsyncContext *ac, void *r, void *privdata)
{
    struct queue_consumer *c = privdata;
    redisReply *reply = r;
    c->in_flight--;
    if (reply && reply->type == REDIS_REPLY_INTEGER && reply->integer == 1) {
        c->stats.dead_lettered++;
        vg_metric_add(c->m_dead, 1);
    } else if (reply && reply->type == REDIS_REPLY_ERROR) {
        vg_warn("queue", "consumer %s: dead letter failed: %s", c->group, reply->str);
    }
    check_drained(c);
}

static int dead_letter(struct queue_consumer *c, const char *key, const char *id, const char *reason, int gone)
{
    char maxlen[24];
    snprintf(maxlen, sizeof(maxlen), "%lld", c->dlq_maxlen);
    const char *argv[] = {[QUEUE_FCALL_HEAD] = key, c->dlq_key, c->group, id, reason, maxlen, gone ? "1" : "0"};
    if (queue_fcall(queue_cmd(c->q), on_dead_lettered, c, QUEUE_FN_SINK_DEAD_LETTER, argv, 2, 5) < 0)
        return -1;
    c->in_flight++;
    return 0;
}

/* An entry trimmed from its stream while pending: nothing to hand over, keep a trace. */
static void payload_lost(struct queue_consumer *c, unsigned s, const char *id, int gone)
{
    unsigned long held_back;
    dead_letter(c, c->streams[s].key, id, "payload lost: the entry was trimmed from the stream before it was handled",
                gone);
    if (vg_log_limit_pass(&c->lost_log, vg_mono_ms(), LOST_LOG_MS, &held_back))
        vg_warn("queue", "consumer %s: entry %s of %s was trimmed from the stream while pending: dead-lettered "
                "(payload lost; %lu more in the last %ds)", c->group, id, c->streams[s].suffix, held_back,
                LOST_LOG_MS / 1000);
}

/* ---- delivery counts ------------------------------------------------------------------- */

struct lookup_req {
    struct queue_consumer *c;
    unsigned seq, stream;
};

static void resolve(struct queue_consumer *c, unsigned seq, unsigned s, const redisReply *rows)
{
    for (size_t i = 0; i < c->nheld; i++) {
        struct held *h = &c->held[i];
        if (h->lookup != seq || h->stream != s)
            continue;
        h->e.deliveries = 2; /* delivered before, at least once more now */
        for (size_t k = 0; rows && k < rows->elements; k++) {
            const redisReply *row = rows->element[k];
            if (row->type == REDIS_REPLY_ARRAY && row->elements == 4 && row->element[0]->str &&
                strcmp(row->element[0]->str, h->e.id) == 0) {
                h->e.deliveries = row->element[3]->integer;
                break;
            }
        }
        h->lookup = 0;
    }
}

static void on_lookup(redisAsyncContext *ac, void *r, void *privdata)
{
    struct lookup_req *req = privdata;
    struct queue_consumer *c = req->c;
    redisReply *reply = r;
    c->in_flight--;
    resolve(c, req->seq, req->stream, reply && reply->type == REDIS_REPLY_ARRAY ? reply : NULL);
    vg_free(req);
    kick(c, 0);
    check_drained(c);
}

/* Asks the delivery counts of the entries of stream s held with lookup seq: ids first..last. */
static void lookup(struct queue_consumer *c, unsigned seq, unsigned s, const char *first, const char *last, size_t n)
{
    struct lookup_req *req = vg_malloc(sizeof(*req));
    char count[24];
    snprintf(count, sizeof(count), "%zu", n + c->nhanded + LOOKUP_SLACK);
    const char *argv[] = {"XPENDING", c->streams[s].key, c->group, first, last, count, c->consumer};
    if (req) {
        *req = (struct lookup_req){c, seq, s};
        if (queue_conn_commandv(queue_cmd(c->q), on_lookup, req, 7, argv, NULL) == 0) {
            c->in_flight++;
            return;
        }
    }
    vg_free(req);
    resolve(c, seq, s, NULL);
}

/* Takes a reply's entries of stream s. fresh: read with ">", on their first delivery; else
 * their counts are looked up. Returns how many were taken. */
static size_t take(struct queue_consumer *c, unsigned s, const redisReply *entries, int fresh)
{
    unsigned seq = 0;
    if (!fresh && ++c->last_lookup == 0)
        c->last_lookup = 1; /* 0 means no lookup */
    if (!fresh)
        seq = c->last_lookup;
    const char *first = NULL, *last = NULL;
    size_t n = 0;
    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *e = entries->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 || !e->element[0]->str)
            continue;
        const char *id = e->element[0]->str;
        const redisReply *fields = e->element[1];
        if (!fresh && known(c, s, id)) /* the owner has it, or it waits in held */
            continue;
        if (fields->type != REDIS_REPLY_ARRAY || fields->elements < 2) {
            payload_lost(c, s, id, 0);
            continue;
        }
        if (hold(c, s, id, fields, fresh ? 1 : 0, seq) < 0) {
            vg_warn("queue", "consumer %s: out of memory: entry %s stays pending", c->group, id);
            continue;
        }
        if (!first)
            first = id;
        last = id;
        n++;
    }
    if (!fresh && n > 0)
        lookup(c, seq, s, first, last, n);
    return n;
}

/* ---- reading ------------------------------------------------------------------------ */

static void on_kick(evutil_socket_t fd, short what, void *arg);

static void on_read(redisAsyncContext *ac, void *r, void *privdata)
{
    struct queue_consumer *c = privdata;
    redisReply *reply = r;
    c->reading = 0;
    if (!reply) /* the connection dropped (or stop closed it); its state callback reads again */
        goto out;
    if (reply->type == REDIS_REPLY_ERROR) {
        if (strncmp(reply->str, "NOGROUP", 7) == 0) {
            c->groups_ready = 0; /* a stream was deleted with its group: create them again */
            vg_info("queue", "consumer %s: %s: creating the group again", c->group, reply->str);
            kick(c, 0);
        } else {
            vg_warn("queue", "consumer %s: read failed: %s", c->group, reply->str);
            kick(c, 1000);
        }
        goto out;
    }
    if (reply->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i < reply->elements; i++) {
            const redisReply *sr = reply->element[i];
            if (sr->type != REDIS_REPLY_ARRAY || sr->elements != 2 || sr->element[1]->type != REDIS_REPLY_ARRAY)
                continue;
            int s = stream_of_key(c, sr->element[0]->str);
            if (s < 0)
                continue;
            struct cstream *cs = &c->streams[s];
            const redisReply *entries = sr->element[1];
            int fresh = strcmp(cs->next_id, ">") == 0;
            if (!fresh) {
                if (entries->elements == 0) {
                    snprintf(cs->next_id, sizeof(cs->next_id), ">"); /* own pending entries exhausted */
                    continue;
                }
                const redisReply *lastr = entries->element[entries->elements - 1];
                if (lastr->type == REDIS_REPLY_ARRAY && lastr->elements >= 1 && lastr->element[0]->str)
                    snprintf(cs->next_id, sizeof(cs->next_id), "%s", lastr->element[0]->str);
            }
            size_t n = take(c, (unsigned)s, entries, fresh);
            c->stats.read += n;
            vg_metric_add(c->m_read, (double)n);
        }
    } /* else nil: BLOCK timed out */
    kick(c, 0);
out:
    check_drained(c);
}

static void on_group(redisAsyncContext *ac, void *r, void *privdata)
{
    struct queue_consumer *c = privdata;
    redisReply *reply = r;
    c->in_flight--;
    c->creating--;
    if (!reply || (reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "BUSYGROUP", 9) != 0)) {
        if (!c->create_failed)
            vg_warn("queue", "consumer %s: cannot create the consumer group: %s", c->group,
                    reply ? reply->str : "no reply");
        c->create_failed = 1;
    }
    if (c->creating == 0) {
        c->groups_ready = !c->create_failed;
        kick(c, c->groups_ready ? 0 : 1000);
    }
    check_drained(c);
}

/* The groups, from 0 (entries written before a group existed are read too), MKSTREAM (the
 * replay stream exists once the group reads it). */
static void create_groups(struct queue_consumer *c)
{
    if (c->creating)
        return;
    c->create_failed = 0;
    for (unsigned i = 0; i < c->nstreams; i++) {
        if (queue_conn_command(queue_cmd(c->q), on_group, c, "XGROUP CREATE %s %s 0 MKSTREAM", c->streams[i].key,
                               c->group) < 0) {
            c->create_failed = 1;
            break;
        }
        c->creating++;
        c->in_flight++;
    }
    if (c->creating == 0)
        kick(c, 500);
}

/* Creates the groups if need be (whether the owner wants entries or not: the group's lag
 * counts from its creation), then reads while the owner has room. */
static void read_more(struct queue_consumer *c)
{
    if (!c->running || c->reading)
        return;
    if (!queue_is_ready(c->q)) {
        kick(c, 500);
        return;
    }
    if (!c->groups_ready) {
        create_groups(c);
        return;
    }
    size_t n = room(c);
    if (n == 0)
        return;
    if (!c->block || !queue_conn_is_up(c->block)) {
        kick(c, 500);
        return;
    }
    char count[24], block[24];
    snprintf(count, sizeof(count), "%zu", n);
    snprintf(block, sizeof(block), "%lld", c->block_ms);
    const char *argv[9 + 2 * MAX_STREAMS];
    int argc = 0;
    argv[argc++] = "XREADGROUP";
    argv[argc++] = "GROUP";
    argv[argc++] = c->group;
    argv[argc++] = c->consumer;
    argv[argc++] = "COUNT";
    argv[argc++] = count;
    argv[argc++] = "BLOCK"; /* returns at once while a stream reads its own pending entries */
    argv[argc++] = block;
    argv[argc++] = "STREAMS";
    for (unsigned i = 0; i < c->nstreams; i++)
        argv[argc++] = c->streams[i].key;
    for (unsigned i = 0; i < c->nstreams; i++)
        argv[argc++] = c->streams[i].next_id;
    if (queue_conn_commandv(c->block, on_read, c, argc, argv, NULL) == 0)
        c->reading = 1;
    else
        kick(c, 500);
}

static void on_kick(evutil_socket_t fd, short what, void *arg)
{
    struct queue_consumer *c = arg;
    hand_over(c);
    read_more(c);
}

/* ---- takeovers -------------------------------------------------------------------------- */

static void claim_next(struct queue_consumer *c);

static void on_autoclaim(redisAsyncContext *ac, void *r, void *privdata)
{
    struct queue_consumer *c = privdata;
    redisReply *reply = r;
    unsigned s = c->claim_stream++;
    c->in_flight--;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2 &&
        reply->element[1]->type == REDIS_REPLY_ARRAY) {
        struct cstream *cs = &c->streams[s];
        snprintf(cs->claim_cursor, sizeof(cs->claim_cursor), "%s",
                 reply->element[0]->str ? reply->element[0]->str : "0-0");
        size_t n = take(c, s, reply->element[1], 0);
        c->stats.reclaimed += n;
        vg_metric_add(c->m_reclaimed, (double)n);
        if (n)
            vg_info("queue", "consumer %s: took over %zu entries of %s idle for %lld ms or more", c->group, n,
                    cs->suffix, c->reclaim_idle_ms);
        /* Redis 7 lists the pending ids whose entries no longer exist (trimmed), and has
         * dropped them from the pending list. */
        if (reply->elements >= 3 && reply->element[2]->type == REDIS_REPLY_ARRAY)
            for (size_t i = 0; i < reply->element[2]->elements; i++)
                if (reply->element[2]->element[i]->str)
                    payload_lost(c, s, reply->element[2]->element[i]->str, 1);
        kick(c, 0);
    } else if (reply && reply->type == REDIS_REPLY_ERROR) {
        if (strncmp(reply->str, "NOGROUP", 7) == 0)
            c->groups_ready = 0;
        vg_warn("queue", "consumer %s: takeover failed: %s", c->group, reply->str);
    }
    if (reply && c->running)
        claim_next(c);
    else
        c->claiming = 0;
    check_drained(c);
}

/* The round's next stream, while the owner has room. */
static void claim_next(struct queue_consumer *c)
{
    size_t n = room(c);
    if (n > 0 && c->groups_ready && c->claim_stream < c->nstreams) {
        char idle[24], count[24];
        snprintf(idle, sizeof(idle), "%lld", c->reclaim_idle_ms);
        snprintf(count, sizeof(count), "%zu", n);
        const struct cstream *cs = &c->streams[c->claim_stream];
        const char *argv[] = {"XAUTOCLAIM", cs->key, c->group, c->consumer, idle, cs->claim_cursor, "COUNT", count};
        if (queue_conn_commandv(queue_cmd(c->q), on_autoclaim, c, 8, argv, NULL) == 0) {
            c->in_flight++;
            return;
        }
    }
    c->claiming = 0;
}

static void on_reclaim_timer(evutil_socket_t fd, short what, void *arg)
{
    struct queue_consumer *c = arg;
    if (!c->running || c->claiming || !c->groups_ready || !queue_is_ready(c->q))
        return;
    c->claiming = 1;
    c->claim_stream = 0;
    claim_next(c);
}

static void on_block_state(struct queue_conn *conn, int up, void *arg)
{
    struct queue_consumer *c = arg;
    if (up) {
        c->groups_ready = 0; /* Redis may have restarted without the groups */
        for (unsigned i = 0; i < c->nstreams; i++)
            snprintf(c->streams[i].next_id, sizeof(c->streams[i].next_id), "0-0");
        kick(c, 0);
    }
}

/* ---- the owner's calls ------------------------------------------------------------------- */

void queue_consumer_want(struct queue_consumer *c, size_t n)
{
    c->want = n;
    kick(c, 0);
}

static void on_acked(redisAsyncContext *ac, void *r, void *privdata)
{
    struct queue_consumer *c = privdata;
    redisReply *reply = r;
    c->in_flight--;
    if (reply && reply->type == REDIS_REPLY_INTEGER && reply->integer == 1) {
        c->stats.acked++;
        vg_metric_add(c->m_acked, 1);
    } else if (reply && reply->type == REDIS_REPLY_ERROR) {
        vg_warn("queue", "consumer %s: acknowledgement failed: %s", c->group, reply->str);
    }
    check_drained(c);
}

int queue_consumer_ack(struct queue_consumer *c, const struct queue_msg *e)
{
    forget_handed(c, e);
    if (queue_conn_command(queue_cmd(c->q), on_acked, c, "XACK %s %s %s", e->key, c->group, e->id) < 0)
        return -1;
    c->in_flight++;
    return 0;
}

int queue_consumer_dead_letter(struct queue_consumer *c, const struct queue_msg *e, const char *reason)
{
    forget_handed(c, e);
    return dead_letter(c, e->key, e->id, reason && reason[0] ? reason : "dead-lettered by its consumer", 0);
}

void queue_consumer_release(struct queue_consumer *c, const struct queue_msg *e) { forget_handed(c, e); }

struct touch_req {
    struct queue_consumer *c;
    void (*cb)(void *arg, int ours);
    void *arg;
};

static void on_touched(redisAsyncContext *ac, void *r, void *privdata)
{
    (void)ac;
    struct touch_req *t = privdata;
    redisReply *reply = r;
    struct queue_consumer *c = t->c;
    c->in_flight--;
    int ours = !reply || reply->type != REDIS_REPLY_INTEGER ? -1 : reply->integer == 1;
    if (reply && reply->type == REDIS_REPLY_ERROR)
        vg_warn("queue", "consumer %s: touching a held entry failed: %s", c->group, reply->str);
    t->cb(t->arg, ours);
    vg_free(t);
    check_drained(c);
}

int queue_consumer_touch(struct queue_consumer *c, const struct queue_msg *e, void (*cb)(void *arg, int ours),
                         void *arg)
{
    struct touch_req *t = vg_calloc(1, sizeof(*t));
    if (!t)
        return -1;
    *t = (struct touch_req){c, cb, arg};
    const char *argv[] = {[QUEUE_FCALL_HEAD] = e->key, c->group, c->consumer, e->id};
    if (queue_fcall(queue_cmd(c->q), on_touched, t, QUEUE_FN_SINK_TOUCH, argv, 1, 3) < 0) {
        vg_free(t);
        return -1;
    }
    c->in_flight++;
    return 0;
}

/* ---- lag ------------------------------------------------------------------------------------ */

struct lag_req {
    char *group;
    unsigned left;
    long long sum;
    int unknown;
    void (*cb)(long long, void *);
    void *arg;
};

static void lag_done(struct lag_req *req)
{
    req->cb(req->unknown ? -1 : req->sum, req->arg);
    vg_free(req->group);
    vg_free(req);
}

static void on_lag(redisAsyncContext *ac, void *r, void *privdata)
{
    struct lag_req *req = privdata;
    redisReply *reply = r;
    if (!reply) {
        req->unknown = 1;
    } else if (reply->type == REDIS_REPLY_ARRAY) {
        int found = 0;
        for (size_t g = 0; g < reply->elements; g++) {
            struct queue_group_info gi;
            queue_group_from_reply(reply->element[g], &gi);
            if (strcmp(gi.name, req->group) == 0) {
                found = 1;
                if (gi.lag < 0)
                    req->unknown = 1; /* Redis cannot tell (entries deleted in the middle) */
                else
                    req->sum += gi.lag + gi.pending;
            }
        }
        if (!found)
            req->unknown = 1;
    } /* an error: no such stream, nothing in it is behind */
    if (--req->left == 0)
        lag_done(req);
}

void queue_consumer_lag(struct queue_consumer *c, void (*cb)(long long lag, void *arg), void *arg)
{
    struct lag_req *req = vg_calloc(1, sizeof(*req));
    if (!req || !(req->group = vg_strdup(c->group))) {
        vg_free(req);
        cb(-1, arg);
        return;
    }
    req->cb = cb;
    req->arg = arg;
    req->left = 1; /* held until every command is sent */
    for (unsigned i = 0; i < c->nstreams; i++) {
        if (queue_conn_command(queue_cmd(c->q), on_lag, req, "XINFO GROUPS %s", c->streams[i].key) == 0)
            req->left++;
        else
            req->unknown = 1;
    }
    if (--req->left == 0)
        lag_done(req);
}

/* ---- lifecycle ------------------------------------------------------------------------------ */

static int add_stream(struct queue_consumer *c, const char *suffix, int replay)
{
    struct cstream *cs = &c->streams[c->nstreams++];
    cs->suffix = vg_strdup(suffix);
    cs->key = vg_asprintf("%s%s", c->prefix, suffix);
    cs->replay = replay;
    snprintf(cs->next_id, sizeof(cs->next_id), "0-0");
    snprintf(cs->claim_cursor, sizeof(cs->claim_cursor), "0-0");
    return cs->suffix && cs->key ? 0 : -1;
}

static int open_block(struct queue_consumer *c, char *err, size_t errlen)
{
    char role[96];
    snprintf(role, sizeof(role), "%s:block", c->group);
    c->block = queue_open_conn(c->q, role, on_block_state, c, err, errlen);
    return c->block ? 0 : -1;
}

struct queue_consumer *queue_consumer_new(struct queue *q, const struct queue_consumer_config *cfg,
                                          queue_consumer_fn fn, void *arg, char *err, size_t errlen)
{
    size_t n = 0;
    while (cfg->streams && cfg->streams[n])
        n++;
    if (!cfg->group || !cfg->group[0] || n + (cfg->replay_stream ? 1 : 0) == 0 || n >= MAX_STREAMS) {
        snprintf(err, errlen, "a consumer needs a group and 1 to %d streams", MAX_STREAMS - 1);
        return NULL;
    }
    struct queue_consumer *c = vg_calloc(1, sizeof(*c));
    if (!c)
        goto oom;
    c->q = q;
    c->fn = fn;
    c->arg = arg;
    c->block_ms = cfg->block_ms > 0 ? cfg->block_ms : 2000;
    c->reclaim_idle_ms = cfg->reclaim_idle_ms > 0 ? cfg->reclaim_idle_ms : 60000;
    c->dlq_maxlen = cfg->dlq_maxlen > 0 ? cfg->dlq_maxlen : QUEUE_DEFAULT_DLQ_MAXLEN;
    c->prefix = vg_strdup(queue_prefix(q));
    c->group = vg_strdup(cfg->group);
    c->consumer = vg_strdup(queue_consumer(q));
    c->dlq_key = vg_asprintf("%s" QUEUE_STREAM_DLQ, queue_prefix(q));
    c->streams = vg_calloc(n + 1, sizeof(*c->streams));
    if (!c->prefix || !c->group || !c->consumer || !c->dlq_key || !c->streams)
        goto oom;
    for (size_t i = 0; i < n; i++)
        if (add_stream(c, cfg->streams[i], 0) < 0)
            goto oom;
    if (cfg->replay_stream && add_stream(c, cfg->replay_stream, 1) < 0)
        goto oom;
    struct event_base *base = queue_base(q);
    c->kick_ev = evtimer_new(base, on_kick, c);
    c->reclaim_ev = event_new(base, -1, EV_PERSIST, on_reclaim_timer, c);
    if (!c->kick_ev || !c->reclaim_ev)
        goto oom;
    if (open_block(c, err, errlen) < 0) {
        queue_consumer_free(c);
        return NULL;
    }
    char series[192];
#define CONSUMER_COUNTER(field, result)                                                                \
    snprintf(series, sizeof(series), "vigie_sink_entries_total{group=\"%s\",result=\"%s\"}", c->group, result); \
    c->field = vg_counter(series, "stream entries of each sink's consumer group, by what became of them")
    CONSUMER_COUNTER(m_read, "read");
    CONSUMER_COUNTER(m_reclaimed, "reclaimed");
    CONSUMER_COUNTER(m_acked, "acked");
    CONSUMER_COUNTER(m_dead, "dead_lettered");
#undef CONSUMER_COUNTER
    return c;
oom:
    snprintf(err, errlen, "out of memory");
    queue_consumer_free(c);
    return NULL;
}

void queue_consumer_start(struct queue_consumer *c)
{
    if (c->running)
        return;
    if (!c->block) { /* stopped before: its reading connection was closed */
        char err[256];
        if (open_block(c, err, sizeof(err)) < 0) {
            vg_err("queue", "consumer %s: %s", c->group, err);
            return;
        }
    }
    c->running = 1;
    long long period = c->reclaim_idle_ms / 2 > 1000 ? c->reclaim_idle_ms / 2 : 1000;
    struct timeval tv = vg_tv_ms(period);
    event_add(c->reclaim_ev, &tv);
    kick(c, 0);
}

void queue_consumer_stop(struct queue_consumer *c, void (*drained)(void *), void *arg)
{
    c->running = 0;
    evtimer_del(c->kick_ev);
    event_del(c->reclaim_ev);
    /* A read blocked in Redis would hold the stop for up to block_ms: close its connection
     * (what it would have returned stays in the streams for the next reader). Before drained
     * is set: the read's callback runs inside queue_conn_free. */
    queue_conn_free(c->block);
    c->block = NULL;
    c->reading = 0;
    c->drained = drained;
    c->drained_arg = arg;
    check_drained(c);
}

void queue_consumer_free(struct queue_consumer *c)
{
    if (!c)
        return;
    c->running = 0;
    c->drained = NULL;
    queue_conn_free(c->block);
    if (c->kick_ev)
        event_free(c->kick_ev);
    if (c->reclaim_ev)
        event_free(c->reclaim_ev);
    for (size_t i = 0; i < c->nheld; i++)
        vg_free(c->held[i].mem);
    vg_free(c->held);
    vg_free(c->handed);
    for (unsigned i = 0; c->streams && i < c->nstreams; i++) {
        vg_free(c->streams[i].key);
        vg_free(c->streams[i].suffix);
    }
    vg_free(c->streams);
    vg_free(c->prefix);
    vg_free(c->group);
    vg_free(c->consumer);
    vg_free(c->dlq_key);
    vg_free(c);
}

void queue_consumer_stats(const struct queue_consumer *c, struct queue_consumer_stats *out) { *out = c->stats; }
