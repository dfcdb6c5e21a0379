/* account_map — `vigie accounts show ID --map` (account_map.h).
 *
 * The group is the account and every account whose parent_id chain leads to it. A signal or
 * a contact sits in the unit its record names (`unit`, when it is one of its account's units
 * still), else at its account's level ("no unit named"). The map is built once as a JSON
 * object, printed as it is with --json or as a table, so both say the same. */
#include "daemon/account_map.h"
#include "enrich/account.h"
#include "queue/queue_accounts.h"
#include "queue/queue_contract.h"
#include "queue/queue_tail.h"
#include "util/vg_alloc.h"
#include "util/vg_time.h"
#include "util/vg_json.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* What the map holds for one unit of one member (unit -1: the member's own level). */
struct cell {
    int64_t last_ms;
    cJSON *last;       /* the last signal's record, or NULL */
    size_t n_contacts;
};

struct member {
    const struct enrich_account *a;
    struct cell *cells; /* [0]: no unit named; [1 + u]: unit u */
};

struct map {
    struct member *m;
    size_t n;
    cJSON **contacts;  /* the latest record of each person of the group */
    size_t n_contacts, cap;
    int oom;
};

static struct member *member_of(struct map *mp, const char *account)
{
    for (size_t i = 0; account && i < mp->n; i++)
        if (strcmp(mp->m[i].a->id, account) == 0)
            return &mp->m[i];
    return NULL;
}

/* The cell of a record: its account's unit it names, else the account's own level. */
static struct cell *cell_of(struct member *m, const cJSON *rec)
{
    int u = enrich_account_unit_find(m->a, vg_json_str(rec, "unit"));
    return &m->cells[u + 1];
}

static int take_signal(const char *field, const char *payload, const char *entry_id, void *arg)
{
    struct map *mp = arg;
    if (strcmp(field, QUEUE_FIELD_SIGNAL) != 0 && strcmp(field, QUEUE_FIELD_UPDATE) != 0)
        return 0;
    cJSON *j = cJSON_Parse(payload);
    struct member *m = j ? member_of(mp, vg_json_str(j, "account_id")) : NULL;
    if (!m) {
        cJSON_Delete(j);
        return 0;
    }
    int64_t ms;
    const char *published = vg_json_str(j, "published");
    if (!published || vg_parse_rfc3339_ms(published, &ms) < 0)
        ms = strtoll(entry_id, NULL, 10);
    struct cell *c = cell_of(m, j);
    if (c->last && ms < c->last_ms) {
        cJSON_Delete(j);
        return 0;
    }
    cJSON_Delete(c->last);
    c->last = j;
    c->last_ms = ms;
    return 0;
}

static int take_contact(const char *field, const char *payload, const char *entry_id, void *arg)
{
    (void)entry_id;
    struct map *mp = arg;
    if (strcmp(field, QUEUE_FIELD_CONTACT) != 0)
        return 0;
    cJSON *j = cJSON_Parse(payload);
    const char *id = j ? vg_json_str(j, "id") : NULL;
    if (!id || !member_of(mp, vg_json_str(j, "account_id"))) {
        cJSON_Delete(j);
        return 0;
    }
    for (size_t i = 0; i < mp->n_contacts; i++)
        if (strcmp(vg_json_str(mp->contacts[i], "id"), id) == 0) { /* found again: the newer record */
            cJSON_Delete(mp->contacts[i]);
            mp->contacts[i] = j;
            return 0;
        }
    if (mp->n_contacts == mp->cap) {
        size_t cap = mp->cap ? mp->cap * 2 : 64;
        cJSON **v = vg_realloc(mp->contacts, cap * sizeof(*v));
        if (!v) {
            cJSON_Delete(j);
            mp->oom = 1;
            return 1;
        }
        mp->contacts = v;
        mp->cap = cap;
    }
    mp->contacts[mp->n_contacts++] = j;
    return 0;
}

/* By department, then name: a unit's people read as its departments. */
static int by_department(const void *x, const void *y)
{
    const cJSON *a = *(const cJSON *const *)x, *b = *(const cJSON *const *)y;
    const char *da = vg_json_str(a, "department"), *db = vg_json_str(b, "department");
    int c = strcmp(da ? da : "~", db ? db : "~");
    if (c)
        return c;
    const char *na = vg_json_str(a, "name"), *nb = vg_json_str(b, "name");
    return strcasecmp(na ? na : "", nb ? nb : "");
}

/* The group: the account, then its subsidiaries, breadth first (each account once, whatever
 * the registry's parent_id say: an import refuses a cycle, but a registry edited by hand may
 * hold one). */
static int gather(struct map *mp, const struct enrich_account_set *set, const struct enrich_account *root)
{
    if (!(mp->m = vg_calloc(set->n + 1, sizeof(*mp->m))))
        return -1;
    mp->m[mp->n++].a = root;
    for (size_t k = 0; k < mp->n; k++)
        for (size_t i = 0; i < set->n; i++) {
            const struct enrich_account *a = &set->v[i];
            if (!a->parent_id || strcmp(a->parent_id, mp->m[k].a->id) != 0 || member_of(mp, a->id))
                continue;
            mp->m[mp->n++].a = a;
        }
    for (size_t k = 0; k < mp->n; k++)
        if (!(mp->m[k].cells = vg_calloc(mp->m[k].a->n_units + 1, sizeof(struct cell))))
            return -1;
    return 0;
}

