/* account — key-account records: field rules shared by both input formats, and the JSON reader.
 *
 * Both readers (JSON here, CSV in account_csv.c) feed the same setters, so a value means the
 * same thing whichever format it came in: lists are arrays or '|'-separated strings, numbers
 * are numbers or numeric strings, identifiers are validated by kind (a SIREN has 9 digits).
 * Parsing stops at the first bad record and frees everything, so an import is all or nothing. */
#include "enrich/account.h"
#include "enrich/score.h"
#include "util/vg_hash.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <utf8proc.h>

#include "util/vg_alloc.h"
#include "util/vg_json.h"
#include "util/vg_tz.h"

/* Bounds that keep a hostile file from costing more than its own size in work. */
#define MAX_VALUE_BYTES 4096
#define MAX_LIST_ITEMS 1000

static void why_set(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void why_set(char *why, size_t whylen, const char *fmt, ...)
{
    if (!why || whylen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------------------------------------------
 * Field rules */

static const char *const identifier_keys[] = {
    "siren", "siret", "lei", "cik", "companies_house", "ticker", "isin", "duns", "vat",
    "greenhouse", "lever", "ashby", "workable", "rcs", "naf",
};

int enrich_account_is_identifier_key(const char *key)
{
    for (size_t i = 0; i < sizeof(identifier_keys) / sizeof(identifier_keys[0]); i++)
        if (strcmp(key, identifier_keys[i]) == 0)
            return 1;
    return 0;
}

/* Trims ASCII blanks. */
static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* A value must be valid UTF-8, without control characters other than blanks and line breaks
 * (a spreadsheet cell may hold several lines), and not absurdly long. */
static int check_text(const char *v, size_t n, char *why, size_t whylen)
{
    if (n > MAX_VALUE_BYTES) {
        why_set(why, whylen, "value longer than %d bytes", MAX_VALUE_BYTES);
        return -1;
    }
    size_t i = 0;
    while (i < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)v + i,
                                              (utf8proc_ssize_t)(n - i), &cp);
        if (r <= 0) {
            why_set(why, whylen, "invalid UTF-8");
            return -1;
        }
        if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7f) {
            why_set(why, whylen, "control character in value");
            return -1;
        }
        i += (size_t)r;
    }
    return 0;
}

static int set_string(char **dst, const char *v, size_t n, char *why, size_t whylen)
{
    if (check_text(v, n, why, whylen) < 0)
        return -1;
    char *c = vg_strndup(v, n);
    if (!c) {
        why_set(why, whylen, "out of memory");
        return -1;
    }
    vg_free(*dst);
    *dst = c;
    return 0;
}

int enrich_account_list_push(char ***list, size_t *n, const char *v, size_t len, char *why, size_t whylen)
{
    if (*n >= MAX_LIST_ITEMS) {
        why_set(why, whylen, "more than %d values in a list", MAX_LIST_ITEMS);
        return -1;
    }
    if (check_text(v, len, why, whylen) < 0)
        return -1;
    char **nl = vg_realloc(*list, (*n + 1) * sizeof(**list));
    if (!nl) {
        why_set(why, whylen, "out of memory");
        return -1;
    }
    *list = nl;
    if (!(nl[*n] = vg_strndup(v, len))) {
        why_set(why, whylen, "out of memory");
        return -1;
    }
    (*n)++;
    return 0;
}

/* Domains are compared as lower-case host names: "https://www.Orange.com/fr" -> "orange.com". */
int enrich_account_domain_host(const char *v, size_t n, char host[256])
{
    const char *p = v;
    const char *end = v + n;
    const char *sch = memmem(p, n, "://", 3);
    if (sch)
        p = sch + 3;
    if (end - p > 4 && strncasecmp(p, "www.", 4) == 0)
        p += 4;
    const char *q = p;
    while (q < end && *q != '/' && *q != '?' && *q != '#' && *q != ':')
        q++;
    while (q > p && q[-1] == '.')
        q--;
    if (q - p < 3 || q - p > 253 || !memchr(p, '.', (size_t)(q - p)) || *p == '.')
        return -1;
    size_t hl = 0;
    for (const char *c = p; c < q; c++) {
        unsigned char ch = (unsigned char)*c;
        if (!(isalnum(ch) || ch == '.' || ch == '-'))
            return -1;
        host[hl++] = (char)tolower(ch);
    }
    host[hl] = '\0';
    return (int)hl;
}

