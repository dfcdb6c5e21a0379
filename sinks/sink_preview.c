/* sink_preview — printing a request with its secrets masked (see sink_preview.h). */
#include "sinks/sink_preview.h"
#include "http/fetch_http.h"
#include "util/vg_alloc.h"
#include "util/vg_json.h"
#include "util/vg_url_mask.h"

#include <string.h>
#include <strings.h>

/* Header names whose values are credentials. */
static int secret_header(const char *line, size_t namelen)
{
    static const char *const names[] = {"authorization", "proxy-authorization", "x-api-key", "cookie", NULL};
    for (size_t i = 0; names[i]; i++)
        if (strlen(names[i]) == namelen && strncasecmp(line, names[i], namelen) == 0)
            return 1;
    return 0;
}

/* A form body (application/x-www-form-urlencoded): the values of credential fields masked. */
static void print_form(FILE *out, const char *body, size_t len)
{
    static const char *const secret[] = {"assertion", "client_secret", "password", "refresh_token", "code", NULL};
    const char *end = body + len;
    for (const char *p = body; p < end;) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        int masked = 0;
        for (size_t i = 0; eq && secret[i]; i++)
            masked |= strlen(secret[i]) == (size_t)(eq - p) && strncmp(p, secret[i], (size_t)(eq - p)) == 0;
        if (masked)
            fprintf(out, "%.*s=***", (int)(eq - p), p);
        else
            fprintf(out, "%.*s", (int)(stop - p), p);
        if (amp)
            fputc('&', out);
        p = stop + 1;
    }
    fputc('\n', out);
}

/* A URL's query values that are credentials (a Teams workflow's sig=, a token) printed as ***. */
static void print_url(FILE *out, const char *url)
{
    static const char *const secret[] = {"sig", "signature", "token", "access_token", "api_key", "key", "code", NULL};
    const char *q = strchr(url, '?');
    if (!q) {
        fputs(url, out);
        return;
    }
    fprintf(out, "%.*s", (int)(q - url), url);
    for (const char *p = q; *p;) {
        fputc(*p++, out); /* '?' or '&' */
        size_t seg = strcspn(p, "&#");
        const char *eq = memchr(p, '=', seg);
        int masked = 0;
        for (size_t i = 0; eq && secret[i]; i++)
            masked |= strlen(secret[i]) == (size_t)(eq - p) && strncmp(p, secret[i], (size_t)(eq - p)) == 0;
        if (masked)
            fprintf(out, "%.*s=***", (int)(eq - p), p);
        else
            fprintf(out, "%.*s", (int)seg, p);
        p += seg;
        if (*p == '#') {
            fputs(p, out);
            break;
        }
    }
}

void sink_preview_print(FILE *out, const char *sink, const struct fetch_request *req)
{
    char *url = vg_url_mask(req->url);
    fprintf(out, "--- %s\n%s ", sink, req->method ? req->method : "GET");
    print_url(out, url ? url : "(out of memory)");
    fputc('\n', out);
    vg_free(url);
    for (size_t i = 0; req->headers && req->headers[i]; i++) {
        const char *h = req->headers[i];
        const char *colon = strchr(h, ':');
        if (colon && secret_header(h, (size_t)(colon - h)))
            fprintf(out, "%.*s: ***\n", (int)(colon - h), h);
        else
            fprintf(out, "%s\n", h);
    }
    if (!req->body) {
        fputc('\n', out);
        return;
    }
    const char *ct = req->content_type ? req->content_type : "application/json";
    fprintf(out, "Content-Type: %s\n\n", ct);
    if (strncmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
        print_form(out, req->body, req->body_len);
        return;
    }
    cJSON *doc = strncmp(ct, "application/json", 16) == 0 ? vg_json_parse(req->body, req->body_len) : NULL;
    char *pretty = doc ? cJSON_Print(doc) : NULL;
    if (pretty)
        fprintf(out, "%s\n", pretty);
    else
        fprintf(out, "%.*s\n", (int)req->body_len, req->body);
    cJSON_free(pretty);
    cJSON_Delete(doc);
}
