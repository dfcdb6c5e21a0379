/* console_review — the console's Review page, /ui/review (docs/design.md "Console"): the
 * latest saved portfolio review (`vigie review --save`) with its counts, a chart per axis and
 * its recommendations; the previous reviews; ?id=N shows another one, ?diff=ID what changed
 * per account between review ID and the latest (or ?to=ID2), as `vigie review --diff` says it
 * (review_diff, daemon/cmd_review_history.c).
 *
 * It shows saved reviews only: a review computed here would read the whole signals stream,
 * far beyond a page's budget, and would not be the one the team decided on. With no saved
 * review the page says how to make one. Tables are paged (?page=N). */
#include "daemon/console_html.h"
#include "daemon/console_page.h"
#include "daemon/review_history.h"
#include "util/vg_alloc.h"
#include "enrich/review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROWS_PER_PAGE 100
#define BUCKETS 10 /* a chart's bars: scores 0-9, 10-19, ..., 90-100 */

static const char *str_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void account_link(struct vg_buf *b, const char *id, const char *name)
{
    vg_buf_puts(b, "<a href=\"/ui/accounts/");
    console_html_urlpart(b, id ? id : "");
    vg_buf_puts(b, "\">");
    console_html_text(b, name && *name ? name : id ? id : "?");
    vg_buf_puts(b, "</a>");
}

static void review_link(struct vg_buf *b, const char *param, double id, const char *text)
{
    vg_buf_printf(b, "<a href=\"/ui/review?%s=%.0f\">", param, id);
    console_html_text(b, text);
    vg_buf_puts(b, "</a>");
}

/* ---- charts ------------------------------------------------------------------------------ */

/* The values of one axis over the rows: member `name` of "scores" (axis) or of the row. 0 when
 * the review did not keep it (reviews saved before the axis scores were kept). */
static size_t axis_values(const cJSON *rows, const char *name, int in_scores, double *v)
{
    size_t n = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, rows)
    {
        const cJSON *o = in_scores ? cJSON_GetObjectItemCaseSensitive(r, "scores") : r;
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, name);
        if (!cJSON_IsNumber(x))
            return 0;
        v[n++] = x->valuedouble;
    }
    return n;
}

/* One inline SVG histogram: how many accounts per ten points of the axis. Only numbers and
 * our own labels are written, the label through console_html_text. */
static void histogram(struct vg_buf *b, const struct console_req *req, const char *label, const double *v, size_t n)
{
    size_t count[BUCKETS] = {0}, top = 1;
    for (size_t i = 0; i < n; i++) {
        int k = (int)(v[i] / 10);
        k = k < 0 ? 0 : k >= BUCKETS ? BUCKETS - 1 : k;
        if (++count[k] > top)
            top = count[k];
    }
    const int w = 24, gap = 4, h = 100, base = 116;
    vg_buf_printf(b, "<figure class=\"chart\"><svg class=\"histogram\" role=\"img\" viewBox=\"0 0 %d 132\" width=\"%d\" "
                     "height=\"132\" data-axis=\"",
                  BUCKETS * (w + gap), BUCKETS * (w + gap));
    console_html_text(b, label);
    vg_buf_puts(b, "\"><title>");
    console_html_text(b, label);
    vg_buf_puts(b, "</title>\n");
    for (int k = 0; k < BUCKETS; k++) {
        int bh = (int)((double)count[k] * h / (double)top + 0.5);
        vg_buf_printf(b,
                      "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" data-count=\"%zu\"><title>%d-%d: %zu</title>"
                      "</rect>\n",
                      k * (w + gap), base - bh, w, bh, count[k], k * 10, k == BUCKETS - 1 ? 100 : k * 10 + 9,
                      count[k]);
        if (k % 2 == 0)
            vg_buf_printf(b, "<text x=\"%d\" y=\"130\" font-size=\"10\">%d</text>\n", k * (w + gap), k * 10);
    }
    vg_buf_puts(b, "</svg><figcaption>");
    console_html_text(b, console_tr(req, label));
    vg_buf_puts(b, "</figcaption></figure>\n");
}

