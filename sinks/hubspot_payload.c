/* hubspot_payload — records to HubSpot request bodies (hubspot_payload.h); the answers are
 * read in hubspot_answers.c. Pure: no I/O, no clock. */
#include "sinks/hubspot_payload.h"

#include "sinks/console_link.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/vg_alloc.h"
#include "util/vg_time.h"
#include "util/vg_utf8.h"
#include "util/vg_json.h"

/* ==== paths ================================================================================ */

int hs_api_version_ok(const char *v)
{
    if (!v)
        return 0;
    if (strcmp(v, "v3") == 0)
        return 1;
    /* YYYY-MM with a month 01-12 */
    if (strlen(v) != 7 || v[4] != '-')
        return 0;
    for (int i = 0; i < 7; i++)
        if (i != 4 && !isdigit((unsigned char)v[i]))
            return 0;
    int month = (v[5] - '0') * 10 + (v[6] - '0');
    return month >= 1 && month <= 12;
}

char *hs_url(const struct hubspot_config *c, enum hs_api api, const char *rest)
{
    static const char *const names[] = {"objects", "properties", "associations", "owners"};
    const char *base = c->base_url ? c->base_url : "";
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    const char *name = names[api];
    if (strcmp(c->api_version, "v3") == 0) {
        /* Legacy paths: /crm/v3/objects/..., but associations live in their v4 API. */
        const char *ver = api == HS_API_ASSOCIATIONS ? "v4" : "v3";
        return vg_asprintf("%.*s/crm/%s/%s/%s", (int)bl, base, ver, name, rest);
    }
    return vg_asprintf("%.*s/crm/%s/%s/%s", (int)bl, base, name, c->api_version, rest);
}

/* ==== text ================================================================================= */

size_t hs_utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    /* Step back over continuation bytes to the start of the character that was cut. */
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    return n;
}

/* Whitespace and invisible controls: C0 and C1 controls, DEL, the line and paragraph
 * separators, the byte-order mark. */
static int is_blank_or_control(int32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0xfeff;
}

static const char ELLIPSIS[] = "\xe2\x80\xa6"; /* … */

/* The entity HTML text needs for cp, or NULL when cp stands for itself. */
static const char *html_entity(int32_t cp)
{
    switch (cp) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&#39;";
    }
    return NULL;
}

/* The one cleaning pass behind hs_html_text and hs_plain_text: one output piece per input
 * character (escaped or not; a run of plain ASCII as one piece), runs of blanks and controls
 * collapsed into one space, leading and trailing ones dropped. With max, pieces stop before
 * the one that would pass max minus the ellipsis, and the ellipsis follows. b NULL: only
 * counts. after: s continues a text already written, so a leading blank before a visible
 * character is one space too (what the rest of a text adds must be counted so). Returns the
 * bytes produced. */
static size_t clean_emit(struct vg_buf *b, const char *s, size_t max, int html, int after)
{
    if (!s)
        return 0;
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), out = 0;
    int space = 0; /* a blank is pending (written only before the next visible character) */
    size_t limit = max ? (max > sizeof ELLIPSIS - 1 ? max - (sizeof ELLIPSIS - 1) : 0) : (size_t)-1;
    size_t i = 0;
    while (i < len) {
        /* A run of visible ASCII that needs no entity goes out in one piece, when it fits. */
        size_t j = i;
        while (j < len && p[j] > ' ' && p[j] < 0x7f && !(html && html_entity(p[j])))
            j++;
        if (j > i && (!max || out + (j - i) + (space ? 1 : 0) <= limit)) {
            if (b) {
                if (space)
                    vg_buf_putc(b, ' ');
                vg_buf_append(b, p + i, j - i);
            }
            out += (j - i) + (space ? 1 : 0);
            space = 0;
            i = j;
            continue;
        }
        int32_t cp;
        size_t n = vg_utf8_next(p + i, len - i, &cp);
        i += n;
        if (cp < 0)
            cp = 0xfffd; /* what a browser shows for a broken byte */
        if (cp == ' ' || is_blank_or_control(cp)) {
            space = out > 0 || after;
            continue;
        }
        char piece[16];
        size_t pl;
        const char *ent = html ? html_entity(cp) : NULL;
        if (ent) {
            pl = strlen(ent);
            memcpy(piece, ent, pl);
        } else {
            pl = vg_utf8_put(cp, piece);
        }
        size_t need = pl + (space ? 1 : 0);
        if (max && out + need > limit) {
            /* Cut only when the rest does not fit: check that what is left would pass max. */
            size_t rest = need + clean_emit(NULL, (const char *)p + i, 0, html, 1);
            if (out + rest > max) {
                if (b)
                    vg_buf_puts(b, ELLIPSIS);
                return out + sizeof ELLIPSIS - 1;
            }
        }
        if (b) {
            if (space)
                vg_buf_putc(b, ' ');
            vg_buf_append(b, piece, pl);
        }
        out += need;
        space = 0;
    }
    return out;
}

