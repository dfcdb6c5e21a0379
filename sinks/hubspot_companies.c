/* hubspot_companies — each account's company in HubSpot (hubspot_int.h): its 90-day count
 * and heat (the tallies step), the company found (crm_id, mark, upsert on a unique
 * company_id_property, else a search, then a create) and vigie's properties written on it;
 * with company_refresh, which companies' properties a batch writes and which wait. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "enrich/account.h"
#include "queue/queue_tally.h"
#include "sinks/hubspot_int.h"
#include "sinks/hubspot_payload.h"
#include "util/vg_alloc.h"
#include "util/vg_json.h"
#include "util/vg_log.h"
#include "util/vg_time.h"

#define DAY_MS (86400LL * 1000)

/* One tally call: its answer goes to account `acct` (-1: none). */
struct hs_tally_arg {
    struct hs_job *job;
    long acct;
};

/* ---- company_refresh: which companies a batch writes ------------------------------------- */

static struct hs_company_state *company_state(struct hs_sink *s, const char *account_id)
{
    for (size_t i = 0; i < s->n_companies; i++)
        if (strcmp(s->companies[i].account_id, account_id) == 0)
            return &s->companies[i];
    struct hs_company_state *v = vg_realloc(s->companies, (s->n_companies + 1) * sizeof *v);
    if (!v)
        return NULL;
    s->companies = v;
    struct hs_company_state *cs = &v[s->n_companies];
    memset(cs, 0, sizeof *cs);
    if (!(cs->account_id = vg_strdup(account_id)))
        return NULL;
    s->n_companies++;
    return cs;
}

/* Remembers an account's newest signal (to read its tally again when its properties are
 * written later). */
static void company_state_signal(struct hs_company_state *cs, const struct hs_acct *ac)
{
    if (!ac->newest_id || !ac->newest_type || (cs->signal_id && ac->newest_ms < cs->ms))
        return;
    char *id = vg_strdup(ac->newest_id), *type = vg_strdup(ac->newest_type);
    if (!id || !type) {
        vg_free(id);
        vg_free(type);
        return;
    }
    vg_free(cs->signal_id);
    vg_free(cs->type);
    cs->signal_id = id;
    cs->type = type;
    cs->priority = ac->newest_priority;
    cs->ms = ac->newest_ms;
}

/* Which companies' properties are written in this batch. With company_refresh, a full batch
 * says more signals are coming: the properties of its companies wait, never-written ones too,
 * and are written together, each company once with its latest figures, when the oldest of
 * them has waited company_refresh or when a batch is not full (an empty one included, which
 * the core gives when no batch came for IDLE_FLUSH_MS): then every company left waiting is
 * written, in the batch or not. 200 companies under a steady flow cost two batch updates per
 * company_refresh, not one request per batch that meets a new one. */
