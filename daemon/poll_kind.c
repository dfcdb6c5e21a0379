/* poll_kind — the identity headers and budgets of the source kinds (see poll_kind.h). */
#include "daemon/poll_kind.h"
#include "daemon/config.h"
#include "fetchers/kind.h"
#include "util/vg_alloc.h"
#include "util/vg_hmac.h"
#include "util/vg_option.h"
#include "util/vg_units.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

struct kind_rate {
    const struct source_kind *kind;
    long long limit, window_ms;
};

struct poll_kinds {
    char *ua_header;   /* "User-Agent: <[sources] user_agent>", or NULL when unset */
    char *auth_header; /* "Authorization: Basic ...", from [sources] uk_company_key, or NULL */
    struct kind_rate *rates; /* one per registered kind */
    size_t nrates;
};

/* A budget as configured: [sources] <kind>_rate when written (checked at load), else the
 * API's documented limit. */
static void configured_rate(const struct vg_config *c, const struct source_kind *k, long long *limit,
                            long long *window)
{
    *limit = k->budget_limit;
    *window = k->budget_window_ms;
    char name[64];
    snprintf(name, sizeof(name), "%s_rate", k->name);
    for (const struct vg_option *o = vg_options; o->name; o++) {
        if (strcmp(o->section, "sources") != 0 || strcmp(o->name, name) != 0)
            continue;
        const char *v = *(char *const *)(const void *)((const char *)c + o->offset);
        long long l, w;
        if (v && v[0] && vg_parse_rate(v, &l, &w) == 0)
            *limit = l, *window = w;
        break;
    }
}

/* A request reaches the API a little after Redis grants it, by a few ms that differ from one
 * request to the next: counted over a window that much longer, the grants never let one
 * request too many into the API's own window. */
static void widen(long long *limit, long long *window)
{
    if (*limit < 1 || *window < 1) {
        *limit = *window = 0;
        return;
    }
    *window += *window / 40 > 20 ? *window / 40 : 20;
}

/* HTTP Basic with the key as the user name and an empty password (Companies House). The key
 * is wiped from the buffers this builds it in; it is never logged. */
static char *basic_auth(const char *key)
{
    size_t n = strlen(key) + 1;
    char *user = vg_asprintf("%s:", key);
    char *b64 = user ? vg_base64(user, n) : NULL;
    char *h = b64 ? vg_asprintf("Authorization: Basic %s", b64) : NULL;
    if (user)
        memset(user, 0, n);
    if (b64)
        memset(b64, 0, strlen(b64));
    vg_free(user);
    vg_free(b64);
    return h;
}

struct poll_kinds *poll_kinds_new(const struct vg_config *c)
{
    struct poll_kinds *pk = vg_calloc(1, sizeof(*pk));
    if (!pk)
        return NULL;
    size_t n;
    const struct source_kind *const *all = source_kinds_all(&n);
    int oom = !(pk->rates = vg_calloc(n ? n : 1, sizeof(*pk->rates)));
    for (size_t i = 0; !oom && i < n; i++) {
        struct kind_rate *r = &pk->rates[pk->nrates++];
        r->kind = all[i];
        configured_rate(c, all[i], &r->limit, &r->window_ms);
        widen(&r->limit, &r->window_ms);
    }
    if (!oom && c->src_user_agent && c->src_user_agent[0])
        oom = !(pk->ua_header = vg_asprintf("User-Agent: %s", c->src_user_agent));
    if (!oom && c->src_uk_company_key && c->src_uk_company_key[0])
        oom = !(pk->auth_header = basic_auth(c->src_uk_company_key));
    if (oom) {
        poll_kinds_free(pk);
        return NULL;
    }
    return pk;
}

void poll_kinds_free(struct poll_kinds *pk)
{
    if (!pk)
        return;
    vg_free(pk->ua_header);
    if (pk->auth_header)
        memset(pk->auth_header, 0, strlen(pk->auth_header));
    vg_free(pk->auth_header);
    vg_free(pk->rates);
    vg_free(pk);
}

int poll_kinds_refuse(const struct poll_kinds *pk, const struct source_kind *k, char *err, size_t errlen)
{
    if (k->needs_user_agent && !pk->ua_header) {
        snprintf(err, errlen, "[sources] user_agent is not set: %s requires a User-Agent with a contact address",
                 strcmp(k->name, "sec_edgar") == 0 ? "SEC EDGAR" : k->name);
        return -1;
    }
    if (k->needs_api_key && !pk->auth_header) {
        snprintf(err, errlen, "[sources] uk_company_key is not set: %s sources need an API key", k->name);
        return -1;
    }
    return 0;
}

size_t poll_kinds_headers(const struct poll_kinds *pk, const struct source_kind *k, const char *url,
                          const char *out[3])
{
    size_t n = 0;
    /* a saved response (tests, examples): the HTTP client refuses headers there */
    if (strncasecmp(url, "file://", 7) != 0) {
        /* [sources] user_agent: the company sources' (a kind with an API URL of its own), and
         * always one that needs it; feeds and pages keep [fetch] user_agent. */
        if (pk->ua_header && (k->needs_user_agent || k->default_url))
            out[n++] = pk->ua_header;
        if (pk->auth_header && k->needs_api_key)
            out[n++] = pk->auth_header;
    }
    out[n] = NULL;
    return n;
}

void poll_kinds_rate(const struct poll_kinds *pk, const struct source_kind *k, long long *limit,
                     long long *window_ms)
{
    for (size_t i = 0; i < pk->nrates; i++) {
        if (pk->rates[i].kind == k) {
            *limit = pk->rates[i].limit;
            *window_ms = pk->rates[i].window_ms;
            return;
        }
    }
    /* a kind added for tests only: its documented limit, no option names it */
    *limit = k->budget_limit;
    *window_ms = k->budget_window_ms;
    widen(limit, window_ms);
}