int hs_html_text(struct vg_buf *b, const char *s, size_t max)
{
    clean_emit(b, s, max, 1, 0);
    return vg_buf_check(b);
}

char *hs_plain_text(const char *s, size_t max)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    clean_emit(&b, s, max, 0, 0);
    return vg_buf_steal(&b);
}

long long hs_signal_ms(const cJSON *signal)
{
    int64_t ms;
    if (vg_parse_rfc3339_ms(vg_json_str(signal, "published"), &ms) == 0)
        return ms;
    if (vg_parse_rfc3339_ms(vg_json_str(signal, "detected"), &ms) == 0)
        return ms;
    return 0;
}

/* "2024-01-09T11:00:00.000Z" */
static void iso_ms(long long ms, char *out, size_t n)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t k = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + k, n - k, ".%03dZ", (int)(((ms % 1000) + 1000) % 1000));
}

/* ==== the activity body ===================================================================== */

void hs_marker(const char *signal_id, char *out, size_t n)
{
    snprintf(out, n, "vigie-%s", signal_id ? signal_id : "");
}

/* "leadership_change" → "Leadership change" (cleaned, at most 64 bytes). */
static void type_label(const char *type, char *out, size_t n)
{
    char *clean = hs_plain_text(type && *type ? type : "signal", 64);
    snprintf(out, n, "%s", clean ? clean : "signal");
    vg_free(clean);
    for (char *p = out; *p; p++)
        if (*p == '_')
            *p = ' ';
    out[0] = (char)toupper((unsigned char)out[0]);
}

/* A link is kept only when it is http(s) and short enough to be whole. */
static int url_ok(const char *url)
{
    if (!url || strlen(url) > 2048)
        return 0;
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
        return 0;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= ' ' || *p == 0x7f)
            return 0;
    return 1;
}

static int html_link(struct vg_buf *b, const char *url, const char *text, size_t text_max)
{
    vg_buf_puts(b, "<a href=\"");
    hs_html_text(b, url, 0);
    vg_buf_puts(b, "\">");
    hs_html_text(b, text, text_max);
    return vg_buf_puts(b, "</a>");
}

