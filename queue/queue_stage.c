/* queue_stage — a consumer-group stage with atomic outputs, reclaim and dead letters
 * (see queue_stage.h).
 *
 * Reads go through a connection of their own (XREADGROUP BLOCK would hold up every command
 * behind it); writes, reclaims and dead letters go through the queue's command connection.
 * The outputs and acknowledgements of the entries a read returned go back in one function
 * call (vigie_stage_write, queue/lua/vigie.lua). Reads overlap writes: up to MAX_READS_IN_FLIGHT reads
 * are queued in Redis, so that it finds the next read waiting when it finishes a write, but
 * reads and writes in flight together stay within MAX_WRITES_IN_FLIGHT: memory stays bounded
 * and a slow Redis slows the stage down instead of piling up work. */
#include "queue/queue_stage.h"
#include "queue/queue_fcall.h"
#include "queue/queue_int.h"
#include "queue/queue_series_fields.h"
#include "util/vg_alloc.h"
#include "util/vg_event.h"
#include "util/vg_log.h"
#include "util/vg_metrics.h"
#include "util/vg_time.h"

#include <event2/event.h>
#include <stdio.h>
#include <string.h>

/* Batches whose writes may be in flight while the next batch is read: reading overlaps
 * writing, and memory stays bounded. */
#define MAX_WRITES_IN_FLIGHT 4
#define MAX_READS_IN_FLIGHT 2

/* ---- outputs ------------------------------------------------------------------ */

static void output_clear(struct queue_output *x)
{
    vg_free(x->stream);
    vg_free(x->field);
    vg_free(x->dedup);
    vg_free(x->json);
    vg_free(x->cluster);
}

int queue_outputs_add_story(struct queue_outputs *o, const char *stream, const char *field, const char *dedup,
                            const char *json, const char *cluster, uint64_t simhash)
{
    if (o->n == o->cap) {
        size_t ncap = o->cap ? o->cap * 2 : 8;
        struct queue_output *nv = vg_realloc(o->v, ncap * sizeof(*nv));
        if (!nv)
            return -1;
        o->v = nv;
        o->cap = ncap;
    }
    struct queue_output *x = &o->v[o->n];
    memset(x, 0, sizeof(*x));
    x->stream = vg_strdup(stream);
    x->field = vg_strdup(field);
    x->dedup = dedup ? vg_strdup(dedup) : NULL;
    x->json = vg_strdup(json);
    x->cluster = cluster ? vg_strdup(cluster) : NULL;
    if (cluster && simhash)
        snprintf(x->simhash, sizeof(x->simhash), "%016llx", (unsigned long long)simhash);
    if (!x->stream || !x->field || (dedup && !x->dedup) || !x->json || (cluster && !x->cluster)) {
        output_clear(x);
        return -1;
    }
    o->n++;
    return 0;
}

int queue_outputs_add(struct queue_outputs *o, const char *stream, const char *field, const char *dedup,
                      const char *json)
{
    return queue_outputs_add_story(o, stream, field, dedup, json, NULL, 0);
}

void queue_outputs_reset(struct queue_outputs *o)
{
    for (size_t i = 0; i < o->n; i++)
        output_clear(&o->v[i]);
    o->n = 0;
}

void queue_outputs_free(struct queue_outputs *o)
{
    queue_outputs_reset(o);
    vg_free(o->v);
    o->v = NULL;
    o->cap = 0;
}

/* ---- the stage ------------------------------------------------------------------ */

/* An entry handled in the current batch: its outputs are out.v[first .. first + n). */
struct batch_entry {
    char id[48];
    char n[16];      /* "=<count>" when the entry has other than one output */
    size_t first, count;
};

#define DEAD_LOG_MS 60000

struct queue_stage {
    struct vg_log_limit dead_log;
    struct queue *q;
    struct queue_conn *block;
    queue_stage_fn fn;
    void *arg;
    char *stream, *group, *consumer, *errors_key, *dlq_key, *taken_key, *prefix;
    size_t batch;
    long long block_ms, reclaim_idle_ms, maxlen, dlq_maxlen, dedup_ttl_s, story_window_s, series_half_life_ms;
    int max_deliveries;

