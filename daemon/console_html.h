/* console_html — escaping for every context a page writes web text into, the page frame, the
 * UI's strings in English and French, and small inline SVG charts. Every string that came
 * from the web (titles, evidence, names, links) goes through one of these; nothing else
 * writes it into a page. */
#ifndef VG_CONSOLE_HTML_H
#define VG_CONSOLE_HTML_H

#include <stddef.h>

#include "daemon/console_page.h"

/* Text inside an element or a double-quoted attribute value (& < > " ' escaped; invalid
 * UTF-8 replaced). Also right for SVG <text>. */
void console_html_text(struct vg_buf *b, const char *s);
/* A link target: http(s) URLs only (anything else, javascript: included, writes nothing
 * and returns -1, so the caller prints the text unlinked); escaped for an href attribute. */
int console_html_url(struct vg_buf *b, const char *url);
/* Percent-encodes s for a path segment or a query value. */
void console_html_urlpart(struct vg_buf *b, const char *s);
/* The value of query parameter `name` in query, percent-decoded into out (truncated to len);
 * 1 when present, 0 when not. */
int console_html_param(const char *query, const char *name, char *out, size_t len);

/* The frame: <!doctype html>, head (title, viewport for phones, the stylesheet, the script
 * by its URL), the navigation (portfolio, signals, review, operations) with `active`
 * highlighted; then the page writes its body; then console_html_end. */
void console_html_begin(struct vg_buf *b, const struct console_req *req, const char *title, const char *active);
void console_html_end(struct vg_buf *b, const struct console_req *req);

/* The UI string `key` in req's language (the English key itself when there is no
 * translation), e.g. console_tr(req, "Accounts") -> "Comptes". */
const char *console_tr(const struct console_req *req, const char *key);

/* How long before req->now_ms `ms` was, in the UI's language ("3 days ago", "il y a 3 jours";
 * "" for 0), as a <time> element with the UTC date as its datetime and title. */
void console_html_age(struct vg_buf *b, const struct console_req *req, long long ms);

/* An inline SVG sparkline of v[0..n) (oldest first), w x h pixels, with a <title>. */
void console_html_sparkline(struct vg_buf *b, const double *v, size_t n, int w, int h, const char *title);

#endif
