/* kind_sec_edgar — the `sec_edgar` source kind: a company's filings at the SEC, read from
 * EDGAR's submissions API (<base>/submissions/CIK##########.json, REFERENCE.md C.3). Each new
 * Form 8-K whose items mean something for an account (sec_8k.h: 5.02 leadership, 1.01
 * contract, 2.01 acquisition, 1.03 bankruptcy, ...) becomes one `filing` item with one
 * structured signal per item; for a 5.02 the poll also fetches the filing's primary document
 * (the kind's `plan`) to name the people who arrive and leave.
 *
 * What the source keeps between polls (watch_text) is a JSON object: the company's CIK and
 * name, the accession numbers of the 8-Ks already seen (the newest SEC_KEEP_SEEN) and the
 * filing date of the oldest of them ("since"): a filing is new when it is not in that list and
 * not older than that date. The first poll (nothing kept) reads 8-Ks filed in the last
 * SEC_FIRST_POLL_DAYS days only; the poller's recent window drops older ones anyway.
 *
 * Documents come from the SEC's archive host (https://www.sec.gov) when the base URL is
 * data.sec.gov, and from the base URL itself otherwise (a mirror, or a test's loopback server). */
#include "enrich/account.h"
#include "fetchers/feed.h"
#include "fetchers/kind.h"
#include "fetchers/sec_8k.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_json.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SEC_MAX_FILINGS 2000      /* entries of filings.recent read (the API gives about 1000) */
#define SEC_KEEP_SEEN 200         /* accession numbers of 8-Ks kept between polls */
#define SEC_FIRST_POLL_DAYS 7
#define SEC_ARCHIVE_HOST "https://www.sec.gov"

struct filing {
    const char *acc, *date, *form, *items, *doc, *desc; /* into the parsed JSON; NULL when absent */
};

struct submissions {
    cJSON *root;
    char cik[11];       /* digits, no leading zeros */
    char *name;         /* plain one-line text, "" when absent */
    struct filing *f;
    size_t n;
};

struct kept {
    cJSON *root;
    const cJSON *seen;  /* array of strings, or NULL */
    const char *since;  /* "YYYY-MM-DD" or NULL */
};

static void submissions_free(struct submissions *s)
{
    cJSON_Delete(s->root);
    vg_free(s->f);
    vg_free(s->name);
}

static int all_digits(const char *s, size_t min, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    return n >= min && n <= max && strspn(s, "0123456789") == n;
}

/* "0000320193" -> "320193" into out (11 bytes); -1 when it is no CIK. */
static int cik_norm(const char *s, char out[11])
{
    if (!all_digits(s, 1, 10))
        return -1;
    while (s[0] == '0' && s[1])
        s++;
    snprintf(out, 11, "%s", s);
    return strcmp(out, "0") == 0 ? -1 : 0;
}

static int is_date(const char *s)
{
    return s && strlen(s) == 10 && isdigit((unsigned char)s[0]) && s[4] == '-' && s[7] == '-' &&
           feed_date_parse(s) != FEED_DATE_NONE;
}

/* An accession number goes into URLs: digits and dashes only ("0000320193-26-000104"). */
static int is_accession(const char *s) { return s && strlen(s) >= 10 && strlen(s) <= 25 && strspn(s, "0123456789-") == strlen(s); }

/* A primary document's file name: no path, no query, nothing to escape. */
static int is_doc_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n > 0 && n <= 200 && s[0] != '.' &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static const char *str_or_null(const cJSON *v) { return cJSON_IsString(v) ? v->valuestring : NULL; }

/* The CIK in a submissions URL ("…/CIK0000320193.json"), for a body that does not name it. */
static int cik_from_url(const char *url, char out[11])
{
    const char *p = url ? strstr(url, "CIK") : NULL;
    if (!p)
        return -1;
    char d[11];
    size_t k = 0;
    for (p += 3; isdigit((unsigned char)*p) && k < 10; p++)
        d[k++] = *p;
    d[k] = '\0';
    return cik_norm(d, out);
}

