/* websub_link — hub and self from a Link header (see websub_link.h). */
#include "daemon/websub_link.h"
#include "fetchers/feed_url.h"
#include "util/vg_alloc.h"

#include <string.h>
#include <strings.h>

/* 1 when the space-separated relation list [s, s + n) holds `rel` (case-insensitive). */
static int has_rel(const char *s, size_t n, const char *rel)
{
    size_t rl = strlen(rel);
    size_t i = 0;
    while (i < n) {
        while (i < n && s[i] == ' ')
            i++;
        size_t j = i;
        while (j < n && s[j] != ' ')
            j++;
        if (j - i == rl && strncasecmp(s + i, rel, rl) == 0)
            return 1;
        i = j;
    }
    return 0;
}

void websub_link_parse(const char *value, const char *base, char **hub, char **self)
{
    *hub = *self = NULL;
    const char *p = value;
    while (p && (p = strchr(p, '<'))) {
        const char *end = strchr(p + 1, '>');
        if (!end)
            return;
        /* The parameters run to the next link (a '<' cannot appear in them unquoted, and a
         * quoted one would only end this link's parameters early). */
        const char *params = end + 1, *next = strchr(params, '<');
        size_t plen = next ? (size_t)(next - params) : strlen(params);
        const char *rel = NULL;
        size_t rlen = 0;
        for (size_t i = 0; i + 4 <= plen; i++) {
            if (strncasecmp(params + i, "rel", 3) != 0 || (i > 0 && params[i - 1] != ';' && params[i - 1] != ' '))
                continue;
            size_t k = i + 3;
            while (k < plen && params[k] == ' ')
                k++;
            if (k >= plen || params[k] != '=')
                continue;
            k++;
            while (k < plen && params[k] == ' ')
                k++;
            if (k < plen && params[k] == '"') {
                const char *q = memchr(params + k + 1, '"', plen - k - 1);
                rel = params + k + 1;
                rlen = q ? (size_t)(q - rel) : plen - k - 1;
            } else {
                rel = params + k;
                while (k < plen && params[k] != ';' && params[k] != ',' && params[k] != ' ')
                    k++;
                rlen = (size_t)(params + k - rel);
            }
            break;
        }
        int is_hub = rel && !*hub && has_rel(rel, rlen, "hub");
        int is_self = rel && !*self && has_rel(rel, rlen, "self");
        if (is_hub || is_self) {
            /* http(s) and absolute only: a hub is POSTed to, a topic sent to it */
            char *target = vg_strndup(p + 1, (size_t)(end - p - 1));
            char *url = target ? feed_url_resolve(base, target) : NULL;
            vg_free(target);
            if (url && !feed_url_is_absolute(url)) {
                vg_free(url);
                url = NULL;
            }
            if (url && is_hub && is_self) {
                *hub = url;
                *self = vg_strdup(url);
            } else if (url && is_hub) {
                *hub = url;
            } else if (url) {
                *self = url;
            }
        }
        p = end + 1;
    }
}