/* 20000000 → "20,000,000"; 2.5 → "2.5". */
static void amount_text(double v, char *out, size_t n)
{
    if (!isfinite(v)) {
        snprintf(out, n, "?");
        return;
    }
    if (v != floor(v) || fabs(v) >= 1e15) {
        snprintf(out, n, "%.2f", v);
        return;
    }
    char digits_buf[32];
    snprintf(digits_buf, sizeof digits_buf, "%.0f", fabs(v));
    size_t len = strlen(digits_buf), o = 0;
    if (v < 0 && o + 1 < n)
        out[o++] = '-';
    for (size_t i = 0; i < len && o + 2 < n; i++) {
        if (i && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits_buf[i];
    }
    out[o] = '\0';
}

/* One paragraph of the body, kept apart so that the assembly can measure and drop it. */
enum { P_HEAD, P_TITLE, P_EVIDENCE, P_AMOUNTS, P_PEOPLE, P_PARTIES, P_SOURCES, P_CONSOLE, P_MARKER, P__N };

static void para_head(struct vg_buf *b, const cJSON *s)
{
    char label[80], date[16] = "";
    type_label(vg_json_str(s, "type"), label, sizeof label);
    const char *pub = vg_json_str(s, "published");
    if (!pub)
        pub = vg_json_str(s, "detected");
    int64_t ms;
    if (pub && vg_parse_rfc3339_ms(pub, &ms) == 0)
        snprintf(date, sizeof date, "%.10s", pub);
    vg_buf_puts(b, "<p><strong>");
    hs_html_text(b, label, 0);
    vg_buf_printf(b, "</strong> &middot; priority %d", (int)vg_json_num(s, "priority", 0));
    double conf = vg_json_num(s, "confidence", -1);
    if (conf >= 0 && conf <= 1)
        vg_buf_printf(b, " &middot; confidence %d%%", (int)lround(conf * 100));
    if (*date)
        vg_buf_printf(b, " &middot; %s", date);
    vg_buf_puts(b, "</p>");
}

static void para_title(struct vg_buf *b, const cJSON *s, size_t cap)
{
    const char *title = vg_json_str(s, "title");
    const char *url = vg_json_str(s, "url");
    if (!title || !*title)
        title = url_ok(url) ? url : NULL;
    if (!title)
        return;
    vg_buf_puts(b, "<p>");
    if (url_ok(url))
        html_link(b, url, title, cap);
    else
        hs_html_text(b, title, cap);
    vg_buf_puts(b, "</p>");
}

/* 1 when a and b are the same sentence but for a final full stop (an evidence sentence that
 * is the title itself is not shown twice). */
static int same_sentence(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la && a[la - 1] == '.')
        la--;
    if (lb && b[lb - 1] == '.')
        lb--;
    return la == lb && strncmp(a, b, la) == 0;
}

static void para_evidence(struct vg_buf *b, const cJSON *s, size_t cap)
{
    const char *ev = vg_json_str(s, "evidence");
    const char *title = vg_json_str(s, "title");
    if (!ev || !*ev || (title && same_sentence(ev, title)))
        return;
    vg_buf_puts(b, "<p>");
    hs_html_text(b, ev, cap);
    vg_buf_puts(b, "</p>");
}

static void para_amounts(struct vg_buf *b, const cJSON *s)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(s, "amounts");
    int n = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, arr) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, "value");
        if (!cJSON_IsNumber(v))
            continue;
        if (n == 10)
            break;
        char txt[48];
        amount_text(v->valuedouble, txt, sizeof txt);
        vg_buf_puts(b, n++ ? "; " : "<p><strong>Amounts:</strong> ");
        vg_buf_puts(b, txt);
        const char *cur = vg_json_str(a, "currency");
        if (cur && *cur) {
            vg_buf_putc(b, ' ');
            hs_html_text(b, cur, 16);
        }
    }
    if (n)
        vg_buf_puts(b, "</p>");
}

/* "Jane Doe (Chief Financial Officer, leaving)" for each person, at most 20. */
static void para_people(struct vg_buf *b, const cJSON *s)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(s, "people");
    int n = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, arr) {
        const char *name = vg_json_str(p, "name");
        if (!name || !*name)
            continue;
        if (n == 20)
            break;
        vg_buf_puts(b, n++ ? "; " : "<p><strong>People:</strong> ");
        hs_html_text(b, name, 200);
        const char *role = vg_json_str(p, "role");
        if (!role || !*role)
            role = vg_json_str(p, "role_norm");
        const cJSON *dep = cJSON_GetObjectItemCaseSensitive(p, "departing");
        int leaving = cJSON_IsTrue(dep);
        if ((role && *role) || leaving) {
            vg_buf_puts(b, " (");
            if (role && *role)
                hs_html_text(b, role, 200);
            if (leaving)
                vg_buf_puts(b, role && *role ? ", leaving" : "leaving");
            vg_buf_putc(b, ')');
        }
    }
    if (n)
        vg_buf_puts(b, "</p>");
}

