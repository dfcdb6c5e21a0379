/* fetch_http_int — private helpers of the HTTP client, shared by fetch_http.c (the curl_multi
 * driver), fetch_easy.c and fetch_xfer.c (a transfer's handle and its data, whose layout is in
 * fetch_client_int.h), fetch_request_check.c (what a request may ask) and fetch_http_result.c
 * (what an outcome means, the response's headers). Not an API for other modules. */
#ifndef FETCH_HTTP_INT_H
#define FETCH_HTTP_INT_H

#include <curl/curl.h>
#include <stddef.h>
#include <time.h>

#include "http/fetch_http.h"

/* What the transfer's callbacks and curl's info say about a finished transfer. */
struct fetch_outcome {
    CURLcode rc;
    const char *detail;   /* curl's error buffer, or curl_easy_strerror(rc) */
    long status;          /* last HTTP status, 0 if none */
    long redirects;
    const char *type;     /* media type of the final response (lower-cased) or NULL */
    const char *accept;   /* the request's accept list or NULL */
    size_t max_body;
    int max_redirects;
    int refused;          /* the address policy refused a connection ... */
    const char *why;      /* ... for this reason */
    int too_large;        /* on_body() hit the cap */
    int ctype_bad;        /* on_body() refused the Content-Type */
    int oom;              /* on_body() could not grow the buffer */
    int body_started;     /* the body had begun: every header was read */
    const char *method;   /* the request's method when not GET (never follows a redirect) */
    const char *location; /* the 3xx's Location, credentials masked, or NULL */
};

/* The error the caller sees, from curl's code, the status and the callbacks' flags; writes
 * the human reason ("" when FETCH_OK) into reason. */
enum fetch_error fetch_http_judge(const struct fetch_outcome *o, char *reason, size_t len);

/* The first words of a human reason for an error: "timeout", "bad URL", ... */
const char *fetch_error_label(enum fetch_error e);

/* Is the lower-cased media type `mt` one of the comma-separated types of `accept`
 * ("*" + "/" + "*" and "type/" + "*" wildcards; parameters such as q= ignored)? */
int fetch_type_accepted(const char *accept, const char *mt);

/* Splits a Content-Type value into its lower-cased media type and charset (NULL when absent
 * or on OOM). The caller frees both with vg_free. */
void fetch_split_content_type(const char *ct, char **type, char **charset);

/* Header hygiene: a value without CR, LF, NUL or other controls (tab allowed), shorter than
 * FETCH_MAX_HEADER_LINE; a line "Name: value" whose name is an RFC 9110 token. 1 when clean. */
#define FETCH_MAX_HEADER_LINE 8192
enum fetch_value_check { FETCH_VALUE_OK, FETCH_VALUE_CONTROL, FETCH_VALUE_TOO_LONG };
enum fetch_value_check fetch_header_value_check(const char *s);
int fetch_header_value_ok(const char *s);
int fetch_header_line_ok(const char *s);
/* A header name: an RFC 9110 token shorter than 256 bytes. 1 when it is one. */
int fetch_header_name_ok(const char *s);

/* Reads a Retry-After value, delay-seconds or HTTP-date (as of `now`; a date past gives 0),
 * into *seconds clamped to [0, max]. 1 when it parses, 0 when it does not (*seconds is then
 * 0). */
int fetch_retry_after_parse(const char *v, time_t now, long max, long *seconds);

/* One response header of the final response as a fresh string (or NULL). */
char *fetch_header_dup(CURL *e, const char *name);
/* A wanted header of the final response, its values joined by ", " when it came more than
 * once (RFC 9110 5.3). NULL when absent; *oom set when memory ran out. */
char *fetch_header_join(CURL *e, const char *name, int *oom);

/* The methods a request may use; index 0, GET, is what a request without one does. */
enum { M_GET, M_POST, M_PATCH, M_PUT, M_DELETE, M__COUNT };
extern const char *const fetch_method_names[M__COUNT];
/* Extra request headers, and wanted response headers, a request may name. */
#define MAX_HEADERS 64

/* Checks what a request asks before anything is allocated (fetch_request_check.c): its
 * method (into *method), its URL and header values (no control character, not too long), its
 * extra header lines and wanted header names (counted into *nextra and *nwant), and that
 * the method goes with what it carries. -1 with err filled when it is unfit. */
int fetch_request_check(const struct fetch_request *req, int *method, size_t *nextra, size_t *nwant, char *err,
                        size_t errlen);

#endif
