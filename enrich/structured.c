/* structured — a structured item's signals and contacts (see structured.h). */
#include "enrich/structured.h"

#include "util/vg_alloc.h"
#include "enrich/id_index.h"
#include "enrich/score.h"
#include "enrich/text.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define REGISTRY_CHANGE "registry_change"
#define MAX_SIGNALS 64
#define MAX_PEOPLE 256
#define MAX_AMOUNTS 64

/* Roles registers write that the text vocabulary (rules/roles.rules) leaves out because in
 * news text the words are ambiguous ("director" is any director; "gérant" a shop manager):
 * in a register's list of officers they name the company's legal officers. Compared as
 * squashed letters (enrich_squash_name, enrich/text.h). */
static const struct {
    const char *phrase;
    struct enrich_role role;
} register_roles[] = {
    {"gerant", {"ceo", "c_level", "executive"}},
    {"gerante", {"ceo", "c_level", "executive"}},
    {"cogerant", {"ceo", "c_level", "executive"}},
    {"cogerante", {"ceo", "c_level", "executive"}},
    {"membredudirectoire", {"board_member", "board", "board"}},
    {"director", {"board_member", "board", "board"}},
    {"corporatedirector", {"board_member", "board", "board"}},
    {"executivedirector", {"board_member", "board", "board"}},
};

/* An officer whose role neither vocabulary knows is still a contact of the account. */
static const struct enrich_role other_role = {"other", "other", "other"};

static void fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}


/* ---- validation: the whole member is checked before anything is built, so a malformed
 * item fails whether or not an account holds its identifier ---------------------------- */

/* A member that must be a string when present (NULL when absent or null). 0 or -1. */
static int opt_string(const cJSON *o, const char *key, const char *where, const char **out,
                      char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v)) {
        fail(err, errlen, "\"%s.%s\" must be a string", where, key);
        return -1;
    }
    *out = v->valuestring;
    return 0;
}

/* An array member (NULL when absent or null). 0 or -1. */
static int opt_array(const cJSON *o, const char *key, const char *where, const cJSON **out,
                     char *err, size_t errlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsArray(v)) {
        fail(err, errlen, "\"%s.%s\" must be an array", where, key);
        return -1;
    }
    *out = v;
    return 0;
}

static int check_people(const cJSON *people, const char *where, char *err, size_t errlen)
{
    int i = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, people) {
        char w[96];
        snprintf(w, sizeof(w), "%s.people[%d]", where, i++);
        const char *name, *role;
        if (!cJSON_IsObject(p)) {
            fail(err, errlen, "\"%s\" must be an object", w);
            return -1;
        }
        if (opt_string(p, "name", w, &name, err, errlen) < 0 ||
            opt_string(p, "role", w, &role, err, errlen) < 0)
            return -1;
        if (!name || !*name) {
            fail(err, errlen, "\"%s.name\" is missing", w);
            return -1;
        }
        const cJSON *dep = cJSON_GetObjectItemCaseSensitive(p, "departing");
        if (dep && !cJSON_IsNull(dep) && !cJSON_IsBool(dep)) {
            fail(err, errlen, "\"%s.departing\" must be true or false", w);
            return -1;
        }
    }
    if (i > MAX_PEOPLE) {
        fail(err, errlen, "\"%s.people\" has more than %d people", where, MAX_PEOPLE);
        return -1;
    }
    return 0;
}

static int check_amounts(const cJSON *amounts, const char *where, char *err, size_t errlen)
{
    int i = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, amounts) {
        char w[96];
        snprintf(w, sizeof(w), "%s.amounts[%d]", where, i++);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, "value");
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(a, "currency");
        if (!cJSON_IsObject(a) || !cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
            fail(err, errlen, "\"%s\" must be {\"value\": a number, \"currency\": ...}", w);
            return -1;
        }
        int ok = cJSON_IsString(c) && strlen(c->valuestring) == 3;
        for (int k = 0; ok && k < 3; k++)
            ok = c->valuestring[k] >= 'A' && c->valuestring[k] <= 'Z';
        if (!ok) {
            fail(err, errlen, "\"%s.currency\" must be an ISO 4217 code (\"EUR\")", w);
            return -1;
        }
    }
    if (i > MAX_AMOUNTS) {
        fail(err, errlen, "\"%s.amounts\" has more than %d amounts", where, MAX_AMOUNTS);
        return -1;
    }
    return 0;
}

