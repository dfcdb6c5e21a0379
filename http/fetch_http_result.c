/* fetch_http_result — what the outcome of a transfer means for the caller.
 *
 * Turns curl's result code, the HTTP status and what the client's own callbacks noticed
 * (address refused, body over the cap, unwanted Content-Type) into one fetch_error and a
 * sentence a person can act on; the scheduler stores the sentence on the source and counts
 * fetch_error_name() in metrics. Also the small text helpers around it: media types and
 * header hygiene. No curl_multi here, no I/O. */
#include "http/fetch_http_int.h"
#include "util/vg_alloc.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;    /* stable, for metrics */
    const char *label;   /* first words of the human reason */
} errors[FETCH_ERR__COUNT] = {
    [FETCH_OK] = {"ok", "ok"},
    [FETCH_ERR_DNS] = {"dns", "dns"},
    [FETCH_ERR_CONNECT] = {"connect", "connect"},
    [FETCH_ERR_TLS] = {"tls", "tls"},
    [FETCH_ERR_HTTP_STATUS] = {"http_status", "HTTP"},
    [FETCH_ERR_TOO_LARGE] = {"too_large", "too large"},
    [FETCH_ERR_TIMEOUT] = {"timeout", "timeout"},
    [FETCH_ERR_REFUSED_ADDRESS] = {"refused_address", "refused"},
    [FETCH_ERR_REDIRECTS] = {"redirects", "too many redirects"},
    [FETCH_ERR_PROTOCOL] = {"protocol", "protocol"},
    [FETCH_ERR_RESET] = {"reset", "reset"},
    [FETCH_ERR_CONTENT_TYPE] = {"content_type", "content type"},
    [FETCH_ERR_BAD_URL] = {"bad_url", "bad URL"},
    [FETCH_ERR_FILE] = {"file", "file"},
    [FETCH_ERR_INTERNAL] = {"internal", "internal"},
};

const char *fetch_error_name(enum fetch_error e)
{
    return (unsigned)e < FETCH_ERR__COUNT ? errors[e].name : "unknown";
}

const char *fetch_error_label(enum fetch_error e)
{
    return (unsigned)e < FETCH_ERR__COUNT ? errors[e].label : "unknown";
}

/* ------------------------------------------------------------------------------------------ */
/* Classification                                                                             */

static enum fetch_error from_curl(const struct fetch_outcome *o)
{
    switch (o->rc) {
    case CURLE_OK:
        return FETCH_OK;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return FETCH_ERR_DNS;
    case CURLE_COULDNT_CONNECT:
        /* Every address was refused by the open-socket check (or a real connect failed after
         * one was refused: reported as refused, the conservative reading). */
        return o->refused ? FETCH_ERR_REFUSED_ADDRESS : FETCH_ERR_CONNECT;
    case CURLE_ABORTED_BY_CALLBACK:
        return o->refused ? FETCH_ERR_REFUSED_ADDRESS : FETCH_ERR_INTERNAL;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
        return FETCH_ERR_TLS;
    case CURLE_OPERATION_TIMEDOUT:
        return FETCH_ERR_TIMEOUT;
    case CURLE_FILESIZE_EXCEEDED:
        return FETCH_ERR_TOO_LARGE;
    case CURLE_WRITE_ERROR:
        if (o->ctype_bad)
            return FETCH_ERR_CONTENT_TYPE;
        if (o->too_large)
            return FETCH_ERR_TOO_LARGE;
        return FETCH_ERR_INTERNAL;
    case CURLE_TOO_MANY_REDIRECTS:
        return FETCH_ERR_REDIRECTS;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_HTTP2:
    case CURLE_HTTP3:
    case CURLE_RANGE_ERROR:
        return FETCH_ERR_PROTOCOL;
    case CURLE_RECV_ERROR:
        /* curl stops reading at 300 KiB of response headers with a receive error; that is
         * the server's excess, not a dropped connection. */
        if (strstr(o->detail, "Too large response headers"))
            return FETCH_ERR_TOO_LARGE;
        return FETCH_ERR_RESET;
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2_STREAM:
        return FETCH_ERR_RESET;
    case CURLE_URL_MALFORMAT:
        return FETCH_ERR_BAD_URL;
#if LIBCURL_VERSION_NUM >= 0x080600
    case CURLE_TOO_LARGE: /* from curl 8.6, what 7.x reported in the two ways below */
        return FETCH_ERR_TOO_LARGE;
#endif
    case CURLE_OUT_OF_MEMORY:
        /* curl holds one header line in a buffer capped at 100 KiB and reports a longer line
         * as out of memory: a status line already read and no body yet means that. */
        if (!o->oom && o->status && !o->body_started)
            return FETCH_ERR_TOO_LARGE;
        return FETCH_ERR_INTERNAL;
    case CURLE_FILE_COULDNT_READ_FILE:
    case CURLE_READ_ERROR:
        return FETCH_ERR_FILE;
    default:
        return FETCH_ERR_INTERNAL;
    }
}

