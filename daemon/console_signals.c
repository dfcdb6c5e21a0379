/* console_signals — the console's Signals pages (docs/design.md "Console"): /ui/signals, the
 * live feed newest first with its filters, search and exports, and /ui/signals/ID, one
 * signal's detail with every source that told it.
 *
 * The feed never reads the whole stream: it walks the signals stream backwards
 * (XREVRANGE, queue_feed_chunk) from the cursor, a chunk at a time, and stops when the page
 * is full or when it has looked at SCAN_BUDGET entries, saying "searched N, more…". The
 * cursor is the id of the last entry looked at, so the next page resumes exactly there. Most
 * entries are turned down from their raw text (an account, type or search word that is not
 * in it at all) before any JSON is parsed. */
#include "daemon/config.h"
#include "daemon/console_html.h"
#include "daemon/console_page.h"
#include "util/vg_alloc.h"
#include "util/vg_time.h"
#include "util/vg_units.h"
#include "util/vg_json.h"
#include "queue/queue_accounts.h"
#include "queue/queue_console_reads.h"
#include "queue/queue_contract.h"
#include "queue/queue_feed.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define PAGE_ROWS 50
#define SCAN_BUDGET 20000      /* entries a page may look at (about 15 ms of CPU) */
#define CHUNK 1000             /* entries per XREVRANGE */
#define EXPORT_ROWS 10000      /* rows an export may hold */
#define EXPORT_BUDGET 200000   /* entries an export may look at */
#define EVIDENCE_SHOWN 240     /* bytes of evidence in a feed row (the detail has it all) */

struct filter {
    char account[160], owner[160], type[64], lang[16], q[200], before[48];
    char since_txt[40], until_txt[40], pmin_txt[8], pmax_txt[8];
    int pmin, pmax;
    int64_t since_ms, until_ms;
    char **owned; /* sorted ids of the owner's accounts (owner filter only; owned_cache's) */
    size_t nowned;
    char account_pat[200], type_pat[100]; /* raw-text patterns, "" when not usable */
};

/* ---- the filter ----------------------------------------------------------------------- */

/* A duration back from now (7d, 12h) or an RFC 3339 date or time; 0 when empty. -1 when
 * malformed. end: a date alone means the end of that day (for "until"). */
static int parse_when(const char *s, int64_t now_ms, int end, int64_t *out)
{
    long long d;
    *out = 0;
    if (!*s)
        return 0;
    if (vg_parse_duration_ms(s, &d) == 0) {
        *out = now_ms - d;
        return 0;
    }
    if (vg_parse_rfc3339_ms(s, out) < 0)
        return -1;
    if (end && strlen(s) == 10)
        *out += 86400000LL - 1;
    return 0;
}

/* Whether the text is only characters JSON writes as themselves, so the value is in the raw
 * record exactly as typed (the raw check is then a safe first test). */
static int plain(const char *s)
{
    for (; *s; s++)
        if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
            return 0;
    return 1;
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ids of the accounts whose owner (or owner_email) is f->owner, case aside, as `vigie
 * today` matches them. Reading and parsing the registry costs ~80 ms at 10,000 accounts, so
 * the console thread (the only caller) keeps the last owner's list while accounts:version
 * stays the same (every change to the registry bumps it, in the same transaction). */
static struct {
    long long version;
    char owner[160];
    char **ids;
    size_t n;
} owned_cache = {-1, "", NULL, 0};

static int load_owned(const struct console_req *req, struct filter *f, char *err, size_t errlen)
{
    long long version = queue_accounts_version_sync(req->q, err, errlen);
    if (version < 0)
        return -1;
    if (version != owned_cache.version || strcasecmp(owned_cache.owner, f->owner) != 0) {
        size_t n = 0;
        char *json = queue_accounts_all(req->q, &n, err, errlen);
        if (!json)
            return -1;
        cJSON *arr = cJSON_Parse(json);
        vg_free(json);
        char **ids = vg_calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*ids));
        if (!ids) {
            cJSON_Delete(arr);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        size_t k = 0;
        const cJSON *a;
        cJSON_ArrayForEach(a, arr)
        {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(a, "id");
            const cJSON *o = cJSON_GetObjectItemCaseSensitive(a, "owner");
            const cJSON *e = cJSON_GetObjectItemCaseSensitive(a, "owner_email");
            if (!cJSON_IsString(id) || !((cJSON_IsString(o) && strcasecmp(o->valuestring, f->owner) == 0) ||
                                         (cJSON_IsString(e) && strcasecmp(e->valuestring, f->owner) == 0)))
                continue;
            if ((ids[k] = vg_strdup(id->valuestring)))
                k++;
        }
        cJSON_Delete(arr);
        qsort(ids, k, sizeof(*ids), by_str);
        for (size_t i = 0; i < owned_cache.n; i++)
            vg_free(owned_cache.ids[i]);
        vg_free(owned_cache.ids);
        owned_cache.ids = ids;
        owned_cache.n = k;
        owned_cache.version = version;
        snprintf(owned_cache.owner, sizeof(owned_cache.owner), "%s", f->owner);
    }
    f->owned = owned_cache.ids;
    f->nowned = owned_cache.n;
    return 0;
}

