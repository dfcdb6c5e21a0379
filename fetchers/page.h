/* page — HTML pages as sources: a newsroom page without a feed becomes a feed (XPath
 * selectors pick the items and their fields), and a watched page region yields a web_change
 * item with a short text diff when it changes.
 *
 * Pure functions over bytes already fetched: no I/O, no clock (the caller passes `now`).
 * Pages are parsed with libxml2's HTML parser (recovering, no network); the XPath expressions
 * come from the operator's source configuration, the HTML from the hostile web. */
#ifndef VG_PAGE_H
#define VG_PAGE_H

#include "fetchers/feed.h"

#include <stddef.h>
#include <stdint.h>

/* XPath 1.0 expressions. `item` selects one node per item in the page; the others are
 * evaluated relative to each item node, and may select an element (its text; for `link` its
 * href, for `date` its datetime attribute when it has one), an attribute, or compute a string.
 * NULL fields use defaults: title = the item's text, link = (.//a/@href)[1],
 * date = (.//time)[1] (its datetime attribute, else its text), summary = none. */
struct page_selectors {
    const char *item;
    const char *title;
    const char *link;
    const char *date;
    const char *summary;
};

#define PAGE_DEFAULT_REGION "//body"
#define PAGE_DIFF_MAX 1000   /* default bound of a web_change diff, in bytes */

/* Work limits of one page. Every step is linear in the page, and these bound the page itself,
 * so one poll's work is bounded whatever the body limit is. A page over a limit is refused
 * with PAGE_TOO_COMPLEX, never cut silently (a cut region would hide its changes). */
#define PAGE_MAX_BYTES (32u << 20)        /* bytes of HTML */
#define PAGE_MAX_NODES 1000000u           /* elements, comments and PIs the parser builds */
#define PAGE_MAX_TEXT (8u << 20)          /* bytes of a watched region's text */
#define PAGE_MAX_VISITS (4u * PAGE_MAX_NODES) /* nodes walked by text extraction */
#define PAGE_MAX_MARKUP (64u << 20)       /* bytes written by text extraction */
#define PAGE_MAX_XPATH_OPS 40000000ul     /* XPath steps, selectors and region together */

/* Return codes of the functions below, besides 0. */
#define PAGE_ERR (-1)          /* not HTML, invalid selector, out of memory */
#define PAGE_TOO_COMPLEX (-2)  /* over a limit above; err says which */

/* The error kind a poll records for a return code: "too_complex" or "parse". */
const char *page_error_kind(int rc);

/* What one page cost, in deterministic units (tests check it grows linearly; logs may show it). */
struct page_work {
    size_t nodes;          /* nodes the parser built (elements, comments, PIs) */
    size_t visits;         /* nodes walked by text extraction */
    size_t markup;         /* bytes written for text extraction */
    unsigned long xpath_ops;
};

/* Extracts items from an HTML page into a new feed_doc (format FEED_FORMAT_UNKNOWN, feed title
 * from <title>, link = page_url). Links are resolved against <base href> and page_url and
 * news-alert redirects unwrapped, dates read like feed dates, ids are the links. Items with
 * neither a title nor a link are skipped. Returns PAGE_ERR with err on an invalid XPath, a
 * document that is not HTML, or allocation failure, PAGE_TOO_COMPLEX over a work limit. */
int page_extract(const char *html, size_t len, const char *page_url, const char *http_charset,
                 const struct page_selectors *sel, struct feed_doc **out, char *err,
                 size_t errlen);

struct page_watch_result {
    int changed;           /* 1 when the region's text differs from old_text */
    uint64_t fingerprint;  /* of `text` (page_text_fingerprint) */
    char *text;            /* the region's visible text now: keep it for the next check */
    char *diff;            /* NULL when unchanged */
    struct feed_item *item; /* the web_change item when changed, else NULL */
    struct page_work work;
};

/* Compares the text of `region` (XPath, default PAGE_DEFAULT_REGION) in the new page with
 * old_text. old_text NULL means a first observation: changed = 0, nothing to report. The diff
 * is at most max_diff bytes (0: PAGE_DIFF_MAX). The item has kind "web_change", title "Page
 * changed: <page title>", link page_url, id "<page_url>#<fingerprint>", summary = diff,
 * published = now. *out is freed with page_watch_result_free. Returns 0, PAGE_ERR or
 * PAGE_TOO_COMPLEX (as page_extract). */
int page_watch_check(const char *old_text, const char *html, size_t len, const char *page_url,
                     const char *http_charset, const char *region, size_t max_diff, int64_t now,
                     struct page_watch_result **out, char *err, size_t errlen);
void page_watch_result_free(struct page_watch_result *r);

/* Visible text of the region of a page, one line per block element (no diff); work (may be
 * NULL) receives what it cost. Same return codes. */
int page_region_text(const char *html, size_t len, const char *http_charset, const char *region,
                     char **text, char **title, struct page_work *work, char *err,
                     size_t errlen);

uint64_t page_text_fingerprint(const char *text);

/* Line diff of two texts: "- removed" and "+ added" lines, at most max_len bytes, ending with
 * "... (N more changes)" when cut. Returns the number of changed lines (0: identical), -1 on
 * allocation failure; *out is NULL when identical. */
int page_text_diff(const char *old_text, const char *new_text, size_t max_len, char **out);

#endif
