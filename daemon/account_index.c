/* account_index — accounts sorted by id (see account_index.h). */
#include "daemon/account_index.h"
#include "enrich/account.h"
#include "util/vg_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct account_index {
    struct enrich_account_set *set;
    const struct enrich_account **by_id;
};

static int cmp_account(const void *a, const void *b)
{
    return strcmp((*(const struct enrich_account *const *)a)->id, (*(const struct enrich_account *const *)b)->id);
}

struct account_index *account_index_new(const char *json, size_t len, char *err, size_t errlen)
{
    struct account_index *x = vg_calloc(1, sizeof(*x));
    if (!x) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (enrich_accounts_parse(json, len, &x->set, err, errlen) < 0) {
        vg_free(x);
        return NULL;
    }
    x->by_id = vg_calloc(x->set->n + 1, sizeof(*x->by_id));
    if (!x->by_id) {
        snprintf(err, errlen, "out of memory");
        account_index_free(x);
        return NULL;
    }
    for (size_t i = 0; i < x->set->n; i++)
        x->by_id[i] = &x->set->v[i];
    qsort(x->by_id, x->set->n, sizeof(*x->by_id), cmp_account);
    return x;
}

const struct enrich_account *account_index_at(const struct account_index *x, size_t i)
{
    return x && i < x->set->n ? x->by_id[i] : NULL;
}

const struct enrich_account *account_index_find(const struct account_index *x, const char *id)
{
    if (!x || !id)
        return NULL;
    size_t lo = 0, hi = x->set->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(id, x->by_id[mid]->id);
        if (c == 0)
            return x->by_id[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

size_t account_index_count(const struct account_index *x) { return x ? x->set->n : 0; }

void account_index_free(struct account_index *x)
{
    if (!x)
        return;
    enrich_account_set_free(x->set);
    vg_free(x->by_id);
    vg_free(x);
}