static void filter_free(struct filter *f)
{
    f->owned = NULL; /* owned_cache's */
    f->nowned = 0;
}

/* Reads the query into f; -1 with a message for the user in msg when a value is unusable. */
static int filter_read(const struct console_req *req, struct filter *f, char *msg, size_t len)
{
    const char *qs = req->query;
    memset(f, 0, sizeof(*f));
    console_html_param(qs, "account", f->account, sizeof(f->account));
    console_html_param(qs, "owner", f->owner, sizeof(f->owner));
    console_html_param(qs, "type", f->type, sizeof(f->type));
    console_html_param(qs, "lang", f->lang, sizeof(f->lang));
    console_html_param(qs, "q", f->q, sizeof(f->q));
    console_html_param(qs, "before", f->before, sizeof(f->before));
    console_html_param(qs, "since", f->since_txt, sizeof(f->since_txt));
    console_html_param(qs, "until", f->until_txt, sizeof(f->until_txt));
    console_html_param(qs, "pmin", f->pmin_txt, sizeof(f->pmin_txt));
    console_html_param(qs, "pmax", f->pmax_txt, sizeof(f->pmax_txt));
    f->pmin = f->pmin_txt[0] ? atoi(f->pmin_txt) : 0;
    f->pmax = f->pmax_txt[0] ? atoi(f->pmax_txt) : 100;
    if (parse_when(f->since_txt, req->now_ms, 0, &f->since_ms) < 0 ||
        parse_when(f->until_txt, req->now_ms, 1, &f->until_ms) < 0) {
        snprintf(msg, len, "%s", console_tr(req, "A time is a duration back from now (7d, 12h) or a date (2026-12-01)."));
        return -1;
    }
    /* A cursor is an entry id, digits-digits: anything else starts from the newest. */
    if (strspn(f->before, "0123456789-") != strlen(f->before))
        f->before[0] = '\0';
    /* The value as a JSON string must be in the record, whatever the spacing around it. */
    if (f->account[0] && plain(f->account))
        snprintf(f->account_pat, sizeof(f->account_pat), "\"%s\"", f->account);
    if (f->type[0] && plain(f->type))
        snprintf(f->type_pat, sizeof(f->type_pat), "\"%s\"", f->type);
    return 0;
}

/* Whether the filter narrows the feed at all (for the page's wording). */
static int filtered(const struct filter *f)
{
    return f->account[0] || f->owner[0] || f->type[0] || f->lang[0] || f->q[0] || f->since_ms || f->until_ms ||
           f->pmin > 0 || f->pmax < 100;
}

static int int_of(const cJSON *o, const char *k, int dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valueint : dflt;
}

/* Case-insensitive (ASCII letters) search of every word of q in title or evidence. */
static int has_words(const char *q, const char *title, const char *evidence)
{
    char word[200];
    for (const char *p = q; *p;) {
        p += strspn(p, " \t");
        size_t n = strcspn(p, " \t");
        if (!n)
            break;
        snprintf(word, sizeof(word), "%.*s", (int)n, p);
        if (!(title && strcasestr(title, word)) && !(evidence && strcasestr(evidence, word)))
            return 0;
        p += n;
    }
    return 1;
}

