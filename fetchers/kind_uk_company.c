/* kind_uk_company — the `uk_company` source kind: a company at Companies House (REFERENCE.md
 * C.4). A poll reads the company profile (the source's URL, <base>/company/<number>), then, as
 * its plan, the officers, the filing history and, when the profile says the company has an
 * insolvency history or an insolvent status, the insolvency cases (a 404 there: none). What it
 * read is the snapshot it keeps (uk_company.h); the next poll compares against it:
 *
 * - an officer appointed (in the list, no resignation, not there before) or resigned (a
 *   resignation date that was not there before) -> leadership_change with the person;
 * - an insolvency history appearing, or the status turning to liquidation, administration,
 *   receivership, insolvency proceedings or a voluntary arrangement -> insolvency, priority 100;
 *   another change of status, of name or of registered office -> registry_change;
 * - a filing-history transaction not seen before -> registry_change, one item each.
 *
 * The first poll (nothing kept), or the first that could list the officers, gives one item
 * naming the officers in office, as the company's people (contacts), and no change signal. Each change is one `register` item, with an id
 * made of the company number and the change, so a later poll never gives it twice. */
#include "enrich/account.h"
#include "fetchers/feed.h"
#include "fetchers/kind.h"
#include "fetchers/uk_company.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_json.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define UK_SITE "https://find-and-update.company-information.service.gov.uk/company/"
#define UK_MAX_EVENTS 25 /* filing-history items one poll turns into items */

static const char *str(const cJSON *o, const char *k) { return vg_json_str(o, k); }
static const char *str_or(const cJSON *o, const char *k, const char *d)
{
    const char *s = str(o, k);
    return s && *s ? s : d;
}

/* The profile URL without a query or a trailing '/', into out. */
static void profile_url(const char *url, char *out, size_t max)
{
    size_t n = strcspn(url ? url : "", "?#");
    while (n && url[n - 1] == '/')
        n--;
    snprintf(out, max, "%.*s", (int)n, url ? url : "");
}

static int wants_insolvency(const cJSON *snap)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(snap, "insolvency_history")) ||
           uk_status_insolvent(str(snap, "status"));
}

static int uk_plan(const struct kind_input *in, char ***urls, size_t *n, char *err, size_t errlen)
{
    *urls = NULL;
    *n = 0;
    cJSON *snap = uk_profile_read(in->body, in->len, in->url, err, errlen);
    if (!snap)
        return -1;
    char base[2048];
    profile_url(in->url, base, sizeof(base));
    int rc = 0;
    if (!(*urls = vg_calloc(3, sizeof(char *))))
        rc = -1;
    else {
        (*urls)[(*n)++] = vg_asprintf("%s/officers?items_per_page=%d", base, UK_MAX_OFFICERS);
        (*urls)[(*n)++] = vg_asprintf("%s/filing-history?items_per_page=%d", base, UK_MAX_EVENTS);
        if (wants_insolvency(snap))
            (*urls)[(*n)++] = vg_asprintf("%s/insolvency", base);
        for (size_t i = 0; i < *n; i++)
            if (!(*urls)[i])
                rc = -1;
    }
    if (rc < 0) {
        for (size_t i = 0; *urls && i < *n; i++)
            vg_free((*urls)[i]);
        vg_free(*urls);
        *urls = NULL;
        *n = 0;
        snprintf(err, errlen, "out of memory");
    }
    cJSON_Delete(snap);
    return rc;
}

/* The part whose URL holds `path` ("/officers?"), or NULL when the poll did not fetch it. */
static const struct kind_part *part_for(const struct kind_input *in, const char *path)
{
    for (size_t i = 0; i < in->nparts; i++)
        if (in->parts[i].url && strstr(in->parts[i].url, path))
            return &in->parts[i];
    return NULL;
}

/* The body of the part whose URL holds `path`: 1 with *body set (NULL for a 404: the resource
 * does not exist), 0 when the poll did not fetch it, -1 with err for a failed HTTP status. */
