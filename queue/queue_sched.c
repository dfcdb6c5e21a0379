/* queue_sched — claim and complete polls with Lua scripts (see queue_sched.h). */
#include "queue/queue_sched.h"
#include "queue/queue_int.h"
#include "daemon/vg_alloc.h"
#include "daemon/vg_buf.h"

#include <event2/event.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_RECORD_BATCH 128          /* polls per script call at most */
#define QUEUE_RECORD_BYTES (4u << 20)  /* and bytes of arguments */

/* ---- claim ---------------------------------------------------------------- */

/* The source fields a poll needs, asked for by name (HMGET): the reply carries only these
 * values, in this order. */
static const char *const claim_fields[] = {
    "kind", "url", "interval_ms", "account_id", "options", "etag", "last_modified",
    "failures", "baselined", "error_kind", "watch_text",
};
#define NCLAIM_FIELDS (sizeof(claim_fields) / sizeof(claim_fields[0]))
/* Sources per claim call at most (a script's unpack() has a bound, and a call blocks Redis
 * while it runs). */
#define CLAIM_MAX 1000

struct claim_req {
    queue_claim_cb cb;
    void *arg;
};

static void on_claim(redisAsyncContext *ac, void *r, void *privdata)
{
    struct claim_req *req = privdata;
    redisReply *reply = r;
    struct queue_source_state *v = NULL;
    size_t n = 0;
    char err[200] = "";
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        snprintf(err, sizeof(err), "claim failed: %s",
                 reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "no reply from redis");
        goto done;
    }
    size_t count = reply->elements / 2;
    if (count == 0)
        goto done;
    v = vg_calloc(count, sizeof(*v));
    if (!v) {
        snprintf(err, sizeof(err), "out of memory");
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        redisReply *id = reply->element[2 * i], *h = reply->element[2 * i + 1];
        if (!id->str || h->type != REDIS_REPLY_ARRAY || h->elements != NCLAIM_FIELDS) {
            snprintf(err, sizeof(err), "claim failed: unexpected reply from redis");
            break;
        }
        const char *kv[2 * NCLAIM_FIELDS];
        for (size_t k = 0; k < NCLAIM_FIELDS; k++) {
            kv[2 * k] = claim_fields[k];
            kv[2 * k + 1] = h->element[k]->str; /* NULL for a field not set */
        }
        int rc = queue_source_state_from_pairs(&v[n], id->str, kv, 2 * NCLAIM_FIELDS);
        n++;
        if (rc < 0) {
            snprintf(err, sizeof(err), "out of memory");
            break;
        }
    }
    if (err[0]) {
        /* The leases taken will expire and the sources be claimed again. */
        queue_source_states_free(v, n);
        v = NULL;
        n = 0;
    }
done:
    req->cb(v, n, err[0] ? err : NULL, req->arg);
    vg_free(req);
}

int queue_sched_claim(struct queue *q, size_t limit, long long lease_ms, queue_claim_cb cb, void *arg)
{
    struct claim_req *req = vg_malloc(sizeof(*req));
    if (!req)
        return -1;
    req->cb = cb;
    req->arg = arg;
    const char *p = queue_prefix(q);
    char *k_due = vg_asprintf("%sdue", p), *k_leases = vg_asprintf("%sleases", p);
    char nlimit[24], lease[24];
    snprintf(nlimit, sizeof(nlimit), "%zu", limit < CLAIM_MAX ? limit : CLAIM_MAX);
    snprintf(lease, sizeof(lease), "%lld", lease_ms);
    const char *argv[9 + NCLAIM_FIELDS] = {"FCALL", "vigie_claim", "2", k_due, k_leases, nlimit, lease, queue_owner(q), p};
    for (size_t k = 0; k < NCLAIM_FIELDS; k++)
        argv[9 + k] = claim_fields[k];
    int rc = k_due && k_leases ? queue_conn_commandv(queue_cmd(q), on_claim, req, 9 + NCLAIM_FIELDS, argv, NULL) : -1;
    vg_free(k_due);
    vg_free(k_leases);
    if (rc < 0)
        vg_free(req);
    return rc;
}

/* ---- record (complete) ------------------------------------------------------ */

/* Arguments of the pending call, NUL-terminated one after another in one buffer (offsets, not
 * pointers: the buffer moves as it grows), and who to tell about each poll. */
struct pending {
    queue_complete_cb cb;
    void *arg;
};

struct queue_recorder {
    struct queue *q;
    struct event *flush_ev;
    struct vg_buf bytes;
    size_t *off;
    size_t nargs, cap_args;
    struct pending *polls;
    size_t npolls, cap_polls;
    int oom;
};