/* The raw record's first test: a value that must be there and is not means no match, without
 * parsing. Search words count too (each must be somewhere in the record). */
static int raw_may_match(const struct filter *f, const char *payload)
{
    if (f->account_pat[0] && !strstr(payload, f->account_pat))
        return 0;
    if (f->type_pat[0] && !strstr(payload, f->type_pat))
        return 0;
    if (f->q[0] && plain(f->q)) {
        char word[200];
        for (const char *p = f->q; *p;) {
            p += strspn(p, " \t");
            size_t n = strcspn(p, " \t");
            if (!n)
                break;
            snprintf(word, sizeof(word), "%.*s", (int)n, p);
            if (!strcasestr(payload, word))
                return 0;
            p += n;
        }
    }
    return 1;
}

/* The full test on the parsed record. */
static int matches(const struct filter *f, const cJSON *s)
{
    const char *account = vg_json_str(s, "account_id"), *type = vg_json_str(s, "type"), *lang = vg_json_str(s, "lang");
    if (f->account[0] && (!account || strcmp(account, f->account) != 0))
        return 0;
    if (f->type[0] && (!type || strcmp(type, f->type) != 0))
        return 0;
    if (f->lang[0] && (!lang || strcasecmp(lang, f->lang) != 0))
        return 0;
    int prio = int_of(s, "priority", 0);
    if (prio < f->pmin || prio > f->pmax)
        return 0;
    if (f->owner[0] && (!account || !bsearch(&account, f->owned, f->nowned, sizeof(*f->owned), by_str)))
        return 0;
    if (f->q[0] && !has_words(f->q, vg_json_str(s, "title"), vg_json_str(s, "evidence")))
        return 0;
    return 1;
}

/* ---- the walk ------------------------------------------------------------------------- */

struct walk {
    const struct filter *f;
    size_t want, budget;      /* rows wanted, entries that may be looked at */
    size_t seen, shown;       /* entries looked at, rows matched */
    char cursor[48];          /* the last entry looked at */
    int full;                 /* the page filled: the cursor is the last row's */
    void (*row)(const struct queue_feed_entry *e, const cJSON *s, void *arg);
    void *arg;
};

static int on_entry(const struct queue_feed_entry *e, void *arg)
{
    struct walk *w = arg;
    w->seen++;
    snprintf(w->cursor, sizeof(w->cursor), "%s", e->id);
    if (raw_may_match(w->f, e->payload)) {
        cJSON *s = cJSON_ParseWithLength(e->payload, e->len);
        if (s && matches(w->f, s)) {
            w->row(e, s, w->arg);
            if (++w->shown == w->want)
                w->full = 1;
        }
        cJSON_Delete(s);
    }
    return w->full || w->seen >= w->budget;
}

/* Whether the filter tests the records (a time range alone is the read's bounds). */
static int tests_records(const struct filter *f)
{
    return f->account[0] || f->owner[0] || f->type[0] || f->lang[0] || f->q[0] || f->pmin > 0 || f->pmax < 100;
}

/* Walks the stream from the filter's cursor until want rows matched, the budget is spent or
 * the range ends. Returns 1 when more may follow (w->cursor resumes), 0 at the end, -1. */
static int walk(const struct console_req *req, struct walk *w, char *err, size_t errlen)
{
    const struct filter *f = w->f;
    snprintf(w->cursor, sizeof(w->cursor), "%s", f->before);
    for (;;) {
        size_t left = w->budget - w->seen, count = left < CHUNK ? left : CHUNK;
        if (!tests_records(f) && w->want - w->shown < count)
            count = w->want - w->shown; /* every entry is a row: read no more than wanted */
        long n = queue_feed_chunk(req->q, QUEUE_STREAM_SIGNALS, w->cursor, f->until_ms, f->since_ms, count, on_entry,
                                  w, NULL, 0, err, errlen);
        if (n < 0)
            return -1;
        if (w->full || w->seen >= w->budget)
            return 1;
        if ((size_t)n < count)
            return 0;
    }
}

/* ---- the feed page ------------------------------------------------------------------------ */

static void day_time(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%d %H:%M", &tm);
}

