/* queue_sched — claim and complete polls with Lua scripts (see queue_sched.h). */
#include "queue/queue_sched.h"
#include "queue/queue_fcall.h"
#include "queue/queue_int.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"
#include "util/vg_buf.h"
#include "util/vg_time.h"

#include <event2/event.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_RECORD_BATCH 128          /* polls per script call at most */
#define QUEUE_RECORD_BYTES (4u << 20)  /* and bytes of arguments */
/* How long results wait for others to share their call. A script call has a fixed cost in
 * Redis, and polls finishing one or two per turn of the loop made calls of one or two polls;
 * a lease lasts minutes, so a few milliseconds cost nothing. */
#define QUEUE_RECORD_DELAY_MS 2

/* ---- claim ---------------------------------------------------------------- */

/* The source fields a poll needs. A claim returns their values, in this order, as the source's
 * poll card, and complete builds the card again after a poll that changed them (see
 * vigie_claim in queue/lua/vigie.lua). Changing this list means renaming the cards key
 * (poll_cards), or the cards already in Redis would be read with the new list. */
static const char *const claim_fields[] = {
    "kind", "url", "interval_ms", "account_id", "options", "etag", "last_modified",
    "failures", "baselined", "error_kind", "watch_text",
};
#define NCLAIM_FIELDS (sizeof(claim_fields) / sizeof(claim_fields[0]))
/* Sources per claim call at most (a script's unpack() has a bound, and a call blocks Redis
 * while it runs). */
#define CLAIM_MAX QUEUE_CLAIM_MAX

struct claim_req {
    struct queue *q;
    queue_claim_cb cb;
    void *arg;
    size_t limit;
    long long lease_ms;
    int take_back;
};

/* Whether this process has claimed yet: its first claim takes back the leases its instance
 * held before it started (see vigie_claim). Once per process, not per connection: after a
 * reconnect the leases are still this process's own, with their polls under way. */
static int claimed_before;

/* Splits a card (the claim fields' values joined by NUL bytes) into kv pairs: 0, or -1 when
 * it does not hold exactly NCLAIM_FIELDS values. The card is copied into `copy` (len + 1
 * bytes), where the values point. */
static int card_pairs(const char *card, size_t len, const char **kv, char *copy)
{
    memcpy(copy, card, len);
    copy[len] = '\0';
    size_t k = 0;
    const char *s = copy, *end = copy + len;
    for (;;) {
        const char *nul = memchr(s, '\0', (size_t)(end - s));
        if (k == NCLAIM_FIELDS)
            return -1;
        kv[2 * k] = claim_fields[k];
        kv[2 * k + 1] = s;
        k++;
        if (!nul || nul == end)
            break;
        s = nul + 1;
    }
    return k == NCLAIM_FIELDS ? 0 : -1;
}

static void on_claim(redisAsyncContext *ac, void *r, void *privdata)
{
    struct claim_req *req = privdata;
    redisReply *reply = r;
    struct queue_source_state *v = NULL;
    size_t n = 0;
    char err[200] = "";
    char note[300] = "";
    char *copy = NULL;
    size_t copy_cap = 0;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        snprintf(err, sizeof(err), "claim failed: %s",
                 reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "no reply from redis");
        goto done;
    }
    claimed_before = 1; /* the take-back, or the decision not to, happens once */
    /* {lease, id, card, id, card, ...}, or {} when nothing was due. */
    if (reply->elements == 0)
        goto done;
    const redisReply *lease = reply->element[0];
    if (reply->elements % 2 == 0 || lease->type != REDIS_REPLY_STRING || lease->len >= sizeof(v->lease)) {
        snprintf(err, sizeof(err), "claim failed: unexpected reply from redis");
        goto done;
    }
    size_t count = reply->elements / 2;
    v = vg_calloc(count, sizeof(*v));
    if (!v) {
        snprintf(err, sizeof(err), "out of memory");
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        redisReply *id = reply->element[2 * i + 1], *card = reply->element[2 * i + 2];
        if (!id->str || !card->str) {
            snprintf(err, sizeof(err), "claim failed: unexpected reply from redis");
            break;
        }
        if (card->len + 1 > copy_cap) {
            char *c = vg_realloc(copy, card->len + 1);
            if (!c) {
                snprintf(err, sizeof(err), "out of memory");
                break;
            }
            copy = c;
            copy_cap = card->len + 1;
        }
        const char *kv[2 * NCLAIM_FIELDS];
        if (card_pairs(card->str, card->len, kv, copy) < 0) {
            /* Written by hand or by another version: dropped, so that the claim after this
             * lease builds it again from the source hash. The other sources go on. */
            snprintf(note, sizeof(note), "claim: source %s had a malformed poll card in redis; it is rebuilt "
                     "when its lease expires", id->str);
            queue_conn_command(queue_cmd(req->q), NULL, NULL, "HDEL %s" QUEUE_KEY_POLL_CARDS " %s", queue_prefix(req->q), id->str);
            continue;
        }
        int rc = queue_source_state_from_pairs(&v[n], id->str, kv, 2 * NCLAIM_FIELDS);
        memcpy(v[n].lease, lease->str, lease->len + 1);
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
    vg_free(copy);
    req->cb(v, n, err[0] ? err : note[0] ? note : NULL, req->arg);
    vg_free(req);
}