static int submissions_read(const struct kind_input *in, struct submissions *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof(*s));
    size_t i = 0;
    while (i < in->len && isspace((unsigned char)in->body[i]))
        i++;
    if (i < in->len && in->body[i] == '<') {
        snprintf(err, errlen, "an HTML page, not EDGAR's submissions JSON (a block or an error page?)");
        return -1;
    }
    if (!(s->root = vg_json_parse(in->body, in->len)) || !cJSON_IsObject(s->root)) {
        snprintf(err, errlen, "not EDGAR's submissions JSON (invalid or truncated JSON)");
        return -1;
    }
    const cJSON *cik = cJSON_GetObjectItemCaseSensitive(s->root, "cik");
    char digits[24] = "";
    if (cJSON_IsString(cik))
        snprintf(digits, sizeof(digits), "%s", cik->valuestring);
    else if (cJSON_IsNumber(cik) && cik->valuedouble >= 1 && cik->valuedouble < 1e10)
        snprintf(digits, sizeof(digits), "%.0f", cik->valuedouble);
    if (cik_norm(digits, s->cik) < 0 && cik_from_url(in->url, s->cik) < 0) {
        snprintf(err, errlen, "EDGAR's submissions JSON names no CIK");
        return -1;
    }
    const char *name = vg_json_str(s->root, "name");
    if (!(s->name = feed_text_clean(name ? name : "", name ? strlen(name) : 0, 256, 0))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const cJSON *recent = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(s->root, "filings"),
                                                           "recent");
    if (!cJSON_IsObject(recent)) {
        snprintf(err, errlen, "EDGAR's submissions JSON has no filings.recent object");
        return -1;
    }
    /* Parallel arrays: walked side by side (cJSON arrays are lists: indexing each would be
     * quadratic). A missing or shorter array gives NULLs. */
    static const char *const keys[] = {"accessionNumber", "filingDate", "form", "items", "primaryDocument",
                                       "primaryDocDescription"};
    const cJSON *cur[6];
    for (size_t k = 0; k < 6; k++) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(recent, keys[k]);
        cur[k] = cJSON_IsArray(a) ? a->child : NULL;
    }
    if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(recent, "accessionNumber"))) {
        snprintf(err, errlen, "EDGAR's filings.recent has no accessionNumber array");
        return -1;
    }
    int cnt = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(recent, "accessionNumber"));
    size_t want = cnt < 0 ? 0 : (size_t)cnt > SEC_MAX_FILINGS ? SEC_MAX_FILINGS : (size_t)cnt;
    if (want && !(s->f = vg_calloc(want, sizeof(*s->f)))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t j = 0; j < want && cur[0]; j++) {
        struct filing *f = &s->f[s->n];
        f->acc = str_or_null(cur[0]);
        f->date = str_or_null(cur[1]);
        f->form = str_or_null(cur[2]);
        f->items = str_or_null(cur[3]);
        f->doc = str_or_null(cur[4]);
        f->desc = str_or_null(cur[5]);
        if (is_accession(f->acc) && is_date(f->date) && f->form)
            s->n++;
        for (size_t k = 0; k < 6; k++)
            cur[k] = cur[k] ? cur[k]->next : NULL;
    }
    return 0;
}

static void kept_read(const char *watch_text, struct kept *k)
{
    memset(k, 0, sizeof(*k));
    if (!watch_text || !(k->root = cJSON_Parse(watch_text)))
        return;
    const cJSON *seen = cJSON_GetObjectItemCaseSensitive(k->root, "seen");
    k->seen = cJSON_IsArray(seen) ? seen : NULL;
    k->since = vg_json_str(k->root, "since");
}

static int kept_has(const struct kept *k, const char *acc)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, k->seen) if (cJSON_IsString(e) && strcmp(e->valuestring, acc) == 0) return 1;
    return 0;
}

static int is_8k(const struct filing *f) { return strcmp(f->form, "8-K") == 0; }

/* Whether f is an 8-K this poll has not seen: not in the kept list and not older than it, or,
 * on the first poll, filed in the last SEC_FIRST_POLL_DAYS days. */
static int is_new(const struct filing *f, const struct kept *k, const char *watch_text, int64_t now)
{
    if (!is_8k(f))
        return 0;
    if (!watch_text || !k->root)
        return feed_date_parse(f->date) >= now - SEC_FIRST_POLL_DAYS * 86400LL;
    return !kept_has(k, f->acc) && (!k->since || strcmp(f->date, k->since) >= 0);
}

