/* console_account — /ui/accounts/ID: the account's firmographics and identifiers, its axis
 * scores with what moved them, its signal timeline (newest first, TIMELINE_ROWS at most),
 * its contacts grouped by unit and department, and its sources with their health.
 *
 * Every text here came from the web or from an import: each goes through console_html_text,
 * and a link is a link only when console_html_url takes it (http and https). */
#include "daemon/account_signals.h"
#include "daemon/console_data.h"
#include "daemon/console_html.h"
#include "daemon/console_scores.h"
#include "enrich/account.h"
#include "queue/queue_accounts.h"
#include "queue/queue_sources.h"
#include "util/vg_alloc.h"
#include "util/vg_json.h"
#include "util/vg_log.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TIMELINE_ROWS 50
#define SCORED_SIGNALS 500
#define CONTACT_ROWS 300

/* The path's segment after /ui/accounts/, percent-decoded into out; -1 when it does not fit
 * or decodes to a NUL. */
static int segment(const char *p, char *out, size_t len)
{
    size_t o = 0;
    for (; *p; p++) {
        int c = (unsigned char)*p;
        if (c == '%' && p[1] && p[2]) {
            char h[3] = {p[1], p[2], 0};
            char *e;
            long v = strtol(h, &e, 16);
            if (*e || v == 0)
                return -1;
            c = (int)v;
            p += 2;
        }
        if (o + 1 >= len)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

static void fact(struct vg_buf *b, const struct console_req *req, const char *label, const char *value)
{
    if (!value || !value[0])
        return;
    vg_buf_puts(b, "<dt>");
    console_html_text(b, console_tr(req, label));
    vg_buf_puts(b, "</dt><dd>");
    console_html_text(b, value);
    vg_buf_puts(b, "</dd>");
}

static void fact_list(struct vg_buf *b, const struct console_req *req, const char *label, char **v, size_t n)
{
    if (!n)
        return;
    vg_buf_puts(b, "<dt>");
    console_html_text(b, console_tr(req, label));
    vg_buf_puts(b, "</dt><dd>");
    for (size_t i = 0; i < n; i++) {
        if (i)
            vg_buf_puts(b, ", ");
        console_html_text(b, v[i]);
    }
    vg_buf_puts(b, "</dd>");
}

static void fact_num(struct vg_buf *b, const struct console_req *req, const char *label, double v)
{
    if (v == 0)
        return;
    char s[64];
    snprintf(s, sizeof(s), "%g", v);
    fact(b, req, label, s);
}

/* A link to url showing text, or the text alone when the URL is not http(s). */
static void link_or_text(struct vg_buf *b, const char *url, const char *text)
{
    size_t mark = b->len;
    vg_buf_puts(b, "<a rel=\"noopener noreferrer\" href=\"");
    if (url && console_html_url(b, url) == 0) {
        vg_buf_puts(b, "\">");
        console_html_text(b, text);
        vg_buf_puts(b, "</a>");
        return;
    }
    /* take the opening back: the text is shown unlinked */
    b->len = mark;
    if (b->data)
        b->data[mark] = '\0';
    console_html_text(b, text);
}

static void amounts(struct vg_buf *b, const cJSON *j)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "amounts"), *e;
    int i = 0;
    cJSON_ArrayForEach(e, a)
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "value");
        const char *cur = vg_json_str(e, "currency");
        if (!cJSON_IsNumber(v))
            continue;
        vg_buf_printf(b, "%s%.15g ", i++ ? ", " : "", v->valuedouble);
        console_html_text(b, cur ? cur : "");
    }
}

static void people(struct vg_buf *b, const cJSON *j)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "people"), *e;
    int i = 0;
    cJSON_ArrayForEach(e, a)
    {
        const char *name = vg_json_str(e, "name"), *role = vg_json_str(e, "role");
        if (!name)
            continue;
        vg_buf_puts(b, i++ ? "<br>" : "");
        console_html_text(b, name);
        if (role && role[0]) {
            vg_buf_puts(b, " <span class=\"muted\">");
            console_html_text(b, role);
            vg_buf_puts(b, "</span>");
        }
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "departing")))
            vg_buf_puts(b, " ↘");
    }
}

static void heading(struct vg_buf *b, const struct console_req *req, const char *id, const char *text)
{
    vg_buf_printf(b, "<h2 id=\"%s\">", id);
    console_html_text(b, console_tr(req, text));
    vg_buf_puts(b, "</h2>\n");
}