static void para_parties(struct vg_buf *b, const cJSON *s)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(s, "counterparties");
    int n = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, arr) {
        const char *name = vg_json_str(p, "name");
        if (!name || !*name)
            continue;
        if (n == 10)
            break;
        vg_buf_puts(b, n++ ? "; " : "<p><strong>Counterparties:</strong> ");
        hs_html_text(b, name, 200);
        const char *role = vg_json_str(p, "role");
        if (role && *role) {
            vg_buf_puts(b, " (");
            hs_html_text(b, role, 64);
            vg_buf_putc(b, ')');
        }
    }
    if (n)
        vg_buf_puts(b, "</p>");
}

/* "Sources: 3" and, on an update, links to the first five of them. */
static void para_sources(struct vg_buf *b, const cJSON *s)
{
    double n = vg_json_num(s, "sources", 1);
    if (n < 1)
        n = 1;
    vg_buf_printf(b, "<p><strong>Sources:</strong> %.0f", n);
    const cJSON *urls = cJSON_GetObjectItemCaseSensitive(s, "source_urls");
    int k = 0;
    const cJSON *u;
    cJSON_ArrayForEach(u, urls) {
        if (!cJSON_IsString(u) || !url_ok(u->valuestring))
            continue;
        if (k == 5)
            break;
        char label[12];
        snprintf(label, sizeof label, "%d", k + 1);
        vg_buf_puts(b, k++ ? " " : " &middot; ");
        html_link(b, u->valuestring, label, 0);
    }
    vg_buf_puts(b, "</p>");
}

/* "Open in vigie: <the signal's console page>" when [console] public_url is set. */
static void para_console(struct vg_buf *b, const cJSON *s, const char *console)
{
    char *page = console_link(console, "signals", vg_json_str(s, "id"));
    if (page && url_ok(page)) {
        vg_buf_puts(b, "<p>Open in vigie: ");
        html_link(b, page, page, 0);
        vg_buf_puts(b, "</p>");
    }
    vg_free(page);
}

static void para_marker(struct vg_buf *b, const cJSON *s)
{
    char marker[80];
    char *id = hs_plain_text(vg_json_str(s, "id"), 64);
    hs_marker(id ? id : "", marker, sizeof marker);
    vg_free(id);
    vg_buf_puts(b, "<p>Ref: ");
    hs_html_text(b, marker, 0);
    vg_buf_puts(b, "</p>");
}

static void render(struct vg_buf *b, int which, const cJSON *s, const char *console, size_t cap)
{
    switch (which) {
    case P_HEAD: para_head(b, s); break;
    case P_TITLE: para_title(b, s, cap); break;
    case P_EVIDENCE: para_evidence(b, s, cap); break;
    case P_AMOUNTS: para_amounts(b, s); break;
    case P_PEOPLE: para_people(b, s); break;
    case P_PARTIES: para_parties(b, s); break;
    case P_SOURCES: para_sources(b, s); break;
    case P_CONSOLE: para_console(b, s, console); break;
    case P_MARKER: para_marker(b, s); break;
    }
}