static int charts(struct vg_buf *b, const struct console_req *req, const cJSON *rows)
{
    size_t n = (size_t)cJSON_GetArraySize(rows);
    double *v = vg_malloc((n + 1) * sizeof(*v));
    if (!v)
        return -1;
    vg_buf_printf(b, "<section class=\"charts\"><h2>%s</h2>\n", console_tr(req, "Accounts per score"));
    for (int x = 0; x < REVIEW_AXES; x++)
        if (axis_values(rows, enrich_review_axis_names[x], 1, v) == n && n)
            histogram(b, req, enrich_review_axis_names[x], v, n);
    if (axis_values(rows, "score", 0, v) == n && n)
        histogram(b, req, "score", v, n);
    if (axis_values(rows, "heat", 0, v) == n && n)
        histogram(b, req, "heat", v, n);
    vg_buf_puts(b, "</section>\n");
    vg_free(v);
    return 0;
}

/* ---- one review -------------------------------------------------------------------------- */

static int page_of(const struct console_req *req)
{
    char p[16];
    int page = console_html_param(req->query, "page", p, sizeof(p)) ? atoi(p) : 1;
    return page < 1 ? 1 : page;
}

/* Links to the pages of a table of n rows; keep: the other query parameters. */
static void pager(struct vg_buf *b, const struct console_req *req, int page, size_t n, const char *keep)
{
    size_t pages = (n + ROWS_PER_PAGE - 1) / ROWS_PER_PAGE;
    if (pages <= 1)
        return;
    vg_buf_printf(b, "<p class=\"paging\">%s %d / %zu ", console_tr(req, "Page"), page, pages);
    if (page > 1)
        vg_buf_printf(b, "<a href=\"/ui/review?%spage=%d\">%s</a> ", keep, page - 1, console_tr(req, "Previous"));
    if ((size_t)page < pages)
        vg_buf_printf(b, "<a rel=\"next\" href=\"/ui/review?%spage=%d\">%s</a>", keep, page + 1,
                      console_tr(req, "Next"));
    vg_buf_puts(b, "</p>\n");
}

static void counts(struct vg_buf *b, const struct console_req *req, const cJSON *review)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(review, "counts");
    vg_buf_puts(b, "<ul class=\"counts\">");
    for (int k = REVIEW_DESELECT; k <= REVIEW_KEEP; k++)
        vg_buf_printf(b, "<li class=\"rec-%s\" data-rec=\"%s\"><strong>%.0f</strong> %s</li>", enrich_review_rec_names[k],
                      enrich_review_rec_names[k], num_of(c, enrich_review_rec_names[k]),
                      console_tr(req, enrich_review_rec_names[k]));
    vg_buf_puts(b, "</ul>\n");
}

static int show_review(struct vg_buf *b, const struct console_req *req, const cJSON *review, int latest)
{
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(review, "rows");
    size_t n = (size_t)cJSON_GetArraySize(rows);
    double id = num_of(review, "id");
    vg_buf_printf(b, "<section id=\"review\" data-review=\"%.0f\"><h2>%s %.0f ", id,
                  latest ? console_tr(req, "Latest review:") : console_tr(req, "Review"), id);
    console_html_text(b, str_of(review, "at") ? str_of(review, "at") : "");
    vg_buf_printf(b, " (%zu %s)</h2>\n", n, console_tr(req, "accounts"));
    counts(b, req, review);
    if (charts(b, req, rows) < 0)
        return -1;
    int page = page_of(req);
    size_t from = (size_t)(page - 1) * ROWS_PER_PAGE;
    static const char *const cols[] = {"Account", "Owner", "Tier", "Score", "Heat", "Recommendation"};
    vg_buf_puts(b, "<div class=\"scroll\"><table class=\"review\" id=\"review-rows\"><thead><tr>");
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        vg_buf_printf(b, "<th>%s</th>", console_tr(req, cols[i]));
    vg_buf_puts(b, "</tr></thead><tbody>\n");
    for (size_t i = from; i < n && i < from + ROWS_PER_PAGE; i++) {
        const cJSON *r = cJSON_GetArrayItem(rows, (int)i);
        const char *rec = str_of(r, "recommendation");
        vg_buf_puts(b, "<tr data-rec=\"");
        console_html_text(b, rec ? rec : "");
        vg_buf_puts(b, "\"><td>");
        account_link(b, str_of(r, "id"), str_of(r, "name"));
        vg_buf_puts(b, "</td><td>");
        console_html_text(b, str_of(r, "owner") ? str_of(r, "owner") : "");
        vg_buf_puts(b, "</td><td>");
        console_html_text(b, str_of(r, "tier") ? str_of(r, "tier") : "");
        vg_buf_printf(b, "</td><td class=\"num\">%.0f</td><td class=\"num\">%.1f</td><td class=\"rec\">",
                      num_of(r, "score"), num_of(r, "heat"));
        console_html_text(b, rec ? console_tr(req, rec) : "");
        vg_buf_puts(b, "</td></tr>\n");
    }
    vg_buf_puts(b, "</tbody></table></div>\n");
    char keep[48] = "";
    if (!latest)
        snprintf(keep, sizeof(keep), "id=%.0f&amp;", id);
    pager(b, req, page, n, keep);
    vg_buf_puts(b, "</section>\n");
    return 0;
}