static int send_claim(struct claim_req *req)
{
    struct queue *q = req->q;
    const char *p = queue_prefix(q);
    char *k_due = vg_asprintf("%s%s", p, QUEUE_KEY_DUE), *k_cards = vg_asprintf("%s%s", p, QUEUE_KEY_POLL_CARDS);
    char *k_owners = vg_asprintf("%s%s", p, QUEUE_KEY_LEASE_OWNERS);
    char nlimit[24], lease[24];
    snprintf(nlimit, sizeof(nlimit), "%zu", req->limit < CLAIM_MAX ? req->limit : CLAIM_MAX);
    snprintf(lease, sizeof(lease), "%lld", req->lease_ms);
    enum { NKEYS = 3, NHEAD = QUEUE_FCALL_HEAD + NKEYS + 5 };
    const char *argv[NHEAD + NCLAIM_FIELDS] = {[QUEUE_FCALL_HEAD] = k_due, k_cards, k_owners, nlimit, lease, p,
                                               queue_consumer(q), req->take_back ? "1" : "0"};
    for (size_t k = 0; k < NCLAIM_FIELDS; k++)
        argv[NHEAD + k] = claim_fields[k];
    int rc = k_due && k_cards && k_owners
                 ? queue_fcall(queue_cmd(q), on_claim, req, QUEUE_FN_CLAIM, argv, NKEYS, 5 + NCLAIM_FIELDS)
                 : -1;
    vg_free(k_due);
    vg_free(k_cards);
    vg_free(k_owners);
    return rc;
}

/* How many connections Redis lists under `name` ("name=<name> " in CLIENT LIST's lines). */
static int count_named(const char *list, const char *name)
{
    char needle[160];
    snprintf(needle, sizeof(needle), " name=%s ", name);
    int n = 0;
    for (const char *s = list; (s = strstr(s, needle)); s += strlen(needle))
        n++;
    return n;
}

/* Before the first claim: leases held under this instance name are taken back only when no
 * other process of that name is connected (this one's command connection is one of the
 * names listed). A process still running under the same name keeps its polls; so does one
 * whose connection Redis has not seen close yet (a machine that vanished): its leases expire. */
static void on_client_list(redisAsyncContext *ac, void *r, void *privdata)
{
    struct claim_req *req = privdata;
    redisReply *reply = r;
    const char *name = queue_conn_name(queue_cmd(req->q));
    int others = reply && reply->type == REDIS_REPLY_STRING ? count_named(reply->str, name) - 1 : -1;
    req->take_back = others == 0;
    if (others > 0)
        vg_notice("fetch", "another process runs as instance '%s': the polls it holds are left to it", queue_consumer(req->q));
    if (send_claim(req) < 0) {
        req->cb(NULL, 0, "claim: redis unreachable", req->arg);
        vg_free(req);
    }
}

int queue_sched_claim(struct queue *q, size_t limit, long long lease_ms, queue_claim_cb cb, void *arg)
{
    struct claim_req *req = vg_calloc(1, sizeof(*req));
    if (!req)
        return -1;
    req->q = q;
    req->cb = cb;
    req->arg = arg;
    req->limit = limit;
    req->lease_ms = lease_ms;
    int rc = !claimed_before ? queue_conn_command(queue_cmd(q), on_client_list, req, "CLIENT LIST TYPE normal")
                             : send_claim(req);
    if (rc < 0)
        vg_free(req);
    return rc;
}

/* ---- record ------------------------------------------------------------------ */

/* How long a poll that could not be recorded waits before its source is due again: the
 * poll may have been fine and its server need not be asked again at once, nor, when a record
 * keeps failing, every few seconds. */
#define RELEASE_DELAY_MS 15000
/* Releases per call at most. */
#define RELEASE_BATCH 500
#define RELEASE_RETRY_MS 1000