enum fetch_error fetch_http_judge(const struct fetch_outcome *o, char *reason, size_t len)
{
    enum fetch_error err = from_curl(o);
    long st = o->status;
    /* A server error that also breaks a limit is reported as the server error: it is what the
     * source's owner needs to see. */
    if ((err == FETCH_ERR_TOO_LARGE || err == FETCH_ERR_CONTENT_TYPE) && st >= 400)
        err = FETCH_ERR_HTTP_STATUS;
    /* A write is not followed to another address (curl was told not to): the redirect is the
     * answer, and the user must see where it pointed to fix the configuration. */
    if (err == FETCH_OK && o->method && st / 100 == 3 && st != 304 && o->location) {
        snprintf(reason, len, "redirect refused for a %s: HTTP %ld to %s", o->method, st,
                 o->location);
        return FETCH_ERR_REDIRECTS;
    }
    /* 304 answers a conditional GET; no other method sends one. */
    if (err == FETCH_OK && st != 0 && (st != 304 || o->method) && (st < 200 || st > 299))
        err = FETCH_ERR_HTTP_STATUS;
    /* An empty 2xx body never reaches the write callback, so check the type here too. */
    if (err == FETCH_OK && st >= 200 && st <= 299 && o->accept && o->type &&
        !fetch_type_accepted(o->accept, o->type))
        err = FETCH_ERR_CONTENT_TYPE;

    const char *label = fetch_error_label(err);
    switch (err) {
    case FETCH_OK:
        snprintf(reason, len, "%s", "");
        break;
    case FETCH_ERR_HTTP_STATUS:
        snprintf(reason, len, "HTTP %ld", st);
        break;
    case FETCH_ERR_TOO_LARGE:
        if (o->rc == CURLE_OUT_OF_MEMORY)
            snprintf(reason, len, "%s: a response header line is over 100 KiB", label);
        else if (o->rc == CURLE_RECV_ERROR)
            snprintf(reason, len, "%s: response headers over 300 KiB (%s)", label, o->detail);
        else if (o->too_large)
            snprintf(reason, len, "%s: body passed %zu bytes after decompression", label,
                     o->max_body);
        else if (o->rc == CURLE_FILESIZE_EXCEEDED)
            snprintf(reason, len, "%s: Content-Length is over %zu bytes", label, o->max_body);
        else
            snprintf(reason, len, "%s: %s", label, o->detail);
        break;
    case FETCH_ERR_CONTENT_TYPE:
        snprintf(reason, len, "%s: got %s, expected %s", label, o->type ? o->type : "(none)",
                 o->accept ? o->accept : "(any)");
        break;
    case FETCH_ERR_REFUSED_ADDRESS:
        snprintf(reason, len, "%s: %s", label, o->why ? o->why : "address not allowed");
        break;
    case FETCH_ERR_REDIRECTS:
        snprintf(reason, len, "%s: more than %d", label, o->max_redirects);
        break;
    case FETCH_ERR_PROTOCOL:
        if (o->redirects > 0 || st / 100 == 3)
            snprintf(reason, len, "%s: redirect target not allowed (http and https only): %s",
                     label, o->detail);
        else
            snprintf(reason, len, "%s: %s", label, o->detail);
        break;
    case FETCH_ERR_INTERNAL:
        snprintf(reason, len, "%s: %s", label, o->oom ? "out of memory" : o->detail);
        break;
    default:
        snprintf(reason, len, "%s: %s", label, o->detail);
        break;
    }
    return err;
}

/* ------------------------------------------------------------------------------------------ */
/* Media types                                                                                */

int fetch_type_accepted(const char *accept, const char *mt)
{
    size_t mtlen = strlen(mt);
    const char *slash = strchr(mt, '/');
    size_t toplen = slash ? (size_t)(slash - mt) : mtlen;
    for (const char *p = accept; *p;) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        const char *start = p;
        while (*p && *p != ',' && *p != ';')
            p++;
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        while (*p && *p != ',')
            p++;   /* skip parameters such as ;q=0.9 */
        size_t len = (size_t)(end - start);
        if (len == 0)
            continue;
        if (len == 3 && strncmp(start, "*/*", 3) == 0)
            return 1;
        if (len >= 2 && start[len - 1] == '*' && start[len - 2] == '/' && len - 2 == toplen &&
            strncasecmp(start, mt, toplen) == 0)
            return 1;
        if (len == mtlen && strncasecmp(start, mt, len) == 0)
            return 1;
    }
    return 0;
}