static void list_reviews(struct vg_buf *b, const struct console_req *req, const cJSON *past)
{
    int n = cJSON_GetArraySize(past);
    vg_buf_printf(b, "<section id=\"reviews\"><h2>%s</h2>\n<div class=\"scroll\"><table class=\"reviews\"><thead><tr>", console_tr(req, "Saved reviews"));
    static const char *const cols[] = {"Review", "Date", "Accounts", "de-select", "promote", "watch", "keep", ""};
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        vg_buf_printf(b, "<th>%s</th>", cols[i][0] ? console_tr(req, cols[i]) : "");
    vg_buf_puts(b, "</tr></thead><tbody>\n");
    /* Newest first: the one most often compared with is the one before the latest. */
    for (int i = n - 1; i >= 0; i--) {
        const cJSON *r = cJSON_GetArrayItem(past, i), *c = cJSON_GetObjectItemCaseSensitive(r, "counts");
        char id[32];
        snprintf(id, sizeof(id), "%.0f", num_of(r, "id"));
        vg_buf_printf(b, "<tr data-review=\"%s\"><td>", id);
        review_link(b, "id", num_of(r, "id"), id);
        vg_buf_puts(b, "</td><td>");
        console_html_text(b, str_of(r, "at") ? str_of(r, "at") : "");
        vg_buf_printf(b, "</td><td class=\"num\">%d</td>", cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "rows")));
        for (int k = REVIEW_DESELECT; k <= REVIEW_KEEP; k++)
            vg_buf_printf(b, "<td class=\"num\">%.0f</td>", num_of(c, enrich_review_rec_names[k]));
        vg_buf_puts(b, "<td>");
        if (i < n - 1)
            review_link(b, "diff", num_of(r, "id"), console_tr(req, "what changed since"));
        vg_buf_puts(b, "</td></tr>\n");
    }
    vg_buf_puts(b, "</tbody></table></div></section>\n");
}

/* ---- diff ------------------------------------------------------------------------------ */

