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
 *   contacts      upsert on vigie_contact_key; the contact → company associations owed in
 *                 Redis, written up to 2,000 a request (hubspot_contacts.c says when)
 *
 * Idempotency of notes: a mark "sending:<ms>" is written (and read back, so it is in Redis)
 * before the create; the answer replaces it by the note's id. A signal found with an id is
 * done; one found "sending" (vigie stopped between HubSpot's answer and the mark) is looked
 * for by its marker token in HubSpot before anything is created again.
 *
 * Outcomes follow sink.h: a request HubSpot refused whole for its content (400) is split in
 * halves until the input at fault is alone, so one bad record never costs its batch; a 207
 * settles input by input; a passing fault (429, 5xx, timeout) retries what is left of the
 * batch; a fault of the configuration or the token pauses the sink.
 *
 * This file is the descriptor: the options, their check, init and close, and each batch
 * sorted into items and accounts before its job runs. The job and the marks are
 * hubspot_job.c's, the setup hubspot_setup.c's, tallies and companies hubspot_companies.c's,
 * owners and notes hubspot_notes.c's, contacts hubspot_contacts.c's; what they share is in
 * hubspot_int.h. */
#include "sinks/sink.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "enrich/account.h"
#include "sinks/hubspot_accounts.h"
#include "sinks/hubspot_config.h"
#include "sinks/hubspot_int.h"
#include "sinks/hubspot_payload.h"
#include "util/vg_alloc.h"
#include "util/vg_time.h"

/* Fallbacks when the association labels cannot be read (HubSpot's documented defaults). */
#define TYPE_NOTE_COMPANY 190
#define TYPE_TASK_COMPANY 192
#define TYPE_CONTACT_COMPANY 279

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
     "while signals come in full batches, the companies' properties (heat, counts) wait and are written "
     "together once the oldest has waited this long, instead of with every batch: fewer requests under load. "
     "A batch that is not full, half a second without a batch, or the end of vigie run --once writes every "
     "company left waiting; a stop before then leaves them until the account's next signal. 0: with every batch"},
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
    /* An earlier run may have left associations owed (hubspot_contacts.c): an empty batch soon
     * after the start writes them, records or not. */
    if (sink_queue(ctx)) {
        s->owed_unknown = 1;
        s->owed_since = vg_mono_ms();
        sink_wake(ctx, IDLE_FLUSH_MS);
    }
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

static long acct_slot(struct hs_job *j, const struct enrich_account *a)
{
    for (size_t k = 0; k < j->n_accts; k++)
        if (j->accts[k].a == a || strcmp(j->accts[k].a->id, a->id) == 0)
            return (long)k;
    struct hs_acct *ac = &j->accts[j->n_accts];
    memset(ac, 0, sizeof *ac);
    ac->a = a;
    ac->key_value = hs_key_value_of(j->s->cfg, a);
    if (hs_digits_only(a->crm_id) && strlen(a->crm_id) < sizeof ac->company_id) {
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
            hs_settle(it, SINK_OK, "", 0); /* not for this sink */
            continue;
        }
        if (!rec->id || !*rec->id || !cJSON_IsObject(rec->doc)) {
            hs_settle(it, SINK_DROP, "the record has no id", 0);
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
            hs_settle(it, SINK_DROP, why, 0);
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
                hs_settle(it, SINK_OK, "", 0); /* carried by the later entry */
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
        j->accts_cap = b->n + s->n_companies + 1 + MAX_BATCH; /* + a search's filling */
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
    hs_plan_company_writes(j);
    hs_job_advance(j);
}

/* vigie run --once, everything read delivered: what waits for the flow to stop (companies'
 * properties under company_refresh, owed associations) is written now, through an empty batch
 * (one batch at a time: the core's); job_reap calls done. A sink paused until a reload gets
 * no batch: nothing is written, nothing waited for. */
static void hubspot_settle(void *state, void (*done)(void *arg), void *arg)
{
    struct hs_sink *s = state;
    if ((!hs_companies_waiting(s) && !hs_owed_waiting(s)) || sink_paused_for_good(s->ctx) || s->settle_done) {
        done(arg);
        return;
    }
    s->settle_done = done;
    s->settle_arg = arg;
    sink_wake(s->ctx, 0);
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
    .settle = hubspot_settle,
};
