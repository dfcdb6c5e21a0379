/* websub — the callback listener: intent verifications (GET) and deliveries (POST) from the
 * hubs, and the poller's hook (see websub.h; subscriptions are websub_subs.c's).
 *
 * The listener is libevent's evhttp on the daemon's loop, bounded like a fetch: a body over
 * [fetch] max_body is refused (413) before it is read whole, headers over 8 KiB too, and a
 * client has CLIENT_TIMEOUT_S to send its request. The callback path is
 * <anything>/websub/<token>: the token (32 hex digits, one per subscription, never logged)
 * finds the subscription; an unknown one is answered 410 on a delivery (the hub may drop
 * it, §7) and 404 on a verification. Until the subscriptions are read from Redis (the first
 * second after a start), every request is answered 503: the hub tries again.
 *
 * A delivery is answered 202 whatever its fate (§7: 2xx means received), also when its
 * signature is bad: the hub then cannot tell a guessed secret from a good one (§8). Only a
 * good signature lets its body through the source kind's parse, and its items through the
 * poll's dedup into the items stream, with the lease QUEUE_LEASE_PUSH: no claim is held, and
 * the source's schedule is left alone. Bad signatures are logged at most once a minute. */
#include "daemon/websub_int.h"
#include "daemon/admin.h"
#include "daemon/config.h"
#include "daemon/websub_link.h"
#include "daemon/websub_sig.h"
#include "fetchers/feed.h"
#include "fetchers/item.h"
#include "fetchers/kind.h"
#include "queue/queue.h"
#include "queue/queue_sched.h"
#include "util/vg_alloc.h"
#include "util/vg_metrics.h"
#include "util/vg_time.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <unistd.h>

#define CLIENT_TIMEOUT_S 30
#define MAX_HEADERS 8192
#define BAD_SIG_LOG_MS 60000

/* The one websub of this process, for the poller's hook. */
static struct websub *current;

static struct vg_metric *m_ok, *m_bad, *m_unknown;

static void reply(struct evhttp_request *req, int code, const char *reason, const char *body)
{
    struct evbuffer *out = evbuffer_new();
    if (out && body)
        evbuffer_add(out, body, strlen(body));
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain; charset=utf-8");
    evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
    evhttp_send_reply(req, code, reason, out);
    if (out)
        evbuffer_free(out);
}

/* The token of <...>/websub/<token>, or NULL. */
static const char *token_of(const char *path, char *buf, size_t len)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (!slash || slash - path < 7 || strncmp(slash - 7, "/websub", 7) != 0)
        return NULL;
    size_t n = strlen(slash + 1);
    if (n == 0 || n >= len)
        return NULL;
    memcpy(buf, slash + 1, n + 1);
    return buf;
}

static void verification(struct websub *w, struct evhttp_request *req, struct sub *sub, const char *query)
{
    struct evkeyvalq kv;
    TAILQ_INIT(&kv);
    if (!query || evhttp_parse_query_str(query, &kv) < 0) {
        evhttp_clear_headers(&kv);
        reply(req, 400, "Bad Request", "hub.mode, hub.topic and hub.challenge expected\n");
        return;
    }
    const char *mode = evhttp_find_header(&kv, "hub.mode"), *topic = evhttp_find_header(&kv, "hub.topic");
    const char *challenge = evhttp_find_header(&kv, "hub.challenge");
    const char *lease = evhttp_find_header(&kv, "hub.lease_seconds");
    const char *reason = evhttp_find_header(&kv, "hub.reason");
    int denied = mode && strcmp(mode, "denied") == 0;
    if (!sub || (!denied && (!challenge || !challenge[0])) || !ws_sub_verify(w, sub, mode, topic, lease, reason))
        reply(req, 404, "Not Found", NULL);
    else
        reply(req, 200, "OK", denied ? "" : challenge);
    evhttp_clear_headers(&kv);
}

/* ---- deliveries ---------------------------------------------------------------------------- */