char *hs_activity_html(const cJSON *signal, const char *console, size_t max)
{
    struct vg_buf part[P__N];
    size_t total = 0;
    char *out = NULL;
    for (int i = 0; i < P__N; i++) {
        vg_buf_init(&part[i], 0);
        render(&part[i], i, signal, console, i == P_TITLE ? 2000 : 0);
        total += part[i].len;
    }
    for (int i = 0; i < P__N; i++)
        if (vg_buf_check(&part[i]) < 0)
            goto done;
    /* Over the limit: the evidence gives way first, then the title, then the lists; the
     * head and the marker (how a search finds the note) always stay. */
    static const int shrink[] = {P_EVIDENCE, P_TITLE};
    for (size_t k = 0; k < sizeof shrink / sizeof shrink[0] && total > max; k++) {
        int i = shrink[k];
        size_t others = total - part[i].len, wrap = 7; /* "<p>" "</p>" */
        total -= part[i].len;
        vg_buf_reset(&part[i]);
        if (others + wrap + 64 < max) {
            size_t cap = max - others - wrap;
            if (i == P_TITLE)
                cap = cap > 2000 ? 2000 : cap;
            render(&part[i], i, signal, console, cap);
            /* The link's href counts too: drop the title when it still does not fit. */
            if (others + part[i].len > max)
                vg_buf_reset(&part[i]);
        }
        total += part[i].len;
    }
    static const int drop[] = {P_PARTIES, P_PEOPLE, P_AMOUNTS, P_SOURCES};
    for (size_t k = 0; k < sizeof drop / sizeof drop[0] && total > max; k++) {
        total -= part[drop[k]].len;
        vg_buf_reset(&part[drop[k]]);
    }
    struct vg_buf all;
    vg_buf_init(&all, 0);
    for (int i = 0; i < P__N; i++)
        vg_buf_append(&all, part[i].data ? part[i].data : "", part[i].len);
    out = vg_buf_steal(&all);
done:
    for (int i = 0; i < P__N; i++)
        vg_buf_free(&part[i]);
    return out;
}

/* ==== properties ============================================================================ */

/* ,"name":"value" (no comma before the first); skipped when name is empty or value NULL. */
static void prop(struct vg_buf *b, int *first, const char *name, const char *value)
{
    if (!name || !*name || !value)
        return;
    if (!*first)
        vg_buf_putc(b, ',');
    *first = 0;
    vg_buf_json_str(b, name);
    vg_buf_putc(b, ':');
    vg_buf_json_str(b, value);
}

static const char *priority_name(int p)
{
    return p >= 70 ? "HIGH" : p >= 40 ? "MEDIUM" : "LOW";
}

static int is_task(const struct hubspot_config *c)
{
    return c->activity && strcmp(c->activity, "task") == 0;
}

int hs_activity_props(struct vg_buf *b, const struct hubspot_config *c, const cJSON *signal,
                      const char *owner_id, const char *console)
{
    int first = 1;
    char when[40];
    char *html = hs_activity_html(signal, console, HS_BODY_MAX);
    if (!html)
        return -1;
    long long ms = hs_signal_ms(signal);
    vg_buf_putc(b, '{');
    if (!is_task(c)) {
        iso_ms(ms, when, sizeof when);
        prop(b, &first, "hs_timestamp", when);
        prop(b, &first, "hs_note_body", html);
    } else {
        /* A task is due when vigie saw the news (detected), not when it was published. */
        int64_t due;
        if (vg_parse_rfc3339_ms(vg_json_str(signal, "detected"), &due) < 0)
            due = ms;
        iso_ms(due, when, sizeof when);
        char label[80];
        type_label(vg_json_str(signal, "type"), label, sizeof label);
        struct vg_buf subj;
        vg_buf_init(&subj, 0);
        vg_buf_puts(&subj, label);
        vg_buf_puts(&subj, ": ");
        vg_buf_puts(&subj, vg_json_str(signal, "title") ? vg_json_str(signal, "title") : "");
        char *subject = subj.data ? hs_plain_text(subj.data, 255) : NULL;
        vg_buf_free(&subj);
        prop(b, &first, "hs_timestamp", when);
        prop(b, &first, "hs_task_subject", subject ? subject : label);
        prop(b, &first, "hs_task_body", html);
        prop(b, &first, "hs_task_status", "NOT_STARTED");
        prop(b, &first, "hs_task_priority", priority_name((int)vg_json_num(signal, "priority", 0)));
        prop(b, &first, "hs_task_type", "TODO");
        if (owner_id && *owner_id)
            prop(b, &first, "hubspot_owner_id", owner_id);
        vg_free(subject);
    }
    vg_buf_putc(b, '}');
    vg_free(html);
    return vg_buf_check(b);
}