/* The section of signal type `type` in the rules, or NULL. */
static const struct enrich_section *type_section(const struct enrich_rules *rules, const char *type)
{
    const struct enrich_section *secs;
    size_t n = enrich_rules_sections(rules, &secs);
    for (size_t i = 0; i < n; i++)
        if (secs[i].kind == ENRICH_SEC_SIGNAL && strcmp(secs[i].name, type) == 0)
            return &secs[i];
    return NULL;
}

static int check_signal(const struct enrich_rules *rules, const cJSON *s, int i, char *err,
                        size_t errlen)
{
    char w[64];
    snprintf(w, sizeof(w), "structured.signals[%d]", i);
    if (!cJSON_IsObject(s)) {
        fail(err, errlen, "\"%s\" must be an object", w);
        return -1;
    }
    const char *type, *evidence;
    if (opt_string(s, "type", w, &type, err, errlen) < 0 ||
        opt_string(s, "evidence", w, &evidence, err, errlen) < 0)
        return -1;
    if (!type) {
        fail(err, errlen, "\"%s.type\" is missing", w);
        return -1;
    }
    if (strcmp(type, REGISTRY_CHANGE) != 0 && !type_section(rules, type)) {
        fail(err, errlen, "\"%s.type\": \"%.40s\" is not a signal type of the rules", w, type);
        return -1;
    }
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(s, "confidence");
    if (c && !cJSON_IsNull(c) && (!cJSON_IsNumber(c) || !(c->valuedouble >= 0 && c->valuedouble <= 1))) {
        fail(err, errlen, "\"%s.confidence\" must be a number from 0 to 1", w);
        return -1;
    }
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(s, "priority");
    if (p && !cJSON_IsNull(p) &&
        (!cJSON_IsNumber(p) || !(p->valuedouble >= 0 && p->valuedouble <= 100) ||
         p->valuedouble != floor(p->valuedouble))) {
        fail(err, errlen, "\"%s.priority\" must be a whole number from 0 to 100", w);
        return -1;
    }
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(s, "change");
    if (ch && !cJSON_IsNull(ch)) {
        const char *field;
        char wc[80];
        snprintf(wc, sizeof(wc), "%s.change", w);
        if (!cJSON_IsObject(ch)) {
            fail(err, errlen, "\"%s\" must be an object", wc);
            return -1;
        }
        if (opt_string(ch, "field", wc, &field, err, errlen) < 0)
            return -1;
        if (!field || !*field) {
            fail(err, errlen, "\"%s.field\" is missing", wc);
            return -1;
        }
    }
    const cJSON *people, *amounts;
    if (opt_array(s, "people", w, &people, err, errlen) < 0 ||
        opt_array(s, "amounts", w, &amounts, err, errlen) < 0 ||
        check_people(people, w, err, errlen) < 0 || check_amounts(amounts, w, err, errlen) < 0)
        return -1;
    return 0;
}

/* The company's identifier; 0 or -1. */
static int check(const struct enrich_rules *rules, const cJSON *st, const char **scheme,
                 const char **id, char *err, size_t errlen)
{
    if (!cJSON_IsObject(st)) {
        fail(err, errlen, "\"structured\" must be an object");
        return -1;
    }
    const cJSON *company = cJSON_GetObjectItemCaseSensitive(st, "company");
    if (!cJSON_IsObject(company)) {
        fail(err, errlen, "\"structured.company\" must be an object");
        return -1;
    }
    const char *name;
    if (opt_string(company, "scheme", "structured.company", scheme, err, errlen) < 0 ||
        opt_string(company, "id", "structured.company", id, err, errlen) < 0 ||
        opt_string(company, "name", "structured.company", &name, err, errlen) < 0)
        return -1;
    if (!*scheme || !**scheme || !*id || !**id) {
        fail(err, errlen, "\"structured.company\" needs \"scheme\" and \"id\"");
        return -1;
    }
    const cJSON *signals, *people;
    if (opt_array(st, "signals", "structured", &signals, err, errlen) < 0 ||
        opt_array(st, "people", "structured", &people, err, errlen) < 0 ||
        check_people(people, "structured", err, errlen) < 0)
        return -1;
    int i = 0, people_total = cJSON_GetArraySize(people);
    const cJSON *s;
    cJSON_ArrayForEach(s, signals) {
        if (i >= MAX_SIGNALS) {
            fail(err, errlen, "\"structured.signals\" has more than %d signals", MAX_SIGNALS);
            return -1;
        }
        if (check_signal(rules, s, i++, err, errlen) < 0)
            return -1;
        people_total += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s, "people"));
    }
    /* each name is compared with those before it: bounded work whatever the item */
    if (people_total > MAX_PEOPLE) {
        fail(err, errlen, "\"structured\" names more than %d people", MAX_PEOPLE);
        return -1;
    }
    return 0;
}

