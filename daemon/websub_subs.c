/* websub_subs — subscriptions to the hubs: discovery from a poll, subscribe, intent
 * verification, renewal, retries, unsubscribe (see websub.h, docs/design.md "WebSub push").
 *
 * Every subscription lives in memory (a short list: feeds with a hub) and in Redis
 * (queue_websub.h), written after each change, so that a restart keeps its tokens and
 * secrets: the hub goes on delivering to the same callback. A lease's times are
 * vg_clock_ms(), which the tests move to make a lease run out; the requests' (sent, retried)
 * are the wall clock's, which a test's clock standing still does not stop.
 *
 * A timer looks at every subscription each second:
 * - pending, nothing sent, its retry time come: a subscribe request goes to the hub;
 * - sent, not verified within [websub] verify_timeout: failed, retried after
 *   verify_timeout * 2^(failures-1), at most a day; the source keeps its own interval;
 * - verified, 80% of the granted lease gone: renewed (the same request again); a lease that
 *   ends unrenewed makes it pending again, and the source's interval its own;
 * - its source gone (checked every CHECK_MS): unsubscribed, then forgotten once the hub
 *   verifies the unsubscription or after UNSUB_TRIES attempts. */
#include "daemon/websub_int.h"
#include "fetchers/feed.h"
#include "http/fetch_http.h"
#include "queue/queue.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_time.h"

#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define TICK_MS 1000
#define CHECK_MS 10000
#define RETRY_MAX_MS (86400LL * 1000)
#define UNSUB_TRIES 3
#define LEASE_MAX_S (365LL * 86400)

static int64_t now_ms(void)
{
    return vg_clock_ms();
}

static int64_t wall_ms(void)
{
    return vg_wall_ms();
}