static int add_domain(struct enrich_account *a, const char *v, size_t n, char *why, size_t whylen)
{
    char host[256];
    int hl = enrich_account_domain_host(v, n, host);
    if (hl < 0) {
        why_set(why, whylen, "bad domain '%.*s'", (int)(n > 80 ? 80 : n), v);
        return -1;
    }
    return enrich_account_list_push(&a->domains, &a->n_domains, host, (size_t)hl, why, whylen);
}

/* Identifier values are normalised to how registries print them, so lookups compare equal:
 * digits only for SIREN/SIRET/CIK ("380 129 866"), upper case for LEI, ISIN and tickers. */
static int add_identifier(struct enrich_account *a, const char *key, const char *v, size_t n,
                          char *why, size_t whylen)
{
    char val[MAX_VALUE_BYTES + 1];
    size_t vl = 0;
    if (strcmp(key, "siren") == 0 || strcmp(key, "siret") == 0 || strcmp(key, "cik") == 0) {
        for (size_t i = 0; i < n; i++) {
            /* French typography groups a SIREN's digits with (narrow) no-break spaces */
            if (i + 1 < n && (unsigned char)v[i] == 0xc2 && (unsigned char)v[i + 1] == 0xa0) {
                i++;
                continue;
            }
            if (i + 2 < n && memcmp(v + i, "\xe2\x80\xaf", 3) == 0) {
                i += 2;
                continue;
            }
            if (isdigit((unsigned char)v[i])) {
                if (vl >= MAX_VALUE_BYTES)
                    break;
                val[vl++] = v[i];
            } else if (v[i] != ' ' && v[i] != '.' && v[i] != '-') {
                why_set(why, whylen, "%s '%.*s' is not a number", key, (int)(n > 40 ? 40 : n), v);
                return -1;
            }
        }
        size_t want = strcmp(key, "siren") == 0 ? 9 : strcmp(key, "siret") == 0 ? 14 : 0;
        if ((want && vl != want) || (!want && (vl == 0 || vl > 10))) {
            why_set(why, whylen, "%s '%.*s' must have %s digits", key, (int)(n > 40 ? 40 : n), v,
                    want == 9 ? "9" : want == 14 ? "14" : "1 to 10");
            return -1;
        }
    } else {
        if (n > MAX_VALUE_BYTES) {
            why_set(why, whylen, "value longer than %d bytes", MAX_VALUE_BYTES);
            return -1;
        }
        int upper = strcmp(key, "lei") == 0 || strcmp(key, "isin") == 0 || strcmp(key, "ticker") == 0;
        for (size_t i = 0; i < n; i++)
            val[vl++] = upper ? (char)toupper((unsigned char)v[i]) : v[i];
        if (strcmp(key, "lei") == 0) {
            int ok = (vl == 20);
            for (size_t i = 0; ok && i < vl; i++)
                ok = isalnum((unsigned char)val[i]);
            if (!ok) {
                why_set(why, whylen, "lei '%.*s' must be 20 letters or digits", (int)(n > 40 ? 40 : n), v);
                return -1;
            }
        }
        if (check_text(val, vl, why, whylen) < 0)
            return -1;
    }
    if (a->n_identifiers >= MAX_LIST_ITEMS) {
        why_set(why, whylen, "more than %d identifiers", MAX_LIST_ITEMS);
        return -1;
    }
    struct enrich_identifier *ni = vg_realloc(a->identifiers, (a->n_identifiers + 1) * sizeof(*ni));
    if (!ni) {
        why_set(why, whylen, "out of memory");
        return -1;
    }
    a->identifiers = ni;
    struct enrich_identifier *id = &ni[a->n_identifiers];
    id->key = vg_strdup(key);
    id->value = vg_strndup(val, vl);
    if (!id->key || !id->value) {
        vg_free(id->key);
        vg_free(id->value);
        why_set(why, whylen, "out of memory");
        return -1;
    }
    a->n_identifiers++;
    return 0;
}

