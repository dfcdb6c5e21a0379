/* hubspot_accounts — key accounts listed from HubSpot (hubspot_accounts.h).
 *
 * A small state machine on the caller's loop: owners first (id → e-mail, paged), then the
 * search pages, one request at a time, never two searches less than 250 ms apart. A 429
 * waits as HubSpot says (Retry-After, else the policy) and asks again; a 5xx or a network
 * fault is retried three times; a refused token or a missing property ends the listing with
 * a message saying what to fix. */
#include "sinks/hubspot_accounts.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "enrich/account.h"
#include "enrich/account_sync.h"
#include "http/fetch_http.h"
#include "sinks/hubspot_payload.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_event.h"
#include "util/vg_json.h"
#include "util/vg_log.h"
#include "util/vg_time.h"

#define MOD "hubspot"
#define PAGE 200
#define SEARCH_CAP 10000     /* results one search can page through */
/* HubSpot allows 5 searches a second. Sent 200 ms apart, six could still arrive within one
 * rolling second (a connection set up for one, not for the next: seen on the stand-in, 0.992 s
 * for six); 4 a second leaves that margin, and room for the account's other apps. */
#define SEARCH_GAP_MS 250
#define MAX_RATE_WAITS 20
#define MAX_FAULTS 3

/* ==== companies to accounts (pure) ========================================================== */

static const char *prop_str(const cJSON *props, const char *name)
{
    if (!name || !*name)
        return NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(props, name);
    return cJSON_IsString(v) && v->valuestring && *v->valuestring ? v->valuestring : NULL;
}

/* A KAM number: the property's value when it reads as a finite number ("0,25" too). */
static int add_number(cJSON *acc, const char *member, const cJSON *props, const char *prop)
{
    const char *s = prop_str(props, prop);
    if (!s)
        return 0;
    char buf[64];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *p = buf; *p; p++)
        if (*p == ',')
            *p = '.';
    char *end;
    double v = strtod(buf, &end);
    while (*end && isspace((unsigned char)*end))
        end++;
    if (end == buf || *end || !isfinite(v))
        return 0;
    return cJSON_AddNumberToObject(acc, member, v) ? 0 : -1;
}

static int digits_only(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

/* Text the import takes as an id (enrich_account_id_check: valid UTF-8, no control character,
 * no blank of any script): one company HubSpot holds that the import refuses would refuse the
 * whole list. */
static int usable_id(const char *s, size_t max)
{
    char why[128];
    return strlen(s) <= max && enrich_account_id_check(s, why, sizeof why) == 0;
}

/* The account of `out` whose `member` is `value`, or NULL. */
static const cJSON *find_member(const cJSON *out, const char *member, const char *value)
{
    const cJSON *a;
    cJSON_ArrayForEach(a, out) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, member);
        if (cJSON_IsString(v) && strcmp(v->valuestring, value) == 0)
            return a;
    }
    return NULL;
}