static void scores(struct vg_buf *b, const struct console_req *req, const struct review_row *row)
{
    heading(b, req, "scores", "Axis scores");
    static const char *const axes[] = {"Quantitative", "Strategic", "Image"};
    vg_buf_puts(b, "<div class=\"scroll\"><table class=\"scores\"><tbody>\n");
    for (int k = 0; k < REVIEW_AXES; k++) {
        vg_buf_printf(b, "<tr data-axis=\"%s\"><th>", enrich_review_axis_names[k]);
        console_html_text(b, console_tr(req, axes[k]));
        vg_buf_printf(b, "</th><td class=\"num\">%d</td><td><span class=\"bar w%d\" data-score=\"%d\"></span></td>"
                         "<td class=\"muted\">",
                      row->score[k], row->score[k] / 10, row->score[k]);
        for (size_t i = 0; i < row->n_why[k]; i++) {
            if (i)
                vg_buf_puts(b, "; ");
            console_html_text(b, row->why[k][i]);
        }
        vg_buf_puts(b, "</td></tr>\n");
    }
    vg_buf_puts(b, "<tr><th>");
    console_html_text(b, console_tr(req, "Weighted score"));
    vg_buf_printf(b, "</th><td class=\"num\" id=\"weighted\">%d</td><td></td><td></td></tr>\n<tr><th>", row->weighted);
    console_html_text(b, console_tr(req, "Heat"));
    vg_buf_printf(b, "</th><td class=\"num\" id=\"heat\">%.0f</td><td></td><td></td></tr>\n</tbody></table></div>\n",
                  row->heat);
}

static void timeline(struct vg_buf *b, const struct console_req *req, const struct console_record *v, size_t n,
                     size_t total, size_t gone)
{
    heading(b, req, "timeline", "Timeline");
    if (!n) {
        vg_buf_puts(b, "<p class=\"muted\">");
        console_html_text(b, console_tr(req, "No signal for this account yet."));
        vg_buf_puts(b, "</p>\n");
        return;
    }
    if (total > n)
        vg_buf_printf(b, "<p class=\"muted\">%s %zu / %zu.</p>\n", console_tr(req, "Showing the newest"), n, total);
    if (gone) {
        /* their stories expired ([pipeline] dedup_ttl): the series keep their id, time and priority */
        vg_buf_puts(b, "<p class=\"muted\" id=\"gone\">");
        console_html_text(b, console_tr(req, "Older signals are not kept: only their time and priority are shown."));
        vg_buf_puts(b, "</p>\n");
    }
    const char *h[] = {"When", "Type", "Title", "Evidence", "Amount", "People", "Sources"};
    vg_buf_puts(b, "<div class=\"scroll\"><table id=\"signals\" class=\"sortable collapse\"><thead><tr>");
    for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
        vg_buf_puts(b, "<th>");
        console_html_text(b, console_tr(req, h[i]));
        vg_buf_puts(b, "</th>");
    }
    vg_buf_puts(b, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < n; i++) {
        const cJSON *j = v[i].j;
        const char *id = vg_json_str(j, "id"), *type = vg_json_str(j, "type"), *title = vg_json_str(j, "title");
        const char *url = vg_json_str(j, "url"), *evidence = vg_json_str(j, "evidence");
        const cJSON *src = cJSON_GetObjectItemCaseSensitive(j, "sources");
        const cJSON *pri = cJSON_GetObjectItemCaseSensitive(j, "priority");
        vg_buf_puts(b, "<tr data-signal=\"");
        console_html_text(b, id);
        vg_buf_printf(b, "\"><td data-label=\"%s\" data-sort=\"%lld\">", console_tr(req, "When"), v[i].ms);
        console_html_age(b, req, v[i].ms);
        vg_buf_printf(b, "</td><td data-label=\"%s\">", console_tr(req, "Type"));
        console_html_text(b, type ? type : "");
        if (cJSON_IsNumber(pri))
            vg_buf_printf(b, " <span class=\"muted\">%d</span>", pri->valueint);
        vg_buf_printf(b, "</td><td data-label=\"%s\" class=\"title\">", console_tr(req, "Title"));
        if (v[i].gone) {
            console_html_text(b, id ? id : "");
            vg_buf_puts(b, " <span class=\"muted gone\">");
            console_html_text(b, console_tr(req, "older signals are not kept"));
            vg_buf_puts(b, "</span>");
        } else if (id) {
            /* the signal's own page, then the story's link */
            vg_buf_puts(b, "<a href=\"/ui/signals/");
            console_html_urlpart(b, id);
            vg_buf_puts(b, "\">");
            console_html_text(b, title && title[0] ? title : id);
            vg_buf_puts(b, "</a>");
        } else {
            console_html_text(b, title ? title : "");
        }
        if (url && url[0]) {
            vg_buf_puts(b, "<br><span class=\"source-link\">");
            link_or_text(b, url, url);
            vg_buf_puts(b, "</span>");
        }
        vg_buf_printf(b, "</td><td data-label=\"%s\" class=\"evidence\">", console_tr(req, "Evidence"));
        console_html_text(b, evidence ? evidence : "");
        vg_buf_printf(b, "</td><td data-label=\"%s\">", console_tr(req, "Amount"));
        amounts(b, j);
        vg_buf_printf(b, "</td><td data-label=\"%s\">", console_tr(req, "People"));
        people(b, j);
        vg_buf_printf(b, "</td><td data-label=\"%s\" class=\"num\">%d</td></tr>\n", console_tr(req, "Sources"),
                      cJSON_IsNumber(src) ? src->valueint : 1);
    }
    vg_buf_puts(b, "</tbody></table></div>\n");
}

