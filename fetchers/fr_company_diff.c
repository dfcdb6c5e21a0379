/* fr_company_diff — two snapshots of a company compared into structured items (fr_company.h,
 * docs/design.md "### fr_company").
 *
 * One item per change, its title and summary in English with the register's French terms
 * quoted, its `structured` member naming the company by siren. An item's id is
 * "fr_company:<siren>:<field>:<what it became>" (hashed when long), so a poll that sees the
 * same change again makes the same id, which the poll's dedup drops. */
#include "fetchers/feed.h"
#include "fetchers/fr_company.h"
#include "util/vg_alloc.h"
#include "util/vg_hash.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define REGISTER_PAGE "https://annuaire-entreprises.data.gouv.fr/entreprise/"
#define PRIORITY_CEASED 90

struct ctx {
    struct feed_doc *doc;
    const char *siren, *name;
    int64_t now;
};

static const char *sget(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcasecmp(a, b) == 0);
}

/* 1234567 -> "1,234,567 EUR". */
static void fmt_eur(double v, char *out, size_t len)
{
    char digits[32];
    snprintf(digits, sizeof(digits), "%.0f", fabs(v));
    size_t n = strlen(digits), o = 0;
    if (v < 0 && o + 1 < len)
        out[o++] = '-';
    for (size_t i = 0; i < n && o + 1 < len; i++) {
        if (i && (n - i) % 3 == 0 && o + 1 < len)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    snprintf(out + o, len - o, " EUR");
}

/* One signal: type, priority (<0: computed by enrich), evidence, the change. */
static cJSON *signal_new(const char *type, int priority, const char *evidence, const char *field,
                         const char *before, const char *after)
{
    cJSON *s = cJSON_CreateObject();
    if (!s)
        return NULL;
    int ok = cJSON_AddStringToObject(s, "type", type) && cJSON_AddNumberToObject(s, "confidence", 1.0) &&
             (priority < 0 || cJSON_AddNumberToObject(s, "priority", priority)) &&
             cJSON_AddStringToObject(s, "evidence", evidence);
    if (ok && field) {
        cJSON *c = cJSON_AddObjectToObject(s, "change");
        ok = c && cJSON_AddStringToObject(c, "field", field) &&
             (before ? cJSON_AddStringToObject(c, "before", before) : cJSON_AddNullToObject(c, "before")) &&
             (after ? cJSON_AddStringToObject(c, "after", after) : cJSON_AddNullToObject(c, "after"));
    }
    if (!ok) {
        cJSON_Delete(s);
        return NULL;
    }
    return s;
}

static cJSON *person_new(const char *name, const char *role, int departing)
{
    cJSON *p = cJSON_CreateObject();
    if (p && !(cJSON_AddStringToObject(p, "name", name) &&
               (role ? cJSON_AddStringToObject(p, "role", role) : cJSON_AddNullToObject(p, "role")) &&
               cJSON_AddBoolToObject(p, "departing", departing))) {
        cJSON_Delete(p);
        return NULL;
    }
    return p;
}

/* Adds the item; takes signals and people (either may be NULL: an empty list). */
static int emit(struct ctx *c, const char *field, const char *after_key, const char *title, const char *summary,
                cJSON *signals, cJSON *people)
{
    int rc = -1;
    cJSON *st = cJSON_CreateObject(), *co = NULL;
    char *json = NULL;
    if (!signals)
        signals = cJSON_CreateArray();
    if (!people)
        people = cJSON_CreateArray();
    if (!st || !signals || !people || !cJSON_AddStringToObject(st, "source", "fr_company") ||
        !(co = cJSON_AddObjectToObject(st, "company")) || !cJSON_AddStringToObject(co, "scheme", "siren") ||
        !cJSON_AddStringToObject(co, "id", c->siren) ||
        !(c->name ? cJSON_AddStringToObject(co, "name", c->name) : cJSON_AddNullToObject(co, "name")))
        goto out;
    cJSON_AddItemToObject(st, "signals", signals);
    signals = NULL;
    cJSON_AddItemToObject(st, "people", people);
    people = NULL;
    if (!(json = cJSON_PrintUnformatted(st)))
        goto out;
    struct feed_item *it = feed_doc_add_item(c->doc);
    if (!it) {
        rc = c->doc->nitems >= FEED_MAX_ITEMS ? 0 : -1;
        goto out;
    }
    char key[40];
    if (strlen(after_key) <= 24 && strspn(after_key, "0123456789-") == strlen(after_key))
        snprintf(key, sizeof(key), "%s", after_key);
    else
        snprintf(key, sizeof(key), "%016llx", (unsigned long long)vg_fnv1a64_str(after_key));
    it->id = vg_asprintf("fr_company:%s:%s:%s", c->siren, field, key);
    it->title = vg_strdup(title);
    it->summary = vg_strdup(summary);
    it->link = vg_asprintf(REGISTER_PAGE "%s", c->siren);
    it->published = c->now;
    it->kind = "register";
    it->structured = json;
    json = NULL;
    rc = it->id && it->title && it->summary && it->link ? 0 : -1;
out:
    cJSON_Delete(st);
    cJSON_Delete(signals);
    cJSON_Delete(people);
    cJSON_free(json);
    return rc;
}

/* The first poll: the officers, as people, and nothing that would read as a change. */
static int officers(struct ctx *c, const cJSON *cur)
{
    const cJSON *dirs = cJSON_GetObjectItemCaseSensitive(cur, "directors");
    if (!cJSON_GetArraySize(dirs))
        return 0;
    cJSON *people = cJSON_CreateArray();
    char summary[4096];
    size_t o = (size_t)snprintf(summary, sizeof(summary), "The French register lists these officers of %s:",
                                c->name ? c->name : c->siren);
    int listed = 0;
    uint64_t h = VG_FNV64_BASIS;
    const cJSON *d;
    cJSON_ArrayForEach(d, dirs)
    {
        const char *n = sget(d, "name"), *r = sget(d, "role");
        if (!n || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "entity")))
            continue; /* a firm (the auditor) is no contact */
        cJSON *p = person_new(n, r, 0);
        if (!p || !people || !cJSON_AddItemToArray(people, p)) {
            cJSON_Delete(p);
            cJSON_Delete(people);
            return -1;
        }
        h = vg_fnv1a64_str_from(vg_fnv1a64_str_from(h, n), r ? r : "");
        if (o < sizeof(summary))
            o += (size_t)snprintf(summary + o, sizeof(summary) - o, "%s %s%s%s%s", listed++ ? ";" : "", n,
                                  r ? " (\"" : "", r ? r : "", r ? "\")" : "");
    }
    if (!listed) {
        cJSON_Delete(people);
        return 0;
    }
    char title[600], key[20];
    snprintf(title, sizeof(title), "%s: officers in the French register", c->name ? c->name : c->siren);
    snprintf(key, sizeof(key), "%016llx", (unsigned long long)h);
    return emit(c, "officers", key, title, summary, NULL, people);
}

