/* email_render — an alert's or a digest's subject, text and HTML (see email_render.h). */
#include "sinks/email_render.h"

#include "sinks/console_link.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_utf8.h"

#define WEEKS 12
#define STRIP_PX 24 /* the tallest bar of an activity strip */

/* ---- reading the message --------------------------------------------------------------- */

static const char *str_of(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

static double num_of(const cJSON *o, const char *name, double def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

static int prio_of(const cJSON *signal) { return (int)num_of(signal, "priority", 0); }

/* ---- text that came from the web ------------------------------------------------------- */

/* Characters that would change how the rest reads: controls (a line break inside a field
 * would start a line of its own), and the bidirectional overrides and isolates that reorder
 * what follows them on screen. */
static int unsafe_char(int32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f;
}

/* Appends s as one line of text: unsafe characters become blanks (runs of blanks one),
 * invalid bytes U+FFFD; html: & < > " ' escaped too. */
static void put_clean(struct vg_buf *b, const char *s, int html)
{
    size_t len = s ? strlen(s) : 0;
    int blank = 0;
    for (size_t i = 0; i < len;) {
        int32_t cp;
        size_t n = vg_utf8_next((const unsigned char *)s + i, len - i, &cp);
        if (cp < 0) {
            cp = 0xfffd;
            n = 1;
        }
        i += n;
        if (unsafe_char(cp) || cp == ' ') {
            if (!blank)
                vg_buf_putc(b, ' ');
            blank = 1;
            continue;
        }
        blank = 0;
        if (html && cp == '&')
            vg_buf_puts(b, "&amp;");
        else if (html && cp == '<')
            vg_buf_puts(b, "&lt;");
        else if (html && cp == '>')
            vg_buf_puts(b, "&gt;");
        else if (html && cp == '"')
            vg_buf_puts(b, "&quot;");
        else if (html && cp == '\'')
            vg_buf_puts(b, "&#39;");
        else {
            char enc[4];
            vg_buf_append(b, enc, vg_utf8_put(cp, enc));
        }
    }
}

static void txt(struct vg_buf *b, const char *s) { put_clean(b, s, 0); }
static void esc(struct vg_buf *b, const char *s) { put_clean(b, s, 1); }

/* A link worth a link: http(s) without blanks or quotes (anything else is shown, not linked). */
static int link_ok(const char *u)
{
    if (!u || (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0))
        return 0;
    for (const unsigned char *p = (const unsigned char *)u; *p; p++)
        if (*p <= ' ' || *p == 0x7f || *p == '"' || *p == '\'' || *p == '<' || *p == '>' || *p == '\\')
            return 0;
    return 1;
}

/* 12345678.5 → "12,345,678.5" */
static void put_amount(struct vg_buf *b, const cJSON *a)
{
    double v = num_of(a, "value", NAN);
    if (isnan(v))
        return;
    char digits[64];
    snprintf(digits, sizeof digits, "%.0f", floor(fabs(v)));
    if (v < 0)
        vg_buf_putc(b, '-');
    size_t n = strlen(digits);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            vg_buf_putc(b, ',');
        vg_buf_putc(b, digits[i]);
    }
    double frac = fabs(v) - floor(fabs(v));
    if (frac >= 0.005)
        vg_buf_printf(b, ".%02d", (int)llround(frac * 100) % 100);
    const char *cur = str_of(a, "currency");
    if (cur) {
        vg_buf_putc(b, ' ');
        txt(b, cur);
    }
}

/* ---- one signal ---------------------------------------------------------------------- */

static const char *why_text(const char *why)
{
    if (!why)
        return NULL;
    if (!strcmp(why, "cap"))
        return "held for the digest: the hourly cap of alerts was reached";
    if (!strcmp(why, "quiet"))
        return "held for the digest: it came during your quiet hours";
    if (!strcmp(why, "inhibited"))
        return "held for the digest: a more serious alert (insolvency) holds back this account's lesser ones";
    if (!strcmp(why, "update"))
        return "more sources told a story you were already alerted to";
    if (!strcmp(why, "digest"))
        return "below the priority that is e-mailed at once";
    return why;
}

/* "Name (role, departing), ..." */
static void people_line(struct vg_buf *b, const cJSON *people, int html)
{
    int k = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, people)
    {
        const char *name = str_of(p, "name");
        if (!name)
            continue;
        if (k++)
            vg_buf_puts(b, ", ");
        put_clean(b, name, html);
        const char *role = str_of(p, "role");
        int departing = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "departing"));
        if ((role && *role) || departing) {
            vg_buf_puts(b, " (");
            if (role && *role)
                put_clean(b, role, html);
            if (departing)
                vg_buf_puts(b, role && *role ? ", departing" : "departing");
            vg_buf_putc(b, ')');
        }
    }
}