/* Who to tell about each poll of the pending call, and where its id and lease are (in
 * `keys`: id NUL lease NUL, for the release if the call fails). */
struct pending {
    queue_complete_cb cb;
    void *arg;
    size_t key;
};
#define NO_KEY ((size_t)-1)

/* The pending call's arguments are written as they come, in the Redis protocol (a bulk string
 * each), so that sending the call only copies them behind its head: formatting them at the
 * end (hiredis's argv commands) showed in profiles. */
struct queue_recorder {
    struct queue *q;
    struct event *flush_ev;
    struct vg_buf bytes;
    size_t nargs;
    struct pending *polls;
    size_t npolls, cap_polls;
    struct vg_buf keys;
    int oom;
    /* Polls that could not be recorded, to release (id NUL lease NUL each), and whether a
     * release call is out. */
    struct vg_buf release;
    int releasing;
    struct event *release_ev;
};

struct batch_req {
    struct queue_recorder *rc;
    struct pending *polls;
    size_t n;
    struct vg_buf keys;
};

/* ---- release ------------------------------------------------------------------ */

/* A poll that could not be recorded gives its lease back (vigie_release), so that its source
 * is polled again soon rather than when the lease runs out; as soon as Redis takes the call,
 * and until the lease has ended anyway. */
static void want_release(struct queue_recorder *rc, const char *id, const char *lease)
{
    /* Out of memory, this lease (and those after it until the next call is built, which
     * starts a new list) runs out: the pairs before it are whole, and only they are read. */
    size_t len = rc->release.len;
    if (len == 0)
        vg_buf_reset(&rc->release);
    if (vg_buf_append(&rc->release, id, strlen(id) + 1) < 0 || vg_buf_append(&rc->release, lease, strlen(lease) + 1) < 0) {
        rc->release.len = len;
        return;
    }
    if (!rc->releasing && !evtimer_pending(rc->release_ev, NULL)) {
        struct timeval tv = {0, 0};
        evtimer_add(rc->release_ev, &tv);
    }
}

struct release_req {
    struct queue_recorder *rc;
    struct vg_buf sent;
};

static void retry_release(struct queue_recorder *rc)
{
    struct timeval tv = {RELEASE_RETRY_MS / 1000, (RELEASE_RETRY_MS % 1000) * 1000};
    evtimer_add(rc->release_ev, &tv);
}

/* A release call is over (or could not be sent): when it failed its pairs are tried again
 * later (the next attempt drops leases that have ended meanwhile); otherwise what was added
 * meanwhile goes next. */
static void release_settled(struct queue_recorder *rc, struct release_req *req, int failed)
{
    if (failed) {
        vg_buf_append(&rc->release, req->sent.data, req->sent.len);
        retry_release(rc);
    } else if (rc->release.len) {
        struct timeval tv = {0, 0};
        evtimer_add(rc->release_ev, &tv);
    }
    vg_buf_free(&req->sent);
    vg_free(req);
}

static void on_released(redisAsyncContext *ac, void *r, void *privdata)
{
    struct release_req *req = privdata;
    redisReply *reply = r;
    (void)ac;
    req->rc->releasing = 0;
    release_settled(req->rc, req, !reply || reply->type != REDIS_REPLY_INTEGER);
}

static void on_release_timer(evutil_socket_t fd, short what, void *arg)
{
    struct queue_recorder *rc = arg;
    (void)fd;
    (void)what;
    if (rc->releasing || rc->release.len == 0)
        return;
    if (!queue_is_ready(rc->q)) {
        retry_release(rc);
        return;
    }
    struct release_req *req = vg_calloc(1, sizeof(*req));
    const char **argv = vg_calloc(5 + 2 * RELEASE_BATCH, sizeof(*argv));
    char *k_due = vg_asprintf("%s%s", queue_prefix(rc->q), QUEUE_KEY_DUE);
    if (!req || !argv || !k_due) {
        vg_free(req);
        vg_free(argv);
        vg_free(k_due);
        retry_release(rc);
        return;
    }
    req->rc = rc;
    char delay[24];
    snprintf(delay, sizeof(delay), "%d", RELEASE_DELAY_MS);
    int argc = QUEUE_FCALL_HEAD;
    argv[argc++] = k_due;
    argv[argc++] = delay;
    /* This call's pairs go to req->sent (argv points there); the rest stay for the next. */
    size_t off = 0;
    long long now = vg_wall_ms();
    int n = 0;
    while (off < rc->release.len && n < RELEASE_BATCH) {
        const char *id = rc->release.data + off;
        const char *lease = id + strlen(id) + 1;
        size_t next = (size_t)(lease + strlen(lease) + 1 - rc->release.data);
        if (strtod(lease, NULL) > (double)now && vg_buf_append(&req->sent, id, next - off) == 0)
            n++;
        off = next;
    }
    struct vg_buf rest;
    vg_buf_init(&rest, 0);
    if (off < rc->release.len)
        vg_buf_append(&rest, rc->release.data + off, rc->release.len - off);
    vg_buf_free(&rc->release);
    rc->release = rest;
    for (size_t k = 0; k < req->sent.len;) {
        const char *id = req->sent.data + k, *lease = id + strlen(id) + 1;
        argv[argc++] = id;
        argv[argc++] = lease;
        k = (size_t)(lease + strlen(lease) + 1 - req->sent.data);
    }
    if (n > 0 && queue_fcall(queue_cmd(rc->q), on_released, req, QUEUE_FN_RELEASE, argv, 1, (size_t)argc - QUEUE_FCALL_HEAD - 1) == 0) {
        rc->releasing = 1;
    } else {
        release_settled(rc, req, n > 0);
    }
    vg_free(argv);
    vg_free(k_due);
}