struct pushed {
    struct websub *w;
    char *id;
};

static void on_pushed(enum queue_complete_status st, long added, long dup, long base, void *arg)
{
    struct pushed *p = arg;
    (void)base;
    if (st == QUEUE_COMPLETE_OK) {
        vg_info("websub", "source %s: delivery recorded, %ld new, %ld seen", p->id, added, dup);
    } else if (st == QUEUE_COMPLETE_GONE) {
        struct sub *sub = current == p->w ? ws_sub_by_id(p->w, p->id) : NULL;
        vg_info("websub", "source %s: delivery for a removed source dropped", p->id);
        if (sub)
            ws_sub_end(p->w, sub, "was removed");
    } else {
        vg_warn("websub", "source %s: could not record a delivery (redis); its items come with the next poll", p->id);
    }
    vg_free(p->id);
    vg_free(p);
}

/* The charset parameter of a Content-Type, lower-cased, into buf; NULL when none. */
static const char *charset_of(const char *ctype, char *buf, size_t len)
{
    const char *c = ctype ? strcasestr(ctype, "charset=") : NULL;
    if (!c)
        return NULL;
    c += 8;
    if (*c == '"')
        c++;
    size_t n = 0;
    while (c[n] && c[n] != '"' && c[n] != ';' && c[n] != ' ' && n + 1 < len) {
        buf[n] = (char)(c[n] >= 'A' && c[n] <= 'Z' ? c[n] + 32 : c[n]);
        n++;
    }
    buf[n] = '\0';
    return n ? buf : NULL;
}

static void record_items(struct websub *w, struct sub *sub, const struct feed_doc *doc)
{
    struct queue_new_item *items = doc->nitems ? vg_calloc(doc->nitems, sizeof(*items)) : NULL;
    size_t n = 0;
    const char *account = sub->s.account_id[0] ? sub->s.account_id : NULL;
    for (size_t i = 0; items && i < doc->nitems; i++) {
        struct fetch_item_keys keys;
        char *json = fetch_item_json(sub->s.id, account, doc, &doc->items[i], &keys);
        if (!json)
            continue;
        memcpy(items[n].url_key, keys.id, sizeof(keys.id));
        memcpy(items[n].fp_key, keys.fp, sizeof(keys.fp));
        items[n].json = json;
        n++;
    }
    struct queue_poll_result r = {
        .id = sub->s.id,
        .lease = QUEUE_LEASE_PUSH,
        .ok = 1,
        .clean = 1,
        .items = items,
        .nitems = n,
        .dedup_ttl_s = w->dedup_ttl_s,
        .stream_maxlen = w->stream_maxlen,
    };
    struct pushed *p = vg_calloc(1, sizeof(*p));
    if (n == 0) {
        vg_free(p);
    } else if (!p || !(p->id = vg_strdup(sub->s.id)) || (p->w = w, queue_recorder_add(w->rec, &r, on_pushed, p) < 0)) {
        vg_warn("websub", "source %s: could not record a delivery (redis unreachable); its items come with the next "
                "poll", sub->s.id);
        if (p)
            vg_free(p->id);
        vg_free(p);
    }
    for (size_t i = 0; i < n; i++)
        vg_free((char *)items[i].json);
    vg_free(items);
}

