/* fuzz_salesforce_answers — what Salesforce (or whatever answers in its place) sends back to
 * the Salesforce sink and the key-account sync, from hostile bytes.
 *
 * Input: byte 0 picks the parser, byte 1 its variant, the rest is the answer's body.
 *   0  sf_results_apply on the upsert of one object (byte 1: Account, Contact or Task, and
 *      which records of the fixed batch were settled before), the 200 of a collection
 *   1  sf_fault_classify with one of several statuses (byte 1) and message buffer sizes
 *   2  sf_accounts_page; a NUL byte splits the body into two pages read one after the other,
 *      as the sync does (the same accounts, warnings and seen ids)
 *   3  sf_auth_parse, the token endpoint's answer, with one of several statuses
 * The body is copied into a buffer of its exact length (no terminating NUL), as an HTTP
 * answer arrives, so that reading past it is seen by AddressSanitizer.
 *
 * The promises checked (sinks/salesforce_payload.h, salesforce_accounts.h, salesforce_auth.h):
 * an answer the sink cannot read settles nothing; otherwise every record the request carries
 * gets exactly one outcome, OK exactly when Salesforce's result for it says success, with a
 * reason when it is not OK, and records it does not carry are left alone; Salesforce's words
 * (reasons, the pause message, the fault's and the login's messages) are NUL-terminated within
 * their buffers, valid UTF-8 and free of control characters (they go to one-line logs, the
 * dead letters and `vigie status`); an account has an id, a name, tier key and its Salesforce
 * Id, none is given twice, and what the listing gives `vigie accounts import` and `vigie
 * accounts sync` take as it is (one account they refuse fails the whole sync); a session is
 * only ever a token and an http(s) instance URL with a host and without a trailing slash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "enrich/account.h"
#include "enrich/account_sync.h"
#include "sinks/salesforce_accounts.h"
#include "sinks/salesforce_auth.h"
#include "sinks/salesforce_payload.h"
#include "util/vg_alloc.h"
#include "util/vg_json.h"

#include "fuzz_accounts_check.h"

/* Not assert(): release builds define NDEBUG, and these checks must always run. */
#define CHECK(x, what) do { if (!(x)) fz_fail(what, #x, NULL); } while (0)

/* ---- the batch the collections are built from -------------------------------------------- */

static const struct sf_map map = {
    .account_ext = "Vigie_Account_Id__c",
    .contact_ext = "Vigie_Contact_Key__c",
    .task_ext = "Vigie_Signal_Id__c",
    .task_status = "Not Started",
};

static char *acme_domains[] = {"acme.com"};
static struct enrich_account acme = {
    .id = "acme", .name = "Acme SA", .domains = acme_domains, .n_domains = 1,
    .owner = "claire@example.com", .tier = "key",
};
static struct enrich_identifier globex_ids[] = {{"salesforce_owner_id", "005000000000001AAA"}};
static struct enrich_account globex = {
    .id = "sf-001000000000002AAA", .name = "Globex", .crm_id = "001000000000002AAA",
    .identifiers = globex_ids, .n_identifiers = 1, .tier = "key",
};
static struct enrich_account initech = {.id = "initech", .name = "Initech", .tier = "key"};

static const struct {
    const char *field, *json;
    const struct enrich_account *account;
} fixtures[] = {
    {"signal", "{\"id\":\"a1\",\"account_id\":\"acme\",\"type\":\"funding\",\"priority\":74,"
               "\"title\":\"Acme raises $20M\",\"evidence\":\"Acme raised $20 million.\","
               "\"published\":\"2024-01-09T11:00:00Z\"}", &acme},
    {"contact", "{\"id\":\"c3\",\"name\":\"Jane Doe\",\"title\":\"CFO\",\"account_id\":\"acme\"}", &acme},
    {"signal", "{\"id\":\"b2\",\"account_id\":\"sf-001000000000002AAA\",\"type\":\"leadership_change\","
               "\"title\":\"Globex names a new CEO\"}", &globex},
    {"update", "{\"id\":\"a1\",\"account_id\":\"acme\",\"type\":\"funding\",\"title\":\"Acme raises "
               "$20M\",\"sources\":3}", &acme},
    {"signal", "{\"id\":\"e5\",\"account_id\":\"initech\",\"type\":\"funding\",\"title\":\"Initech "
               "raises\"}", &initech},
    {"contact", "{\"id\":\"c4\",\"name\":\"Bob\",\"account_id\":\"initech\"}", &initech},
    {"signal", "{\"id\":\"f6\",\"type\":\"funding\",\"title\":\"No account known\"}", NULL},
};
#define NREC (sizeof(fixtures) / sizeof(fixtures[0]))