struct batch_req {
    struct pending *polls;
    size_t n;
};

static void tell_all(struct pending *v, size_t n, const redisReply *reply)
{
    for (size_t i = 0; i < n; i++) {
        long r[4] = {QUEUE_COMPLETE_ERROR, 0, 0, 0};
        const redisReply *e = reply && reply->type == REDIS_REPLY_ARRAY && i < reply->elements ? reply->element[i] : NULL;
        if (e && e->type == REDIS_REPLY_ARRAY && e->elements == 4)
            for (int k = 0; k < 4; k++)
                r[k] = (long)e->element[k]->integer;
        if (v[i].cb)
            v[i].cb((enum queue_complete_status)r[0], r[1], r[2], r[3], v[i].arg);
    }
}

static void on_batch(redisAsyncContext *ac, void *r, void *privdata)
{
    struct batch_req *req = privdata;
    (void)ac;
    tell_all(req->polls, req->n, r);
    vg_free(req->polls);
    vg_free(req);
}

static int push_arg(struct queue_recorder *rc, const char *s)
{
    if (rc->nargs == rc->cap_args) {
        size_t cap = rc->cap_args ? rc->cap_args * 2 : 256;
        size_t *off = vg_realloc(rc->off, cap * sizeof(*off));
        if (!off)
            return -1;
        rc->off = off;
        rc->cap_args = cap;
    }
    rc->off[rc->nargs] = rc->bytes.len;
    if (vg_buf_append(&rc->bytes, s, strlen(s) + 1) < 0)
        return -1;
    rc->nargs++;
    return 0;
}

static void reset(struct queue_recorder *rc)
{
    vg_buf_reset(&rc->bytes);
    rc->nargs = 0;
    rc->npolls = 0;
    rc->oom = 0;
}

/* Sends the pending polls in one script call; if that cannot be done their callbacks hear
 * QUEUE_COMPLETE_ERROR (their leases expire and the sources are polled again). */
static void flush(struct queue_recorder *rc)
{
    if (rc->npolls == 0)
        return;
    /* The pending list goes with the call (or to the callbacks); the next batch starts anew. */
    struct pending *polls = rc->polls;
    size_t n = rc->npolls;
    rc->polls = NULL;
    rc->cap_polls = 0;
    const char *p = queue_prefix(rc->q);
    char *k_due = vg_asprintf("%sdue", p), *k_leases = vg_asprintf("%sleases", p), *k_items = vg_asprintf("%sitems", p);
    const char **argv = vg_calloc(rc->nargs + 6, sizeof(*argv));
    size_t *lens = vg_calloc(rc->nargs + 6, sizeof(*lens));
    struct batch_req *req = vg_malloc(sizeof(*req));
    int sent = 0;
    if (!rc->oom && k_due && k_leases && k_items && argv && lens && req) {
        const char *head[] = {"FCALL", "vigie_complete", "3", k_due, k_leases, k_items};
        for (size_t i = 0; i < 6; i++) {
            argv[i] = head[i];
            lens[i] = strlen(head[i]);
        }
        for (size_t i = 0; i < rc->nargs; i++) {
            argv[6 + i] = rc->bytes.data + rc->off[i];
            size_t end = i + 1 < rc->nargs ? rc->off[i + 1] : rc->bytes.len;
            lens[6 + i] = end - rc->off[i] - 1;
        }
        req->polls = polls;
        req->n = n;
        sent = queue_conn_commandv(queue_cmd(rc->q), on_batch, req, (int)(rc->nargs + 6), argv, lens) == 0;
    }
    reset(rc);
    if (!sent) {
        vg_free(req);
        tell_all(polls, n, NULL); /* after the reset: a callback may record another poll */
        vg_free(polls);
    }
    vg_free(argv);
    vg_free(lens);
    vg_free(k_due);
    vg_free(k_leases);
    vg_free(k_items);
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    flush(arg);
}

struct queue_recorder *queue_recorder_new(struct queue *q)
{
    struct queue_recorder *rc = vg_calloc(1, sizeof(*rc));
    if (!rc)
        return NULL;
    rc->q = q;
    vg_buf_init(&rc->bytes, 0);
    if (!(rc->flush_ev = evtimer_new(queue_base(q), on_flush, rc))) {
        vg_free(rc);
        return NULL;
    }
    return rc;
}

