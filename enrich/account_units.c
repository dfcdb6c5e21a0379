/* account_units — the business units inside an account (docs/design.md "Account", `units`):
 * read from JSON (an array of {"name", "aliases", "domains"}) or from one CSV cell (units
 * separated by '|', each "name; aliases=A, B; domains=x.com"), with the same value rules as the
 * account's own aliases and domains. */
#include "enrich/account.h"
#include "util/vg_alloc.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_UNITS 200

void enrich_unit_clear(struct enrich_unit *u)
{
    if (!u)
        return;
    vg_free(u->name);
    for (size_t i = 0; i < u->n_aliases; i++)
        vg_free(u->aliases[i]);
    vg_free(u->aliases);
    for (size_t i = 0; i < u->n_domains; i++)
        vg_free(u->domains[i]);
    vg_free(u->domains);
    memset(u, 0, sizeof(*u));
}

int enrich_account_unit_find(const struct enrich_account *a, const char *name)
{
    for (size_t i = 0; a && name && i < a->n_units; i++)
        if (strcasecmp(a->units[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s))
        (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

static int unit_domain(struct enrich_unit *u, const char *v, size_t n, char *why, size_t whylen)
{
    char host[256];
    trim(&v, &n);
    if (!n)
        return 0;
    int hl = enrich_account_domain_host(v, n, host);
    if (hl < 0) {
        snprintf(why, whylen, "unit '%.60s': bad domain '%.*s'", u->name, (int)(n > 80 ? 80 : n), v);
        return -1;
    }
    return enrich_account_list_push(&u->domains, &u->n_domains, host, (size_t)hl, why, whylen);
}

static int unit_alias(struct enrich_unit *u, const char *v, size_t n, char *why, size_t whylen)
{
    trim(&v, &n);
    if (!n)
        return 0;
    return enrich_account_list_push(&u->aliases, &u->n_aliases, v, n, why, whylen);
}

/* Takes the unit (zeroing *u) once it has a name that no other unit of the account has. */
static int unit_add(struct enrich_account *a, struct enrich_unit *u, char *why, size_t whylen)
{
    if (!u->name || !u->name[0]) {
        snprintf(why, whylen, "a unit has no name (units: [{\"name\": \"...\", \"aliases\": [...], \"domains\": [...]}])");
        return -1;
    }
    if (enrich_account_unit_find(a, u->name) >= 0) {
        snprintf(why, whylen, "unit '%.60s' appears twice", u->name);
        return -1;
    }
    if (a->n_units >= MAX_UNITS) {
        snprintf(why, whylen, "more than %d units", MAX_UNITS);
        return -1;
    }
    struct enrich_unit *nv = vg_realloc(a->units, (a->n_units + 1) * sizeof(*nv));
    if (!nv) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    a->units = nv;
    a->units[a->n_units++] = *u;
    memset(u, 0, sizeof(*u));
    return 0;
}

static int set_name(struct enrich_unit *u, const char *v, size_t n, char *why, size_t whylen)
{
    trim(&v, &n);
    char **one = NULL;
    size_t k = 0;
    if (!n)
        return 0;
    if (enrich_account_list_push(&one, &k, v, n, why, whylen) < 0) {
        vg_free(one);   /* the value rules of a list item: UTF-8, no control character, bounded */
        return -1;
    }
    vg_free(u->name);
    u->name = one[0];
    vg_free(one);
    return 0;
}

int enrich_account_units_json(struct enrich_account *a, const void *json_array, char *why, size_t whylen)
{
    const cJSON *arr = json_array;
    if (!cJSON_IsArray(arr)) {
        snprintf(why, whylen, "units must be a list: [{\"name\": \"...\", \"aliases\": [...], \"domains\": [...]}]");
        return -1;
    }
    struct enrich_unit u = {0};
    const cJSON *o;
    cJSON_ArrayForEach(o, arr) {
        if (!cJSON_IsObject(o)) {
            snprintf(why, whylen, "a unit must be an object {\"name\": \"...\", \"aliases\": [...], \"domains\": [...]}");
            goto bad;
        }
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
        if (!cJSON_IsString(name)) {
            snprintf(why, whylen, "a unit has no name (its \"name\" must be a string)");
            goto bad;
        }
        if (set_name(&u, name->valuestring, strlen(name->valuestring), why, whylen) < 0)
            goto bad;
        const cJSON *it;
        cJSON_ArrayForEach(it, o) {
            const char *k = it->string;
            if (k[0] == '_' || strcmp(k, "name") == 0 || cJSON_IsNull(it))
                continue;
            int alias = strcmp(k, "aliases") == 0;
            if (!alias && strcmp(k, "domains") != 0) {
                snprintf(why, whylen, "unit '%.60s': unknown member '%.40s' (a unit has name, aliases, domains)",
                         u.name ? u.name : "", k);
                goto bad;
            }
            if (!cJSON_IsArray(it)) {
                snprintf(why, whylen, "unit '%.60s': %s must be a list of strings", u.name ? u.name : "", k);
                goto bad;
            }
            const cJSON *c;
            cJSON_ArrayForEach(c, it) {
                if (!cJSON_IsString(c)) {
                    snprintf(why, whylen, "unit '%.60s': %s must be a list of strings", u.name ? u.name : "", k);
                    goto bad;
                }
                size_t n = strlen(c->valuestring);
                if ((alias ? unit_alias(&u, c->valuestring, n, why, whylen)
                           : unit_domain(&u, c->valuestring, n, why, whylen)) < 0)
                    goto bad;
            }
        }
        if (unit_add(a, &u, why, whylen) < 0)
            goto bad;
    }
    return 0;
bad:
    enrich_unit_clear(&u);
    return -1;
}

/* One unit's text: "name; aliases=A, B; domains=x.com, y.com" (the parts after the name in
 * any order, each a comma-separated list). */
static int unit_text(struct enrich_account *a, const char *v, size_t n, char *why, size_t whylen)
{
    struct enrich_unit u = {0};
    size_t i = 0, part = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && v[j] != ';')
            j++;
        const char *p = v + i;
        size_t pl = j - i;
        trim(&p, &pl);
        if (part++ == 0) {
            if (set_name(&u, p, pl, why, whylen) < 0)
                goto bad;
            if (!u.name) {
                snprintf(why, whylen, "a unit has no name (units: \"Name; aliases=A, B; domains=x.com | Other unit\")");
                goto bad;
            }
        } else if (pl) {
            const char *eq = memchr(p, '=', pl);
            size_t kl = eq ? (size_t)(eq - p) : 0;
            while (kl && isspace((unsigned char)p[kl - 1]))
                kl--;
            int alias = eq && kl == 7 && strncasecmp(p, "aliases", 7) == 0;
            int domain = eq && kl == 7 && strncasecmp(p, "domains", 7) == 0;
            if (!alias && !domain) {
                snprintf(why, whylen, "unit '%.60s': '%.*s' is not aliases=... or domains=...", u.name,
                         (int)(pl > 40 ? 40 : pl), p);
                goto bad;
            }
            const char *l = eq + 1, *end = p + pl;
            while (l <= end) {
                const char *c = memchr(l, ',', (size_t)(end - l));
                if (!c)
                    c = end;
                if ((alias ? unit_alias(&u, l, (size_t)(c - l), why, whylen)
                           : unit_domain(&u, l, (size_t)(c - l), why, whylen)) < 0)
                    goto bad;
                l = c + 1;
            }
        }
        i = j + 1;
    }
    if (unit_add(a, &u, why, whylen) < 0)
        goto bad;
    return 0;
bad:
    enrich_unit_clear(&u);
    return -1;
}

int enrich_account_units_text(struct enrich_account *a, const char *v, size_t n, char *why, size_t whylen)
{
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && v[j] != '|')
            j++;
        const char *p = v + i;
        size_t pl = j - i;
        trim(&p, &pl);
        if (pl && unit_text(a, p, pl, why, whylen) < 0)
            return -1;
        i = j + 1;
    }
    return 0;
}