static const cJSON *find_director(const cJSON *dirs, const char *name)
{
    const cJSON *d;
    cJSON_ArrayForEach(d, dirs) if (same(sget(d, "name"), name)) return d;
    return NULL;
}

/* A person arriving, leaving or changing role: registry_change and leadership_change, with
 * the person. A legal entity (an auditor firm) gives the registry_change alone. */
static int director_item(struct ctx *c, const char *name, const char *role, const char *old_role, int departing,
                         int entity)
{
    const char *who = c->name ? c->name : c->siren;
    char title[1200], ev[1600], key[600], before[400], after[400];
    const char *q = role ? "\"" : "";
    if (departing) {
        snprintf(title, sizeof(title), "%s: %s (%s%s%s) leaves the register's officers", who, name, q,
                 role ? role : "officer", q);
        snprintf(ev, sizeof(ev), "The French register no longer lists %s (%s%s%s) among the officers of %s (siren %s).",
                 name, q, role ? role : "officer", q, who, c->siren);
    } else if (old_role) {
        snprintf(title, sizeof(title), "%s: %s is now \"%s\" (was \"%s\")", who, name, role ? role : "?", old_role);
        snprintf(ev, sizeof(ev), "The French register now lists %s as \"%s\" of %s (siren %s), previously \"%s\".",
                 name, role ? role : "?", who, c->siren, old_role);
    } else {
        snprintf(title, sizeof(title), "%s: new officer %s (%s%s%s)", who, name, q, role ? role : "officer", q);
        snprintf(ev, sizeof(ev), "The French register lists a new officer of %s (siren %s): %s, %s%s%s.", who,
                 c->siren, name, q, role ? role : "officer", q);
    }
    snprintf(before, sizeof(before), "%s%s%s", name, old_role || departing ? ", " : "",
             departing ? (role ? role : "") : old_role ? old_role : "");
    snprintf(after, sizeof(after), "%s%s%s", name, departing ? "" : ", ", departing ? "" : role ? role : "");
    snprintf(key, sizeof(key), "%s|%s", name, role ? role : "");
    cJSON *sigs = cJSON_CreateArray(), *people = cJSON_CreateArray();
    cJSON *s1 = signal_new("registry_change", -1, ev, "directors", departing || old_role ? before : NULL,
                           departing ? NULL : after);
    if (entity && sigs && s1) {
        cJSON_AddItemToArray(sigs, s1);
        cJSON_Delete(people);
        return emit(c, departing ? "director_out" : "director_in", key, title, ev, sigs, NULL);
    }
    cJSON *s2 = signal_new("leadership_change", -1, ev, NULL, NULL, NULL);
    cJSON *sp = cJSON_AddArrayToObject(s2, "people");
    cJSON *p1 = person_new(name, role, departing), *p2 = person_new(name, role, departing);
    int ok = sigs && people && s1 && s2 && sp && p1 && p2;
    if (ok) {
        cJSON_AddItemToArray(sigs, s1);
        cJSON_AddItemToArray(sigs, s2);
        cJSON_AddItemToArray(sp, p1);
        cJSON_AddItemToArray(people, p2);
        return emit(c, departing ? "director_out" : "director_in", key, title, ev, sigs, people);
    }
    cJSON_Delete(sigs);
    cJSON_Delete(people);
    cJSON_Delete(s1);
    cJSON_Delete(s2);
    cJSON_Delete(p1);
    cJSON_Delete(p2);
    return -1;
}