int hs_activity_body_props(struct vg_buf *b, const struct hubspot_config *c, const cJSON *signal,
                           const char *console)
{
    int first = 1;
    char *html = hs_activity_html(signal, console, HS_BODY_MAX);
    if (!html)
        return -1;
    vg_buf_putc(b, '{');
    prop(b, &first, is_task(c) ? "hs_task_body" : "hs_note_body", html);
    vg_buf_putc(b, '}');
    vg_free(html);
    return vg_buf_check(b);
}

int hs_company_props(struct vg_buf *b, const struct hubspot_config *c, const struct hs_company_update *u,
                     const char *const *extra)
{
    int first = 1;
    char num[48], when[40];
    vg_buf_putc(b, '{');
    for (size_t i = 0; extra && extra[i] && extra[i + 1]; i += 2)
        prop(b, &first, extra[i], extra[i + 1]);
    if (u && u->have_tally) {
        double heat = isfinite(u->heat) ? u->heat : 0;
        snprintf(num, sizeof num, "%.1f", heat);
        prop(b, &first, c->prop_heat, num);
        snprintf(num, sizeof num, "%lld", u->count);
        prop(b, &first, c->prop_signals_90d, num);
    }
    if (u && u->last_type) {
        char label[80];
        type_label(u->last_type, label, sizeof label);
        prop(b, &first, c->prop_last_type, label);
        iso_ms(u->last_ms, when, sizeof when);
        prop(b, &first, c->prop_last_date, when);
    }
    vg_buf_putc(b, '}');
    return vg_buf_check(b);
}

int hs_split_name(const char *name, char **first, char **last)
{
    *first = *last = NULL;
    char *clean = hs_plain_text(name, HS_TEXT_MAX);
    if (!clean)
        return -1;
    char *sp = strchr(clean, ' ');
    if (sp) {
        *first = vg_strndup(clean, (size_t)(sp - clean));
        *last = vg_strdup(sp + 1);
    } else {
        *first = vg_strdup(clean);
        *last = vg_strdup("");
    }
    vg_free(clean);
    if (!*first || !*last) {
        vg_free(*first);
        vg_free(*last);
        *first = *last = NULL;
        return -1;
    }
    return 0;
}

int hs_contact_props(struct vg_buf *b, const struct hubspot_config *c, const cJSON *contact,
                     const char *company_name)
{
    int first = 1;
    char *fn = NULL, *ln = NULL;
    char *title = hs_plain_text(vg_json_str(contact, "title"), HS_TEXT_MAX);
    char *role = hs_plain_text(vg_json_str(contact, "role_norm"), HS_TEXT_MAX);
    char *sen = hs_plain_text(vg_json_str(contact, "seniority"), HS_TEXT_MAX);
    char *company = hs_plain_text(company_name, HS_TEXT_MAX);
    const char *url = vg_json_str(contact, "source_url");
    const char *id = vg_json_str(contact, "id");
    int rc = -1;
    if (!title || !role || !sen || !company || hs_split_name(vg_json_str(contact, "name"), &fn, &ln) < 0)
        goto done;
    vg_buf_putc(b, '{');
    prop(b, &first, c->prop_contact_key, id ? id : "");
    prop(b, &first, "firstname", fn);
    if (*ln)
        prop(b, &first, "lastname", ln);
    if (*title)
        prop(b, &first, "jobtitle", title);
    if (*role)
        prop(b, &first, c->prop_role_norm, role);
    if (*sen)
        prop(b, &first, c->prop_seniority, sen);
    if (url_ok(url))
        prop(b, &first, c->prop_source_url, url);
    if (*company)
        prop(b, &first, "company", company);
    vg_buf_putc(b, '}');
    rc = vg_buf_check(b);
done:
    vg_free(fn);
    vg_free(ln);
    vg_free(title);
    vg_free(role);
    vg_free(sen);
    vg_free(company);
    return rc;
}

/* ==== request bodies ======================================================================== */

int hs_inputs_begin(struct vg_buf *b)
{
    return vg_buf_puts(b, "{\"inputs\":[");
}

int hs_inputs_end(struct vg_buf *b)
{
    vg_buf_puts(b, "]}");
    return vg_buf_check(b);
}

