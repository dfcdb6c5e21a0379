/* hubspot_setup — the setup steps of the HubSpot sink, run before its first batch
 * (hubspot_int.h), in the fewest requests HubSpot's API allows: the properties vigie uses read
 * by name, one batch read per object (companies, contacts); vigie's own that are missing
 * created in a group "vigie", one batch create per object (or the sink paused, naming them,
 * when it may not or should not); the association type ids read (note or task → company,
 * contact → company), HubSpot's documented ids kept when they cannot be. Eight requests on a
 * portal that has none of them, four on one that has them all.
 *
 * What the setup learnt is kept in Redis (a mark, for dedup_ttl) under a fingerprint of the
 * options it depends on: a restart, or another process of the sink, reads it and sends
 * nothing. A delivery that finds a property missing after all (deleted in HubSpot) forgets it,
 * so that the reload the pause asks for sets up again. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sinks/hubspot_int.h"
#include "sinks/hubspot_payload.h"
#include "util/vg_alloc.h"
#include "util/vg_hash.h"
#include "util/vg_json.h"
#include "util/vg_log.h"

#define GROUP "vigie"
/* The setup's mark: "setup:<fingerprint>" → "v1 <company key unique> <activity type> <contact
 * type>". */
#define SETUP_VERSION "v1"

/* ---- setup kept in Redis ----------------------------------------------------------------- */

static int keeping(const struct hs_job *j)
{
    return !previewing(j) && sink_queue(j->s->ctx) != NULL;
}

/* The options the setup's outcome depends on: where, which API, which properties and which
 * activity; a change of any of them sets up again. */
static void setup_key(const struct hs_sink *s, char *out, size_t n)
{
    const struct hubspot_config *c = s->cfg;
    struct hs_prop_def defs[MAX_DEFS];
    size_t nd = hs_prop_defs(c, defs, MAX_DEFS);
    uint64_t h = VG_FNV64_BASIS;
    const char *parts[] = {c->base_url, c->api_version, c->activity, c->company_id_property,
                           c->create_properties ? "create" : "no-create"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        h = vg_fnv1a64_str_from(h, parts[i] ? parts[i] : "");
        h = vg_fnv1a64_step(h, 0);
    }
    for (size_t i = 0; i < nd; i++) {
        h = vg_fnv1a64_str_from(h, defs[i].object);
        h = vg_fnv1a64_step(h, '.');
        h = vg_fnv1a64_str_from(h, defs[i].name);
        h = vg_fnv1a64_step(h, 0);
    }
    snprintf(out, n, "setup:%016llx", (unsigned long long)h);
}

static void cached_done(void *arg, const char *const *values, size_t n)
{
    struct hs_job *j = arg;
    struct hs_sink *s = j->s;
    j->pending = 0;
    int unique, activity, contact;
    char version[8];
    if (values && n == 1 && values[0] &&
        sscanf(values[0], "%7s %d %d %d", version, &unique, &activity, &contact) == 4 &&
        strcmp(version, SETUP_VERSION) == 0 && activity > 0 && contact > 0) {
        s->key_unique = unique;
        s->activity_type = activity;
        s->contact_type = contact;
        s->n_defs = hs_prop_defs(s->cfg, s->defs, MAX_DEFS);
        memset(s->missing, 0, sizeof s->missing);
        s->setup_cached = 1;
        s->ready = 1;
        vg_debug(MOD, "setup as recorded in Redis: nothing to read or create in HubSpot");
    }
    hs_job_advance(j);
}

static int run_cached(struct hs_job *j)
{
    if (j->s->ready || !keeping(j))
        return 0;
    char key[48];
    setup_key(j->s, key, sizeof key);
    const char *keys[] = {key};
    j->pending = 1;
    if (sink_marks_get(j->s->ctx, keys, 1, cached_done, j) < 0) {
        j->pending = 0;
        return 0; /* Redis is away: set up from HubSpot */
    }
    return 1;
}

