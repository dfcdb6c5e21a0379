/* source — what vigie polls: the source record, its validation, and importing many from CSV
 * or JSON. Storage is queue/'s (queue_sources.h); what each kind fetches and how it parses is
 * its descriptor's (kind.h). Pure: no I/O.
 *
 * A source: id, kind (feed, page, ...), url, interval, optional account id (a company
 * newsroom, a per-account news search) and options (a JSON object: XPath selectors for pages,
 * extra request headers, ...). */
#ifndef FETCH_SOURCE_H
#define FETCH_SOURCE_H

#include <stddef.h>

struct fetch_source {
    char *id;
    char *kind;
    char *url;
    long long interval_ms;
    char *account_id;   /* NULL when not tied to an account */
    char *options;      /* compact JSON object text, or NULL */
};

/* Bounds of a source's polling interval. */
#define FETCH_INTERVAL_MIN_MS (10LL * 1000)
#define FETCH_INTERVAL_MAX_MS (7LL * 24 * 3600 * 1000)

/* Checks and completes one source: known kind (default "feed"), http(s) URL (file: only when
 * allow_file), interval within bounds (0 -> default_interval_ms), id made of [A-Za-z0-9._:-]
 * (default: derived from the URL, stable), options a JSON object that its kind accepts.
 * 0 or -1 with err. */
int fetch_source_check(struct fetch_source *s, long long default_interval_ms, int allow_file,
                       char *err, size_t errlen);

/* Parses a JSON array of source objects or a CSV with a header row (columns id, kind, url,
 * interval, account_id, options). Every source is checked; on the first bad one returns -1
 * with "line N: ..." (CSV) or "source #N: ..." (JSON) and returns nothing. Duplicate ids in
 * the file are an error. A relative "file:path" URL is resolved against base_dir (the
 * imported file's directory; NULL: the current directory). *out is an array of *n sources
 * (free with fetch_sources_free). */
int fetch_sources_parse(const char *buf, size_t len, long long default_interval_ms, int allow_file,
                        const char *base_dir, struct fetch_source **out, size_t *n, char *err, size_t errlen);

/* A relative "file:path" URL made absolute against base_dir (NULL: the current directory);
 * any other URL is copied. Caller frees. */
char *fetch_source_resolve_file(const char *url, const char *base_dir);

/* A stable id from a URL: "s" + 12 hex digits of its hash. Caller frees. */
char *fetch_source_default_id(const char *url);

void fetch_source_clear(struct fetch_source *s);
void fetch_sources_free(struct fetch_source *v, size_t n);

#endif
