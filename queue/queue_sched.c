/* queue_sched — claim and complete polls with Lua scripts (see queue_sched.h). */
#include "queue/queue_sched.h"
#include "queue/queue_int.h"
#include "daemon/vg_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Redis's clock, not the callers': processes on several machines agree on what is due.
 * Numbers go through string.format so that no ms timestamp is printed in exponent form. */
static const char claim_script[] =
    "local t = redis.call('TIME') "
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
    "local ids = redis.call('ZRANGE', KEYS[1], '-inf', string.format('%.0f', now), 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[1])) "
    "local out = {} "
    "for _, id in ipairs(ids) do "
    "  local h = redis.call('HGETALL', ARGV[4] .. 'source:' .. id) "
    "  if #h == 0 then "
    "    redis.call('ZREM', KEYS[1], id) "
    "  else "
    "    redis.call('ZADD', KEYS[1], string.format('%.0f', now + tonumber(ARGV[2])), id) "
    "    redis.call('HSET', KEYS[2], id, ARGV[3]) "
    "    out[#out + 1] = id "
    "    out[#out + 1] = h "
    "  end "
    "end "
    "return out";

/* KEYS: due, leases, source hash, items stream.
 * ARGV: id, owner, next_delay_ms, dedup_ttl_s, maxlen, prefix, ok, nfields, fields...,
 *       then per item: url_key, fp_key, recent, json. */
static const char complete_script[] =
    "if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return {-1, 0, 0, 0} end "
    "redis.call('HDEL', KEYS[2], ARGV[1]) "
    "if redis.call('EXISTS', KEYS[3]) == 0 then redis.call('ZREM', KEYS[1], ARGV[1]) return {-2, 0, 0, 0} end "
    "local t = redis.call('TIME') "
    "local now = string.format('%.0f', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) "
    "redis.call('ZADD', KEYS[1], string.format('%.0f', tonumber(now) + tonumber(ARGV[3])), ARGV[1]) "
    "local i = 9 "
    "for k = 1, tonumber(ARGV[8]) do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) i = i + 2 end "
    "redis.call('HSET', KEYS[3], 'last_attempt', now) "
    "local ok = ARGV[7] == '1' "
    "if ok then redis.call('HSET', KEYS[3], 'last_ok', now, 'failures', 0, 'error_kind', '', 'last_error', '') "
    "  redis.call('SREM', ARGV[6] .. 'failing', ARGV[1]) "
    "else redis.call('HINCRBY', KEYS[3], 'failures', 1) redis.call('SADD', ARGV[6] .. 'failing', ARGV[1]) end "
    "local baseline = redis.call('HGET', KEYS[3], 'baselined') ~= '1' "
    "local added, dup, base = 0, 0, 0 "
    "local ttl = tonumber(ARGV[4]) "
    "while i + 3 <= #ARGV do "
    "  local nu = redis.call('SET', ARGV[6] .. 'seen:u:' .. ARGV[i], 1, 'NX', 'EX', ttl) "
    "  local nf = redis.call('SET', ARGV[6] .. 'seen:f:' .. ARGV[i + 1], 1, 'NX', 'EX', ttl) "
    "  if nu and nf then "
    "    if (not baseline) or ARGV[i + 2] == '1' then "
    "      redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[5], '*', 'item', ARGV[i + 3]) "
    "      added = added + 1 "
    "    else base = base + 1 end "
    "  else dup = dup + 1 end "
    "  i = i + 4 "
    "end "
    "if ok then redis.call('HSET', KEYS[3], 'baselined', '1') end "
    "if added > 0 then redis.call('HINCRBY', KEYS[3], 'items_total', added) end "
    "return {1, added, dup, base}";

/* ---- claim ---------------------------------------------------------------- */

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
        const char **kv = vg_calloc(h->elements + 1, sizeof(*kv));
        if (!kv || !id->str) {
            vg_free(kv);
            snprintf(err, sizeof(err), "out of memory");
            break;
        }
        for (size_t k = 0; k < h->elements; k++)
            kv[k] = h->element[k]->str;
        int rc = queue_source_state_from_pairs(&v[n], id->str, kv, h->elements);
        vg_free(kv);
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
    if (queue_conn_command(queue_cmd(q), on_claim, req, "EVAL %s 2 %sdue %sleases %llu %lld %s %s", claim_script,
                           p, p, (unsigned long long)limit, lease_ms, queue_owner(q), p) < 0) {
        vg_free(req);
        return -1;
    }
    return 0;
}