static void amounts_line(struct vg_buf *b, const cJSON *amounts)
{
    int k = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, amounts)
    {
        if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(a, "value")))
            continue;
        if (k++)
            vg_buf_puts(b, ", ");
        put_amount(b, a);
    }
}

static int has_named(const cJSON *list, const char *member)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, list) if (str_of(x, member) || cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(x, member))) return 1;
    return 0;
}

/* The signal's page in the console under base ([console] public_url, the account's
 * "console_base"), a new string; NULL when there is none or it is not a plain http(s) link. */
static char *console_page(const char *base, const cJSON *s)
{
    char *page = console_link(base, "signals", str_of(s, "id"));
    if (page && !link_ok(page)) {
        vg_free(page);
        page = NULL;
    }
    return page;
}

/* The account's page in the console ("console_url"), or NULL. */
static const char *account_page(const cJSON *acct)
{
    const char *u = str_of(acct, "console_url");
    return console_link_ok(u) && link_ok(u) ? u : NULL;
}

static void signal_text(struct vg_buf *b, const cJSON *s, const char *why, const char *console)
{
    vg_buf_printf(b, "[%d] ", prio_of(s));
    txt(b, str_of(s, "type") ? str_of(s, "type") : "signal");
    vg_buf_puts(b, " - ");
    txt(b, str_of(s, "title") ? str_of(s, "title") : "(no title)");
    vg_buf_putc(b, '\n');
    const char *ev = str_of(s, "evidence");
    if (ev && *ev) {
        vg_buf_puts(b, "    \"");
        txt(b, ev);
        vg_buf_puts(b, "\"\n");
    }
    const cJSON *amounts = cJSON_GetObjectItemCaseSensitive(s, "amounts");
    if (has_named(amounts, "value")) {
        vg_buf_puts(b, "    Amounts: ");
        amounts_line(b, amounts);
        vg_buf_putc(b, '\n');
    }
    const cJSON *people = cJSON_GetObjectItemCaseSensitive(s, "people");
    if (has_named(people, "name")) {
        vg_buf_puts(b, "    People: ");
        people_line(b, people, 0);
        vg_buf_putc(b, '\n');
    }
    const char *url = str_of(s, "url");
    if (url && *url) {
        vg_buf_puts(b, "    Link: ");
        txt(b, url);
        vg_buf_putc(b, '\n');
    }
    char *page = console_page(console, s);
    if (page) {
        vg_buf_puts(b, "    Open in vigie: ");
        txt(b, page);
        vg_buf_putc(b, '\n');
        vg_free(page);
    }
    int sources = (int)num_of(s, "sources", 1);
    vg_buf_printf(b, "    Sources: %d\n", sources < 1 ? 1 : sources);
    if (why) {
        vg_buf_puts(b, "    Why here: ");
        txt(b, why_text(why));
        vg_buf_putc(b, '\n');
    }
}

#define TD "style=\"padding:2px 0;font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222222\""
#define SMALL "style=\"padding:1px 0;font-family:Arial,Helvetica,sans-serif;font-size:13px;color:#555555\""

static const char *prio_colour(int p)
{
    return p >= 80 ? "#c0392b" : p >= 60 ? "#d35400" : p >= 40 ? "#b7950b" : "#7f8c8d";
}