/* "key=value" as found in an "identifiers" cell. */
static int add_identifier_pair(struct enrich_account *a, const char *v, size_t n, char *why,
                               size_t whylen)
{
    const char *eq = memchr(v, '=', n);
    if (!eq) {
        why_set(why, whylen, "identifier '%.*s' is not key=value", (int)(n > 40 ? 40 : n), v);
        return -1;
    }
    const char *k = v, *val = eq + 1;
    size_t kl = (size_t)(eq - v), vl = n - kl - 1;
    trim(&k, &kl);
    trim(&val, &vl);
    char key[64];
    if (kl == 0 || kl >= sizeof(key)) {
        why_set(why, whylen, "bad identifier name '%.*s'", (int)(kl > 40 ? 40 : kl), k);
        return -1;
    }
    for (size_t i = 0; i < kl; i++) {
        unsigned char c = (unsigned char)k[i];
        if (!(isalnum(c) || c == '_' || c == '-')) {
            why_set(why, whylen, "bad identifier name '%.*s'", (int)kl, k);
            return -1;
        }
        key[i] = (char)tolower(c);
    }
    key[kl] = '\0';
    if (vl == 0)
        return 0;
    return add_identifier(a, key, val, vl, why, whylen);
}

static int parse_number(const char *v, size_t n, double *out, const char *key, char *why,
                        size_t whylen)
{
    char tmp[64];
    if (n == 0 || n >= sizeof(tmp)) {
        why_set(why, whylen, "%s is not a number", key);
        return -1;
    }
    memcpy(tmp, v, n);
    tmp[n] = '\0';
    /* French exports write "0,25". */
    if (!strchr(tmp, '.')) {
        char *c = strchr(tmp, ',');
        if (c && !strchr(c + 1, ','))
            *c = '.';
    }
    char *end;
    errno = 0;
    double d = strtod(tmp, &end);
    if (end == tmp || *end || errno || !isfinite(d)) {
        why_set(why, whylen, "%s '%s' is not a number", key, tmp);
        return -1;
    }
    *out = d;
    return 0;
}

static double *number_field(struct enrich_account *a, const char *key)
{
    if (strcmp(key, "revenue") == 0) return &a->revenue;
    if (strcmp(key, "margin") == 0) return &a->margin;
    if (strcmp(key, "growth_potential") == 0) return &a->growth_potential;
    if (strcmp(key, "strategic_fit") == 0) return &a->strategic_fit;
    if (strcmp(key, "image") == 0) return &a->image;
    return NULL;
}

static char **string_field(struct enrich_account *a, const char *key)
{
    if (strcmp(key, "id") == 0) return &a->id;
    if (strcmp(key, "name") == 0) return &a->name;
    if (strcmp(key, "country") == 0) return &a->country;
    if (strcmp(key, "owner") == 0) return &a->owner;
    if (strcmp(key, "tier") == 0) return &a->tier;
    if (strcmp(key, "crm_id") == 0) return &a->crm_id;
    if (strcmp(key, "retired") == 0) return &a->retired;
    if (strcmp(key, "owner_email") == 0) return &a->owner_email;
    if (strcmp(key, "owner_slack") == 0) return &a->owner_slack;
    if (strcmp(key, "owner_timezone") == 0) return &a->owner_timezone;
    if (strcmp(key, "owner_digest") == 0) return &a->owner_digest;
    if (strcmp(key, "parent_id") == 0) return &a->parent_id;
    return NULL;
}

static int list_field(struct enrich_account *a, const char *key, char ****list, size_t **n)
{
    if (strcmp(key, "aliases") == 0) { *list = &a->aliases; *n = &a->n_aliases; return 1; }
    if (strcmp(key, "context_keywords") == 0) { *list = &a->context_keywords; *n = &a->n_context_keywords; return 1; }
    if (strcmp(key, "negative_keywords") == 0) { *list = &a->negative_keywords; *n = &a->n_negative_keywords; return 1; }
    return 0;
}