static int show_diff(struct vg_buf *b, const struct console_req *req, const cJSON *prev, const cJSON *to)
{
    struct review_change *v;
    size_t n;
    if (review_diff(prev, cJSON_GetObjectItemCaseSensitive(to, "rows"), NULL, NULL, &v, &n) < 0)
        return -1;
    vg_buf_printf(b, "<section id=\"diff\" data-changes=\"%zu\"><h2>%s %.0f ", n, console_tr(req, "What changed from review"),
                  num_of(prev, "id"));
    console_html_text(b, str_of(prev, "at") ? str_of(prev, "at") : "");
    vg_buf_printf(b, " %s %.0f ", console_tr(req, "to review"), num_of(to, "id"));
    console_html_text(b, str_of(to, "at") ? str_of(to, "at") : "");
    vg_buf_puts(b, "</h2>\n");
    if (!n)
        vg_buf_printf(b, "<p class=\"empty\">%s</p>\n",
                      console_tr(req, "No change (recommendations, tiers, names; scores and heat within 5 points)."));
    else {
        int page = page_of(req);
        size_t from = (size_t)(page - 1) * ROWS_PER_PAGE;
        vg_buf_printf(b, "<div class=\"scroll\"><table class=\"diff\"><thead><tr><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>\n",
                      console_tr(req, "Account"), console_tr(req, "Change"), console_tr(req, "What"));
        for (size_t i = from; i < n && i < from + ROWS_PER_PAGE; i++) {
            vg_buf_printf(b, "<tr data-change=\"%s\"><td>", v[i].kind);
            account_link(b, v[i].id, v[i].name);
            vg_buf_printf(b, "</td><td>%s</td><td>", console_tr(req, v[i].kind));
            for (int k = 0; k < v[i].n; k++) {
                vg_buf_puts(b, k ? "; " : "");
                console_html_text(b, v[i].lines[k]);
            }
            vg_buf_puts(b, "</td></tr>\n");
        }
        vg_buf_puts(b, "</tbody></table></div>\n");
        char keep[80];
        snprintf(keep, sizeof(keep), "diff=%.0f&amp;to=%.0f&amp;", num_of(prev, "id"), num_of(to, "id"));
        pager(b, req, page, n, keep);
    }
    vg_buf_puts(b, "</section>\n");
    vg_free(v);
    return 0;
}

/* A saved review by its id in the query parameter `name`; NULL when absent or unknown
 * (*asked tells the two apart). */
static const cJSON *by_param(const struct console_req *req, const cJSON *past, const char *name, int *asked)
{
    char id[24];
    *asked = console_html_param(req->query, name, id, sizeof(id)) && id[0];
    if (!*asked)
        return NULL;
    char *end;
    double want = strtod(id, &end);
    const cJSON *r;
    cJSON_ArrayForEach(r, past)
    {
        if (!*end && num_of(r, "id") == want)
            return r;
    }
    return NULL;
}

int console_review_page(const struct console_req *req, struct console_reply *rep)
{
    struct vg_buf *b = &rep->body;
    cJSON *past = review_past_load(req->q);
    if (!past)
        return -1;
    int n = cJSON_GetArraySize(past), rc = 0;
    console_html_begin(b, req, console_tr(req, "Review"), "review");
    vg_buf_printf(b, "<h1>%s</h1>\n", console_tr(req, "Portfolio review"));
    if (!n) {
        vg_buf_printf(b,
                      "<p class=\"empty\" id=\"no-review\">%s <code>vigie review --save</code> %s "
                      "<code>vigie review</code> %s</p>\n",
                      console_tr(req, "No saved review yet. Save one with"),
                      console_tr(req, "(on the machine running vigie): this page shows saved reviews, the ones the "
                                      "team decides on."),
                      console_tr(req, "prints the review of today without saving it."));
        console_html_end(b, req);
        cJSON_Delete(past);
        return 0;
    }
    const cJSON *latest = cJSON_GetArrayItem(past, n - 1);
    int asked_diff, asked_to, asked_id;
    const cJSON *diff = by_param(req, past, "diff", &asked_diff), *to = by_param(req, past, "to", &asked_to);
    const cJSON *one = by_param(req, past, "id", &asked_id);
    int unknown = (asked_diff && !diff) || (asked_to && !to) || (asked_id && !one);
    if (unknown) {
        rep->code = 404;
        vg_buf_printf(b, "<p class=\"error\">%s</p>\n", console_tr(req, "No saved review has that id."));
        list_reviews(b, req, past);
    } else if (diff)
        rc = show_diff(b, req, diff, to ? to : latest);
    else
        rc = show_review(b, req, one ? one : latest, !one || one == latest);
    if (rc == 0 && !unknown)
        list_reviews(b, req, past);
    console_html_end(b, req);
    cJSON_Delete(past);
    return rc;
}