static int part_body(const struct kind_input *in, const char *path, const char *what, const char **body, size_t *len,
                     char *err, size_t errlen)
{
    const struct kind_part *p = part_for(in, path);
    *body = NULL;
    *len = 0;
    if (!p)
        return 0;
    if (p->status == 404)
        return 1;
    if (p->status < 200 || p->status > 299) {
        snprintf(err, errlen, "%s: HTTP %d", what, p->status);
        return -1;
    }
    *body = p->body ? p->body : "";
    *len = p->body ? p->len : 0;
    return 1;
}

/* A part the poll did not fetch: the previous poll's member stays, so nothing looks changed. */
static int carry(cJSON *snap, const cJSON *prev, const char *key)
{
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(prev, key);
    cJSON *copy = old ? cJSON_Duplicate(old, 1) : NULL;
    if (old && (!copy || !cJSON_AddItemToObject(snap, key, copy))) {
        cJSON_Delete(copy);
        return -1;
    }
    return 0;
}

/* Reads the plan's parts into snap; *events gets the filing history's events. 0, or -1 with err. */
static int read_parts(const struct kind_input *in, cJSON *snap, const cJSON *prev, cJSON **events, char *err,
                      size_t errlen)
{
    const char *body;
    size_t len;
    int r = part_body(in, "/officers", "officers", &body, &len, err, errlen);
    if (r < 0 || (r ? uk_officers_read(snap, body, len, err, errlen) : carry(snap, prev, "officers")) < 0)
        return -1;
    r = part_body(in, "/filing-history", "filing history", &body, &len, err, errlen);
    if (r < 0 || (r ? uk_filings_read(snap, body, len, events, err, errlen) : carry(snap, prev, "filings")) < 0)
        return -1;
    if (!wants_insolvency(snap))
        return 0;
    r = part_body(in, "/insolvency", "insolvency", &body, &len, err, errlen);
    return r < 0 || (r ? uk_insolvency_read(snap, body, len, err, errlen) : carry(snap, prev, "cases")) < 0 ? -1 : 0;
}

/* ---- items ---- */

struct change_ctx {
    const struct kind_input *in;
    const cJSON *snap;
    struct feed_doc *doc;
    int rc;
};

static cJSON *company_json(const cJSON *snap)
{
    cJSON *c = cJSON_CreateObject();
    if (!c)
        return NULL;
    cJSON_AddStringToObject(c, "scheme", "companies_house");
    cJSON_AddStringToObject(c, "id", str_or(snap, "number", ""));
    if (str(snap, "name") && *str(snap, "name"))
        cJSON_AddStringToObject(c, "name", str(snap, "name"));
    return c;
}

static cJSON *person_json(const char *name, const char *role, int departing)
{
    cJSON *p = cJSON_CreateObject();
    if (!p)
        return NULL;
    cJSON_AddStringToObject(p, "name", name);
    if (role && *role)
        cJSON_AddStringToObject(p, "role", role);
    cJSON_AddBoolToObject(p, "departing", departing);
    return p;
}

/* Adds one item: its structured member holds `signal` (NULL: none) and `people` (NULL: an
 * empty list); both are taken. */
static void add_item(struct change_ctx *c, const char *id, const char *title, const char *summary, const char *link,
                     const char *date, cJSON *signal, cJSON *people)
{
    if (c->rc < 0) {
        cJSON_Delete(signal);
        cJSON_Delete(people);
        return;
    }
    cJSON *st = cJSON_CreateObject();
    cJSON *signals = st ? cJSON_AddArrayToObject(st, "signals") : NULL;
    cJSON *company = st ? company_json(c->snap) : NULL;
    if (!signals || !company || !cJSON_AddItemToObject(st, "company", company)) {
        cJSON_Delete(company);
        c->rc = -1;
    } else {
        cJSON_AddStringToObject(st, "source", "uk_company");
        if (signal && cJSON_AddItemToArray(signals, signal))
            signal = NULL;
        if (!people)
            people = cJSON_CreateArray();
        if (people && cJSON_AddItemToObject(st, "people", people))
            people = NULL;
        else
            c->rc = -1;
    }
    cJSON_Delete(signal);
    cJSON_Delete(people);
    struct feed_item *it = c->rc == 0 ? feed_doc_add_item(c->doc) : NULL;
    if (it) {
        char *txt = cJSON_PrintUnformatted(st);
        it->structured = txt ? vg_strdup(txt) : NULL;
        cJSON_free(txt);
        it->id = vg_asprintf("uk_company:%s:%s", str_or(c->snap, "number", ""), id);
        it->title = feed_text_clean(title, strlen(title), FEED_MAX_TITLE, 0);
        it->summary = feed_text_clean(summary, strlen(summary), FEED_MAX_SUMMARY, 0);
        it->link = vg_asprintf(UK_SITE "%s%s", str_or(c->snap, "number", ""), link);
        int64_t t = date ? feed_date_parse(date) : FEED_DATE_NONE;
        it->published = t != FEED_DATE_NONE ? t : c->in->now;
        it->kind = "register";
        if (!it->structured || !it->id || !it->title || !it->summary || !it->link)
            c->rc = -1;
    } else if (c->rc == 0 && c->doc->nitems < FEED_MAX_ITEMS)
        c->rc = -1;
    cJSON_Delete(st);
}