static void signal_html(struct vg_buf *b, const cJSON *s, const char *why, const char *console)
{
    int p = prio_of(s);
    vg_buf_printf(b,
                  "<tr><td " TD "><span style=\"display:inline-block;padding:1px 6px;background-color:%s;"
                  "color:#ffffff;font-weight:bold\">%d</span> <b>",
                  prio_colour(p), p);
    esc(b, str_of(s, "type") ? str_of(s, "type") : "signal");
    vg_buf_puts(b, "</b> &mdash; ");
    const char *url = str_of(s, "url");
    const char *title = str_of(s, "title") ? str_of(s, "title") : "(no title)";
    if (link_ok(url)) {
        vg_buf_puts(b, "<a href=\"");
        esc(b, url);
        vg_buf_puts(b, "\" style=\"color:#1a5276\">");
        esc(b, title);
        vg_buf_puts(b, "</a>");
    } else {
        esc(b, title);
    }
    vg_buf_puts(b, "</td></tr>\n");
    const char *ev = str_of(s, "evidence");
    if (ev && *ev) {
        vg_buf_puts(b, "<tr><td " SMALL "><i>&ldquo;");
        esc(b, ev);
        vg_buf_puts(b, "&rdquo;</i></td></tr>\n");
    }
    const cJSON *amounts = cJSON_GetObjectItemCaseSensitive(s, "amounts");
    if (has_named(amounts, "value")) {
        vg_buf_puts(b, "<tr><td " SMALL ">Amounts: ");
        struct vg_buf t;
        vg_buf_init(&t, 0);
        amounts_line(&t, amounts);
        esc(b, t.data ? t.data : "");
        vg_buf_free(&t);
        vg_buf_puts(b, "</td></tr>\n");
    }
    const cJSON *people = cJSON_GetObjectItemCaseSensitive(s, "people");
    if (has_named(people, "name")) {
        vg_buf_puts(b, "<tr><td " SMALL ">People: ");
        people_line(b, people, 1);
        vg_buf_puts(b, "</td></tr>\n");
    }
    int sources = (int)num_of(s, "sources", 1);
    vg_buf_printf(b, "<tr><td " SMALL ">Sources: %d", sources < 1 ? 1 : sources);
    if (url && *url && !link_ok(url)) {
        vg_buf_puts(b, " &middot; Link: ");
        esc(b, url);
    }
    char *page = console_page(console, s);
    if (page) {
        vg_buf_puts(b, " &middot; <a href=\"");
        esc(b, page);
        vg_buf_puts(b, "\" style=\"color:#1a5276\">Open in vigie</a>");
        vg_free(page);
    }
    vg_buf_puts(b, "</td></tr>\n");
    if (why) {
        vg_buf_puts(b, "<tr><td " SMALL ">Why here: ");
        esc(b, why_text(why));
        vg_buf_puts(b, "</td></tr>\n");
    }
    vg_buf_puts(b, "<tr><td height=\"10\" style=\"height:10px;font-size:1px;line-height:1px\">&nbsp;</td></tr>\n");
}

/* ---- the activity strip ---------------------------------------------------------------- */

static int weeks_of(const cJSON *counts, long v[WEEKS])
{
    int n = cJSON_GetArraySize(counts);
    memset(v, 0, sizeof(long) * WEEKS);
    if (!cJSON_IsArray(counts) || n == 0)
        return 0;
    /* the last 12 when more are given, oldest first */
    for (int i = 0; i < WEEKS && i < n; i++) {
        const cJSON *c = cJSON_GetArrayItem(counts, n - (n < WEEKS ? n : WEEKS) + i);
        long x = cJSON_IsNumber(c) && c->valuedouble > 0 ? (long)c->valuedouble : 0;
        v[WEEKS - (n < WEEKS ? n : WEEKS) + i] = x;
    }
    return 1;
}

static void strip_text(struct vg_buf *b, const long v[WEEKS])
{
    static const char *const bars[] = {"\u2581", "\u2582", "\u2583", "\u2584",
                                       "\u2585", "\u2586", "\u2587", "\u2588"};
    long max = 0;
    for (int i = 0; i < WEEKS; i++)
        max = v[i] > max ? v[i] : max;
    vg_buf_puts(b, "Activity, last 12 weeks: ");
    for (int i = 0; i < WEEKS; i++)
        vg_buf_puts(b, bars[max && v[i] ? (int)((v[i] * 7 + max - 1) / max) : 0]);
    vg_buf_puts(b, " (");
    for (int i = 0; i < WEEKS; i++)
        vg_buf_printf(b, i ? " %ld" : "%ld", v[i]);
    vg_buf_puts(b, " signals a week, oldest first)\n");
}

/* Bars as table cells: a cell's height and bgcolor are what every client keeps (no CSS
 * positioning, no images to block). */
