/* fr_company_snap — the register's /search answer read into a company snapshot (fr_company.h).
 *
 * The answer is untrusted: a member of the wrong type is read as absent, a list given as one
 * object is read as a list of one (the API has answered both ways), lists are read up to a
 * bound, and every string is cleaned and cut. */
#include "fetchers/feed.h"
#include "fetchers/fr_company.h"
#include "util/vg_alloc.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int frc_siren_norm(const char *s, char out[10])
{
    size_t n = 0;
    for (; s && *s; s++) {
        if (*s >= '0' && *s <= '9') {
            if (n == 9)
                return -1;
            out[n++] = *s;
        } else if (*s != ' ' && *s != '.' && *s != '-')
            return -1;
    }
    out[n] = '\0';
    return n == 9 ? 0 : -1;
}

static const char *str_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* A cleaned copy of s added to o under k (null when s is NULL or cleans to nothing). */
static int add_clean(cJSON *o, const char *k, const char *s)
{
    char *c = s ? feed_text_clean(s, strlen(s), FRC_MAX_STR, 0) : NULL;
    cJSON *v = c && c[0] ? cJSON_CreateString(c) : cJSON_CreateNull();
    vg_free(c);
    return v && cJSON_AddItemToObject(o, k, v) ? 0 : (cJSON_Delete(v), -1);
}

/* A number given as a number or as numeric text (a year "2023"); NAN-free: 0 when absent. */
static int num_of(const cJSON *v, double *out)
{
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return 0;
    }
    if (cJSON_IsString(v) && v->valuestring[0]) {
        char *end;
        double d = strtod(v->valuestring, &end);
        if (*end == '\0') {
            *out = d;
            return 0;
        }
    }
    return -1;
}

static int add_num_or_null(cJSON *a, const cJSON *v)
{
    double d;
    /* Amounts past 2^53 are not amounts a register gives: refused rather than rounded. */
    cJSON *x = num_of(v, &d) == 0 && d > -9.0e15 && d < 9.0e15 ? cJSON_CreateNumber((double)(long long)d)
                                                               : cJSON_CreateNull();
    return x && cJSON_AddItemToArray(a, x) ? 0 : (cJSON_Delete(x), -1);
}

/* The directors: a person's first names and name, or a legal entity's name, and the role. */
static int read_directors(const cJSON *list, cJSON *snap)
{
    cJSON *out = cJSON_AddArrayToObject(snap, "directors");
    if (!out)
        return -1;
    const cJSON *one = cJSON_IsObject(list) ? list : NULL;
    const cJSON *d = one ? one : cJSON_IsArray(list) ? list->child : NULL;
    for (int n = 0; d && n < FRC_MAX_DIRECTORS; d = one ? NULL : d->next) {
        if (!cJSON_IsObject(d))
            continue;
        char name[2 * FRC_MAX_STR];
        const char *nom = str_of(d, "nom"), *prenoms = str_of(d, "prenoms"), *denom = str_of(d, "denomination");
        if (nom)
            snprintf(name, sizeof(name), "%s%s%s", prenoms ? prenoms : "", prenoms ? " " : "", nom);
        else if (denom)
            snprintf(name, sizeof(name), "%s", denom);
        else
            continue;
        cJSON *o = cJSON_CreateObject();
        if (o && !cJSON_AddItemToArray(out, o)) {
            cJSON_Delete(o);
            o = NULL;
        }
        if (!o || add_clean(o, "name", name) < 0 || add_clean(o, "role", str_of(d, "qualite")) < 0 ||
            (!nom && !cJSON_AddTrueToObject(o, "entity")))
            return -1;
        n++;
    }
    return 0;
}

static int year_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)b, *(const char *const *)a); /* latest first */
}

/* finances: {"2023": {"ca": ..., "resultat_net": ...}, ...}; also read when given as a list
 * of such objects with an "annee" member. The latest FRC_MAX_YEARS years are kept. */
static int read_finances(const cJSON *fin, cJSON *snap)
{
    cJSON *out = cJSON_AddObjectToObject(snap, "finances");
    if (!out)
        return -1;
    /* Up to FRC_SCAN_YEARS entries are looked at (a register has a few dozen years at most). */
    enum { FRC_SCAN_YEARS = 256 };
    const char *years[FRC_SCAN_YEARS];
    const cJSON *vals[FRC_SCAN_YEARS];
    size_t n = 0;
    for (const cJSON *y = (cJSON_IsObject(fin) || cJSON_IsArray(fin)) ? fin->child : NULL; y && n < FRC_SCAN_YEARS;
         y = y->next) {
        if (!cJSON_IsObject(y))
            continue;
        const char *year = cJSON_IsObject(fin) ? y->string : str_of(y, "annee");
        if (!year || strlen(year) != 4 || strspn(year, "0123456789") != 4)
            continue;
        int dup = 0;
        for (size_t i = 0; i < n; i++)
            dup |= strcmp(years[i], year) == 0;
        if (dup)
            continue;
        years[n] = year;
        vals[n++] = y;
    }
    /* Sort the years with their values: a small insertion sort keeps the pairs together. */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && year_cmp(&years[j - 1], &years[j]) > 0; j--) {
            const char *ty = years[j];
            years[j] = years[j - 1];
            years[j - 1] = ty;
            const cJSON *tv = vals[j];
            vals[j] = vals[j - 1];
            vals[j - 1] = tv;
        }
    for (size_t i = 0; i < n && i < FRC_MAX_YEARS; i++) {
        cJSON *pair = cJSON_CreateArray();
        if (!pair || !cJSON_AddItemToObject(out, years[i], pair))
            return cJSON_Delete(pair), -1;
        if (add_num_or_null(pair, cJSON_GetObjectItemCaseSensitive(vals[i], "ca")) < 0 ||
            add_num_or_null(pair, cJSON_GetObjectItemCaseSensitive(vals[i], "resultat_net")) < 0)
            return -1;
    }
    return 0;
}

