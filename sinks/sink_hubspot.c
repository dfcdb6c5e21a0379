/* sink_hubspot — signals and contacts written into HubSpot's CRM ([sink.hubspot]).
 *
 * For each batch the core hands over (sink.h), in this order, one request per step at most
 * (HubSpot takes 100 inputs per batch call, the core's batch is 100 records):
 *
 *   setup (once)  read the companies' and contacts' properties; create vigie's own that are
 *                 missing (or pause, listing them, when the token may not); read the
 *                 association type ids (note or task → company, contact → company)
 *   marks         what earlier deliveries left in Redis: the note made for each signal, the
 *                 company of each account (sink_marks_get)
 *   tallies       each account's 90-day count and heat (queue_tally_add, one per signal)
 *   owners        task mode: the account owner's e-mail → hubspot_owner_id, cached
 *   companies     the account's company: its crm_id, else the mark, else an upsert on
 *                 company_id_property when that property is unique in HubSpot, else a search
 *                 on it (then a create when nothing matches); then vigie's properties
 *   notes         a note (or task) per signal on its company, created with its association;
 *                 an "update" entry (one more source told the story) rewrites the body
 *   contacts      upsert on vigie_contact_key, then the contact → company association
 *
 * Idempotency of notes: a mark "sending:<ms>" is written (and read back, so it is in Redis)
 * before the create; the answer replaces it by the note's id. A signal found with an id is
 * done; one found "sending" (vigie stopped between HubSpot's answer and the mark) is looked
 * for by its marker token in HubSpot before anything is created again.
 *
 * Outcomes follow sink.h: a request HubSpot refused whole for its content (400) is split in
 * halves until the input at fault is alone, so one bad record never costs its batch; a 207
 * settles input by input; a passing fault (429, 5xx, timeout) retries what is left of the
 * batch; a fault of the configuration or the token pauses the sink. */
#include "sinks/sink.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enrich/account.h"
#include "http/fetch_http.h"
#include "queue/queue_tally.h"
#include "sinks/hubspot_accounts.h"
#include "sinks/hubspot_config.h"
#include "sinks/hubspot_payload.h"
#include "util/vg_alloc.h"
#include "util/vg_json.h"
#include "util/vg_log.h"
#include "util/vg_time.h"

#define MOD "hubspot"
#define DAY_MS (86400LL * 1000)
/* Fallbacks when the association labels cannot be read (HubSpot's documented defaults). */
#define TYPE_NOTE_COMPANY 190
#define TYPE_TASK_COMPANY 192
#define TYPE_CONTACT_COMPANY 279
#define MAX_DEFS 16
#define MAX_BATCH 100             /* HubSpot's batch limit, the descriptor's max_batch */
#define GROUP "vigie"
/* HubSpot's search API allows 5 requests a second per account, apart from the rolling 10 s
 * limit; its second is counted here with a margin for the way there. */
#define SEARCH_PER_S 5
#define SEARCH_WINDOW_MS 1100

/* ==== options ============================================================================== */

#define F(field) offsetof(struct hubspot_config, field)
#define S "sink.hubspot"

static const struct vg_option hubspot_options[] = {
    {S, "token", VG_OPT_STRING, "", 0, 0, F(token), NULL, VG_OPT_SENSITIVE,
     "HubSpot private-app token or service key (sent as a Bearer token), best given as env:NAME, "
     "file:PATH or credential:NAME. Scopes: crm.objects.companies.read/write, "
     "crm.objects.contacts.read/write, crm.schemas.companies.read, crm.schemas.contacts.read "
     "(and .write for vigie to create its properties), crm.objects.owners.read for tasks"},
    {S, "base_url", VG_OPT_STRING, "https://api.hubapi.com", 0, 0, F(base_url), NULL, 0,
     "HubSpot's API address (a test stand-in's for tests)"},
    {S, "api_version", VG_OPT_STRING, "2026-03", 0, 0, F(api_version), NULL, 0,
     "the date-based API version of the paths (/crm/objects/2026-03/...), YYYY-MM; \"v3\" uses the "
     "legacy /crm/v3/ paths, which HubSpot retires"},
    {S, "company_id_property", VG_OPT_STRING, "domain", 0, 0, F(company_id_property), NULL, 0,
     "the company property an account's company is found by: \"domain\" (the account's first domain), "
     "\"name\", or a property of yours holding vigie's account id. A property with unique values is "
     "upserted; another (domain is not unique in HubSpot) is searched, and a company is created when "
     "none matches. An account with a crm_id (a HubSpot company id) is written by that id"},
    {S, "activity", VG_OPT_ENUM, "note", 0, 0, F(activity), "note|task", 0,
     "what each signal becomes on the company: a note, or a task assigned to the account's owner "
     "(the owner's e-mail must be a HubSpot user's)"},
    {S, "create_properties", VG_OPT_BOOL, "yes", 0, 0, F(create_properties), NULL, 0,
     "create vigie's custom properties (group \"vigie\") on the first delivery when missing; no: "
     "deliveries pause, naming the properties to create"},
    {S, "company_refresh", VG_OPT_DURATION, "0s", 0, 3600 * 1000LL, F(company_refresh_ms), NULL, 0,
     "while signals come in full batches, write a company's properties (heat, counts) at most this often "
     "instead of with every batch: fewer requests under load. A batch that is not full writes every company "
     "left waiting; a stop leaves them until the account's next signal. 0: with every batch"},
    {S, "heat_property", VG_OPT_STRING, "vigie_heat", 0, 0, F(prop_heat), NULL, 0,
     "company property for the account's heat (number; empty: not written)"},
    {S, "last_signal_type_property", VG_OPT_STRING, "vigie_last_signal_type", 0, 0, F(prop_last_type), NULL, 0,
     "company property for the newest signal's type (text; empty: not written)"},
    {S, "last_signal_date_property", VG_OPT_STRING, "vigie_last_signal_date", 0, 0, F(prop_last_date), NULL, 0,
     "company property for the newest signal's date (datetime; empty: not written)"},
    {S, "signals_90d_property", VG_OPT_STRING, "vigie_signals_90d", 0, 0, F(prop_signals_90d), NULL, 0,
     "company property for the number of signals in the last 90 days (number; empty: not written)"},
    {S, "contact_key_property", VG_OPT_STRING, "vigie_contact_key", 0, 0, F(prop_contact_key), NULL, 0,
     "contact property, with unique values, holding vigie's id of the person at the account: contacts "
     "are upserted on it (never on a guessed e-mail)"},
    {S, "role_property", VG_OPT_STRING, "vigie_role_norm", 0, 0, F(prop_role_norm), NULL, 0,
     "contact property for the normalised role (empty: not written)"},
    {S, "seniority_property", VG_OPT_STRING, "vigie_seniority", 0, 0, F(prop_seniority), NULL, 0,
     "contact property for the seniority (empty: not written)"},
    {S, "source_url_property", VG_OPT_STRING, "vigie_source_url", 0, 0, F(prop_source_url), NULL, 0,
     "contact property for the article the person was found in (empty: not written)"},
    {S, "key_account_property", VG_OPT_STRING, "vigie_key_account", 0, 0, F(key_account_property), NULL, 0,
     "vigie accounts sync --from hubspot: the company checkbox property marking key accounts"},
    {S, "account_id_property", VG_OPT_STRING, "", 0, 0, F(account_id_property), NULL, 0,
     "vigie accounts sync --from hubspot: the company property holding the account's id in vigie "
     "(empty: \"hubspot-<company id>\")"},
    {S, "map_revenue", VG_OPT_STRING, "", 0, 0, F(map_revenue), NULL, 0,
     "vigie accounts sync --from hubspot: the company property read into the account's revenue (empty: none)"},
    {S, "map_margin", VG_OPT_STRING, "", 0, 0, F(map_margin), NULL, 0,
     "... into margin (empty: none)"},
    {S, "map_growth_potential", VG_OPT_STRING, "", 0, 0, F(map_growth_potential), NULL, 0,
     "... into growth_potential (empty: none)"},
    {S, "map_strategic_fit", VG_OPT_STRING, "", 0, 0, F(map_strategic_fit), NULL, 0,
     "... into strategic_fit (empty: none)"},
    {S, "map_image", VG_OPT_STRING, "", 0, 0, F(map_image), NULL, 0,
     "... into image (empty: none)"},
    {NULL, NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL},
};

