/* fetch_urls — URLs parsed once, for every request to them.
 *
 * The HTTP client needs a URL's host before a request starts (per-host limits), and curl
 * needs the URL parsed (a CURLU handle, CURLOPT_CURLU). Parsing costs about as much as a
 * tenth of a 304 poll, and a source's URL is the same at every poll, so the parsed form is
 * kept: while a request holds it, and afterwards, idle, until the idle ones outgrow their
 * memory budget and it is the least recently used. curl only reads a CURLU handed to it, so requests to one URL share
 * one. Single-threaded, like the event loop that owns it. */
#ifndef FETCH_URLS_H
#define FETCH_URLS_H

#include <curl/curl.h>
#include <stddef.h>

struct fetch_url {
    const char *url;    /* as given */
    CURLU *cu;          /* NULL when curl cannot parse it (the request then fails at once) */
    const char *host;   /* the host name; "" for file:// and for a URL curl cannot parse */
};

struct fetch_urls;

/* A cache that keeps the URLs no request holds within about max_idle_bytes of memory. */
struct fetch_urls *fetch_urls_new(size_t max_idle_bytes);
void fetch_urls_free(struct fetch_urls *u);

/* The parsed form of url, held until fetch_urls_release. NULL when out of memory. */
const struct fetch_url *fetch_urls_get(struct fetch_urls *u, const char *url);
void fetch_urls_release(struct fetch_urls *u, const struct fetch_url *e);

/* URLs kept (held or idle), and how many gets found theirs already parsed. */
size_t fetch_urls_count(const struct fetch_urls *u);
unsigned long long fetch_urls_hits(const struct fetch_urls *u);

#endif
