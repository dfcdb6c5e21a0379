/* hubspot_job — one batch of the HubSpot sink, run step by step (hubspot_int.h).
 *
 * A job holds the batch's records (items) and their accounts; the step table below runs in
 * order, each step collecting its inputs, sending them in units (a request each) and reading
 * the answers; a unit HubSpot refused whole for its content is split in halves until the input
 * at fault is alone. Searches keep to HubSpot's search limit. The job ends, every record
 * settled, with sink_batch_done. The marks step (what earlier deliveries left in Redis) is here
 * too: it reads for the notes and the companies both. */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "enrich/account.h"
#include "http/fetch_http.h"
#include "sinks/hubspot_int.h"
#include "sinks/hubspot_payload.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"
#include "util/vg_time.h"

/* ==== settling records ====================================================================== */

void hs_settle(struct hs_item *it, enum sink_outcome o, const char *reason, long long retry_ms)
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
void hs_acct_settle(struct hs_job *j, size_t a, enum sink_outcome o, const char *reason, long long retry_ms)
{
    for (size_t i = 0; i < j->n_items; i++)
        if (j->items[i].acct == (long)a)
            hs_settle(&j->items[i], o, reason, retry_ms);
}

int hs_acct_live(const struct hs_job *j, size_t a)
{
    for (size_t i = 0; i < j->n_items; i++)
        if (j->items[i].acct == (long)a && !j->items[i].settled)
            return 1;
    return 0;
}

void hs_units_free(struct hs_unit *u)
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
    hs_units_free(j->queue);
    hs_units_free(j->cur);
    for (size_t i = 0; i < j->n_keys; i++)
        vg_free(j->keys[i]);
    vg_free(j->keys);
    vg_free(j->tally_args);
    vg_free(j->pairs);
    for (size_t i = 0; j->owed_fields && j->owed_fields[i]; i++)
        vg_free(j->owed_fields[i]);
    vg_free(j->owed_fields);
    vg_free(j->items);
    vg_free(j->accts);
    vg_free(j);
}

/* Ends the batch: only hs_job_advance calls it, last, so that no caller touches the job after
 * it is freed (every callback ends by calling hs_job_advance). */
static void job_reap(struct hs_job *j)
{
    for (size_t i = 0; i < j->n_items; i++)
        hs_settle(&j->items[i], SINK_RETRY, "not delivered (the batch ended early)", 0);
    struct sink_batch *b = j->b;
    struct hs_sink *s = j->s;
    /* vigie run --once waits (settle) for what was held back: the empty batch it asked for
     * wrote it (or tried: a failure is not waited on), or a batch left nothing waiting. */
    void (*settled)(void *) = NULL;
    void *settled_arg = s->settle_arg;
    /* more than one request's worth of associations owed, and the last write went through:
     * another empty batch */
    int more = s->settle_done && j->n_items == 0 && !hs_companies_waiting(s) && hs_owed_waiting(s) &&
               s->owed_not_before <= vg_mono_ms();
    if (more)
        sink_wake(s->ctx, 0);
    else if (s->settle_done && (j->n_items == 0 || (!hs_companies_waiting(s) && !hs_owed_waiting(s)))) {
        settled = s->settle_done;
        s->settle_done = NULL;
        if (hs_companies_waiting(s) || hs_owed_waiting(s))
            vg_warn(MOD, "some companies' properties or contact associations could not be written before the end "
                         "of the run: the next run writes them");
    }
    s->job = NULL;
    job_free(j);
    sink_batch_done(b); /* last use of the sink's state: the core may close it now */
    if (settled)
        settled(settled_arg);
}

/* The batch cannot go on (HubSpot is down, rate-limited, the sink paused): what is not
 * settled is tried again later. The job ends at the next hs_job_advance. */
void hs_job_abort(struct hs_job *j, const char *reason, long long retry_ms)
{
    for (size_t i = 0; i < j->n_items; i++)
        hs_settle(&j->items[i], SINK_RETRY, reason, retry_ms);
    j->finished = 1;
}

/* ==== steps ================================================================================= */