void hs_plan_company_writes(struct hs_job *j)
{
    struct hs_sink *s = j->s;
    long long now = vg_mono_ms(), refresh = s->cfg->company_refresh_ms;
    int full = j->n_items >= MAX_BATCH && !previewing(j) && refresh > 0;
    size_t in_batch = j->n_accts;
    /* Every state first (the array may move as it grows), then pointers into it: none is
     * added again until the batch ends. */
    for (size_t a = 0; a < in_batch; a++)
        company_state(s, j->accts[a].a->id);
    int due = !full;
    for (size_t i = 0; i < s->n_companies && !due; i++)
        due = s->companies[i].dirty && now - s->companies[i].dirty_ms >= refresh;
    for (size_t a = 0; a < in_batch; a++) {
        struct hs_acct *ac = &j->accts[a];
        ac->cs = company_state(s, ac->a->id);
        if (!ac->cs)
            continue;
        if (!ac->company_id[0] && ac->cs->company_id[0])
            snprintf(ac->company_id, sizeof ac->company_id, "%s", ac->cs->company_id);
        if (!ac->signals)
            continue;
        company_state_signal(ac->cs, ac);
        if (!due) {
            ac->defer = 1;
            if (!ac->cs->dirty)
                ac->cs->dirty_ms = now;
            ac->cs->dirty = 1;
        }
    }
    int waiting = 0;
    for (size_t i = 0; i < s->n_companies && !due && !waiting; i++)
        waiting = s->companies[i].dirty;
    if (waiting)
        sink_wake(s->ctx, IDLE_FLUSH_MS);
    for (size_t i = 0; due && i < s->n_companies; i++) {
        struct hs_company_state *cs = &s->companies[i];
        if (!cs->dirty || !cs->company_id[0] || !cs->signal_id)
            continue;
        int here = 0;
        for (size_t a = 0; a < in_batch && !here; a++)
            here = j->accts[a].cs == cs;
        if (here)
            continue;
        const struct enrich_account *acc = sink_account(s->ctx, cs->account_id);
        if (!acc) {
            cs->dirty = 0; /* no longer in the registry */
            continue;
        }
        struct hs_acct *ac = &j->accts[j->n_accts++];
        memset(ac, 0, sizeof *ac);
        ac->a = acc;
        ac->cs = cs;
        ac->flush = 1;
        ac->signals = 1;
        snprintf(ac->company_id, sizeof ac->company_id, "%s", cs->company_id);
        ac->newest_type = cs->type;
        ac->newest_ms = cs->ms;
    }
}

int hs_companies_waiting(const struct hs_sink *s)
{
    for (size_t i = 0; i < s->n_companies; i++)
        if (s->companies[i].dirty && s->companies[i].company_id[0] && s->companies[i].signal_id)
            return 1;
    return 0;
}

/* ---- tallies: heat and 90-day counts ----------------------------------------------------- */

static void tally_done(const struct queue_tally *t, void *arg)
{
    struct hs_tally_arg *ta = arg;
    struct hs_job *j = ta->job;
    if (t && ta->acct >= 0) {
        struct hs_acct *ac = &j->accts[ta->acct];
        ac->upd.have_tally = 1;
        ac->upd.heat = t->heat;
        ac->upd.count = t->count;
        ac->tally_last_ms = t->last_ms;
    }
    if (--j->pending > 0)
        return;
    /* The newest signal of the batch becomes the company's last signal unless Redis knows a
     * newer one (delivered earlier, or by another process). */
    for (size_t a = 0; a < j->n_accts; a++) {
        struct hs_acct *ac = &j->accts[a];
        if (ac->newest_type && ac->newest_ms >= ac->tally_last_ms) {
            ac->upd.last_type = ac->newest_type;
            ac->upd.last_ms = ac->newest_ms;
        }
    }
    hs_job_advance(j);
}

static int item_counts(const struct hs_item *it)
{
    return it->acct >= 0 && (it->kind == K_SIGNAL || it->kind == K_UPDATE) &&
           (!it->settled || it->rec->outcome == SINK_OK);
}

/* Every signal is added to its account's tally (idempotent: a redelivered one counts once);
 * an account flushed without signals in this batch reads its tally by adding its newest
 * signal again. */