int enrich_account_add_value(struct enrich_account *a, const char *key, const char *val,
                             size_t vlen, char *why, size_t whylen)
{
    trim(&val, &vlen);
    if (vlen == 0)
        return 0;
    char ***list;
    size_t *n;
    if (list_field(a, key, &list, &n))
        return enrich_account_list_push(list, n, val, vlen, why, whylen);
    if (strcmp(key, "domains") == 0)
        return add_domain(a, val, vlen, why, whylen);
    if (strcmp(key, "identifiers") == 0)
        return add_identifier_pair(a, val, vlen, why, whylen);
    if (enrich_account_is_identifier_key(key))
        return add_identifier(a, key, val, vlen, why, whylen);
    why_set(why, whylen, "unknown field '%s'", key);
    return -1;
}

int enrich_account_set_field(struct enrich_account *a, const char *key, const char *val,
                             size_t vlen, char *why, size_t whylen)
{
    trim(&val, &vlen);
    char **str = string_field(a, key);
    if (str) {
        if (vlen == 0)
            return 0;
        return set_string(str, val, vlen, why, whylen);
    }
    double *num = number_field(a, key);
    if (num) {
        if (vlen == 0)
            return 0;
        return parse_number(val, vlen, num, key, why, whylen);
    }
    char ***list;
    size_t *n;
    if (strcmp(key, "units") == 0)
        return enrich_account_units_text(a, val, vlen, why, whylen);
    if (list_field(a, key, &list, &n) || strcmp(key, "domains") == 0 ||
        strcmp(key, "identifiers") == 0) {
        /* '|'-separated values. */
        size_t i = 0;
        while (i <= vlen) {
            size_t j = i;
            while (j < vlen && val[j] != '|')
                j++;
            if (enrich_account_add_value(a, key, val + i, j - i, why, whylen) < 0)
                return -1;
            i = j + 1;
        }
        return 0;
    }
    if (enrich_account_is_identifier_key(key))
        return enrich_account_add_value(a, key, val, vlen, why, whylen);
    why_set(why, whylen, "unknown field '%s'", key);
    return -1;
}

/* Ids are typed on command lines and sit in Redis keys: blanks of any script make two ids
 * that look the same, or one that a shell splits. check_text has already vetted the UTF-8. */
static int id_has_space(const char *id)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)id;
    utf8proc_ssize_t left = (utf8proc_ssize_t)strlen(id);
    while (left > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t r = utf8proc_iterate(p, left, &cp);
        if (r <= 0)
            return 0;
        if (isspace(cp < 0x80 ? cp : 0) || utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS ||
            cp == 0x200B || cp == 0xFEFF)
            return 1;
        p += r;
        left -= r;
    }
    return 0;
}

int enrich_account_id_check(const char *id, char *why, size_t whylen)
{
    if (!id || !id[0]) {
        why_set(why, whylen, "missing id");
        return -1;
    }
    if (strlen(id) > 256) {
        why_set(why, whylen, "id longer than 256 bytes");
        return -1;
    }
    if (check_text(id, strlen(id), why, whylen) < 0)
        return -1;
    if (id_has_space(id)) {
        why_set(why, whylen, "id '%.64s' contains a space; an id is one word (acme, acme-sa, 552008443)",
                id);
        return -1;
    }
    return 0;
}