/* ---- building ------------------------------------------------------------------------ */

static int push_index(size_t **v, size_t *n, size_t x)
{
    size_t *nv = vg_realloc(*v, (*n + 1) * sizeof(size_t));
    if (!nv)
        return -1;
    nv[(*n)++] = x;
    *v = nv;
    return 0;
}

/* The role of a phrase as written: the rules' vocabulary, then the register roles, then
 * "other". */
static const struct enrich_role *role_of(const struct enrich_rules *rules, const char *phrase,
                                         int *oom)
{
    char *folded = enrich_fold_str(phrase, 1);
    char *sq = folded ? enrich_squash_name(phrase) : NULL;
    const struct enrich_role *r = NULL;
    if (!folded || !sq) {
        *oom = 1;
    } else if (!(r = enrich_rules_role(rules, folded))) {
        for (size_t i = 0; i < sizeof(register_roles) / sizeof(register_roles[0]) && !r; i++)
            if (strcmp(sq, register_roles[i].phrase) == 0)
                r = &register_roles[i].role;
        if (!r)
            r = &other_role;
    }
    vg_free(folded);
    vg_free(sq);
    return r;
}

/* The index in r->people of the person `p` (a checked people[] entry), added when its name
 * is new: one record per person, the first mention (a signal's, which says whether they
 * leave) winning. -1 when out of memory. */
static long add_person(const struct enrich_rules *rules, struct enrich_result *r, char **keys,
                       const cJSON *p)
{
    const cJSON *jn = cJSON_GetObjectItemCaseSensitive(p, "name");
    const cJSON *jr = cJSON_GetObjectItemCaseSensitive(p, "role");
    char *key = enrich_squash_name(jn->valuestring);
    if (!key)
        return -1;
    for (size_t i = 0; i < r->n_people; i++)
        if (strcmp(key, keys[i]) == 0) {
            vg_free(key);
            return (long)i;
        }
    struct enrich_person *nv = vg_realloc(r->people, (r->n_people + 1) * sizeof(*nv));
    if (!nv) {
        vg_free(key);
        return -1;
    }
    keys[r->n_people] = key;   /* keys holds MAX_PEOPLE: check() bounds the people named */
    r->people = nv;
    struct enrich_person *q = &r->people[r->n_people++];
    memset(q, 0, sizeof(*q));
    q->departing = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "departing"));
    if (!(q->name = vg_strdup(jn->valuestring)))
        return -1;
    /* Without a role a person is named, not an officer: no contact (contact.c needs one). */
    if (cJSON_IsString(jr) && *jr->valuestring) {
        int oom = 0;
        const struct enrich_role *role = role_of(rules, jr->valuestring, &oom);
        if (oom || !(q->role = vg_strdup(jr->valuestring)) || !(q->role_norm = vg_strdup(role->norm)) ||
            !(q->seniority = vg_strdup(role->seniority)) || !(q->department = vg_strdup(role->department)))
            return -1;
    }
    return (long)(r->n_people - 1);
}

/* The change object as JSON text, members field, before and after (null when absent). */
static char *change_json(const cJSON *ch)
{
    static const char *const keys[] = {"field", "before", "after"};
    struct vg_buf b;
    vg_buf_init(&b, 0);
    int rc = vg_buf_putc(&b, '{');
    for (int i = 0; i < 3 && rc >= 0; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(ch, keys[i]);
        char *text = v ? cJSON_PrintUnformatted(v) : NULL;
        if (v && !text)
            rc = -1;
        else
            rc = vg_buf_printf(&b, "%s\"%s\":%s", i ? "," : "", keys[i], text ? text : "null");
        cJSON_free(text);
    }
    if (rc < 0 || vg_buf_putc(&b, '}') < 0) {
        vg_buf_free(&b);
        return NULL;
    }
    char *out = vg_strdup(b.data);
    vg_buf_free(&b);
    return out;
}