static struct sink_record records[NREC];

static void records_reset(void)
{
    for (size_t i = 0; i < NREC; i++) {
        struct sink_record *r = &records[i];
        if (!r->doc) {
            r->doc = cJSON_Parse(fixtures[i].json); /* kept for the process's life */
            if (!r->doc)
                abort();
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(r->doc, "id");
            r->id = id->valuestring;
            r->json = fixtures[i].json;
            r->field = fixtures[i].field;
            r->stream = strcmp(r->field, "contact") == 0 ? "contacts" : "signals";
            r->account = fixtures[i].account;
            r->attempt = 1;
        }
        r->outcome = SINK_OK;
        r->reason[0] = '\0';
        r->retry_after_ms = 0;
    }
}

static void results(uint8_t variant, const char *body, size_t len)
{
    enum sf_object type = (enum sf_object)(variant % 3);
    unsigned char skip[NREC], before[NREC];
    for (size_t i = 0; i < NREC; i++)
        skip[i] = (variant >> 2) & 0x3f ? ((variant >> 2) >> (i % 6)) & 1 : 0;
    memcpy(before, skip, sizeof(skip));
    records_reset();
    struct sf_request r;
    char err[200], pause[256] = "";
    if (sf_request_build(&map, type, records, NREC, skip, &r, err, sizeof(err)) < 0)
        abort(); /* no allocation failure is injected here */
    if (r.items == 0) {
        sf_request_free(&r);
        return; /* the sink sends nothing: there is no answer to read */
    }
    int rc = sf_results_apply(&r, body, len, records, NREC, skip, pause, sizeof(pause), err,
                              sizeof(err));
    CHECK(rc == 0 || rc == -1, "sf_results_apply's return");
    if (rc < 0) {
        fz_line_text("error", err, sizeof(err));
        CHECK(err[0], "an error without words");
        CHECK(!pause[0], "a pause from an answer that was not read");
        for (size_t i = 0; i < NREC; i++)
            CHECK(records[i].outcome == SINK_OK && !records[i].reason[0] && skip[i] == before[i],
                  "a record settled by an answer that was not read");
        sf_request_free(&r);
        return;
    }
    /* What Salesforce said of each body record, read again on our own. */
    cJSON *arr = vg_json_parse(body, len);
    CHECK(cJSON_IsArray(arr) && (size_t)cJSON_GetArraySize(arr) == r.items,
          "an answer read that is not one result per record");
    int any_retry = 0;
    for (size_t i = 0; i < NREC; i++) {
        struct sink_record *v = &records[i];
        fz_line_text("reason", v->reason, sizeof(v->reason));
        CHECK(v->retry_after_ms == 0, "a Retry-After from a per-record result");
        if (r.item_of[i] < 0) {
            CHECK(v->outcome == SINK_OK && !v->reason[0] && skip[i] == before[i],
                  "a record the request does not carry was settled");
            continue;
        }
        CHECK(r.item_of[i] < (long)r.items, "item_of past the body's records");
        const cJSON *res = cJSON_GetArrayItem(arr, (int)r.item_of[i]);
        int ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "success"));
        CHECK(v->outcome == SINK_OK || v->outcome == SINK_RETRY || v->outcome == SINK_DROP,
              "an outcome that is none of OK, RETRY, DROP");
        CHECK(ok == (v->outcome == SINK_OK), "the outcome is not what Salesforce said");
        CHECK(ok == !v->reason[0], "a refusal without a reason, or a success with one");
        CHECK(ok == !skip[i], "skip does not follow the outcome");
        any_retry |= v->outcome == SINK_RETRY;
        for (size_t j = 0; j < i; j++)
            if (r.item_of[j] == r.item_of[i])
                CHECK(records[j].outcome == v->outcome,
                      "records carried by one body record with different outcomes");
    }
    cJSON_Delete(arr);
    fz_line_text("pause", pause, sizeof(pause));
    CHECK(!pause[0] || any_retry, "a pause whose records are not retried");
    sf_request_free(&r);
}