static void input_open(struct vg_buf *b, size_t i)
{
    if (b->len && b->data[b->len - 1] != '[')
        vg_buf_putc(b, ',');
    vg_buf_printf(b, "{\"objectWriteTraceId\":\"%zu\"", i);
}

static void types_json(struct vg_buf *b, int type_id)
{
    vg_buf_printf(b, "\"types\":[{\"associationCategory\":\"HUBSPOT_DEFINED\",\"associationTypeId\":%d}]",
                  type_id);
}

int hs_input_write(struct vg_buf *b, size_t i, const char *id, const char *id_property, const char *props)
{
    input_open(b, i);
    if (id) {
        vg_buf_puts(b, ",\"id\":");
        vg_buf_json_str(b, id);
    }
    if (id_property) {
        vg_buf_puts(b, ",\"idProperty\":");
        vg_buf_json_str(b, id_property);
    }
    vg_buf_puts(b, ",\"properties\":");
    vg_buf_puts(b, props);
    vg_buf_putc(b, '}');
    return vg_buf_check(b);
}

int hs_input_create(struct vg_buf *b, size_t i, const char *props, const char *to_id, int type_id)
{
    input_open(b, i);
    vg_buf_puts(b, ",\"properties\":");
    vg_buf_puts(b, props);
    if (to_id) {
        vg_buf_puts(b, ",\"associations\":[{\"to\":{\"id\":");
        vg_buf_json_str(b, to_id);
        vg_buf_puts(b, "},");
        types_json(b, type_id);
        vg_buf_puts(b, "}]");
    }
    vg_buf_putc(b, '}');
    return vg_buf_check(b);
}

int hs_input_association(struct vg_buf *b, size_t i, const char *from_id, const char *to_id, int type_id)
{
    (void)i; /* association inputs carry no trace id: they are answered by from/to */
    if (b->len && b->data[b->len - 1] != '[')
        vg_buf_putc(b, ',');
    vg_buf_puts(b, "{\"from\":{\"id\":");
    vg_buf_json_str(b, from_id);
    vg_buf_puts(b, "},\"to\":{\"id\":");
    vg_buf_json_str(b, to_id);
    vg_buf_puts(b, "},");
    types_json(b, type_id);
    vg_buf_putc(b, '}');
    return vg_buf_check(b);
}

int hs_search_body(struct vg_buf *b, const char *property, const char *op, const char *const *values,
                   size_t n, const char *const *props, int limit)
{
    vg_buf_puts(b, "{\"filterGroups\":[{\"filters\":[{\"propertyName\":");
    vg_buf_json_str(b, property);
    vg_buf_puts(b, ",\"operator\":");
    vg_buf_json_str(b, op);
    if (n == 1 && strcmp(op, "IN") != 0) {
        vg_buf_puts(b, ",\"value\":");
        vg_buf_json_str(b, values[0]);
    } else {
        vg_buf_puts(b, ",\"values\":[");
        for (size_t i = 0; i < n; i++) {
            if (i)
                vg_buf_putc(b, ',');
            vg_buf_json_str(b, values[i]);
        }
        vg_buf_putc(b, ']');
    }
    vg_buf_puts(b, "}]}],\"properties\":[");
    for (size_t i = 0; props && props[i]; i++) {
        if (i)
            vg_buf_putc(b, ',');
        vg_buf_json_str(b, props[i]);
    }
    vg_buf_printf(b, "],\"limit\":%d}", limit);
    return vg_buf_check(b);
}

/* ==== custom properties ===================================================================== */