static void delivery(struct websub *w, struct evhttp_request *req, struct sub *sub)
{
    if (!sub || strcmp(sub->s.state, "unsubscribing") == 0) {
        vg_metric_add(m_unknown, 1);
        reply(req, 410, "Gone", NULL);
        return;
    }
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    const char *body = len ? (const char *)evbuffer_pullup(in, -1) : "";
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    char why[160];
    if (!body || !websub_signature_ok(evhttp_find_header(h, "X-Hub-Signature"), body, len, sub->s.secret, why,
                                      sizeof(why))) {
        unsigned long held = 0;
        vg_metric_add(m_bad, 1);
        if (vg_log_limit_pass(&w->bad_sig_log, vg_mono_ms(), BAD_SIG_LOG_MS, &held)) {
            if (held)
                vg_warn("websub", "source %s: delivery ignored: %s (and %lu more ignored in the last minute)",
                        sub->s.id, why, held);
            else
                vg_warn("websub", "source %s: delivery ignored: %s", sub->s.id, why);
        }
        reply(req, 202, "Accepted", NULL);
        return;
    }
    vg_metric_add(m_ok, 1);
    const struct source_kind *kind = source_kind_find(sub->s.kind);
    char cs[32];
    struct kind_input kin = {
        .body = body,
        .len = len,
        .url = sub->s.topic,
        .charset = charset_of(evhttp_find_header(h, "Content-Type"), cs, sizeof(cs)),
        .now = vg_wall_ms() / 1000,
        .account_id = sub->s.account_id[0] ? sub->s.account_id : NULL,
    };
    struct kind_output out = {0};
    char err[300] = "";
    if (!kind || kind->plan || kind->parse(&kin, &out, err, sizeof(err)) < 0)
        vg_warn("websub", "source %s: a signed delivery could not be read: %s", sub->s.id,
                kind ? err : "the source's kind is unknown");
    else
        record_items(w, sub, out.doc);
    vg_free(out.watch_text);
    feed_doc_free(out.doc);
    reply(req, 202, "Accepted", NULL);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct websub *w = arg;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    char buf[80];
    const char *token = token_of(uri ? evhttp_uri_get_path(uri) : NULL, buf, sizeof(buf));
    if (!token) {
        reply(req, 404, "Not Found", NULL);
        return;
    }
    if (!w->loaded) {
        /* The subscriptions are not read from Redis yet: a 410 now would make the hub drop a
         * good one. A hub retries a delivery that failed (§7). */
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "5");
        reply(req, 503, "Service Unavailable", NULL);
        return;
    }
    struct sub *sub = ws_sub_by_token(w, token);
    switch (evhttp_request_get_command(req)) {
    case EVHTTP_REQ_GET: verification(w, req, sub, evhttp_uri_get_query(uri)); break;
    case EVHTTP_REQ_POST: delivery(w, req, sub); break;
    default:
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, POST");
        reply(req, 405, "Method Not Allowed", NULL);
    }
}

/* ---- lifecycle ------------------------------------------------------------------------------- */