#undef S
#undef F

static int prop_name_ok(const char *p)
{
    for (; p && *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
            return 0;
    return 1;
}

static int hubspot_check(const void *config, char *err, size_t errlen)
{
    const struct hubspot_config *c = config;
    if (!c->base_url || !c->api_version || !c->company_id_property || !c->prop_contact_key || !c->activity) {
        snprintf(err, errlen, "options missing");
        return -1;
    }
    if (!c->token || !*c->token) {
        snprintf(err, errlen, "token is required (a HubSpot private-app token or service key, e.g. env:HUBSPOT_TOKEN)");
        return -1;
    }
    if (strncmp(c->base_url, "https://", 8) != 0 && strncmp(c->base_url, "http://", 7) != 0) {
        snprintf(err, errlen, "base_url must be an http(s) URL");
        return -1;
    }
    if (!hs_api_version_ok(c->api_version)) {
        snprintf(err, errlen, "api_version must be a date-based version YYYY-MM (e.g. 2026-03) or v3");
        return -1;
    }
    if (!*c->company_id_property || !*c->prop_contact_key) {
        snprintf(err, errlen, "company_id_property and contact_key_property cannot be empty");
        return -1;
    }
    const char *names[] = {c->company_id_property, c->prop_heat, c->prop_last_type, c->prop_last_date,
                           c->prop_signals_90d, c->prop_contact_key, c->prop_role_norm, c->prop_seniority,
                           c->prop_source_url, c->key_account_property, c->account_id_property, c->map_revenue,
                           c->map_margin, c->map_growth_potential, c->map_strategic_fit, c->map_image};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!prop_name_ok(names[i])) {
            snprintf(err, errlen, "'%s' is not a HubSpot property name (lower-case letters, digits, _)", names[i]);
            return -1;
        }
    return 0;
}

/* ==== state ================================================================================ */

struct hs_owner {
    char *email;
    char id[32];              /* "" : no HubSpot user with that e-mail */
};

/* What this process last wrote on an account's company, for COMPANY_REFRESH_MS. */
struct hs_company_state {
    char *account_id;
    char company_id[32];
    long long written_ms;     /* monotonic; 0: never */
    int dirty;                /* signals delivered since, their properties not written yet */
    int wanted;               /* its company unknown, a search for it held back: the next
                                 search looks for it too */
    char *signal_id;          /* its newest signal, to read the tally again when flushing */
    char *type;
    int priority;
    long long ms;
};

struct hs_sink {
    struct sink_ctx *ctx;
    const struct hubspot_config *cfg;
    char *auth;               /* "Authorization: Bearer ..." */
    int ready;                /* setup done */
    int key_unique;           /* company_id_property has unique values: upsert on it */
    int activity_type;        /* note → company or task → company */
    int contact_type;         /* contact → company */
    cJSON *props[2];          /* setup: GET properties of companies, contacts */
    struct hs_prop_def defs[MAX_DEFS];
    size_t n_defs;
    int missing[MAX_DEFS];
    struct hs_owner *owners;
    size_t n_owners;
    struct hs_job *job;       /* the batch in flight */
    int owners_refused;       /* owners cannot be read: tasks go without an owner (logged once) */
    struct hs_company_state *companies;
    size_t n_companies;
    long long search_ms[SEARCH_PER_S]; /* when the last searches left (monotonic), a ring */
    size_t search_next;       /* its oldest slot, the next to be written */
};

enum item_kind { K_NONE, K_SIGNAL, K_UPDATE, K_CONTACT };

struct hs_job;

struct hs_item {
    struct hs_job *job;
    struct sink_record *rec;
    enum item_kind kind;
    long acct;                /* index into job->accts; -1: none */
    int settled;
    char mark[48];            /* the note's mark as read: an id, "sending:<ms>" or "" */
    char note_id[32];
    int created;              /* the note was created in this batch (with the newest body) */
    char contact_id[32];
    long long ms;             /* the signal's time */
};

struct hs_acct {
    const struct enrich_account *a;
    char company_id[32];
    int from_crm_id;          /* company_id is the account's crm_id (not a mark) */
    int signals;              /* the batch has signals for it: vigie's properties are written */
    int written;              /* ... already, by the upsert or create that resolved it */
    int is_new;               /* created by an upsert: its name follows */
    int searched;
    const char *key_value;    /* company_id_property's value for it, or NULL */
    struct hs_company_update upd;
    long long tally_last_ms;
    long long newest_ms;
    const char *newest_type;
    const char *newest_id;
    int newest_priority;
    char owner_id[32];
    struct hs_company_state *cs; /* NULL when out of memory */
    int defer;                /* written recently: its properties wait for a later batch */
    int flush;                /* not in this batch: its deferred properties are written now */
};

struct hs_tally_arg {
    struct hs_job *job;
    long acct;
};

/* One request's inputs: indexes into items or accts, depending on the step. */
struct hs_unit {
    size_t *ix;
    size_t n;
    struct hs_unit *next;
};

struct hs_job {
    struct hs_sink *s;
    struct sink_batch *b;
    struct hs_item *items;
    size_t n_items;
    struct hs_acct *accts;
    size_t n_accts, accts_cap;
    int step;
    struct hs_unit *queue;
    struct hs_unit *cur;
    int pending;              /* Redis callbacks outstanding */
    int finished;
    int in_send;              /* inside sink_http: an answer then comes at once (a preview) */
    int answered_inline;
    char **keys;              /* scratch for sink_marks_get */
    size_t n_keys;
    struct hs_tally_arg *tally_args;
};

/* A request a step builds. */
struct hs_req {
    const char *method;
    char *url;
    struct vg_buf body;
};

static void job_advance(struct hs_job *j);
static const char *key_value_of(const struct hubspot_config *c, const struct enrich_account *a);
struct hs_step;
static const struct hs_step *current_step(const struct hs_job *j);

static int previewing(const struct hs_job *j)
{
    return sink_previewing(j->s->ctx);
}

static int is_task(const struct hubspot_config *c)
{
    return strcmp(c->activity, "task") == 0;
}

static const char *activity_object(const struct hubspot_config *c)
{
    return is_task(c) ? "tasks" : "notes";
}

/* ==== settling records ====================================================================== */

static void settle(struct hs_item *it, enum sink_outcome o, const char *reason, long long retry_ms)
{
    if (it->settled)
        return;
    it->settled = 1;
    it->rec->outcome = o;
    /* cut to the record's field (a HubSpot message may be longer) */
    size_t len = reason ? strnlen(reason, sizeof it->rec->reason - 1) : 0;
    memcpy(it->rec->reason, reason ? reason : "", len);
    it->rec->reason[len] = '\0';
    it->rec->retry_after_ms = o == SINK_RETRY && retry_ms > 0 ? (long)retry_ms : 0;
}

/* Every record of account `a` not settled yet. */
static void acct_settle(struct hs_job *j, size_t a, enum sink_outcome o, const char *reason, long long retry_ms)
{
    for (size_t i = 0; i < j->n_items; i++)
        if (j->items[i].acct == (long)a)
            settle(&j->items[i], o, reason, retry_ms);
}