static cJSON *signal_json(const char *type, int priority, const char *evidence)
{
    cJSON *s = cJSON_CreateObject();
    if (!s)
        return NULL;
    cJSON_AddStringToObject(s, "type", type);
    cJSON_AddNumberToObject(s, "confidence", 1.0);
    if (priority)
        cJSON_AddNumberToObject(s, "priority", priority);
    cJSON_AddStringToObject(s, "evidence", evidence);
    return s;
}

static void add_change(cJSON *sig, const char *field, const char *before, const char *after)
{
    cJSON *ch = cJSON_CreateObject();
    if (!ch || !cJSON_AddItemToObject(sig, "change", ch)) {
        cJSON_Delete(ch);
        return;
    }
    cJSON_AddStringToObject(ch, "field", field);
    cJSON_AddStringToObject(ch, "before", before ? before : "");
    cJSON_AddStringToObject(ch, "after", after ? after : "");
}

static const cJSON *officer_find(const cJSON *list, const cJSON *o)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, list)
    {
        if (strcmp(str_or(e, "name", ""), str_or(o, "name", "")) == 0 &&
            strcmp(str_or(e, "role", ""), str_or(o, "role", "")) == 0 &&
            strcmp(str_or(e, "appointed", ""), str_or(o, "appointed", "")) == 0)
            return e;
    }
    return NULL;
}