void hs_setup_remember(struct hs_job *j)
{
    struct hs_sink *s = j->s;
    if (s->ready || s->setup_cached || !keeping(j))
        return;
    for (size_t i = 0; i < s->n_defs; i++)
        if (s->missing[i])
            return;
    char key[48], value[64];
    setup_key(s, key, sizeof key);
    snprintf(value, sizeof value, SETUP_VERSION " %d %d %d", s->key_unique, s->activity_type, s->contact_type);
    sink_mark_set(s->ctx, key, value);
    s->setup_cached = 1;
}

void hs_setup_forget(struct hs_sink *s)
{
    if (!s->setup_cached || !sink_queue(s->ctx))
        return;
    char key[48];
    setup_key(s, key, sizeof key);
    sink_mark_set(s->ctx, key, "");
    s->setup_cached = 0;
}

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

/* One batch read per object, of the properties vigie uses on it by name (and, on companies,
 * company_id_property: whether it has unique values decides upsert or search). */
static int build_props(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r)
{
    (void)n;
    const char *object = OBJECTS[ix[0]];
    struct hs_sink *s = j->s;
    struct hs_prop_def defs[MAX_DEFS];
    size_t nd = hs_prop_defs(s->cfg, defs, MAX_DEFS);
    char rest[64];
    snprintf(rest, sizeof rest, "%s/batch/read", object);
    r->method = "POST";
    r->url = url_of(j, HS_API_PROPERTIES, rest);
    vg_buf_puts(&r->body, "{\"archived\":false,\"inputs\":[");
    int first = 1;
    if (ix[0] == 0) {
        vg_buf_puts(&r->body, "{\"name\":");
        vg_buf_json_str(&r->body, s->cfg->company_id_property);
        vg_buf_putc(&r->body, '}');
        first = 0;
    }
    for (size_t i = 0; i < nd; i++) {
        int key = ix[0] == 0 && strcmp(defs[i].name, s->cfg->company_id_property) == 0; /* already in */
        if (strcmp(defs[i].object, object) != 0 || key)
            continue;
        vg_buf_puts(&r->body, first ? "{\"name\":" : ",{\"name\":");
        vg_buf_json_str(&r->body, defs[i].name);
        vg_buf_putc(&r->body, '}');
        first = 0;
    }
    vg_buf_puts(&r->body, "]}");
    return r->url ? vg_buf_check(&r->body) : -1;
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

/* The objects (indexes into OBJECTS) that have a property still missing. */
static size_t objects_missing(const struct hs_sink *s, size_t *ix)
{
    size_t n = 0;
    for (size_t o = 0; o < 2; o++)
        for (size_t i = 0; i < s->n_defs; i++)
            if (s->missing[i] && strcmp(s->defs[i].object, OBJECTS[o]) == 0) {
                ix[n++] = o;
                break;
            }
    return n;
}

static size_t collect_groups(struct hs_job *j, size_t *ix)
{
    if (j->s->ready || setup_check(j) < 0)
        return 0;
    return objects_missing(j->s, ix);
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

/* The objects with properties to create: one batch create each. */
static size_t collect_create_props(struct hs_job *j, size_t *ix)
{
    return j->s->ready ? 0 : objects_missing(j->s, ix);
}

static int build_create_props(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r)
{
    (void)n;
    const struct hs_sink *s = j->s;
    char rest[64];
    snprintf(rest, sizeof rest, "%s/batch/create", OBJECTS[ix[0]]);
    r->method = "POST";
    r->url = url_of(j, HS_API_PROPERTIES, rest);
    hs_inputs_begin(&r->body);
    size_t k = 0;
    for (size_t i = 0; i < s->n_defs; i++)
        if (s->missing[i] && strcmp(s->defs[i].object, OBJECTS[ix[0]]) == 0)
            hs_input_property(&r->body, k++, &s->defs[i], GROUP);
    hs_inputs_end(&r->body);
    return r->url ? vg_buf_check(&r->body) : -1;
}

/* An error of a batch create that says the property is there already (made meanwhile, by
 * another process or a person): as good as made. */
static int already_exists(const cJSON *e)
{
    const char *cat = vg_json_str(e, "category");
    const char *msg = vg_json_str(e, "message");
    return (cat && (strcmp(cat, "OBJECT_ALREADY_EXISTS") == 0 || strcmp(cat, "CONFLICT") == 0)) ||
           (msg && strstr(msg, "already exists"));
}

/* A 201 lists the properties made; a 207 also the refused ones in errors[] (each naming its
 * property in its message or context). What is neither made nor there already pauses the
 * sink, with HubSpot's reason. */
static int answer_create_props(struct hs_job *j, const size_t *ix, size_t n, const struct hs_result *res,
                               const char *body, size_t len)
{
    (void)n, (void)res;
    struct hs_sink *s = j->s;
    cJSON *root = len ? vg_json_parse(body, len) : NULL;
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(root, "results");
    const cJSON *errors = cJSON_GetObjectItemCaseSensitive(root, "errors");
    const char *refusal = NULL;
    int exists_error = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, errors) {
        if (already_exists(e))
            exists_error = 1;
        else if (!refusal)
            refusal = vg_json_str(e, "message");
    }
    for (size_t i = 0; i < s->n_defs; i++) {
        if (!s->missing[i] || strcmp(s->defs[i].object, OBJECTS[ix[0]]) != 0)
            continue;
        if (hs_property_lookup(root, s->defs[i].name, NULL) == 1 && cJSON_IsArray(results)) {
            vg_notice(MOD, "created the %s property %s in HubSpot", s->defs[i].object, s->defs[i].name);
            s->missing[i] = 0;
        } else if (!refusal && (exists_error || previewing(j))) {
            s->missing[i] = 0;
        }
    }
    if (refusal) {
        char list[512], why[400];
        size_t used = 0;
        list[0] = '\0';
        for (size_t i = 0; i < s->n_defs && used < sizeof list; i++)
            if (s->missing[i] && strcmp(s->defs[i].object, OBJECTS[ix[0]]) == 0)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "", s->defs[i].name);
        char *clean = hs_plain_text(refusal, 150);
        snprintf(why, sizeof why, "HubSpot refused to create the %s properties %.150s (%s): create them in HubSpot "
                                  "(Settings > Properties), then reload", OBJECTS[ix[0]], list, clean ? clean : "");
        vg_free(clean);
        sink_pause(s->ctx, 0, "%s", why);
        hs_job_abort(j, why, 0);
    }
    cJSON_Delete(root);
    return 0;
}

