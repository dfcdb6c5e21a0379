/* sink_webhook — alerts as signed webhooks ([sink.webhook]), following the Standard Webhooks
 * specification (standardwebhooks.com, 1.0.0), so that a receiver verifies them with any of
 * its libraries.
 *
 * Reads the stream alerts:webhook (messages of kind alert, docs/design.md "Alert messages").
 * Each message is one POST of
 *
 *   {"type":"alert.created","timestamp":"<the message's created>","data":<the message>}
 *
 * with the headers webhook-id (the message's id: the same on every retry, so the receiver
 * dedupes on it), webhook-timestamp (this attempt's Unix seconds) and webhook-signature
 * ("v1,<base64 HMAC-SHA256 of id.timestamp.body>" per secret, space-separated: `secret`, and
 * during a key rotation `secret_next` too, so that a receiver knowing either accepts it).
 * Answers and marks: sinks/alert_post.h (410, the spec's "stop sending", pauses the sink). */
#include "sinks/sink.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sinks/alert_post.h"
#include "sinks/webhook_sign.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"

struct webhook_config {
    char *url;
    char *secret;
    char *secret_next;
};

#define F(field) offsetof(struct webhook_config, field)
#define S "sink.webhook"
static const struct vg_option webhook_options[] = {
    {S, "url", VG_OPT_STRING, "", 0, 0, F(url), NULL, 0,
     "the endpoint alerts are POSTed to (https; http only to a loopback address)"},
    {S, "secret", VG_OPT_STRING, "", 0, 0, F(secret), NULL, VG_OPT_SENSITIVE,
     "the signing secret, whsec_ followed by base64 of 24 to 64 random bytes (e.g. whsec_$(openssl rand -base64 "
     "32)), best given as env:NAME, file:PATH or credential:NAME; the receiver verifies with the same"},
    {S, "secret_next", VG_OPT_STRING, "", 0, 0, F(secret_next), NULL, VG_OPT_SENSITIVE,
     "key rotation: a second secret every request is signed with too (two signatures, both valid), while the "
     "receiver moves from secret to this one; then make it secret and empty this"},
    {NULL, NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL},
};
#undef S
#undef F

struct webhook {
    struct sink_ctx *ctx;
    const struct webhook_config *cfg;
    unsigned char *key[2];
    size_t keylen[2];
    size_t nkeys;
    char where[300];
};

static int loopback_http(const char *url)
{
    static const char *const hosts[] = {"http://127.", "http://localhost:", "http://localhost/", "http://[::1]", NULL};
    for (size_t i = 0; hosts[i]; i++)
        if (strncmp(url, hosts[i], strlen(hosts[i])) == 0)
            return 1;
    return 0;
}

static int webhook_check(const void *config, char *err, size_t errlen)
{
    const struct webhook_config *c = config;
    if (!c->url || !*c->url) {
        snprintf(err, errlen, "url is required (the endpoint alerts are POSTed to)");
        return -1;
    }
    if (strncmp(c->url, "https://", 8) != 0 && !loopback_http(c->url)) {
        snprintf(err, errlen, "url must be https:// (a signature proves who sent an alert, it does not hide it); "
                              "http:// only to a loopback address");
        return -1;
    }
    const char *names[2] = {"secret", "secret_next"};
    const char *vals[2] = {c->secret, c->secret_next};
    for (int i = 0; i < 2; i++) {
        if ((!vals[i] || !*vals[i]) && i == 1)
            continue;
        unsigned char *k;
        size_t n;
        char why[200];
        if (webhook_secret_key(vals[i], &k, &n, why, sizeof why) < 0) {
            snprintf(err, errlen, "%s: %s", names[i], strcmp(why, "the secret is empty") == 0 ? "is required" : why);
            return -1;
        }
        memset(k, 0, n);
        vg_free(k);
    }
    return 0;
}

static void webhook_close(void *state)
{
    struct webhook *w = state;
    if (!w)
        return;
    for (size_t i = 0; i < w->nkeys; i++) {
        memset(w->key[i], 0, w->keylen[i]);
        vg_free(w->key[i]);
    }
    vg_free(w);
}

