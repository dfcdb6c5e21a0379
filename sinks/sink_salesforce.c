/* sink_salesforce — signals and contacts written into Salesforce through the REST API: the
 * account as an Account, each contact as a Contact, each signal as a Task on its account.
 *
 * A batch (at most 200 records, the collections' limit) becomes up to three sObject
 * collection upserts by external id, in order: the Accounts the records need, then the
 * Contacts, then the Tasks (salesforce_payload.h says what each carries); before the Tasks,
 * one SOQL query for the owners' e-mails not known yet (salesforce_owners.h). Upserts are keyed on
 * vigie's deterministic ids, so a record delivered twice (a retry, a crash before the
 * acknowledgement, a replayed dead letter) updates what its first delivery made.
 *
 * What goes wrong, and what becomes of the records:
 *   one record refused (success false)   that record dropped with Salesforce's message;
 *                                        for an Account, every record of that account
 *   401 INVALID_SESSION_ID               a new login (jwt) and the request sent again, once;
 *                                        refused again, or a given token: paused
 *   a field or external id field the org does not have, no API access
 *                                        paused, naming it; the records retried after reload
 *   REQUEST_LIMIT_EXCEEDED (the org's daily API requests are spent)
 *                                        paused for 15 minutes
 *   no answer, a timeout, 5xx, 429       retried by the core with backoff
 *   a login refused (invalid_grant...)   paused with Salesforce's description and the fix
 *   the request refused whole, naming no record (a value Salesforce cannot read)
 *                                        its records sent again in halves until the one at
 *                                        fault is alone: that one dropped with the message
 * Records never reach the dead-letter stream for a fault of the configuration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/fetch_http.h"
#include "sinks/salesforce_accounts.h"
#include "sinks/salesforce_auth.h"
#include "sinks/salesforce_config.h"
#include "sinks/salesforce_owners.h"
#include "sinks/salesforce_payload.h"
#include "sinks/sink.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"
#include "util/vg_time.h"

#define MOD "salesforce"
#define LIMIT_PAUSE_MS (15LL * 60 * 1000)

/* ---- options ------------------------------------------------------------------------------ */

#define F(field) offsetof(struct sf_config, field)
#define S "sink.salesforce"