static int acct_live(const struct hs_job *j, size_t a)
{
    for (size_t i = 0; i < j->n_items; i++)
        if (j->items[i].acct == (long)a && !j->items[i].settled)
            return 1;
    return 0;
}

static void units_free(struct hs_unit *u)
{
    while (u) {
        struct hs_unit *next = u->next;
        vg_free(u->ix);
        vg_free(u);
        u = next;
    }
}

static void job_free(struct hs_job *j)
{
    units_free(j->queue);
    units_free(j->cur);
    for (size_t i = 0; i < j->n_keys; i++)
        vg_free(j->keys[i]);
    vg_free(j->keys);
    vg_free(j->tally_args);
    vg_free(j->items);
    vg_free(j->accts);
    vg_free(j);
}

/* Ends the batch: only job_advance calls it, last, so that no caller touches the job after
 * it is freed (every callback ends by calling job_advance). */
static void job_reap(struct hs_job *j)
{
    for (size_t i = 0; i < j->n_items; i++)
        settle(&j->items[i], SINK_RETRY, "not delivered (the batch ended early)", 0);
    struct sink_batch *b = j->b;
    j->s->job = NULL;
    job_free(j);
    sink_batch_done(b);
}

/* The batch cannot go on (HubSpot is down, rate-limited, the sink paused): what is not
 * settled is tried again later. The job ends at the next job_advance. */
static void job_abort(struct hs_job *j, const char *reason, long long retry_ms)
{
    for (size_t i = 0; i < j->n_items; i++)
        settle(&j->items[i], SINK_RETRY, reason, retry_ms);
    j->finished = 1;
}

/* ==== steps ================================================================================= */

/* A step sends its inputs in units of at most `chunk` (the queue), each through build() and
 * then answer() (2xx) or the shared verdicts; or it runs something else (run: 1 when it went
 * asynchronous and will call job_advance itself). */
struct hs_step {
    const char *name;
    int (*run)(struct hs_job *j);
    size_t (*collect)(struct hs_job *j, size_t *ix);
    size_t chunk;
    int (*build)(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r);
    /* batch answers: results mapped to inputs (hs_batch_results) with these keys */
    int batch_results;
    const char *(*key_prop)(struct hs_job *j);
    const char *(*key)(struct hs_job *j, size_t input);
    /* 2xx: res[k] for input ix[k] (batch_results), else NULL and the body. Returns 1 to have
     * the unit split in halves and sent again (an error that names no input). */
    int (*answer)(struct hs_job *j, const size_t *ix, size_t n, const struct hs_result *res, const char *body,
                  size_t len);
    /* An input HubSpot refused for its content: settle it (default: DROP its records). */
    void (*refuse)(struct hs_job *j, size_t input, const char *reason);
    /* Any other answer first goes here: 1 when handled (the step goes on). */
    int (*fail)(struct hs_job *j, const size_t *ix, size_t n, struct hs_decision *d, long status);
    int on_accounts;          /* inputs are accounts (else items) */
    int search;               /* a search: paced to SEARCH_PER_S (its 429 is the search limit's) */
};

static void default_refuse(struct hs_job *j, const struct hs_step *st, size_t input, const char *reason)
{
    if (st->refuse)
        st->refuse(j, input, reason);
    else if (st->on_accounts)
        acct_settle(j, input, SINK_DROP, reason, 0);
    else
        settle(&j->items[input], SINK_DROP, reason, 0);
}

static char *url_of(struct hs_job *j, enum hs_api api, const char *rest)
{
    return hs_url(j->s->cfg, api, rest);
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
    job_abort(j, why, 0);
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
        job_abort(j, why, 0);
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
        job_abort(j, why, 0);
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
        job_abort(j, "HubSpot lacks vigie's properties (see the log)", 0);
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

static int answer_nothing(struct hs_job *j, const size_t *ix, size_t n, const struct hs_result *res,
                          const char *body, size_t len)
{
    (void)j, (void)ix, (void)n, (void)res, (void)body, (void)len;
    return 0;
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
        job_abort(j, "HubSpot refused to create vigie's properties (see the log)", 0);
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

/* ---- marks: what earlier deliveries did ------------------------------------------------ */

static int digits_only(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

static void marks_done(void *arg, const char *const *values, size_t n)
{
    struct hs_job *j = arg;
    j->pending = 0;
    if (!values) {
        job_abort(j, "Redis could not answer (delivery records)", 0);
        job_advance(j);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < j->n_items && k < n; i++) {
        struct hs_item *it = &j->items[i];
        if (it->settled || (it->kind != K_SIGNAL && it->kind != K_UPDATE))
            continue;
        const char *v = values[k++];
        snprintf(it->mark, sizeof it->mark, "%s", v ? v : "");
        if (digits_only(it->mark)) {
            snprintf(it->note_id, sizeof it->note_id, "%.31s", it->mark);
            /* Already in HubSpot: a redelivered signal is done; an update rewrites it. */
            if (it->kind == K_SIGNAL)
                settle(it, SINK_OK, "", 0);
        }
    }
    for (size_t a = 0; a < j->n_accts && k < n; a++) {
        struct hs_acct *ac = &j->accts[a];
        if (ac->company_id[0])
            continue;
        const char *v = values[k++];
        if (digits_only(v))
            snprintf(ac->company_id, sizeof ac->company_id, "%s", v);
    }
    job_advance(j);
}

static int run_marks(struct hs_job *j)
{
    size_t n = 0;
    j->s->ready = 1; /* the setup steps passed */
    j->keys = vg_calloc(j->n_items + j->n_accts + 1, sizeof *j->keys);
    if (!j->keys) {
        job_abort(j, "out of memory", 0);
        return 1;
    }
    for (size_t i = 0; i < j->n_items; i++) {
        struct hs_item *it = &j->items[i];
        if (!it->settled && (it->kind == K_SIGNAL || it->kind == K_UPDATE))
            j->keys[n++] = vg_asprintf("note:%s", it->rec->id);
    }
    for (size_t a = 0; a < j->n_accts; a++)
        if (!j->accts[a].company_id[0])
            j->keys[n++] = vg_asprintf("company:%s", j->accts[a].a->id);
    j->n_keys = n;
    for (size_t i = 0; i < n; i++)
        if (!j->keys[i]) {
            job_abort(j, "out of memory", 0);
            return 1;
        }
    if (n == 0)
        return 0;
    j->pending = 1;
    if (sink_marks_get(j->s->ctx, (const char *const *)j->keys, n, marks_done, j) < 0) {
        job_abort(j, "Redis could not answer (delivery records)", 0);
        return 1;
    }
    return 1;
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
    job_advance(j);
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
        job_abort(j, "out of memory", 0);
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

/* ---- owners (tasks) ----------------------------------------------------------------------- */

static struct hs_owner *owner_find(struct hs_sink *s, const char *email)
{
    for (size_t i = 0; i < s->n_owners; i++)
        if (strcasecmp(s->owners[i].email, email) == 0)
            return &s->owners[i];
    return NULL;
}

static size_t collect_owners(struct hs_job *j, size_t *ix)
{
    size_t n = 0;
    if (!is_task(j->s->cfg) || j->s->owners_refused || previewing(j))
        return 0;
    for (size_t a = 0; a < j->n_accts; a++) {
        struct hs_acct *ac = &j->accts[a];
        if (!ac->signals || !ac->a->owner || !*ac->a->owner || !acct_live(j, a))
            continue;
        struct hs_owner *o = owner_find(j->s, ac->a->owner);
        if (o) {
            snprintf(ac->owner_id, sizeof ac->owner_id, "%s", o->id);
            continue;
        }
        int dup = 0;
        for (size_t k = 0; k < n; k++)
            dup |= strcasecmp(j->accts[ix[k]].a->owner, ac->a->owner) == 0;
        if (!dup)
            ix[n++] = a;
    }
    return n;
}

static void url_encode(struct vg_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p))
            vg_buf_putc(b, (char)*p);
        else
            vg_buf_printf(b, "%%%02X", *p);
    }
}

static int build_owner(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r)
{
    (void)n;
    char *base = url_of(j, HS_API_OWNERS, "");
    if (!base)
        return -1;
    struct vg_buf u;
    vg_buf_init(&u, 0);
    vg_buf_puts(&u, base);
    vg_buf_puts(&u, "?limit=1&email=");
    url_encode(&u, j->accts[ix[0]].a->owner);
    vg_free(base);
    r->method = "GET";
    r->url = vg_buf_steal(&u);
    return r->url ? 0 : -1;
}

static void owner_remember(struct hs_job *j, const char *email, const char *id)
{
    struct hs_sink *s = j->s;
    struct hs_owner *v = vg_realloc(s->owners, (s->n_owners + 1) * sizeof *v);
    if (!v)
        return;
    s->owners = v;
    v[s->n_owners].email = vg_strdup(email);
    if (!v[s->n_owners].email)
        return;
    snprintf(v[s->n_owners].id, sizeof v[s->n_owners].id, "%s", id);
    s->n_owners++;
    if (!*id)
        vg_warn(MOD, "no HubSpot user has the e-mail %s (an account owner): its tasks are not assigned", email);
    for (size_t a = 0; a < j->n_accts; a++)
        if (j->accts[a].a->owner && strcasecmp(j->accts[a].a->owner, email) == 0)
            snprintf(j->accts[a].owner_id, sizeof j->accts[a].owner_id, "%s", id);
}

static int answer_owner(struct hs_job *j, const size_t *ix, size_t n, const struct hs_result *res,
                        const char *body, size_t len)
{
    (void)n, (void)res;
    cJSON *root = len ? vg_json_parse(body, len) : NULL;
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "results"), 0);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(first, "id");
    char idt[32] = "";
    if (cJSON_IsString(id) && digits_only(id->valuestring) && strlen(id->valuestring) < sizeof idt)
        snprintf(idt, sizeof idt, "%s", id->valuestring);
    else if (cJSON_IsNumber(id))
        snprintf(idt, sizeof idt, "%.0f", id->valuedouble);
    owner_remember(j, j->accts[ix[0]].a->owner, idt);
    cJSON_Delete(root);
    return 0;
}

