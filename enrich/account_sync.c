/* account_sync — a CRM's key accounts against the registry: what to create, update, retire
 * (see account_sync.h). */
#include "enrich/account_sync.h"
#include "enrich/account.h"
#include "enrich/account_json.h"
#include "util/vg_alloc.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int cmp_account_ptr(const void *a, const void *b)
{
    return strcmp((*(const struct enrich_account *const *)a)->id, (*(const struct enrich_account *const *)b)->id);
}

/* The accounts of a set by id, for bsearch (a registry holds 100,000 accounts). */
static struct enrich_account **by_id(const struct enrich_account_set *set)
{
    struct enrich_account **v = vg_calloc(set->n + 1, sizeof(*v));
    if (!v)
        return NULL;
    for (size_t i = 0; i < set->n; i++)
        v[i] = &set->v[i];
    qsort(v, set->n, sizeof(*v), cmp_account_ptr);
    return v;
}

static struct enrich_account *find(struct enrich_account **v, size_t n, const char *id)
{
    struct enrich_account key = {.id = (char *)id}, *kp = &key;
    struct enrich_account **hit = bsearch(&kp, v, n, sizeof(*v), cmp_account_ptr);
    return hit ? *hit : NULL;
}

static void steal_str(char **dst, char **src)
{
    if (*dst || !*src)
        return;
    *dst = *src;
    *src = NULL;
}

static void steal_list(char ***dst, size_t *ndst, char ***src, size_t *nsrc)
{
    if (*ndst || !*nsrc)
        return;
    *dst = *src;
    *ndst = *nsrc;
    *src = NULL;
    *nsrc = 0;
}

/* What the CRM does not carry comes from the registry's account (see account_sync.h). The
 * registry's account gives its fields up (it is not used after). -1 when out of memory. */
static int merge(struct enrich_account *l, struct enrich_account *s)
{
    steal_list(&l->aliases, &l->n_aliases, &s->aliases, &s->n_aliases);
    steal_list(&l->domains, &l->n_domains, &s->domains, &s->n_domains);
    steal_list(&l->context_keywords, &l->n_context_keywords, &s->context_keywords, &s->n_context_keywords);
    steal_list(&l->negative_keywords, &l->n_negative_keywords, &s->negative_keywords, &s->n_negative_keywords);
    steal_str(&l->country, &s->country);
    /* No CRM listing gives groups or units today: the registry's are kept. */
    steal_str(&l->parent_id, &s->parent_id);
    if (!l->n_units && s->n_units) {
        l->units = s->units;
        l->n_units = s->n_units;
        s->units = NULL;
        s->n_units = 0;
    }
    /* The owner's addresses are the owner's: a new owner does not inherit the previous one's. */
    if ((!l->owner && !s->owner) || (l->owner && s->owner && strcasecmp(l->owner, s->owner) == 0)) {
        steal_str(&l->owner_email, &s->owner_email);
        steal_str(&l->owner_slack, &s->owner_slack);
        steal_str(&l->owner_timezone, &s->owner_timezone);
        steal_str(&l->owner_digest, &s->owner_digest);
    }
    size_t extra = 0;
    for (size_t i = 0; i < s->n_identifiers; i++)
        if (!enrich_account_identifier(l, s->identifiers[i].key))
            extra++;
    if (!extra)
        return 0;
    struct enrich_identifier *v = vg_realloc(l->identifiers, (l->n_identifiers + extra) * sizeof(*v));
    if (!v)
        return -1;
    l->identifiers = v;
    size_t n = l->n_identifiers;
    for (size_t i = 0; i < s->n_identifiers; i++) {
        struct enrich_identifier *id = &s->identifiers[i];
        if (enrich_account_identifier(l, id->key))
            continue;
        v[n++] = *id;
        id->key = id->value = NULL; /* given to l: clear(s) frees what is left */
    }
    l->n_identifiers = n;
    return 0;
}

static int add_change(struct enrich_sync_plan *p, enum enrich_sync_verdict verdict, const struct enrich_account *a,
                      char *json)
{
    struct enrich_sync_change *c = &p->v[p->n];
    c->verdict = verdict;
    c->id = vg_strdup(a->id);
    c->name = vg_strdup(a->name);
    c->json = json;
    p->n++; /* counted even when a copy failed: plan_free frees it */
    if (!c->id || !c->name)
        return -1;
    switch (verdict) {
    case ENRICH_SYNC_CREATED: p->created++; break;
    case ENRICH_SYNC_UPDATED: p->updated++; break;
    case ENRICH_SYNC_UNRETIRED: p->unretired++; break;
    case ENRICH_SYNC_UNCHANGED: p->unchanged++; break;
    case ENRICH_SYNC_RETIRED: p->retired++; break;
    }
    return 0;
}