static const struct vg_option sf_options[] = {
    {S, "auth", VG_OPT_ENUM, "jwt", 0, 0, F(auth), "jwt|token", 0,
     "how vigie logs in: jwt (the OAuth 2.0 JWT bearer flow of a connected app: client_id, "
     "username, private_key) or token (a given access_token and instance_url)"},
    {S, "instance_url", VG_OPT_STRING, "", 0, 0, F(instance_url), NULL, 0,
     "auth = token: the org's address, https://NAME.my.salesforce.com (jwt learns it at login)"},
    {S, "access_token", VG_OPT_STRING, "", 0, 0, F(access_token), NULL, VG_OPT_SENSITIVE,
     "auth = token: the access token (env:, file: or credential:); when it expires the sink "
     "pauses until a new one is set and the configuration reloaded"},
    {S, "login_url", VG_OPT_STRING, "https://login.salesforce.com", 0, 0, F(login_url), NULL, 0,
     "auth = jwt: https://login.salesforce.com for a production org, https://test.salesforce.com "
     "for a sandbox, or the org's My Domain login URL"},
    {S, "token_url", VG_OPT_STRING, "", 0, 0, F(token_url), NULL, 0,
     "auth = jwt: the token endpoint (empty: <login_url>/services/oauth2/token)"},
    {S, "audience", VG_OPT_STRING, "", 0, 0, F(audience), NULL, 0,
     "auth = jwt: the assertion's aud (empty: login_url)"},
    {S, "client_id", VG_OPT_STRING, "", 0, 0, F(client_id), NULL, 0,
     "auth = jwt: the connected app's consumer key"},
    {S, "username", VG_OPT_STRING, "", 0, 0, F(username), NULL, 0,
     "auth = jwt: the integration user vigie acts as (pre-authorized in the connected app)"},
    {S, "private_key", VG_OPT_PATH, "", 0, 0, F(private_key), NULL, 0,
     "auth = jwt: PEM file of the RSA private key whose certificate is uploaded to the "
     "connected app (unencrypted; readable by vigie only)"},
    {S, "private_key_credential", VG_OPT_STRING, "", 0, 0, F(private_key_credential), NULL, 0,
     "auth = jwt: instead of private_key, the name of a systemd credential holding the PEM key "
     "(LoadCredential=NAME:/path in the unit)"},
    {S, "token_lifetime", VG_OPT_DURATION, "30m", 60000, 24LL * 3600 * 1000, F(token_lifetime_ms),
     NULL, 0,
     "auth = jwt: a token is renewed this long after it was issued, or at once when Salesforce "
     "refuses it; keep it under the org's session timeout"},
    {S, "api_version", VG_OPT_STRING, "v60.0", 0, 0, F(api_version), NULL, 0,
     "REST API version, vNN.N (v46.0 or later: collection upserts)"},
    {S, "account_external_id", VG_OPT_STRING, "Vigie_Account_Id__c", 0, 0, F(account_external_id),
     NULL, 0,
     "Account field (Text, External ID, Unique) holding vigie's account id; existing Accounts "
     "are matched on it (or on crm_id when the account has a Salesforce Id)"},
    {S, "contact_external_id", VG_OPT_STRING, "Vigie_Contact_Key__c", 0, 0, F(contact_external_id),
     NULL, 0, "Contact field (Text, External ID, Unique) holding vigie's contact id"},
    {S, "task_external_id", VG_OPT_STRING, "Vigie_Signal_Id__c", 0, 0, F(task_external_id), NULL, 0,
     "Activity field (Text, External ID, Unique) holding vigie's signal id: one Task per signal"},
    {S, "task_status", VG_OPT_STRING, "Not Started", 0, 0, F(task_status), NULL, 0,
     "Status of a new Task (a value of the org's Task Status picklist)"},
    {S, "key_account_field", VG_OPT_STRING, "Vigie_Key_Account__c", 0, 0, F(key_account_field),
     NULL, 0,
     "accounts sync: the Account checkbox that marks a key account"},
    {S, "key_account_where", VG_OPT_STRING, "", 0, 0, F(key_account_where), NULL, 0,
     "accounts sync: a SOQL condition on Account used instead of key_account_field = true, "
     "e.g. Type = 'Key Account' AND IsDeleted = false"},
    {S, "map_revenue", VG_OPT_STRING, "", 0, 0, F(map_revenue), NULL, 0,
     "accounts sync: the Account field read as the account's revenue (e.g. AnnualRevenue); "
     "empty: none"},
    {S, "map_margin", VG_OPT_STRING, "", 0, 0, F(map_margin), NULL, 0,
     "accounts sync: the Account field read as the margin; empty: none"},
    {S, "map_growth_potential", VG_OPT_STRING, "", 0, 0, F(map_growth_potential), NULL, 0,
     "accounts sync: the Account field read as the growth potential; empty: none"},
    {S, "map_strategic_fit", VG_OPT_STRING, "", 0, 0, F(map_strategic_fit), NULL, 0,
     "accounts sync: the Account field read as the strategic fit; empty: none"},
    {S, "map_image", VG_OPT_STRING, "", 0, 0, F(map_image), NULL, 0,
     "accounts sync: the Account field read as the image; empty: none"},
    {NULL, NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL},
};

/* ---- check ------------------------------------------------------------------------------- */