    int running;
    int group_ready;
    unsigned reading;             /* reads in flight */
    int reclaiming;
    unsigned writes_in_flight;
    char next_id[48];     /* own pending entries first ("0-0" onwards), then ">" */
    char claim_cursor[48];
    struct event *read_ev, *reclaim_ev;
    struct queue_outputs out;     /* the outputs of the entries of the batch being handled */
    struct batch_entry *entries;  /* those entries, in order */
    size_t nentries, entries_cap;
    struct queue_stage_stats stats;
    void (*drained)(void *);
    void *drained_arg;
    struct vg_metric *m_handled, *m_failed, *m_reclaimed, *m_dead;
};

/* Room for one more read: every read in flight becomes a write, and reads plus writes stay
 * within MAX_WRITES_IN_FLIGHT (`extra`: a batch in hand, not yet written). Two reads may be in
 * flight on fresh entries, so that Redis finds the next one queued when it finishes a write;
 * our own pending entries are read one batch at a time (the next read starts after the last). */
static int read_room(const struct queue_stage *s, unsigned extra)
{
    unsigned max_reads = strcmp(s->next_id, ">") == 0 ? MAX_READS_IN_FLIGHT : 1;
    return s->running && s->reading < max_reads && s->writes_in_flight + s->reading + extra < MAX_WRITES_IN_FLIGHT;
}

static void schedule_read(struct queue_stage *s, long ms)
{
    if (!read_room(s, 0))
        return;
    vg_timer_arm(s->read_ev, ms); /* 0: next turn, however often asked (see vg_event.h) */
}

static void check_drained(struct queue_stage *s)
{
    if (!s->running && s->writes_in_flight == 0 && !s->reclaiming && s->drained) {
        void (*cb)(void *) = s->drained;
        s->drained = NULL;
        cb(s->drained_arg);
    }
}

static void on_written(redisAsyncContext *ac, void *r, void *privdata)
{
    struct queue_stage *s = privdata;
    redisReply *reply = r;
    s->writes_in_flight--;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 3) {
        long long handled = reply->element[0]->integer;
        s->stats.handled += (uint64_t)handled;
        s->stats.outputs += (uint64_t)reply->element[1]->integer;
        s->stats.output_duplicates += (uint64_t)reply->element[2]->integer;
        vg_metric_add(s->m_handled, (double)handled);
    } else if (reply && reply->type == REDIS_REPLY_ERROR) {
        /* The entries stay pending and are retried after reclaim_idle. */
        vg_err("queue", "stage %s: write failed: %s", s->group, reply->str);
    }
    schedule_read(s, 0);
    check_drained(s);
}

static void on_ignored(redisAsyncContext *ac, void *r, void *privdata)
{
    redisReply *reply = r;
    if (reply && reply->type == REDIS_REPLY_ERROR)
        vg_warn("queue", "%s", reply->str);
}

static void on_dead_lettered(redisAsyncContext *ac, void *r, void *privdata)
{
    struct queue_stage *s = privdata;
    redisReply *reply = r;
    if (reply && reply->type == REDIS_REPLY_INTEGER && reply->integer == 1) {
        s->stats.dead_lettered++;
        vg_metric_add(s->m_dead, 1);
    }
}