static int directors(struct ctx *c, const cJSON *prev, const cJSON *cur)
{
    const cJSON *pd = cJSON_GetObjectItemCaseSensitive(prev, "directors");
    const cJSON *cd = cJSON_GetObjectItemCaseSensitive(cur, "directors");
    const cJSON *d;
    cJSON_ArrayForEach(d, cd)
    {
        const char *n = sget(d, "name"), *r = sget(d, "role");
        const cJSON *was = n ? find_director(pd, n) : NULL;
        if (n && (!was || !same(sget(was, "role"), r)) &&
            director_item(c, n, r, was ? (sget(was, "role") ? sget(was, "role") : "?") : NULL, 0,
                          cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "entity"))) < 0)
            return -1;
    }
    cJSON_ArrayForEach(d, pd)
    {
        const char *n = sget(d, "name");
        if (n && !find_director(cd, n) &&
            director_item(c, n, sget(d, "role"), NULL, 1, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "entity"))) < 0)
            return -1;
    }
    return 0;
}

static const char *band_text(const char *code, char *buf, size_t len)
{
    const char *l = frc_band_label(code);
    snprintf(buf, len, "%s", l ? l : code ? code : "unknown");
    return buf;
}

static int headcount(struct ctx *c, const cJSON *prev, const cJSON *cur)
{
    const char *was = sget(prev, "headcount"), *now = sget(cur, "headcount");
    if (!now || same(was, now))
        return 0;
    const char *year = sget(cur, "headcount_year");
    char b1[80], b2[80], title[800], ev[800], key[64];
    const char *who = c->name ? c->name : c->siren;
    band_text(was, b1, sizeof(b1));
    band_text(now, b2, sizeof(b2));
    int grew = frc_band_rank(now) > frc_band_rank(was);
    snprintf(title, sizeof(title), "%s: headcount %s to %s", who, grew ? "up" : "down", b2);
    snprintf(ev, sizeof(ev), "The French register's headcount band of %s (siren %s) is now %s%s%s%s, previously %s.",
             who, c->siren, b2, year ? " (" : "", year ? year : "", year ? ")" : "", b1);
    snprintf(key, sizeof(key), "%s|%s", now, year ? year : "");
    cJSON *sigs = cJSON_CreateArray(), *s = signal_new("registry_change", -1, ev, "headcount", b1, b2);
    if (!sigs || !s) {
        cJSON_Delete(sigs);
        cJSON_Delete(s);
        return -1;
    }
    cJSON_AddItemToArray(sigs, s);
    return emit(c, "headcount", key, title, ev, sigs, NULL);
}

