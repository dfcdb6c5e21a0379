/* console_review — the console's Review page, /ui/review (docs/design.md "Console"): the
 * latest saved portfolio review (`vigie review --save`) with its counts, a chart per axis and
 * its recommendations; the previous reviews; ?id=N shows another one, ?diff=ID what changed
 * per account between review ID and the latest (or ?to=ID2), as `vigie review --diff` says it
 * (review_diff, daemon/cmd_review_history.c).
 *
 * It shows saved reviews only (cached, see below): a review computed here would read the whole signals stream,
 * far beyond a page's budget, and would not be the one the team decided on. With no saved
 * review the page says how to make one. Tables are paged (?page=N). */
#include "daemon/console_html.h"
#include "daemon/console_page.h"
#include "daemon/review_history.h"
#include "util/vg_alloc.h"
#include "util/vg_json.h"
#include "queue/queue_console_reads.h"
#include "enrich/review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROWS_PER_PAGE 100
#define BUCKETS 10 /* a chart's bars: scores 0-9, 10-19, ..., 90-100 */

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
                      enrich_review_rec_names[k], vg_json_num(c, enrich_review_rec_names[k], 0),
                      console_tr(req, enrich_review_rec_names[k]));
    vg_buf_puts(b, "</ul>\n");
}

static int show_review(struct vg_buf *b, const struct console_req *req, const cJSON *review, int latest)
{
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(review, "rows");
    size_t n = (size_t)cJSON_GetArraySize(rows);
    double id = vg_json_num(review, "id", 0);
    vg_buf_printf(b, "<section id=\"review\" data-review=\"%.0f\"><h2>%s %.0f ", id,
                  latest ? console_tr(req, "Latest review:") : console_tr(req, "Review"), id);
    console_html_text(b, vg_json_str(review, "at") ? vg_json_str(review, "at") : "");
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
    const cJSON *r = from < n ? cJSON_GetArrayItem(rows, (int)from) : NULL; /* then along the list */
    for (size_t i = from; r && i < from + ROWS_PER_PAGE; i++, r = r->next) {
        const char *rec = vg_json_str(r, "recommendation");
        vg_buf_puts(b, "<tr data-rec=\"");
        console_html_text(b, rec ? rec : "");
        vg_buf_puts(b, "\"><td>");
        account_link(b, vg_json_str(r, "id"), vg_json_str(r, "name"));
        vg_buf_puts(b, "</td><td>");
        console_html_text(b, vg_json_str(r, "owner") ? vg_json_str(r, "owner") : "");
        vg_buf_puts(b, "</td><td>");
        console_html_text(b, vg_json_str(r, "tier") ? vg_json_str(r, "tier") : "");
        vg_buf_printf(b, "</td><td class=\"num\">%.0f</td><td class=\"num\">%.1f</td><td class=\"rec\">",
                      vg_json_num(r, "score", 0), vg_json_num(r, "heat", 0));
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

/* ---- the saved reviews, cached -------------------------------------------------------------
 *
 * A saved review never changes once written, and one of 10,000 accounts takes ~100 ms to parse:
 * the console thread (the only caller) keeps each review's summary (for the list) and the
 * parsed text of the few it showed last, and checks them at each page against the ids and
 * lengths Redis has (HKEYS + HSTRLEN), re-reading only what is new or different. */

#define KEPT_FULL 3 /* parsed reviews kept: the latest, and the ones a diff compares */

struct saved {
    long long id, len;
    char at[40];
    double counts[4];
    int nrows;
    cJSON *full;        /* NULL when not kept */
    unsigned long used; /* when last shown (a counter) */
};

static struct saved *cache;
static size_t ncache;
static unsigned long tick;

static cJSON *load_full(const struct console_req *req, long long id, char *err, size_t errlen)
{
    char *json = queue_reviews_get(req->q, id, err, errlen);
    if (!json)
        return NULL;
    cJSON *o = cJSON_Parse(json);
    vg_free(json);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        snprintf(err, errlen, "saved review %lld is not a review vigie wrote", id);
        return NULL;
    }
    return o;
}

static void summarise(struct saved *v, const cJSON *o)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "counts");
    snprintf(v->at, sizeof(v->at), "%s", vg_json_str(o, "at") ? vg_json_str(o, "at") : "");
    for (int k = REVIEW_DESELECT; k <= REVIEW_KEEP; k++)
        v->counts[k] = vg_json_num(c, enrich_review_rec_names[k], 0);
    v->nrows = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "rows"));
}

/* Brings the cache in line with Redis. 0, or -1 with err. */
static int sync_cache(const struct console_req *req, char *err, size_t errlen)
{
    struct queue_review_key *keys;
    size_t n;
    if (queue_reviews_keys(req->q, &keys, &n, err, errlen) < 0)
        return -1;
    struct saved *next = vg_calloc(n + 1, sizeof(*next));
    if (!next) {
        vg_free(keys);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        struct saved *old = NULL;
        for (size_t k = 0; k < ncache && !old; k++)
            if (cache[k].id == keys[i].id && cache[k].len == keys[i].len)
                old = &cache[k];
        if (old) {
            next[m++] = *old;
            old->full = NULL; /* moved */
            continue;
        }
        cJSON *o = load_full(req, keys[i].id, err, errlen);
        if (!o) {
            if (err[0])
                break;
            continue; /* removed in between */
        }
        next[m] = (struct saved){.id = keys[i].id, .len = keys[i].len, .full = o, .used = ++tick};
        summarise(&next[m++], o);
    }
    vg_free(keys);
    for (size_t k = 0; k < ncache; k++)
        cJSON_Delete(cache[k].full);
    vg_free(cache);
    cache = next;
    ncache = m;
    /* Keep the parsed text of the KEPT_FULL most recently shown only. */
    for (;;) {
        size_t kept = 0, lru = 0;
        for (size_t k = 0; k < ncache; k++)
            if (cache[k].full && (kept++ == 0 || cache[k].used < cache[lru].used))
                lru = k;
        if (kept <= KEPT_FULL)
            break;
        cJSON_Delete(cache[lru].full);
        cache[lru].full = NULL;
    }
    return err[0] ? -1 : 0;
}