int hubspot_accounts_from_page(const struct hubspot_config *cfg, const cJSON *page, const cJSON *owners,
                               cJSON *out, long long *last_id)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(page, "results")) {
        const cJSON *idj = cJSON_GetObjectItemCaseSensitive(r, "id");
        const cJSON *props = cJSON_GetObjectItemCaseSensitive(r, "properties");
        if (!cJSON_IsString(idj) || !idj->valuestring || !*idj->valuestring)
            continue;
        const char *cid = idj->valuestring;
        /* HubSpot's ids are numbers: anything else is no company (and would be a crm_id the
         * sink could not use). */
        if (!digits_only(cid) || strlen(cid) > 20) {
            vg_warn(MOD, "a HubSpot company whose id is not a number: skipped");
            continue;
        }
        long long n = strtoll(cid, NULL, 10);
        if (n > *last_id)
            *last_id = n;
        /* The same company met again (it moved between pages while they were read). */
        if (find_member(out, "crm_id", cid))
            continue;
        char id[160];
        const char *own_id = prop_str(props, cfg->account_id_property);
        if (own_id)
            snprintf(id, sizeof id, "%s", own_id);
        else
            snprintf(id, sizeof id, "hubspot-%s", cid);
        if (!usable_id(own_id ? own_id : id, 128)) {
            char *shown = hs_plain_text(own_id ? own_id : id, 80);
            vg_warn(MOD, "HubSpot company %s: its %s '%s' cannot be an account id (blanks, control characters, "
                         "not UTF-8, or over 128 bytes): skipped", cid, cfg->account_id_property, shown ? shown : "");
            vg_free(shown);
            continue;
        }
        if (find_member(out, "id", id)) {
            vg_warn(MOD, "HubSpot company %s: its %s '%s' is another key account's too: skipped", cid,
                    cfg->account_id_property, id);
            continue;
        }
        const char *raw_domain = prop_str(props, "domain");
        char domain[256];
        if (raw_domain && enrich_account_domain_host(raw_domain, strlen(raw_domain), domain) < 0) {
            char *shown = hs_plain_text(raw_domain, 80);
            vg_warn(MOD, "HubSpot company %s: its domain '%s' is not a domain: left out", cid, shown ? shown : "");
            vg_free(shown);
            raw_domain = NULL;
        }
        char fallback[64];
        snprintf(fallback, sizeof fallback, "HubSpot company %s", cid);
        char *name = hs_plain_text(prop_str(props, "name"), 1024);
        if (!name)
            return -1;
        cJSON *acc = cJSON_CreateObject();
        if (!acc || !cJSON_AddItemToArray(out, acc)) {
            cJSON_Delete(acc);
            vg_free(name);
            return -1;
        }
        const cJSON *named = cJSON_AddStringToObject(acc, "name", *name ? name : raw_domain ? domain : fallback);
        vg_free(name);
        if (!named || !cJSON_AddStringToObject(acc, "id", id))
            return -1;
        if (raw_domain) {
            cJSON *d = cJSON_AddArrayToObject(acc, "domains");
            cJSON *s = cJSON_CreateString(domain);
            if (!d || !s || !cJSON_AddItemToArray(d, s)) {
                cJSON_Delete(s);
                return -1;
            }
        }
        /* An e-mail is one word: held to an id's rules, so that the import takes it. */
        const char *owner_id = prop_str(props, "hubspot_owner_id");
        const char *email = owner_id ? prop_str(owners, owner_id) : NULL;
        if (email && usable_id(email, 256) && !cJSON_AddStringToObject(acc, "owner", email))
            return -1;
        if (!cJSON_AddStringToObject(acc, "tier", "key") || !cJSON_AddStringToObject(acc, "crm_id", cid))
            return -1;
        if (add_number(acc, "revenue", props, cfg->map_revenue) < 0 ||
            add_number(acc, "margin", props, cfg->map_margin) < 0 ||
            add_number(acc, "growth_potential", props, cfg->map_growth_potential) < 0 ||
            add_number(acc, "strategic_fit", props, cfg->map_strategic_fit) < 0 ||
            add_number(acc, "image", props, cfg->map_image) < 0)
            return -1;
        const char *parent = prop_str(props, "hs_parent_company_id");
        if (parent && digits_only(parent) && strlen(parent) <= 20 && strcmp(parent, cid) != 0 &&
            !cJSON_AddStringToObject(acc, ENRICH_SYNC_PARENT_CRM_ID, parent))
            return -1;
    }
    return 0;
}

int hubspot_owners_from_page(const cJSON *page, cJSON *owners)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(page, "results")) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
        const cJSON *email = cJSON_GetObjectItemCaseSensitive(o, "email");
        if (cJSON_IsString(id) && cJSON_IsString(email) && !cJSON_GetObjectItemCaseSensitive(owners, id->valuestring) &&
            !cJSON_AddStringToObject(owners, id->valuestring, email->valuestring))
            return -1;
    }
    return 0;
}

/* ==== the listing ============================================================================= */

enum phase { P_OWNERS, P_SEARCH };