/* ---- record (complete) ------------------------------------------------------ */

/* The reply holds 4 integers per poll: status, added, duplicates, baseline. A poll whose
 * call failed gives its lease back. */
static void tell_all(struct queue_recorder *rc, struct pending *v, size_t n, const char *keys, const redisReply *reply)
{
    int good = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 4 * n;
    for (size_t i = 0; i < n; i++) {
        long r[4] = {QUEUE_COMPLETE_ERROR, 0, 0, 0};
        if (good)
            for (int k = 0; k < 4; k++)
                r[k] = (long)reply->element[4 * i + (size_t)k]->integer;
        else if (keys && v[i].key != NO_KEY) {
            const char *id = keys + v[i].key;
            want_release(rc, id, id + strlen(id) + 1);
        }
        if (v[i].cb)
            v[i].cb((enum queue_complete_status)r[0], r[1], r[2], r[3], v[i].arg);
    }
}

static void on_batch(redisAsyncContext *ac, void *r, void *privdata)
{
    struct batch_req *req = privdata;
    (void)ac;
    tell_all(req->rc, req->polls, req->n, req->keys.data, r);
    vg_buf_free(&req->keys);
    vg_free(req->polls);
    vg_free(req);
}

/* v in decimal, in buf (24 bytes); returns buf. Several per poll: snprintf showed in profiles. */
static const char *decimal(char buf[24], long long v)
{
    char tmp[24];
    size_t n = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do
        tmp[n++] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    size_t k = 0;
    if (v < 0)
        buf[k++] = '-';
    while (n)
        buf[k++] = tmp[--n];
    buf[k] = '\0';
    return buf;
}

/* Appends s to b as a bulk string: $<len>\r\n<s>\r\n. */
static int put_bulk(struct vg_buf *b, const char *s)
{
    char head[32], len[24];
    size_t n = strlen(s);
    head[0] = '$';
    size_t k = strlen(decimal(len, (long long)n));
    memcpy(head + 1, len, k);
    memcpy(head + 1 + k, "\r\n", 2);
    return vg_buf_append(b, head, k + 3) < 0 || vg_buf_append(b, s, n) < 0 || vg_buf_append(b, "\r\n", 2) < 0
               ? -1
               : 0;
}

static int push_arg(struct queue_recorder *rc, const char *s)
{
    if (put_bulk(&rc->bytes, s) < 0)
        return -1;
    rc->nargs++;
    return 0;
}