static void strip_html(struct vg_buf *b, const long v[WEEKS])
{
    long max = 0;
    for (int i = 0; i < WEEKS; i++)
        max = v[i] > max ? v[i] : max;
    vg_buf_puts(b, "<tr><td " SMALL "><table role=\"presentation\" class=\"activity\" cellpadding=\"0\" "
                   "cellspacing=\"0\" border=\"0\" style=\"border-collapse:collapse\"><tr>");
    for (int i = 0; i < WEEKS; i++) {
        int h = max && v[i] ? (int)(2 + (v[i] * (STRIP_PX - 2) + max - 1) / max) : 2;
        const char *colour = !v[i] ? "#dddddd" : i >= WEEKS - 2 && v[i] * 2 >= max ? "#c0392b" : "#e59866";
        vg_buf_printf(b,
                      "<td valign=\"bottom\" width=\"10\" height=\"%d\" style=\"width:10px;height:%dpx;"
                      "vertical-align:bottom;padding:0 2px 0 0\" title=\"%ld\">"
                      "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" width=\"8\">"
                      "<tr><td width=\"8\" height=\"%d\" bgcolor=\"%s\" style=\"width:8px;height:%dpx;"
                      "background-color:%s;font-size:1px;line-height:1px\">&nbsp;</td></tr></table></td>",
                      STRIP_PX, STRIP_PX, v[i], h, colour, h, colour);
    }
    vg_buf_puts(b, "<td valign=\"bottom\" style=\"padding:0 0 0 6px;font-family:Arial,Helvetica,sans-serif;"
                   "font-size:11px;color:#888888\">signals a week, last 12 weeks</td></tr></table></td></tr>\n");
}

/* ---- page parts ------------------------------------------------------------------------ */

/* The owner key as one shell word. */
static void shell_word(struct vg_buf *b, const char *s)
{
    int plain = s && *s;
    for (const char *p = s; plain && *p; p++)
        plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("@._+-", *p);
    if (plain) {
        vg_buf_puts(b, s);
        return;
    }
    struct vg_buf t;
    vg_buf_init(&t, 0);
    txt(&t, s ? s : "");
    vg_buf_putc(b, '\'');
    for (const char *p = t.data ? t.data : ""; *p; p++)
        if (*p == '\'')
            vg_buf_puts(b, "'\\''");
        else
            vg_buf_putc(b, *p);
    vg_buf_putc(b, '\'');
    vg_buf_free(&t);
}

static void footer_text(struct vg_buf *b, const cJSON *msg, const struct email_render_opts *o)
{
    const char *key = str_of(cJSON_GetObjectItemCaseSensitive(msg, "owner"), "key");
    vg_buf_puts(b, "\n-- \nSent by vigie to the owner of these accounts");
    if (key) {
        vg_buf_puts(b, " (");
        txt(b, key);
        vg_buf_putc(b, ')');
    }
    vg_buf_puts(b, ".\nTo silence these alerts for a week: vigie alerts silence --owner ");
    shell_word(b, key ? key : "OWNER");
    vg_buf_puts(b, " --for 7d --comment \"why\"\n");
    if (o && o->unsubscribe && *o->unsubscribe) {
        vg_buf_puts(b, "Unsubscribe: ");
        txt(b, o->unsubscribe);
        vg_buf_putc(b, '\n');
    }
}

static void footer_html(struct vg_buf *b, const cJSON *msg, const struct email_render_opts *o)
{
    const char *key = str_of(cJSON_GetObjectItemCaseSensitive(msg, "owner"), "key");
    vg_buf_puts(b, "<tr><td style=\"padding:16px 0 0 0;border-top:1px solid #dddddd;font-family:Arial,Helvetica,"
                   "sans-serif;font-size:12px;color:#888888\">Sent by vigie to the owner of these accounts");
    if (key) {
        vg_buf_puts(b, " (");
        esc(b, key);
        vg_buf_putc(b, ')');
    }
    vg_buf_puts(b, ". To silence these alerts for a week: <code>vigie alerts silence --owner ");
    struct vg_buf t;
    vg_buf_init(&t, 0);
    shell_word(&t, key ? key : "OWNER");
    esc(b, t.data ? t.data : "");
    vg_buf_free(&t);
    vg_buf_puts(b, " --for 7d --comment &quot;why&quot;</code>");
    if (o && o->unsubscribe && *o->unsubscribe) {
        if (strncmp(o->unsubscribe, "https://", 8) == 0 || strncmp(o->unsubscribe, "mailto:", 7) == 0) {
            vg_buf_puts(b, " &middot; <a href=\"");
            esc(b, o->unsubscribe);
            vg_buf_puts(b, "\" style=\"color:#888888\">Unsubscribe</a>");
        }
    }
    vg_buf_puts(b, "</td></tr>\n");
}

