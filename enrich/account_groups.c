/* account_groups — the checks an import makes across accounts for groups (parent_id) and units:
 * they need the whole registry, so they run after the parse, on the file's accounts and the
 * accounts they join (enrich_accounts_check_groups, account.h). */
#include "enrich/account.h"
#include "enrich/norm.h"
#include "util/vg_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct keyed {
    const char *key;
    const struct enrich_account *a;
    int fresh;   /* from the file being imported */
};

static int by_key(const void *x, const void *y)
{
    return strcmp(((const struct keyed *)x)->key, ((const struct keyed *)y)->key);
}

/* The first entry of v[0..n) (sorted) with this key, or NULL. */
static const struct keyed *find_key(const struct keyed *v, size_t n, const char *key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(v[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && strcmp(v[lo].key, key) == 0 ? &v[lo] : NULL;
}

/* The accounts the registry will hold after the import: the file's, and the registry's that the
 * file does not replace, sorted by id. */
static struct keyed *merged(const struct enrich_account_set *in, const struct enrich_account_set *known, size_t *n)
{
    size_t cap = (in ? in->n : 0) + (known ? known->n : 0);
    struct keyed *v = vg_calloc(cap + 1, sizeof(*v));
    if (!v)
        return NULL;
    *n = 0;
    for (size_t i = 0; in && i < in->n; i++)
        v[(*n)++] = (struct keyed){in->v[i].id, &in->v[i], 1};
    size_t nin = *n;
    qsort(v, nin, sizeof(*v), by_key);
    for (size_t i = 0; known && i < known->n; i++)
        if (!find_key(v, nin, known->v[i].id))
            v[(*n)++] = (struct keyed){known->v[i].id, &known->v[i], 0};
    qsort(v, *n, sizeof(*v), by_key);
    return v;
}

static int check_parents(const struct keyed *all, size_t n, const struct enrich_account_set *in, char *err,
                         size_t errlen)
{
    for (size_t i = 0; i < in->n; i++) {
        const struct enrich_account *a = &in->v[i];
        if (!a->parent_id)
            continue;
        if (!find_key(all, n, a->parent_id)) {
            snprintf(err, errlen,
                     "line %zu: account %.64s: parent_id '%.64s' is no account (neither in this file nor in the "
                     "registry)",
                     a->line, a->id, a->parent_id);
            return -1;
        }
        /* Up the chain: a chain longer than the number of accounts has gone round. */
        const struct enrich_account *p = a;
        size_t steps = 0;
        char path[400];
        int pl = snprintf(path, sizeof(path), "%.64s", a->id);
        while (p->parent_id && steps <= n) {
            const struct keyed *k = find_key(all, n, p->parent_id);
            if (!k)
                break;   /* a known account's dangling parent: not this import's doing */
            p = k->a;
            steps++;
            if (pl > 0 && (size_t)pl < sizeof(path))
                pl += snprintf(path + pl, sizeof(path) - (size_t)pl, " -> %.64s", p->id);
            if (p == a || strcmp(p->id, a->id) == 0) {
                snprintf(err, errlen, "line %zu: account %.64s: parent cycle: %s", a->line, a->id, path);
                return -1;
            }
        }
        if (steps > n) {
            snprintf(err, errlen, "line %zu: account %.64s: its parents go round in a cycle (%s ...)", a->line,
                     a->id, path);
            return -1;
        }
    }
    return 0;
}

static int push_name(struct keyed **v, size_t *n, size_t *cap, const char *text, const struct enrich_account *a,
                     int fresh)
{
    char *k = enrich_norm_name(text, strlen(text));
    if (!k)
        return -1;
    if (!k[0]) {
        vg_free(k);
        return 0;
    }
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        struct keyed *nv = vg_realloc(*v, nc * sizeof(*nv));
        if (!nv) {
            vg_free(k);
            return -1;
        }
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = (struct keyed){k, a, fresh};
    return 0;
}

/* A unit name or alias that is another account's name or alias: the matcher could not tell a
 * mention of one from the other. */
static int check_unit_names(const struct keyed *all, size_t n, char *err, size_t errlen)
{
    struct keyed *names = NULL;
    size_t nn = 0, cap = 0;
    int rc = -1;
    for (size_t i = 0; i < n; i++) {
        const struct enrich_account *a = all[i].a;
        if (a->retired)
            continue;
        if (push_name(&names, &nn, &cap, a->name, a, all[i].fresh) < 0)
            goto oom;
        for (size_t k = 0; k < a->n_aliases; k++)
            if (push_name(&names, &nn, &cap, a->aliases[k], a, all[i].fresh) < 0)
                goto oom;
    }
    if (nn)
        qsort(names, nn, sizeof(*names), by_key);
    for (size_t i = 0; i < n; i++) {
        const struct enrich_account *a = all[i].a;
        for (size_t u = 0; u < a->n_units && !a->retired; u++) {
            const struct enrich_unit *un = &a->units[u];
            for (size_t k = 0; k <= un->n_aliases; k++) {
                const char *text = k == 0 ? un->name : un->aliases[k - 1];
                char *key = enrich_norm_name(text, strlen(text));
                if (!key)
                    goto oom;
                const struct keyed *hit = key[0] ? find_key(names, nn, key) : NULL;
                for (; hit && hit < names + nn && strcmp(hit->key, key) == 0; hit++) {
                    if (hit->a == a || (!all[i].fresh && !hit->fresh))
                        continue;   /* its own account, or a clash the registry already held */
                    const struct enrich_account *at = all[i].fresh ? a : hit->a;
                    snprintf(err, errlen,
                             "line %zu: unit '%.60s'%s%.60s%s of account %.64s is also the name or an alias of "
                             "account %.64s (%.60s); a mention could not tell them apart",
                             at->line, un->name, k ? " (alias '" : "", k ? text : "", k ? "')" : "", a->id,
                             hit->a->id, hit->a->name);
                    vg_free(key);
                    goto out;
                }
                vg_free(key);
            }
        }
    }
    rc = 0;
    goto out;
oom:
    snprintf(err, errlen, "out of memory");
out:
    for (size_t i = 0; i < nn; i++)
        vg_free((char *)names[i].key);
    vg_free(names);
    return rc;
}

int enrich_accounts_check_groups(const struct enrich_account_set *in, const struct enrich_account_set *known,
                                 char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!in || !in->n)
        return 0;
    size_t n = 0;
    struct keyed *all = merged(in, known, &n);
    if (!all) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = check_parents(all, n, in, err, errlen) < 0 || check_unit_names(all, n, err, errlen) < 0 ? -1 : 0;
    vg_free(all);
    return rc;
}