void queue_recorder_free(struct queue_recorder *rc)
{
    if (!rc)
        return;
    event_free(rc->flush_ev);
    vg_buf_free(&rc->bytes);
    vg_free(rc->off);
    vg_free(rc->polls);
    vg_free(rc);
}

int queue_recorder_add(struct queue_recorder *rc, const struct queue_poll_result *r, queue_complete_cb cb, void *arg)
{
    if (!queue_is_ready(rc->q))
        return -1;
    if (rc->npolls == rc->cap_polls) {
        size_t cap = rc->cap_polls ? rc->cap_polls * 2 : 64;
        struct pending *v = vg_realloc(rc->polls, cap * sizeof(*v));
        if (!v)
            return -1;
        rc->polls = v;
        rc->cap_polls = cap;
    }
    if (rc->npolls == 0) {
        /* The call's own arguments come first. */
        char ttl[24], maxlen[24];
        snprintf(ttl, sizeof(ttl), "%lld", r->dedup_ttl_s > 0 ? r->dedup_ttl_s : 30LL * 86400);
        snprintf(maxlen, sizeof(maxlen), "%lld", r->stream_maxlen > 0 ? r->stream_maxlen : 1000000);
        if (push_arg(rc, queue_owner(rc->q)) < 0 || push_arg(rc, ttl) < 0 || push_arg(rc, maxlen) < 0 ||
            push_arg(rc, queue_prefix(rc->q)) < 0)
            rc->oom = 1;
        struct timeval now = {0, 0};
        evtimer_add(rc->flush_ev, &now);
    }
    const char *fields[10];
    int nf = 0;
    if (r->watch_text) {
        fields[nf++] = "watch_text";
        fields[nf++] = r->watch_text;
    }
    if (r->etag) {
        fields[nf++] = "etag";
        fields[nf++] = r->etag;
    }
    if (r->last_modified) {
        fields[nf++] = "last_modified";
        fields[nf++] = r->last_modified;
    }
    if (!r->ok) {
        fields[nf++] = "error_kind";
        fields[nf++] = r->error_kind ? r->error_kind : "error";
        fields[nf++] = "last_error";
        fields[nf++] = r->error ? r->error : "";
    }
    char delay[24], nfields[16], nitems[24];
    snprintf(delay, sizeof(delay), "%lld", r->next_delay_ms);
    snprintf(nfields, sizeof(nfields), "%d", nf / 2);
    snprintf(nitems, sizeof(nitems), "%zu", r->nitems);
    int bad = push_arg(rc, r->id) < 0 || push_arg(rc, delay) < 0 ||
              push_arg(rc, !r->ok ? "0" : r->clean ? "2" : "1") < 0 ||
              push_arg(rc, nfields) < 0;
    for (int i = 0; i < nf && !bad; i++)
        bad = push_arg(rc, fields[i]) < 0;
    bad = bad || push_arg(rc, nitems) < 0;
    for (size_t i = 0; i < r->nitems && !bad; i++)
        bad = push_arg(rc, r->items[i].url_key) < 0 || push_arg(rc, r->items[i].fp_key) < 0 ||
              push_arg(rc, r->items[i].recent ? "1" : "0") < 0 || push_arg(rc, r->items[i].json) < 0;
    if (bad)
        rc->oom = 1; /* the whole call fails at flush and every poll in it hears an error */
    rc->polls[rc->npolls].cb = cb;
    rc->polls[rc->npolls].arg = arg;
    rc->npolls++;
    /* Bounded calls: a script blocks Redis while it runs. */
    if (rc->npolls >= QUEUE_RECORD_BATCH || rc->bytes.len >= QUEUE_RECORD_BYTES) {
        evtimer_del(rc->flush_ev);
        flush(rc);
    }
    return 0;
}

/* ---- due count -------------------------------------------------------------- */

struct due_req {
    void (*cb)(long long, void *);
    void *arg;
};

static void on_due(redisAsyncContext *ac, void *r, void *privdata)
{
    struct due_req *req = privdata;
    redisReply *reply = r;
    req->cb(reply && reply->type == REDIS_REPLY_INTEGER ? reply->integer : -1, req->arg);
    vg_free(req);
}

int queue_sched_due_count(struct queue *q, void (*cb)(long long due, void *arg), void *arg)
{
    struct due_req *req = vg_malloc(sizeof(*req));
    if (!req)
        return -1;
    req->cb = cb;
    req->arg = arg;
    if (queue_conn_command(queue_cmd(q), on_due, req, "FCALL vigie_due 1 %sdue", queue_prefix(q)) < 0) {
        vg_free(req);
        return -1;
    }
    return 0;
}