static int run_tallies(struct hs_job *j)
{
    const long long window = 90 * DAY_MS, half_life = 30 * DAY_MS;
    size_t n = 0;
    for (size_t i = 0; i < j->n_items; i++)
        n += item_counts(&j->items[i]);
    for (size_t a = 0; a < j->n_accts; a++)
        n += j->accts[a].flush;
    if (n == 0 || previewing(j)) {
        for (size_t a = 0; a < j->n_accts; a++)
            if (j->accts[a].newest_type) {
                j->accts[a].upd.last_type = j->accts[a].newest_type;
                j->accts[a].upd.last_ms = j->accts[a].newest_ms;
            }
        return 0;
    }
    j->tally_args = vg_calloc(n + 1, sizeof *j->tally_args);
    if (!j->tally_args) {
        hs_job_abort(j, "out of memory", 0);
        return 1;
    }
    /* pending counts the calls not answered yet; one more holds it above 0 while they are
     * issued, so an answer that comes at once cannot end the step early. */
    j->pending = 1;
    size_t k = 0;
    for (size_t i = 0; i < j->n_items; i++) {
        struct hs_item *it = &j->items[i];
        if (!item_counts(it))
            continue;
        const cJSON *pr = cJSON_GetObjectItemCaseSensitive(it->rec->doc, "priority");
        int priority = cJSON_IsNumber(pr) ? (int)pr->valuedouble : 0;
        j->tally_args[k] = (struct hs_tally_arg){j, it->acct};
        j->pending++;
        if (queue_tally_add(sink_queue(j->s->ctx), j->accts[it->acct].a->id, it->rec->id, priority, it->ms, window,
                            half_life, tally_done, &j->tally_args[k]) < 0)
            j->pending--;
        k++;
    }
    for (size_t a = 0; a < j->n_accts; a++) {
        const struct hs_company_state *cs = j->accts[a].cs;
        if (!j->accts[a].flush || !cs)
            continue;
        j->tally_args[k] = (struct hs_tally_arg){j, (long)a};
        j->pending++;
        if (queue_tally_add(sink_queue(j->s->ctx), cs->account_id, cs->signal_id, cs->priority, cs->ms, window,
                            half_life, tally_done, &j->tally_args[k]) < 0)
            j->pending--;
        k++;
    }
    struct hs_tally_arg hold = {j, -1};
    tally_done(NULL, &hold);
    return 1;
}

const struct hs_step hs_step_tallies = {
    .name = "tallies", .run = run_tallies,
};

/* ---- companies ------------------------------------------------------------------------------ */

/* The value an account's company is found by (company_id_property), or NULL. */
const char *hs_key_value_of(const struct hubspot_config *c, const struct enrich_account *a)
{
    if (strcmp(c->company_id_property, "domain") == 0)
        return a->n_domains && a->domains[0][0] ? a->domains[0] : NULL;
    if (strcmp(c->company_id_property, "name") == 0)
        return a->name;
    return a->id;
}

static int acct_wants_company(const struct hs_job *j, size_t a)
{
    return !j->accts[a].company_id[0] && hs_acct_live(j, a);
}

static size_t collect_upsert(struct hs_job *j, size_t *ix)
{
    size_t n = 0;
    if (!j->s->key_unique)
        return 0;
    for (size_t a = 0; a < j->n_accts; a++)
        if (acct_wants_company(j, a) && j->accts[a].key_value)
            ix[n++] = a;
    return n;
}

/* The properties vigie writes on account a's company, plus `extra` pairs. */
static int company_props(struct hs_job *j, size_t a, const char *const *extra, struct vg_buf *out)
{
    const struct hs_acct *ac = &j->accts[a];
    return hs_company_props(out, j->s->cfg, ac->signals ? &ac->upd : NULL, extra);
}

static int build_upsert(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r)
{
    const char *prop = j->s->cfg->company_id_property;
    r->method = "POST";
    r->url = url_of(j, HS_API_OBJECTS, "companies/batch/upsert");
    hs_inputs_begin(&r->body);
    for (size_t k = 0; k < n; k++) {
        struct vg_buf p;
        vg_buf_init(&p, 0);
        const char *extra[] = {prop, j->accts[ix[k]].key_value, NULL};
        if (company_props(j, ix[k], extra, &p) < 0) {
            vg_buf_free(&p);
            return -1;
        }
        hs_input_write(&r->body, k, j->accts[ix[k]].key_value, prop, p.data);
        vg_buf_free(&p);
    }
    hs_inputs_end(&r->body);
    return r->url ? vg_buf_check(&r->body) : -1;
}

static const char *key_prop_company(struct hs_job *j)
{
    return j->s->cfg->company_id_property;
}

static const char *key_company(struct hs_job *j, size_t a)
{
    return j->accts[a].key_value;
}

