/* fetch_headers — the header lines of the HTTP client's requests (see fetch_headers.h). */
#include "http/fetch_headers.h"
#include "util/vg_alloc.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

struct curl_slist *fetch_headers_fixed(const char *user_agent)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    char ae[64] = "";
    if (v->features & CURL_VERSION_LIBZ)
        snprintf(ae + strlen(ae), sizeof(ae) - strlen(ae), "deflate, gzip");
    if (v->features & CURL_VERSION_BROTLI)
        snprintf(ae + strlen(ae), sizeof(ae) - strlen(ae), "%sbr", ae[0] ? ", " : "");
    if (v->features & CURL_VERSION_ZSTD)
        snprintf(ae + strlen(ae), sizeof(ae) - strlen(ae), "%szstd", ae[0] ? ", " : "");
    struct fetch_headers h = {0};
    int ok = fetch_headers_add(&h, "User-Agent", user_agent) == 0 &&
             (!ae[0] || fetch_headers_add(&h, "Accept-Encoding", ae) == 0);
    if (!ok)
        fetch_headers_free(&h);
    return h.own;
}

int fetch_header_line_is(const char *line, const char *name)
{
    size_t n = strlen(name);
    return strncasecmp(line, name, n) == 0 && line[n] == ':';
}

int fetch_headers_add(struct fetch_headers *h, const char *name, const char *value)
{
    size_t n = name ? strlen(name) : 0, v = strlen(value);
    char stack[512], *line = n + v + 3 <= sizeof(stack) ? stack : vg_malloc(n + v + 3);
    if (!line)
        return -1;
    char *end = line;
    if (name) {
        memcpy(end, name, n);
        memcpy(end + n, ": ", 2);
        end += n + 2;
    }
    memcpy(end, value, v + 1);
    struct curl_slist *l = curl_slist_append(h->own, line);
    h->sets_ua |= fetch_header_line_is(line, "User-Agent");
    h->sets_ae |= fetch_header_line_is(line, "Accept-Encoding");
    if (line != stack)
        vg_free(line);
    if (!l)
        return -1;
    h->own = l;
    return 0;
}

int fetch_headers_join(struct fetch_headers *h, struct curl_slist *fixed)
{
    if (h->sets_ua || h->sets_ae) {
        for (struct curl_slist *f = fixed; f; f = f->next) {
            if (fetch_header_line_is(f->data, "User-Agent") ? h->sets_ua : h->sets_ae)
                continue;
            struct curl_slist *n = curl_slist_append(h->own, f->data);
            if (!n)
                return -1;
            h->own = n;
        }
    } else if (h->own) {
        h->own_last = h->own;
        while (h->own_last->next)
            h->own_last = h->own_last->next;
        h->own_last->next = fixed;
    }
    return 0;
}

struct curl_slist *fetch_headers_list(const struct fetch_headers *h, struct curl_slist *fixed)
{
    return h->own ? h->own : fixed;
}

void fetch_headers_free(struct fetch_headers *h)
{
    if (h->own_last)
        h->own_last->next = NULL; /* the shared lines are not the request's to free */
    curl_slist_free_all(h->own);
    memset(h, 0, sizeof(*h));
}