static void officer_changes(struct change_ctx *c, const cJSON *prev)
{
    const cJSON *before = cJSON_GetObjectItemCaseSensitive(prev, "officers");
    const cJSON *now = cJSON_GetObjectItemCaseSensitive(c->snap, "officers"), *o;
    if (!cJSON_IsArray(before) || !cJSON_IsArray(now))
        return; /* one of the two polls could not read the officers: nothing to compare */
    const char *company = str_or(c->snap, "name", "The company");
    cJSON_ArrayForEach(o, now)
    {
        const cJSON *was = officer_find(before, o);
        const char *resigned = str(o, "resigned");
        int departing;
        if (!was && !resigned)
            departing = 0;
        else if (was && resigned && !str(was, "resigned"))
            departing = 1;
        else
            continue;
        char role[UK_MAX_FIELD], id[3 * UK_MAX_FIELD], title[3 * UK_MAX_FIELD];
        uk_key_words(str(o, "role"), role, sizeof(role));
        for (char *p = role + 1; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        const char *name = str_or(o, "name", "");
        const char *date = departing ? resigned : str(o, "appointed");
        snprintf(title, sizeof(title), "%s: %s %s %s%s%s", company, name, departing ? "resigned as" : "appointed",
                 role[0] ? role : "officer", date && *date ? " on " : "", date && *date ? date : "");
        snprintf(id, sizeof(id), "officer:%s:%s|%s|%s", departing ? "resigned" : "appointed", name,
                 str_or(o, "role", ""), str_or(o, "appointed", ""));
        char evidence[4 * UK_MAX_FIELD];
        snprintf(evidence, sizeof(evidence), "Companies House: %s %s %s of %s%s%s.", name,
                 departing ? "resigned as" : "was appointed", role[0] ? role : "officer", company,
                 date && *date ? " on " : "", date && *date ? date : "");
        cJSON *sig = signal_json("leadership_change", 0, evidence);
        cJSON *people = cJSON_CreateArray(), *sp = cJSON_CreateArray();
        cJSON_AddItemToArray(people, person_json(name, role, departing));
        cJSON_AddItemToArray(sp, person_json(name, role, departing));
        if (sig && sp)
            cJSON_AddItemToObject(sig, "people", sp);
        else
            cJSON_Delete(sp);
        add_item(c, id, title, evidence, "/officers", date, sig, people);
    }
}

static void status_changes(struct change_ctx *c, const cJSON *prev)
{
    const char *company = str_or(c->snap, "name", "The company");
    const char *st0 = str_or(prev, "status", ""), *st1 = str_or(c->snap, "status", "");
    int was = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(prev, "insolvency_history")) || uk_status_insolvent(st0);
    int is = wants_insolvency(c->snap);
    char evidence[4 * UK_MAX_FIELD], title[2 * UK_MAX_FIELD], id[2 * UK_MAX_FIELD];
    if (is && !was) {
        char cases[UK_MAX_FIELD] = "";
        const cJSON *e;
        size_t o = 0;
        cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(c->snap, "cases"))
        {
            char w[UK_MAX_FIELD];
            uk_key_words(cJSON_IsString(e) ? e->valuestring : "", w, sizeof(w));
            int k = snprintf(cases + o, sizeof(cases) - o, "%s%s", o ? ", " : "", w);
            if (k < 0 || (size_t)k >= sizeof(cases) - o)
                break;
            o += (size_t)k;
        }
        snprintf(evidence, sizeof(evidence), "Companies House: %s now has an insolvency history (company status %s%s%s)%s%s.",
                 company, st1[0] ? st1 : "unknown", st0[0] && strcmp(st0, st1) ? ", was " : "",
                 st0[0] && strcmp(st0, st1) ? st0 : "", cases[0] ? "; insolvency cases: " : "", cases);
        snprintf(title, sizeof(title), "%s: insolvency (%s)", company, cases[0] ? cases : st1);
        snprintf(id, sizeof(id), "insolvency:%s", st1);
        cJSON *sig = signal_json("insolvency", 100, evidence);
        if (sig)
            add_change(sig, "company_status", st0, st1);
        add_item(c, id, title, evidence, "/insolvency", NULL, sig, NULL);
    } else if (st0[0] && st1[0] && strcmp(st0, st1) != 0) {
        snprintf(evidence, sizeof(evidence), "Companies House: %s's status changed from %s to %s.", company, st0, st1);
        snprintf(title, sizeof(title), "%s: status now %s", company, st1);
        snprintf(id, sizeof(id), "status:%s:%s", st0, st1);
        cJSON *sig = signal_json("registry_change", 0, evidence);
        if (sig)
            add_change(sig, "company_status", st0, st1);
        add_item(c, id, title, evidence, "", NULL, sig, NULL);
    }
    static const struct {
        const char *key, *field, *words;
    } fields[] = {{"name", "name", "name"}, {"office", "registered_office", "registered office"}};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        const char *a = str_or(prev, fields[i].key, ""), *b = str_or(c->snap, fields[i].key, "");
        if (!a[0] || !b[0] || strcmp(a, b) == 0)
            continue;
        snprintf(evidence, sizeof(evidence), "Companies House: %s's %s changed from %s to %s.", company, fields[i].words,
                 a, b);
        snprintf(title, sizeof(title), "%s: %s changed", company, fields[i].words);
        snprintf(id, sizeof(id), "%s:%s", fields[i].field, b);
        cJSON *sig = signal_json("registry_change", 0, evidence);
        if (sig)
            add_change(sig, fields[i].field, a, b);
        add_item(c, id, title, evidence, "", NULL, sig, NULL);
    }
}

static int filing_known(const cJSON *list, const char *id)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, list) if (strcmp(str_or(e, "id", ""), id) == 0) return 1;
    return 0;
}