static void office_text(const cJSON *o, char *buf, size_t len)
{
    const char *a = sget(o, "address"), *city = sget(o, "city");
    snprintf(buf, len, "%s%s%s", a ? a : "", a && city && !strstr(a, city) ? ", " : "",
             city && !(a && strstr(a, city)) ? city : "");
}

/* A head office move (another siret, or another address). It is also `expansion` when the
 * company grew with it: its headcount band went up since the previous poll, or the office
 * moved to another city while its number of open establishments went up. */
static int office(struct ctx *c, const cJSON *prev, const cJSON *cur)
{
    const cJSON *po = cJSON_GetObjectItemCaseSensitive(prev, "office"),
                *co = cJSON_GetObjectItemCaseSensitive(cur, "office");
    const char *ca = sget(co, "address"), *cs = sget(co, "siret");
    if (!ca && !cs)
        return 0;
    if (same(sget(po, "address"), ca) && same(sget(po, "siret"), cs))
        return 0;
    if (!sget(po, "address") && !sget(po, "siret"))
        return 0; /* the previous poll did not know it: nothing to compare */
    char before[600], after[600], title[1400], ev[1600], key[600];
    const char *who = c->name ? c->name : c->siren;
    office_text(po, before, sizeof(before));
    office_text(co, after, sizeof(after));
    snprintf(title, sizeof(title), "%s: head office moved to %s", who, after);
    snprintf(ev, sizeof(ev), "The head office (\"siège\") of %s (siren %s) moved from %s to %s.", who, c->siren,
             before, after);
    snprintf(key, sizeof(key), "%s|%s", cs ? cs : "", ca ? ca : "");
    const cJSON *pe = cJSON_GetObjectItemCaseSensitive(prev, "establishments"),
                *ce = cJSON_GetObjectItemCaseSensitive(cur, "establishments");
    int band_grew = frc_band_rank(sget(cur, "headcount")) > frc_band_rank(sget(prev, "headcount")) &&
                    frc_band_rank(sget(prev, "headcount")) >= 0;
    int new_city = sget(co, "city") && !same(sget(po, "city"), sget(co, "city"));
    int more_sites = cJSON_IsNumber(pe) && cJSON_IsNumber(ce) && ce->valuedouble > pe->valuedouble;
    cJSON *sigs = cJSON_CreateArray(), *s = signal_new("registry_change", -1, ev, "head_office", before, after);
    cJSON *x = band_grew || (new_city && more_sites) ? signal_new("expansion", -1, ev, NULL, NULL, NULL) : NULL;
    if (!sigs || !s || ((band_grew || (new_city && more_sites)) && !x)) {
        cJSON_Delete(sigs);
        cJSON_Delete(s);
        cJSON_Delete(x);
        return -1;
    }
    cJSON_AddItemToArray(sigs, s);
    if (x)
        cJSON_AddItemToArray(sigs, x);
    return emit(c, "head_office", key, title, ev, sigs, NULL);
}

static int amount(cJSON *amounts, double v)
{
    cJSON *a = cJSON_CreateObject();
    if (!a || !cJSON_AddNumberToObject(a, "value", v) || !cJSON_AddStringToObject(a, "currency", "EUR") ||
        !cJSON_AddItemToArray(amounts, a)) {
        cJSON_Delete(a);
        return -1;
    }
    return 0;
}

