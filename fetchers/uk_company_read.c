/* uk_company_read — Companies House answers into the uk_company snapshot (see uk_company.h).
 * Every field is checked for its type: a member of the wrong type is left out, never trusted,
 * and every list is cut at its cap. */
#include "fetchers/feed.h"
#include "fetchers/uk_company.h"
#include "util/vg_alloc.h"
#include "util/vg_json.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* A string the API gave, as plain one-line text of at most UK_MAX_FIELD bytes ("" when none). */
static int add_text(cJSON *o, const char *key, const char *s)
{
    char *t = feed_text_clean(s ? s : "", s ? strlen(s) : 0, UK_MAX_FIELD, 0);
    cJSON *v = t ? cJSON_CreateString(t) : NULL;
    vg_free(t);
    if (!v || !cJSON_AddItemToObject(o, key, v)) {
        cJSON_Delete(v);
        return -1;
    }
    return 0;
}

static int push_text(cJSON *arr, const char *s)
{
    char *t = feed_text_clean(s, strlen(s), UK_MAX_FIELD, 0);
    cJSON *v = t ? cJSON_CreateString(t) : NULL;
    vg_free(t);
    if (!v || !cJSON_AddItemToArray(arr, v)) {
        cJSON_Delete(v);
        return -1;
    }
    return 0;
}

static const char *str(const cJSON *o, const char *k) { return vg_json_str(o, k); }

/* A body that is no JSON object: a message naming what it looked like. */
static cJSON *read_object(const char *what, const char *body, size_t len, char *err, size_t errlen)
{
    size_t i = 0;
    while (i < len && isspace((unsigned char)body[i]))
        i++;
    if (i < len && body[i] == '<') {
        snprintf(err, errlen, "%s: an HTML page, not Companies House JSON", what);
        return NULL;
    }
    cJSON *o = vg_json_parse(body, len);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        snprintf(err, errlen, "%s: not Companies House JSON (invalid or truncated)", what);
        return NULL;
    }
    /* {"errors": [{"error": "company-profile-not-found", "type": "ch:service"}]} */
    const cJSON *errors = cJSON_GetObjectItemCaseSensitive(o, "errors");
    if (cJSON_IsArray(errors)) {
        const char *e = str(cJSON_GetArrayItem(errors, 0), "error");
        char *t = feed_text_clean(e ? e : "an error", e ? strlen(e) : 8, 200, 0);
        snprintf(err, errlen, "%s: Companies House answered %s", what, t ? t : "an error");
        vg_free(t);
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static void number_from_url(const char *url, char *out, size_t max)
{
    out[0] = '\0';
    const char *p = url ? strstr(url, "/company/") : NULL;
    if (!p)
        return;
    p += strlen("/company/");
    size_t k = 0;
    while (isalnum((unsigned char)p[k]) && k + 1 < max && k < 10) {
        out[k] = (char)toupper((unsigned char)p[k]);
        k++;
    }
    out[k] = '\0';
}

/* "1 High Street, London, EC1A 1AA" from registered_office_address's parts. */
static int add_office(cJSON *snap, const cJSON *a)
{
    static const char *const parts[] = {"care_of", "po_box", "premises", "address_line_1", "address_line_2",
                                        "locality", "region", "postal_code", "country", NULL};
    char buf[UK_MAX_FIELD] = "";
    size_t o = 0;
    for (const char *const *k = parts; cJSON_IsObject(a) && *k; k++) {
        const char *v = str(a, *k);
        if (!v || !*v)
            continue;
        int w = snprintf(buf + o, sizeof(buf) - o, "%s%s", o ? (strcmp(*k, "address_line_1") == 0 && o ? " " : ", ") : "", v);
        if (w < 0 || (size_t)w >= sizeof(buf) - o)
            break;
        o += (size_t)w;
    }
    return add_text(snap, "office", buf);
}

cJSON *uk_profile_read(const char *body, size_t len, const char *url, char *err, size_t errlen)
{
    cJSON *p = read_object("company profile", body, len, err, errlen);
    if (!p)
        return NULL;
    char number[16];
    const char *n = str(p, "company_number");
    if (n && strlen(n) <= 10 && strspn(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") == strlen(n) && *n) {
        size_t k = 0;
        for (; n[k]; k++)
            number[k] = (char)toupper((unsigned char)n[k]);
        number[k] = '\0';
    } else
        number_from_url(url, number, sizeof(number));
    if (!number[0] || (!str(p, "company_name") && !str(p, "company_status"))) {
        snprintf(err, errlen, "company profile: no company_number, company_name or company_status");
        cJSON_Delete(p);
        return NULL;
    }
    cJSON *snap = cJSON_CreateObject();
    int rc = snap ? 0 : -1;
    rc |= add_text(snap, "number", number);
    rc |= add_text(snap, "name", str(p, "company_name"));
    rc |= add_text(snap, "status", str(p, "company_status"));
    rc |= add_office(snap, cJSON_GetObjectItemCaseSensitive(p, "registered_office_address"));
    rc |= add_text(snap, "created", str(p, "date_of_creation"));
    cJSON *sic = cJSON_CreateArray();
    if (!sic || !cJSON_AddItemToObject(snap, "sic", sic)) {
        cJSON_Delete(sic);
        rc = -1;
    }
    const cJSON *e;
    int nsic = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(p, "sic_codes"))
    {
        if (cJSON_IsString(e) && strlen(e->valuestring) <= 10 && nsic++ < 10)
            rc |= push_text(sic, e->valuestring);
    }
    cJSON_AddBoolToObject(snap, "insolvency_history",
                          cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "has_insolvency_history")));
    cJSON_Delete(p);
    if (rc) {
        cJSON_Delete(snap);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    return snap;
}