static void filing_changes(struct change_ctx *c, const cJSON *prev, const cJSON *events)
{
    const cJSON *before = cJSON_GetObjectItemCaseSensitive(prev, "filings"), *e;
    if (!cJSON_IsArray(before) || !cJSON_IsArray(events))
        return;
    /* the oldest filing the previous poll listed: an older one now shown is no new event */
    const char *oldest = NULL;
    cJSON_ArrayForEach(e, before)
    {
        const char *d = str(e, "date");
        if (d && (!oldest || strcmp(d, oldest) < 0))
            oldest = d;
    }
    const char *company = str_or(c->snap, "name", "The company");
    cJSON_ArrayForEach(e, events)
    {
        const char *id = str_or(e, "id", ""), *date = str_or(e, "date", "");
        if (filing_known(before, id) || (oldest && cJSON_GetArraySize(before) >= UK_MAX_EVENTS && strcmp(date, oldest) < 0))
            continue;
        const char *type = str_or(e, "type", ""), *text = str_or(e, "text", "a filing");
        char evidence[4 * UK_MAX_FIELD], title[3 * UK_MAX_FIELD], key[UK_MAX_FIELD];
        snprintf(evidence, sizeof(evidence), "Companies House: %s filed %s%s on %s: %s.", company,
                 type[0] ? "form " : "a filing", type, date, text);
        snprintf(title, sizeof(title), "%s: %s", company, text);
        snprintf(key, sizeof(key), "filing:%s", id);
        cJSON *sig = signal_json("registry_change", 0, evidence);
        if (sig) {
            cJSON *ch = cJSON_CreateObject();
            if (ch && cJSON_AddItemToObject(sig, "change", ch)) {
                cJSON_AddStringToObject(ch, "field", "filing");
                cJSON_AddStringToObject(ch, "after", text);
            } else
                cJSON_Delete(ch);
        }
        add_item(c, key, title, evidence, "/filing-history", date, sig, NULL);
    }
}

/* The officers in office as the company's people, the first time they are read. */
static void roster(struct change_ctx *c)
{
    const cJSON *o, *list = cJSON_GetObjectItemCaseSensitive(c->snap, "officers");
    cJSON *people = cJSON_CreateArray();
    int n = 0;
    cJSON_ArrayForEach(o, list)
    {
        if (str(o, "resigned"))
            continue;
        char role[UK_MAX_FIELD];
        uk_key_words(str(o, "role"), role, sizeof(role));
        for (char *p = role + 1; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (people && cJSON_AddItemToArray(people, person_json(str_or(o, "name", ""), role, 0)))
            n++;
    }
    if (!n) {
        cJSON_Delete(people);
        return;
    }
    const char *company = str_or(c->snap, "name", "The company");
    char title[2 * UK_MAX_FIELD], summary[2 * UK_MAX_FIELD];
    snprintf(title, sizeof(title), "%s: %d officer%s on the Companies House register", company, n, n > 1 ? "s" : "");
    snprintf(summary, sizeof(summary), "Companies House lists %d officer%s in office at %s.", n, n > 1 ? "s" : "",
             company);
    add_item(c, "officers", title, summary, "/officers", NULL, NULL, people);
}

static int uk_parse(const struct kind_input *in, struct kind_output *out, char *err, size_t errlen)
{
    cJSON *snap = uk_profile_read(in->body, in->len, in->url, err, errlen);
    if (!snap) {
        out->error_kind = "parse";
        return -1;
    }
    cJSON *prev = in->watch_text ? cJSON_Parse(in->watch_text) : NULL;
    if (prev && !cJSON_IsObject(prev)) {
        cJSON_Delete(prev);
        prev = NULL;
    }
    cJSON *events = NULL;
    int rc = read_parts(in, snap, prev, &events, err, errlen);
    struct change_ctx c = {.in = in, .snap = snap, .rc = rc};
    if (rc < 0)
        out->error_kind = strstr(err, "HTTP") ? "http" : "parse";
    else if (!(c.doc = out->doc = feed_doc_new(FEED_FORMAT_UNKNOWN)))
        c.rc = -1;
    else {
        if (prev) {
            status_changes(&c, prev);
            filing_changes(&c, prev, events);
        }
        /* the officers, first read (first poll, or the previous one could not list them):
         * the company's people; else what changed among them */
        if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(prev, "officers")))
            roster(&c);
        else
            officer_changes(&c, prev);
    }
    if (rc == 0 && c.rc == 0) {
        char *t = cJSON_PrintUnformatted(snap);
        out->watch_text = t ? vg_strdup(t) : NULL;
        cJSON_free(t);
        if (!out->watch_text)
            c.rc = -1;
    }
    if (rc == 0 && c.rc < 0) {
        snprintf(err, errlen, "out of memory");
        out->error_kind = "memory";
        rc = -1;
    }
    cJSON_Delete(events);
    cJSON_Delete(prev);
    cJSON_Delete(snap);
    return rc;
}