/* n random bytes as 2n hex digits: the callback token and the secret must be unguessable. */
static char *random_hex(size_t n)
{
    unsigned char raw[64];
    if (n > sizeof(raw) || getrandom(raw, n, 0) != (ssize_t)n)
        return NULL;
    char *out = vg_malloc(2 * n + 1);
    for (size_t i = 0; out && i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    return out;
}

static void set_str(char **dst, const char *v)
{
    char *c = vg_strdup(v ? v : "");
    if (!c)
        return; /* out of memory: the old value stays */
    vg_free(*dst);
    *dst = c;
}

static void save(struct websub *w, struct sub *sub)
{
    queue_websub_put(w->q, &sub->s); /* not connected: written again at the next change */
}

struct sub *ws_sub_by_token(struct websub *w, const char *token)
{
    for (size_t i = 0; i < w->nsubs; i++)
        if (strcmp(w->subs[i]->s.token, token) == 0)
            return w->subs[i];
    return NULL;
}

struct sub *ws_sub_by_id(struct websub *w, const char *id)
{
    for (size_t i = 0; i < w->nsubs; i++)
        if (strcmp(w->subs[i]->s.id, id) == 0)
            return w->subs[i];
    return NULL;
}

static struct sub *add_sub(struct websub *w)
{
    if (w->nsubs == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 16;
        struct sub **v = vg_realloc(w->subs, cap * sizeof(*v));
        if (!v)
            return NULL;
        w->subs = v;
        w->cap = cap;
    }
    struct sub *sub = vg_calloc(1, sizeof(*sub));
    if (sub)
        w->subs[w->nsubs++] = sub;
    w->gen++;
    return sub;
}

static void drop_sub(struct websub *w, struct sub *sub)
{
    queue_websub_del(w->q, sub->s.id, sub->s.token);
    for (size_t i = 0; i < w->nsubs; i++)
        if (w->subs[i] == sub) {
            w->subs[i] = w->subs[--w->nsubs];
            break;
        }
    w->gen++;
    queue_websub_clear(&sub->s);
    vg_free(sub);
}

static void failed(struct websub *w, struct sub *sub, const char *why)
{
    int64_t now = wall_ms();
    sub->s.attempts++;
    long long delay = w->verify_timeout_ms;
    for (long long i = 1; i < sub->s.attempts && delay < RETRY_MAX_MS; i++)
        delay *= 2;
    if (delay > RETRY_MAX_MS)
        delay = RETRY_MAX_MS;
    sub->s.requested_ms = 0;
    sub->s.next_try_ms = now + delay;
    set_str(&sub->s.last_error, why);
    vg_warn("websub", "source %s: %s at hub %s failed (%lld in a row): %s; tried again in %llds", sub->s.id,
            strcmp(sub->s.state, "unsubscribing") == 0 ? "unsubscribe" : "subscribe", sub->s.hub, sub->s.attempts,
            why, delay / 1000);
    save(w, sub);
}

/* ---- requests to the hub ------------------------------------------------------------- */

struct req_ctx {
    struct websub *w;
    struct sub *sub;
};

static void on_answer(struct fetch_response *resp, void *arg)
{
    struct req_ctx *ctx = arg;
    struct websub *w = ctx->w;
    struct sub *sub = ctx->sub;
    vg_free(ctx);
    sub->sending = 0;
    if (resp->error == FETCH_OK && resp->status >= 200 && resp->status < 300) {
        /* 202: the hub will verify the intent on the callback (ws_sub_verify), unless it has
         * already done so before answering. */
        if (sub->s.requested_ms > 0)
            vg_info("websub", "source %s: %s request accepted by hub %s (HTTP %ld); waiting for its verification",
                    sub->s.id, strcmp(sub->s.state, "unsubscribing") == 0 ? "unsubscribe" : "subscribe", sub->s.hub,
                    resp->status);
        return;
    }
    char why[300];
    snprintf(why, sizeof(why), "hub answered %s", resp->reason && resp->reason[0] ? resp->reason : "an error");
    failed(w, sub, why);
}

/* name=value&... form body, values percent-encoded (WebSub §5.1: x-www-form-urlencoded). */
static int form_add(struct vg_buf *b, const char *name, const char *value)
{
    char *enc = evhttp_uriencode(value, -1, 1);
    if (!enc)
        return -1;
    int rc = vg_buf_printf(b, "%s%s=%s", b->len ? "&" : "", name, enc);
    free(enc);
    return rc;
}

static void send_request(struct websub *w, struct sub *sub, const char *mode)
{
    struct vg_buf body;
    vg_buf_init(&body, 0);
    char lease[24], *callback = vg_asprintf("%s/websub/%s", w->public_url, sub->s.token);
    snprintf(lease, sizeof(lease), "%lld", w->lease_ms / 1000);
    int bad = !callback || form_add(&body, "hub.callback", callback) < 0 || form_add(&body, "hub.mode", mode) < 0 ||
              form_add(&body, "hub.topic", sub->s.topic) < 0;
    if (!bad && strcmp(mode, "subscribe") == 0)
        bad = form_add(&body, "hub.lease_seconds", lease) < 0 || form_add(&body, "hub.secret", sub->s.secret) < 0;
    vg_free(callback);
    struct req_ctx *ctx = bad ? NULL : vg_calloc(1, sizeof(*ctx));
    if (!ctx) {
        vg_buf_free(&body);
        return; /* out of memory: the next tick tries again */
    }
    ctx->w = w;
    ctx->sub = sub;
    struct fetch_request req = {
        .url = sub->s.hub,
        .method = "POST",
        .body = body.data,
        .body_len = body.len,
        .content_type = "application/x-www-form-urlencoded",
    };
    char err[200];
    sub->s.requested_ms = wall_ms(); /* waiting for the verification from now */
    if (fetch_send(w->fc, &req, on_answer, ctx, err, sizeof(err)) < 0) {
        vg_free(ctx);
        failed(w, sub, err);
    } else {
        sub->sending = 1;
        save(w, sub);
    }
    vg_buf_free(&body);
}

/* ---- verification --------------------------------------------------------------------- */

int ws_sub_verify(struct websub *w, struct sub *sub, const char *mode, const char *topic, const char *lease,
                  const char *reason)
{
    if (!mode || !topic || strcmp(topic, sub->s.topic) != 0)
        return 0;
    int unsubscribing = strcmp(sub->s.state, "unsubscribing") == 0;
    if (strcmp(mode, "denied") == 0) {
        /* The hub refuses the subscription (§5.2): retried later like a failure. */
        if (!unsubscribing) {
            char why[300];
            snprintf(why, sizeof(why), "hub denied the subscription%s%.200s", reason ? ": " : "", reason ? reason : "");
            if (strcmp(sub->s.state, "verified") == 0)
                set_str(&sub->s.state, "pending");
            failed(w, sub, why);
        }
        return 1;
    }
    if (strcmp(mode, "unsubscribe") == 0) {
        if (!unsubscribing)
            return 0; /* not asked by us: the subscription stays */
        vg_notice("websub", "source %s: unsubscribed from hub %s", sub->s.id, sub->s.hub);
        if (!sub->sending) {
            drop_sub(w, sub);
        } else {
            sub->unsubscribed = 1; /* forgotten once its request is answered (step) */
            sub->s.requested_ms = 0;
        }
        return 1;
    }
    if (strcmp(mode, "subscribe") != 0 || unsubscribing)
        return 0;
    int64_t now = now_ms();
    long long granted = lease && lease[0] ? strtoll(lease, NULL, 10) : 0;
    if (granted <= 0)
        granted = w->lease_ms / 1000;
    if (granted > LEASE_MAX_S) /* whatever a hub says: renewed within a year */
        granted = LEASE_MAX_S;
    int renewal = strcmp(sub->s.state, "verified") == 0;
    set_str(&sub->s.state, "verified");
    set_str(&sub->s.last_error, "");
    sub->s.verified_ms = now;
    sub->s.expires_ms = now + granted * 1000;
    sub->s.lease_s = granted;
    sub->s.requested_ms = 0;
    sub->s.next_try_ms = 0;
    sub->s.attempts = 0;
    save(w, sub);
    vg_notice("websub", "source %s: %s hub %s for %s (lease %llds)", sub->s.id,
              renewal ? "subscription renewed at" : "subscribed to", sub->s.hub, sub->s.topic, granted);
    return 1;
}

void ws_sub_end(struct websub *w, struct sub *sub, const char *why)
{
    if (strcmp(sub->s.state, "unsubscribing") == 0)
        return;
    vg_info("websub", "source %s %s: unsubscribing from hub %s", sub->s.id, why, sub->s.hub);
    set_str(&sub->s.state, "unsubscribing");
    sub->s.requested_ms = 0;
    sub->s.next_try_ms = 0;
    sub->s.attempts = 0;
    save(w, sub);
}

/* ---- the timer -------------------------------------------------------------------------- */

static void step(struct websub *w, struct sub *sub, int64_t now, int64_t wall)
{
    if (sub->sending)
        return;
    const char *st = sub->s.state;
    int waiting = sub->s.requested_ms > 0;
    int timed_out = waiting && wall >= sub->s.requested_ms + w->verify_timeout_ms;
    if (sub->unsubscribed) {
        drop_sub(w, sub);
        return;
    }
    if (strcmp(st, "unsubscribing") == 0) {
        if (sub->s.attempts >= UNSUB_TRIES) {
            vg_info("websub", "source %s: hub %s never confirmed the unsubscription; forgotten (its lease ends it)",
                    sub->s.id, sub->s.hub);
            drop_sub(w, sub);
            return;
        }
        if (timed_out)
            failed(w, sub, "the hub did not verify the unsubscription in time");
        else if (!waiting && wall >= sub->s.next_try_ms)
            send_request(w, sub, "unsubscribe");
        return;
    }
    if (strcmp(st, "verified") == 0 && now >= sub->s.expires_ms) {
        vg_warn("websub", "source %s: the lease at hub %s ended without renewal; polled at its own interval until "
                "subscribed again", sub->s.id, sub->s.hub);
        set_str(&sub->s.state, "pending");
        sub->s.next_try_ms = 0;
        save(w, sub);
        st = sub->s.state;
    }
    if (timed_out) {
        failed(w, sub, "the hub did not verify the subscription in time");
        return;
    }
    if (waiting || wall < sub->s.next_try_ms)
        return;
    if (strcmp(st, "pending") == 0 ||
        now >= sub->s.verified_ms + (sub->s.expires_ms - sub->s.verified_ms) * 8 / 10) {
        if (strcmp(st, "verified") == 0)
            vg_info("websub", "source %s: renewing the subscription at hub %s", sub->s.id, sub->s.hub);
        send_request(w, sub, "subscribe");
    }
}

static void on_exist(const int *present, size_t n, void *arg)
{
    struct websub *w = arg;
    w->checking = 0;
    /* The list may have changed meanwhile: only when it has not are the answers read. */
    if (!present || n != w->nsubs || w->gen != w->check_gen)
        return;
    for (size_t i = 0; i < n; i++)
        if (!present[i])
            ws_sub_end(w, w->subs[i], "was removed");
}

static void on_loaded(struct queue_websub *v, size_t n, const char *err, void *arg)
{
    struct websub *w = arg;
    w->loading = 0;
    if (err) {
        vg_warn("websub", "%s; trying again", err);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (ws_sub_by_id(w, v[i].id)) /* found by a poll meanwhile: that one stays */
            continue;
        struct sub *sub = add_sub(w);
        if (!sub)
            break;
        sub->s = v[i];
        memset(&v[i], 0, sizeof(v[i]));
        if (sub->s.requested_ms > 0)
            sub->s.requested_ms = wall_ms(); /* a verification may still come: it gets its time */
    }
    queue_websubs_free(v, n);
    w->loaded = 1;
    if (w->nsubs)
        vg_info("websub", "%zu subscription(s) kept in redis", w->nsubs);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct websub *w = arg;
    (void)fd;
    (void)what;
    if (!queue_is_ready(w->q))
        return;
    if (!w->loaded) {
        if (!w->loading && queue_websub_load(w->q, on_loaded, w) == 0)
            w->loading = 1;
        return;
    }
    int64_t now = now_ms(), wall = wall_ms();
    /* step may drop the subscription it looks at (moving the last one into its place) */
    for (size_t i = w->nsubs; i-- > 0;)
        if (i < w->nsubs)
            step(w, w->subs[i], now, wall);
    int64_t mono = vg_mono_ms();
    if (w->nsubs && !w->checking && mono - w->last_check >= CHECK_MS) {
        const char **ids = vg_calloc(w->nsubs, sizeof(*ids));
        for (size_t i = 0; ids && i < w->nsubs; i++)
            ids[i] = w->subs[i]->s.id;
        if (ids && queue_websub_sources_exist(w->q, ids, w->nsubs, on_exist, w) == 0) {
            w->checking = 1;
            w->check_gen = w->gen;
        }
        w->last_check = mono;
        vg_free(ids);
    }
}

/* ---- discovery ------------------------------------------------------------------------------ */

long long ws_subs_polled(struct websub *w, const char *id, const char *kind, const char *account_id,
                         const struct feed_doc *doc, long long next_delay_ms)
{
    struct sub *sub = ws_sub_by_id(w, id);
    char *link_hub = NULL, *link_self = NULL;
    ws_link_take(w, id, &link_hub, &link_self);
    if (doc && w->loaded) {
        /* the document's links first, else its response's Link header's */
        int in_doc = doc->hub && doc->self;
        const char *hub = in_doc ? doc->hub : link_hub, *self = in_doc ? doc->self : link_self;
        int advertised = hub && self && (strncmp(hub, "https://", 8) == 0 || strncmp(hub, "http://", 7) == 0);
        if (!sub && advertised) {
            char *token = random_hex(16), *secret = random_hex(32);
            if (token && secret && (sub = add_sub(w))) {
                sub->s.id = vg_strdup(id);
                sub->s.token = token;
                sub->s.secret = secret;
                token = secret = NULL;
                set_str(&sub->s.hub, hub);
                set_str(&sub->s.topic, self);
                set_str(&sub->s.state, "pending");
                set_str(&sub->s.last_error, "");
                set_str(&sub->s.kind, kind);
                set_str(&sub->s.account_id, account_id);
                if (!sub->s.id || !sub->s.hub || !sub->s.topic || !sub->s.state || !sub->s.kind || !sub->s.account_id) {
                    drop_sub(w, sub);
                    sub = NULL;
                } else {
                    vg_info("websub", "source %s advertises hub %s (topic %s): subscribing", id, hub, self);
                    save(w, sub);
                }
            }
            vg_free(token);
            vg_free(secret);
        } else if (sub && strcmp(sub->s.state, "unsubscribing") != 0) {
            /* the source's kind and account as its last poll saw them: a delivery's items carry them */
            if (strcmp(sub->s.kind, kind ? kind : "") != 0 || strcmp(sub->s.account_id, account_id ? account_id : "") != 0) {
                set_str(&sub->s.kind, kind);
                set_str(&sub->s.account_id, account_id);
                save(w, sub);
            }
            if (!advertised) {
                ws_sub_end(w, sub, "no longer advertises a hub");
            } else if (strcmp(sub->s.hub, hub) != 0 || strcmp(sub->s.topic, self) != 0) {
                vg_info("websub", "source %s moved to hub %s (topic %s): subscribing there", id, hub, self);
                set_str(&sub->s.hub, hub);
                set_str(&sub->s.topic, self);
                set_str(&sub->s.state, "pending");
                sub->s.requested_ms = sub->s.next_try_ms = 0;
                sub->s.attempts = 0;
                save(w, sub);
            }
        }
    }
    vg_free(link_hub);
    vg_free(link_self);
    if (sub && strcmp(sub->s.state, "verified") == 0 && now_ms() < sub->s.expires_ms &&
        next_delay_ms < w->poll_interval_ms)
        return w->poll_interval_ms;
    return next_delay_ms;
}

int ws_subs_init(struct websub *w)
{
    if (!(w->tick_ev = event_new(w->base, -1, EV_PERSIST, on_tick, w)))
        return -1;
    struct timeval tv = vg_tv_ms(TICK_MS);
    event_add(w->tick_ev, &tv);
    return 0;
}

void ws_subs_free(struct websub *w)
{
    if (w->tick_ev)
        event_free(w->tick_ev);
    for (size_t i = 0; i < w->nsubs; i++) {
        queue_websub_clear(&w->subs[i]->s);
        vg_free(w->subs[i]);
    }
    vg_free(w->subs);
}