static void dead_letter(struct queue_stage *s, const char *id, long long deliveries, const char *reason)
{
    char d[24], ttl[24], maxlen[24];
    snprintf(d, sizeof(d), "%lld", deliveries);
    snprintf(ttl, sizeof(ttl), "%lld", s->dedup_ttl_s);
    snprintf(maxlen, sizeof(maxlen), "%lld", s->dlq_maxlen);
    const char *argv[] = {[QUEUE_FCALL_HEAD] = s->stream, s->dlq_key, s->errors_key, s->taken_key,
                          s->group, id, d, reason, ttl, maxlen};
    unsigned long held;
    /* a flood of bad entries is one line, then one a minute with their count (vigie dlq lists them) */
    if (queue_fcall(queue_cmd(s->q), on_dead_lettered, s, QUEUE_FN_DEAD_LETTER, argv, 4, 6) == 0 &&
        vg_log_limit_pass(&s->dead_log, vg_mono_ms(), DEAD_LOG_MS, &held)) {
        if (held)
            vg_warn("queue", "stage %s: entry %s moved to the dead-letter stream after %lld deliveries (and %lu "
                    "more in the last %ds: vigie dlq list)", s->group, id, deliveries, held, DEAD_LOG_MS / 1000);
        else
            vg_warn("queue", "stage %s: entry %s moved to the dead-letter stream after %lld deliveries", s->group,
                    id, deliveries);
    }
}

/* Runs the handler on one entry; its outputs join the batch that flush_batch writes. */
static void handle_entry(struct queue_stage *s, redisReply *entry)
{
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements < 2 || !entry->element[0]->str)
        return;
    const char *id = entry->element[0]->str;
    redisReply *fields = entry->element[1];
    if (fields->type != REDIS_REPLY_ARRAY || fields->elements < 2) {
        /* Trimmed from the stream while pending: nothing to handle, keep a trace. */
        dead_letter(s, id, 0, "payload lost: the entry was trimmed from the stream before it was handled");
        return;
    }
    if (s->nentries == s->entries_cap) {
        size_t ncap = s->entries_cap ? s->entries_cap * 2 : 64;
        struct batch_entry *ne = vg_realloc(s->entries, ncap * sizeof(*ne));
        if (!ne)
            return; /* stays pending; retried after reclaim_idle */
        s->entries = ne;
        s->entries_cap = ncap;
    }
    redisReply *payload = fields->element[1];
    char err[300] = "";
    size_t before = s->out.n;
    if (s->fn(s->arg, id, payload->str ? payload->str : "", payload->len, &s->out, err, sizeof(err)) < 0) {
        /* Drop whatever the handler added before failing. */
        struct queue_outputs tail = {s->out.v ? s->out.v + before : NULL, s->out.n - before, 0};
        queue_outputs_reset(&tail);
        s->out.n = before;
        s->stats.failed++;
        vg_metric_add(s->m_failed, 1);
        vg_debug("queue", "stage %s: entry %s failed: %s", s->group, id, err);
        queue_conn_command(queue_cmd(s->q), on_ignored, NULL, "HSET %s %s %s", s->errors_key, id,
                           err[0] ? err : "handler failed");
        return;
    }
    struct batch_entry *e = &s->entries[s->nentries++];
    snprintf(e->id, sizeof(e->id), "%s", id);
    e->first = before;
    e->count = s->out.n - before;
    snprintf(e->n, sizeof(e->n), "=%zu", e->count);
}

/* The index (from 1) of an output's stream and field among the call's kinds, added if new. */
static size_t kind_of(const struct queue_output *x, const struct queue_output **kinds, size_t *nkinds)
{
    for (size_t i = 0; i < *nkinds; i++)
        if (strcmp(kinds[i]->stream, x->stream) == 0 && strcmp(kinds[i]->field, x->field) == 0)
            return i + 1;
    kinds[(*nkinds)++] = x;
    return *nkinds;
}

/* Writes the batch's outputs and acknowledgements with one function call. An output's stream
 * and field are named once per call (its "kind"); an entry goes as its id, preceded by
 * "=<n>" when it has other than one output; per output go its tag (the kind's number,
 * then "d" when a dedup id follows, "s" when a dedup id, cluster and simhash follow, "p" when
 * those and the series fields follow: queue_series_fields.h) and its JSON: Redis parses every
 * argument of every entry, so a plain output costs two. */