static int uk_check_options(const char *options, char *err, size_t errlen)
{
    return kind_options_object("uk_company", options, err, errlen);
}

/* A company number as the API takes it: letters and digits, upper case ("SC123456"). */
static int number_norm(const char *s, char out[16])
{
    size_t n = s ? strlen(s) : 0, k = 0;
    if (n == 0 || n > 10)
        return -1;
    for (; k < n; k++) {
        if (!isalnum((unsigned char)s[k]))
            return -1;
        out[k] = (char)toupper((unsigned char)s[k]);
    }
    out[k] = '\0';
    return 0;
}

static int uk_auto_sources(const struct enrich_account_set *accounts, const struct kind_auto_settings *set,
                           struct kind_auto_source **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    const char *base = set && set->base_url && set->base_url[0] ? set->base_url : source_kind_uk_company.default_url;
    for (size_t i = 0; accounts && i < accounts->n; i++) {
        const struct enrich_account *a = &accounts->v[i];
        char number[16];
        if (a->retired || !a->id || number_norm(enrich_account_identifier(a, "companies_house"), number) < 0)
            continue;
        if (kind_auto_push(out, n, vg_asprintf("uk_company:%s", a->id), vg_asprintf("%s/company/%s", base, number),
                           a->id, NULL) < 0)
            return kind_auto_fail(out, n);
    }
    return 0;
}

static int uk_show(const char *watch_text, struct vg_buf *out)
{
    cJSON *s = watch_text ? cJSON_Parse(watch_text) : NULL;
    if (!cJSON_IsObject(s)) {
        cJSON_Delete(s);
        return -1;
    }
    vg_buf_printf(out, "  name: %s (%s)\n", str_or(s, "name", "?"), str_or(s, "number", "?"));
    vg_buf_printf(out, "  status: %s%s\n", str_or(s, "status", "?"),
                  wants_insolvency(s) ? ", insolvency history" : "");
    vg_buf_printf(out, "  office: %s\n", str_or(s, "office", "?"));
    const cJSON *e;
    vg_buf_puts(out, "  SIC:");
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(s, "sic")) if (cJSON_IsString(e))
        vg_buf_printf(out, " %s", e->valuestring);
    vg_buf_printf(out, "\n  created: %s\n", str_or(s, "created", "?"));
    vg_buf_puts(out, "  officers:");
    int n = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(s, "officers"))
    {
        if (str(e, "resigned"))
            continue;
        if (n++ == 10) {
            vg_buf_puts(out, ", ...");
            break;
        }
        vg_buf_printf(out, "%s %s (%s)", n > 1 ? "," : "", str_or(e, "name", "?"), str_or(e, "role", "?"));
    }
    vg_buf_puts(out, n ? "\n" : " none listed\n");
    cJSON_Delete(s);
    return vg_buf_check(out);
}

const struct source_kind source_kind_uk_company = {
    .name = "uk_company",
    .accept = "application/json",
    .check_options = uk_check_options,
    .parse = uk_parse,
    .plan = uk_plan,
    .auto_sources = uk_auto_sources,
    .show = uk_show,
    .default_url = "https://api.company-information.service.gov.uk",
    .budget_limit = 600,
    .budget_window_ms = 300000,
    .default_interval_ms = 86400 * 1000LL,
    .needs_user_agent = 0,
    .needs_api_key = 1,
};
