/* hubspot_contacts — the people vigie found, as HubSpot contacts (hubspot_int.h): upserted on
 * contact_key_property (never on a guessed e-mail), then associated with their account's
 * company.
 *
 * The association is owed, not sent with each batch: once the contacts are upserted, their
 * pairs (contact id, company id) go into a Redis hash (queue_owed.h) and only then are the
 * contact records acknowledged; the owed pairs are written up to 2,000 a request (HubSpot's
 * association batch limit) when 2,000 are waiting, when a batch is not full (the flow slowed
 * or stopped, an empty batch after IDLE_FLUSH_MS included), when the oldest has waited
 * OWED_WAIT_MS, and at `vigie run --once`'s end. A crash after the upsert loses nothing: the
 * pairs are in Redis, and the next run (any process of the sink) writes them; a crash before
 * they were recorded leaves the contacts unacknowledged, upserted again (the same contact)
 * and associated then. Writing a pair twice is harmless (HubSpot keeps one association).
 * While previewing (no Redis) each batch associates its own contacts, as they are settled. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "enrich/account.h"
#include "queue/queue_owed.h"
#include "sinks/hubspot_int.h"
#include "sinks/hubspot_payload.h"
#include "util/vg_alloc.h"
#include "util/vg_json.h"
#include "util/vg_log.h"
#include "util/vg_time.h"

#define OWED_NAME "associations"

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

/* ---- owed associations ----------------------------------------------------------------- */

static int owing(struct hs_job *j)
{
    return !previewing(j) && sink_queue(j->s->ctx) != NULL;
}

static int contact_to_associate(const struct hs_job *j, const struct hs_item *it)
{
    return !it->settled && it->kind == K_CONTACT && it->contact_id[0] && it->acct >= 0 &&
           j->accts[it->acct].company_id[0];
}

int hs_owed_waiting(const struct hs_sink *s)
{
    return s->owed > 0 || s->owed_unknown;
}

static void owed_added(void *arg, int ok)
{
    struct hs_job *j = arg;
    j->pending = 0;
    size_t n = 0;
    for (size_t i = 0; i < j->n_items; i++) {
        struct hs_item *it = &j->items[i];
        if (!contact_to_associate(j, it))
            continue;
        /* Recorded: the contact is done, its association owed. Not recorded: the contact
         * comes again (upserted again, the same one) and is associated then. */
        hs_settle(it, ok ? SINK_OK : SINK_RETRY, ok ? "" : "Redis could not record the association", 0);
        n++;
    }
    if (ok) {
        if (!hs_owed_waiting(j->s))
            j->s->owed_since = vg_mono_ms();
        j->s->owed += n;
    }
    hs_job_advance(j);
}

/* The contacts upserted with their company known: their pairs recorded in Redis before the
 * contacts are settled (previewing: kept for this batch's association step). */
static int run_owe(struct hs_job *j)
{
    size_t n = 0;
    for (size_t i = 0; i < j->n_items; i++)
        n += contact_to_associate(j, &j->items[i]);
    if (n == 0)
        return 0;
    if (!owing(j)) {
        j->pairs = vg_calloc(n, sizeof *j->pairs);
        if (!j->pairs) {
            hs_job_abort(j, "out of memory", 0);
            return 0;
        }
        for (size_t i = 0; i < j->n_items; i++) {
            struct hs_item *it = &j->items[i];
            if (!contact_to_associate(j, it))
                continue;
            struct hs_pair *p = &j->pairs[j->n_pairs++];
            snprintf(p->contact, sizeof p->contact, "%s", it->contact_id);
            snprintf(p->company, sizeof p->company, "%s", j->accts[it->acct].company_id);
            p->item = (long)i;
        }
        return 0;
    }
    j->owed_fields = vg_calloc(n + 1, sizeof *j->owed_fields);
    size_t k = 0;
    for (size_t i = 0; j->owed_fields && i < j->n_items; i++) {
        const struct hs_item *it = &j->items[i];
        if (contact_to_associate(j, it) &&
            !(j->owed_fields[k++] = vg_asprintf("%s|%s", it->contact_id, j->accts[it->acct].company_id))) {
            hs_job_abort(j, "out of memory", 0);
            return 0;
        }
    }
    if (!j->owed_fields) {
        hs_job_abort(j, "out of memory", 0);
        return 0;
    }
    j->pending = 1;
    if (queue_owed_add(sink_queue(j->s->ctx), "sink:hubspot", OWED_NAME, (const char *const *)j->owed_fields, n,
                       sink_dedup_ttl_s(j->s->ctx), owed_added, j) < 0) {
        j->pending = 0;
        hs_job_abort(j, "Redis could not record the associations", 0);
        return 0;
    }
    return 1;
}

/* Whether this batch writes what is owed: 2,000 waiting, a batch that is not full (the flow
 * slowed or stopped), or the oldest waiting OWED_WAIT_MS. Otherwise the sink asks for an
 * empty batch in case the flow stops here. */
static int owed_due(struct hs_job *j)
{
    struct hs_sink *s = j->s;
    long long now = vg_mono_ms();
    if (!hs_owed_waiting(s) || now < s->owed_not_before)
        return 0;
    if (s->owed >= ASSOC_BATCH_MAX || j->n_items < MAX_BATCH || now - s->owed_since >= OWED_WAIT_MS)
        return 1;
    sink_wake(s->ctx, IDLE_FLUSH_MS);
    return 0;
}

