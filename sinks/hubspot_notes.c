/* hubspot_notes — a note (or task) per signal on its company (hubspot_int.h): in task mode
 * the account owner's HubSpot user first (owners, cached); then the notes made once each (the
 * marks "sending:<ms>", a search by marker token after an interruption), and "update" entries
 * rewriting the body of the note already made. */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "enrich/account.h"
#include "sinks/hubspot_int.h"
#include "sinks/hubspot_payload.h"
#include "util/vg_alloc.h"
#include "util/vg_json.h"
#include "util/vg_log.h"
#include "util/vg_time.h"

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
        if (!ac->signals || !ac->a->owner || !*ac->a->owner || !hs_acct_live(j, a))
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
    if (cJSON_IsString(id) && hs_digits_only(id->valuestring) && strlen(id->valuestring) < sizeof idt)
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

const struct hs_step hs_step_owners = {
    .name = "owners", .collect = collect_owners, .chunk = 1, .build = build_owner, .answer = answer_owner,
    .fail = fail_owner, .on_accounts = 1,
};

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
        hs_settle(&j->items[ix[k]], SINK_RETRY, d->reason, wait);
    for (struct hs_unit *u = j->queue; u; u = u->next)
        for (size_t k = 0; k < u->n; k++)
            hs_settle(&j->items[u->ix[k]], SINK_RETRY, d->reason, wait);
    hs_units_free(j->queue);
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
        if (!cJSON_IsString(id) || !hs_digits_only(id->valuestring) || strlen(id->valuestring) >= 32 ||
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
                    hs_settle(it, SINK_OK, "", 0);
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
                hs_settle(&j->items[i], SINK_RETRY, "Redis could not answer (delivery records)", 0);
    }
    hs_job_advance(j);
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
        hs_job_abort(j, "Redis could not answer (delivery records)", 0);
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
        if (hs_activity_props(&p, j->s->cfg, it->rec->doc, ac->owner_id, sink_console_url(j->s->ctx)) < 0) {
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
            hs_settle(it, SINK_DROP, res[k].error, 0);
            continue;
        }
        note_known(j, it, res[k].id);
        it->created = 1;
        hs_settle(it, SINK_OK, "", 0);
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
        if (hs_activity_body_props(&p, j->s->cfg, it->rec->doc, sink_console_url(j->s->ctx)) < 0) {
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
        hs_settle(&j->items[i], SINK_OK, "", 0);
        return;
    }
    hs_settle(&j->items[i], SINK_DROP, reason, 0);
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
            hs_settle(&j->items[ix[k]], SINK_OK, "", 0);
    }
    return 0;
}

/* ---- the steps ---------------------------------------------------------------------------- */

const struct hs_step hs_step_note_search = {
    .name = "note search", .collect = collect_note_search, .chunk = 5, .build = build_note_search,
    .answer = answer_note_search, .fail = fail_note_search, .search = 1,
};

const struct hs_step hs_step_note_marks = {
    .name = "note marks", .run = run_note_marks,
};

const struct hs_step hs_step_note_create = {
    .name = "note create", .collect = collect_note_create, .chunk = 100, .build = build_note_create,
    .batch_results = 1, .answer = answer_note_create, .fail = fail_note_create,
};

const struct hs_step hs_step_note_update = {
    .name = "note update", .collect = collect_note_update, .chunk = 100, .build = build_note_update,
    .batch_results = 1, .answer = answer_note_update, .refuse = refuse_note_update,
};