/* The year's pair [revenue, net result] from either snapshot (the current one first). */
static const cJSON *year_pair(const cJSON *cur, const cJSON *prev, const char *year)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cur, "finances"), year);
    if (!p)
        p = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(prev, "finances"), year);
    return cJSON_IsArray(p) ? p : NULL;
}

static int revenue_year(struct ctx *c, const cJSON *prev, const cJSON *cur, const char *year, const cJSON *pair)
{
    const cJSON *ca = cJSON_GetArrayItem(pair, 0), *rn = cJSON_GetArrayItem(pair, 1);
    if (!cJSON_IsNumber(ca) && !cJSON_IsNumber(rn))
        return 0;
    /* The year before, from whichever snapshot has it, for the growth rate. */
    char py[8];
    snprintf(py, sizeof(py), "%d", (int)((year[0] - '0') * 1000 + (year[1] - '0') * 100 + (year[2] - '0') * 10 +
                                          (year[3] - '0') - 1));
    const cJSON *pp = year_pair(cur, prev, py), *pca = cJSON_GetArrayItem(pp, 0);
    const char *who = c->name ? c->name : c->siren;
    char a1[48] = "", a2[48] = "", a0[48] = "", growth[64] = "", ev[800], title[800], before[96] = "", after[96];
    if (cJSON_IsNumber(ca))
        fmt_eur(ca->valuedouble, a1, sizeof(a1));
    if (cJSON_IsNumber(rn))
        fmt_eur(rn->valuedouble, a2, sizeof(a2));
    double rate = 0;
    int has_rate = cJSON_IsNumber(ca) && cJSON_IsNumber(pca) && pca->valuedouble != 0;
    if (has_rate) {
        rate = (ca->valuedouble - pca->valuedouble) / fabs(pca->valuedouble);
        fmt_eur(pca->valuedouble, a0, sizeof(a0));
        snprintf(growth, sizeof(growth), " (%+.1f%% on %s)", rate * 100, py);
        snprintf(before, sizeof(before), "%s: %s", py, a0);
    }
    snprintf(after, sizeof(after), "%s: %s", year, a1[0] ? a1 : "n/a");
    if (a1[0])
        snprintf(title, sizeof(title), "%s: %s revenue %s%s", who, year, a1, growth);
    else
        snprintf(title, sizeof(title), "%s: %s net result %s", who, year, a2);
    snprintf(ev, sizeof(ev), "%s (siren %s) filed its %s accounts: revenue (\"chiffre d'affaires\") %s%s%s%s.", who,
             c->siren, year, a1[0] ? a1 : "not published", growth, a2[0] ? ", net result (\"résultat net\") " : "",
             a2);
    cJSON *sigs = cJSON_CreateArray(), *s1 = signal_new("registry_change", -1, ev, "revenue", before[0] ? before : NULL, after);
    cJSON *s2 = signal_new("financial_results", -1, ev, "revenue", before[0] ? before : NULL, after);
    cJSON *am = s2 ? cJSON_AddArrayToObject(s2, "amounts") : NULL;
    int ok = sigs && s1 && s2 && am && (!cJSON_IsNumber(ca) || amount(am, ca->valuedouble) == 0) &&
             (!cJSON_IsNumber(rn) || amount(am, rn->valuedouble) == 0) &&
             (!has_rate || cJSON_AddNumberToObject(cJSON_GetObjectItemCaseSensitive(s2, "change"), "growth",
                                                   round(rate * 10000) / 10000));
    if (!ok) {
        cJSON_Delete(sigs);
        cJSON_Delete(s1);
        cJSON_Delete(s2);
        return -1;
    }
    cJSON_AddItemToArray(sigs, s1);
    cJSON_AddItemToArray(sigs, s2);
    return emit(c, "revenue", year, title, ev, sigs, NULL);
}

/* Each year newer than the previous snapshot's latest; when the previous one had none, the
 * current latest year alone (the older ones are history, not news). */