/* Owners that cannot be read (no crm.objects.owners.read) leave tasks unassigned, said once. */
static int fail_owner(struct hs_job *j, const size_t *ix, size_t n, struct hs_decision *d, long status)
{
    (void)n;
    if (status == 403 || d->verdict == HS_DROP) {
        if (status == 403 && !j->s->owners_refused) {
            j->s->owners_refused = 1;
            vg_warn(MOD, "HubSpot refused to list owners (403): tasks are created without an owner; give the token "
                         "crm.objects.owners.read and reload to assign them");
        } else if (status != 403) {
            owner_remember(j, j->accts[ix[0]].a->owner, "");
        }
        return 1;
    }
    return 0;
}

/* ---- companies ------------------------------------------------------------------------------ */

static int acct_wants_company(const struct hs_job *j, size_t a)
{
    return !j->accts[a].company_id[0] && acct_live(j, a);
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
            default_refuse(j, current_step(j), ix[k], res[k].error);
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
        const char *key = acc ? key_value_of(s->cfg, acc) : NULL;
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
    return n;
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
        if (!cJSON_IsString(v) || !cJSON_IsString(id) || !digits_only(id->valuestring) ||
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
    job_abort(j, d->reason, d->retry_after_ms > 0 ? d->retry_after_ms : 1000);
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
        if (ac->company_id[0] && ac->signals && !ac->written && !ac->defer && (ac->flush || acct_live(j, a)))
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
        acct_settle(j, a, SINK_DROP, why, 0);
        return;
    }
    char key[300];
    snprintf(key, sizeof key, "company:%s", ac->a->id);
    if (!previewing(j))
        sink_mark_set(j->s->ctx, key, "");
    if (ac->cs)
        ac->cs->company_id[0] = '\0';
    acct_settle(j, a, SINK_RETRY, reason, 0);
}

/* ---- notes (or tasks) --------------------------------------------------------------------- */

static int item_wants_note(const struct hs_job *j, const struct hs_item *it)
{
    return !it->settled && (it->kind == K_SIGNAL || it->kind == K_UPDATE) && it->acct >= 0 &&
           j->accts[it->acct].company_id[0];
}

static size_t collect_note_search(struct hs_job *j, size_t *ix)
{
    size_t n = 0;
    for (size_t i = 0; i < j->n_items; i++)
        if (item_wants_note(j, &j->items[i]) && !j->items[i].note_id[0] &&
            strncmp(j->items[i].mark, "sending:", 8) == 0)
            ix[n++] = i;
    return n;
}

/* Up to five markers per search: HubSpot ORs filter groups, five at most. */
static int build_note_search(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r)
{
    const char *body_prop = is_task(j->s->cfg) ? "hs_task_body" : "hs_note_body";
    char rest[64];
    snprintf(rest, sizeof rest, "%s/search", activity_object(j->s->cfg));
    r->method = "POST";
    r->url = url_of(j, HS_API_OBJECTS, rest);
    vg_buf_puts(&r->body, "{\"filterGroups\":[");
    for (size_t k = 0; k < n; k++) {
        char marker[80];
        hs_marker(j->items[ix[k]].rec->id, marker, sizeof marker);
        vg_buf_printf(&r->body, "%s{\"filters\":[{\"propertyName\":\"%s\",\"operator\":\"CONTAINS_TOKEN\",\"value\":",
                      k ? "," : "", body_prop);
        vg_buf_json_str(&r->body, marker);
        vg_buf_puts(&r->body, "}]}");
    }
    vg_buf_printf(&r->body, "],\"properties\":[\"%s\"],\"limit\":100}", body_prop);
    return r->url ? vg_buf_check(&r->body) : -1;
}

/* The search API has its own limit (5 a second). Its 429 does not stop the batch: the records
 * not looked for yet are tried again in a second, the others go on. */
static int fail_note_search(struct hs_job *j, const size_t *ix, size_t n, struct hs_decision *d, long status)
{
    if (status != 429 || d->verdict != HS_RETRY)
        return 0;
    long long wait = d->retry_after_ms > 0 ? d->retry_after_ms : 1000;
    for (size_t k = 0; k < n; k++)
        settle(&j->items[ix[k]], SINK_RETRY, d->reason, wait);
    for (struct hs_unit *u = j->queue; u; u = u->next)
        for (size_t k = 0; k < u->n; k++)
            settle(&j->items[u->ix[k]], SINK_RETRY, d->reason, wait);
    units_free(j->queue);
    j->queue = NULL;
    return 1;
}

static void note_known(struct hs_job *j, struct hs_item *it, const char *id)
{
    snprintf(it->note_id, sizeof it->note_id, "%s", id);
    if (!previewing(j)) {
        char key[300];
        snprintf(key, sizeof key, "note:%s", it->rec->id);
        sink_mark_set(j->s->ctx, key, id);
    }
}

