/* account — key-account records: the rules of each field, shared by both input formats.
 *
 * Both readers (JSON in account_json_read.c, CSV in account_csv.c) feed the same setters, so a
 * value means the same thing whichever format it came in: lists are arrays or '|'-separated
 * strings, numbers are numbers or numeric strings, identifiers are validated by kind (a SIREN
 * has 9 digits). enrich_account_finish checks a whole record before a reader adds it to its
 * set (account_set.c). */
#include "enrich/account.h"
#include "enrich/account_int.h"
#include "enrich/score.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "util/vg_alloc.h"
#include "util/vg_tz.h"

void enrich_account_why(char *why, size_t whylen, const char *fmt, ...)
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
    if (n > ACCOUNT_MAX_VALUE_BYTES) {
        enrich_account_why(why, whylen, "value longer than %d bytes", ACCOUNT_MAX_VALUE_BYTES);
        return -1;
    }
    size_t i = 0;
    while (i < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)v + i,
                                              (utf8proc_ssize_t)(n - i), &cp);
        if (r <= 0) {
            enrich_account_why(why, whylen, "invalid UTF-8");
            return -1;
        }
        if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7f) {
            enrich_account_why(why, whylen, "control character in value");
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
        enrich_account_why(why, whylen, "out of memory");
        return -1;
    }
    vg_free(*dst);
    *dst = c;
    return 0;
}

int enrich_account_list_push(char ***list, size_t *n, const char *v, size_t len, char *why, size_t whylen)
{
    if (*n >= ACCOUNT_MAX_LIST_ITEMS) {
        enrich_account_why(why, whylen, "more than %d values in a list", ACCOUNT_MAX_LIST_ITEMS);
        return -1;
    }
    if (check_text(v, len, why, whylen) < 0)
        return -1;
    char **nl = vg_realloc(*list, (*n + 1) * sizeof(**list));
    if (!nl) {
        enrich_account_why(why, whylen, "out of memory");
        return -1;
    }
    *list = nl;
    if (!(nl[*n] = vg_strndup(v, len))) {
        enrich_account_why(why, whylen, "out of memory");
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
        enrich_account_why(why, whylen, "bad domain '%.*s'", (int)(n > 80 ? 80 : n), v);
        return -1;
    }
    return enrich_account_list_push(&a->domains, &a->n_domains, host, (size_t)hl, why, whylen);
}

/* Identifier values are normalised to how registries print them, so lookups compare equal:
 * digits only for SIREN/SIRET/CIK ("380 129 866"), upper case for LEI, ISIN and tickers. */
static int add_identifier(struct enrich_account *a, const char *key, const char *v, size_t n,
                          char *why, size_t whylen)
{
    char val[ACCOUNT_MAX_VALUE_BYTES + 1];
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
                if (vl >= ACCOUNT_MAX_VALUE_BYTES)
                    break;
                val[vl++] = v[i];
            } else if (v[i] != ' ' && v[i] != '.' && v[i] != '-') {
                enrich_account_why(why, whylen, "%s '%.*s' is not a number", key, (int)(n > 40 ? 40 : n), v);
                return -1;
            }
        }
        size_t want = strcmp(key, "siren") == 0 ? 9 : strcmp(key, "siret") == 0 ? 14 : 0;
        if ((want && vl != want) || (!want && (vl == 0 || vl > 10))) {
            enrich_account_why(why, whylen, "%s '%.*s' must have %s digits", key, (int)(n > 40 ? 40 : n), v,
                               want == 9 ? "9" : want == 14 ? "14" : "1 to 10");
            return -1;
        }
    } else {
        if (n > ACCOUNT_MAX_VALUE_BYTES) {
            enrich_account_why(why, whylen, "value longer than %d bytes", ACCOUNT_MAX_VALUE_BYTES);
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
                enrich_account_why(why, whylen, "lei '%.*s' must be 20 letters or digits", (int)(n > 40 ? 40 : n),
                                   v);
                return -1;
            }
        }
        if (check_text(val, vl, why, whylen) < 0)
            return -1;
    }
    if (a->n_identifiers >= ACCOUNT_MAX_LIST_ITEMS) {
        enrich_account_why(why, whylen, "more than %d identifiers", ACCOUNT_MAX_LIST_ITEMS);
        return -1;
    }
    struct enrich_identifier *ni = vg_realloc(a->identifiers, (a->n_identifiers + 1) * sizeof(*ni));
    if (!ni) {
        enrich_account_why(why, whylen, "out of memory");
        return -1;
    }
    a->identifiers = ni;
    struct enrich_identifier *id = &ni[a->n_identifiers];
    id->key = vg_strdup(key);
    id->value = vg_strndup(val, vl);
    if (!id->key || !id->value) {
        vg_free(id->key);
        vg_free(id->value);
        enrich_account_why(why, whylen, "out of memory");
        return -1;
    }
    a->n_identifiers++;
    return 0;
}