/* One listed account against the registry's. -1 when out of memory. */
static int plan_listed(struct enrich_sync_plan *p, struct enrich_account *l, struct enrich_account *s)
{
    if (!s)
        return add_change(p, ENRICH_SYNC_CREATED, l, enrich_account_to_json(l)) < 0 || !p->v[p->n - 1].json
                   ? -1
                   : 0;
    char *was = enrich_account_to_json(s);
    int retired = s->retired != NULL;
    if (!was || merge(l, s) < 0) {
        vg_free(was);
        return -1;
    }
    char *now = enrich_account_to_json(l);
    if (!now) {
        vg_free(was);
        return -1;
    }
    int same = strcmp(was, now) == 0;
    vg_free(was);
    if (same) {
        vg_free(now);
        return add_change(p, ENRICH_SYNC_UNCHANGED, l, NULL);
    }
    return add_change(p, retired ? ENRICH_SYNC_UNRETIRED : ENRICH_SYNC_UPDATED, l, now);
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int enrich_sync_plan_new(const char *listed, size_t listed_len, const char *stored, size_t stored_len,
                         const char *const *synced, size_t n_synced, const char *now,
                         struct enrich_sync_plan **out, char *err, size_t errlen)
{
    *out = NULL;
    struct enrich_account_set *ls = NULL, *ss = NULL;
    struct enrich_account **sidx = NULL;
    const char **lids = NULL;
    struct enrich_sync_plan *p = NULL;
    char why[400];
    if (enrich_accounts_parse(listed, listed_len, &ls, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "the CRM's key accounts are not valid vigie accounts: %s", why);
        return -1;
    }
    if (enrich_accounts_parse(stored, stored_len, &ss, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "the accounts in redis do not parse: %s", why);
        enrich_account_set_free(ls);
        return -1;
    }
    p = vg_calloc(1, sizeof(*p));
    sidx = by_id(ss);
    lids = vg_calloc(ls->n + 1, sizeof(*lids));
    if (!p || !sidx || !lids || !(p->v = vg_calloc(ls->n + n_synced + 1, sizeof(*p->v))))
        goto oom;
    p->listed = ls->n;
    for (size_t i = 0; i < ls->n; i++) {
        struct enrich_account *l = &ls->v[i];
        vg_free(l->retired); /* listed: a key account now, whatever the listing said */
        l->retired = NULL;
        lids[i] = l->id;
        if (plan_listed(p, l, find(sidx, ss->n, l->id)) < 0)
            goto oom;
    }
    qsort(lids, ls->n, sizeof(*lids), cmp_str_ptr);
    for (size_t i = 0; i < n_synced; i++) {
        if (bsearch(&synced[i], lids, ls->n, sizeof(*lids), cmp_str_ptr))
            continue;
        struct enrich_account *s = find(sidx, ss->n, synced[i]);
        if (!s || s->retired)
            continue; /* removed by hand, or retired before */
        if (!(s->retired = vg_strdup(now)))
            goto oom;
        char *json = enrich_account_to_json(s);
        if (!json || add_change(p, ENRICH_SYNC_RETIRED, s, json) < 0)
            goto oom;
    }
    p->write_ids = vg_calloc(p->n + 1, sizeof(*p->write_ids));
    p->write_json = vg_calloc(p->n + 1, sizeof(*p->write_json));
    p->listed_ids = vg_calloc(p->listed + 1, sizeof(*p->listed_ids));
    if (!p->write_ids || !p->write_json || !p->listed_ids)
        goto oom;
    for (size_t i = 0; i < p->n; i++) {
        if (i < p->listed)
            p->listed_ids[i] = p->v[i].id;
        if (p->v[i].json) {
            p->write_ids[p->n_writes] = p->v[i].id;
            p->write_json[p->n_writes++] = p->v[i].json;
        }
    }
    vg_free(lids);
    vg_free(sidx);
    enrich_account_set_free(ls);
    enrich_account_set_free(ss);
    *out = p;
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    vg_free(lids);
    vg_free(sidx);
    enrich_account_set_free(ls);
    enrich_account_set_free(ss);
    enrich_sync_plan_free(p);
    return -1;
}

void enrich_sync_plan_free(struct enrich_sync_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        vg_free(p->v[i].id);
        vg_free(p->v[i].name);
        vg_free(p->v[i].json);
    }
    vg_free(p->v);
    vg_free(p->write_ids);
    vg_free(p->write_json);
    vg_free(p->listed_ids);
    vg_free(p);
}

int enrich_sync_plan_empties(const struct enrich_sync_plan *p) { return p->listed == 0 && p->retired > 0; }

const char *enrich_sync_verdict_name(enum enrich_sync_verdict v)
{
    switch (v) {
    case ENRICH_SYNC_CREATED: return "created";
    case ENRICH_SYNC_UPDATED: return "updated";
    case ENRICH_SYNC_UNRETIRED: return "unretired";
    case ENRICH_SYNC_UNCHANGED: return "unchanged";
    case ENRICH_SYNC_RETIRED: return "retired";
    }
    return "?";
}

int enrich_sync_link_parents(struct cJSON *listing)
{
    cJSON *a;
    cJSON_ArrayForEach(a, listing) {
        const cJSON *pc = cJSON_GetObjectItemCaseSensitive(a, ENRICH_SYNC_PARENT_CRM_ID);
        const cJSON *parent = NULL, *b;
        cJSON_ArrayForEach(b, listing) {
            const cJSON *crm = cJSON_GetObjectItemCaseSensitive(b, "crm_id");
            if (cJSON_IsString(pc) && b != a && cJSON_IsString(crm) && strcmp(crm->valuestring, pc->valuestring) == 0) {
                parent = b;
                break;
            }
        }
        const cJSON *pid = parent ? cJSON_GetObjectItemCaseSensitive(parent, "id") : NULL;
        if (cJSON_IsString(pid) && !cJSON_AddStringToObject(a, "parent_id", pid->valuestring))
            return -1;
        cJSON_DeleteItemFromObjectCaseSensitive(a, ENRICH_SYNC_PARENT_CRM_ID);
    }
    return 0;
}