int enrich_account_finish(struct enrich_account *a, char *why, size_t whylen)
{
    if (enrich_account_id_check(a->id, why, whylen) < 0)
        return -1;
    if (!a->name || !a->name[0]) {
        why_set(why, whylen, "missing name");
        return -1;
    }
    if (a->country) {
        char *c = a->country;
        if (strlen(c) != 2 || !isalpha((unsigned char)c[0]) || !isalpha((unsigned char)c[1])) {
            why_set(why, whylen, "country '%.16s' is not an ISO 3166 alpha-2 code", c);
            return -1;
        }
        c[0] = (char)toupper((unsigned char)c[0]);
        c[1] = (char)toupper((unsigned char)c[1]);
    }
    if (a->parent_id && enrich_account_id_check(a->parent_id, why, whylen) < 0) {
        char inner[200];
        snprintf(inner, sizeof(inner), "%s", why);
        why_set(why, whylen, "parent_id: %s", inner);
        return -1;
    }
    if (a->parent_id && strcmp(a->parent_id, a->id) == 0) {
        why_set(why, whylen, "parent_id '%.64s' is the account itself", a->parent_id);
        return -1;
    }
    double t;
    if (a->retired && enrich_parse_time(a->retired, &t) < 0) {
        why_set(why, whylen, "retired '%.40s' is not an RFC 3339 time (2024-05-01T10:00:00Z)", a->retired);
        return -1;
    }
    /* The owner's alert fields: refused here, at import, rather than failing every alert later. */
    char owhy[200];
    struct vg_slot slot;
    const char *bad = NULL;
    if (a->owner_email && enrich_email_check(a->owner_email, owhy, sizeof(owhy)) < 0)
        bad = "owner_email";
    else if (a->owner_slack && enrich_slack_id_check(a->owner_slack, owhy, sizeof(owhy)) < 0)
        bad = "owner_slack";
    else if (a->owner_timezone && enrich_timezone_check(a->owner_timezone, owhy, sizeof(owhy)) < 0)
        bad = "owner_timezone";
    else if (a->owner_digest && vg_slot_parse(a->owner_digest, &slot, owhy, sizeof(owhy)) < 0)
        bad = "owner_digest";
    if (bad) {
        why_set(why, whylen, "%s %s", bad, owhy);
        return -1;
    }
    if (!a->tier) {
        if (!(a->tier = vg_strdup("standard"))) {
            why_set(why, whylen, "out of memory");
            return -1;
        }
    } else {
        for (char *c = a->tier; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        if (strcmp(a->tier, "key") && strcmp(a->tier, "candidate") && strcmp(a->tier, "standard")) {
            why_set(why, whylen, "tier '%.32s' is not key, candidate or standard", a->tier);
            return -1;
        }
    }
    return 0;
}

static void free_list(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        vg_free(l[i]);
    vg_free(l);
}

void enrich_account_clear(struct enrich_account *a)
{
    if (!a)
        return;
    vg_free(a->id);
    vg_free(a->name);
    free_list(a->aliases, a->n_aliases);
    free_list(a->domains, a->n_domains);
    vg_free(a->country);
    for (size_t i = 0; i < a->n_identifiers; i++) {
        vg_free(a->identifiers[i].key);
        vg_free(a->identifiers[i].value);
    }
    vg_free(a->identifiers);
    vg_free(a->owner);
    vg_free(a->tier);
    vg_free(a->crm_id);
    vg_free(a->retired);
    vg_free(a->owner_email);
    vg_free(a->owner_slack);
    vg_free(a->owner_timezone);
    vg_free(a->owner_digest);
    free_list(a->context_keywords, a->n_context_keywords);
    free_list(a->negative_keywords, a->n_negative_keywords);
    vg_free(a->parent_id);
    for (size_t i = 0; i < a->n_units; i++)
        enrich_unit_clear(&a->units[i]);
    vg_free(a->units);
    memset(a, 0, sizeof(*a));
}

/* ---------------------------------------------------------------------------------------
 * Set building */

static size_t str_hash(const char *s) { return (size_t)vg_fnv1a64_str(s); }

static int index_insert(size_t *slots, size_t nslots, struct enrich_account *v, size_t idx)
{
    size_t mask = nslots - 1, h = str_hash(v[idx].id) & mask;
    while (slots[h]) {
        if (strcmp(v[slots[h] - 1].id, v[idx].id) == 0)
            return -1;
        h = (h + 1) & mask;
    }
    slots[h] = idx + 1;
    return 0;
}

int enrich_account_builder_add(struct enrich_account_builder *b, struct enrich_account *a,
                               char *why, size_t whylen)
{
    if (!b->set && !(b->set = vg_calloc(1, sizeof(*b->set))))
        goto oom;
    struct enrich_account_set *s = b->set;
    /* Keep the index at most half full. */
    if ((s->n + 1) * 2 > b->nslots) {
        size_t nn = b->nslots ? b->nslots * 2 : 64;
        size_t *ns = vg_calloc(nn, sizeof(*ns));
        if (!ns)
            goto oom;
        for (size_t i = 0; i < s->n; i++)
            index_insert(ns, nn, s->v, i);
        vg_free(b->slots);
        b->slots = ns;
        b->nslots = nn;
    }
    if (s->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 16;
        struct enrich_account *nv = vg_realloc(s->v, nc * sizeof(*nv));
        if (!nv)
            goto oom;
        s->v = nv;
        b->cap = nc;
    }
    s->v[s->n] = *a;
    if (index_insert(b->slots, b->nslots, s->v, s->n) < 0) {
        why_set(why, whylen, "duplicate id '%.64s'", a->id);
        return -1;   /* `a` still owns its fields */
    }
    s->n++;
    memset(a, 0, sizeof(*a));
    return 0;
oom:
    why_set(why, whylen, "out of memory");
    return -1;
}

void enrich_account_builder_abort(struct enrich_account_builder *b)
{
    enrich_account_set_free(b->set);
    vg_free(b->slots);
    memset(b, 0, sizeof(*b));
}

void enrich_account_set_free(struct enrich_account_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++)
        enrich_account_clear(&set->v[i]);
    vg_free(set->v);
    vg_free(set);
}

