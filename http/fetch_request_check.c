/* fetch_request_check — what a request asks, checked before the HTTP client takes it
 * (fetch_http_int.h). Every message says which rule a value breaks without quoting a header
 * line, which may be an Authorization. */
#include "http/fetch_http_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *const fetch_method_names[M__COUNT] = {"GET", "POST", "PATCH", "PUT", "DELETE"};

/* 1 with err filled when a value that goes into the request line or a header is unfit: the
 * message names which of the two rules it breaks, so a long URL is not taken for an injection. */
static int request_value_bad(const char *what, const char *v, char *err, size_t errlen)
{
    switch (fetch_header_value_check(v)) {
    case FETCH_VALUE_CONTROL:
        snprintf(err, errlen, "fetch: the %s contains a control character", what);
        return 1;
    case FETCH_VALUE_TOO_LONG:
        snprintf(err, errlen, "fetch: the %s is %zu bytes long; the limit is %d", what, strlen(v),
                 FETCH_MAX_HEADER_LINE - 1);
        return 1;
    default:
        return 0;
    }
}

/* The method's index, or -1 with err filled (quoting the name only when it is printable). */
static int method_index(const char *m, char *err, size_t errlen)
{
    if (!m)
        return M_GET;
    for (int i = 0; i < M__COUNT; i++)
        if (strcmp(m, fetch_method_names[i]) == 0)
            return i;
    if (fetch_header_name_ok(m) && strlen(m) <= 32)
        snprintf(err, errlen, "fetch: method '%s' is not one of GET, POST, PATCH, PUT, DELETE", m);
    else
        snprintf(err, errlen, "fetch: the method is not one of GET, POST, PATCH, PUT, DELETE");
    return -1;
}

int fetch_request_check(const struct fetch_request *req, int *method_out, size_t *nextra_out, size_t *nwant_out,
                        char *err, size_t errlen)
{
    int method = method_index(req->method, err, errlen);
    if (method < 0)
        return -1;
    if (method != M_GET && (req->etag || req->last_modified)) {
        snprintf(err, errlen, "fetch: an ETag or Last-Modified date (a conditional GET) goes "
                              "with GET only, not with %s", fetch_method_names[method]);
        return -1;
    }
    if (method != M_GET && strncasecmp(req->url, "file:", 5) == 0) {
        snprintf(err, errlen, "fetch: a file:// URL is read with GET only");
        return -1;
    }
    if (!req->body && req->body_len) {
        snprintf(err, errlen, "fetch: a body length of %zu without a body", req->body_len);
        return -1;
    }
    if (method == M_GET && req->body) {
        snprintf(err, errlen, "fetch: a GET has no body");
        return -1;
    }
    if (request_value_bad("URL", req->url, err, errlen) ||
        (req->etag && request_value_bad("ETag", req->etag, err, errlen)) ||
        (req->last_modified && request_value_bad("Last-Modified date", req->last_modified, err, errlen)) ||
        (req->accept && request_value_bad("accept list", req->accept, err, errlen)) ||
        (req->content_type && request_value_bad("content type", req->content_type, err, errlen)))
        return -1;
    size_t nextra = 0;
    for (; req->headers && req->headers[nextra]; nextra++) {
        if (nextra >= MAX_HEADERS) {
            snprintf(err, errlen, "fetch: more than %d extra headers", MAX_HEADERS);
            return -1;
        }
        if (!fetch_header_line_ok(req->headers[nextra])) {
            snprintf(err, errlen, "fetch: header %zu is not a clean 'Name: value' line", nextra + 1);
            return -1;
        }
    }
    size_t nwant = 0;
    for (; req->want_headers && req->want_headers[nwant]; nwant++) {
        if (nwant >= MAX_HEADERS) {
            snprintf(err, errlen, "fetch: more than %d wanted response headers", MAX_HEADERS);
            return -1;
        }
        if (!fetch_header_name_ok(req->want_headers[nwant])) {
            snprintf(err, errlen, "fetch: wanted response header %zu is not a header name", nwant + 1);
            return -1;
        }
    }
    *method_out = method;
    *nextra_out = nextra;
    *nwant_out = nwant;
    return 0;
}