struct ha_job {
    struct event_base *base;
    struct fetch_client *client;
    const struct hubspot_config *cfg;
    hubspot_accounts_cb cb;
    void *arg;
    char *auth;
    struct event *timer;
    enum phase phase;
    cJSON *owners;              /* {"<owner id>": "<e-mail>"} */
    cJSON *out;
    char owners_after[64];
    long long after;            /* offset in the current search */
    long long floor_id;         /* the current search lists ids above this */
    long long last_id;
    long long next_search_ms;   /* monotonic: no search before */
    int rate_waits, faults;
    long long requests;
};

static void job_free(struct ha_job *j)
{
    if (j->timer)
        event_free(j->timer);
    cJSON_Delete(j->owners);
    cJSON_Delete(j->out);
    if (j->auth) {
        memset(j->auth, 0, strlen(j->auth));
        vg_free(j->auth);
    }
    vg_free(j);
}

static void job_end(struct ha_job *j, const char *err)
{
    cJSON *out = NULL;
    if (!err && enrich_sync_link_parents(j->out) < 0)
        err = "out of memory";
    if (!err) {
        out = j->out;
        j->out = NULL;
        vg_info(MOD, "listed %d key accounts from HubSpot in %lld requests", cJSON_GetArraySize(out), j->requests);
    }
    hubspot_accounts_cb cb = j->cb;
    void *arg = j->arg;
    job_free(j);
    cb(arg, out, err);
}

static void on_answer(struct fetch_response *resp, void *arg);

static char *search_body(struct ha_job *j)
{
    const struct hubspot_config *c = j->cfg;
    struct vg_buf b;
    vg_buf_init(&b, 0);
    vg_buf_puts(&b, "{\"filterGroups\":[{\"filters\":[{\"propertyName\":");
    vg_buf_json_str(&b, c->key_account_property);
    vg_buf_printf(&b, ",\"operator\":\"EQ\",\"value\":\"true\"},{\"propertyName\":\"hs_object_id\","
                      "\"operator\":\"GT\",\"value\":\"%lld\"}]}],"
                      "\"sorts\":[{\"propertyName\":\"hs_object_id\",\"direction\":\"ASCENDING\"}],"
                      "\"properties\":[\"name\",\"domain\",\"hubspot_owner_id\",\"hs_object_id\","
                      "\"hs_parent_company_id\"",
                  j->floor_id);
    const char *extra[] = {c->account_id_property, c->map_revenue, c->map_margin, c->map_growth_potential,
                           c->map_strategic_fit, c->map_image};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        if (extra[i] && *extra[i]) {
            vg_buf_putc(&b, ',');
            vg_buf_json_str(&b, extra[i]);
        }
    vg_buf_printf(&b, "],\"limit\":%d", PAGE);
    if (j->after)
        vg_buf_printf(&b, ",\"after\":\"%lld\"", j->after);
    vg_buf_putc(&b, '}');
    return vg_buf_steal(&b);
}

static void send_next(struct ha_job *j)
{
    char err[256];
    char *url = NULL, *body = NULL;
    if (j->phase == P_OWNERS) {
        char *base = hs_url(j->cfg, HS_API_OWNERS, "");
        url = base ? vg_asprintf("%s?limit=100%s%s", base, *j->owners_after ? "&after=" : "", j->owners_after)
                   : NULL;
        vg_free(base);
    } else {
        long long now = vg_mono_ms();
        if (now < j->next_search_ms) {
            vg_timer_arm(j->timer, j->next_search_ms - now);
            return;
        }
        j->next_search_ms = now + SEARCH_GAP_MS;
        /* One search pages through 10,000 results at most: past that, a new search starts
         * after the last id seen. */
        if (j->after + PAGE > SEARCH_CAP) {
            j->floor_id = j->last_id;
            j->after = 0;
        }
        url = hs_url(j->cfg, HS_API_OBJECTS, "companies/search");
        body = search_body(j);
    }
    if (!url || (j->phase == P_SEARCH && !body)) {
        vg_free(url);
        vg_free(body);
        job_end(j, "out of memory");
        return;
    }
    const char *headers[] = {j->auth, "Accept: application/json", NULL};
    struct fetch_request req = {
        .url = url,
        .method = body ? "POST" : "GET",
        .body = body,
        .body_len = body ? strlen(body) : 0,
        .content_type = body ? "application/json" : NULL,
        .headers = headers,
    };
    int rc = fetch_send(j->client, &req, on_answer, j, err, sizeof err);
    vg_free(url);
    vg_free(body);
    if (rc < 0) {
        job_end(j, err);
        return;
    }
    j->requests++;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    send_next(arg);
}