/* An http(s) link around text, or the text alone (never a link of another scheme). */
static void link_or_text(struct vg_buf *b, const char *url, const char *text)
{
    struct vg_buf u;
    vg_buf_init(&u, 0);
    if (url && console_html_url(&u, url) == 0 && vg_buf_check(&u) == 0 && u.data) {
        vg_buf_puts(b, "<a rel=\"noopener noreferrer\" href=\"");
        vg_buf_puts(b, u.data);
        vg_buf_puts(b, "\">");
        console_html_text(b, text);
        vg_buf_puts(b, "</a>");
    } else
        console_html_text(b, text);
    vg_buf_free(&u);
}

/* At most max bytes of s, cut at a character's start, with "…" when cut. */
static void text_cut(struct vg_buf *b, const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max) {
        console_html_text(b, s);
        return;
    }
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    char *cut = vg_malloc(max + 1);
    if (!cut)
        return;
    memcpy(cut, s, max);
    cut[max] = '\0';
    console_html_text(b, cut);
    vg_buf_puts(b, "…");
    vg_free(cut);
}

static void feed_row(const struct queue_feed_entry *e, const cJSON *s, void *arg)
{
    const struct console_req *req = ((void **)arg)[0];
    struct vg_buf *b = ((void **)arg)[1];
    char when[32];
    day_time(strtoll(e->id, NULL, 10), when);
    const char *id = vg_json_str(s, "id"), *account = vg_json_str(s, "account_id"), *type = vg_json_str(s, "type");
    const char *title = vg_json_str(s, "title"), *evidence = vg_json_str(s, "evidence"), *lang = vg_json_str(s, "lang");
    int update = strcmp(e->field, QUEUE_FIELD_UPDATE) == 0;
    vg_buf_printf(b, "<tr data-entry=\"%s\" data-signal=\"", e->id);
    console_html_text(b, id ? id : "");
    vg_buf_printf(b, "\"><td class=\"when\" data-label=\"%s\">%s</td><td class=\"num\" data-label=\"%s\">%d</td>"
                  "<td data-label=\"%s\">",
                  console_tr(req, "Detected (UTC)"), when, console_tr(req, "Priority"), int_of(s, "priority", 0),
                  console_tr(req, "Type"));
    console_html_text(b, type ? type : "?");
    vg_buf_printf(b, "</td><td data-label=\"%s\">", console_tr(req, "Account"));
    if (account) {
        vg_buf_puts(b, "<a href=\"/ui/accounts/");
        console_html_urlpart(b, account);
        vg_buf_puts(b, "\">");
        console_html_text(b, account);
        vg_buf_puts(b, "</a>");
    }
    vg_buf_puts(b, "</td><td class=\"title\">");
    if (update)
        vg_buf_printf(b, "<span class=\"badge muted\">%s</span> ", console_tr(req, "one more source"));
    if (id && strlen(id) == 32 && strspn(id, "0123456789abcdef") == 32) { /* a signal id (enrich_signal_id) */
        vg_buf_printf(b, "<a href=\"/ui/signals/%s\">", id);
        console_html_text(b, title && *title ? title : "?");
        vg_buf_puts(b, "</a>");
    } else
        console_html_text(b, title ? title : "?");
    if (evidence && *evidence) {
        vg_buf_puts(b, "<div class=\"evidence muted\">");
        text_cut(b, evidence, EVIDENCE_SHOWN);
        vg_buf_puts(b, "</div>");
    }
    vg_buf_printf(b, "</td><td class=\"num\" data-label=\"%s\">%d</td><td data-label=\"%s\">",
                  console_tr(req, "Sources"), int_of(s, "sources", 1), console_tr(req, "Language"));
    console_html_text(b, lang ? lang : "");
    vg_buf_printf(b, "</td><td data-label=\"%s\">", console_tr(req, "Link"));
    const char *url = vg_json_str(s, "url");
    if (url)
        link_or_text(b, url, console_tr(req, "source"));
    vg_buf_puts(b, "</td></tr>\n");
}