static void flush_batch(struct queue_stage *s, int fresh)
{
    if (s->nentries == 0)
        return;
    /* The head, 3 keys, 8 fixed arguments, kinds (at most one per output), then per entry at
     * most 2 and per output at most 8. */
    enum { NKEYS = 3 };
    size_t argc = QUEUE_FCALL_HEAD + NKEYS + 8 + 2 * s->out.n + 2 * s->nentries + 8 * s->out.n;
    const char **argv = vg_calloc(argc, sizeof(*argv));
    const struct queue_output **kinds = vg_calloc(s->out.n + 1, sizeof(*kinds));
    char (*tags)[24] = vg_calloc(s->out.n + 1, sizeof(*tags));
    /* A signal's series fields, read here when the series are kept (see queue_series_fields.h) */
    struct queue_series_fields *series = vg_calloc(s->out.n + 1, sizeof(*series));
    if (argv && kinds && tags && series) {
        char maxlen[24], ttl[24], window[24], half[24], nk[24];
        snprintf(maxlen, sizeof(maxlen), "%lld", s->maxlen);
        snprintf(ttl, sizeof(ttl), "%lld", s->dedup_ttl_s);
        snprintf(window, sizeof(window), "%lld", s->story_window_s);
        snprintf(half, sizeof(half), "%lld", s->series_half_life_ms);
        size_t nkinds = 0;
        for (size_t k = 0; k < s->out.n; k++) {
            const struct queue_output *x = &s->out.v[k];
            const char *more = x->dedup ? "d" : "";
            if (x->cluster)
                more = s->series_half_life_ms > 0 &&
                               queue_series_fields_read(x->json, x->dedup, x->cluster, &series[k]) == 0
                           ? "p"
                           : "s";
            snprintf(tags[k], sizeof(tags[k]), "%zu%s", kind_of(x, kinds, &nkinds), more);
        }
        snprintf(nk, sizeof(nk), "%zu", nkinds);
        size_t a = QUEUE_FCALL_HEAD;
        argv[a++] = s->stream;
        argv[a++] = s->errors_key;
        argv[a++] = s->taken_key;
        argv[a++] = s->group;
        argv[a++] = s->prefix;
        argv[a++] = maxlen;
        argv[a++] = ttl;
        argv[a++] = window;
        argv[a++] = fresh ? "f" : "c";
        argv[a++] = half;
        argv[a++] = nk;
        for (size_t i = 0; i < nkinds; i++) {
            argv[a++] = kinds[i]->stream;
            argv[a++] = kinds[i]->field;
        }
        for (size_t i = 0; i < s->nentries; i++) {
            const struct batch_entry *e = &s->entries[i];
            if (e->count != 1)
                argv[a++] = e->n;
            argv[a++] = e->id;
            for (size_t k = e->first; k < e->first + e->count; k++) {
                const struct queue_output *x = &s->out.v[k];
                argv[a++] = tags[k];
                argv[a++] = x->json;
                if (x->cluster) {
                    argv[a++] = x->dedup ? x->dedup : "";
                    argv[a++] = x->cluster;
                    argv[a++] = x->simhash;
                    if (series[k].prio[0]) {
                        argv[a++] = series[k].t;
                        argv[a++] = series[k].prio;
                        argv[a++] = series[k].score;
                    }
                } else if (x->dedup) {
                    argv[a++] = x->dedup;
                }
            }
        }
        if (queue_fcall(queue_cmd(s->q), on_written, s, QUEUE_FN_STAGE_WRITE, argv, NKEYS, a - QUEUE_FCALL_HEAD - NKEYS) == 0)
            s->writes_in_flight++;
    } /* else: the entries stay pending and are retried after reclaim_idle */
    vg_free(argv);
    vg_free(kinds);
    vg_free(tags);
    vg_free(series);
    s->nentries = 0;
    queue_outputs_reset(&s->out);
}

static void on_read_timer(evutil_socket_t fd, short what, void *arg);