/* Whether the comma-separated item list holds `code` ("5.02,9.01"). */
static int has_item(const char *items, const char *code)
{
    size_t n = strlen(code);
    for (const char *p = items ? strstr(items, code) : NULL; p; p = strstr(p + 1, code))
        if ((p == items || p[-1] == ',' || p[-1] == ' ') && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
            return 1;
    return 0;
}

/* The archive host for a submissions URL, into out. */
static void archive_base(const char *url, char *out, size_t max)
{
    const char *p = url ? strstr(url, "/submissions/") : NULL;
    size_t n = p ? (size_t)(p - url) : 0;
    if (!p || (n == strlen("https://data.sec.gov") && strncasecmp(url, "https://data.sec.gov", n) == 0) ||
        (n == strlen("http://data.sec.gov") && strncasecmp(url, "http://data.sec.gov", n) == 0))
        snprintf(out, max, "%s", SEC_ARCHIVE_HOST);
    else
        snprintf(out, max, "%.*s", (int)n, url);
}

static void acc_nodash(const char *acc, char out[32])
{
    size_t k = 0;
    for (const char *p = acc; *p && k < 31; p++)
        if (*p != '-')
            out[k++] = *p;
    out[k] = '\0';
}

static char *doc_url(const char *base, const struct submissions *s, const struct filing *f)
{
    char nd[32];
    acc_nodash(f->acc, nd);
    return vg_asprintf("%s/Archives/edgar/data/%s/%s/%s", base, s->cik, nd, f->doc);
}

/* Whether the poll fetches f's primary document: a new 5.02 with a plain file name. */
static int wants_doc(const struct filing *f) { return has_item(f->items, "5.02") && is_doc_name(f->doc); }

static int sec_plan(const struct kind_input *in, char ***urls, size_t *n, char *err, size_t errlen)
{
    *urls = NULL;
    *n = 0;
    struct submissions s;
    if (submissions_read(in, &s, err, errlen) < 0) {
        submissions_free(&s);
        return -1;
    }
    struct kept k;
    kept_read(in->watch_text, &k);
    char base[512];
    archive_base(in->url, base, sizeof(base));
    int rc = 0;
    if (!(*urls = vg_calloc(KIND_MAX_PARTS, sizeof(char *))))
        rc = -1;
    for (size_t i = 0; rc == 0 && i < s.n && *n < KIND_MAX_PARTS; i++) {
        if (!is_new(&s.f[i], &k, in->watch_text, in->now) || !wants_doc(&s.f[i]))
            continue;
        if (!((*urls)[*n] = doc_url(base, &s, &s.f[i])))
            rc = -1;
        else
            (*n)++;
    }
    if (rc < 0) {
        for (size_t i = 0; *urls && i < *n; i++)
            vg_free((*urls)[i]);
        vg_free(*urls);
        *urls = NULL;
        *n = 0;
        snprintf(err, errlen, "out of memory");
    }
    cJSON_Delete(k.root);
    submissions_free(&s);
    return rc;
}

/* ---- one filing to one item ---- */

static char *print_json(cJSON *o)
{
    char *t = o ? cJSON_PrintUnformatted(o) : NULL;
    char *copy = t ? vg_strdup(t) : NULL;
    cJSON_free(t);
    return copy;
}

/* The plain text of f's primary document when this poll fetched it with success, else NULL. */
static char *doc_text(const struct kind_input *in, const char *url)
{
    for (size_t i = 0; url && i < in->nparts; i++) {
        const struct kind_part *p = &in->parts[i];
        if (p->url && strcmp(p->url, url) == 0 && p->status >= 200 && p->status < 300 && p->body)
            return feed_text_clean(p->body, p->len < SEC_TEXT_MAX * 4 ? p->len : SEC_TEXT_MAX * 4, SEC_TEXT_MAX, FEED_TEXT_HTML);
    }
    return NULL;
}

static void people_phrase(struct vg_buf *b, const struct sec_person *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        vg_buf_puts(b, i ? "; " : ": ");
        vg_buf_puts(b, p[i].name);
        vg_buf_puts(b, p[i].departing ? " leaving" : " appointed");
        if (p[i].role[0])
            vg_buf_printf(b, "%s%s", p[i].departing ? " as " : " ", p[i].role);
    }
}

static cJSON *people_json(const struct sec_person *p, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(a, o))
            break;
        cJSON_AddStringToObject(o, "name", p[i].name);
        if (p[i].role[0])
            cJSON_AddStringToObject(o, "role", p[i].role);
        cJSON_AddBoolToObject(o, "departing", p[i].departing);
    }
    return a;
}

