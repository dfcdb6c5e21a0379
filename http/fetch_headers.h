/* fetch_headers — the header lines of the HTTP client's requests (used by fetch_http.c,
 * fetch_xfer.c and fetch_easy.c).
 *
 * Every request sends the client's fixed lines (User-Agent, and Accept-Encoding with what this
 * libcurl decodes) after its own. They go as header lines rather than through
 * CURLOPT_USERAGENT and CURLOPT_ACCEPT_ENCODING, which spares curl formatting both again for
 * each request (callgrind: 7k of 131k instructions per conditional GET); the client keeps
 * CURLOPT_ACCEPT_ENCODING set so that curl still decodes. The fixed lines are one list shared
 * by every request: a request's own list ends by pointing into it, unless the request names
 * User-Agent or Accept-Encoding itself, whose value then replaces the client's. */
#ifndef FETCH_HEADERS_H
#define FETCH_HEADERS_H

#include <curl/curl.h>

/* The client's fixed lines for `user_agent`; NULL when out of memory. Free with
 * curl_slist_free_all once no request uses them. */
struct curl_slist *fetch_headers_fixed(const char *user_agent);

/* One request's lines. Zeroed is empty. */
struct fetch_headers {
    struct curl_slist *own;        /* its own lines, then (own_last->next) the fixed ones */
    struct curl_slist *own_last;   /* set once joined to the shared fixed lines */
    int sets_ua, sets_ae;          /* its lines name User-Agent, Accept-Encoding */
};

/* 1 when the line "Name: value" is named `name` (case-insensitive). */
int fetch_header_line_is(const char *line, const char *name);

/* Appends "name: value", or the line `value` when name is NULL. -1: out of memory. */
int fetch_headers_add(struct fetch_headers *h, const char *name, const char *value);
/* Adds the fixed lines after the request's own (shared, or copied without those the request
 * replaces). -1: out of memory. Once per request, after the last fetch_headers_add. */
int fetch_headers_join(struct fetch_headers *h, struct curl_slist *fixed);
/* What CURLOPT_HTTPHEADER gets, after fetch_headers_join. */
struct curl_slist *fetch_headers_list(const struct fetch_headers *h, struct curl_slist *fixed);
/* Frees the request's own lines, never the shared ones. */
void fetch_headers_free(struct fetch_headers *h);

#endif