static void reset(struct queue_recorder *rc)
{
    vg_buf_reset(&rc->bytes);
    vg_buf_reset(&rc->keys);
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
    struct vg_buf keys = rc->keys;
    rc->polls = NULL;
    rc->cap_polls = 0;
    vg_buf_init(&rc->keys, 0);
    const char *p = queue_prefix(rc->q);
    static const char *const key_names[] = {QUEUE_KEY_DUE, QUEUE_STREAM_ITEMS, QUEUE_KEY_POLL_CARDS,
                                            QUEUE_KEY_LAST_ATTEMPT, QUEUE_KEY_LAST_OK};
    enum { NKEYS = sizeof(key_names) / sizeof(key_names[0]) };
    /* The call's head and keys, then the arguments as they came. */
    struct vg_buf cmd;
    vg_buf_init(&cmd, 0);
    int ok = !rc->oom && queue_fcall_proto_head(&cmd, QUEUE_FN_COMPLETE, p, key_names, NKEYS, rc->nargs) == 0;
    ok = ok && vg_buf_append(&cmd, rc->bytes.data, rc->bytes.len) == 0;
    struct batch_req *req = ok ? vg_malloc(sizeof(*req)) : NULL;
    int sent = 0;
    if (req) {
        req->rc = rc;
        req->polls = polls;
        req->n = n;
        req->keys = keys;
        sent = queue_conn_formatted(queue_cmd(rc->q), on_batch, req, cmd.data, cmd.len) == 0;
    }
    vg_buf_free(&cmd);
    reset(rc);
    if (!sent) {
        vg_free(req);
        tell_all(rc, polls, n, keys.data, NULL); /* after the reset: a callback may record another poll */
        vg_buf_free(&keys);
        vg_free(polls);
    }
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
    vg_buf_init(&rc->keys, 0);
    vg_buf_init(&rc->release, 0);
    if (!(rc->flush_ev = evtimer_new(queue_base(q), on_flush, rc)) ||
        !(rc->release_ev = evtimer_new(queue_base(q), on_release_timer, rc))) {
        if (rc->flush_ev)
            event_free(rc->flush_ev);
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
    event_free(rc->release_ev);
    vg_buf_free(&rc->bytes);
    vg_buf_free(&rc->keys);
    vg_buf_free(&rc->release);
    vg_free(rc->polls);
    vg_free(rc);
}

int queue_recorder_add(struct queue_recorder *rc, const struct queue_poll_result *r, queue_complete_cb cb, void *arg)
{
    if (!queue_is_ready(rc->q)) {
        want_release(rc, r->id, r->lease);
        return -1;
    }
    if (rc->npolls == rc->cap_polls) {
        size_t cap = rc->cap_polls ? rc->cap_polls * 2 : 64;
        struct pending *v = vg_realloc(rc->polls, cap * sizeof(*v));
        if (!v) {
            want_release(rc, r->id, r->lease);
            return -1;
        }
        rc->polls = v;
        rc->cap_polls = cap;
    }
    if (rc->npolls == 0) {
        /* The call's own arguments come first. */
        char ttl[24], maxlen[24];
        snprintf(ttl, sizeof(ttl), "%lld", r->dedup_ttl_s > 0 ? r->dedup_ttl_s : QUEUE_DEFAULT_DEDUP_TTL_S);
        snprintf(maxlen, sizeof(maxlen), "%lld", r->stream_maxlen > 0 ? r->stream_maxlen : QUEUE_DEFAULT_MAXLEN);
        char nfields[24], clock[24];
        /* The dedup clock is ours (vg_clock_ms: tests move it); the schedule's is Redis's. */
        int bad = push_arg(rc, ttl) < 0 || push_arg(rc, maxlen) < 0 || push_arg(rc, queue_prefix(rc->q)) < 0 ||
                  push_arg(rc, decimal(clock, (long long)vg_clock_ms())) < 0 ||
                  push_arg(rc, decimal(nfields, (long long)NCLAIM_FIELDS)) < 0;
        for (size_t k = 0; k < NCLAIM_FIELDS && !bad; k++)
            bad = push_arg(rc, claim_fields[k]) < 0;
        if (bad)
            rc->oom = 1;
        struct timeval tv = {0, QUEUE_RECORD_DELAY_MS * 1000};
        evtimer_add(rc->flush_ev, &tv);
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
    char delay[24], nfields[24], nitems[24];
    int bad = push_arg(rc, r->id) < 0 || push_arg(rc, r->lease) < 0 || push_arg(rc, decimal(delay, r->next_delay_ms)) < 0 ||
              push_arg(rc, !r->ok ? "0" : r->clean ? "2" : "1") < 0 ||
              push_arg(rc, decimal(nfields, nf / 2)) < 0;
    for (int i = 0; i < nf && !bad; i++)
        bad = push_arg(rc, fields[i]) < 0;
    bad = bad || push_arg(rc, decimal(nitems, (long long)r->nitems)) < 0;
    for (size_t i = 0; i < r->nitems && !bad; i++)
        bad = push_arg(rc, r->items[i].url_key) < 0 || push_arg(rc, r->items[i].fp_key) < 0 ||
              push_arg(rc, r->items[i].recent ? "1" : "0") < 0 || push_arg(rc, r->items[i].json) < 0;
    size_t key = rc->keys.len;
    if (vg_buf_append(&rc->keys, r->id, strlen(r->id) + 1) < 0 ||
        vg_buf_append(&rc->keys, r->lease, strlen(r->lease) + 1) < 0) {
        key = NO_KEY; /* out of memory: the call fails, and this lease runs out */
        bad = 1;
    }
    rc->polls[rc->npolls].key = key;
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
