/* review_html — `vigie review --format html`: the portfolio review as one self-contained HTML
 * page for the account team (inline CSS and SVG, no script, nothing fetched): the date and the
 * counts per recommendation, a bar chart per axis, then the table with each recommendation and
 * its reasons. Every text that comes from accounts or signals is HTML-escaped. */
#ifndef VG_REVIEW_HTML_H
#define VG_REVIEW_HTML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct enrich_account;
struct review_row;

struct review_html_row {
    const struct enrich_account *a;
    const struct review_row *r;
};

/* Writes the report of rows v[0..n) (in the order given: the table's) reviewed at now_ms, the
 * signals stream reaching back to since_ms (0: empty). 0, or -1 when f reports a write error. */
int review_html_write(FILE *f, const struct review_html_row *v, size_t n, int64_t now_ms, int64_t since_ms);

#endif
