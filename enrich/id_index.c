/* id_index — accounts by identifier (see id_index.h). */
#include "enrich/id_index.h"

#include "util/vg_alloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* One (scheme, canonical value) of one account; sorted by key, then account. */
struct id_entry {
    char *key;        /* "scheme\x1fvalue", lower-case scheme */
    size_t account;
};

struct enrich_id_index {
    struct id_entry *v;
    size_t n;
};

#define MAX_KEY 320

static int is_digits_scheme(const char *s)
{
    return strcmp(s, "siren") == 0 || strcmp(s, "siret") == 0 || strcmp(s, "cik") == 0;
}

int enrich_id_canonical(const char *scheme, const char *value, char *out, size_t outlen)
{
    if (!scheme || !value || outlen < 2)
        return -1;
    size_t n = 0;
    if (is_digits_scheme(scheme)) {
        for (const char *p = value; *p; p++) {
            if (isdigit((unsigned char)*p)) {
                if (n + 1 >= outlen)
                    return -1;
                out[n++] = *p;
            } else if (*p != ' ' && *p != '.' && *p != '-') {
                return -1;
            }
        }
        if (strcmp(scheme, "cik") == 0) {
            /* numerically equal CIKs are one company: drop the zero padding */
            size_t z = 0;
            while (z + 1 < n && out[z] == '0')
                z++;
            memmove(out, out + z, n - z);
            n -= z;
        }
    } else {
        int upper = strcmp(scheme, "companies_house") == 0;
        int digits = 1;
        for (const char *p = value; *p; p++) {
            if (isspace((unsigned char)*p) && upper)
                continue;   /* "SC 123456" */
            if (n + 1 >= outlen)
                return -1;
            out[n++] = (char)(upper ? toupper((unsigned char)*p) : tolower((unsigned char)*p));
            digits = digits && isdigit((unsigned char)*p);
        }
        /* Companies House numbers are eight characters; "445790" is "00445790" */
        if (upper && digits && n > 0 && n < 8 && outlen > 8) {
            memmove(out + (8 - n), out, n);
            memset(out, '0', 8 - n);
            n = 8;
        }
    }
    if (!n)
        return -1;
    out[n] = '\0';
    return 0;
}

/* "scheme\x1fvalue" with the scheme lower-cased; 0 or -1. */
static int make_key(const char *scheme, const char *value, char *out, size_t outlen)
{
    size_t sl = strlen(scheme);
    if (!sl || sl + 2 >= outlen)
        return -1;
    char ls[64];
    if (sl >= sizeof(ls))
        return -1;
    for (size_t i = 0; i <= sl; i++)
        ls[i] = (char)tolower((unsigned char)scheme[i]);
    memcpy(out, ls, sl);
    out[sl] = '\x1f';
    return enrich_id_canonical(ls, value, out + sl + 1, outlen - sl - 1);
}

static int cmp_entry(const void *a, const void *b)
{
    const struct id_entry *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return x->account < y->account ? -1 : x->account > y->account;
}

void enrich_id_index_free(struct enrich_id_index *ix)
{
    if (!ix)
        return;
    for (size_t i = 0; i < ix->n; i++)
        vg_free(ix->v[i].key);
    vg_free(ix->v);
    vg_free(ix);
}

struct enrich_id_index *enrich_id_index_build(const struct enrich_account_set *set)
{
    struct enrich_id_index *ix = vg_calloc(1, sizeof(*ix));
    if (!ix)
        return NULL;
    size_t total = 0;
    for (size_t i = 0; set && i < set->n; i++)
        total += set->v[i].n_identifiers;
    if (!total)
        return ix;
    ix->v = vg_calloc(total, sizeof(*ix->v));
    if (!ix->v)
        goto oom;
    for (size_t i = 0; i < set->n; i++) {
        const struct enrich_account *a = &set->v[i];
        if (a->retired)
            continue;   /* never matched, as by the name matcher */
        for (size_t k = 0; k < a->n_identifiers; k++) {
            char key[MAX_KEY];
            if (make_key(a->identifiers[k].key, a->identifiers[k].value, key, sizeof(key)) < 0)
                continue;   /* a value no structured item can name (an email_pattern, ...) */
            if (!(ix->v[ix->n].key = vg_strdup(key)))
                goto oom;
            ix->v[ix->n++].account = i;
        }
    }
    qsort(ix->v, ix->n, sizeof(*ix->v), cmp_entry);
    return ix;
oom:
    enrich_id_index_free(ix);
    return NULL;
}

long enrich_id_index_find(const struct enrich_id_index *ix, const char *scheme, const char *value)
{
    char key[MAX_KEY];
    if (!ix || !ix->n || !scheme || !value || make_key(scheme, value, key, sizeof(key)) < 0)
        return -1;
    /* the first entry with this key: the lowest account index holding it */
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(ix->v[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < ix->n && strcmp(ix->v[lo].key, key) == 0)
        return (long)ix->v[lo].account;
    return -1;
}