static cJSON *str_list(char *const *v, size_t n)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr && i < n; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(v[i]));
    return arr;
}

/* One place of the map (a unit, or an account's own level): its last signal and its people. */
static cJSON *place_json(struct map *mp, struct member *m, int unit)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    if (unit >= 0) {
        const struct enrich_unit *u = &m->a->units[unit];
        cJSON_AddStringToObject(o, "name", u->name);
        cJSON_AddItemToObject(o, "aliases", str_list(u->aliases, u->n_aliases));
        cJSON_AddItemToObject(o, "domains", str_list(u->domains, u->n_domains));
    }
    struct cell *c = &m->cells[unit + 1];
    cJSON *last = cJSON_AddObjectToObject(o, "last_signal");
    if (c->last && last) {
        static const char *const keep[] = {"id", "type", "title", "url", "published", "role"};
        for (size_t k = 0; k < sizeof(keep) / sizeof(keep[0]); k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->last, keep[k]);
            cJSON_AddItemToObject(last, keep[k], v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
        }
        char at[32];
        time_t t = (time_t)(c->last_ms / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
        cJSON_AddStringToObject(last, "at", at);
    } else {
        cJSON_DeleteItemFromObject(o, "last_signal");
        cJSON_AddNullToObject(o, "last_signal");
    }
    cJSON *people = cJSON_AddArrayToObject(o, "contacts");
    c->n_contacts = 0;
    for (size_t i = 0; people && i < mp->n_contacts; i++) {
        const cJSON *r = mp->contacts[i];
        if (strcmp(vg_json_str(r, "account_id"), m->a->id) != 0 || cell_of(m, r) != c)
            continue;
        cJSON *p = cJSON_CreateObject();
        static const char *const keep[] = {"name", "title", "role_norm", "seniority", "department", "departing"};
        for (size_t k = 0; p && k < sizeof(keep) / sizeof(keep[0]); k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, keep[k]);
            cJSON_AddItemToObject(p, keep[k], v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
        }
        cJSON_AddItemToArray(people, p);
        c->n_contacts++;
    }
    return o;
}

static cJSON *member_json(struct map *mp, struct member *m, cJSON *white)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "id", m->a->id);
    cJSON_AddStringToObject(o, "name", m->a->name);
    if (m->a->parent_id)
        cJSON_AddStringToObject(o, "parent_id", m->a->parent_id);
    else
        cJSON_AddNullToObject(o, "parent_id");
    cJSON *units = cJSON_AddArrayToObject(o, "units");
    size_t known = 0;
    for (size_t u = 0; units && u < m->a->n_units; u++) {
        cJSON *p = place_json(mp, m, (int)u);
        cJSON_AddItemToArray(units, p);
        known += m->cells[u + 1].n_contacts;
        if (m->cells[u + 1].n_contacts == 0 && white) {
            char label[600];
            if (m == &mp->m[0])
                snprintf(label, sizeof(label), "%s", m->a->units[u].name);
            else
                snprintf(label, sizeof(label), "%s / %s", m->a->name, m->a->units[u].name);
            cJSON_AddItemToArray(white, cJSON_CreateString(label));
        }
    }
    cJSON_AddItemToObject(o, "no_unit", place_json(mp, m, -1));
    known += m->cells[0].n_contacts;
    /* A subsidiary where nobody at all is known is white space of its own. */
    if (m != &mp->m[0] && known == 0 && m->a->n_units == 0 && white)
        cJSON_AddItemToArray(white, cJSON_CreateString(m->a->name));
    return o;
}

static void print_place(const cJSON *p, const char *label)
{
    printf("%s\n", label);
    const cJSON *last = cJSON_GetObjectItemCaseSensitive(p, "last_signal");
    if (cJSON_IsObject(last)) {
        const char *at = vg_json_str(last, "at"), *type = vg_json_str(last, "type"), *title = vg_json_str(last, "title");
        printf("  last signal  %.10s  %s  %s\n", at ? at : "", type ? type : "", title ? title : "");
    } else {
        printf("  last signal  none\n");
    }
    const cJSON *people = cJSON_GetObjectItemCaseSensitive(p, "contacts");
    if (cJSON_GetArraySize(people) == 0) {
        printf("  no contact yet\n");
        return;
    }
    const cJSON *c;
    cJSON_ArrayForEach(c, people) {
        const char *dep = vg_json_str(c, "department"), *name = vg_json_str(c, "name"), *title = vg_json_str(c, "title");
        printf("  %-12s %s, %s%s\n", dep && *dep ? dep : "-", name ? name : "?", title ? title : "",
               cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "departing")) ? " (leaving)" : "");
    }
}