/* ---- whole-request faults ---------------------------------------------------------------- */

static const long statuses[] = {0, 200, 201, 204, 207, 300, 302, 400, 401, 403, 404, 405,
                                408, 409, 414, 415, 429, 431, 500, 502, 503, 504, 520, 999};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]))

static void faults(uint8_t variant, const char *body, size_t len)
{
    static const size_t caps[] = {300, 512, 40, 1};
    long status = statuses[variant % NSTATUS];
    size_t cap = caps[(variant / NSTATUS) % 4];
    char msg[512];
    memset(msg, 'x', sizeof(msg));
    enum sf_fault f = sf_fault_classify(status, len ? body : NULL, len, msg, cap);
    CHECK(f >= SF_FAULT_NONE && f <= SF_FAULT_REQUEST, "a fault that is none of the enum");
    fz_line_text("fault message", msg, cap);
    CHECK(cap == 1 || msg[0], "a fault without words");
    if (status >= 200 && status < 300)
        CHECK(f == SF_FAULT_NONE, "a 2xx that is a fault");
    else
        CHECK(f != SF_FAULT_NONE, "a failure read as a success");
    if (status == 0 || status == 408 || status == 429 || status >= 500)
        CHECK(f == SF_FAULT_PASSING, "a passing fault that is not retried");
    if (status == 401)
        CHECK(f == SF_FAULT_SESSION, "a 401 that renews no token");
    /* The same answer given with a NUL-terminated body reads the same. */
    char *z = malloc(len + 1);
    if (!z)
        abort();
    memcpy(z, body, len);
    z[len] = '\0';
    char msg2[512];
    CHECK(sf_fault_classify(status, len ? z : NULL, len, msg2, cap) == f,
          "the verdict depends on bytes past the body");
    CHECK(strcmp(msg, msg2) == 0, "the message depends on bytes past the body");
    free(z);
}

/* ---- key-account pages ------------------------------------------------------------------- */

static const struct sf_config config = {
    .account_external_id = "Vigie_Account_Id__c",
    .key_account_field = "Vigie_Key_Account__c",
    .map_revenue = "AnnualRevenue",
    .map_margin = "Margin__c",
    .map_growth_potential = "Growth__c",
    .map_strategic_fit = "Parent.Fit__c",
    .map_image = "Image__c",
};

static void check_accounts(const cJSON *accounts, const cJSON *warnings)
{
    const cJSON *a, *w;
    cJSON_ArrayForEach(w, warnings) {
        CHECK(cJSON_IsString(w), "a warning that is no string");
        fz_line_text("warning", w->valuestring, strlen(w->valuestring) + 1);
    }
    int n = 0;
    cJSON_ArrayForEach(a, accounts) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(a, "id");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(a, "name");
        const cJSON *tier = cJSON_GetObjectItemCaseSensitive(a, "tier");
        const cJSON *crm = cJSON_GetObjectItemCaseSensitive(a, "crm_id");
        CHECK(cJSON_IsString(id) && id->valuestring[0], "an account without an id");
        CHECK(cJSON_IsString(name) && name->valuestring[0], "an account without a name");
        CHECK(cJSON_IsString(tier) && strcmp(tier->valuestring, "key") == 0, "a key account not key");
        CHECK(cJSON_IsString(crm) && sf_is_id(crm->valuestring, "001"), "an account without its Id");
        const cJSON *b;
        int k = 0;
        cJSON_ArrayForEach(b, accounts) {
            if (k++ >= n)
                break;
            if (strcmp(cJSON_GetObjectItemCaseSensitive(b, "id")->valuestring, id->valuestring) == 0)
                fz_fail("accounts", "an id given twice", id->valuestring);
            if (strcmp(cJSON_GetObjectItemCaseSensitive(b, "crm_id")->valuestring, crm->valuestring) == 0)
                fz_fail("accounts", "a Salesforce Id given twice", crm->valuestring);
        }
        n++;
    }
    fz_accounts_importable(accounts);
}