/* Contacts ordered by unit, then department, then name: each group under its heading. */
static const char *group_of(const cJSON *j, const char *k)
{
    const char *v = vg_json_str(j, k);
    return v && v[0] ? v : "";
}

static int cmp_contacts(const void *x, const void *y)
{
    const cJSON *a = ((const struct console_record *)x)->j, *b = ((const struct console_record *)y)->j;
    int c = strcasecmp(group_of(a, "unit"), group_of(b, "unit"));
    if (!c)
        c = strcasecmp(group_of(a, "department"), group_of(b, "department"));
    return c ? c : strcasecmp(group_of(a, "name"), group_of(b, "name"));
}

static void contacts(struct vg_buf *b, const struct console_req *req, struct console_record *v, size_t n,
                     int complete)
{
    heading(b, req, "contacts", "Contacts");
    if (!complete) {
        /* no per-account contacts index: the read stops after the stream's newest entries */
        vg_buf_printf(b, "<p class=\"muted\" id=\"contacts-bound\">%s %d %s</p>\n",
                      console_tr(req, "From the newest"), CONSOLE_CONTACT_SCAN,
                      console_tr(req, "contact records; older ones are not looked at."));
    }
    if (!n) {
        vg_buf_puts(b, "<p class=\"muted\">");
        console_html_text(b, console_tr(req, "No contact known."));
        vg_buf_puts(b, "</p>\n");
        return;
    }
    qsort(v, n, sizeof(*v), cmp_contacts);
    vg_buf_puts(b, "<div class=\"cards\" id=\"contact-groups\">\n");
    for (size_t i = 0; i < n;) {
        const char *unit = group_of(v[i].j, "unit"), *dept = group_of(v[i].j, "department");
        vg_buf_puts(b, "<section class=\"card\" data-department=\"");
        console_html_text(b, dept);
        vg_buf_puts(b, "\"><h3>");
        if (unit[0]) {
            console_html_text(b, unit);
            vg_buf_puts(b, " · ");
        }
        console_html_text(b, dept[0] ? dept : "—");
        vg_buf_puts(b, "</h3><ul>");
        size_t j = i;
        for (; j < n && strcasecmp(group_of(v[j].j, "unit"), unit) == 0 &&
               strcasecmp(group_of(v[j].j, "department"), dept) == 0;
             j++) {
            const cJSON *c = v[j].j;
            vg_buf_puts(b, "<li>");
            console_html_text(b, group_of(c, "name"));
            const char *title = group_of(c, "title");
            if (title[0]) {
                vg_buf_puts(b, " <span class=\"muted\">");
                console_html_text(b, title);
                vg_buf_puts(b, "</span>");
            }
            if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "departing")))
                vg_buf_puts(b, " ↘");
            const cJSON *g = cJSON_GetObjectItemCaseSensitive(c, "email_guess");
            const char *addr = g ? vg_json_str(g, "address") : NULL;
            if (addr) {
                vg_buf_puts(b, " <span class=\"muted\">");
                console_html_text(b, addr);
                vg_buf_puts(b, " ?</span>");
            }
            vg_buf_puts(b, "</li>");
        }
        vg_buf_puts(b, "</ul></section>\n");
        i = j;
    }
    vg_buf_puts(b, "</div>\n");
}