const struct enrich_account *enrich_account_find(const struct enrich_account_set *set, const char *id)
{
    if (!set || !id)
        return NULL;
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->v[i].id, id) == 0)
            return &set->v[i];
    return NULL;
}

const char *enrich_account_identifier(const struct enrich_account *a, const char *key)
{
    if (!a || !key)
        return NULL;
    for (size_t i = 0; i < a->n_identifiers; i++)
        if (strcmp(a->identifiers[i].key, key) == 0)
            return a->identifiers[i].value;
    return NULL;
}

/* ---------------------------------------------------------------------------------------
 * JSON */

/* A JSON scalar where text is expected: strings as they are; whole numbers (an id of 42, a
 * SIREN of 552008443) printed as digits. Any other number would be stored as its "%.17g"
 * spelling, which no registry or CRM ever wrote: -1 with the reason. */
static int json_scalar(const cJSON *it, const char *key, char *buf, size_t bufl, const char **v,
                       size_t *n, char *why, size_t whylen)
{
    if (cJSON_IsString(it)) {
        *v = it->valuestring;
        *n = strlen(it->valuestring);
        return 0;
    }
    if (cJSON_IsNumber(it)) {
        double d = it->valuedouble;
        /* The range test comes first: converting a double beyond long long is undefined. */
        if (!(fabs(d) < 1e15) || d != floor(d)) {
            why_set(why, whylen, "%.40s %.17g is not a whole number below 10^15; write it as a string",
                    key, d);
            return -1;
        }
        snprintf(buf, bufl, "%lld", (long long)d);
        *v = buf;
        *n = strlen(buf);
        return 0;
    }
    why_set(why, whylen, "field '%.40s' has the wrong type", key);
    return -1;
}