static int answer_note_search(struct hs_job *j, const size_t *ix, size_t n, const struct hs_result *res,
                              const char *body, size_t len)
{
    (void)res;
    const char *body_prop = is_task(j->s->cfg) ? "hs_task_body" : "hs_note_body";
    cJSON *root = len ? vg_json_parse(body, len) : NULL;
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(root, "results")) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "id");
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "properties"),
                                                             body_prop);
        if (!cJSON_IsString(id) || !digits_only(id->valuestring) || strlen(id->valuestring) >= 32 ||
            !cJSON_IsString(text))
            continue;
        for (size_t k = 0; k < n; k++) {
            struct hs_item *it = &j->items[ix[k]];
            char marker[80];
            hs_marker(it->rec->id, marker, sizeof marker);
            if (!it->note_id[0] && strstr(text->valuestring, marker)) {
                note_known(j, it, id->valuestring);
                vg_info(MOD, "signal %s: its %s was already in HubSpot (%s), not created again", it->rec->id,
                        is_task(j->s->cfg) ? "task" : "note", id->valuestring);
                if (it->kind == K_SIGNAL)
                    settle(it, SINK_OK, "", 0);
            }
        }
    }
    cJSON_Delete(root);
    return 0;
}

/* The create's marks "sending:<ms>", read back before the request leaves: once HubSpot has
 * made the note, a restart finds the mark and searches before creating again. */
static void sending_confirmed(void *arg, const char *const *values, size_t n)
{
    struct hs_job *j = arg;
    (void)n;
    j->pending = 0;
    if (!values) {
        for (size_t i = 0; i < j->n_items; i++)
            if (item_wants_note(j, &j->items[i]) && !j->items[i].note_id[0])
                settle(&j->items[i], SINK_RETRY, "Redis could not answer (delivery records)", 0);
    }
    job_advance(j);
}

static int run_note_marks(struct hs_job *j)
{
    if (previewing(j))
        return 0;
    char value[48];
    snprintf(value, sizeof value, "sending:%lld", (long long)vg_wall_ms());
    const char *last = NULL;
    char key[300];
    for (size_t i = 0; i < j->n_items; i++) {
        struct hs_item *it = &j->items[i];
        if (!item_wants_note(j, it) || it->note_id[0])
            continue;
        snprintf(key, sizeof key, "note:%s", it->rec->id);
        sink_mark_set(j->s->ctx, key, value);
        last = key;
    }
    if (!last)
        return 0;
    const char *keys[] = {last};
    j->pending = 1;
    if (sink_marks_get(j->s->ctx, keys, 1, sending_confirmed, j) < 0) {
        job_abort(j, "Redis could not answer (delivery records)", 0);
        return 1;
    }
    return 1;
}

static size_t collect_note_create(struct hs_job *j, size_t *ix)
{
    size_t n = 0;
    for (size_t i = 0; i < j->n_items; i++)
        if (item_wants_note(j, &j->items[i]) && !j->items[i].note_id[0])
            ix[n++] = i;
    return n;
}

static int build_note_create(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r)
{
    char rest[64];
    snprintf(rest, sizeof rest, "%s/batch/create", activity_object(j->s->cfg));
    r->method = "POST";
    r->url = url_of(j, HS_API_OBJECTS, rest);
    hs_inputs_begin(&r->body);
    for (size_t k = 0; k < n; k++) {
        struct hs_item *it = &j->items[ix[k]];
        struct hs_acct *ac = &j->accts[it->acct];
        struct vg_buf p;
        vg_buf_init(&p, 0);
        if (hs_activity_props(&p, j->s->cfg, it->rec->doc, ac->owner_id) < 0) {
            vg_buf_free(&p);
            return -1;
        }
        hs_input_create(&r->body, k, p.data, ac->company_id, j->s->activity_type);
        vg_buf_free(&p);
    }
    hs_inputs_end(&r->body);
    return r->url ? vg_buf_check(&r->body) : -1;
}

static int answer_note_create(struct hs_job *j, const size_t *ix, size_t n, const struct hs_result *res,
                              const char *body, size_t len)
{
    (void)body, (void)len;
    for (size_t k = 0; k < n; k++) {
        struct hs_item *it = &j->items[ix[k]];
        if (!res[k].seen)
            continue;
        if (res[k].error[0]) {
            settle(it, SINK_DROP, res[k].error, 0);
            continue;
        }
        note_known(j, it, res[k].id);
        it->created = 1;
        settle(it, SINK_OK, "", 0);
    }
    return 0;
}

/* A create HubSpot refused before doing anything (429: the rate limiter; a 4xx: validation,
 * which checks every input before writing) made nothing: the marks go back to absent, so the
 * retry creates without searching first. After a 5xx, a timeout or a reset the fate is
 * unknown (HubSpot may have made the notes and lost the answer): "sending" stays and the
 * retry searches. */
static int fail_note_create(struct hs_job *j, const size_t *ix, size_t n, struct hs_decision *d, long status)
{
    int definite = status >= 400 && status < 500 && status != 408;
    if (!definite || d->verdict == HS_DROP || previewing(j))
        return 0;
    for (size_t k = 0; k < n; k++) {
        char key[300];
        snprintf(key, sizeof key, "note:%s", j->items[ix[k]].rec->id);
        sink_mark_set(j->s->ctx, key, "");
    }
    return 0;
}

static size_t collect_note_update(struct hs_job *j, size_t *ix)
{
    size_t n = 0;
    for (size_t i = 0; i < j->n_items; i++) {
        struct hs_item *it = &j->items[i];
        if (!it->settled && it->kind == K_UPDATE && it->note_id[0] && !it->created)
            ix[n++] = i;
    }
    return n;
}

static int build_note_update(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r)
{
    char rest[64];
    snprintf(rest, sizeof rest, "%s/batch/update", activity_object(j->s->cfg));
    r->method = "POST";
    r->url = url_of(j, HS_API_OBJECTS, rest);
    hs_inputs_begin(&r->body);
    for (size_t k = 0; k < n; k++) {
        struct hs_item *it = &j->items[ix[k]];
        struct vg_buf p;
        vg_buf_init(&p, 0);
        if (hs_activity_body_props(&p, j->s->cfg, it->rec->doc) < 0) {
            vg_buf_free(&p);
            return -1;
        }
        hs_input_write(&r->body, k, it->note_id, NULL, p.data);
        vg_buf_free(&p);
    }
    hs_inputs_end(&r->body);
    return r->url ? vg_buf_check(&r->body) : -1;
}

static void refuse_note_update(struct hs_job *j, size_t i, const char *reason)
{
    /* A note a user deleted in HubSpot has nothing left to update. */
    if (strstr(reason, "OBJECT_NOT_FOUND") || strstr(reason, "not found") || strstr(reason, "404")) {
        vg_info(MOD, "signal %s: its note %s is gone from HubSpot, the update is skipped", j->items[i].rec->id,
                j->items[i].note_id);
        settle(&j->items[i], SINK_OK, "", 0);
        return;
    }
    settle(&j->items[i], SINK_DROP, reason, 0);
}

static int answer_note_update(struct hs_job *j, const size_t *ix, size_t n, const struct hs_result *res,
                              const char *body, size_t len)
{
    (void)body, (void)len;
    for (size_t k = 0; k < n; k++) {
        if (!res[k].seen)
            continue;
        if (res[k].error[0])
            refuse_note_update(j, ix[k], res[k].error);
        else
            settle(&j->items[ix[k]], SINK_OK, "", 0);
    }
    return 0;
}

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
            settle(it, SINK_DROP, res[k].error, 0);
            continue;
        }
        snprintf(it->contact_id, sizeof it->contact_id, "%s", res[k].id);
        if (it->acct < 0 || !j->accts[it->acct].company_id[0])
            settle(it, SINK_OK, "", 0);
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
        settle(&j->items[ix[k]], n_err ? SINK_DROP : SINK_OK, why, 0);
    return 0;
}

/* ---- the step table ----------------------------------------------------------------------- */