void hs_refuse(struct hs_job *j, const struct hs_step *st, size_t input, const char *reason)
{
    if (st->refuse)
        st->refuse(j, input, reason);
    else if (st->on_accounts)
        hs_acct_settle(j, input, SINK_DROP, reason, 0);
    else
        hs_settle(&j->items[input], SINK_DROP, reason, 0);
}

int hs_answer_nothing(struct hs_job *j, const size_t *ix, size_t n, const struct hs_result *res,
                      const char *body, size_t len)
{
    (void)j, (void)ix, (void)n, (void)res, (void)body, (void)len;
    return 0;
}

/* ---- marks: what earlier deliveries did ------------------------------------------------ */

int hs_digits_only(const char *s)
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
        hs_job_abort(j, "Redis could not answer (delivery records)", 0);
        hs_job_advance(j);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < j->n_items && k < n; i++) {
        struct hs_item *it = &j->items[i];
        if (it->settled || (it->kind != K_SIGNAL && it->kind != K_UPDATE))
            continue;
        const char *v = values[k++];
        snprintf(it->mark, sizeof it->mark, "%s", v ? v : "");
        if (hs_digits_only(it->mark)) {
            snprintf(it->note_id, sizeof it->note_id, "%.31s", it->mark);
            /* Already in HubSpot: a redelivered signal is done; an update rewrites it. */
            if (it->kind == K_SIGNAL)
                hs_settle(it, SINK_OK, "", 0);
        }
    }
    for (size_t a = 0; a < j->n_accts && k < n; a++) {
        struct hs_acct *ac = &j->accts[a];
        if (ac->company_id[0])
            continue;
        const char *v = values[k++];
        if (!hs_digits_only(v))
            continue;
        snprintf(ac->company_id, sizeof ac->company_id, "%s", v);
        /* remembered, for the properties written later (company_refresh) */
        if (ac->cs && strlen(v) < sizeof ac->cs->company_id)
            snprintf(ac->cs->company_id, sizeof ac->cs->company_id, "%s", v);
    }
    hs_job_advance(j);
}

static int run_marks(struct hs_job *j)
{
    size_t n = 0;
    hs_setup_remember(j);
    j->s->ready = 1; /* the setup steps passed */
    j->keys = vg_calloc(j->n_items + j->n_accts + 1, sizeof *j->keys);
    if (!j->keys) {
        hs_job_abort(j, "out of memory", 0);
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
            hs_job_abort(j, "out of memory", 0);
            return 1;
        }
    if (n == 0)
        return 0;
    j->pending = 1;
    if (sink_marks_get(j->s->ctx, (const char *const *)j->keys, n, marks_done, j) < 0) {
        hs_job_abort(j, "Redis could not answer (delivery records)", 0);
        return 1;
    }
    return 1;
}

const struct hs_step hs_step_marks = {
    .name = "delivery records", .run = run_marks,
};

/* ---- the step table ----------------------------------------------------------------------- */

static const struct hs_step *const STEPS[] = {
    &hs_step_setup_cached, &hs_step_properties, &hs_step_property_group, &hs_step_create_properties,
    &hs_step_association_types,
    &hs_step_marks, &hs_step_tallies, &hs_step_owners,
    &hs_step_company_upsert, &hs_step_company_names, &hs_step_company_search, &hs_step_company_search_name,
    &hs_step_company_create, &hs_step_company_update,
    &hs_step_note_search, &hs_step_note_marks, &hs_step_note_create, &hs_step_note_update,
    &hs_step_contact_upsert, &hs_step_contact_owe, &hs_step_contact_owed, &hs_step_contact_association,
};
#define N_STEPS (sizeof STEPS / sizeof STEPS[0])