static int json_field(struct enrich_account *a, const cJSON *it, char *why, size_t whylen)
{
    const char *key = it->string;
    char num[64];
    const char *v;
    size_t n;
    if (cJSON_IsNull(it))
        return 0;
    if (strcmp(key, "units") == 0)
        return enrich_account_units_json(a, it, why, whylen);
    if (strcmp(key, "identifiers") == 0) {
        if (!cJSON_IsObject(it)) {
            why_set(why, whylen, "identifiers must be an object {\"siren\": \"...\", ...}");
            return -1;
        }
        const cJSON *c;
        cJSON_ArrayForEach(c, it) {
            if (cJSON_IsNull(c))
                continue;
            if (!cJSON_IsString(c) && !cJSON_IsNumber(c)) {
                why_set(why, whylen, "identifier '%.40s' is not a string", c->string);
                return -1;
            }
            if (json_scalar(c, c->string, num, sizeof(num), &v, &n, why, whylen) < 0)
                return -1;
            char pair[MAX_VALUE_BYTES + 80];
            int pl = snprintf(pair, sizeof(pair), "%.64s=%.*s", c->string,
                              (int)(n > MAX_VALUE_BYTES ? MAX_VALUE_BYTES + 1 : n), v);
            if (add_identifier_pair(a, pair, (size_t)pl, why, whylen) < 0)
                return -1;
        }
        return 0;
    }
    char ***list;
    size_t *ln;
    int is_list = list_field(a, key, &list, &ln) || strcmp(key, "domains") == 0;
    if (cJSON_IsArray(it)) {
        if (!is_list) {
            why_set(why, whylen, "field '%.40s' cannot be a list", key);
            return -1;
        }
        const cJSON *c;
        cJSON_ArrayForEach(c, it) {
            if (!cJSON_IsString(c) && !cJSON_IsNumber(c)) {
                why_set(why, whylen, "%.40s must hold strings", key);
                return -1;
            }
            if (json_scalar(c, key, num, sizeof(num), &v, &n, why, whylen) < 0)
                return -1;
            if (enrich_account_add_value(a, key, v, n, why, whylen) < 0)
                return -1;
        }
        return 0;
    }
    /* CSV's '|'-separated cells have no place in JSON, where a list has its own syntax: a
     * string here is more likely a mistake than a list of one. */
    if (is_list) {
        why_set(why, whylen, "%.40s must be a list: [\"...\", \"...\"]", key);
        return -1;
    }
    double *numf = number_field(a, key);
    if (numf && cJSON_IsNumber(it)) {
        if (!isfinite(it->valuedouble)) {
            why_set(why, whylen, "%.40s is not a number", key);
            return -1;
        }
        *numf = it->valuedouble;
        return 0;
    }
    if (!cJSON_IsString(it) && !cJSON_IsNumber(it)) {
        why_set(why, whylen, "field '%.40s' has the wrong type", key);
        return -1;
    }
    if (json_scalar(it, key, num, sizeof(num), &v, &n, why, whylen) < 0)
        return -1;
    return enrich_account_set_field(a, key, v, n, why, whylen);
}

/* Line of a byte offset. */
static size_t line_of(const char *buf, size_t off)
{
    size_t line = 1;
    for (size_t i = 0; i < off; i++)
        line += buf[i] == '\n';
    return line;
}

/* Where in the text an account is, since cJSON keeps no positions: walks the array that
 * opens at buf[start], following strings and nesting. The walk can be resumed (struct jwalk
 * keeps where it is), so finding the line of every account of a file costs one pass. */
struct jwalk { size_t i; int depth, in_str, expect; size_t elem; };

/* Goes on from w->i and stops at the start of element number `want` (1-based) or at byte
 * `stop`, whichever comes first. w->elem is the element reached (0 before the first), the
 * return value the offset where the walk stopped. */