static void on_read(redisAsyncContext *ac, void *r, void *privdata)
{
    struct queue_stage *s = privdata;
    redisReply *reply = r;
    if (s->reading)
        s->reading--;
    if (!reply) /* the connection dropped; the state callback restarts reading */
        goto out;
    if (reply->type == REDIS_REPLY_ERROR) {
        if (strncmp(reply->str, "NOGROUP", 7) == 0)
            s->group_ready = 0; /* the stream was deleted: recreate the group */
        vg_warn("queue", "stage %s: read failed: %s", s->group, reply->str);
        schedule_read(s, 1000);
        goto out;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) { /* BLOCK timed out */
        schedule_read(s, 0);
        goto out;
    }
    redisReply *entries = reply->element[0]->element[1];
    int own_pending = strcmp(s->next_id, ">") != 0;
    if (own_pending && entries->elements == 0) {
        snprintf(s->next_id, sizeof(s->next_id), ">");
    } else {
        if (own_pending)
            snprintf(s->next_id, sizeof(s->next_id), "%s", entries->element[entries->elements - 1]->element[0]->str);
        /* Ask for the next batch before handling this one, when its write will still leave
         * room: Redis serves the read while we work, instead of waiting for us. */
        if (read_room(s, 1))
            on_read_timer(-1, 0, s);
        for (size_t i = 0; i < entries->elements; i++)
            handle_entry(s, entries->element[i]);
        /* Entries delivered by ">" are ours alone unless taken over meanwhile; our own
         * pending ones (read again after a restart) may be someone else's by now. */
        flush_batch(s, !own_pending);
    }
    schedule_read(s, 0);
out:
    check_drained(s);
}

static void on_group(redisAsyncContext *ac, void *r, void *privdata)
{
    struct queue_stage *s = privdata;
    redisReply *reply = r;
    if (reply && (reply->type != REDIS_REPLY_ERROR || strncmp(reply->str, "BUSYGROUP", 9) == 0)) {
        s->group_ready = 1;
        schedule_read(s, 0);
    } else {
        vg_warn("queue", "stage %s: cannot create the consumer group: %s", s->group,
                reply ? reply->str : "no reply");
    }
}

static void on_read_timer(evutil_socket_t fd, short what, void *arg)
{
    struct queue_stage *s = arg;
    if (!read_room(s, 0))
        return;
    if (!queue_conn_is_up(s->block) || !queue_is_ready(s->q)) {
        schedule_read(s, 500);
        return;
    }
    if (!s->group_ready) {
        /* From 0: entries written before the group existed are handled too. */
        if (queue_conn_command(queue_cmd(s->q), on_group, s, "XGROUP CREATE %s %s 0 MKSTREAM", s->stream,
                               s->group) < 0)
            schedule_read(s, 500);
        return;
    }
    char count[24], block[24];
    snprintf(count, sizeof(count), "%zu", s->batch);
    snprintf(block, sizeof(block), "%lld", s->block_ms);
    const char *argv[] = {"XREADGROUP", "GROUP", s->group, s->consumer, "COUNT", count, "BLOCK", block,
                          "STREAMS", s->stream, s->next_id};
    if (queue_conn_commandv(s->block, on_read, s, 11, argv, NULL) == 0)
        s->reading++;
    else
        schedule_read(s, 500);
}

/* ---- reclaim: dead letters and takeovers ------------------------------------------ */

static void on_autoclaim(redisAsyncContext *ac, void *r, void *privdata)
{
    struct queue_stage *s = privdata;
    redisReply *reply = r;
    s->reclaiming = 0;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2) {
        snprintf(s->claim_cursor, sizeof(s->claim_cursor), "%s",
                 reply->element[0]->str ? reply->element[0]->str : "0-0");
        redisReply *entries = reply->element[1];
        for (size_t i = 0; i < entries->elements; i++) {
            s->stats.reclaimed++;
            vg_metric_add(s->m_reclaimed, 1);
            handle_entry(s, entries->element[i]);
        }
        flush_batch(s, 0); /* taken over: written entry by entry */
        /* Redis 7 lists the pending ids whose entries no longer exist (trimmed). */
        if (reply->elements == 3 && reply->element[2]->elements > 0)
            vg_warn("queue", "stage %s: %zu pending entries were trimmed from %s before being handled",
                    s->group, reply->element[2]->elements, s->stream);
    }
    check_drained(s);
}