int uk_status_insolvent(const char *s)
{
    static const char *const bad[] = {"liquidation", "administration", "receivership", "insolvency-proceedings",
                                      "voluntary-arrangement", NULL};
    for (const char *const *b = bad; s && *b; b++)
        if (strcmp(s, *b) == 0)
            return 1;
    return 0;
}

static void title_case(char *s)
{
    int start = 1;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalpha(c)) {
            *s = (char)(start ? toupper(c) : tolower(c));
            start = 0;
        } else
            start = (c == ' ' || c == '-' || c == '\'');
    }
}

void uk_person_name(const char *api_name, char *out, size_t max)
{
    const char *comma = api_name ? strchr(api_name, ',') : NULL;
    if (!comma) {
        snprintf(out, max, "%s", api_name ? api_name : "");
        return;
    }
    char surname[UK_MAX_FIELD];
    snprintf(surname, sizeof(surname), "%.*s", (int)(comma - api_name), api_name);
    /* an upper-case surname is written as a name; one already in mixed case is left alone */
    int lower = 0;
    for (const char *p = surname; *p; p++)
        lower |= islower((unsigned char)*p);
    if (!lower)
        title_case(surname);
    const char *given = comma + 1;
    while (*given == ' ')
        given++;
    snprintf(out, max, "%s%s%s", given, *given ? " " : "", surname);
}

void uk_key_words(const char *key, char *out, size_t max)
{
    size_t k = 0;
    for (const char *p = key ? key : ""; *p && k + 1 < max; p++)
        out[k++] = *p == '-' || *p == '_' ? ' ' : *p;
    out[k] = '\0';
    if (k)
        out[0] = (char)toupper((unsigned char)out[0]);
}

static cJSON *list_of(const char *what, const char *body, size_t len, cJSON **root, char *err, size_t errlen)
{
    *root = NULL;
    if (!body)
        return NULL;
    if (!(*root = read_object(what, body, len, err, errlen)))
        return NULL;
    /* A 200 without its list is no empty list: taken as one, it would make every officer
     * look appointed at the next poll. */
    const char *key = what[0] == 'i' ? "cases" : "items";
    cJSON *list = cJSON_GetObjectItemCaseSensitive(*root, key);
    if (!cJSON_IsArray(list)) {
        snprintf(err, errlen, "%s: no \"%s\" list in Companies House's answer", what, key);
        cJSON_Delete(*root);
        *root = NULL;
        return NULL;
    }
    return list;
}