static const struct hs_step STEPS[] = {
    {.name = "properties", .collect = collect_props, .chunk = 1, .build = build_props, .answer = answer_props,
     .fail = fail_setup},
    {.name = "property group", .collect = collect_groups, .chunk = 1, .build = build_group,
     .answer = answer_nothing, .fail = fail_setup_create},
    {.name = "create properties", .collect = collect_create_props, .chunk = 1, .build = build_create_prop,
     .answer = answer_create_prop, .fail = fail_setup_create},
    {.name = "association types", .collect = collect_labels, .chunk = 1, .build = build_labels,
     .answer = answer_labels, .fail = fail_labels},
    {.name = "delivery records", .run = run_marks},
    {.name = "tallies", .run = run_tallies},
    {.name = "owners", .collect = collect_owners, .chunk = 1, .build = build_owner, .answer = answer_owner,
     .fail = fail_owner, .on_accounts = 1},
    {.name = "company upsert", .collect = collect_upsert, .chunk = 100, .build = build_upsert, .batch_results = 1,
     .key_prop = key_prop_company, .key = key_company, .answer = answer_company_write, .on_accounts = 1},
    {.name = "company names", .collect = collect_names, .chunk = 100, .build = build_names,
     .answer = answer_nothing, .refuse = refuse_name, .on_accounts = 1},
    {.name = "company search", .collect = collect_search_key, .chunk = 100, .build = build_search_key,
     .answer = answer_search_key, .fail = fail_company_search, .on_accounts = 1, .search = 1},
    {.name = "company search by name", .collect = collect_search_name, .chunk = 1, .build = build_search_name,
     .answer = answer_search_name, .fail = fail_company_search, .on_accounts = 1, .search = 1},
    {.name = "company create", .collect = collect_create_companies, .chunk = 100,
     .build = build_create_companies, .batch_results = 1, .answer = answer_company_write, .on_accounts = 1},
    {.name = "company update", .collect = collect_company_updates, .chunk = 100, .build = build_company_updates,
     .batch_results = 1, .answer = answer_company_write, .refuse = refuse_company_update, .on_accounts = 1},
    {.name = "note search", .collect = collect_note_search, .chunk = 5, .build = build_note_search,
     .answer = answer_note_search, .fail = fail_note_search, .search = 1},
    {.name = "note marks", .run = run_note_marks},
    {.name = "note create", .collect = collect_note_create, .chunk = 100, .build = build_note_create,
     .batch_results = 1, .answer = answer_note_create, .fail = fail_note_create},
    {.name = "note update", .collect = collect_note_update, .chunk = 100, .build = build_note_update,
     .batch_results = 1, .answer = answer_note_update, .refuse = refuse_note_update},
    {.name = "contact upsert", .collect = collect_contacts, .chunk = 100, .build = build_contacts,
     .batch_results = 1, .key_prop = key_prop_contact, .key = key_contact, .answer = answer_contacts},
    {.name = "contact association", .collect = collect_assoc, .chunk = 100, .build = build_assoc,
     .answer = answer_assoc},
};
#define N_STEPS (sizeof STEPS / sizeof STEPS[0])

static const struct hs_step *current_step(const struct hs_job *j)
{
    return &STEPS[j->step];
}

/* ==== the driver ============================================================================ */

static int queue_unit(struct hs_job *j, const size_t *ix, size_t n)
{
    struct hs_unit *u = vg_calloc(1, sizeof *u);
    size_t *copy = vg_malloc((n ? n : 1) * sizeof *copy);
    if (!u || !copy) {
        vg_free(u);
        vg_free(copy);
        return -1;
    }
    memcpy(copy, ix, n * sizeof *copy);
    u->ix = copy;
    u->n = n;
    u->next = j->queue;
    j->queue = u;
    return 0;
}

/* Halves, each sent again: the first half goes first. */
static int queue_halves(struct hs_job *j, const size_t *ix, size_t n)
{
    size_t h = n / 2;
    return queue_unit(j, ix + h, n - h) < 0 || queue_unit(j, ix, h) < 0 ? -1 : 0;
}

static void apply_pause(struct hs_job *j, const struct hs_decision *d)
{
    long long for_ms = 0;
    if (d->verdict == HS_PAUSE_DAILY)
        for_ms = d->retry_after_ms > 0 ? d->retry_after_ms : 3600 * 1000LL;
    if (for_ms)
        sink_pause(j->s->ctx, for_ms, "%s: deliveries wait %lld min", d->reason, for_ms / 60000);
    else
        sink_pause(j->s->ctx, 0, "%s", d->reason);
}

/* A fault of the address itself (a loopback base_url without allow_private, a malformed URL)
 * is the configuration's. */
static int config_fault(enum fetch_error e)
{
    return e == FETCH_ERR_REFUSED_ADDRESS || e == FETCH_ERR_BAD_URL || e == FETCH_ERR_PROTOCOL;
}

/* The unit's answer through the step: results, splits, or the verdict for the batch. */
static void unit_answer(struct hs_job *j, const struct hs_step *st, struct hs_unit *u, struct fetch_response *resp)
{
    const char *body = resp->body.data ? resp->body.data : "";
    size_t len = resp->body.len;
    struct hs_decision d;

    if (previewing(j)) {
        /* Nothing was sent: placeholder ids carry the flow on, so every request prints. */
        struct hs_result *res = st->batch_results ? vg_calloc(u->n, sizeof *res) : NULL;
        for (size_t k = 0; res && k < u->n; k++) {
            res[k].seen = 1;
            snprintf(res[k].id, sizeof res[k].id, "%zu", 900000 + u->ix[k]);
        }
        if (st->batch_results && !res)
            job_abort(j, "out of memory", 0);
        else
            st->answer(j, u->ix, u->n, res, "", 0);
        vg_free(res);
        return;
    }
    int transport = resp->error != FETCH_OK && resp->error != FETCH_ERR_HTTP_STATUS;
    if (transport && config_fault(resp->error)) {
        char why[256];
        snprintf(why, sizeof why, "cannot reach HubSpot (%.150s): fix [sink.hubspot] base_url or allow_private, "
                                  "then reload", resp->reason);
        sink_pause(j->s->ctx, 0, "%s", why);
        job_abort(j, why, 0);
        return;
    }
    hs_decide(transport, resp->reason, resp->status, resp->retry_after_given, resp->retry_after_s, body, len, &d);
    if (d.verdict != HS_OK && st->fail && st->fail(j, u->ix, u->n, &d, resp->status))
        return;
    switch (d.verdict) {
    case HS_OK:
        break;
    case HS_DROP:
        if (u->n > 1) {
            if (queue_halves(j, u->ix, u->n) < 0)
                job_abort(j, "out of memory", 0);
        } else {
            default_refuse(j, st, u->ix[0], d.reason);
        }
        return;
    case HS_RETRY:
        vg_debug(MOD, "%s: %s; retrying later", st->name, d.reason);
        job_abort(j, d.reason, d.retry_after_ms);
        return;
    case HS_PAUSE_TOKEN:
    case HS_PAUSE_PROPERTY:
    case HS_PAUSE_DAILY:
        apply_pause(j, &d);
        job_abort(j, d.reason, 0);
        return;
    }

    if (!st->batch_results) {
        if (st->answer(j, u->ix, u->n, NULL, body, len) == 1 && queue_halves(j, u->ix, u->n) < 0)
            job_abort(j, "out of memory", 0);
        return;
    }
    struct hs_result *res = vg_calloc(u->n, sizeof *res);
    const char **keys = vg_calloc(u->n + 1, sizeof *keys);
    size_t *unseen = vg_calloc(u->n, sizeof *unseen);
    char unplaced[256];
    if (!res || !keys || !unseen) {
        job_abort(j, "out of memory", 0);
        goto done;
    }
    for (size_t k = 0; st->key && k < u->n; k++)
        keys[k] = st->key(j, u->ix[k]);
    if (hs_batch_results(body, len, u->n, st->key_prop ? st->key_prop(j) : NULL, st->key ? keys : NULL, res,
                         unplaced, sizeof unplaced) < 0) {
        job_abort(j, "HubSpot's answer could not be read (not JSON)", 0);
        goto done;
    }
    for (size_t k = 0; k < u->n; k++)
        if (res[k].property_missing) {
            char why[512];
            snprintf(why, sizeof why, "HubSpot has no such property (%.200s): create it or fix its name in "
                                      "[sink.hubspot], then reload", res[k].error);
            sink_pause(j->s->ctx, 0, "%s", why);
            job_abort(j, why, 0);
            goto done;
        }
    st->answer(j, u->ix, u->n, res, body, len);
    size_t n_unseen = 0;
    for (size_t k = 0; k < u->n; k++)
        if (!res[k].seen)
            unseen[n_unseen++] = u->ix[k];
    if (n_unseen == 0)
        goto done;
    if (*unplaced) {
        /* HubSpot refused some inputs without saying which: halves until each is alone. */
        if (n_unseen == 1)
            default_refuse(j, st, unseen[0], unplaced);
        else if (queue_halves(j, unseen, n_unseen) < 0)
            job_abort(j, "out of memory", 0);
    } else {
        for (size_t k = 0; k < n_unseen; k++) {
            const char *why = "HubSpot's answer did not mention it";
            if (st->on_accounts)
                acct_settle(j, unseen[k], SINK_RETRY, why, 0);
            else
                settle(&j->items[unseen[k]], SINK_RETRY, why, 0);
        }
    }
done:
    vg_free(res);
    vg_free(keys);
    vg_free(unseen);
}