const struct hs_step *hs_current_step(const struct hs_job *j)
{
    return STEPS[j->step];
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
            hs_job_abort(j, "out of memory", 0);
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
        hs_job_abort(j, why, 0);
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
                hs_job_abort(j, "out of memory", 0);
        } else {
            hs_refuse(j, st, u->ix[0], d.reason);
        }
        return;
    case HS_RETRY:
        vg_debug(MOD, "%s: %s; retrying later", st->name, d.reason);
        hs_job_abort(j, d.reason, d.retry_after_ms);
        return;
    case HS_PAUSE_PROPERTY:
        hs_setup_forget(j->s);
        /* fall through */
    case HS_PAUSE_TOKEN:
    case HS_PAUSE_DAILY:
        apply_pause(j, &d);
        hs_job_abort(j, d.reason, 0);
        return;
    }

    if (!st->batch_results) {
        if (st->answer(j, u->ix, u->n, NULL, body, len) == 1 && queue_halves(j, u->ix, u->n) < 0)
            hs_job_abort(j, "out of memory", 0);
        return;
    }
    struct hs_result *res = vg_calloc(u->n, sizeof *res);
    const char **keys = vg_calloc(u->n + 1, sizeof *keys);
    size_t *unseen = vg_calloc(u->n, sizeof *unseen);
    char unplaced[256];
    if (!res || !keys || !unseen) {
        hs_job_abort(j, "out of memory", 0);
        goto done;
    }
    for (size_t k = 0; st->key && k < u->n; k++)
        keys[k] = st->key(j, u->ix[k]);
    if (hs_batch_results(body, len, u->n, st->key_prop ? st->key_prop(j) : NULL, st->key ? keys : NULL, res,
                         unplaced, sizeof unplaced) < 0) {
        hs_job_abort(j, "HubSpot's answer could not be read (not JSON)", 0);
        goto done;
    }
    for (size_t k = 0; k < u->n; k++)
        if (res[k].property_missing) {
            char why[512];
            snprintf(why, sizeof why, "HubSpot has no such property (%.200s): create it or fix its name in "
                                      "[sink.hubspot], then reload", res[k].error);
            hs_setup_forget(j->s);
            sink_pause(j->s->ctx, 0, "%s", why);
            hs_job_abort(j, why, 0);
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
            hs_refuse(j, st, unseen[0], unplaced);
        else if (queue_halves(j, unseen, n_unseen) < 0)
            hs_job_abort(j, "out of memory", 0);
    } else {
        for (size_t k = 0; k < n_unseen; k++) {
            const char *why = "HubSpot's answer did not mention it";
            if (st->on_accounts)
                hs_acct_settle(j, unseen[k], SINK_RETRY, why, 0);
            else
                hs_settle(&j->items[unseen[k]], SINK_RETRY, why, 0);
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
    unit_answer(j, STEPS[j->step], u, resp);
    hs_units_free(u);
    if (j->in_send) {
        /* sink_http answered before returning (a preview, a request it could not send):
         * unit_send's caller goes on. */
        j->answered_inline = 1;
        return;
    }
    hs_job_advance(j);
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
    hs_units_free(u);
    return 1;
}

/* 1 when the request is in flight (its answer calls hs_job_advance), 0 when the step can go on
 * at once (answered already, held back, or the job ended). */
static int unit_send(struct hs_job *j, struct hs_unit *u)
{
    const struct hs_step *st = STEPS[j->step];
    struct hs_req r = {0};
    char err[256];
    if (search_paced(j, st, u))
        return 0;
    vg_buf_init(&r.body, 0);
    j->cur = u;
    if (st->build(j, u->ix, u->n, &r) < 0) {
        vg_free(r.url);
        vg_buf_free(&r.body);
        hs_job_abort(j, "out of memory building a request", 0);
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
        hs_job_abort(j, err, 0);
        return 0;
    }
    return !j->answered_inline;
}

void hs_job_advance(struct hs_job *j)
{
    size_t *ix = vg_calloc(j->n_items + j->accts_cap + MAX_DEFS + ASSOC_BATCH_MAX + 2, sizeof *ix);
    if (!ix)
        hs_job_abort(j, "out of memory", 0);
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
        const struct hs_step *st = STEPS[++j->step];
        if (st->run) {
            if (st->run(j))
                break; /* it calls hs_job_advance when its callback comes (or ended the job) */
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
                hs_job_abort(j, "out of memory", 0);
                break;
            }
        }
    }
    vg_free(ix);
    if (j->finished)
        job_reap(j);
}