static int revenue(struct ctx *c, const cJSON *prev, const cJSON *cur)
{
    const cJSON *pf = cJSON_GetObjectItemCaseSensitive(prev, "finances"),
                *cf = cJSON_GetObjectItemCaseSensitive(cur, "finances");
    const char *latest = pf && pf->child ? pf->child->string : NULL; /* kept latest first */
    const cJSON *y;
    cJSON_ArrayForEach(y, cf)
    {
        if (latest ? strcmp(y->string, latest) <= 0 : y != cf->child)
            break;
        if (revenue_year(c, prev, cur, y->string, y) < 0)
            return -1;
    }
    return 0;
}

/* The company ceasing activity (etat_administratif A -> C), or coming back to it. */
static int state(struct ctx *c, const cJSON *prev, const cJSON *cur)
{
    const char *was = sget(prev, "state"), *now = sget(cur, "state");
    if (!was || !now || same(was, now))
        return 0;
    const char *who = c->name ? c->name : c->siren, *closed = sget(cur, "closed");
    int ceased = strcmp(now, "C") == 0;
    char title[800], ev[800], key[64];
    if (ceased) {
        snprintf(title, sizeof(title), "%s: ceased activity%s%s", who, closed ? " on " : "", closed ? closed : "");
        snprintf(ev, sizeof(ev),
                 "The French register shows %s (siren %s) as ceased (\"cessée\", administrative state C)%s%s.", who,
                 c->siren, closed ? " since " : "", closed ? closed : "");
    } else {
        snprintf(title, sizeof(title), "%s: active again in the register", who);
        snprintf(ev, sizeof(ev), "The French register shows %s (siren %s) as active (\"active\") again.", who,
                 c->siren);
    }
    snprintf(key, sizeof(key), "%s|%s", now, closed ? closed : "");
    cJSON *sigs = cJSON_CreateArray(),
          *s = signal_new("registry_change", ceased ? PRIORITY_CEASED : -1, ev, "state", ceased ? "active" : "ceased",
                          ceased ? "ceased" : "active");
    if (!sigs || !s) {
        cJSON_Delete(sigs);
        cJSON_Delete(s);
        return -1;
    }
    cJSON_AddItemToArray(sigs, s);
    return emit(c, "state", key, title, ev, sigs, NULL);
}

/* The legal name or the activity code (NAF) changing. */
static int field(struct ctx *c, const cJSON *prev, const cJSON *cur, const char *k, const char *label)
{
    const char *was = sget(prev, k), *now = sget(cur, k);
    if (!was || !now || same(was, now))
        return 0;
    const char *who = c->name ? c->name : c->siren;
    char title[800], ev[1000];
    snprintf(title, sizeof(title), "%s: %s now \"%s\" (was \"%s\")", who, label, now, was);
    snprintf(ev, sizeof(ev), "The French register's %s of siren %s changed from \"%s\" to \"%s\".", label, c->siren,
             was, now);
    cJSON *sigs = cJSON_CreateArray(), *s = signal_new("registry_change", -1, ev, k, was, now);
    if (!sigs || !s) {
        cJSON_Delete(sigs);
        cJSON_Delete(s);
        return -1;
    }
    cJSON_AddItemToArray(sigs, s);
    return emit(c, k, now, title, ev, sigs, NULL);
}

int frc_diff(const cJSON *prev, const cJSON *cur, int64_t now, struct feed_doc *doc)
{
    struct ctx c = {.doc = doc, .siren = sget(cur, "siren"), .name = sget(cur, "name"), .now = now};
    if (!c.siren)
        return -1;
    if (!prev)
        return officers(&c, cur);
    if (field(&c, prev, cur, "name", "legal name (\"raison sociale\")") < 0 ||
        field(&c, prev, cur, "naf", "activity code (\"NAF\")") < 0 || directors(&c, prev, cur) < 0 ||
        headcount(&c, prev, cur) < 0 || office(&c, prev, cur) < 0 || revenue(&c, prev, cur) < 0 ||
        state(&c, prev, cur) < 0)
        return -1;
    return 0;
}
