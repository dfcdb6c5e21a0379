/* vg_url_mask — credentials out of printed URLs (see vg_url_mask.h). */
#include "util/vg_url_mask.h"
#include "util/vg_alloc.h"

#include <string.h>

char *vg_url_mask(const char *url)
{
    if (!url)
        return vg_strdup("");
    const char *auth = strstr(url, "://");
    if (!auth)
        return vg_strdup(url);
    auth += 3;
    size_t alen = strcspn(auth, "/?#");
    const char *at = NULL;
    for (const char *p = auth; p < auth + alen; p++)
        if (*p == '@')
            at = p;
    if (!at)
        return vg_strdup(url);
    const char *colon = memchr(auth, ':', (size_t)(at - auth));
    if (colon)
        return vg_asprintf("%.*s:***%s", (int)(colon - url), url, at);
    return vg_asprintf("%.*s***%s", (int)(auth - url), url, at);
}