static void on_http(struct fetch_response *resp, void *arg)
{
    struct hs_job *j = arg;
    struct hs_unit *u = j->cur;
    j->cur = NULL;
    unit_answer(j, &STEPS[j->step], u, resp);
    units_free(u);
    if (j->in_send) {
        /* sink_http answered before returning (a preview, a request it could not send):
         * unit_send's caller goes on. */
        j->answered_inline = 1;
        return;
    }
    job_advance(j);
}

/* ms before a search may leave (0: now): the oldest of the last SEARCH_PER_S must be a window
 * old. */
static long long search_wait(const struct hs_sink *s)
{
    long long oldest = s->search_ms[s->search_next];
    long long left = oldest ? oldest + SEARCH_WINDOW_MS - vg_mono_ms() : 0;
    return left > 0 ? left : 0;
}

/* A search that would meet HubSpot's 429 is not sent: its step takes it as that 429, without
 * spending a request of the rolling budget on a refusal. Batches come faster than 5 a second
 * while new accounts keep appearing, each with a search for them. 1 when the unit was held
 * back. */
static int search_paced(struct hs_job *j, const struct hs_step *st, struct hs_unit *u)
{
    if (!st->search || previewing(j))
        return 0;
    struct hs_sink *s = j->s;
    long long wait = search_wait(s);
    if (wait == 0) {
        s->search_ms[s->search_next] = vg_mono_ms();
        s->search_next = (s->search_next + 1) % SEARCH_PER_S;
        return 0;
    }
    struct hs_decision d = {.verdict = HS_RETRY, .retry_after_ms = wait};
    snprintf(d.reason, sizeof d.reason, "waiting for HubSpot's search limit (%d a second)", SEARCH_PER_S);
    st->fail(j, u->ix, u->n, &d, 429);
    units_free(u);
    return 1;
}

/* 1 when the request is in flight (its answer calls job_advance), 0 when the step can go on
 * at once (answered already, held back, or the job ended). */
static int unit_send(struct hs_job *j, struct hs_unit *u)
{
    const struct hs_step *st = &STEPS[j->step];
    struct hs_req r = {0};
    char err[256];
    if (search_paced(j, st, u))
        return 0;
    vg_buf_init(&r.body, 0);
    j->cur = u;
    if (st->build(j, u->ix, u->n, &r) < 0) {
        vg_free(r.url);
        vg_buf_free(&r.body);
        job_abort(j, "out of memory building a request", 0);
        return 0;
    }
    const char *headers[] = {j->s->auth, "Accept: application/json", NULL};
    struct fetch_request req = {
        .url = r.url,
        .method = r.method,
        .body = r.body.len ? r.body.data : NULL,
        .body_len = r.body.len,
        .content_type = r.body.len ? "application/json" : NULL,
        .headers = headers,
        /* A batch answer repeats what was written: 100 note bodies of 64 KiB each. */
        .max_body = 32u << 20,
    };
    j->in_send = 1;
    j->answered_inline = 0;
    int rc = sink_http(j->s->ctx, &req, on_http, j, err, sizeof err);
    j->in_send = 0;
    vg_free(r.url);
    vg_buf_free(&r.body);
    if (rc < 0) {
        job_abort(j, err, 0);
        return 0;
    }
    return !j->answered_inline;
}

static void job_advance(struct hs_job *j)
{
    size_t *ix = vg_calloc(j->n_items + j->accts_cap + MAX_DEFS + 2, sizeof *ix);
    if (!ix)
        job_abort(j, "out of memory", 0);
    while (!j->finished && ix) {
        if (j->queue) {
            struct hs_unit *u = j->queue;
            j->queue = u->next;
            u->next = NULL;
            if (unit_send(j, u))
                break;
            continue;
        }
        if (j->step + 1 >= (int)N_STEPS) {
            j->finished = 1;
            break;
        }
        const struct hs_step *st = &STEPS[++j->step];
        if (st->run) {
            if (st->run(j))
                break; /* it calls job_advance when its callback comes (or ended the job) */
            continue;
        }
        size_t n = st->collect(j, ix);
        if (j->finished)
            break;
        /* Units go on a LIFO queue: push the last chunk first so that the first goes first. */
        size_t chunks = (n + st->chunk - 1) / st->chunk;
        for (size_t c = chunks; c-- > 0;) {
            size_t off = c * st->chunk, m = n - off < st->chunk ? n - off : st->chunk;
            if (queue_unit(j, ix + off, m) < 0) {
                job_abort(j, "out of memory", 0);
                break;
            }
        }
    }
    vg_free(ix);
    if (j->finished)
        job_reap(j);
}

/* ==== the descriptor's functions ============================================================= */