/* Adds f's item to doc when one of its 8-K items gives a signal. 0, or -1 on allocation failure. */
static int add_filing(const struct kind_input *in, const struct submissions *s, const struct filing *f,
                      const char *base, struct feed_doc *doc)
{
    char *url = wants_doc(f) ? doc_url(base, s, f) : NULL;
    char *text = doc_text(in, url);
    struct sec_person people[SEC_MAX_PEOPLE];
    size_t npeople = text ? sec_8k_people(text, strlen(text), people, SEC_MAX_PEOPLE) : 0;
    struct vg_buf hint, title, summary;
    vg_buf_init(&hint, 0);
    vg_buf_init(&title, 0);
    vg_buf_init(&summary, 0);
    vg_buf_puts(&hint, f->desc ? f->desc : "");
    vg_buf_putc(&hint, ' ');
    vg_buf_puts(&hint, text ? text : "");
    const char *who = s->name[0] ? s->name : "The company";
    vg_buf_printf(&title, "%s filed an 8-K: ", who);
    cJSON *st = cJSON_CreateObject();
    cJSON *company = st ? cJSON_AddObjectToObject(st, "company") : NULL;
    cJSON *signals = st ? cJSON_AddArrayToObject(st, "signals") : NULL;
    int nsig = 0, rc = 0;
    if (!company || !signals || !cJSON_AddArrayToObject(st, "people"))
        rc = -1;
    else {
        cJSON_AddStringToObject(st, "source", "sec_edgar");
        cJSON_AddStringToObject(company, "scheme", "cik");
        cJSON_AddStringToObject(company, "id", s->cik);
        if (s->name[0])
            cJSON_AddStringToObject(company, "name", s->name);
    }
    /* the items, as the filer listed them ("5.02,9.01") */
    const char *p = f->items ? f->items : "";
    while (rc == 0 && *p) {
        while (*p == ',' || *p == ' ')
            p++;
        char code[16];
        size_t k = 0;
        while (p[k] && p[k] != ',' && p[k] != ' ' && k < sizeof(code) - 1)
            code[k] = p[k], k++;
        code[k] = '\0';
        p += k;
        while (*p && *p != ',' && *p != ' ')
            p++; /* an over-long code */
        struct sec_8k_item m;
        if (!code[0] || sec_8k_item_map(code, hint.data, &m) < 0)
            continue;
        struct vg_buf ev;
        vg_buf_init(&ev, 0);
        vg_buf_printf(&ev, "%s reported %s (8-K item %s, filed %s)", who, m.what, code, f->date);
        int leadership = strcmp(code, "5.02") == 0;
        if (leadership)
            people_phrase(&ev, people, npeople);
        vg_buf_putc(&ev, '.');
        cJSON *sig = cJSON_CreateObject();
        if (!sig || vg_buf_check(&ev) < 0 || !cJSON_AddItemToArray(signals, sig)) {
            cJSON_Delete(sig);
            vg_buf_free(&ev);
            rc = -1;
            break;
        }
        cJSON_AddStringToObject(sig, "type", m.type);
        cJSON_AddNumberToObject(sig, "confidence", 1.0);
        if (m.priority)
            cJSON_AddNumberToObject(sig, "priority", m.priority);
        cJSON_AddStringToObject(sig, "evidence", ev.data);
        if (leadership && npeople)
            cJSON_AddItemToObject(sig, "people", people_json(people, npeople));
        vg_buf_printf(&title, "%s%s (item %s)", nsig ? "; " : "", m.what, code);
        vg_buf_printf(&summary, "%s%s", nsig ? "\n" : "", ev.data);
        vg_buf_free(&ev);
        nsig++;
    }
    char nd[32];
    acc_nodash(f->acc, nd);
    if (rc == 0 && nsig) {
        struct feed_item *it = feed_doc_add_item(doc);
        if (!it)
            rc = doc->nitems >= FEED_MAX_ITEMS ? 0 : -1;
        else {
            it->id = vg_asprintf("sec_edgar:%s", f->acc);
            it->title = vg_buf_check(&title) < 0 ? NULL : feed_text_clean(title.data, title.len, FEED_MAX_TITLE, 0);
            it->summary = vg_buf_check(&summary) < 0 ? NULL : feed_text_clean(summary.data, summary.len, FEED_MAX_SUMMARY, FEED_TEXT_MULTILINE);
            it->link = vg_asprintf("%s/Archives/edgar/data/%s/%s/%s-index.htm", base, s->cik, nd, f->acc);
            it->published = feed_date_parse(f->date);
            it->kind = "filing";
            it->structured = print_json(st);
            if (!it->id || !it->title || !it->summary || !it->link || !it->structured)
                rc = -1;
        }
    }
    cJSON_Delete(st);
    vg_buf_free(&hint);
    vg_buf_free(&title);
    vg_buf_free(&summary);
    vg_free(text);
    vg_free(url);
    return rc;
}