static void html_open(struct vg_buf *b, const char *title)
{
    vg_buf_puts(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width\"><title>");
    esc(b, title);
    vg_buf_puts(b, "</title></head>\n<body style=\"margin:0;padding:0;background-color:#ffffff\">\n"
                   "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
                   "style=\"max-width:640px;padding:12px\">\n");
}

static void html_close(struct vg_buf *b) { vg_buf_puts(b, "</table>\n</body></html>\n"); }

static void account_head_html(struct vg_buf *b, const cJSON *acct, int n, int top)
{
    vg_buf_puts(b, "<tr><td style=\"padding:14px 0 4px 0;font-family:Arial,Helvetica,sans-serif;font-size:17px;"
                   "font-weight:bold;color:#111111\">");
    esc(b, str_of(acct, "name") ? str_of(acct, "name") : str_of(acct, "id") ? str_of(acct, "id") : "(account)");
    const char *tier = str_of(acct, "tier");
    if (tier && *tier) {
        vg_buf_puts(b, " <span style=\"font-weight:normal;font-size:13px;color:#888888\">");
        esc(b, tier);
        vg_buf_puts(b, "</span>");
    }
    vg_buf_printf(b, " <span style=\"font-weight:normal;font-size:13px;color:#555555\">&mdash; %d signal%s, "
                     "top priority %d</span></td></tr>\n",
                  n, n == 1 ? "" : "s", top);
    const char *page = account_page(acct);
    if (page) {
        vg_buf_puts(b, "<tr><td " SMALL "><a href=\"");
        esc(b, page);
        vg_buf_puts(b, "\" style=\"color:#1a5276\">Open the account in vigie</a></td></tr>\n");
    }
}

static void account_head_text(struct vg_buf *b, const cJSON *acct, int n, int top)
{
    vg_buf_puts(b, "\n== ");
    txt(b, str_of(acct, "name") ? str_of(acct, "name") : str_of(acct, "id") ? str_of(acct, "id") : "(account)");
    const char *tier = str_of(acct, "tier");
    if (tier && *tier) {
        vg_buf_puts(b, " (");
        txt(b, tier);
        vg_buf_putc(b, ')');
    }
    vg_buf_printf(b, " - %d signal%s, top priority %d ==\n", n, n == 1 ? "" : "s", top);
    const char *page = account_page(acct);
    if (page) {
        vg_buf_puts(b, "Open in vigie: ");
        txt(b, page);
        vg_buf_putc(b, '\n');
    }
}

/* ---- ordering -------------------------------------------------------------------------- */

struct item {
    const cJSON *acct, *signal;
    const char *acct_id, *why;
    int prio, acct_top;
};

static int text_cmp(const char *a, const char *b) { return strcmp(a ? a : "", b ? b : ""); }

/* Accounts by their highest priority, then name; within one, signals highest priority first
 * (then title and id, so the order never depends on the message's). */
static int item_cmp(const void *pa, const void *pb)
{
    const struct item *a = pa, *b = pb;
    if (a->acct_top != b->acct_top)
        return b->acct_top - a->acct_top;
    int c = text_cmp(str_of(a->acct, "name"), str_of(b->acct, "name"));
    if (c || (c = text_cmp(a->acct_id, b->acct_id)))
        return c;
    if (a->prio != b->prio)
        return b->prio - a->prio;
    if ((c = text_cmp(str_of(a->signal, "title"), str_of(b->signal, "title"))))
        return c;
    return text_cmp(str_of(a->signal, "id"), str_of(b->signal, "id"));
}

static void sort_items(struct item *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int top = v[i].prio;
        for (size_t j = 0; j < n; j++)
            if (!text_cmp(v[j].acct_id, v[i].acct_id) && v[j].prio > top)
                top = v[j].prio;
        v[i].acct_top = top;
    }
    qsort(v, n, sizeof *v, item_cmp);
}

/* "2026-03-02" of "2026-03-02T00:00:00+01:00"; NULL when s is not such a time. */
static const char *day_of(const char *s, char out[11])
{
    if (!s || strlen(s) < 10 || s[4] != '-' || s[7] != '-')
        return NULL;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return NULL;
    memcpy(out, s, 10);
    out[10] = '\0';
    return out;
}