size_t hs_prop_defs(const struct hubspot_config *c, struct hs_prop_def *out, size_t max)
{
    const struct hs_prop_def all[] = {
        {"companies", c->prop_heat, "vigie heat", "number", "number", 0,
         "How hot the account is in the news: recent signals' priorities, halved every 30 days (vigie).",
         "heat_property", "vigie_heat"},
        {"companies", c->prop_last_type, "vigie last signal", "string", "text", 0,
         "The type of the newest signal vigie found (funding, acquisition, ...).", "last_signal_type_property",
         "vigie_last_signal_type"},
        {"companies", c->prop_last_date, "vigie last signal date", "datetime", "date", 0,
         "When the newest signal vigie found was published.", "last_signal_date_property",
         "vigie_last_signal_date"},
        {"companies", c->prop_signals_90d, "vigie signals (90 days)", "number", "number", 0,
         "How many signals vigie found on this account in the last 90 days.", "signals_90d_property",
         "vigie_signals_90d"},
        {"companies", c->key_account_property, "vigie key account", "bool", "booleancheckbox", 0,
         "Yes: vigie watches this company as a key account (vigie accounts sync --from hubspot).",
         "key_account_property", "vigie_key_account"},
        {"contacts", c->prop_contact_key, "vigie contact key", "string", "text", 1,
         "vigie's id of this person at this account: how vigie finds the contact again.", "contact_key_property",
         "vigie_contact_key"},
        {"contacts", c->prop_role_norm, "vigie role", "string", "text", 0,
         "The role as vigie normalised it (cfo, ceo, head of procurement, ...).", "role_property",
         "vigie_role_norm"},
        {"contacts", c->prop_seniority, "vigie seniority", "string", "text", 0,
         "Seniority as vigie read it (c-level, vp, director, ...).", "seniority_property", "vigie_seniority"},
        {"contacts", c->prop_source_url, "vigie source", "string", "text", 0,
         "The article in which vigie found this person.", "source_url_property", "vigie_source_url"},
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0] && n < max; i++)
        if (all[i].name && *all[i].name)
            out[n++] = all[i];
    return n;
}

int hs_input_property(struct vg_buf *b, size_t i, const struct hs_prop_def *d, const char *group)
{
    (void)i;
    if (b->len && b->data[b->len - 1] != '[')
        vg_buf_putc(b, ',');
    vg_buf_puts(b, "{\"name\":");
    vg_buf_json_str(b, d->name);
    vg_buf_puts(b, ",\"label\":");
    vg_buf_json_str(b, d->label);
    vg_buf_puts(b, ",\"type\":");
    vg_buf_json_str(b, d->type);
    vg_buf_puts(b, ",\"fieldType\":");
    vg_buf_json_str(b, d->field_type);
    vg_buf_puts(b, ",\"groupName\":");
    vg_buf_json_str(b, group);
    vg_buf_puts(b, ",\"description\":");
    vg_buf_json_str(b, d->desc);
    if (d->unique)
        vg_buf_puts(b, ",\"hasUniqueValue\":true");
    if (strcmp(d->type, "bool") == 0)
        vg_buf_puts(b, ",\"options\":[{\"label\":\"Yes\",\"value\":\"true\",\"displayOrder\":0},"
                       "{\"label\":\"No\",\"value\":\"false\",\"displayOrder\":1}]");
    vg_buf_putc(b, '}');
    return vg_buf_check(b);
}

int hs_property_lookup(const cJSON *answer, const char *name, int *unique)
{
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(answer, "results");
    if (!cJSON_IsArray(results))
        return -1;
    const cJSON *p;
    cJSON_ArrayForEach(p, results) {
        const char *n = vg_json_str(p, "name");
        if (n && strcmp(n, name) == 0) {
            if (unique)
                *unique = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "hasUniqueValue"));
            return 1;
        }
    }
    return 0;
}

int hs_association_type(const cJSON *answer, int fallback)
{
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(answer, "results");
    const cJSON *r;
    cJSON_ArrayForEach(r, results) {
        const char *cat = vg_json_str(r, "category");
        const cJSON *label = cJSON_GetObjectItemCaseSensitive(r, "label");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "typeId");
        if (cat && strcmp(cat, "HUBSPOT_DEFINED") == 0 && (!label || cJSON_IsNull(label)) &&
            cJSON_IsNumber(id) && id->valuedouble >= 1 && id->valuedouble < 1e9 &&
            id->valuedouble == floor(id->valuedouble)) /* 0.5 would be type 0 */
            return (int)id->valuedouble;
    }
    return fallback;
}
