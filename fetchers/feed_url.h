/* feed_url — URL helpers shared by the feed parser, page extraction and the items stage:
 * RFC 3986 resolution, unwrapping of news-alert redirect links, canonical forms for dedup,
 * and a content fingerprint. Pure functions, no I/O. */
#ifndef VG_FEED_URL_H
#define VG_FEED_URL_H

#include <stdint.h>

/* Resolves `ref` against `base` (RFC 3986 section 5, dot segments removed). Surrounding
 * whitespace, tabs and newlines inside are dropped, spaces are percent-encoded. When base is
 * NULL or not absolute, an absolute ref is returned normalised and a relative one as is.
 * Returns a new string, or NULL for an empty ref, a scheme other than http/https (javascript:,
 * data:, file: ...), or allocation failure. */
char *feed_url_resolve(const char *base, const char *ref);

/* True when url starts with "http://" or "https://" (any case). */
int feed_url_is_absolute(const char *url);

/* The real article URL behind a news-alert redirect (Google Alerts www.google.TLD/url?url=,
 * Bing News apiclick.aspx?url=, and similar), applied up to three times for nested wrappers;
 * otherwise a copy of url. NULL only on allocation failure or a NULL url. */
char *feed_url_unwrap(const char *url);

/* A canonical form for dedup: lower-case scheme and host, no default port, no fragment, no
 * tracking parameters (utm_*, fbclid, gclid, mc_cid, ...), remaining query parameters sorted,
 * percent-encoding upper-cased, empty path as "/". NULL when url is not absolute http(s) or
 * on allocation failure. */
char *feed_url_canonical(const char *url);

/* 64-bit FNV-1a hash of title + summary after case folding and collapsing everything that is
 * not a letter or digit, so re-published copies with different markup or spacing collide. */
uint64_t feed_fingerprint(const char *title, const char *summary);

#endif