/* ---- complete ------------------------------------------------------------- */

struct complete_req {
    queue_complete_cb cb;
    void *arg;
};

static void on_complete(redisAsyncContext *ac, void *r, void *privdata)
{
    struct complete_req *req = privdata;
    redisReply *reply = r;
    long v[4] = {QUEUE_COMPLETE_ERROR, 0, 0, 0};
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 4)
        for (int i = 0; i < 4; i++)
            v[i] = (long)reply->element[i]->integer;
    if (req->cb)
        req->cb((enum queue_complete_status)v[0], v[1], v[2], v[3], req->arg);
    vg_free(req);
}

int queue_sched_complete(struct queue *q, const struct queue_poll_result *r, queue_complete_cb cb, void *arg)
{
    const char *p = queue_prefix(q);
    char *k_due = vg_asprintf("%sdue", p), *k_leases = vg_asprintf("%sleases", p);
    char *k_src = vg_asprintf("%ssource:%s", p, r->id), *k_items = vg_asprintf("%sitems", p);
    char delay[24], ttl[24], maxlen[24], nfields[16];
    snprintf(delay, sizeof(delay), "%lld", r->next_delay_ms);
    snprintf(ttl, sizeof(ttl), "%lld", r->dedup_ttl_s > 0 ? r->dedup_ttl_s : 30LL * 86400);
    snprintf(maxlen, sizeof(maxlen), "%lld", r->stream_maxlen > 0 ? r->stream_maxlen : 1000000);
    const char *fields[8];
    int nf = 0;
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
    snprintf(nfields, sizeof(nfields), "%d", nf / 2);
    size_t argc = 3 + 4 + 8 + (size_t)nf + 4 * r->nitems;
    const char **argv = vg_calloc(argc, sizeof(*argv));
    struct complete_req *req = vg_malloc(sizeof(*req));
    int rc = -1;
    if (!argv || !req || !k_due || !k_leases || !k_src || !k_items)
        goto out;
    size_t a = 0;
    argv[a++] = "EVAL";
    argv[a++] = complete_script;
    argv[a++] = "4";
    argv[a++] = k_due;
    argv[a++] = k_leases;
    argv[a++] = k_src;
    argv[a++] = k_items;
    argv[a++] = r->id;
    argv[a++] = queue_owner(q);
    argv[a++] = delay;
    argv[a++] = ttl;
    argv[a++] = maxlen;
    argv[a++] = p;
    argv[a++] = r->ok ? "1" : "0";
    argv[a++] = nfields;
    for (int i = 0; i < nf; i++)
        argv[a++] = fields[i];
    for (size_t i = 0; i < r->nitems; i++) {
        argv[a++] = r->items[i].url_key;
        argv[a++] = r->items[i].fp_key;
        argv[a++] = r->items[i].recent ? "1" : "0";
        argv[a++] = r->items[i].json;
    }
    req->cb = cb;
    req->arg = arg;
    rc = queue_conn_commandv(queue_cmd(q), on_complete, req, (int)a, argv, NULL);
    if (rc == 0)
        req = NULL;
out:
    vg_free(req);
    vg_free(argv);
    vg_free(k_due);
    vg_free(k_leases);
    vg_free(k_src);
    vg_free(k_items);
    return rc;
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

static const char due_script[] =
    "local t = redis.call('TIME') "
    "return redis.call('ZCOUNT', KEYS[1], '-inf', string.format('%.0f', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)))";

int queue_sched_due_count(struct queue *q, void (*cb)(long long due, void *arg), void *arg)
{
    struct due_req *req = vg_malloc(sizeof(*req));
    if (!req)
        return -1;
    req->cb = cb;
    req->arg = arg;
    if (queue_conn_command(queue_cmd(q), on_due, req, "EVAL %s 1 %sdue", due_script, queue_prefix(q)) < 0) {
        vg_free(req);
        return -1;
    }
    return 0;
}