/* The parsed review of cache[i], read again when it was let go. NULL with err. */
static const cJSON *full_of(const struct console_req *req, size_t i, char *err, size_t errlen)
{
    if (!cache[i].full && !(cache[i].full = load_full(req, cache[i].id, err, errlen)) && !err[0])
        snprintf(err, errlen, "saved review %lld is gone", cache[i].id);
    cache[i].used = ++tick;
    return cache[i].full;
}

static void list_reviews(struct vg_buf *b, const struct console_req *req)
{
    vg_buf_printf(b, "<section id=\"reviews\"><h2>%s</h2>\n<div class=\"scroll\"><table class=\"reviews\"><thead><tr>",
                  console_tr(req, "Saved reviews"));
    static const char *const cols[] = {"Review", "Date", "Accounts", "de-select", "promote", "watch", "keep", ""};
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        vg_buf_printf(b, "<th>%s</th>", cols[i][0] ? console_tr(req, cols[i]) : "");
    vg_buf_puts(b, "</tr></thead><tbody>\n");
    /* Newest first: the one most often compared with is the one before the latest. */
    for (size_t i = ncache; i-- > 0;) {
        const struct saved *r = &cache[i];
        char id[32];
        snprintf(id, sizeof(id), "%lld", r->id);
        vg_buf_printf(b, "<tr data-review=\"%s\"><td>", id);
        review_link(b, "id", (double)r->id, id);
        vg_buf_puts(b, "</td><td>");
        console_html_text(b, r->at);
        vg_buf_printf(b, "</td><td class=\"num\">%d</td>", r->nrows);
        for (int k = REVIEW_DESELECT; k <= REVIEW_KEEP; k++)
            vg_buf_printf(b, "<td class=\"num\">%.0f</td>", r->counts[k]);
        vg_buf_puts(b, "<td>");
        if (i + 1 < ncache)
            review_link(b, "diff", (double)r->id, console_tr(req, "what changed since"));
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
                  vg_json_num(prev, "id", 0));
    console_html_text(b, vg_json_str(prev, "at") ? vg_json_str(prev, "at") : "");
    vg_buf_printf(b, " %s %.0f ", console_tr(req, "to review"), vg_json_num(to, "id", 0));
    console_html_text(b, vg_json_str(to, "at") ? vg_json_str(to, "at") : "");
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
        snprintf(keep, sizeof(keep), "diff=%.0f&amp;to=%.0f&amp;", vg_json_num(prev, "id", 0), vg_json_num(to, "id", 0));
        pager(b, req, page, n, keep);
    }
    vg_buf_puts(b, "</section>\n");
    vg_free(v);
    return 0;
}

/* The index in the cache of the saved review whose id is query parameter `name`; -1 when
 * absent or unknown (*asked tells the two apart). */
static long by_param(const struct console_req *req, const char *name, int *asked)
{
    char id[24];
    *asked = console_html_param(req->query, name, id, sizeof(id)) && id[0];
    if (!*asked)
        return -1;
    char *end;
    long long want = strtoll(id, &end, 10);
    for (size_t i = 0; !*end && i < ncache; i++)
        if (cache[i].id == want)
            return (long)i;
    return -1;
}

int console_review_page(const struct console_req *req, struct console_reply *rep)
{
    struct vg_buf *b = &rep->body;
    char err[512] = "";
    if (sync_cache(req, err, sizeof(err)) < 0)
        return -1;
    int rc = 0;
    console_html_begin(b, req, console_tr(req, "Review"), "review");
    vg_buf_printf(b, "<h1>%s</h1>\n", console_tr(req, "Portfolio review"));
    if (!ncache) {
        vg_buf_printf(b,
                      "<p class=\"empty\" id=\"no-review\">%s <code>vigie review --save</code> %s "
                      "<code>vigie review</code> %s</p>\n",
                      console_tr(req, "No saved review yet. Save one with"),
                      console_tr(req, "(on the machine running vigie): this page shows saved reviews, the ones the "
                                      "team decides on."),
                      console_tr(req, "prints the review of today without saving it."));
        console_html_end(b, req);
        return 0;
    }
    size_t latest = ncache - 1;
    int asked_diff, asked_to, asked_id;
    long diff = by_param(req, "diff", &asked_diff), to = by_param(req, "to", &asked_to);
    long one = by_param(req, "id", &asked_id);
    int unknown = (asked_diff && diff < 0) || (asked_to && to < 0) || (asked_id && one < 0);
    if (unknown) {
        rep->code = 404;
        vg_buf_printf(b, "<p class=\"error\">%s</p>\n", console_tr(req, "No saved review has that id."));
    } else if (diff >= 0) {
        const cJSON *prev = full_of(req, (size_t)diff, err, sizeof(err));
        const cJSON *next = prev ? full_of(req, to >= 0 ? (size_t)to : latest, err, sizeof(err)) : NULL;
        rc = next ? show_diff(b, req, prev, next) : -1;
    } else {
        size_t i = one >= 0 ? (size_t)one : latest;
        const cJSON *r = full_of(req, i, err, sizeof(err));
        rc = r ? show_review(b, req, r, i == latest) : -1;
    }
    if (rc == 0)
        list_reviews(b, req);
    console_html_end(b, req);
    return rc;
}