struct websub *websub_start(struct event_base *base, struct queue *q, struct fetch_client *fc,
                            const struct vg_config *cfg, char *err, size_t errlen)
{
    err[0] = '\0';
    if (!cfg->websub_listen || !cfg->websub_listen[0] || strcmp(cfg->websub_listen, "off") == 0)
        return NULL;
    const char *pub = cfg->websub_public_url ? cfg->websub_public_url : "";
    if (strncmp(pub, "https://", 8) != 0 && strncmp(pub, "http://", 7) != 0) {
        snprintf(err, errlen, "[websub] listen is on: set [websub] public_url, the https:// address the hubs reach "
                              "the listener at");
        return NULL;
    }
    struct websub *w = vg_calloc(1, sizeof(*w));
    if (!w || !(w->public_url = vg_strdup(pub))) {
        vg_free(w);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    size_t pl = strlen(w->public_url);
    while (pl && w->public_url[pl - 1] == '/')
        w->public_url[--pl] = '\0';
    w->base = base;
    w->q = q;
    w->fc = fc;
    w->lease_ms = cfg->websub_lease_ms;
    w->poll_interval_ms = cfg->websub_poll_interval_ms;
    w->verify_timeout_ms = cfg->websub_verify_timeout_ms;
    w->dedup_ttl_s = cfg->fetch_dedup_ttl_ms / 1000;
    w->stream_maxlen = cfg->fetch_items_maxlen * 2;
    w->max_body = (size_t)cfg->fetch_max_body;
    char *address = NULL, *unix_path = NULL;
    int local;
    int fd = admin_listen_socket(cfg->websub_listen, &address, &unix_path, &local, err, errlen);
    if (fd < 0)
        goto fail;
    if (!(w->http = evhttp_new(base)) || evhttp_accept_socket(w->http, fd) < 0) {
        close(fd);
        snprintf(err, errlen, "cannot serve [websub] listen = %s", cfg->websub_listen);
        goto fail;
    }
    evhttp_set_max_body_size(w->http, (ev_ssize_t)w->max_body);
    evhttp_set_max_headers_size(w->http, MAX_HEADERS);
    evhttp_set_timeout(w->http, CLIENT_TIMEOUT_S);
    evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD);
    evhttp_set_gencb(w->http, on_request, w);
    if (!(w->rec = queue_recorder_new(q)) || ws_subs_init(w) < 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    m_ok = vg_counter("vigie_websub_deliveries_total{result=\"ok\"}", "WebSub deliveries received, by outcome");
    m_bad = vg_counter("vigie_websub_deliveries_total{result=\"bad_signature\"}", "WebSub deliveries received, by outcome");
    m_unknown = vg_counter("vigie_websub_deliveries_total{result=\"unknown\"}", "WebSub deliveries received, by outcome");
    vg_info("websub", "WebSub callbacks on %s, reached as %s/websub/...", address, w->public_url);
    vg_free(address);
    w->unix_path = unix_path;
    current = w;
    return w;
fail:
    vg_free(address);
    vg_free(unix_path);
    websub_free(w);
    return NULL;
}

void websub_free(struct websub *w)
{
    if (!w)
        return;
    if (current == w)
        current = NULL;
    if (w->http)
        evhttp_free(w->http);
    ws_subs_free(w);
    for (size_t i = 0; i < w->nlinks; i++) {
        vg_free(w->links[i].id);
        vg_free(w->links[i].hub);
        vg_free(w->links[i].self);
    }
    queue_recorder_free(w->rec);
    if (w->unix_path)
        unlink(w->unix_path);
    vg_free(w->unix_path);
    vg_free(w->public_url);
    vg_free(w);
}

long long websub_polled(const char *source_id, const char *kind, const char *account_id, const struct feed_doc *doc,
                        long long next_delay_ms)
{
    if (!current)
        return next_delay_ms;
    return ws_subs_polled(current, source_id, kind, account_id, doc, next_delay_ms);
}

const char *const *websub_want_headers(void)
{
    static const char *const link[] = {"Link", NULL};
    return current ? link : NULL;
}

int ws_link_take(struct websub *w, const char *id, char **hub, char **self)
{
    for (size_t i = 0; i < w->nlinks; i++) {
        if (strcmp(w->links[i].id, id) != 0)
            continue;
        *hub = w->links[i].hub;
        *self = w->links[i].self;
        vg_free(w->links[i].id);
        memmove(&w->links[i], &w->links[i + 1], (w->nlinks - i - 1) * sizeof(w->links[0]));
        w->nlinks--;
        return 1;
    }
    return 0;
}

void websub_fetched(const char *source_id, const char *url, const char *link)
{
    struct websub *w = current;
    if (!w || !link)
        return;
    char *hub, *self, *id = NULL;
    websub_link_parse(link, url, &hub, &self);
    char *old_hub = NULL, *old_self = NULL;
    ws_link_take(w, source_id, &old_hub, &old_self); /* a response whose parse never came */
    vg_free(old_hub);
    vg_free(old_self);
    if (!hub || !self || !(id = vg_strdup(source_id))) {
        vg_free(hub);
        vg_free(self);
        return;
    }
    if (w->nlinks == sizeof(w->links) / sizeof(w->links[0])) {
        vg_free(w->links[0].id);
        vg_free(w->links[0].hub);
        vg_free(w->links[0].self);
        memmove(&w->links[0], &w->links[1], (w->nlinks - 1) * sizeof(w->links[0]));
        w->nlinks--;
    }
    w->links[w->nlinks++] = (struct ws_link){id, hub, self};
}