static void on_pending(redisAsyncContext *ac, void *r, void *privdata)
{
    struct queue_stage *s = privdata;
    redisReply *reply = r;
    if (reply && reply->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i < reply->elements; i++) {
            redisReply *e = reply->element[i];
            if (e->type == REDIS_REPLY_ARRAY && e->elements == 4 && e->element[3]->integer >= s->max_deliveries)
                dead_letter(s, e->element[0]->str, e->element[3]->integer, "the stage failed on it every time");
        }
    }
    if (!s->running || !reply) {
        s->reclaiming = 0;
        check_drained(s);
        return;
    }
    char idle[24], count[24];
    snprintf(idle, sizeof(idle), "%lld", s->reclaim_idle_ms);
    snprintf(count, sizeof(count), "%zu", s->batch);
    const char *argv[] = {"XAUTOCLAIM", s->stream, s->group, s->consumer, idle, s->claim_cursor, "COUNT", count};
    if (queue_conn_commandv(queue_cmd(s->q), on_autoclaim, s, 8, argv, NULL) < 0) {
        s->reclaiming = 0;
        check_drained(s);
    }
}

static void on_reclaim_timer(evutil_socket_t fd, short what, void *arg)
{
    struct queue_stage *s = arg;
    if (!s->running || s->reclaiming || !s->group_ready || !queue_is_ready(s->q))
        return;
    char idle[24];
    snprintf(idle, sizeof(idle), "%lld", s->reclaim_idle_ms);
    /* Entries past their last delivery go to the dead-letter stream before any takeover. */
    const char *argv[] = {"XPENDING", s->stream, s->group, "IDLE", idle, "-", "+", "100"};
    if (queue_conn_commandv(queue_cmd(s->q), on_pending, s, 8, argv, NULL) == 0)
        s->reclaiming = 1;
}

static void on_block_state(struct queue_conn *c, int up, void *arg)
{
    struct queue_stage *s = arg;
    if (up) {
        s->group_ready = 0; /* Redis may have restarted without the group */
        snprintf(s->next_id, sizeof(s->next_id), "0-0");
        schedule_read(s, 0);
    }
}

/* ---- lifecycle ------------------------------------------------------------------- */