/* ---- the two kinds ----------------------------------------------------------------------- */

static int finish(struct vg_buf *subj, struct vg_buf *text, struct vg_buf *html, struct email_rendered *out,
                  char *err, size_t errlen)
{
    out->subject = vg_buf_steal(subj);
    out->text = vg_buf_steal(text);
    out->html = vg_buf_steal(html);
    vg_buf_free(subj);
    vg_buf_free(text);
    vg_buf_free(html);
    if (!out->subject || !out->text || !out->html) {
        email_rendered_free(out);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int email_render_alert(const cJSON *msg, const struct email_render_opts *o, struct email_rendered *out,
                       char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const cJSON *signals = cJSON_GetObjectItemCaseSensitive(msg, "signals");
    const cJSON *acct = cJSON_GetObjectItemCaseSensitive(msg, "account");
    size_t n = (size_t)cJSON_GetArraySize(signals);
    if (!cJSON_IsArray(signals) || n == 0 || !cJSON_IsObject(acct)) {
        snprintf(err, errlen, "an alert needs an account and signals");
        return -1;
    }
    struct item *v = vg_calloc(n, sizeof *v);
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t k = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, signals) if (cJSON_IsObject(s)) v[k++] = (struct item){acct, s, str_of(acct, "id"), NULL, prio_of(s), 0};
    sort_items(v, k);
    const char *name = str_of(acct, "name") ? str_of(acct, "name") : str_of(acct, "id") ? str_of(acct, "id") : "account";
    int top = k ? v[0].prio : 0;
    struct vg_buf subj, text, html;
    vg_buf_init(&subj, 0);
    vg_buf_init(&text, 0);
    vg_buf_init(&html, 0);
    vg_buf_puts(&subj, "vigie alert \u2014 ");
    txt(&subj, name);
    vg_buf_puts(&subj, " \u2014 ");
    if (k > 1)
        vg_buf_printf(&subj, "%zu signals, top ", k);
    txt(&subj, k && str_of(v[0].signal, "type") ? str_of(v[0].signal, "type") : "signal");
    vg_buf_printf(&subj, " (priority %d)", top);

    account_head_text(&text, acct, (int)k, top);
    for (size_t i = 0; i < k; i++) {
        vg_buf_putc(&text, '\n');
        signal_text(&text, v[i].signal, NULL, str_of(acct, "console_base"));
    }
    footer_text(&text, msg, o);

    html_open(&html, subj.data ? subj.data : "vigie alert");
    account_head_html(&html, acct, (int)k, top);
    for (size_t i = 0; i < k; i++)
        signal_html(&html, v[i].signal, NULL, str_of(acct, "console_base"));
    footer_html(&html, msg, o);
    html_close(&html);
    vg_free(v);
    return finish(&subj, &text, &html, out, err, errlen);
}

int email_render_digest(const cJSON *msg, const struct email_render_opts *o, struct email_rendered *out,
                        char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(msg, "items");
    const cJSON *activity = cJSON_GetObjectItemCaseSensitive(msg, "activity");
    if (!cJSON_IsArray(items)) {
        snprintf(err, errlen, "a digest needs items");
        return -1;
    }
    size_t n = (size_t)cJSON_GetArraySize(items);
    struct item *v = vg_calloc(n ? n : 1, sizeof *v);
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        const cJSON *acct = cJSON_GetObjectItemCaseSensitive(it, "account");
        const cJSON *sig = cJSON_GetObjectItemCaseSensitive(it, "signal");
        if (!cJSON_IsObject(sig))
            continue;
        const char *id = str_of(acct, "id") ? str_of(acct, "id") : str_of(sig, "account_id");
        v[k++] = (struct item){acct, sig, id, str_of(it, "why"), prio_of(sig), 0};
    }
    sort_items(v, k);
    size_t accounts = 0;
    for (size_t i = 0; i < k; i++)
        accounts += i == 0 || text_cmp(v[i].acct_id, v[i - 1].acct_id) != 0;
    const char *period = str_of(msg, "period");

    struct vg_buf subj, text, html;
    vg_buf_init(&subj, 0);
    vg_buf_init(&text, 0);
    vg_buf_init(&html, 0);
    vg_buf_printf(&subj, "vigie digest \u2014 %zu signal%s on %zu account%s", k, k == 1 ? "" : "s", accounts,
                  accounts == 1 ? "" : "s");
    if (period) {
        vg_buf_puts(&subj, " \u2014 ");
        txt(&subj, period);
    }

    char from_day[11] = "", to_day[11] = "";
    const char *from = day_of(str_of(msg, "period_start"), from_day);
    const char *to = day_of(str_of(msg, "period_end"), to_day);
    vg_buf_puts(&text, "Your vigie digest");
    if (period) {
        vg_buf_puts(&text, " for ");
        txt(&text, period);
    }
    if (from && to) { /* the dates: the bounds are the owner's slots, written in the owner's zone */
        vg_buf_puts(&text, " (");
        put_clean(&text, from, 0);
        vg_buf_puts(&text, " to ");
        put_clean(&text, to, 0);
        vg_buf_putc(&text, ')');
    }
    vg_buf_printf(&text, ": %zu signal%s on %zu account%s, hottest first.\n", k, k == 1 ? "" : "s", accounts,
                  accounts == 1 ? "" : "s");

    html_open(&html, subj.data ? subj.data : "vigie digest");
    vg_buf_puts(&html, "<tr><td style=\"padding:0 0 6px 0;font-family:Arial,Helvetica,sans-serif;font-size:20px;"
                       "font-weight:bold;color:#111111\">Your vigie digest");
    if (period) {
        vg_buf_puts(&html, " for ");
        esc(&html, period);
    }
    vg_buf_printf(&html, "</td></tr>\n<tr><td " SMALL ">%zu signal%s on %zu account%s, hottest first.</td></tr>\n", k,
                  k == 1 ? "" : "s", accounts, accounts == 1 ? "" : "s");

    for (size_t i = 0; i < k;) {
        size_t j = i;
        while (j < k && !text_cmp(v[j].acct_id, v[i].acct_id))
            j++;
        long weeks[WEEKS];
        int has = weeks_of(v[i].acct_id ? cJSON_GetObjectItemCaseSensitive(activity, v[i].acct_id) : NULL, weeks);
        account_head_text(&text, v[i].acct, (int)(j - i), v[i].acct_top);
        account_head_html(&html, v[i].acct, (int)(j - i), v[i].acct_top);
        if (has) {
            strip_text(&text, weeks);
            strip_html(&html, weeks);
        }
        for (size_t x = i; x < j; x++) {
            vg_buf_putc(&text, '\n');
            const char *console = str_of(v[x].acct, "console_base");
            signal_text(&text, v[x].signal, v[x].why ? v[x].why : "digest", console);
            signal_html(&html, v[x].signal, v[x].why ? v[x].why : "digest", console);
        }
        i = j;
    }
    if (k == 0) {
        vg_buf_puts(&text, "\nNothing was held for you this period.\n");
        vg_buf_puts(&html, "<tr><td " TD ">Nothing was held for you this period.</td></tr>\n");
    }
    footer_text(&text, msg, o);
    footer_html(&html, msg, o);
    html_close(&html);
    vg_free(v);
    return finish(&subj, &text, &html, out, err, errlen);
}

