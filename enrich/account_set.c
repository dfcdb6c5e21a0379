/* account_set — a set of accounts: built one account at a time with an index of their ids, so
 * that a duplicate id is refused at the record that repeats it (with its line), freed, and
 * looked up. Split from account.c, which holds the rules of each field: the readers (JSON in
 * account_json_read.c, CSV in account_csv.c) check an account there, then add it here. */
#include "enrich/account.h"
#include "enrich/account_int.h"
#include "util/vg_alloc.h"
#include "util/vg_hash.h"

#include <string.h>

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
        enrich_account_why(why, whylen, "duplicate id '%.64s'", a->id);
        return -1;   /* `a` still owns its fields */
    }
    s->n++;
    memset(a, 0, sizeof(*a));
    return 0;
oom:
    enrich_account_why(why, whylen, "out of memory");
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