static int hubspot_init(struct sink_ctx *ctx, const void *config, void **state, char *err, size_t errlen)
{
    const struct hubspot_config *c = config;
    if (hubspot_check(config, err, errlen) < 0)
        return -1;
    struct hs_sink *s = vg_calloc(1, sizeof *s);
    if (!s || !(s->auth = vg_asprintf("Authorization: Bearer %s", c->token))) {
        vg_free(s);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->ctx = ctx;
    s->cfg = c;
    s->activity_type = is_task(c) ? TYPE_TASK_COMPANY : TYPE_NOTE_COMPANY;
    s->contact_type = TYPE_CONTACT_COMPANY;
    *state = s;
    return 0;
}

static void hubspot_close(void *state)
{
    struct hs_sink *s = state;
    if (!s)
        return;
    /* The core closes a sink only between batches (one batch at a time, each one ended). */
    cJSON_Delete(s->props[0]);
    cJSON_Delete(s->props[1]);
    for (size_t i = 0; i < s->n_owners; i++)
        vg_free(s->owners[i].email);
    vg_free(s->owners);
    for (size_t i = 0; i < s->n_companies; i++) {
        vg_free(s->companies[i].account_id);
        vg_free(s->companies[i].signal_id);
        vg_free(s->companies[i].type);
    }
    vg_free(s->companies);
    /* The token's header is wiped before it is freed. */
    memset(s->auth, 0, strlen(s->auth));
    vg_free(s->auth);
    vg_free(s);
}

static const char *hubspot_where(void *state)
{
    const struct hs_sink *s = state;
    return s->cfg->base_url;
}

/* The value an account's company is found by (company_id_property), or NULL. */
static const char *key_value_of(const struct hubspot_config *c, const struct enrich_account *a)
{
    if (strcmp(c->company_id_property, "domain") == 0)
        return a->n_domains && a->domains[0][0] ? a->domains[0] : NULL;
    if (strcmp(c->company_id_property, "name") == 0)
        return a->name;
    return a->id;
}

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
 * says more signals are coming: an account written less than company_refresh ago waits. A
 * batch that is not full (an empty one included), or an account whose wait is over, writes
 * every company left waiting, in the batch or not. */
static void plan_company_writes(struct hs_job *j)
{
    struct hs_sink *s = j->s;
    long long now = vg_mono_ms(), refresh = s->cfg->company_refresh_ms;
    int full = j->n_items >= MAX_BATCH && !previewing(j) && refresh > 0;
    size_t in_batch = j->n_accts;
    /* Every state first (the array may move as it grows), then pointers into it: none is
     * added again until the batch ends. */
    for (size_t a = 0; a < in_batch; a++)
        company_state(s, j->accts[a].a->id);
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
        if (full && ac->cs->written_ms && now - ac->cs->written_ms < refresh) {
            ac->defer = 1;
            ac->cs->dirty = 1;
        }
    }
    for (size_t i = 0; i < s->n_companies; i++) {
        struct hs_company_state *cs = &s->companies[i];
        if (!cs->dirty || !cs->company_id[0] || !cs->signal_id || (full && now - cs->written_ms < refresh))
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

static long acct_slot(struct hs_job *j, const struct enrich_account *a)
{
    for (size_t k = 0; k < j->n_accts; k++)
        if (j->accts[k].a == a || strcmp(j->accts[k].a->id, a->id) == 0)
            return (long)k;
    struct hs_acct *ac = &j->accts[j->n_accts];
    memset(ac, 0, sizeof *ac);
    ac->a = a;
    ac->key_value = key_value_of(j->s->cfg, a);
    if (digits_only(a->crm_id) && strlen(a->crm_id) < sizeof ac->company_id) {
        snprintf(ac->company_id, sizeof ac->company_id, "%s", a->crm_id);
        ac->from_crm_id = 1;
    }
    return (long)j->n_accts++;
}

/* Sorts the batch's records into items and accounts. A signal id (or contact id) twice in a
 * batch — a signal and its update — is delivered once, as its latest entry. */
static void classify(struct hs_job *j)
{
    for (size_t i = 0; i < j->n_items; i++) {
        struct hs_item *it = &j->items[i];
        struct sink_record *rec = it->rec;
        it->job = j;
        it->acct = -1;
        if (strcmp(rec->field, "signal") == 0)
            it->kind = K_SIGNAL;
        else if (strcmp(rec->field, "update") == 0)
            it->kind = K_UPDATE;
        else if (strcmp(rec->field, "contact") == 0)
            it->kind = K_CONTACT;
        if (it->kind == K_NONE) {
            settle(it, SINK_OK, "", 0); /* not for this sink */
            continue;
        }
        if (!rec->id || !*rec->id || !cJSON_IsObject(rec->doc)) {
            settle(it, SINK_DROP, "the record has no id", 0);
            continue;
        }
        const cJSON *acc = cJSON_GetObjectItemCaseSensitive(rec->doc, "account_id");
        const struct enrich_account *a = rec->account;
        if (!a && cJSON_IsString(acc))
            a = sink_account(j->s->ctx, acc->valuestring);
        if (!a) {
            char why[200];
            snprintf(why, sizeof why, "account %.100s is not in vigie's account registry",
                     cJSON_IsString(acc) ? acc->valuestring : "(none)");
            settle(it, SINK_DROP, why, 0);
            continue;
        }
        it->acct = acct_slot(j, a);
        if (it->kind != K_CONTACT) {
            struct hs_acct *ac = &j->accts[it->acct];
            const cJSON *type = cJSON_GetObjectItemCaseSensitive(rec->doc, "type");
            it->ms = hs_signal_ms(rec->doc);
            ac->signals = 1;
            if (cJSON_IsString(type) && (!ac->newest_type || it->ms >= ac->newest_ms)) {
                const cJSON *pr = cJSON_GetObjectItemCaseSensitive(rec->doc, "priority");
                ac->newest_type = type->valuestring;
                ac->newest_ms = it->ms;
                ac->newest_id = rec->id;
                ac->newest_priority = cJSON_IsNumber(pr) ? (int)pr->valuedouble : 0;
            }
        }
    }
    for (size_t i = 0; i < j->n_items; i++) {
        struct hs_item *it = &j->items[i];
        if (it->settled)
            continue;
        for (size_t k = i + 1; k < j->n_items; k++) {
            const struct hs_item *later = &j->items[k];
            if (!later->settled && (later->kind == K_CONTACT) == (it->kind == K_CONTACT) &&
                strcmp(later->rec->id, it->rec->id) == 0) {
                settle(it, SINK_OK, "", 0); /* carried by the later entry */
                break;
            }
        }
    }
}

static void hubspot_deliver(void *state, struct sink_batch *b)
{
    struct hs_sink *s = state;
    struct hs_job *j = vg_calloc(1, sizeof *j);
    if (j) {
        j->items = vg_calloc(b->n ? b->n : 1, sizeof *j->items);
        j->accts_cap = b->n + s->n_companies + 1;
        j->accts = vg_calloc(j->accts_cap, sizeof *j->accts);
    }
    if (!j || !j->items || !j->accts) {
        for (size_t i = 0; i < b->n; i++) {
            b->v[i].outcome = SINK_RETRY;
            snprintf(b->v[i].reason, sizeof b->v[i].reason, "out of memory");
        }
        if (j) {
            vg_free(j->items);
            vg_free(j->accts);
            vg_free(j);
        }
        sink_batch_done(b);
        return;
    }
    j->s = s;
    j->b = b;
    j->n_items = b->n;
    j->step = -1;
    for (size_t i = 0; i < b->n; i++) {
        j->items[i].rec = &b->v[i];
        b->v[i].outcome = SINK_OK;
        b->v[i].reason[0] = '\0';
        b->v[i].retry_after_ms = 0;
    }
    s->job = j;
    classify(j);
    plan_company_writes(j);
    job_advance(j);
}

/* vigie accounts sync --from hubspot (sinks/hubspot_accounts.h). */
static int hubspot_list_accounts(struct event_base *base, struct fetch_client *client, const void *config,
                                 sink_accounts_cb cb, void *arg, char *err, size_t errlen)
{
    return hubspot_accounts_list(base, client, config, cb, arg, err, errlen);
}

const struct sink_type sink_hubspot = {
    .name = "hubspot",
    .summary = "HubSpot CRM: a note (or task) per signal on the account's company, the company's heat and "
               "signal counts, contacts with their role. rate_limit defaults to a Professional or Enterprise "
               "private app's 190 per 10 s: set 100 for Free and Starter, 250 with the API limit increase pack",
    .options = hubspot_options,
    .config_size = sizeof(struct hubspot_config),
    .max_batch = MAX_BATCH,
    .streams = "signals,contacts",
    /* Professional and Enterprise: 190 requests per 10 s for a private app. Free and Starter:
     * set rate_limit = 100; with the API limit increase pack: 250. */
    .rate_limit = 190,
    .rate_window_ms = 10 * 1000,
    .check = hubspot_check,
    .init = hubspot_init,
    .deliver = hubspot_deliver,
    .close = hubspot_close,
    .where = hubspot_where,
    .list_accounts = hubspot_list_accounts,
};