static void sources(struct vg_buf *b, const struct console_req *req, const struct queue_source_state *v, size_t n)
{
    heading(b, req, "sources", "Sources");
    if (!n) {
        vg_buf_puts(b, "<p class=\"muted\">");
        console_html_text(b, console_tr(req, "No source watches this account."));
        vg_buf_puts(b, "</p>\n");
        return;
    }
    const char *h[] = {"Source", "Health", "Last success", "Failures"};
    vg_buf_puts(b, "<div class=\"scroll\"><table id=\"account-sources\" class=\"collapse\"><thead><tr>");
    for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
        vg_buf_puts(b, "<th>");
        console_html_text(b, console_tr(req, h[i]));
        vg_buf_puts(b, "</th>");
    }
    vg_buf_puts(b, "</tr></thead><tbody>\n");
    for (size_t i = 0; i < n; i++) {
        const struct queue_source_state *s = &v[i];
        int failing = s->failures > 0;
        vg_buf_puts(b, "<tr><td>");
        console_html_text(b, s->src.id);
        vg_buf_puts(b, " <span class=\"muted\">");
        console_html_text(b, s->src.kind);
        vg_buf_puts(b, "</span><br>");
        link_or_text(b, s->src.url, s->src.url);
        vg_buf_printf(b, "</td><td class=\"%s\">", failing ? "bad" : s->last_ok ? "good" : "muted");
        console_html_text(b, console_tr(req, failing ? "failing" : s->last_ok ? "ok" : "never fetched"));
        if (failing && s->last_error) {
            vg_buf_puts(b, ": ");
            console_html_text(b, s->last_error);
        }
        vg_buf_puts(b, "</td><td>");
        console_html_age(b, req, s->last_ok);
        vg_buf_printf(b, "</td><td class=\"num\">%lld</td></tr>\n", s->failures);
    }
    vg_buf_puts(b, "</tbody></table></div>\n");
}

