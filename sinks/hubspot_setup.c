/* hubspot_setup — the setup steps of the HubSpot sink, run before its first batch
 * (hubspot_int.h): the companies' and contacts' properties read; vigie's own that are missing
 * created in a group "vigie" (or the sink paused, naming them, when it may not or should not);
 * the association type ids read (note or task → company, contact → company), HubSpot's
 * documented ids kept when they cannot be. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sinks/hubspot_int.h"
#include "sinks/hubspot_payload.h"
#include "util/vg_json.h"
#include "util/vg_log.h"

#define GROUP "vigie"

/* ---- setup: properties --------------------------------------------------------------- */

static const char *const OBJECTS[2] = {"companies", "contacts"};

static size_t collect_props(struct hs_job *j, size_t *ix)
{
    if (j->s->ready)
        return 0;
    ix[0] = 0;
    ix[1] = 1;
    return 2;
}

static int build_props(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r)
{
    (void)n;
    r->method = "GET";
    r->url = url_of(j, HS_API_PROPERTIES, OBJECTS[ix[0]]);
    return r->url ? 0 : -1;
}

static int answer_props(struct hs_job *j, const size_t *ix, size_t n, const struct hs_result *res,
                        const char *body, size_t len)
{
    (void)n;
    (void)res;
    cJSON_Delete(j->s->props[ix[0]]);
    j->s->props[ix[0]] = len ? vg_json_parse(body, len) : NULL;
    return 0;
}

/* HubSpot refusing to list properties (404: a wrong base_url or api_version) stops the sink:
 * nothing could be written anyway. */
static int fail_setup(struct hs_job *j, const size_t *ix, size_t n, struct hs_decision *d, long status)
{
    (void)ix, (void)n;
    if (d->verdict != HS_DROP)
        return 0;
    char why[256];
    snprintf(why, sizeof why, "HubSpot answered %ld to the setup of vigie's properties (%.120s): check "
                              "[sink.hubspot] base_url and api_version, then reload", status, d->reason);
    sink_pause(j->s->ctx, 0, "%s", why);
    hs_job_abort(j, why, 0);
    return 1;
}

/* "companies: vigie_heat (type number, fieldType number), ..." for the log line that asks a
 * person to create them. */
static void missing_list(const struct hs_sink *s, char *out, size_t n, int types)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < s->n_defs && used + 1 < n; i++) {
        if (!s->missing[i])
            continue;
        const struct hs_prop_def *d = &s->defs[i];
        if (types)
            used += (size_t)snprintf(out + used, n - used, "%s%s %s (type %s, fieldType %s%s)", used ? "; " : "",
                                     d->object, d->name, d->type, d->field_type, d->unique ? ", unique values" : "");
        else
            used += (size_t)snprintf(out + used, n - used, "%s%s", used ? ", " : "", d->name);
        if (used >= n)
            break;
    }
}

/* After the properties were read: what is missing, and whether the company key is unique. */
static int setup_check(struct hs_job *j)
{
    struct hs_sink *s = j->s;
    const struct hubspot_config *c = s->cfg;
    s->n_defs = hs_prop_defs(c, s->defs, MAX_DEFS);
    int n_missing = 0;
    for (size_t i = 0; i < s->n_defs; i++) {
        const cJSON *answer = s->props[strcmp(s->defs[i].object, "companies") == 0 ? 0 : 1];
        /* An answer that is not a property list (a preview) is taken as "all there". */
        s->missing[i] = answer && hs_property_lookup(answer, s->defs[i].name, NULL) == 0;
        n_missing += s->missing[i];
    }
    int unique = 0;
    int found = s->props[0] ? hs_property_lookup(s->props[0], c->company_id_property, &unique) : -1;
    s->key_unique = found == 1 && unique;
    if (found == 0 && strcmp(c->company_id_property, "name") != 0 && strcmp(c->company_id_property, "domain") != 0) {
        char why[256];
        snprintf(why, sizeof why,
                 "HubSpot has no company property '%.100s' (company_id_property): create it or fix "
                 "[sink.hubspot] company_id_property, then reload", c->company_id_property);
        sink_pause(s->ctx, 0, "%s", why);
        hs_job_abort(j, why, 0);
        return -1;
    }
    /* A property renamed in the configuration points at one of the user's own: vigie does
     * not create it (a typo would go unnoticed), it pauses naming it. */
    for (size_t i = 0; i < s->n_defs; i++) {
        const struct hs_prop_def *d = &s->defs[i];
        if (!s->missing[i] || strcmp(d->name, d->dflt) == 0)
            continue;
        char why[400];
        snprintf(why, sizeof why,
                 "HubSpot has no %s property '%.100s' ([sink.hubspot] %s): create it (type %s, fieldType %s%s) "
                 "or fix the name, then reload", d->object, d->name, d->option, d->type, d->field_type,
                 d->unique ? ", unique values" : "");
        sink_pause(s->ctx, 0, "%s", why);
        hs_job_abort(j, why, 0);
        return -1;
    }
    if (n_missing && !c->create_properties) {
        char list[1024], names[256];
        missing_list(s, list, sizeof list, 1);
        missing_list(s, names, sizeof names, 0);
        vg_err(MOD, "HubSpot lacks vigie's properties and create_properties = no: create them in HubSpot "
                    "(Settings > Properties), then reload: %s", list);
        sink_pause(s->ctx, 0, "HubSpot lacks vigie's properties (create_properties = no): create %.150s (types "
                              "in the log), then reload", names);
        hs_job_abort(j, "HubSpot lacks vigie's properties (see the log)", 0);
        return -1;
    }
    return 0;
}