static size_t jwalk_run(struct jwalk *w, const char *buf, size_t len, size_t want, size_t stop)
{
    if (stop > len)
        stop = len;
    for (; w->i < stop; w->i++) {
        char c = buf[w->i];
        if (w->in_str) {
            if (c == '\\')
                w->i++;
            else if (c == '"')
                w->in_str = 0;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        if (w->depth == 1 && w->expect && c != ']') {
            w->expect = 0;
            if (++w->elem == want)
                return w->i;
        }
        if (c == '"')
            w->in_str = 1;
        else if (c == '[' || c == '{')
            w->expect = ++w->depth == 1;
        else if (c == ']' || c == '}')
            w->depth--;
        else if (c == ',' && w->depth == 1)
            w->expect = 1;
    }
    if (w->i > stop)
        w->i = stop;
    return stop;
}

static size_t json_walk(const char *buf, size_t len, size_t start, size_t want, size_t stop,
                        size_t *elem)
{
    struct jwalk w = {.i = start};
    size_t at = jwalk_run(&w, buf, len, want, stop);
    *elem = w.elem;
    return at;
}

static int parse_json(const char *buf, size_t len, size_t start, struct enrich_account_set **out,
                      char *err, size_t errlen)
{
    cJSON *root = vg_json_parse(buf + start, len - start);
    if (!root) {
        size_t eo = vg_json_error_offset();
        if (eo == (size_t)-1) {
            why_set(err, errlen, "out of memory");
            return -1;
        }
        /* A file written on one line would always say "line 1": the account and the column
         * say where to look. */
        size_t off = start + eo, elem, line = line_of(buf, off), col = 1;
        json_walk(buf, len, start, 0, off, &elem);
        while (col <= off && buf[off - col] != '\n')
            col++;
        if (elem)
            why_set(err, errlen, "line %zu: invalid JSON in account #%zu, column %zu", line, elem, col);
        else
            why_set(err, errlen, "line %zu: invalid JSON, column %zu", line, col);
        return -1;
    }
    if (!cJSON_IsArray(root)) {
        why_set(err, errlen, "line %zu: expected a JSON array of accounts", line_of(buf, start));
        cJSON_Delete(root);
        return -1;
    }
    struct enrich_account_builder b = {0};
    struct enrich_account a = {0};
    char why[256];
    size_t idx = 0;
    /* Each account's line, for the checks made after the parse (enrich_accounts_check_groups). */
    struct jwalk lw = {.i = start};
    size_t line_at = 0, line = 1;
    const cJSON *obj;
    cJSON_ArrayForEach(obj, root) {
        idx++;
        size_t here = jwalk_run(&lw, buf, len, idx, len);
        for (; line_at < here; line_at++)
            line += buf[line_at] == '\n';
        const cJSON *idf = cJSON_GetObjectItemCaseSensitive(obj, "id");
        if (!cJSON_IsObject(obj)) {
            why_set(why, sizeof(why), "not an object");
            goto bad;
        }
        const cJSON *it;
        cJSON_ArrayForEach(it, obj) {
            /* "_comment" and other underscore keys are notes for humans. */
            if (it->string[0] == '_')
                continue;
            if (json_field(&a, it, why, sizeof(why)) < 0)
                goto bad;
        }
        if (enrich_account_finish(&a, why, sizeof(why)) < 0)
            goto bad;
        a.line = line;
        if (enrich_account_builder_add(&b, &a, why, sizeof(why)) < 0)
            goto bad;
        continue;
    bad:;
        size_t elem;
        size_t at = json_walk(buf, len, start, idx, len, &elem);
        why_set(err, errlen, "line %zu: account #%zu (id %.64s): %s", line_of(buf, at), idx,
                a.id ? a.id : (cJSON_IsString(idf) ? idf->valuestring : "?"), why);
        goto fail;
    }
    cJSON_Delete(root);
    if (!b.set && !(b.set = vg_calloc(1, sizeof(*b.set)))) {
        why_set(err, errlen, "out of memory");
        return -1;
    }
    vg_free(b.slots);
    *out = b.set;
    return 0;
fail:
    enrich_account_clear(&a);
    enrich_account_builder_abort(&b);
    cJSON_Delete(root);
    return -1;
}

int enrich_accounts_parse(const char *buf, size_t len, struct enrich_account_set **out, char *err,
                          size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    *out = NULL;
    if (!buf)
        len = 0;
    size_t i = 0;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        i = 3;   /* a spreadsheet's byte-order mark */
    while (i < len && isspace((unsigned char)buf[i]))
        i++;
    if (i == len) {
        why_set(err, errlen, "line 1: empty input");
        return -1;
    }
    if (buf[i] == '[')
        return parse_json(buf, len, i, out, err, errlen);
    if (buf[i] == '{') {
        why_set(err, errlen, "line %zu: expected a JSON array of accounts, not one object",
                line_of(buf, i));
        return -1;
    }
    return enrich_accounts_parse_csv(buf, len, out, err, errlen);
}