static int read_office(const cJSON *siege, cJSON *snap)
{
    cJSON *o = cJSON_AddObjectToObject(snap, "office");
    if (!o)
        return -1;
    const cJSON *s = cJSON_IsObject(siege) ? siege : NULL;
    if (cJSON_IsArray(siege) && cJSON_IsObject(siege->child))
        s = siege->child;
    return add_clean(o, "siret", str_of(s, "siret")) < 0 || add_clean(o, "address", str_of(s, "adresse")) < 0 ||
                   add_clean(o, "city", str_of(s, "libelle_commune")) < 0 ||
                   add_clean(o, "postcode", str_of(s, "code_postal")) < 0
               ? -1
               : 0;
}

static cJSON *build(const cJSON *r, const char *siren)
{
    cJSON *snap = cJSON_CreateObject();
    if (!snap)
        return NULL;
    const char *name = str_of(r, "nom_raison_sociale");
    const char *state = str_of(r, "etat_administratif");
    const cJSON *est = cJSON_GetObjectItemCaseSensitive(r, "nombre_etablissements_ouverts");
    double d;
    int ok = cJSON_AddNumberToObject(snap, "v", 1) && cJSON_AddStringToObject(snap, "siren", siren) &&
             add_clean(snap, "name", name ? name : str_of(r, "nom_complet")) == 0 &&
             add_clean(snap, "naf", str_of(r, "activite_principale")) == 0 &&
             add_clean(snap, "headcount", str_of(r, "tranche_effectif_salarie")) == 0 &&
             add_clean(snap, "headcount_year", str_of(r, "annee_tranche_effectif_salarie")) == 0 &&
             add_clean(snap, "created", str_of(r, "date_creation")) == 0 &&
             cJSON_AddStringToObject(snap, "state", state && strcmp(state, "C") == 0 ? "C" : "A") &&
             add_clean(snap, "closed", str_of(r, "date_fermeture")) == 0 &&
             (num_of(est, &d) == 0 && d >= 0 && d < 1e9 ? cJSON_AddNumberToObject(snap, "establishments", (int)d)
                                                          : cJSON_AddNullToObject(snap, "establishments")) &&
             read_office(cJSON_GetObjectItemCaseSensitive(r, "siege"), snap) == 0 &&
             read_finances(cJSON_GetObjectItemCaseSensitive(r, "finances"), snap) == 0 &&
             read_directors(cJSON_GetObjectItemCaseSensitive(r, "dirigeants"), snap) == 0;
    if (!ok) {
        cJSON_Delete(snap);
        return NULL;
    }
    return snap;
}

int frc_snapshot(const char *body, size_t len, const char *siren, cJSON **snap, const char **error_kind, char *err,
                 size_t errlen)
{
    *snap = NULL;
    *error_kind = "parse";
    size_t skip = strspn(body, " \t\r\n");
    if (len == skip) {
        snprintf(err, errlen, "the register answered an empty body");
        return -1;
    }
    if (body[skip] == '<') {
        *error_kind = "not_a_register_answer";
        snprintf(err, errlen, "the register answered HTML or XML, not JSON (an error page?)");
        return -1;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
    if (!root) {
        size_t at = end && end >= body ? (size_t)(end - body) : 0;
        snprintf(err, errlen, "the register's answer is not JSON (broken or cut at byte %zu of %zu)", at, len);
        return -1;
    }
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(root, "results");
    if (!cJSON_IsArray(results)) {
        *error_kind = "not_a_register_answer";
        snprintf(err, errlen, "the register's answer has no \"results\" list");
        cJSON_Delete(root);
        return -1;
    }
    int n = 0, rc = 1;
    for (const cJSON *r = results->child; r && n < FRC_MAX_RESULTS; r = r->next, n++) {
        const char *s = str_of(r, "siren");
        if (!cJSON_IsObject(r) || !s || strcmp(s, siren) != 0)
            continue;
        if (!(*snap = build(r, siren))) {
            *error_kind = "internal";
            snprintf(err, errlen, "out of memory");
            rc = -1;
        } else
            rc = 0;
        break;
    }
    cJSON_Delete(root);
    return rc;
}

/* INSEE's headcount bands (tranche_effectif_salarie), smallest first. */
static const struct {
    const char *code, *label;
} bands[] = {
    {"NN", "no employees on record"}, {"00", "0 employees"},
    {"01", "1 or 2 employees"},        {"02", "3 to 5 employees"},
    {"03", "6 to 9 employees"},        {"11", "10 to 19 employees"},
    {"12", "20 to 49 employees"},      {"21", "50 to 99 employees"},
    {"22", "100 to 199 employees"},    {"31", "200 to 249 employees"},
    {"32", "250 to 499 employees"},    {"41", "500 to 999 employees"},
    {"42", "1,000 to 1,999 employees"}, {"51", "2,000 to 4,999 employees"},
    {"52", "5,000 to 9,999 employees"}, {"53", "10,000 employees or more"},
};

int frc_band_rank(const char *code)
{
    for (size_t i = 0; code && i < sizeof(bands) / sizeof(bands[0]); i++)
        if (strcmp(bands[i].code, code) == 0)
            return (int)i;
    return -1;
}

const char *frc_band_label(const char *code)
{
    int r = frc_band_rank(code);
    return r < 0 ? NULL : bands[r].label;
}