struct queue_stage *queue_stage_new(struct queue *q, const struct queue_stage_config *cfg, queue_stage_fn fn,
                                    void *arg, char *err, size_t errlen)
{
    struct queue_stage *s = vg_calloc(1, sizeof(*s));
    if (!s)
        goto oom;
    s->q = q;
    s->fn = fn;
    s->arg = arg;
    s->batch = cfg->batch ? cfg->batch : 64;
    s->block_ms = cfg->block_ms > 0 ? cfg->block_ms : 2000;
    s->reclaim_idle_ms = cfg->reclaim_idle_ms > 0 ? cfg->reclaim_idle_ms : 60000;
    s->max_deliveries = cfg->max_deliveries > 0 ? cfg->max_deliveries : 5;
    s->maxlen = cfg->maxlen > 0 ? cfg->maxlen : QUEUE_DEFAULT_MAXLEN;
    s->dlq_maxlen = cfg->dlq_maxlen > 0 ? cfg->dlq_maxlen : QUEUE_DEFAULT_DLQ_MAXLEN;
    s->dedup_ttl_s = cfg->dedup_ttl_s > 0 ? cfg->dedup_ttl_s : QUEUE_DEFAULT_DEDUP_TTL_S;
    s->story_window_s = cfg->story_window_s > 0 ? cfg->story_window_s : 3LL * 86400;
    s->series_half_life_ms = cfg->series_half_life_ms > 0 ? cfg->series_half_life_ms : 0;
    const char *p = queue_prefix(q);
    s->prefix = vg_strdup(p);
    s->stream = vg_asprintf("%s%s", p, cfg->stream);
    s->group = vg_strdup(cfg->group);
    s->consumer = vg_strdup(queue_consumer(q));
    s->errors_key = vg_asprintf("%s" QUEUE_KEY_ERRORS "%s:%s", p, cfg->stream, cfg->group);
    s->dlq_key = vg_asprintf("%s" QUEUE_STREAM_DLQ, p);
    s->taken_key = vg_asprintf("%s" QUEUE_KEY_TAKEN "%s:%s:", p, cfg->stream, cfg->group); /* + entry id */
    snprintf(s->next_id, sizeof(s->next_id), "0-0");
    snprintf(s->claim_cursor, sizeof(s->claim_cursor), "0-0");
    struct event_base *base = queue_base(q);
    s->read_ev = evtimer_new(base, on_read_timer, s);
    s->reclaim_ev = event_new(base, -1, EV_PERSIST, on_reclaim_timer, s);
    if (!s->prefix || !s->stream || !s->group || !s->consumer || !s->errors_key || !s->dlq_key || !s->taken_key || !s->read_ev ||
        !s->reclaim_ev)
        goto oom;
    char role[64];
    snprintf(role, sizeof(role), "%s:block", cfg->group);
    s->block = queue_open_conn(q, role, on_block_state, s, err, errlen);
    if (!s->block) {
        queue_stage_free(s);
        return NULL;
    }
    char series[160];
#define STAGE_COUNTER(field, result)                                                                   \
    snprintf(series, sizeof(series), "vigie_stage_entries_total{stage=\"%s\",result=\"%s\"}", s->group, result); \
    s->field = vg_counter(series, "stream entries handled by each stage, by result")
    STAGE_COUNTER(m_handled, "handled");
    STAGE_COUNTER(m_failed, "failed");
    STAGE_COUNTER(m_reclaimed, "reclaimed");
    STAGE_COUNTER(m_dead, "dead_lettered");
#undef STAGE_COUNTER
    return s;
oom:
    snprintf(err, errlen, "out of memory");
    queue_stage_free(s);
    return NULL;
}

void queue_stage_start(struct queue_stage *s)
{
    if (s->running)
        return;
    s->running = 1;
    long long period = s->reclaim_idle_ms / 2 > 1000 ? s->reclaim_idle_ms / 2 : 1000;
    struct timeval tv = vg_tv_ms(period);
    event_add(s->reclaim_ev, &tv);
    schedule_read(s, 0);
}

void queue_stage_stop(struct queue_stage *s, void (*drained)(void *), void *arg)
{
    s->running = 0;
    evtimer_del(s->read_ev);
    event_del(s->reclaim_ev);
    s->drained = drained;
    s->drained_arg = arg;
    /* A read blocked in Redis would hold shutdown for up to block_ms: drop its connection
     * (what it would have returned stays in the stream for the next reader). */
    if (s->reading) {
        queue_conn_free(s->block);
        s->block = NULL;
        s->reading = 0;
    }
    check_drained(s);
}

void queue_stage_free(struct queue_stage *s)
{
    if (!s)
        return;
    s->running = 0;
    s->drained = NULL;
    queue_conn_free(s->block);
    if (s->read_ev)
        event_free(s->read_ev);
    if (s->reclaim_ev)
        event_free(s->reclaim_ev);
    queue_outputs_free(&s->out);
    vg_free(s->entries);
    vg_free(s->prefix);
    vg_free(s->stream);
    vg_free(s->group);
    vg_free(s->consumer);
    vg_free(s->errors_key);
    vg_free(s->dlq_key);
    vg_free(s->taken_key);
    vg_free(s);
}

void queue_stage_stats(const struct queue_stage *s, struct queue_stage_stats *out) { *out = s->stats; }
