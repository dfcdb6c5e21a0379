/* console_portfolio — /ui/: every account as a row (name, tier, owner, heat with its 12-week
 * sparkline, the three axis scores, the last signal), filtered by owner, tier and the last
 * signal's type and sorted on the server through the query (?owner=&tier=&type=&sort=&page=),
 * so the page works without the script; the script adds sorting of the shown rows by a
 * click. Then a heat map of the page's accounts by week.
 *
 * Bounded: one page shows PAGE_ROWS accounts, and the figures come from console_data (the
 * per-account series, read in one pipelined round trip per chunk). */
#include "daemon/console_data.h"
#include "daemon/console_html.h"
#include "enrich/account.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PAGE_ROWS 100

enum sort_key { S_HEAT, S_NAME, S_TIER, S_OWNER, S_LAST, S_SCORE };
static const char *const sort_names[] = {"heat", "name", "tier", "owner", "last", "score"};

static int tier_rank(const char *t)
{
    return !t ? 2 : strcmp(t, "key") == 0 ? 0 : strcmp(t, "candidate") == 0 ? 1 : 2;
}

static enum sort_key g_sort; /* qsort has no argument; one request at a time on the console thread */

static int cmp_rows(const void *x, const void *y)
{
    const struct console_row *a = x, *b = y;
    int c = 0;
    switch (g_sort) {
    case S_HEAT: c = (a->heat < b->heat) - (a->heat > b->heat); break;
    case S_NAME: c = strcasecmp(a->a->name, b->a->name); break;
    case S_TIER: c = tier_rank(a->a->tier) - tier_rank(b->a->tier); break;
    case S_OWNER: c = strcasecmp(a->a->owner ? a->a->owner : "~", b->a->owner ? b->a->owner : "~"); break;
    case S_LAST: c = (a->last_ms < b->last_ms) - (a->last_ms > b->last_ms); break;
    case S_SCORE: c = b->weighted - a->weighted; break;
    }
    if (!c)
        c = (a->heat < b->heat) - (a->heat > b->heat);
    return c ? c : strcmp(a->a->id, b->a->id);
}

static int owner_is(const struct enrich_account *a, const char *owner)
{
    return (a->owner && strcasecmp(a->owner, owner) == 0) || (a->owner_email && strcasecmp(a->owner_email, owner) == 0);
}