/* Item-level types, each once, in the order of the signals. */
static int add_type(struct enrich_result *r, const char *type)
{
    for (size_t i = 0; i < r->n_types; i++)
        if (strcmp(r->types[i], type) == 0)
            return 0;
    const char **nv = vg_realloc(r->types, (r->n_types + 1) * sizeof(*nv));
    if (!nv)
        return -1;
    r->types = nv;
    r->types[r->n_types++] = type;
    return 0;
}

/* One signal of the (checked) entry `js`, for account `acc` (NULL: none holds the
 * identifier, and only the item-level parts are kept). */
static int build_signal(const struct enrich_extractor *x, const struct enrich_item *item,
                        const cJSON *js, long acc_index, struct enrich_result *r, char **keys)
{
    const struct enrich_rules *rules = enrich_extractor_rules(x);
    const char *type = cJSON_GetObjectItemCaseSensitive(js, "type")->valuestring;
    const struct enrich_section *sec = type_section(rules, type);
    /* the rules' own name, which outlives the item (the result borrows it) */
    const char *tname = sec ? sec->name : REGISTRY_CHANGE;
    if (add_type(r, tname) < 0)
        return -1;
    /* amounts and people first: they belong to the item even when no account holds it */
    size_t first_amount = r->n_amounts;
    const cJSON *a, *amounts = cJSON_GetObjectItemCaseSensitive(js, "amounts");
    int na = cJSON_IsArray(amounts) ? cJSON_GetArraySize(amounts) : 0;
    if (na) {
        struct enrich_amount *nv = vg_realloc(r->amounts, (r->n_amounts + (size_t)na) * sizeof(*nv));
        if (nv)
            r->amounts = nv;
        size_t *ns = nv ? vg_realloc(r->amount_sentence, (r->n_amounts + (size_t)na) * sizeof(*ns)) : NULL;
        if (!ns)
            return -1;
        r->amount_sentence = ns;
        cJSON_ArrayForEach(a, amounts) {
            struct enrich_amount *m = &r->amounts[r->n_amounts];
            memset(m, 0, sizeof(*m));
            m->value = cJSON_GetObjectItemCaseSensitive(a, "value")->valuedouble;
            memcpy(m->currency, cJSON_GetObjectItemCaseSensitive(a, "currency")->valuestring, 4);
            r->amount_sentence[r->n_amounts++] = 0;
        }
    }
    size_t pidx[MAX_PEOPLE], np = 0;
    const cJSON *p, *people = cJSON_GetObjectItemCaseSensitive(js, "people");
    if (cJSON_IsArray(people))
        cJSON_ArrayForEach(p, people) {
            long k = add_person(rules, r, keys, p);
            if (k < 0)
                return -1;
            int dup = 0;   /* a name listed twice in the entry is one person of it */
            for (size_t i = 0; i < np && !dup; i++)
                dup = pidx[i] == (size_t)k;
            if (!dup)
                pidx[np++] = (size_t)k;
        }
    if (acc_index < 0)
        return 0;

    const struct enrich_account *acc = &enrich_extractor_accounts(x)->v[acc_index];
    struct enrich_signal *nv = vg_realloc(r->signals, (r->n_signals + 1) * sizeof(*nv));
    if (!nv)
        return -1;
    r->signals = nv;
    struct enrich_signal *s = &r->signals[r->n_signals++];
    memset(s, 0, sizeof(*s));
    s->type = tname;
    s->account = (size_t)acc_index;
    s->account_id = acc->id;
    s->role = ENRICH_ROLE_SUBJECT;
    s->unit = -1;
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(js, "confidence");
    s->confidence = cJSON_IsNumber(c) ? c->valuedouble : 1.0;
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(js, "evidence");
    const char *evidence = cJSON_IsString(ev) && *ev->valuestring ? ev->valuestring
                           : item->title && *item->title            ? item->title
                           : item->summary                          ? item->summary : "";
    if (!(s->evidence = vg_strdup(evidence)))
        return -1;
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(js, "change");
    if (cJSON_IsObject(ch) && !(s->change = change_json(ch)))
        return -1;
    for (size_t i = first_amount; i < r->n_amounts; i++)
        if (push_index(&s->amounts, &s->n_amounts, i) < 0)
            return -1;
    for (size_t i = 0; i < np; i++)
        if (push_index(&s->people, &s->n_people, pidx[i]) < 0)
            return -1;

    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(js, "priority");
    if (cJSON_IsNumber(pr)) {
        s->priority = (int)pr->valuedouble;   /* the source knows best (a collective procedure) */
    } else {
        const struct enrich_options *opt = enrich_extractor_options(x);
        double now = opt->now > 0 ? opt->now : (double)time(NULL), published, age_days = 0;
        if (item->published && enrich_parse_time(item->published, &published) == 0)
            age_days = (now - published) / 86400.0;
        struct enrich_score_input in = {
            .type_weight = sec ? sec->weight : ENRICH_REGISTRY_CHANGE_WEIGHT,
            .confidence = s->confidence,
            .age_days = age_days,
            /* a register or a filing is the authority on its own records */
            .source_reliability = item->source_reliability < 0 ? 1.0 : item->source_reliability,
            .tier = acc->tier,
            .revenue = acc->revenue,
            .margin = acc->margin,
            .growth_potential = acc->growth_potential,
            .strategic_fit = acc->strategic_fit,
            .image = acc->image,
        };
        s->priority = enrich_priority(&in);
    }
    /* The same event delivered again is the same signal: the id hashes the item's id (the
     * kind's event id), the type and the account; a second signal of the same type in the
     * item is told apart by its rank. */
    int same = 0;
    for (size_t i = 0; i + 1 < r->n_signals; i++)
        same += strcmp(r->signals[i].type, tname) == 0;
    char story[300];
    if (same)
        snprintf(story, sizeof(story), "%s#%d", item->id ? item->id : "", same + 1);
    else
        snprintf(story, sizeof(story), "%s", item->id ? item->id : "");
    enrich_signal_id(s->account_id, story, s->type, s->id);
    return 0;
}