/* The query of this filter, with before= replaced by cursor (NULL: none), for a link. */
static void filter_query(struct vg_buf *b, const struct filter *f, const char *cursor, const char *format)
{
    const struct {
        const char *name, *value;
    } p[] = {{"account", f->account}, {"owner", f->owner}, {"type", f->type},       {"pmin", f->pmin_txt},
             {"pmax", f->pmax_txt},   {"lang", f->lang},   {"since", f->since_txt}, {"until", f->until_txt},
             {"q", f->q},             {"before", cursor ? cursor : ""}, {"format", format ? format : ""}};
    int first = 1;
    for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
        if (!p[i].value[0])
            continue;
        vg_buf_puts(b, first ? "?" : "&amp;");
        first = 0;
        vg_buf_printf(b, "%s=", p[i].name);
        console_html_urlpart(b, p[i].value);
    }
}

static void input(struct vg_buf *b, const struct console_req *req, const char *name, const char *label,
                  const char *value, const char *type, const char *extra)
{
    vg_buf_printf(b, "<label>%s <input name=\"%s\" type=\"%s\" %s value=\"", console_tr(req, label), name, type, extra);
    console_html_text(b, value);
    vg_buf_puts(b, "\"></label>\n");
}

static void filter_form(struct vg_buf *b, const struct console_req *req, const struct filter *f)
{
    vg_buf_puts(b, "<form class=\"filters\" method=\"get\" action=\"/ui/signals\">\n");
    input(b, req, "q", "Search", f->q, "search", "placeholder=\"title, evidence\"");
    input(b, req, "account", "Account", f->account, "text", "");
    input(b, req, "owner", "Owner", f->owner, "text", "");
    input(b, req, "type", "Type", f->type, "text", "");
    input(b, req, "pmin", "Priority from", f->pmin_txt, "number", "min=\"0\" max=\"100\"");
    input(b, req, "pmax", "to", f->pmax_txt, "number", "min=\"0\" max=\"100\"");
    input(b, req, "lang", "Language", f->lang, "text", "size=\"3\"");
    input(b, req, "since", "Since", f->since_txt, "text", "placeholder=\"7d, 2026-12-01\"");
    input(b, req, "until", "Until", f->until_txt, "text", "placeholder=\"2026-12-07\"");
    vg_buf_printf(b, "<button type=\"submit\">%s</button> <a href=\"/ui/signals\">%s</a>\n</form>\n",
                  console_tr(req, "Filter"), console_tr(req, "Clear"));
}

static int feed_html(const struct console_req *req, struct console_reply *rep, struct filter *f)
{
    struct vg_buf *b = &rep->body;
    char err[512];
    console_html_begin(b, req, console_tr(req, "Signals"), "signals");
    vg_buf_printf(b, "<h1>%s</h1>\n", console_tr(req, "Signals"));
    filter_form(b, req, f);
    /* The rows go to their own buffer: the counts above the table are known only after. */
    struct vg_buf rows;
    vg_buf_init(&rows, 0);
    void *arg[2] = {(void *)req, &rows};
    struct walk w = {.f = f, .want = PAGE_ROWS, .budget = SCAN_BUDGET, .row = feed_row, .arg = arg};
    int more = walk(req, &w, err, sizeof(err));
    if (more < 0) {
        vg_buf_free(&rows);
        return -1;
    }
    vg_buf_puts(b, "<p class=\"exports\">");
    vg_buf_printf(b, "%s: <a href=\"/ui/signals", console_tr(req, "Export this filter"));
    filter_query(b, f, f->before, "json");
    vg_buf_puts(b, "\">JSON</a> · <a href=\"/ui/signals");
    filter_query(b, f, f->before, "csv");
    vg_buf_puts(b, "\">CSV</a></p>\n");
    if (w.shown) {
        vg_buf_printf(b,
                      "<table class=\"signals collapse\" id=\"signals\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
                      "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>\n",
                      console_tr(req, "Detected (UTC)"), console_tr(req, "Priority"), console_tr(req, "Type"),
                      console_tr(req, "Account"), console_tr(req, "Title"), console_tr(req, "Sources"),
                      console_tr(req, "Language"), console_tr(req, "Link"));
        vg_buf_append(b, rows.data, rows.len);
        vg_buf_puts(b, "</tbody></table>\n");
    } else
        vg_buf_printf(b, "<p class=\"empty\">%s</p>\n",
                      filtered(f) ? console_tr(req, "No signal matches this filter in the part searched.")
                                  : console_tr(req, "No signal yet."));
    vg_buf_free(&rows);
    vg_buf_printf(b, "<p class=\"paging\" data-shown=\"%zu\" data-searched=\"%zu\">", w.shown, w.seen);
    if (f->before[0]) {
        vg_buf_printf(b, "<a href=\"/ui/signals");
        filter_query(b, f, NULL, NULL);
        vg_buf_printf(b, "\">%s</a> ", console_tr(req, "Newest"));
    }
    if (more == 1) {
        if (!w.full)
            vg_buf_printf(b, "%s %zu, ", console_tr(req, "searched"), w.seen);
        vg_buf_printf(b, "<a rel=\"next\" class=\"more\" href=\"/ui/signals");
        filter_query(b, f, w.cursor, NULL);
        vg_buf_printf(b, "\">%s</a>", w.full ? console_tr(req, "Older") : console_tr(req, "more…"));
    } else
        vg_buf_printf(b, "%s", console_tr(req, "End of the stream."));
    vg_buf_puts(b, "</p>\n");
    console_html_end(b, req);
    return 0;
}