static int has_str(char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

static int cmp_str(const void *x, const void *y) { return strcasecmp(*(char *const *)x, *(char *const *)y); }

/* A <select> of the values v[0..n) (plus "all"), `cur` selected. */
static void select_box(struct vg_buf *b, const struct console_req *req, const char *name, const char *label,
                       char **v, size_t n, const char *cur)
{
    vg_buf_printf(b, "<label>");
    console_html_text(b, console_tr(req, label));
    vg_buf_printf(b, "<select name=\"%s\" data-autosubmit><option value=\"\">", name);
    console_html_text(b, console_tr(req, "All"));
    vg_buf_puts(b, "</option>");
    for (size_t i = 0; i < n; i++) {
        vg_buf_puts(b, "<option value=\"");
        console_html_text(b, v[i]);
        vg_buf_printf(b, "\"%s>", strcmp(v[i], cur) == 0 ? " selected" : "");
        console_html_text(b, v[i]);
        vg_buf_puts(b, "</option>");
    }
    vg_buf_puts(b, "</select></label>");
}

/* The query of this page with page=p (the filters and sort kept), for the pager's links. */
static void page_link(struct vg_buf *b, const char *owner, const char *tier, const char *type, const char *sort, int p)
{
    vg_buf_puts(b, "/ui/?owner=");
    console_html_urlpart(b, owner);
    vg_buf_puts(b, "&amp;tier=");
    console_html_urlpart(b, tier);
    vg_buf_puts(b, "&amp;type=");
    console_html_urlpart(b, type);
    vg_buf_puts(b, "&amp;sort=");
    console_html_urlpart(b, sort);
    vg_buf_printf(b, "&amp;page=%d", p);
}

static int heat_class(int count)
{
    return count <= 0 ? 0 : count == 1 ? 1 : count == 2 ? 2 : count <= 4 ? 3 : count <= 8 ? 4 : 5;
}

int console_portfolio_page(const struct console_req *req, struct console_reply *rep)
{
    struct vg_buf *b = &rep->body;
    char owner[256], tier[32], type[64], sort[16], pagebuf[16], err[512] = "";
    console_html_param(req->query, "owner", owner, sizeof(owner));
    console_html_param(req->query, "tier", tier, sizeof(tier));
    console_html_param(req->query, "type", type, sizeof(type));
    if (!console_html_param(req->query, "sort", sort, sizeof(sort)) || !sort[0])
        snprintf(sort, sizeof(sort), "heat");
    int page = console_html_param(req->query, "page", pagebuf, sizeof(pagebuf)) ? atoi(pagebuf) : 1;
    if (page < 1)
        page = 1;
    g_sort = S_HEAT;
    for (size_t i = 0; i < sizeof(sort_names) / sizeof(sort_names[0]); i++)
        if (strcmp(sort, sort_names[i]) == 0)
            g_sort = (enum sort_key)i;
    snprintf(sort, sizeof(sort), "%s", sort_names[g_sort]);

    const struct enrich_account_set *set = NULL;
    if (console_data_accounts(req->q, &set, err, sizeof(err)) < 0) {
        vg_buf_puts(b, ""); /* the server answers 500 */
        return -1;
    }
    size_t na = set ? set->n : 0;
    const struct enrich_account **acc = vg_calloc(na ? na : 1, sizeof(*acc));
    struct console_row *rows = vg_calloc(na ? na : 1, sizeof(*rows));
    char **owners = vg_calloc(na ? na : 1, sizeof(*owners)), **types = vg_calloc(na ? na : 1, sizeof(*types));
    size_t n = 0, nowners = 0, ntypes = 0;
    int rc = -1, types_owned = 0;
    if (!acc || !rows || !owners || !types)
        goto out;
    for (size_t i = 0; i < na; i++) {
        const struct enrich_account *a = &set->v[i];
        if (a->owner && a->owner[0] && !has_str(owners, nowners, a->owner))
            owners[nowners++] = a->owner;
        if (owner[0] && !owner_is(a, owner))
            continue;
        if (tier[0] && strcmp(a->tier ? a->tier : "standard", tier) != 0)
            continue;
        acc[n++] = a;
    }
    /* The first view (no filter, by heat) takes its page from the heat ranking alone; any
     * other reads every kept account's row. */
    size_t first = 0, last = 0;
    int pages = 1, fast = 0;
    if (!owner[0] && !tier[0] && !type[0] && g_sort == S_HEAT && n) {
        size_t got = 0, ranked = 0;
        fast = console_data_hottest(req->q, req->cfg, set, (size_t)(page - 1) * PAGE_ROWS, PAGE_ROWS, req->now_ms,
                                    rows, &got, &ranked, err, sizeof(err));
        if (fast < 0)
            goto out;
        if (fast) {
            for (size_t i = 0; i < got; i++)
                if (rows[i].last_type[0] && !has_str(types, ntypes, rows[i].last_type))
                    types[ntypes++] = rows[i].last_type;
            pages = (int)((n + PAGE_ROWS - 1) / PAGE_ROWS);
            last = got;
        }
    }
    if (!fast) {
        /* every kept account's ordering keys (three hash fields each), then the full rows of
         * the page shown only: a view over every account costs a page's series, not 10,000 */
        if (n && console_data_keys(req->q, req->cfg, acc, n, req->now_ms, g_sort == S_SCORE, rows, err,
                                   sizeof(err)) < 0)
            goto out;
        /* the types offered are those of the rows the other filters leave */
        size_t kept = 0;
        types_owned = 1; /* copies: the rows move (the filter, the sort, the page's read) */
        for (size_t i = 0; i < n; i++) {
            if (rows[i].last_type[0] && !has_str(types, ntypes, rows[i].last_type)) {
                if (!(types[ntypes] = vg_strdup(rows[i].last_type)))
                    goto out;
                ntypes++;
            }
            if (!type[0] || strcmp(rows[i].last_type, type) == 0)
                rows[kept++] = rows[i];
        }
        n = kept;
        if (n)
            qsort(rows, n, sizeof(*rows), cmp_rows);
        pages = n ? (int)((n + PAGE_ROWS - 1) / PAGE_ROWS) : 1;
        if (page > pages)
            page = pages;
        first = (size_t)(page - 1) * PAGE_ROWS;
        last = first + PAGE_ROWS < n ? first + PAGE_ROWS : n;
        /* the page's accounts, in their order, read whole */
        for (size_t i = first; i < last; i++)
            acc[i - first] = rows[i].a;
        if (last > first && console_data_rows(req->q, req->cfg, acc, last - first, req->now_ms, rows + first, err,
                                              sizeof(err)) < 0)
            goto out;
    }
    if (nowners)
        qsort(owners, nowners, sizeof(*owners), cmp_str);
    if (ntypes)
        qsort(types, ntypes, sizeof(*types), cmp_str);

    console_html_begin(b, req, console_tr(req, "Portfolio"), "portfolio");
    vg_buf_puts(b, "<h1>");
    console_html_text(b, console_tr(req, "Portfolio"));
    vg_buf_printf(b, " <span class=\"muted\" id=\"count\" data-count=\"%zu\">(%zu / %zu)</span></h1>\n", n, n, na);
    /* the filters: a plain GET form, submitted by the script when a choice changes */
    vg_buf_puts(b, "<form class=\"filters\" method=\"get\" action=\"/ui/\">");
    select_box(b, req, "owner", "Owner", owners, nowners, owner);
    static char *tiers[] = {"key", "candidate", "standard"};
    select_box(b, req, "tier", "Tier", tiers, 3, tier);
    select_box(b, req, "type", "Signal type", types, ntypes, type);
    vg_buf_printf(b, "<label>%s<select name=\"sort\" data-autosubmit>", console_tr(req, "Sort"));
    for (size_t i = 0; i < sizeof(sort_names) / sizeof(sort_names[0]); i++)
        vg_buf_printf(b, "<option%s>%s</option>", strcmp(sort, sort_names[i]) == 0 ? " selected" : "", sort_names[i]);
    vg_buf_puts(b, "</select></label><button type=\"submit\">");
    console_html_text(b, console_tr(req, "Filter"));
    vg_buf_puts(b, "</button><label>&#8203;<input type=\"search\" data-filter=\"portfolio\" hidden placeholder=\"");
    console_html_text(b, console_tr(req, "Filter"));
    vg_buf_puts(b, "…\" aria-label=\"filter\"></label></form>\n");

    if (na == 0 || n == 0) {
        vg_buf_puts(b, "<p class=\"muted\" id=\"empty\">");
        console_html_text(b, console_tr(req, na ? "No account matches." : "No account in the registry yet."));
        vg_buf_puts(b, "</p>\n");
        console_html_end(b, req);
        rc = 0;
        goto out;
    }
    const char *h[] = {"Name", "Tier", "Owner", "Heat", "Quantitative", "Strategic", "Image", "Last signal"};
    vg_buf_puts(b, "<div class=\"scroll\"><table id=\"portfolio\" class=\"sortable collapse\">\n<thead><tr>");
    for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
        vg_buf_puts(b, "<th>");
        console_html_text(b, console_tr(req, h[i]));
        vg_buf_puts(b, "</th>");
    }
    vg_buf_puts(b, "</tr></thead>\n<tbody>\n");
    for (size_t i = first; i < last; i++) {
        const struct console_row *r = &rows[i];
        const struct enrich_account *a = r->a;
        vg_buf_puts(b, "<tr data-account=\"");
        console_html_text(b, a->id);
        vg_buf_printf(b, "\"><td data-label=\"%s\"><a href=\"/ui/accounts/", console_tr(req, "Name"));
        console_html_urlpart(b, a->id);
        vg_buf_puts(b, "\">");
        console_html_text(b, a->name);
        vg_buf_puts(b, "</a>");
        if (a->retired) {
            vg_buf_puts(b, " <span class=\"muted\">(");
            console_html_text(b, console_tr(req, "retired"));
            vg_buf_puts(b, ")</span>");
        }
        const char *t = a->tier ? a->tier : "standard";
        vg_buf_printf(b, "</td><td data-label=\"%s\" data-sort=\"%d\" class=\"tier-%s\">", console_tr(req, "Tier"),
                      tier_rank(t), strcmp(t, "key") == 0 ? "key" : "other");
        console_html_text(b, t);
        vg_buf_printf(b, "</td><td data-label=\"%s\">", console_tr(req, "Owner"));
        console_html_text(b, a->owner ? a->owner : "");
        vg_buf_printf(b, "</td><td data-label=\"%s\" class=\"num heat\" data-sort=\"%.1f\">%.0f ", console_tr(req, "Heat"),
                      r->heat, r->heat);
        double w[CONSOLE_WEEKS];
        for (int k = 0; k < CONSOLE_WEEKS; k++)
            w[k] = r->week[k];
        console_html_sparkline(b, w, CONSOLE_WEEKS, 72, 18, console_tr(req, "Signals per week, last 12 weeks"));
        vg_buf_puts(b, "</td>");
        static const char *const axes[] = {"Quantitative", "Strategic", "Image"};
        for (int k = 0; k < REVIEW_AXES; k++)
            vg_buf_printf(b, "<td data-label=\"%s\" class=\"num\">%d</td>", console_tr(req, axes[k]), r->score[k]);
        vg_buf_printf(b, "<td data-label=\"%s\" data-sort=\"%lld\">", console_tr(req, "Last signal"), r->last_ms);
        if (r->last_ms) {
            console_html_text(b, r->last_type);
            vg_buf_puts(b, " <span class=\"muted\">");
            console_html_age(b, req, r->last_ms);
            vg_buf_puts(b, "</span>");
        }
        vg_buf_puts(b, "</td></tr>\n");
    }
    vg_buf_puts(b, "</tbody></table></div>\n");
    /* the pager */
    vg_buf_puts(b, "<nav class=\"pager\" aria-label=\"pages\">");
    if (page > 1) {
        vg_buf_puts(b, "<a rel=\"prev\" href=\"");
        page_link(b, owner, tier, type, sort, page - 1);
        vg_buf_printf(b, "\">← %s</a>", console_tr(req, "Previous"));
    }
    vg_buf_printf(b, "<span>%s %d %s %d</span>", console_tr(req, "Page"), page, console_tr(req, "of"), pages);
    if (page < pages) {
        vg_buf_puts(b, "<a rel=\"next\" href=\"");
        page_link(b, owner, tier, type, sort, page + 1);
        vg_buf_printf(b, "\">%s →</a>", console_tr(req, "Next"));
    }
    vg_buf_puts(b, "</nav>\n");
    /* the heat map: this page's accounts by week, a cell's shade by its count */
    vg_buf_puts(b, "<h2>");
    console_html_text(b, console_tr(req, "Heat map"));
    vg_buf_puts(b, "</h2>\n<div class=\"scroll\"><table class=\"heatmap\" id=\"heatmap\"><thead><tr><th></th>");
    for (int k = 0; k < CONSOLE_WEEKS; k++)
        vg_buf_printf(b, "<th class=\"num\">%d</th>", k - (CONSOLE_WEEKS - 1));
    vg_buf_puts(b, "</tr></thead><tbody>\n");
    for (size_t i = first; i < last; i++) {
        const struct console_row *r = &rows[i];
        vg_buf_puts(b, "<tr><th scope=\"row\">");
        console_html_text(b, r->a->name);
        vg_buf_puts(b, "</th>");
        for (int k = 0; k < CONSOLE_WEEKS; k++)
            vg_buf_printf(b, "<td class=\"h h%d\" title=\"%d\" data-count=\"%d\"></td>", heat_class(r->week[k]),
                          r->week[k], r->week[k]);
        vg_buf_puts(b, "</tr>\n");
    }
    vg_buf_puts(b, "</tbody></table></div>\n");
    console_html_end(b, req);
    rc = 0;
out:
    if (rc < 0 && err[0])
        vg_warn("console", "portfolio: %s", err);
    vg_free(acc);
    vg_free(rows);
    vg_free(owners);
    for (size_t i = 0; types_owned && i < ntypes; i++)
        vg_free(types[i]);
    vg_free(types);
    return rc;
}