static void company_known(struct hs_job *j, size_t a, const char *id_in)
{
    struct hs_acct *ac = &j->accts[a];
    /* id_in may be ac->company_id itself (a search's answer is put there first), and
     * snprintf into its own source leaves "": the company found would be created again. */
    char id[sizeof ac->company_id];
    snprintf(id, sizeof id, "%s", id_in);
    memcpy(ac->company_id, id, sizeof id);
    if (ac->cs)
        snprintf(ac->cs->company_id, sizeof ac->cs->company_id, "%s", id);
    if (!previewing(j)) {
        char key[300];
        snprintf(key, sizeof key, "company:%s", ac->a->id);
        sink_mark_set(j->s->ctx, key, id);
    }
}

static int answer_company_write(struct hs_job *j, const size_t *ix, size_t n, const struct hs_result *res,
                                const char *body, size_t len)
{
    (void)body, (void)len;
    for (size_t k = 0; k < n; k++) {
        struct hs_acct *ac = &j->accts[ix[k]];
        if (!res[k].seen)
            continue;
        if (res[k].error[0]) {
            hs_refuse(j, hs_current_step(j), ix[k], res[k].error);
            continue;
        }
        if (!ac->company_id[0])
            company_known(j, ix[k], res[k].id);
        ac->written = 1;
        ac->is_new = res[k].is_new;
        if (ac->cs && ac->signals) {
            ac->cs->written_ms = vg_mono_ms();
            ac->cs->dirty = 0;
        }
    }
    return 0;
}

/* A company vigie created by upsert gets the account's name (never overwritten otherwise). */
static size_t collect_names(struct hs_job *j, size_t *ix)
{
    size_t n = 0;
    for (size_t a = 0; a < j->n_accts; a++)
        if (j->accts[a].is_new && j->accts[a].company_id[0] && strcmp(j->s->cfg->company_id_property, "name") != 0)
            ix[n++] = a;
    return n;
}

static int build_names(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r)
{
    r->method = "POST";
    r->url = url_of(j, HS_API_OBJECTS, "companies/batch/update");
    hs_inputs_begin(&r->body);
    for (size_t k = 0; k < n; k++) {
        struct vg_buf p;
        vg_buf_init(&p, 0);
        char *name = hs_plain_text(j->accts[ix[k]].a->name, HS_TEXT_MAX);
        const char *extra[] = {"name", name, NULL};
        hs_company_props(&p, j->s->cfg, NULL, extra);
        hs_input_write(&r->body, k, j->accts[ix[k]].company_id, NULL, p.data ? p.data : "{}");
        vg_free(name);
        vg_buf_free(&p);
    }
    hs_inputs_end(&r->body);
    return r->url ? vg_buf_check(&r->body) : -1;
}

/* A name that could not be set is not worth a record. */
static void refuse_name(struct hs_job *j, size_t a, const char *reason)
{
    vg_warn(MOD, "could not name the company of account %s: %s", j->accts[a].a->id, reason);
}

/* Search: on company_id_property for accounts with a value (in batches of IN values), else
 * on the name, one account at a time. */
static size_t collect_search(struct hs_job *j, size_t *ix, int by_name)
{
    size_t n = 0;
    for (size_t a = 0; a < j->n_accts; a++) {
        struct hs_acct *ac = &j->accts[a];
        if (!acct_wants_company(j, a) || ac->searched)
            continue;
        if (by_name ? !ac->key_value : (ac->key_value && !j->s->key_unique))
            ix[n++] = a;
    }
    return n;
}

/* A search that has room also looks for accounts of the registry whose company vigie does not
 * know yet, going through the registry from where the last search left off: the values cost
 * nothing (one request either way, within IN's 100), and those accounts' first signals then
 * find their company known (the mark the answer leaves) instead of costing a search each. 200
 * accounts meeting their first signals over a dozen batches take 2 searches, not 11. */