/* ---- exports -------------------------------------------------------------------------- */

/* A CSV field (RFC 4180). A text starting like a formula (= + - @) gets a leading quote so
 * that a spreadsheet shows it instead of evaluating what a web page wrote. */
static void csv_field(struct vg_buf *b, const char *s, int last)
{
    s = s ? s : "";
    int formula = strchr("=+-@", s[0]) && s[0];
    if (formula || strpbrk(s, ",\"\r\n")) {
        vg_buf_putc(b, '"');
        if (formula)
            vg_buf_putc(b, '\'');
        for (; *s; s++) {
            if (*s == '"')
                vg_buf_putc(b, '"');
            vg_buf_putc(b, *s);
        }
        vg_buf_putc(b, '"');
    } else
        vg_buf_puts(b, s);
    vg_buf_puts(b, last ? "\r\n" : ",");
}

static const char csv_header[] =
    "entry,detected,update,id,account_id,type,priority,confidence,lang,sources,published,title,url,evidence\r\n";

struct export {
    struct vg_buf *b;
    int csv;
    size_t n;
};

static void export_row(const struct queue_feed_entry *e, const cJSON *s, void *arg)
{
    struct export *x = arg;
    int update = strcmp(e->field, QUEUE_FIELD_UPDATE) == 0;
    if (!x->csv) {
        /* The record as stored (vigie wrote it, and it parsed), with its entry. */
        vg_buf_printf(x->b, "%s{\"entry\":\"%s\",\"update\":%s,\"signal\":", x->n ? ",\n" : "", e->id,
                      update ? "true" : "false");
        vg_buf_append(x->b, e->payload, e->len);
        vg_buf_putc(x->b, '}');
        x->n++;
        return;
    }
    char when[40], num[32];
    int64_t ms = strtoll(e->id, NULL, 10);
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    csv_field(x->b, e->id, 0);
    csv_field(x->b, when, 0);
    csv_field(x->b, update ? "yes" : "no", 0);
    csv_field(x->b, vg_json_str(s, "id"), 0);
    csv_field(x->b, vg_json_str(s, "account_id"), 0);
    csv_field(x->b, vg_json_str(s, "type"), 0);
    snprintf(num, sizeof(num), "%d", int_of(s, "priority", 0));
    csv_field(x->b, num, 0);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(s, "confidence");
    snprintf(num, sizeof(num), "%.2f", cJSON_IsNumber(c) ? c->valuedouble : 0);
    csv_field(x->b, num, 0);
    csv_field(x->b, vg_json_str(s, "lang"), 0);
    snprintf(num, sizeof(num), "%d", int_of(s, "sources", 1));
    csv_field(x->b, num, 0);
    csv_field(x->b, vg_json_str(s, "published"), 0);
    csv_field(x->b, vg_json_str(s, "title"), 0);
    csv_field(x->b, vg_json_str(s, "url"), 0);
    csv_field(x->b, vg_json_str(s, "evidence"), 1);
    x->n++;
}