static char *lower_dup(const char *s, size_t n)
{
    char *d = vg_strndup(s, n);
    for (char *p = d; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

void fetch_split_content_type(const char *ct, char **type, char **charset)
{
    *type = *charset = NULL;
    if (!ct)
        return;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strcspn(ct, "; \t");
    if (n > 0 && n < 256)
        *type = lower_dup(ct, n);
    for (const char *p = strchr(ct, ';'); p; p = strchr(p + 1, ';')) {
        const char *q = p + 1;
        while (*q == ' ' || *q == '\t')
            q++;
        if (strncasecmp(q, "charset=", 8) != 0)
            continue;
        q += 8;
        int quoted = *q == '"';
        q += quoted;
        size_t len = strcspn(q, quoted ? "\"" : "; \t");
        if (len > 0 && len < 64)
            *charset = lower_dup(q, len);
        break;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Header hygiene                                                                             */

/* curl sends header strings as they are, so one CR LF in a value would let it add headers or
 * a body to the request. */
enum fetch_value_check fetch_header_value_check(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return FETCH_VALUE_CONTROL;
    return n < FETCH_MAX_HEADER_LINE ? FETCH_VALUE_OK : FETCH_VALUE_TOO_LONG;
}

int fetch_header_value_ok(const char *s)
{
    return fetch_header_value_check(s) == FETCH_VALUE_OK;
}

/* Length of the RFC 9110 token at the start of s. */
static size_t token_len(const char *s)
{
    const char *p = s;
    while (*p && (isalnum((unsigned char)*p) || strchr("!#$%&'*+-.^_`|~", *p)))
        p++;
    return (size_t)(p - s);
}

int fetch_header_line_ok(const char *s)
{
    size_t n = token_len(s);
    if (n == 0 || s[n] != ':')
        return 0;
    return fetch_header_value_ok(s + n + 1);
}

int fetch_header_name_ok(const char *s)
{
    size_t n = token_len(s);
    return n > 0 && n < 256 && s[n] == '\0';
}

/* ------------------------------------------------------------------------------------------ */
/* Retry-After                                                                                */

int fetch_retry_after_parse(const char *v, time_t now, long max, long *seconds)
{
    *seconds = 0;
    if (!v)
        return 0;
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    if (n == 0)
        return 0;
    if (isdigit((unsigned char)v[0])) {
        /* delay-seconds: digits only; a huge value is as good as the maximum. */
        long long s = 0;
        for (size_t i = 0; i < n; i++) {
            if (!isdigit((unsigned char)v[i]))
                return 0;
            if (s < 1000000000000LL)
                s = s * 10 + (v[i] - '0');
        }
        *seconds = s < max ? (long)s : max;
        return 1;
    }
    /* HTTP-date, as curl reads it (IMF-fixdate and the two obsolete forms). */
    char date[64];
    if (n >= sizeof(date))
        return 0;
    memcpy(date, v, n);
    date[n] = '\0';
    time_t t = curl_getdate(date, NULL);
    if (t == (time_t)-1)
        return 0;
    if (t <= now)
        return 1;
    *seconds = t - now < (time_t)max ? (long)(t - now) : max;
    return 1;
}

/* ---- response headers ---------------------------------------------------------------- */

/* Fetches one response header of the final response as a fresh string (or NULL). */
char *fetch_header_dup(CURL *e, const char *name)
{
    struct curl_header *h = NULL;
    if (curl_easy_header(e, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h || !h->value)
        return NULL;
    return vg_strdup(h->value);
}

/* A wanted header of the final response (CURLH_HEADER: neither a 1xx's nor a trailer; request
 * -1: not a redirect's), its values joined by ", " when it came more than once (RFC 9110
 * 5.3). NULL when absent; *oom set when memory ran out. */
char *fetch_header_join(CURL *e, const char *name, int *oom)
{
    struct curl_header *h = NULL;
    if (curl_easy_header(e, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h || !h->value)
        return NULL;
    size_t amount = h->amount;
    struct vg_buf b;
    vg_buf_init(&b, 0);
    vg_buf_puts(&b, h->value);
    for (size_t i = 1; i < amount; i++) {
        if (curl_easy_header(e, name, i, CURLH_HEADER, -1, &h) == CURLHE_OK && h && h->value) {
            vg_buf_puts(&b, ", ");
            vg_buf_puts(&b, h->value);
        }
    }
    char *v = vg_buf_steal(&b);
    if (!v)
        *oom = 1;
    return v;
}