/* Creating vigie's properties needs the crm.schemas.*.write scopes; without them, say exactly
 * what to create. A group that already exists (409), or properties that all do, are fine. */
static int fail_setup_create(struct hs_job *j, const size_t *ix, size_t n, struct hs_decision *d, long status)
{
    if (status == 409) {
        if (hs_current_step(j) == &hs_step_create_properties)
            for (size_t i = 0; i < j->s->n_defs; i++)
                if (strcmp(j->s->defs[i].object, OBJECTS[ix[0]]) == 0)
                    j->s->missing[i] = 0;
        return 1;
    }
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

const struct hs_step hs_step_setup_cached = {
    .name = "setup recorded", .run = run_cached,
};

const struct hs_step hs_step_properties = {
    .name = "properties", .collect = collect_props, .chunk = 1, .build = build_props, .answer = answer_props,
    .fail = fail_setup,
};

const struct hs_step hs_step_property_group = {
    .name = "property group", .collect = collect_groups, .chunk = 1, .build = build_group,
    .answer = hs_answer_nothing, .fail = fail_setup_create,
};

const struct hs_step hs_step_create_properties = {
    .name = "create properties", .collect = collect_create_props, .chunk = 1, .build = build_create_props,
    .answer = answer_create_props, .fail = fail_setup_create,
};

const struct hs_step hs_step_association_types = {
    .name = "association types", .collect = collect_labels, .chunk = 1, .build = build_labels,
    .answer = answer_labels, .fail = fail_labels,
};