/* A passing fault: wait and ask again, a bounded number of times. */
static void wait_and_retry(struct ha_job *j, const struct hs_decision *d, int rate)
{
    if (rate ? ++j->rate_waits > MAX_RATE_WAITS : ++j->faults > MAX_FAULTS) {
        char why[320];
        snprintf(why, sizeof why, "HubSpot kept failing: %.250s", d->reason);
        job_end(j, why);
        return;
    }
    long long ms = d->retry_after_ms > 0 ? d->retry_after_ms : rate ? 1000 : 1000LL << (j->faults - 1);
    vg_info(MOD, "%s; asking again in %lld ms", d->reason, ms);
    vg_timer_arm(j->timer, ms);
}

static void on_answer(struct fetch_response *resp, void *arg)
{
    struct ha_job *j = arg;
    int transport = resp->error != FETCH_OK && resp->error != FETCH_ERR_HTTP_STATUS;
    struct hs_decision d;
    hs_decide(transport, resp->reason, resp->status, resp->retry_after_given, resp->retry_after_s,
              resp->body.data ? resp->body.data : "", resp->body.len, &d);
    if (transport && (resp->error == FETCH_ERR_REFUSED_ADDRESS || resp->error == FETCH_ERR_BAD_URL ||
                      resp->error == FETCH_ERR_PROTOCOL)) {
        char why[320];
        snprintf(why, sizeof why, "cannot reach HubSpot: %.250s", resp->reason);
        job_end(j, why);
        return;
    }
    if (j->phase == P_OWNERS && d.verdict != HS_OK && resp->status == 403) {
        vg_warn(MOD, "HubSpot refused to list owners (403): accounts come without owner; give the token "
                     "crm.objects.owners.read to have them");
        j->phase = P_SEARCH;
        send_next(j);
        return;
    }
    switch (d.verdict) {
    case HS_OK:
        break;
    case HS_RETRY:
        wait_and_retry(j, &d, resp->status == 429);
        return;
    case HS_PAUSE_PROPERTY: {
        char why[512];
        snprintf(why, sizeof why,
                 "HubSpot has no company property '%.100s': create the checkbox property %.100s (type bool, "
                 "fieldType booleancheckbox) and tick it on the key accounts, or fix [sink.hubspot] "
                 "key_account_property and the map_* options",
                 d.err.property, j->cfg->key_account_property);
        job_end(j, why);
        return;
    }
    case HS_DROP:
        if (strstr(d.reason, "does not exist")) {
            char why[400];
            snprintf(why, sizeof why, "%.200s: check [sink.hubspot] key_account_property (%.60s), "
                                      "account_id_property and the map_* options", d.reason,
                     j->cfg->key_account_property);
            job_end(j, why);
            return;
        }
        job_end(j, d.reason);
        return;
    default:
        job_end(j, d.reason);
        return;
    }
    j->faults = 0;
    cJSON *page = vg_json_parse(resp->body.data ? resp->body.data : "", resp->body.len);
    if (!page) {
        job_end(j, "HubSpot's answer could not be read (not JSON)");
        return;
    }
    const cJSON *next = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(page, "paging"), "next"), "after");
    const char *after = cJSON_IsString(next) ? next->valuestring : NULL;
    if (j->phase == P_OWNERS) {
        if (hubspot_owners_from_page(page, j->owners) < 0) {
            cJSON_Delete(page);
            job_end(j, "out of memory");
            return;
        }
        if (after && strlen(after) < sizeof j->owners_after && strcmp(after, j->owners_after) != 0) {
            snprintf(j->owners_after, sizeof j->owners_after, "%s", after);
        } else {
            j->phase = P_SEARCH;
        }
        cJSON_Delete(page);
        send_next(j);
        return;
    }
    const cJSON *total = cJSON_GetObjectItemCaseSensitive(page, "total");
    long long seen = j->after + cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(page, "results"));
    long long before = j->last_id;
    if (hubspot_accounts_from_page(j->cfg, page, j->owners, j->out, &j->last_id) < 0) {
        cJSON_Delete(page);
        job_end(j, "out of memory");
        return;
    }
    long long a = after ? strtoll(after, NULL, 10) : 0;
    int more = cJSON_IsNumber(total) && total->valuedouble > (double)seen;
    cJSON_Delete(page);
    if (!after || a <= j->after) {
        /* The last page of this search. A search stops at its cap (10,000) with no next page
         * though its total says more match: one more search from the last id seen. */
        if (more && j->last_id > before) {
            j->floor_id = j->last_id;
            j->after = 0;
            send_next(j);
            return;
        }
        job_end(j, NULL);
        return;
    }
    j->after = a;
    send_next(j);
}