int uk_officers_read(cJSON *snap, const char *body, size_t len, char *err, size_t errlen)
{
    cJSON *root;
    const cJSON *items = list_of("officers", body, len, &root, err, errlen), *e;
    if (body && !root)
        return -1;
    cJSON *arr = cJSON_CreateArray();
    if (!arr || !cJSON_AddItemToObject(snap, "officers", arr)) {
        cJSON_Delete(arr);
        cJSON_Delete(root);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int n = 0, rc = 0;
    cJSON_ArrayForEach(e, items)
    {
        const char *name = str(e, "name");
        if (!name || !*name)
            continue;
        if (n++ >= UK_MAX_OFFICERS)
            break;
        char readable[UK_MAX_FIELD];
        uk_person_name(name, readable, sizeof(readable));
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            rc = -1;
            break;
        }
        rc |= add_text(o, "name", readable);
        rc |= add_text(o, "role", str(e, "officer_role"));
        rc |= add_text(o, "appointed", str(e, "appointed_on"));
        const char *res = str(e, "resigned_on");
        if (res && *res)
            rc |= add_text(o, "resigned", res);
    }
    cJSON_Delete(root);
    if (rc)
        snprintf(err, errlen, "out of memory");
    return rc ? -1 : 0;
}

int uk_filings_read(cJSON *snap, const char *body, size_t len, cJSON **events, char *err, size_t errlen)
{
    *events = NULL;
    cJSON *root;
    const cJSON *items = list_of("filing history", body, len, &root, err, errlen), *e;
    if (body && !root)
        return -1;
    cJSON *arr = cJSON_CreateArray();
    *events = cJSON_CreateArray();
    int rc = 0, n = 0;
    if (!arr || !*events || !cJSON_AddItemToObject(snap, "filings", arr)) {
        cJSON_Delete(arr);
        rc = -1;
    }
    cJSON_ArrayForEach(e, items)
    {
        if (rc)
            break;
        const char *id = str(e, "transaction_id"), *date = str(e, "date");
        if (!id || !*id || strlen(id) > 64 || !date || feed_date_parse(date) == FEED_DATE_NONE)
            continue;
        if (n++ >= UK_MAX_FILINGS)
            break;
        cJSON *o = cJSON_CreateObject(), *ev = cJSON_CreateObject();
        if (!o || !ev || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            cJSON_Delete(ev);
            rc = -1;
            break;
        }
        if (!cJSON_AddItemToArray(*events, ev)) {
            cJSON_Delete(ev);
            rc = -1;
            break;
        }
        rc |= add_text(o, "id", id);
        rc |= add_text(o, "date", date);
        rc |= add_text(ev, "id", id);
        rc |= add_text(ev, "date", date);
        rc |= add_text(ev, "type", str(e, "type"));
        char words[UK_MAX_FIELD];
        uk_key_words(str(e, "category"), words, sizeof(words));
        rc |= add_text(ev, "category", words);
        uk_key_words(str(e, "description"), words, sizeof(words));
        /* the values the description's template names: an officer, a date, a capital */
        const cJSON *dv = cJSON_GetObjectItemCaseSensitive(e, "description_values");
        const char *who = str(dv, "officer_name");
        if (who && *who) {
            size_t used = strlen(words);
            snprintf(words + used, sizeof(words) - used, " (%s)", who);
        }
        rc |= add_text(ev, "text", words);
    }
    cJSON_Delete(root);
    if (rc) {
        cJSON_Delete(*events);
        *events = NULL;
        snprintf(err, errlen, "out of memory");
    }
    return rc ? -1 : 0;
}

int uk_insolvency_read(cJSON *snap, const char *body, size_t len, char *err, size_t errlen)
{
    cJSON *root;
    const cJSON *cases = list_of("insolvency", body, len, &root, err, errlen), *e;
    if (body && !root)
        return -1;
    cJSON *arr = cJSON_CreateArray();
    int n = 0, rc = 0;
    if (!arr || !cJSON_AddItemToObject(snap, "cases", arr)) {
        cJSON_Delete(arr);
        rc = -1;
    }
    cJSON_ArrayForEach(e, cases)
    {
        const char *type = str(e, "type");
        if (rc || !type || !*type || strlen(type) > 100)
            continue;
        if (n++ >= UK_MAX_CASES)
            break;
        rc |= push_text(arr, type);
    }
    cJSON_Delete(root);
    if (rc)
        snprintf(err, errlen, "out of memory");
    return rc ? -1 : 0;
}