int console_account_page(const struct console_req *req, struct console_reply *rep)
{
    struct vg_buf *b = &rep->body;
    char id[600], err[512] = "";
    if (segment(req->path + strlen("/ui/accounts/"), id, sizeof(id)) < 0)
        id[0] = '\0';
    char *j = id[0] ? queue_accounts_get(req->q, id, err, sizeof(err)) : NULL;
    if (!j) {
        if (err[0]) {
            vg_warn("console", "account %s: %s", id, err);
            return -1;
        }
        rep->code = 404;
        console_html_begin(b, req, console_tr(req, "Not found"), "portfolio");
        vg_buf_puts(b, "<h1>");
        console_html_text(b, console_tr(req, "No such account."));
        vg_buf_puts(b, "</h1>\n");
        console_html_end(b, req);
        return 0;
    }
    int rc = -1;
    size_t len = strlen(j), ns = 0, total = 0, gone = 0, nc = 0, ctotal = 0, nsrc = 0;
    int ccomplete = 1;
    char *wrapped = vg_malloc(len + 3);
    struct enrich_account_set *set = NULL;
    struct console_record *sig = NULL, *con = NULL;
    struct queue_source_state *src = NULL;
    struct review_signal *rs = NULL;
    struct review_row *row = vg_calloc(1, sizeof(*row));
    if (!wrapped || !row)
        goto out;
    snprintf(wrapped, len + 3, "[%s]", j);
    if (enrich_accounts_parse(wrapped, len + 2, &set, err, sizeof(err)) < 0 || set->n != 1) {
        vg_warn("console", "stored account %s does not parse: %s", id, err);
        goto out;
    }
    const struct enrich_account *a = &set->v[0];
    if (console_data_signals(req->q, req->cfg, id, SCORED_SIGNALS, &sig, &ns, &total, &gone, err, sizeof(err)) < 0 ||
        console_data_contacts(req->q, id, CONTACT_ROWS, &con, &nc, &ctotal, &ccomplete, err, sizeof(err)) < 0 ||
        console_data_sources(req->q, id, &src, &nsrc, err, sizeof(err)) < 0) {
        vg_warn("console", "account %s: %s", id, err);
        goto out;
    }
    /* the scores from the signals read (SCORED_SIGNALS newest at most) whose records are
     * kept: a gone signal has no type, which the axes need */
    if (!(rs = vg_calloc(ns ? ns : 1, sizeof(*rs))))
        goto out;
    long long oldest = 0;
    long long oldest_gone = 0;
    size_t nrs = 0;
    for (size_t i = 0; i < ns; i++) {
        const cJSON *x = sig[i].j;
        if (sig[i].gone) {
            /* the data are whole only after the newest signal whose record is gone */
            if (!oldest_gone)
                oldest_gone = sig[i].ms + 1;
            continue;
        }
        oldest = sig[i].ms;
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(x, "priority"), *c = cJSON_GetObjectItemCaseSensitive(x, "confidence"),
                    *s = cJSON_GetObjectItemCaseSensitive(x, "sources");
        const char *type = vg_json_str(x, "type");
        rs[nrs++] = (struct review_signal){vg_json_str(x, "id"), type ? type : "", cJSON_IsNumber(p) ? p->valueint : 0,
                                           cJSON_IsNumber(c) ? c->valuedouble : 0, cJSON_IsNumber(s) ? s->valueint : 1,
                                           sig[i].ms};
    }
    struct review_config rcfg;
    account_signals_review_config(req->cfg, &rcfg);
    if (oldest_gone)
        oldest = oldest_gone;
    if (enrich_review_account(a, rs, nrs, req->now_ms, oldest, &rcfg, row) < 0)
        goto out;

    console_html_begin(b, req, a->name, "portfolio");
    vg_buf_puts(b, "<h1 id=\"account-name\">");
    console_html_text(b, a->name);
    vg_buf_puts(b, " <span class=\"muted\">");
    console_html_text(b, a->tier ? a->tier : "standard");
    if (a->owner) {
        vg_buf_puts(b, " · ");
        console_html_text(b, a->owner);
    }
    if (a->retired) {
        vg_buf_puts(b, " · ");
        console_html_text(b, console_tr(req, "retired"));
    }
    vg_buf_puts(b, "</span></h1>\n");
    heading(b, req, "firmographics", "Firmographics");
    vg_buf_puts(b, "<dl class=\"facts\">");
    fact(b, req, "Account", a->id);
    fact(b, req, "Country", a->country);
    fact_list(b, req, "Domains", a->domains, a->n_domains);
    fact_list(b, req, "Aliases", a->aliases, a->n_aliases);
    fact(b, req, "Owner", a->owner_email);
    fact(b, req, "CRM id", a->crm_id);
    fact_num(b, req, "Revenue", a->revenue);
    fact_num(b, req, "Margin", a->margin);
    fact_num(b, req, "Growth potential", a->growth_potential);
    fact_num(b, req, "Strategic fit", a->strategic_fit);
    fact_num(b, req, "Image", a->image);
    vg_buf_puts(b, "</dl>\n");
    if (a->n_identifiers) {
        heading(b, req, "identifiers", "Identifiers");
        vg_buf_puts(b, "<dl class=\"facts\">");
        for (size_t i = 0; i < a->n_identifiers; i++) {
            vg_buf_puts(b, "<dt>");
            console_html_text(b, a->identifiers[i].key);
            vg_buf_puts(b, "</dt><dd>");
            console_html_text(b, a->identifiers[i].value);
            vg_buf_puts(b, "</dd>");
        }
        vg_buf_puts(b, "</dl>\n");
    }
    scores(b, req, row);
    console_scores_section(b, req, a->id); /* on a Redis error the page goes on without it */
    timeline(b, req, sig, ns < TIMELINE_ROWS ? ns : TIMELINE_ROWS, total, gone);
    contacts(b, req, con, nc, ccomplete);
    sources(b, req, src, nsrc);
    console_html_end(b, req);
    rc = 0;
out:
    console_records_free(sig, ns);
    console_records_free(con, nc);
    queue_source_states_free(src, nsrc);
    enrich_account_set_free(set);
    vg_free(rs);
    vg_free(row);
    vg_free(wrapped);
    vg_free(j);
    return rc;
}
