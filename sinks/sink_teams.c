/* sink_teams — alerts to a Microsoft Teams channel or chat through a Workflows webhook
 * ([sink.teams]; the Office 365 connectors' incoming webhooks are retired in favour of
 * Workflows: REFERENCE.md B.6).
 *
 * Reads the stream alerts:teams (messages of kind alert, docs/design.md "Alert messages"):
 * each message is one POST of the envelope with an Adaptive Card (sinks/teams_render.h), kept
 * within max_size (Teams documents 28 KB). Teams throttles more than 4 requests a second:
 * that is the default rate_limit, shared by every vigie process through Redis; a 429 is
 * retried after its Retry-After. Answers and marks: sinks/alert_post.h (a 401, 403 or 404
 * means the workflow URL no longer works: the sink pauses until the configuration is
 * fixed). The workflow URL carries its own signature (sig=): it is a secret. */
#include "sinks/sink.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sinks/alert_post.h"
#include "sinks/teams_render.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"

#define TEAMS_MAX_BYTES (28 * 1024)

struct teams_config {
    char *url;
    long long max_size;
};

#define F(field) offsetof(struct teams_config, field)
#define S "sink.teams"
static const struct vg_option teams_options[] = {
    {S, "url", VG_OPT_STRING, "", 0, 0, F(url), NULL, VG_OPT_SENSITIVE,
     "the workflow's URL (Teams: Workflows, template \"Send webhook alerts to a channel\"); it carries its own "
     "signature, so give it as env:NAME, file:PATH or credential:NAME"},
    {S, "max_size", VG_OPT_SIZE, "28k", 4096, TEAMS_MAX_BYTES, F(max_size), NULL, 0,
     "the largest request sent (Teams documents 28 KB a message): lower-priority signals are left out, then the "
     "evidence cut, to stay within it; lower it if a workflow refuses cards as too large"},
    {NULL, NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL},
};
#undef S
#undef F

struct teams {
    struct sink_ctx *ctx;
    const struct teams_config *cfg;
    char where[300];
};

/* The host of an http(s) URL into host (lower-cased); 0, or -1 when there is none. */
static int url_host(const char *url, char *host, size_t hostlen)
{
    const char *p = strstr(url, "://");
    if (!p)
        return -1;
    p += 3;
    size_t n = strcspn(p, "/?#");
    const char *at = memchr(p, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    size_t h = p[0] == '[' ? strcspn(p, "]") + 1 : strcspn(p, ":/?#");
    if (h > n)
        h = n;
    if (h == 0 || h >= hostlen)
        return -1;
    for (size_t i = 0; i < h; i++)
        host[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] - 'A' + 'a' : p[i]);
    host[h] = '\0';
    return 0;
}

static int ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

static int loopback(const char *host)
{
    return strncmp(host, "127.", 4) == 0 || strcmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0;
}

static int teams_check(const void *config, char *err, size_t errlen)
{
    const struct teams_config *c = config;
    char host[256];
    if (!c->url || !*c->url) {
        snprintf(err, errlen, "url is required (the workflow's URL, e.g. env:TEAMS_WORKFLOW_URL)");
        return -1;
    }
    if (url_host(c->url, host, sizeof host) < 0 ||
        (strncasecmp(c->url, "https://", 8) != 0 && !(strncasecmp(c->url, "http://", 7) == 0 && loopback(host)))) {
        snprintf(err, errlen, "url must be an https:// URL (http:// only to a loopback address, for tests)");
        return -1;
    }
    /* Workflows' addresses as Microsoft hands them out; another host may be a proxy of the
     * user's, or a connector URL that no longer works: said, not refused. */
    static const char *const known[] = {".logic.azure.com", ".powerplatform.com", ".powerautomate.com",
                                        "flow.microsoft.com", NULL};
    int ok = loopback(host);
    for (size_t i = 0; !ok && known[i]; i++)
        ok = ends_with(host, known[i]) || strcmp(host, known[i] + (known[i][0] == '.')) == 0;
    if (!ok)
        vg_warn("config", "[sink.teams] url: %s is not a Workflows host (*.logic.azure.com, *.powerplatform.com, "
                "*.powerautomate.com, flow.microsoft.com); an Office 365 connector URL (*.webhook.office.com) "
                "stopped working when connectors were retired",
                host);
    return 0;
}

static int teams_init(struct sink_ctx *ctx, const void *config, void **state, char *err, size_t errlen)
{
    const struct teams_config *c = config;
    if (teams_check(config, err, errlen) < 0)
        return -1;
    struct teams *t = vg_calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    t->ctx = ctx;
    t->cfg = c;
    char host[256] = "?";
    url_host(c->url, host, sizeof host);
    snprintf(t->where, sizeof t->where, "https://%s/... (a Teams workflow)", host);
    *state = t;
    return 0;
}

static void teams_close(void *state) { vg_free(state); }

static const char *teams_url(void *state) { return ((struct teams *)state)->cfg->url; }

static int teams_build(void *state, const struct sink_record *r, struct alert_req *out, char *why, size_t whylen)
{
    struct teams *t = state;
    size_t len = 0, shown = 0;
    char *body = teams_render(r->doc, (size_t)t->cfg->max_size, &len, &shown, why, whylen);
    if (!body)
        return strcmp(why, "out of memory") == 0 ? -2 : -1;
    vg_buf_append(&out->body, body, len);
    vg_free(body);
    return 0;
}

static const struct alert_post_ops teams_ops = {
    .vendor = "Teams",
    .section = "[sink.teams]",
    .url = teams_url,
    .build = teams_build,
};

static void teams_deliver(void *state, struct sink_batch *b)
{
    struct teams *t = state;
    alert_post_deliver(t->ctx, &teams_ops, t, b);
}

static const char *teams_where(void *state) { return ((struct teams *)state)->where; }

const struct sink_type sink_teams = {
    .name = "teams",
    .summary = "alerts to a Microsoft Teams channel through a Workflows webhook, as Adaptive Cards (at most 28 KB, "
               "4 requests a second)",
    .options = teams_options,
    .config_size = sizeof(struct teams_config),
    .max_batch = 10,
    .streams = "alerts:teams",
    /* "More than 4 requests per second" is throttled (learn.microsoft.com, incoming webhooks). */
    .rate_limit = 4,
    .rate_window_ms = 1100, /* a margin for the way there: grants a second apart may arrive closer */
    .check = teams_check,
    .init = teams_init,
    .deliver = teams_deliver,
    .close = teams_close,
    .where = teams_where,
};