static void owed_taken(void *arg, const char *const *members, size_t n)
{
    struct hs_job *j = arg;
    struct hs_sink *s = j->s;
    j->pending = 0;
    if (!members) {
        s->owed_not_before = vg_mono_ms() + 1000;
        hs_job_abort(j, "Redis could not answer (owed associations)", 0);
        hs_job_advance(j);
        return;
    }
    j->pairs = n ? vg_calloc(n, sizeof *j->pairs) : NULL;
    for (size_t k = 0; j->pairs && k < n; k++) {
        const char *bar = strchr(members[k], '|');
        size_t lc = bar ? (size_t)(bar - members[k]) : 0;
        struct hs_pair *p = &j->pairs[j->n_pairs];
        if (!bar || lc == 0 || lc >= sizeof p->contact || strlen(bar + 1) >= sizeof p->company ||
            !hs_digits_only(bar + 1))
            continue; /* not one of ours: left */
        memcpy(p->contact, members[k], lc);
        p->contact[lc] = '\0';
        snprintf(p->company, sizeof p->company, "%s", bar + 1);
        p->item = -1;
        if (hs_digits_only(p->contact))
            j->n_pairs++;
    }
    /* What this process knows of: taken now (more may wait when the take was full). */
    s->owed = n >= ASSOC_BATCH_MAX ? s->owed - (s->owed < n ? s->owed : n) : 0;
    s->owed_unknown = n >= ASSOC_BATCH_MAX;
    s->owed_since = vg_mono_ms();
    hs_job_advance(j);
}

static int run_owed(struct hs_job *j)
{
    if (!owing(j) || !owed_due(j))
        return 0;
    j->pending = 1;
    if (queue_owed_take(sink_queue(j->s->ctx), "sink:hubspot", OWED_NAME, ASSOC_BATCH_MAX, owed_taken, j) < 0) {
        j->pending = 0;
        j->s->owed_not_before = vg_mono_ms() + 1000;
        return 0; /* Redis is away: later */
    }
    return 1;
}

static size_t collect_assoc(struct hs_job *j, size_t *ix)
{
    for (size_t k = 0; k < j->n_pairs; k++)
        ix[k] = k;
    return j->n_pairs;
}

static int build_assoc(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r)
{
    r->method = "POST";
    r->url = url_of(j, HS_API_ASSOCIATIONS, "contacts/companies/batch/create");
    hs_inputs_begin(&r->body);
    for (size_t k = 0; k < n; k++) {
        const struct hs_pair *p = &j->pairs[ix[k]];
        hs_input_association(&r->body, k, p->contact, p->company, j->s->contact_type);
    }
    hs_inputs_end(&r->body);
    return r->url ? vg_buf_check(&r->body) : -1;
}

/* Pairs written (or refused for good) leave Redis; a contact record waiting for its pair is
 * settled. */
static void pairs_done(struct hs_job *j, const size_t *ix, size_t n, enum sink_outcome o, const char *why)
{
    char **members = owing(j) ? vg_calloc(n + 1, sizeof *members) : NULL;
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        const struct hs_pair *p = &j->pairs[ix[k]];
        if (p->item >= 0)
            hs_settle(&j->items[p->item], o, why, 0);
        else if (members && (members[m] = vg_asprintf("%s|%s", p->contact, p->company)))
            m++;
        if (p->item < 0 && o == SINK_DROP)
            vg_warn(MOD, "contact %s not associated with company %s: %s", p->contact, p->company, why);
    }
    if (m)
        queue_owed_remove(sink_queue(j->s->ctx), "sink:hubspot", OWED_NAME, (const char *const *)members, m);
    for (size_t k = 0; k < m; k++)
        vg_free(members[k]);
    vg_free(members);
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
    pairs_done(j, ix, n, n_err ? SINK_DROP : SINK_OK, why);
    return 0;
}

static void refuse_assoc(struct hs_job *j, size_t input, const char *reason)
{
    pairs_done(j, &input, 1, SINK_DROP, reason);
}

/* A write that failed for the service (5xx, 429, a pause) leaves the pairs owed; they are
 * not tried again before the backoff. */
static int fail_assoc(struct hs_job *j, const size_t *ix, size_t n, struct hs_decision *d, long status)
{
    (void)ix, (void)n, (void)status;
    if (d->verdict != HS_DROP && d->verdict != HS_OK) {
        long long wait = d->retry_after_ms > 1000 ? d->retry_after_ms : 1000;
        j->s->owed_not_before = vg_mono_ms() + wait;
        if (j->n_pairs && j->pairs[0].item < 0)
            j->s->owed_unknown = 1;
        sink_wake(j->s->ctx, wait);
    }
    return 0;
}

/* ---- the steps ---------------------------------------------------------------------------- */

const struct hs_step hs_step_contact_upsert = {
    .name = "contact upsert", .collect = collect_contacts, .chunk = 100, .build = build_contacts,
    .batch_results = 1, .key_prop = key_prop_contact, .key = key_contact, .answer = answer_contacts,
};

const struct hs_step hs_step_contact_owe = {
    .name = "contact associations owed", .run = run_owe,
};

const struct hs_step hs_step_contact_owed = {
    .name = "owed associations", .run = run_owed,
};

const struct hs_step hs_step_contact_association = {
    .name = "contact association", .collect = collect_assoc, .chunk = ASSOC_BATCH_MAX, .build = build_assoc,
    .answer = answer_assoc, .refuse = refuse_assoc, .fail = fail_assoc,
};