static int feed_export(const struct console_req *req, struct console_reply *rep, struct filter *f, int csv)
{
    char err[512];
    struct vg_buf *b = &rep->body;
    struct export x = {b, csv, 0};
    struct walk w = {.f = f, .want = EXPORT_ROWS, .budget = EXPORT_BUDGET, .row = export_row, .arg = &x};
    if (csv) {
        rep->ctype = "text/csv; charset=utf-8";
        rep->disposition = "attachment; filename=\"vigie-signals.csv\"";
        vg_buf_puts(b, csv_header);
    } else {
        rep->ctype = "application/json";
        rep->disposition = "attachment; filename=\"vigie-signals.json\"";
        vg_buf_puts(b, "{\"signals\":[\n");
    }
    int more = walk(req, &w, err, sizeof(err));
    if (more < 0)
        return -1;
    if (!csv) {
        /* Where the export stopped: a client asks for the rest with before=<next>. */
        vg_buf_printf(b, "\n],\"count\":%zu,\"searched\":%zu,\"next\":", x.n, w.seen);
        if (more == 1)
            vg_buf_json_str(b, w.cursor);
        else
            vg_buf_puts(b, "null");
        vg_buf_puts(b, "}\n");
    }
    return 0;
}

int console_signals_page(const struct console_req *req, struct console_reply *rep)
{
    struct filter f;
    char msg[256], format[16] = "";
    console_html_param(req->query, "format", format, sizeof(format));
    int bad = filter_read(req, &f, msg, sizeof(msg)) < 0;
    if (!bad && f.owner[0] && load_owned(req, &f, msg, sizeof(msg)) < 0) {
        filter_free(&f);
        return -1;
    }
    int rc;
    if (bad) {
        rep->code = 400;
        console_html_begin(&rep->body, req, console_tr(req, "Signals"), "signals");
        vg_buf_puts(&rep->body, "<h1>");
        console_html_text(&rep->body, console_tr(req, "Signals"));
        vg_buf_puts(&rep->body, "</h1>\n<p class=\"error\">");
        console_html_text(&rep->body, msg);
        vg_buf_puts(&rep->body, "</p>\n");
        filter_form(&rep->body, req, &f);
        console_html_end(&rep->body, req);
        rc = 0;
    } else if (strcmp(format, "json") == 0 || strcmp(format, "csv") == 0)
        rc = feed_export(req, rep, &f, strcmp(format, "csv") == 0);
    else
        rc = feed_html(req, rep, &f);
    filter_free(&f);
    return rc;
}

/* ---- one signal ------------------------------------------------------------------------- */

static void dt_dd(struct vg_buf *b, const struct console_req *req, const char *label, const char *value)
{
    if (!value || !*value)
        return;
    vg_buf_printf(b, "<dt>%s</dt><dd>", console_tr(req, label));
    console_html_text(b, value);
    vg_buf_puts(b, "</dd>\n");
}

/* A list member of the record (amounts, people, ...) as a bulleted list of its members. */
static void list_of(struct vg_buf *b, const struct console_req *req, const cJSON *s, const char *member,
                    const char *label)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(s, member), *e;
    if (!cJSON_GetArraySize(arr))
        return;
    vg_buf_printf(b, "<dt>%s</dt><dd><ul class=\"%s\">", console_tr(req, label), member);
    cJSON_ArrayForEach(e, arr)
    {
        vg_buf_puts(b, "<li>");
        if (cJSON_IsString(e))
            console_html_text(b, e->valuestring);
        else {
            const cJSON *m;
            int first = 1;
            cJSON_ArrayForEach(m, e)
            {
                char num[64];
                const char *v = cJSON_IsString(m) ? m->valuestring : NULL;
                if (cJSON_IsNumber(m)) {
                    snprintf(num, sizeof(num), "%.15g", m->valuedouble);
                    v = num;
                } else if (cJSON_IsBool(m))
                    v = cJSON_IsTrue(m) ? "yes" : NULL;
                if (!v || !*v)
                    continue;
                vg_buf_puts(b, first ? "" : " · ");
                first = 0;
                console_html_text(b, m->string ? m->string : "");
                vg_buf_puts(b, ": ");
                console_html_text(b, v);
            }
        }
        vg_buf_puts(b, "</li>");
    }
    vg_buf_puts(b, "</ul></dd>\n");
}