static void free_keys(char **keys)
{
    for (size_t i = 0; keys && i < MAX_PEOPLE; i++)
        vg_free(keys[i]);
    vg_free(keys);
}

int enrich_structured_extract(const struct enrich_extractor *x, const struct enrich_item *item,
                              const cJSON *st, struct enrich_result **out, char *err,
                              size_t errlen)
{
    *out = NULL;
    const char *scheme = NULL, *id = NULL;
    if (check(enrich_extractor_rules(x), st, &scheme, &id, err, errlen) < 0)
        return -1;
    char **keys = vg_calloc(MAX_PEOPLE, sizeof(char *));   /* squashed names of r->people */
    struct enrich_result *r = keys ? enrich_result_new(x, item) : NULL;
    if (!r)
        goto oom;
    long acc = enrich_id_index_find(enrich_extractor_ids(x), scheme, id);
    if (acc >= 0) {
        /* exact: the account is the item's subject, never found by a name */
        const struct enrich_account *a = &enrich_extractor_accounts(x)->v[acc];
        if (!(r->accounts = vg_calloc(1, sizeof(size_t))) || !(r->roles = vg_calloc(1, 1)) ||
            !(r->companies = vg_calloc(1, sizeof(char *))) || !(r->companies[0] = vg_strdup(a->name)))
            goto oom;
        r->accounts[0] = (size_t)acc;
        r->roles[0] = ENRICH_ROLE_SUBJECT;
        r->n_accounts = 1;
        r->n_companies = 1;
    }
    const cJSON *s, *signals = cJSON_GetObjectItemCaseSensitive(st, "signals");
    if (cJSON_IsArray(signals))
        cJSON_ArrayForEach(s, signals)
            if (build_signal(x, item, s, acc, r, keys) < 0)
                goto oom;
    /* the company's officers, after the signals' people (who say who leaves) */
    const cJSON *p, *people = cJSON_GetObjectItemCaseSensitive(st, "people");
    if (cJSON_IsArray(people))
        cJSON_ArrayForEach(p, people)
            if (add_person(enrich_extractor_rules(x), r, keys, p) < 0)
                goto oom;
    free_keys(keys);
    *out = r;
    return 0;
oom:
    free_keys(keys);
    enrich_result_free(r);
    fail(err, errlen, "out of memory");
    return -1;
}