static void pages(const char *body, size_t len)
{
    cJSON *accounts = cJSON_CreateArray(), *warnings = cJSON_CreateArray();
    cJSON *seen = cJSON_CreateObject();
    if (!accounts || !warnings || !seen)
        abort();
    const char *nul = memchr(body, '\0', len);
    size_t first = nul ? (size_t)(nul - body) : len;
    struct { const char *p; size_t n; } page[2] = {{body, first}, {nul ? nul + 1 : NULL, nul ? len - first - 1 : 0}};
    for (int i = 0; i < (nul ? 2 : 1); i++) {
        char *copy = fz_body_copy((const uint8_t *)page[i].p, page[i].n);
        char *next = (char *)1, err[512];
        memset(err, 'x', sizeof(err));
        int rc = sf_accounts_page(&config, copy, page[i].n, accounts, warnings, seen, &next, err,
                                  sizeof(err));
        free(copy);
        CHECK(rc == 0 || rc == -1, "sf_accounts_page's return");
        if (rc < 0) {
            CHECK(next == NULL, "a next page from a page that failed");
            fz_line_text("page error", err, sizeof(err));
            break; /* the sync stops here: whole or nothing */
        }
        if (next) {
            CHECK(next[0] == '/' && !strpbrk(next, " \t\r\n"), "a next page that is no path");
            vg_free(next);
        }
        check_accounts(accounts, warnings);
    }
    cJSON_Delete(accounts);
    cJSON_Delete(warnings);
    cJSON_Delete(seen);
}

/* ---- the token endpoint ------------------------------------------------------------------ */

static void login(uint8_t variant, const char *body, size_t len)
{
    long status = statuses[variant % NSTATUS];
    char *token = (char *)1, *instance = (char *)1, msg[512];
    memset(msg, 'x', sizeof(msg));
    enum sf_auth_result r = sf_auth_parse(status, body, len, &token, &instance, msg, sizeof(msg));
    fz_line_text("login message", msg, sizeof(msg));
    if (r == SF_AUTH_OK) {
        CHECK(status >= 200 && status < 300, "a login from a failure");
        CHECK(token && token[0] && !strpbrk(token, "\r\n"), "a token that cannot go in a header");
        const char *host = !instance ? NULL : strncmp(instance, "https://", 8) == 0 ? instance + 8
                           : strncmp(instance, "http://", 7) == 0 ? instance + 7 : NULL;
        CHECK(host && *host && *host != '/', "an instance that is no http(s) URL with a host");
        CHECK(!strpbrk(instance, " \t\r\n"), "an instance URL with blanks");
        size_t n = strlen(instance);
        CHECK(n && instance[n - 1] != '/', "an instance URL ending with a slash");
        vg_free(token);
        vg_free(instance);
        return;
    }
    CHECK(r == SF_AUTH_REFUSED || r == SF_AUTH_PASSING, "a result that is none of the enum");
    CHECK(token == NULL && instance == NULL, "a session from a failed login");
    CHECK(msg[0], "a failed login without words");
    if (status == 0 || status == 408 || status == 429 || status >= 500 || (status >= 200 && status < 300))
        CHECK(r == SF_AUTH_PASSING, "a passing failure taken for a refusal");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 256 * 1024)
        return 0;
    uint8_t which = data[0], variant = data[1];
    char *body = fz_body_copy(data + 2, size - 2);
    switch (which % 4) {
    case 0: results(variant, body, size - 2); break;
    case 1: faults(variant, body, size - 2); break;
    case 2: pages(body, size - 2); break;
    case 3: login(variant, body, size - 2); break;
    }
    free(body);
    return 0;
}