static size_t pad_search(struct hs_job *j, size_t *ix, size_t room)
{
    struct hs_sink *s = j->s;
    size_t n = 0;
    for (; n < room && j->n_accts < j->accts_cap; s->pad_next++) {
        const struct enrich_account *acc = sink_account_at(s->ctx, s->pad_next);
        if (!acc)
            break;
        const char *key = hs_key_value_of(s->cfg, acc);
        int skip = !key || hs_digits_only(acc->crm_id);
        for (size_t a = 0; a < j->n_accts && !skip; a++)
            skip = j->accts[a].a == acc || strcmp(j->accts[a].a->id, acc->id) == 0;
        for (size_t i = 0; i < s->n_companies && !skip; i++)
            skip = s->companies[i].company_id[0] && strcmp(s->companies[i].account_id, acc->id) == 0;
        if (skip)
            continue;
        struct hs_acct *ac = &j->accts[j->n_accts];
        memset(ac, 0, sizeof *ac); /* no records, no state: found, only its mark is left */
        ac->a = acc;
        ac->key_value = key;
        ix[n++] = j->n_accts++;
    }
    return n;
}

/* A search also looks for the accounts whose own search was held back (the search limit), up
 * to a search's 100 values: new accounts arriving batch after batch wait for one search, not
 * each for its own. */
static size_t collect_search_key(struct hs_job *j, size_t *ix)
{
    size_t n = collect_search(j, ix, 0);
    struct hs_sink *s = j->s;
    for (size_t i = 0; n && i < s->n_companies && n < MAX_BATCH && j->n_accts < j->accts_cap; i++) {
        struct hs_company_state *cs = &s->companies[i];
        if (!cs->wanted || cs->company_id[0])
            continue;
        int here = 0;
        for (size_t a = 0; a < j->n_accts && !here; a++)
            here = j->accts[a].cs == cs;
        const struct enrich_account *acc = here ? NULL : sink_account(s->ctx, cs->account_id);
        const char *key = acc ? hs_key_value_of(s->cfg, acc) : NULL;
        if (!key) {
            cs->wanted = here;
            continue;
        }
        struct hs_acct *ac = &j->accts[j->n_accts];
        memset(ac, 0, sizeof *ac); /* no records here: found, it is only remembered */
        ac->a = acc;
        ac->cs = cs;
        ac->key_value = key;
        ix[n++] = j->n_accts++;
    }
    /* only a search made anyway is filled: its last unit, up to IN's 100 values */
    return n ? n + pad_search(j, ix + n, (MAX_BATCH - n % MAX_BATCH) % MAX_BATCH) : 0;
}

static size_t collect_search_name(struct hs_job *j, size_t *ix)
{
    return collect_search(j, ix, 1);
}

static int build_search(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r, int by_name)
{
    const char *prop = by_name ? "name" : j->s->cfg->company_id_property;
    const char **values = vg_calloc(n + 1, sizeof *values);
    if (!values)
        return -1;
    for (size_t k = 0; k < n; k++)
        values[k] = by_name ? j->accts[ix[k]].a->name : j->accts[ix[k]].key_value;
    const char *props[] = {prop, "hs_object_id", NULL};
    r->method = "POST";
    r->url = url_of(j, HS_API_OBJECTS, "companies/search");
    hs_search_body(&r->body, prop, by_name ? "EQ" : "IN", values, n, props, 200);
    vg_free(values);
    return r->url ? vg_buf_check(&r->body) : -1;
}

static int build_search_key(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r)
{
    return build_search(j, ix, n, r, 0);
}

static int build_search_name(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r)
{
    return build_search(j, ix, n, r, 1);
}

/* Several companies may share a domain (HubSpot does not keep it unique): the oldest, the
 * smallest id, is taken, so every delivery picks the same. */