int hubspot_accounts_list(struct event_base *base, struct fetch_client *client, const struct hubspot_config *cfg,
                          hubspot_accounts_cb cb, void *arg, char *err, size_t errlen)
{
    if (!cfg->token || !*cfg->token) {
        snprintf(err, errlen, "[sink.hubspot] token is not set");
        return -1;
    }
    if (!cfg->key_account_property || !*cfg->key_account_property) {
        snprintf(err, errlen, "[sink.hubspot] key_account_property is empty: nothing marks key accounts");
        return -1;
    }
    struct ha_job *j = vg_calloc(1, sizeof *j);
    if (!j)
        goto oom;
    j->base = base;
    j->client = client;
    j->cfg = cfg;
    j->cb = cb;
    j->arg = arg;
    j->auth = vg_asprintf("Authorization: Bearer %s", cfg->token);
    j->owners = cJSON_CreateObject();
    j->out = cJSON_CreateArray();
    j->timer = evtimer_new(base, on_timer, j);
    if (!j->auth || !j->owners || !j->out || !j->timer)
        goto oom;
    j->phase = P_OWNERS;
    /* The first request leaves from the loop, so cb never runs inside this call. */
    vg_timer_arm(j->timer, 0);
    return 0;
oom:
    if (j)
        job_free(j);
    snprintf(err, errlen, "out of memory");
    return -1;
}

struct sync_result {
    struct event_base *base;
    cJSON *accounts;
    char err[512];
    int done;
};

static void sync_done(void *arg, cJSON *accounts, const char *err)
{
    struct sync_result *r = arg;
    r->accounts = accounts;
    if (err)
        snprintf(r->err, sizeof r->err, "%s", err);
    r->done = 1;
    event_base_loopbreak(r->base);
}

cJSON *hubspot_accounts_fetch(const struct hubspot_config *cfg, const struct fetch_config *fcfg, char *err,
                              size_t errlen)
{
    struct sync_result r = {0};
    struct fetch_client *client = NULL;
    r.base = event_base_new();
    if (!r.base) {
        snprintf(err, errlen, "cannot create an event loop");
        return NULL;
    }
    client = fetch_client_new(r.base, fcfg, err, errlen);
    if (!client)
        goto out;
    if (hubspot_accounts_list(r.base, client, cfg, sync_done, &r, err, errlen) < 0)
        goto out;
    while (!r.done && event_base_dispatch(r.base) == 0)
        ;
    if (!r.done)
        snprintf(err, errlen, "the listing stopped before its end");
    else if (!r.accounts)
        snprintf(err, errlen, "%s", r.err);
out:
    fetch_client_free(client);
    event_base_free(r.base);
    return r.accounts;
}