/* "key=value" as found in an "identifiers" cell. */
int enrich_account_add_identifier_pair(struct enrich_account *a, const char *v, size_t n, char *why,
                                       size_t whylen)
{
    const char *eq = memchr(v, '=', n);
    if (!eq) {
        enrich_account_why(why, whylen, "identifier '%.*s' is not key=value", (int)(n > 40 ? 40 : n), v);
        return -1;
    }
    const char *k = v, *val = eq + 1;
    size_t kl = (size_t)(eq - v), vl = n - kl - 1;
    trim(&k, &kl);
    trim(&val, &vl);
    char key[64];
    if (kl == 0 || kl >= sizeof(key)) {
        enrich_account_why(why, whylen, "bad identifier name '%.*s'", (int)(kl > 40 ? 40 : kl), k);
        return -1;
    }
    for (size_t i = 0; i < kl; i++) {
        unsigned char c = (unsigned char)k[i];
        if (!(isalnum(c) || c == '_' || c == '-')) {
            enrich_account_why(why, whylen, "bad identifier name '%.*s'", (int)kl, k);
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
        enrich_account_why(why, whylen, "%s is not a number", key);
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
        enrich_account_why(why, whylen, "%s '%s' is not a number", key, tmp);
        return -1;
    }
    *out = d;
    return 0;
}

double *enrich_account_number_field(struct enrich_account *a, const char *key)
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

int enrich_account_list_field(struct enrich_account *a, const char *key, char ****list, size_t **n)
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
    if (enrich_account_list_field(a, key, &list, &n))
        return enrich_account_list_push(list, n, val, vlen, why, whylen);
    if (strcmp(key, "domains") == 0)
        return add_domain(a, val, vlen, why, whylen);
    if (strcmp(key, "identifiers") == 0)
        return enrich_account_add_identifier_pair(a, val, vlen, why, whylen);
    if (enrich_account_is_identifier_key(key))
        return add_identifier(a, key, val, vlen, why, whylen);
    enrich_account_why(why, whylen, "unknown field '%s'", key);
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
    double *num = enrich_account_number_field(a, key);
    if (num) {
        if (vlen == 0)
            return 0;
        return parse_number(val, vlen, num, key, why, whylen);
    }
    char ***list;
    size_t *n;
    if (strcmp(key, "units") == 0)
        return enrich_account_units_text(a, val, vlen, why, whylen);
    if (enrich_account_list_field(a, key, &list, &n) || strcmp(key, "domains") == 0 ||
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
    enrich_account_why(why, whylen, "unknown field '%s'", key);
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
        enrich_account_why(why, whylen, "missing id");
        return -1;
    }
    if (strlen(id) > 256) {
        enrich_account_why(why, whylen, "id longer than 256 bytes");
        return -1;
    }
    if (check_text(id, strlen(id), why, whylen) < 0)
        return -1;
    if (id_has_space(id)) {
        enrich_account_why(why, whylen,
                           "id '%.64s' contains a space; an id is one word (acme, acme-sa, 552008443)", id);
        return -1;
    }
    return 0;
}

int enrich_account_finish(struct enrich_account *a, char *why, size_t whylen)
{
    if (enrich_account_id_check(a->id, why, whylen) < 0)
        return -1;
    if (!a->name || !a->name[0]) {
        enrich_account_why(why, whylen, "missing name");
        return -1;
    }
    if (a->country) {
        char *c = a->country;
        if (strlen(c) != 2 || !isalpha((unsigned char)c[0]) || !isalpha((unsigned char)c[1])) {
            enrich_account_why(why, whylen, "country '%.16s' is not an ISO 3166 alpha-2 code", c);
            return -1;
        }
        c[0] = (char)toupper((unsigned char)c[0]);
        c[1] = (char)toupper((unsigned char)c[1]);
    }
    if (a->parent_id && enrich_account_id_check(a->parent_id, why, whylen) < 0) {
        char inner[200];
        snprintf(inner, sizeof(inner), "%s", why);
        enrich_account_why(why, whylen, "parent_id: %s", inner);
        return -1;
    }
    if (a->parent_id && strcmp(a->parent_id, a->id) == 0) {
        enrich_account_why(why, whylen, "parent_id '%.64s' is the account itself", a->parent_id);
        return -1;
    }
    double t;
    if (a->retired && enrich_parse_time(a->retired, &t) < 0) {
        enrich_account_why(why, whylen, "retired '%.40s' is not an RFC 3339 time (2024-05-01T10:00:00Z)",
                           a->retired);
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
        enrich_account_why(why, whylen, "%s %s", bad, owhy);
        return -1;
    }
    if (!a->tier) {
        if (!(a->tier = vg_strdup("standard"))) {
            enrich_account_why(why, whylen, "out of memory");
            return -1;
        }
    } else {
        for (char *c = a->tier; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        if (strcmp(a->tier, "key") && strcmp(a->tier, "candidate") && strcmp(a->tier, "standard")) {
            enrich_account_why(why, whylen, "tier '%.32s' is not key, candidate or standard", a->tier);
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