static int webhook_init(struct sink_ctx *ctx, const void *config, void **state, char *err, size_t errlen)
{
    const struct webhook_config *c = config;
    if (webhook_check(config, err, errlen) < 0)
        return -1;
    struct webhook *w = vg_calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    w->ctx = ctx;
    w->cfg = c;
    const char *secrets[2] = {c->secret, c->secret_next};
    for (int i = 0; i < 2; i++) {
        if (!secrets[i] || !*secrets[i])
            continue;
        if (webhook_secret_key(secrets[i], &w->key[w->nkeys], &w->keylen[w->nkeys], err, errlen) < 0) {
            webhook_close(w);
            return -1;
        }
        w->nkeys++;
    }
    /* Where it goes, for status: scheme and host, not the path (it may hold a token). */
    const char *host = strstr(c->url, "://");
    size_t hl = host ? strcspn(host + 3, "/?#") : 0;
    snprintf(w->where, sizeof w->where, "%.*s/...", host ? (int)(host + 3 - c->url + hl) : 0, c->url);
    *state = w;
    return 0;
}

static const char *webhook_url(void *state) { return ((struct webhook *)state)->cfg->url; }

static int webhook_build(void *state, const struct sink_record *r, struct alert_req *out, char *why, size_t whylen)
{
    struct webhook *w = state;
    const cJSON *created = cJSON_GetObjectItemCaseSensitive(r->doc, "created");
    char now[32], ts[24];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    /* The event's time is the message's (the spec: not the delivery's, which is the header's). */
    const char *when = cJSON_IsString(created) && *created->valuestring ? created->valuestring : now;
    vg_buf_puts(&out->body, "{\"type\":\"alert.created\",\"timestamp\":");
    vg_buf_json_str(&out->body, when);
    vg_buf_puts(&out->body, ",\"data\":");
    vg_buf_puts(&out->body, r->json);
    vg_buf_puts(&out->body, "}");
    if (vg_buf_check(&out->body) < 0) {
        snprintf(why, whylen, "out of memory");
        return -2;
    }
    snprintf(ts, sizeof ts, "%lld", (long long)t);
    char *sig[2] = {NULL, NULL};
    for (size_t i = 0; i < w->nkeys; i++)
        sig[i] = webhook_signature(w->key[i], w->keylen[i], r->id, ts, out->body.data, out->body.len);
    int ok = sig[0] && (w->nkeys < 2 || sig[1]);
    if (ok) {
        out->headers[0] = vg_asprintf("webhook-id: %s", r->id);
        out->headers[1] = vg_asprintf("webhook-timestamp: %s", ts);
        out->headers[2] = vg_asprintf("webhook-signature: %s%s%s", sig[0], sig[1] ? " " : "", sig[1] ? sig[1] : "");
        ok = out->headers[0] && out->headers[1] && out->headers[2];
    }
    vg_free(sig[0]);
    vg_free(sig[1]);
    if (!ok) {
        snprintf(why, whylen, "out of memory signing the request");
        return -2;
    }
    return 0;
}

static const struct alert_post_ops webhook_ops = {
    .vendor = "the webhook endpoint",
    .section = "[sink.webhook]",
    .url = webhook_url,
    .build = webhook_build,
};

static void webhook_deliver(void *state, struct sink_batch *b)
{
    struct webhook *w = state;
    alert_post_deliver(w->ctx, &webhook_ops, w, b);
}

static const char *webhook_where(void *state) { return ((struct webhook *)state)->where; }

const struct sink_type sink_webhook = {
    .name = "webhook",
    .summary = "alerts as signed webhooks (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature "
               "HMAC-SHA256 with a whsec_ secret, two during a key rotation), one POST per alert",
    .options = webhook_options,
    .config_size = sizeof(struct webhook_config),
    .max_batch = 20,
    .streams = "alerts:webhook",
    .rate_limit = 0,
    .rate_window_ms = 0,
    .check = webhook_check,
    .init = webhook_init,
    .deliver = webhook_deliver,
    .close = webhook_close,
    .where = webhook_where,
};