static void print_map(const cJSON *map)
{
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(map, "accounts"), *m;
    const cJSON *root = cJSON_GetArrayItem(ms, 0);
    printf("%s (%s): map of the group\n", vg_json_str(root, "name"), vg_json_str(root, "id"));
    const cJSON *parent = cJSON_GetObjectItemCaseSensitive(map, "part_of");
    if (cJSON_IsObject(parent))
        printf("part of %s (%s)\n", vg_json_str(parent, "name"), vg_json_str(parent, "id"));
    if (cJSON_GetArraySize(ms) > 1) {
        printf("subsidiaries:");
        int first = 1;
        cJSON_ArrayForEach(m, ms) {
            if (m != root)
                printf("%s %s (%s)", first ? "" : ",", vg_json_str(m, "name"), vg_json_str(m, "id"));
            if (m != root)
                first = 0;
        }
        printf("\n");
    }
    cJSON_ArrayForEach(m, ms) {
        const char *name = vg_json_str(m, "name");
        char label[600];
        const cJSON *u;
        cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(m, "units")) {
            if (m == root)
                snprintf(label, sizeof(label), "\n%s", vg_json_str(u, "name"));
            else
                snprintf(label, sizeof(label), "\n%s / %s", name, vg_json_str(u, "name"));
            print_place(u, label);
        }
        if (m == root)
            snprintf(label, sizeof(label), "\n%s, no unit named", name);
        else
            snprintf(label, sizeof(label), "\n%s (%s, subsidiary)%s", name, vg_json_str(m, "id"),
                     cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(m, "units")) ? ", no unit named" : "");
        print_place(cJSON_GetObjectItemCaseSensitive(m, "no_unit"), label);
    }
    const cJSON *white = cJSON_GetObjectItemCaseSensitive(map, "white_space"), *w;
    printf("\nwhite space (no contact yet):");
    if (cJSON_GetArraySize(white) == 0)
        printf(" none\n");
    else {
        int first = 1;
        cJSON_ArrayForEach(w, white) {
            printf("%s %s", first ? "" : ",", w->valuestring);
            first = 0;
        }
        printf("\n");
    }
}

int account_map_show(struct queue_sync *q, const char *id, int json)
{
    char err[512] = "";
    size_t n;
    char *all = queue_accounts_all(q, &n, err, sizeof(err));
    if (!all) {
        fprintf(stderr, "vigie: %s\n", err);
        return 1;
    }
    int rc = 1;
    struct enrich_account_set *set = NULL;
    struct map mp = {0};
    cJSON *map = NULL;
    char *text = NULL;
    if (enrich_accounts_parse(all, strlen(all), &set, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie: stored accounts do not parse: %s\n", err);
        goto out;
    }
    const struct enrich_account *root = enrich_account_find(set, id);
    if (!root) {
        fprintf(stderr, "vigie: no account with id '%s'\n", id);
        goto out;
    }
    if (gather(&mp, set, root) < 0)
        goto oom;
    if ((queue_tail(q, QUEUE_STREAM_SIGNALS, 0, 0, take_signal, &mp, err, sizeof(err)) < 0 ||
         queue_tail(q, QUEUE_STREAM_CONTACTS, 0, 0, take_contact, &mp, err, sizeof(err)) < 0) &&
        !mp.oom) {
        fprintf(stderr, "vigie: %s\n", err);
        goto out;
    }
    if (mp.oom)
        goto oom;
    if (mp.n_contacts > 1)
        qsort(mp.contacts, mp.n_contacts, sizeof(*mp.contacts), by_department);
    map = cJSON_CreateObject();
    cJSON *accounts = map ? cJSON_AddArrayToObject(map, "accounts") : NULL;
    cJSON *white = cJSON_CreateArray();
    if (!accounts || !white) {
        cJSON_Delete(white);
        goto oom;
    }
    const struct enrich_account *parent = root->parent_id ? enrich_account_find(set, root->parent_id) : NULL;
    if (parent) {
        cJSON *p = cJSON_AddObjectToObject(map, "part_of");
        cJSON_AddStringToObject(p, "id", parent->id);
        cJSON_AddStringToObject(p, "name", parent->name);
    } else {
        cJSON_AddNullToObject(map, "part_of");
    }
    for (size_t k = 0; k < mp.n; k++)
        cJSON_AddItemToArray(accounts, member_json(&mp, &mp.m[k], white));
    cJSON_AddItemToObject(map, "white_space", white);
    if (json) {
        if (!(text = cJSON_PrintUnformatted(map)))
            goto oom;
        printf("%s\n", text);
    } else {
        print_map(map);
    }
    rc = 0;
    goto out;
oom:
    fprintf(stderr, "vigie: out of memory\n");
out:
    if (text)
        cJSON_free(text);
    cJSON_Delete(map);
    for (size_t k = 0; mp.m && k < mp.n; k++) {
        for (size_t u = 0; mp.m[k].cells && u <= mp.m[k].a->n_units; u++)
            cJSON_Delete(mp.m[k].cells[u].last);
        vg_free(mp.m[k].cells);
    }
    vg_free(mp.m);
    for (size_t i = 0; i < mp.n_contacts; i++)
        cJSON_Delete(mp.contacts[i]);
    vg_free(mp.contacts);
    enrich_account_set_free(set);
    vg_free(all);
    return rc;
}