static int field_name(const char *s)
{
    if (!s || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return 0;
    return 1;
}

static int http_url(const char *u)
{
    return u && (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0) && u[8] &&
           !strpbrk(u, " \t\r\n");
}

static int sf_check(const void *config, char *err, size_t errlen)
{
    /* The option table gives every string a value ("" by default); a struct filled by other
     * means (a test, the command line) may hold NULLs. */
    struct sf_config c0 = *(const struct sf_config *)config;
    char **strs[] = {&c0.auth, &c0.instance_url, &c0.access_token, &c0.login_url, &c0.token_url,
                     &c0.client_id, &c0.username, &c0.private_key, &c0.private_key_credential,
                     &c0.api_version, &c0.account_external_id, &c0.contact_external_id,
                     &c0.task_external_id, &c0.task_status, &c0.key_account_field};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        if (!*strs[i])
            *strs[i] = "";
    const struct sf_config *c = &c0;
    if (strcmp(c->auth, "token") == 0) {
        if (!http_url(c->instance_url)) {
            snprintf(err, errlen, "auth = token needs instance_url (https://NAME.my.salesforce.com)");
            return -1;
        }
        if (!*c->access_token) {
            snprintf(err, errlen, "auth = token needs access_token");
            return -1;
        }
    } else {
        if (!*c->client_id || !*c->username) {
            snprintf(err, errlen, "auth = jwt needs client_id (the connected app's consumer key) "
                     "and username (the integration user)");
            return -1;
        }
        if (!*c->private_key == !*c->private_key_credential) {
            snprintf(err, errlen, "auth = jwt needs one of private_key (a PEM file) and "
                     "private_key_credential (a systemd credential)");
            return -1;
        }
        const char *urls[] = {c->login_url, c->token_url};
        for (int i = 0; i < 2; i++) {
            if (*urls[i] && !http_url(urls[i])) {
                snprintf(err, errlen, "%s '%s' is not an http(s) URL", i ? "token_url" : "login_url",
                         urls[i]);
                return -1;
            }
        }
    }
    const char *v = c->api_version;
    char *end = NULL;
    double ver = v[0] == 'v' ? strtod(v + 1, &end) : 0;
    if (!end || *end || ver < 46 || !strchr(v, '.')) {
        snprintf(err, errlen, "api_version '%s' must look like v60.0 (v46.0 or later)", v);
        return -1;
    }
    const char *names[] = {"account_external_id", "contact_external_id", "task_external_id",
                           "key_account_field"};
    const char *vals[] = {c->account_external_id, c->contact_external_id, c->task_external_id,
                          c->key_account_field};
    for (int i = 0; i < 4; i++) {
        if (!field_name(vals[i])) {
            snprintf(err, errlen, "%s '%s' is not a Salesforce field name", names[i], vals[i]);
            return -1;
        }
    }
    if (!*c->task_status) {
        snprintf(err, errlen, "task_status must name a Task Status value");
        return -1;
    }
    return 0;
}

/* ---- state -------------------------------------------------------------------------------- */

/* A part of a step's records, sent alone after Salesforce refused the step's request whole. */
struct sf_unit {
    size_t *ix, n;
    struct sf_unit *next;
};

struct sf_sink;
static void pop_unit(struct sf_sink *s);

struct sf_sink {
    struct sink_ctx *ctx;
    const struct sf_config *c;
    struct sf_map map;
    struct sf_session *session;
    struct sf_transport t;

    /* The batch in flight. */
    struct sink_batch *b;
    unsigned char *settled;   /* [n]: outcome given, left out of later collections */
    enum sf_object step;
    struct sf_request req;
    int renewed;              /* a 401 in this batch led to a new login */
    int step_sent;            /* the current step's request went out (for the log) */
    int owners_looked;        /* this batch's owner lookup is done (or not needed) */
    struct sf_unit *units;    /* while a step is split: its parts still to send, the head
                                 being sent; NULL when the step goes whole */
    unsigned char *skip;      /* [n]: left out of the request being built */
    struct sf_owners *owners; /* account owners' User Ids by e-mail */
    struct vg_log_limit usage_log, owners_log;
};

static int via_core(void *t, const struct fetch_request *req, fetch_done_cb cb, void *arg,
                    char *err, size_t errlen)
{
    struct sf_sink *s = t;
    return sink_http(s->ctx, req, cb, arg, err, errlen);
}

static int sf_init(struct sink_ctx *ctx, const void *config, void **state, char *err, size_t errlen)
{
    const struct sf_config *c = config;
    if (sf_check(c, err, errlen) < 0)
        return -1;
    struct sf_sink *s = vg_calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->ctx = ctx;
    s->c = c;
    s->map.account_ext = c->account_external_id;
    s->map.contact_ext = c->contact_external_id;
    s->map.task_ext = c->task_external_id;
    s->map.task_status = c->task_status;
    s->map.console_url = sink_console_url(ctx);
    if (!(s->owners = sf_owners_new())) {
        vg_free(s);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->map.owners = s->owners;
    s->t.send = via_core;
    s->t.t = s;
    if (!(s->session = sf_session_new(c, err, errlen))) {
        sf_owners_free(s->owners);
        vg_free(s);
        return -1;
    }
    *state = s;
    vg_info(MOD, "sink %s: Salesforce with %s", sink_name(ctx),
            strcmp(c->auth, "token") == 0 ? "a given access token" : "the JWT bearer flow");
    return 0;
}

static void sf_close(void *state)
{
    struct sf_sink *s = state;
    if (!s)
        return;
    sf_session_free(s->session);
    sf_owners_free(s->owners);
    sf_request_free(&s->req);
    while (s->units)
        pop_unit(s);
    vg_free(s->settled);
    vg_free(s->skip);
    vg_free(s);
}

/* ---- one batch ----------------------------------------------------------------------------- */

static void run_step(struct sf_sink *s);

static void pop_unit(struct sf_sink *s)
{
    struct sf_unit *u = s->units;
    if (!u)
        return;
    s->units = u->next;
    vg_free(u->ix);
    vg_free(u);
}

/* The request just answered is done with: the next part of a split step, or the next step. */
static void unit_done(struct sf_sink *s)
{
    if (!s->units) {
        s->step++;
        return;
    }
    pop_unit(s);
    if (!s->units)
        s->step++;
}

/* Salesforce refused the request as a whole without naming a record: its records are sent
 * again in two halves (records carried by one body record stay together), and so on until the
 * record at fault is alone, so that one bad record never holds back the others. 0, or -1 when
 * out of memory. */
static int split_unit(struct sf_sink *s)
{
    size_t half = s->req.items / 2, na = 0, nb = 0;
    struct sf_unit *a = vg_calloc(1, sizeof(*a)), *b = vg_calloc(1, sizeof(*b));
    size_t *ia = vg_calloc(s->b->n, sizeof(size_t)), *ib = vg_calloc(s->b->n, sizeof(size_t));
    if (!a || !b || !ia || !ib) {
        vg_free(a), vg_free(b), vg_free(ia), vg_free(ib);
        return -1;
    }
    for (size_t i = 0; i < s->b->n; i++) {
        long k = s->req.item_of[i];
        if (k < 0 || s->settled[i])
            continue;
        if ((size_t)k < half)
            ia[na++] = i;
        else
            ib[nb++] = i;
    }
    pop_unit(s); /* the part refused, if the step was split already */
    *a = (struct sf_unit){ia, na, b};
    *b = (struct sf_unit){ib, nb, s->units};
    s->units = a;
    return 0;
}

static void finish(struct sf_sink *s)
{
    struct sink_batch *b = s->b;
    sf_request_free(&s->req);
    while (s->units)
        pop_unit(s);
    vg_free(s->settled);
    vg_free(s->skip);
    s->settled = NULL;
    s->skip = NULL;
    s->b = NULL;
    sink_batch_done(b);
}

/* A reason cut to the record's buffer (snprintf would warn of the cut, rightly but uselessly). */
static void set_reason(struct sink_record *r, const char *why)
{
    size_t n = strlen(why);
    if (n >= sizeof(r->reason))
        n = sizeof(r->reason) - 1;
    memcpy(r->reason, why, n);
    r->reason[n] = '\0';
}

/* Every record without an outcome yet: RETRY with `why`. */
static void retry_rest(struct sf_sink *s, const char *why, long retry_after_ms)
{
    for (size_t i = 0; i < s->b->n; i++) {
        if (s->settled[i])
            continue;
        struct sink_record *r = &s->b->v[i];
        r->outcome = SINK_RETRY;
        r->retry_after_ms = retry_after_ms;
        set_reason(r, why);
    }
}

static void logged_in(void *arg, enum sf_auth_result r, const char *msg)
{
    struct sf_sink *s = arg;
    if (r == SF_AUTH_OK) {
        if (!s->t.preview)
            vg_info(MOD, "sink %s: logged in to %s", sink_name(s->ctx), sf_session_instance(s->session));
        run_step(s);
        return;
    }
    if (r == SF_AUTH_REFUSED)
        sink_pause(s->ctx, 0, "%s", msg);
    else
        vg_warn(MOD, "sink %s: login failed: %s", sink_name(s->ctx), msg);
    retry_rest(s, msg, 0);
    finish(s);
}

/* Logs in when the token is missing or old, then goes on with the current step. */
static void login_then_step(struct sf_sink *s)
{
    char err[256];
    int rc = sf_session_ready(s->session, &s->t, logged_in, s, err, sizeof(err));
    if (rc == 1) {
        run_step(s);
    } else if (rc < 0) {
        retry_rest(s, err, 0);
        finish(s);
    }
}

/* "api-usage=N/M": a warning, at most hourly, once 90% of the org's daily requests are used. */
static void watch_usage(struct sf_sink *s, const char *limit_info)
{
    const char *p = limit_info ? strstr(limit_info, "api-usage=") : NULL;
    long long used, max;
    if (!p || sscanf(p + 10, "%lld/%lld", &used, &max) != 2 || max <= 0 || used * 10 < max * 9)
        return;
    unsigned long held;
    if (vg_log_limit_pass(&s->usage_log, vg_mono_ms(), 3600 * 1000, &held))
        vg_warn(MOD, "sink %s: the org has used %lld of its %lld daily API requests", sink_name(s->ctx),
                used, max);
}

static void answer(struct fetch_response *resp, void *arg)
{
    struct sf_sink *s = arg;
    struct sink_batch *b = s->b;
    const char *type = sf_object_name(s->step);
    char msg[300], why[512], pause[256] = "";

    if (sink_previewing(s->ctx)) {
        /* Nothing was sent: as if every record had been accepted, so the next steps print. */
        for (size_t i = 0; i < b->n; i++)
            if (s->req.item_of[i] >= 0 && s->step != SF_ACCOUNT)
                s->settled[i] = 1;
        unit_done(s);
        run_step(s);
        return;
    }
    if (resp->header_values)
        watch_usage(s, resp->header_values[0]);
    long status = resp->error == FETCH_OK || resp->error == FETCH_ERR_HTTP_STATUS ? resp->status : 0;
    enum sf_fault f = sf_fault_classify(status, resp->body.data, resp->body.len, msg, sizeof(msg));
    if (status == 0 && resp->reason && *resp->reason)
        snprintf(msg, sizeof(msg), "%s", resp->reason);

    switch (f) {
    case SF_FAULT_NONE: {
        char err[200];
        if (sf_results_apply(&s->req, resp->body.data, resp->body.len, b->v, b->n, s->settled,
                             pause, sizeof(pause), err, sizeof(err)) < 0) {
            /* An answer that does not say what became of each record: as a passing fault, for
             * this step's records and those that depend on it. */
            for (size_t i = 0; i < b->n; i++) {
                if (s->req.item_of[i] < 0 || s->settled[i])
                    continue;
                b->v[i].outcome = SINK_RETRY;
                set_reason(&b->v[i], err);
                s->settled[i] = 1;
            }
        } else if (s->step != SF_ACCOUNT) {
            for (size_t i = 0; i < b->n; i++)
                if (s->req.item_of[i] >= 0)
                    s->settled[i] = 1;
        }
        if (pause[0]) {
            sink_pause(s->ctx, 0, "%s: create the field or give the integration user access to "
                       "it, or change the mapping, then reload", pause);
            retry_rest(s, pause, 0);
            finish(s);
            return;
        }
        unit_done(s);
        run_step(s);
        return;
    }
    case SF_FAULT_SESSION:
        if (!s->renewed && sf_session_invalidate(s->session)) {
            /* The token expired or was revoked: log in again and send the same request. The
             * records lose no attempt over it. */
            s->renewed = 1;
            vg_info(MOD, "sink %s: Salesforce refused the token (%s); logging in again",
                    sink_name(s->ctx), msg);
            login_then_step(s);
            return;
        }
        snprintf(why, sizeof(why), "Salesforce refused the %s (%s)%s",
                 s->renewed ? "new access token" : "access token", msg,
                 s->renewed ? ": does the integration user's profile allow API access?"
                            : ": set a new access_token and reload");
        sink_pause(s->ctx, 0, "%s", why);
        retry_rest(s, why, 0);
        break;
    case SF_FAULT_CONFIG: {
        const char *opt = s->step == SF_ACCOUNT ? "account_external_id"
                          : s->step == SF_CONTACT ? "contact_external_id" : "task_external_id";
        const char *ext = s->step == SF_ACCOUNT ? s->map.account_ext
                          : s->step == SF_CONTACT ? s->map.contact_ext : s->map.task_ext;
        snprintf(why, sizeof(why), "Salesforce refused the %s upsert: %s", type, msg);
        if (strstr(msg, ext))
            sink_pause(s->ctx, 0, "%s: create %s on %s (Text, External ID, Unique) or set %s to "
                       "the field that is, then reload", why, ext, type, opt);
        else
            sink_pause(s->ctx, 0, "%s: check the field it names and the integration user's "
                       "access, then reload", why);
        retry_rest(s, why, 0);
        break;
    }
    case SF_FAULT_LIMIT:
        snprintf(why, sizeof(why), "the org's daily API requests are spent (%s)", msg);
        sink_pause(s->ctx, LIMIT_PAUSE_MS, "%s: trying again in 15 minutes", why);
        retry_rest(s, why, 0);
        break;
    case SF_FAULT_PASSING:
        snprintf(why, sizeof(why), "%s upsert: %s", type, msg);
        retry_rest(s, why, resp->retry_after_given ? resp->retry_after_s * 1000 : 0);
        break;
    case SF_FAULT_REQUEST:
        /* The request refused as a whole, for a reason that names no field: one record
         * alone is that record's fault; several are split in halves until it is alone. */
        snprintf(why, sizeof(why), "Salesforce refused the %s upsert: %s", type, msg);
        if (s->req.items == 1) {
            for (size_t i = 0; i < b->n; i++) {
                if (s->req.item_of[i] < 0 || s->settled[i])
                    continue;
                b->v[i].outcome = SINK_DROP;
                set_reason(&b->v[i], why);
                s->settled[i] = 1;
            }
            unit_done(s);
            run_step(s);
            return;
        }
        if (split_unit(s) == 0) {
            vg_info(MOD, "sink %s: %s; sending its %zu records in two halves to find the one at fault",
                    sink_name(s->ctx), why, s->req.items);
            run_step(s);
            return;
        }
        retry_rest(s, "out of memory", 0);
        break;
    }
    finish(s);
}

/* ---- the owners' lookup ------------------------------------------------------------------
 * Before the Tasks: one query for the owners' e-mails not known yet (salesforce_owners.h). A
 * lookup that fails never holds the Tasks back for long: they go to the integration user,
 * except when Salesforce is only passing through a fault (then the Tasks are retried, as any
 * request would be). */

static void owners_answer(struct fetch_response *resp, void *arg)
{
    struct sf_sink *s = arg;
    int64_t now = vg_mono_ms();
    char msg[300];
    if (sink_previewing(s->ctx)) {
        sf_owners_give_up(s->owners, now, 0);
        run_step(s);
        return;
    }
    long status = resp->error == FETCH_OK || resp->error == FETCH_ERR_HTTP_STATUS ? resp->status : 0;
    enum sf_fault f = sf_fault_classify(status, resp->body.data, resp->body.len, msg, sizeof(msg));
    if (status == 0 && resp->reason && *resp->reason)
        snprintf(msg, sizeof(msg), "%s", resp->reason);
    if (f == SF_FAULT_NONE && sf_owners_apply(s->owners, resp->body.data, resp->body.len, now) == 0) {
        run_step(s);
        return;
    }
    if (f == SF_FAULT_SESSION && !s->renewed && sf_session_invalidate(s->session)) {
        s->renewed = 1;
        sf_owners_give_up(s->owners, now, 0);
        s->owners_looked = 0; /* asked again once logged in */
        login_then_step(s);
        return;
    }
    if (f == SF_FAULT_PASSING) {
        char why[400];
        snprintf(why, sizeof(why), "looking up the account owners: %s", msg);
        sf_owners_give_up(s->owners, now, 0);
        retry_rest(s, why, resp->retry_after_given ? resp->retry_after_s * 1000 : 0);
        finish(s);
        return;
    }
    /* Refused (the integration user may not read Users, a malformed answer...): the Tasks go to
     * the integration user, and the lookup waits an hour before it is tried again. */
    unsigned long held;
    if (vg_log_limit_pass(&s->owners_log, now, SF_OWNERS_TTL_MS, &held))
        vg_warn(MOD, "sink %s: cannot look up account owners by e-mail (%s): their Tasks go to "
                "the integration user", sink_name(s->ctx), f == SF_FAULT_NONE ? "an answer without records" : msg);
    sf_owners_give_up(s->owners, now, SF_OWNERS_TTL_MS);
    run_step(s);
}

/* Sends the owners' query when the batch's Tasks need one: 1 when it went out. */
static int ask_owners(struct sf_sink *s)
{
    s->owners_looked = 1;
    int64_t now = vg_mono_ms();
    char *q = sf_owners_query(s->owners, s->b->v, s->b->n, s->settled, now);
    if (!q)
        return 0;
    char *url = sf_query_url(sf_session_instance(s->session), s->c->api_version, q);
    vg_free(q);
    const char *headers[] = {sf_session_header(s->session), NULL};
    struct fetch_request req = {.url = url, .method = "GET", .accept = "application/json", .headers = headers};
    char err[256];
    int rc = url ? sink_http(s->ctx, &req, owners_answer, s, err, sizeof(err)) : -1;
    vg_free(url);
    if (rc == 0)
        return 1;
    sf_owners_give_up(s->owners, now, 0);
    return 0;
}

/* Sends the current step's collection, or moves on to the next step when it has nothing to
 * send; after the Tasks, the batch is done. */
static void run_step(struct sf_sink *s)
{
    char err[256];
    struct sink_batch *b = s->b;
    while (s->step <= SF_TASK) {
        if (s->step == SF_TASK && !s->owners_looked && ask_owners(s))
            return;
        s->map.now = vg_mono_ms();
        /* The records left out: those settled, and while the step is split, those outside the
         * part being sent. */
        memcpy(s->skip, s->settled, b->n);
        if (s->units) {
            memset(s->skip, 1, b->n);
            for (size_t k = 0; k < s->units->n; k++)
                s->skip[s->units->ix[k]] = s->settled[s->units->ix[k]];
        }
        sf_request_free(&s->req);
        if (sf_request_build(&s->map, s->step, b->v, b->n, s->skip, &s->req, err, sizeof(err)) < 0)
            goto fail;
        if (s->req.items)
            break;
        unit_done(s);
    }
    if (s->step > SF_TASK) {
        finish(s);
        return;
    }
    char *path = sf_request_path(&s->map, s->c->api_version, s->step);
    char *url = path ? vg_asprintf("%s%s", sf_session_instance(s->session), path) : NULL;
    vg_free(path);
    if (!url) {
        snprintf(err, sizeof(err), "out of memory");
        goto fail;
    }
    const char *headers[] = {sf_session_header(s->session), NULL};
    static const char *const want[] = {"Sforce-Limit-Info", NULL};
    struct fetch_request req = {
        .url = url,
        .method = "PATCH",
        .body = s->req.body,
        .body_len = strlen(s->req.body),
        .content_type = "application/json",
        .accept = "application/json",
        .headers = headers,
        .want_headers = want,
    };
    int rc = sink_http(s->ctx, &req, answer, s, err, sizeof(err));
    vg_free(url);
    if (rc == 0)
        return;
fail:
    retry_rest(s, err, 0);
    finish(s);
}

static void sf_deliver(void *state, struct sink_batch *b)
{
    struct sf_sink *s = state;
    s->b = b;
    s->step = SF_ACCOUNT;
    s->renewed = 0;
    s->owners_looked = 0;
    s->t.preview = sink_previewing(s->ctx);
    s->settled = vg_calloc(b->n ? b->n : 1, 1);
    s->skip = vg_calloc(b->n ? b->n : 1, 1);
    if (!s->settled || !s->skip) {
        vg_free(s->settled);
        vg_free(s->skip);
        s->settled = s->skip = NULL;
        for (size_t i = 0; i < b->n; i++) {
            b->v[i].outcome = SINK_RETRY;
            set_reason(&b->v[i], "out of memory");
        }
        s->b = NULL;
        sink_batch_done(b);
        return;
    }
    login_then_step(s);
}

/* The org's instance once logged in (the token endpoint before): URLs without secrets. */
static const char *sf_where(void *state)
{
    struct sf_sink *s = state;
    const char *inst = sf_session_instance(s->session);
    if (inst && !s->t.preview)
        return inst;
    return *s->c->token_url ? s->c->token_url : *s->c->login_url ? s->c->login_url : s->c->instance_url;
}

/* vigie accounts sync --from salesforce (sinks/salesforce_accounts.h): the listing sends on
 * the caller's client (its own login session, not the sink's); its warnings (a value vigie
 * cannot use, left out) go to the log. */
struct sf_listing {
    struct sf_transport t; /* must outlive the listing: freed once it is done */
    sink_accounts_cb cb;
    void *arg;
};

static int sf_listing_send(void *t, const struct fetch_request *req, fetch_done_cb cb, void *arg, char *err,
                           size_t errlen)
{
    return fetch_send(t, req, cb, arg, err, errlen);
}

static void sf_listing_done(void *arg, cJSON *accounts, cJSON *warnings, const char *err)
{
    struct sf_listing *l = arg;
    const cJSON *w;
    cJSON_ArrayForEach(w, warnings)
        if (cJSON_IsString(w))
            vg_warn(MOD, "key accounts: %s", w->valuestring);
    cJSON_Delete(warnings);
    sink_accounts_cb cb = l->cb;
    void *cb_arg = l->arg;
    vg_free(l);
    cb(cb_arg, accounts, err);
}

static int sf_list_accounts(struct event_base *base, struct fetch_client *client, const void *config,
                            sink_accounts_cb cb, void *arg, char *err, size_t errlen)
{
    (void)base; /* the client runs on it */
    struct sf_listing *l = vg_calloc(1, sizeof(*l));
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *l = (struct sf_listing){.t = {.send = sf_listing_send, .t = client}, .cb = cb, .arg = arg};
    if (sf_accounts_sync(config, &l->t, sf_listing_done, l, err, errlen) < 0) {
        vg_free(l);
        return -1;
    }
    return 0;
}

const struct sink_type sink_salesforce = {
    .name = "salesforce",
    .summary = "Salesforce: Accounts, Contacts and a Task per signal, upserted by external id "
               "(REST API, JWT bearer login)",
    .options = sf_options,
    .config_size = sizeof(struct sf_config),
    .max_batch = SF_COLLECTION_MAX,
    .streams = "signals,contacts",
    /* Salesforce limits API requests per org and per rolling 24 hours (the edition's base
     * plus per-licence allowances), not per second: no budget by default. The sink pauses on
     * REQUEST_LIMIT_EXCEEDED and warns at 90% of the day's requests. */
    .rate_limit = 0,
    .rate_window_ms = 0,
    .check = sf_check,
    .init = sf_init,
    .deliver = sf_deliver,
    .close = sf_close,
    .where = sf_where,
    .list_accounts = sf_list_accounts,
};