int email_render_report(const cJSON *report, struct email_rendered *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *subject = str_of(report, "subject"), *text = str_of(report, "text"), *html = str_of(report, "html");
    if (!subject || !text || !html) {
        snprintf(err, errlen, "a report needs its subject, text and html");
        return -1;
    }
    out->subject = vg_strdup(subject);
    out->text = vg_strdup(text);
    out->html = vg_strdup(html);
    if (!out->subject || !out->text || !out->html) {
        email_rendered_free(out);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int email_render(const cJSON *msg, const struct email_render_opts *o, struct email_rendered *out, char *err,
                 size_t errlen)
{
    const char *kind = str_of(msg, "kind");
    if (kind && !strcmp(kind, "report"))
        return email_render_report(msg, out, err, errlen);
    if (kind && !strcmp(kind, "alert"))
        return email_render_alert(msg, o, out, err, errlen);
    if (kind && !strcmp(kind, "digest"))
        return email_render_digest(msg, o, out, err, errlen);
    memset(out, 0, sizeof *out);
    snprintf(err, errlen, "not an e-mail message (its kind is not alert, digest or report)");
    return -1;
}

void email_rendered_free(struct email_rendered *r)
{
    if (!r)
        return;
    vg_free(r->subject);
    vg_free(r->text);
    vg_free(r->html);
    memset(r, 0, sizeof *r);
}
