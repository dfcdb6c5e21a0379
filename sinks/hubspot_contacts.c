/* hubspot_contacts — the people vigie found, as HubSpot contacts (hubspot_int.h): upserted on
 * contact_key_property (never on a guessed e-mail), then associated with their account's
 * company. */
#include <stddef.h>
#include <stdio.h>

#include "enrich/account.h"
#include "sinks/hubspot_int.h"
#include "sinks/hubspot_payload.h"
#include "util/vg_alloc.h"
#include "util/vg_json.h"

/* ---- contacts ---------------------------------------------------------------------------- */

static size_t collect_contacts(struct hs_job *j, size_t *ix)
{
    size_t n = 0;
    for (size_t i = 0; i < j->n_items; i++)
        if (!j->items[i].settled && j->items[i].kind == K_CONTACT)
            ix[n++] = i;
    return n;
}

static int build_contacts(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r)
{
    r->method = "POST";
    r->url = url_of(j, HS_API_OBJECTS, "contacts/batch/upsert");
    hs_inputs_begin(&r->body);
    for (size_t k = 0; k < n; k++) {
        struct hs_item *it = &j->items[ix[k]];
        struct vg_buf p;
        vg_buf_init(&p, 0);
        const char *company = it->acct >= 0 ? j->accts[it->acct].a->name : NULL;
        if (hs_contact_props(&p, j->s->cfg, it->rec->doc, company) < 0) {
            vg_buf_free(&p);
            return -1;
        }
        hs_input_write(&r->body, k, it->rec->id, j->s->cfg->prop_contact_key, p.data);
        vg_buf_free(&p);
    }
    hs_inputs_end(&r->body);
    return r->url ? vg_buf_check(&r->body) : -1;
}

static const char *key_prop_contact(struct hs_job *j)
{
    return j->s->cfg->prop_contact_key;
}

static const char *key_contact(struct hs_job *j, size_t i)
{
    return j->items[i].rec->id;
}

static int answer_contacts(struct hs_job *j, const size_t *ix, size_t n, const struct hs_result *res,
                           const char *body, size_t len)
{
    (void)body, (void)len;
    for (size_t k = 0; k < n; k++) {
        struct hs_item *it = &j->items[ix[k]];
        if (!res[k].seen)
            continue;
        if (res[k].error[0]) {
            hs_settle(it, SINK_DROP, res[k].error, 0);
            continue;
        }
        snprintf(it->contact_id, sizeof it->contact_id, "%s", res[k].id);
        if (it->acct < 0 || !j->accts[it->acct].company_id[0])
            hs_settle(it, SINK_OK, "", 0);
    }
    return 0;
}

static size_t collect_assoc(struct hs_job *j, size_t *ix)
{
    size_t n = 0;
    for (size_t i = 0; i < j->n_items; i++) {
        struct hs_item *it = &j->items[i];
        if (!it->settled && it->kind == K_CONTACT && it->contact_id[0] && it->acct >= 0 &&
            j->accts[it->acct].company_id[0])
            ix[n++] = i;
    }
    return n;
}

static int build_assoc(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r)
{
    r->method = "POST";
    r->url = url_of(j, HS_API_ASSOCIATIONS, "contacts/companies/batch/create");
    hs_inputs_begin(&r->body);
    for (size_t k = 0; k < n; k++) {
        struct hs_item *it = &j->items[ix[k]];
        hs_input_association(&r->body, k, it->contact_id, j->accts[it->acct].company_id, j->s->contact_type);
    }
    hs_inputs_end(&r->body);
    return r->url ? vg_buf_check(&r->body) : -1;
}

/* Association answers carry no trace ids: errors that name no input split the request until
 * each is alone. */
static int answer_assoc(struct hs_job *j, const size_t *ix, size_t n, const struct hs_result *res,
                        const char *body, size_t len)
{
    (void)res;
    cJSON *root = len ? vg_json_parse(body, len) : NULL;
    const cJSON *errs = cJSON_GetObjectItemCaseSensitive(root, "errors");
    int n_err = cJSON_GetArraySize(errs);
    char why[256] = "";
    if (n_err) {
        const cJSON *e = cJSON_GetArrayItem(errs, 0);
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
        char *clean = hs_plain_text(cJSON_IsString(m) ? m->valuestring : "association refused", 200);
        snprintf(why, sizeof why, "HubSpot (contact to company association): %s", clean ? clean : "");
        vg_free(clean);
    }
    cJSON_Delete(root);
    if (n_err && n > 1)
        return 1;
    for (size_t k = 0; k < n; k++)
        hs_settle(&j->items[ix[k]], n_err ? SINK_DROP : SINK_OK, why, 0);
    return 0;
}

/* ---- the steps ---------------------------------------------------------------------------- */

const struct hs_step hs_step_contact_upsert = {
    .name = "contact upsert", .collect = collect_contacts, .chunk = 100, .build = build_contacts,
    .batch_results = 1, .key_prop = key_prop_contact, .key = key_contact, .answer = answer_contacts,
};

const struct hs_step hs_step_contact_association = {
    .name = "contact association", .collect = collect_assoc, .chunk = 2000, .build = build_assoc,
    .answer = answer_assoc,
};