/* What the next poll compares against (see the top of the file). */
static char *keep_text(const struct submissions *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *seen = cJSON_CreateArray();
    if (!o || !seen || !cJSON_AddItemToObject(o, "seen", seen)) {
        cJSON_Delete(o);
        cJSON_Delete(seen);
        return NULL;
    }
    cJSON_AddStringToObject(o, "cik", s->cik);
    cJSON_AddStringToObject(o, "name", s->name);
    const char *since = NULL;
    size_t kept = 0, eightk = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!is_8k(&s->f[i]))
            continue;
        eightk++;
        if (kept >= SEC_KEEP_SEEN)
            continue;
        cJSON_AddItemToArray(seen, cJSON_CreateString(s->f[i].acc));
        kept++;
        if (!since || strcmp(s->f[i].date, since) < 0)
            since = s->f[i].date;
    }
    /* Only when the list was cut does a date bound what is new: a shorter list holds every
     * 8-K the API listed, so an older one that appears (a late index) is new too. */
    if (since && eightk > kept)
        cJSON_AddStringToObject(o, "since", since);
    char *t = print_json(o);
    cJSON_Delete(o);
    return t;
}

static int sec_parse(const struct kind_input *in, struct kind_output *out, char *err, size_t errlen)
{
    struct submissions s;
    if (submissions_read(in, &s, err, errlen) < 0) {
        submissions_free(&s);
        out->error_kind = "parse";
        return -1;
    }
    struct kept k;
    kept_read(in->watch_text, &k);
    char base[512];
    archive_base(in->url, base, sizeof(base));
    int rc = 0;
    if (!(out->doc = feed_doc_new(FEED_FORMAT_UNKNOWN)))
        rc = -1;
    for (size_t i = 0; rc == 0 && i < s.n; i++)
        if (is_new(&s.f[i], &k, in->watch_text, in->now))
            rc = add_filing(in, &s, &s.f[i], base, out->doc);
    if (rc == 0 && !(out->watch_text = keep_text(&s)))
        rc = -1;
    if (rc < 0) {
        snprintf(err, errlen, "out of memory");
        out->error_kind = "memory";
    }
    cJSON_Delete(k.root);
    submissions_free(&s);
    return rc;
}

static int sec_check_options(const char *options, char *err, size_t errlen)
{
    return kind_options_object("sec_edgar", options, err, errlen);
}

static int sec_auto_sources(const struct enrich_account_set *accounts, const struct kind_auto_settings *set,
                            struct kind_auto_source **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    const char *base = set && set->base_url && set->base_url[0] ? set->base_url : source_kind_sec_edgar.default_url;
    for (size_t i = 0; accounts && i < accounts->n; i++) {
        const struct enrich_account *a = &accounts->v[i];
        char digits[11];
        if (a->retired || !a->id || cik_norm(enrich_account_identifier(a, "cik"), digits) < 0)
            continue;
        if (kind_auto_push(out, n, vg_asprintf("sec_edgar:%s", a->id),
                           vg_asprintf("%s/submissions/CIK%010lld.json", base, strtoll(digits, NULL, 10)), a->id,
                           NULL) < 0)
            return kind_auto_fail(out, n);
    }
    return 0;
}

static int sec_show(const char *watch_text, struct vg_buf *out)
{
    cJSON *o = watch_text ? cJSON_Parse(watch_text) : NULL;
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return -1;
    }
    const char *name = vg_json_str(o, "name"), *cik = vg_json_str(o, "cik"), *since = vg_json_str(o, "since");
    const cJSON *seen = cJSON_GetObjectItemCaseSensitive(o, "seen");
    vg_buf_printf(out, "  company: %s (CIK %s)\n", name && name[0] ? name : "?", cik ? cik : "?");
    vg_buf_printf(out, "  8-K filings seen: %d%s%s\n", cJSON_IsArray(seen) ? cJSON_GetArraySize(seen) : 0,
                  since ? ", since " : "", since ? since : "");
    cJSON_Delete(o);
    return vg_buf_check(out);
}

const struct source_kind source_kind_sec_edgar = {
    .name = "sec_edgar",
    .accept = "application/json, text/html;q=0.8", /* the submissions, then 8-K documents */
    .check_options = sec_check_options,
    .parse = sec_parse,
    .plan = sec_plan,
    .auto_sources = sec_auto_sources,
    .show = sec_show,
    .default_url = "https://data.sec.gov",
    .budget_limit = 10,
    .budget_window_ms = 1000,
    .default_interval_ms = 3600 * 1000LL,
    .needs_user_agent = 1,
};