static int answer_search(struct hs_job *j, const size_t *ix, size_t n, int by_name, const char *body, size_t len)
{
    const char *prop = by_name ? "name" : j->s->cfg->company_id_property;
    cJSON *root = len ? vg_json_parse(body, len) : NULL;
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(root, "results")) {
        const cJSON *props = cJSON_GetObjectItemCaseSensitive(r, "properties");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(props, prop);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "id");
        if (!cJSON_IsString(v) || !cJSON_IsString(id) || !hs_digits_only(id->valuestring) ||
            strlen(id->valuestring) >= 32)
            continue;
        for (size_t k = 0; k < n; k++) {
            struct hs_acct *ac = &j->accts[ix[k]];
            const char *want = by_name ? ac->a->name : ac->key_value;
            if (strcasecmp(want, v->valuestring) != 0)
                continue;
            if (ac->company_id[0] && (strlen(ac->company_id) < strlen(id->valuestring) ||
                                      (strlen(ac->company_id) == strlen(id->valuestring) &&
                                       strcmp(ac->company_id, id->valuestring) <= 0)))
                continue;
            snprintf(ac->company_id, sizeof ac->company_id, "%s", id->valuestring);
        }
    }
    cJSON_Delete(root);
    for (size_t k = 0; k < n; k++) {
        j->accts[ix[k]].searched = 1;
        if (j->accts[ix[k]].cs)
            j->accts[ix[k]].cs->wanted = 0;
        if (j->accts[ix[k]].company_id[0])
            company_known(j, ix[k], j->accts[ix[k]].company_id);
    }
    return 0;
}

static int answer_search_key(struct hs_job *j, const size_t *ix, size_t n, const struct hs_result *res,
                             const char *body, size_t len)
{
    (void)res;
    return answer_search(j, ix, n, 0, body, len);
}

static int answer_search_name(struct hs_job *j, const size_t *ix, size_t n, const struct hs_result *res,
                              const char *body, size_t len)
{
    (void)res;
    return answer_search(j, ix, n, 1, body, len);
}

/* The search API has its own limit (5 a second). On its 429 (or a search held back to avoid
 * it) the accounts not looked for are remembered for the next search, and the batch waits,
 * whole (the core backs off as from any throttling): the records of those accounts alone
 * would come back as a small batch of their own, costing the requests of a full one. */
static int fail_company_search(struct hs_job *j, const size_t *ix, size_t n, struct hs_decision *d, long status)
{
    if (status != 429 || d->verdict != HS_RETRY)
        return 0;
    for (struct hs_unit *u = j->queue;; u = u->next) {
        for (size_t k = 0; k < n; k++)
            if (j->accts[ix[k]].cs)
                j->accts[ix[k]].cs->wanted = 1;
        if (!u)
            break;
        ix = u->ix;
        n = u->n;
    }
    hs_job_abort(j, d->reason, d->retry_after_ms > 0 ? d->retry_after_ms : 1000);
    return 1;
}

static size_t collect_create_companies(struct hs_job *j, size_t *ix)
{
    size_t n = 0;
    for (size_t a = 0; a < j->n_accts; a++)
        if (acct_wants_company(j, a) && j->accts[a].searched)
            ix[n++] = a;
    return n;
}

static int build_create_companies(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r)
{
    const struct hubspot_config *c = j->s->cfg;
    r->method = "POST";
    r->url = url_of(j, HS_API_OBJECTS, "companies/batch/create");
    hs_inputs_begin(&r->body);
    for (size_t k = 0; k < n; k++) {
        const struct hs_acct *ac = &j->accts[ix[k]];
        char *name = hs_plain_text(ac->a->name, HS_TEXT_MAX);
        const char *domain = ac->a->n_domains ? ac->a->domains[0] : NULL;
        const char *extra[8] = {"name", name};
        size_t e = 2;
        if (domain && strcmp(c->company_id_property, "domain") != 0) {
            extra[e++] = "domain";
            extra[e++] = domain;
        }
        if (ac->key_value && strcmp(c->company_id_property, "name") != 0) {
            extra[e++] = c->company_id_property;
            extra[e++] = ac->key_value;
        }
        extra[e] = NULL;
        struct vg_buf p;
        vg_buf_init(&p, 0);
        int rc = name ? company_props(j, ix[k], extra, &p) : -1;
        vg_free(name);
        if (rc == 0)
            hs_input_create(&r->body, k, p.data, NULL, 0);
        vg_buf_free(&p);
        if (rc < 0)
            return -1;
    }
    hs_inputs_end(&r->body);
    return r->url ? vg_buf_check(&r->body) : -1;
}