/* ---- setup: the group and the properties to create ---------------------------------- */

static size_t collect_groups(struct hs_job *j, size_t *ix)
{
    if (j->s->ready || setup_check(j) < 0)
        return 0;
    size_t n = 0;
    for (size_t o = 0; o < 2; o++)
        for (size_t i = 0; i < j->s->n_defs; i++)
            if (j->s->missing[i] && strcmp(j->s->defs[i].object, OBJECTS[o]) == 0) {
                ix[n++] = o;
                break;
            }
    return n;
}

static int build_group(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r)
{
    (void)n;
    char rest[64];
    snprintf(rest, sizeof rest, "%s/groups", OBJECTS[ix[0]]);
    r->method = "POST";
    r->url = url_of(j, HS_API_PROPERTIES, rest);
    vg_buf_puts(&r->body, "{\"name\":\"" GROUP "\",\"label\":\"vigie\",\"displayOrder\":-1}");
    return r->url ? vg_buf_check(&r->body) : -1;
}

/* Creating vigie's properties needs the crm.schemas.*.write scopes; without them, say exactly
 * what to create. A group or property that already exists (409) is fine. */
static int fail_setup_create(struct hs_job *j, const size_t *ix, size_t n, struct hs_decision *d, long status)
{
    (void)ix, (void)n;
    if (status == 409)
        return 1;
    if (d->verdict == HS_DROP)
        return fail_setup(j, ix, n, d, status);
    if (status == 403) {
        char list[1024];
        missing_list(j->s, list, sizeof list, 1);
        vg_err(MOD, "HubSpot refused to create vigie's properties (403%s%.120s): give the token the scopes "
                    "crm.schemas.companies.write and crm.schemas.contacts.write, or create them in HubSpot "
                    "(Settings > Properties), then reload: %s", *d->err.scopes ? ", it needs " : "", d->err.scopes,
               list);
        sink_pause(j->s->ctx, 0, "HubSpot refused to create vigie's properties (403): give the token "
                                 "crm.schemas.companies.write and crm.schemas.contacts.write, or create them (the log "
                                 "lists them), then reload");
        hs_job_abort(j, "HubSpot refused to create vigie's properties (see the log)", 0);
        return 1;
    }
    return 0;
}

static size_t collect_create_props(struct hs_job *j, size_t *ix)
{
    size_t n = 0;
    if (j->s->ready)
        return 0;
    for (size_t i = 0; i < j->s->n_defs; i++)
        if (j->s->missing[i])
            ix[n++] = i;
    return n;
}

static int build_create_prop(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r)
{
    (void)n;
    const struct hs_prop_def *d = &j->s->defs[ix[0]];
    r->method = "POST";
    r->url = url_of(j, HS_API_PROPERTIES, d->object);
    hs_input_property(&r->body, 0, d, GROUP);
    return r->url ? vg_buf_check(&r->body) : -1;
}

static int answer_create_prop(struct hs_job *j, const size_t *ix, size_t n, const struct hs_result *res,
                              const char *body, size_t len)
{
    (void)n, (void)res, (void)body, (void)len;
    const struct hs_prop_def *d = &j->s->defs[ix[0]];
    vg_notice(MOD, "created the %s property %s in HubSpot", d->object, d->name);
    j->s->missing[ix[0]] = 0;
    return 0;
}

/* ---- setup: association types ---------------------------------------------------------- */

static size_t collect_labels(struct hs_job *j, size_t *ix)
{
    if (j->s->ready)
        return 0;
    ix[0] = 0;
    ix[1] = 1;
    return 2;
}

static int build_labels(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r)
{
    (void)n;
    char rest[64];
    snprintf(rest, sizeof rest, "%s/companies/labels", ix[0] == 0 ? activity_object(j->s->cfg) : "contacts");
    r->method = "GET";
    r->url = url_of(j, HS_API_ASSOCIATIONS, rest);
    return r->url ? 0 : -1;
}

static int answer_labels(struct hs_job *j, const size_t *ix, size_t n, const struct hs_result *res,
                         const char *body, size_t len)
{
    (void)n, (void)res;
    cJSON *root = len ? vg_json_parse(body, len) : NULL;
    int *slot = ix[0] == 0 ? &j->s->activity_type : &j->s->contact_type;
    *slot = hs_association_type(root, *slot);
    cJSON_Delete(root);
    return 0;
}

/* Labels that cannot be read leave the documented ids; only a paused token stops. */
static int fail_labels(struct hs_job *j, const size_t *ix, size_t n, struct hs_decision *d, long status)
{
    (void)j, (void)ix, (void)n, (void)status;
    return d->verdict == HS_DROP;
}

/* ---- the steps ---------------------------------------------------------------------------- */

const struct hs_step hs_step_properties = {
    .name = "properties", .collect = collect_props, .chunk = 1, .build = build_props, .answer = answer_props,
    .fail = fail_setup,
};

const struct hs_step hs_step_property_group = {
    .name = "property group", .collect = collect_groups, .chunk = 1, .build = build_group,
    .answer = hs_answer_nothing, .fail = fail_setup_create,
};

const struct hs_step hs_step_create_properties = {
    .name = "create properties", .collect = collect_create_props, .chunk = 1, .build = build_create_prop,
    .answer = answer_create_prop, .fail = fail_setup_create,
};

const struct hs_step hs_step_association_types = {
    .name = "association types", .collect = collect_labels, .chunk = 1, .build = build_labels,
    .answer = answer_labels, .fail = fail_labels,
};