int console_signal_page(const struct console_req *req, struct console_reply *rep)
{
    struct vg_buf *b = &rep->body;
    const char *id = req->path + strlen("/ui/signals/");
    char err[512];
    struct queue_story st = {0};
    int found = 0;
    /* Signal ids are 32 hex digits (enrich_signal_id): anything else is not one. */
    if (strlen(id) == 32 && strspn(id, "0123456789abcdef") == 32) {
        found = queue_story_get(req->q, id, &st, err, sizeof(err));
        if (found < 0)
            return -1;
    }
    cJSON *s = found ? cJSON_Parse(st.json) : NULL;
    if (!s) {
        queue_story_free(&st);
        rep->code = 404;
        console_html_begin(b, req, console_tr(req, "Signal"), "signals");
        vg_buf_printf(b, "<h1>%s</h1>\n<p class=\"empty\">%s</p>\n<p><a href=\"/ui/signals\">%s</a></p>\n",
                      console_tr(req, "Signal"),
                      console_tr(req, "No such signal is kept: a signal's detail stays for [pipeline] dedup_ttl "
                                      "(30 days by default) after it was first seen; the feed keeps its entry."),
                      console_tr(req, "Back to the signals"));
        console_html_end(b, req);
        return 0;
    }
    const char *title = vg_json_str(s, "title"), *account = vg_json_str(s, "account_id");
    console_html_begin(b, req, title && *title ? title : console_tr(req, "Signal"), "signals");
    vg_buf_puts(b, "<h1 class=\"signal-title\">");
    console_html_text(b, title && *title ? title : "?");
    vg_buf_puts(b, "</h1>\n<dl class=\"facts signal\">\n");
    if (account) {
        vg_buf_printf(b, "<dt>%s</dt><dd><a href=\"/ui/accounts/", console_tr(req, "Account"));
        console_html_urlpart(b, account);
        vg_buf_puts(b, "\">");
        console_html_text(b, account);
        vg_buf_puts(b, "</a>");
        const char *role = vg_json_str(s, "role");
        if (role) {
            vg_buf_puts(b, " (");
            console_html_text(b, role);
            vg_buf_puts(b, ")");
        }
        vg_buf_puts(b, "</dd>\n");
    }
    char num[32];
    dt_dd(b, req, "Type", vg_json_str(s, "type"));
    snprintf(num, sizeof(num), "%d", int_of(s, "priority", 0));
    dt_dd(b, req, "Priority", num);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(s, "confidence");
    if (cJSON_IsNumber(c)) {
        snprintf(num, sizeof(num), "%.2f", c->valuedouble);
        dt_dd(b, req, "Confidence", num);
    }
    dt_dd(b, req, "Published", vg_json_str(s, "published"));
    dt_dd(b, req, "Detected", vg_json_str(s, "detected"));
    dt_dd(b, req, "Language", vg_json_str(s, "lang"));
    dt_dd(b, req, "Evidence", vg_json_str(s, "evidence"));
    list_of(b, req, s, "amounts", "Amounts");
    list_of(b, req, s, "people", "People");
    list_of(b, req, s, "counterparties", "Counterparties");
    list_of(b, req, s, "places", "Places");
    list_of(b, req, s, "modifiers", "Modifiers");
    vg_buf_puts(b, "</dl>\n");
    vg_buf_printf(b, "<h2>%s (%lld)</h2>\n<ul class=\"sources\" data-sources=\"%lld\">\n", console_tr(req, "Sources"),
                  st.sources, st.sources);
    for (size_t i = 0; i < st.nurls; i++) {
        vg_buf_puts(b, "<li>");
        link_or_text(b, st.urls[i], st.urls[i]);
        vg_buf_puts(b, "</li>\n");
    }
    if ((long long)st.nurls < st.sources)
        vg_buf_printf(b, "<li class=\"note\">%s</li>\n",
                      console_tr(req, "(the other sources had no URL of their own)"));
    vg_buf_puts(b, "</ul>\n");
    vg_buf_printf(b, "<p><a href=\"/ui/signals\">%s</a></p>\n", console_tr(req, "Back to the signals"));
    cJSON_Delete(s);
    queue_story_free(&st);
    console_html_end(b, req);
    return 0;
}