/* vigie's properties on companies known before this batch (crm_id, a mark, a search). */
static size_t collect_company_updates(struct hs_job *j, size_t *ix)
{
    size_t n = 0;
    for (size_t a = 0; a < j->n_accts; a++) {
        struct hs_acct *ac = &j->accts[a];
        if (ac->company_id[0] && ac->signals && !ac->written && !ac->defer && (ac->flush || hs_acct_live(j, a)))
            ix[n++] = a;
    }
    return n;
}

static int build_company_updates(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r)
{
    r->method = "POST";
    r->url = url_of(j, HS_API_OBJECTS, "companies/batch/update");
    hs_inputs_begin(&r->body);
    for (size_t k = 0; k < n; k++) {
        struct vg_buf p;
        vg_buf_init(&p, 0);
        if (company_props(j, ix[k], NULL, &p) < 0) {
            vg_buf_free(&p);
            return -1;
        }
        hs_input_write(&r->body, k, j->accts[ix[k]].company_id, NULL, p.data);
        vg_buf_free(&p);
    }
    hs_inputs_end(&r->body);
    return r->url ? vg_buf_check(&r->body) : -1;
}

/* A company id that HubSpot no longer knows (merged, deleted): when it came from a mark, the
 * mark goes and the records are tried again (the company is looked up anew); a crm_id the
 * account carries is the account's to fix. */
static void refuse_company_update(struct hs_job *j, size_t a, const char *reason)
{
    struct hs_acct *ac = &j->accts[a];
    if (ac->from_crm_id) {
        char why[256];
        snprintf(why, sizeof why, "company %s (the account's crm_id): %.150s", ac->company_id, reason);
        hs_acct_settle(j, a, SINK_DROP, why, 0);
        return;
    }
    char key[300];
    snprintf(key, sizeof key, "company:%s", ac->a->id);
    if (!previewing(j))
        sink_mark_set(j->s->ctx, key, "");
    if (ac->cs)
        ac->cs->company_id[0] = '\0';
    hs_acct_settle(j, a, SINK_RETRY, reason, 0);
}

/* ---- the steps ---------------------------------------------------------------------------- */

const struct hs_step hs_step_company_upsert = {
    .name = "company upsert", .collect = collect_upsert, .chunk = 100, .build = build_upsert, .batch_results = 1,
    .key_prop = key_prop_company, .key = key_company, .answer = answer_company_write, .on_accounts = 1,
};

const struct hs_step hs_step_company_names = {
    .name = "company names", .collect = collect_names, .chunk = 100, .build = build_names,
    .answer = hs_answer_nothing, .refuse = refuse_name, .on_accounts = 1,
};

const struct hs_step hs_step_company_search = {
    .name = "company search", .collect = collect_search_key, .chunk = 100, .build = build_search_key,
    .answer = answer_search_key, .fail = fail_company_search, .on_accounts = 1, .search = 1,
};

const struct hs_step hs_step_company_search_name = {
    .name = "company search by name", .collect = collect_search_name, .chunk = 1, .build = build_search_name,
    .answer = answer_search_name, .fail = fail_company_search, .on_accounts = 1, .search = 1,
};

const struct hs_step hs_step_company_create = {
    .name = "company create", .collect = collect_create_companies, .chunk = 100, .build = build_create_companies,
    .batch_results = 1, .answer = answer_company_write, .on_accounts = 1,
};

const struct hs_step hs_step_company_update = {
    .name = "company update", .collect = collect_company_updates, .chunk = 100, .build = build_company_updates,
    .batch_results = 1, .answer = answer_company_write, .refuse = refuse_company_update, .on_accounts = 1,
};
