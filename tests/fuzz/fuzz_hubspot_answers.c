/* fuzz_hubspot_answers — what HubSpot (or whatever answers in its place) sends back to the
 * HubSpot sink and the key-account listing, from hostile bytes.
 *
 * Input: byte 0 picks the parser, byte 1 its variant, the rest is the answer's body.
 *   0  hs_batch_results: a 2xx/207 batch answer mapped to 1 to 8 inputs (byte 1: how many,
 *      matched by trace id only, by a key property, by keys with holes; the unplaced buffer)
 *   1  hs_decide: one of several statuses, or no answer at all, with or without Retry-After
 *   2  a properties listing and association labels (hs_property_lookup, hs_association_type)
 *   3  hubspot_owners_from_page then hubspot_accounts_from_page over one or two search pages:
 *      NUL bytes split the body into the owners page, then the search pages (without one, the
 *      body is a search page)
 * The body is copied into a buffer of its exact length (no terminating NUL), as an HTTP
 * answer arrives, so that reading past it is seen by AddressSanitizer.
 *
 * The promises checked (sinks/hubspot_payload.h, hubspot_accounts.h): a body that is not JSON
 * maps nothing; an input the answer names is either a record (its HubSpot id, digits as
 * HubSpot's ids are, since it goes into URLs and marks) or an error, never both nor neither;
 * nothing is written past the n inputs; HubSpot's words (per-input errors, the unplaced error,
 * a verdict's reason, the category, policy, message, property and scopes it read) are
 * NUL-terminated within their buffers, valid UTF-8 and free of control characters (they go to
 * one-line logs, dead letters, pauses and `vigie status`); the verdicts follow the statuses
 * (2xx OK, 401/403 the token, 429 a wait or the daily pause, 5xx a retry, a Retry-After
 * honoured); an account has an id, a name, tier key and its company id, and what a page gives
 * `vigie accounts import` and `vigie accounts sync` take as it is. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "enrich/account.h"
#include "enrich/account_sync.h"
#include "sinks/hubspot_accounts.h"
#include "sinks/hubspot_payload.h"
#include "util/vg_json.h"
#include "util/vg_log.h"

#include "fuzz_accounts_check.h"

/* Not assert(): release builds define NDEBUG, and these checks must always run. */
#define CHECK(x, what) do { if (!(x)) fz_fail(what, #x, NULL); } while (0)

static int digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* ---- batch answers ----------------------------------------------------------------------- */

static void batch(uint8_t variant, const char *body, size_t len)
{
    static const char *const contact_keys[] = {"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"};
    static const char *const domains[] = {"acme.com", "globex.example", "12", "ACME.COM",
                                          "initech.example", "3", "", "k1"};
    static const char *const holes[] = {"k0", NULL, "k2", NULL, "k0", "k5", NULL, "k7"};
    size_t n = 1 + (variant & 7);
    const char *key_prop = NULL;
    const char *const *keys = NULL;
    switch ((variant >> 3) & 3) {
    case 1: key_prop = "vigie_contact_key", keys = contact_keys; break;
    case 2: key_prop = "domain", keys = domains; break;
    case 3: key_prop = "vigie_contact_key", keys = holes; break;
    }
    static const size_t caps[] = {256, 0, 16, 1};
    size_t cap = caps[(variant >> 5) & 3];
    char unplaced[256];
    memset(unplaced, 'x', sizeof(unplaced));
    /* Exactly n results: a write past them is seen by AddressSanitizer. */
    struct hs_result *out = malloc(n * sizeof(*out));
    if (!out)
        abort();
    memset(out, 0x5a, n * sizeof(*out));
    int rc = hs_batch_results(body, len, n, key_prop, keys, out, cap ? unplaced : NULL, cap);
    CHECK(rc == 0 || rc == -1, "hs_batch_results' return");
    if (cap)
        fz_line_text("unplaced", unplaced, cap);
    for (size_t i = 0; i < n; i++) {
        const struct hs_result *o = &out[i];
        fz_line_text("result id", o->id, sizeof(o->id));
        fz_line_text("result error", o->error, sizeof(o->error));
        CHECK(o->seen == 0 || o->seen == 1, "seen is neither 0 nor 1");
        if (rc < 0 || !o->seen) {
            CHECK(!o->seen && !o->id[0] && !o->error[0] && !o->is_new && !o->property_missing,
                  "an input the answer does not name has a fate");
            continue;
        }
        CHECK(!o->id[0] != !o->error[0], "an input named that is both or neither a record and an error");
        if (o->id[0] && !digits(o->id))
            fz_fail("result id", "a HubSpot id that is not digits", o->id);
        CHECK(!o->property_missing || o->error[0], "a missing property without an error");
    }
    if (rc < 0)
        CHECK(cap == 0 || !unplaced[0], "an unplaced error from a body that is not JSON");
    free(out);
}

/* ---- verdicts ---------------------------------------------------------------------------- */

static const long statuses[] = {0, 200, 201, 204, 207, 301, 400, 401, 403, 404, 405, 408, 409,
                                413, 414, 415, 423, 429, 477, 500, 502, 503, 504, 520, 599};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]))

static void decide(uint8_t variant, const char *body, size_t len)
{
    long status = statuses[variant % NSTATUS];
    static const long retry_after[] = {-1, 0, 3, 3600}; /* -1: none (fetch clamps to 3600) */
    long ra = retry_after[(variant / NSTATUS) % 4];
    int transport = status == 0;
    struct hs_decision d;
    memset(&d, 'x', sizeof(d));
    hs_decide(transport, transport ? "timeout: no answer in 30 s" : NULL, status, ra >= 0, ra > 0 ? ra : 0,
              len ? body : NULL, len, &d);
    CHECK(d.verdict >= HS_OK && d.verdict <= HS_PAUSE_DAILY, "a verdict that is none of the enum");
    fz_line_text("reason", d.reason, sizeof(d.reason));
    CHECK(d.retry_after_ms >= 0, "a negative wait");
    if (transport) {
        CHECK(d.verdict == HS_RETRY, "no answer that is not retried");
        return;
    }
    fz_line_text("category", d.err.category, sizeof(d.err.category));
    fz_line_text("policy", d.err.policy, sizeof(d.err.policy));
    fz_line_text("message", d.err.message, sizeof(d.err.message));
    fz_line_text("property", d.err.property, sizeof(d.err.property));
    fz_line_text("scopes", d.err.scopes, sizeof(d.err.scopes));
    if (status >= 200 && status < 300) {
        CHECK(d.verdict == HS_OK, "a 2xx that is not OK");
        return;
    }
    CHECK(d.verdict != HS_OK, "a failure read as a success");
    CHECK(d.reason[0], "a failure without a reason");
    if (status == 401 || status == 403)
        CHECK(d.verdict == HS_PAUSE_TOKEN, "a refused token that does not pause");
    if (status == 429)
        CHECK(d.verdict == HS_RETRY || d.verdict == HS_PAUSE_DAILY, "a 429 neither waited nor paused");
    if (status == 408 || status == 423 || status == 477 || status >= 500)
        CHECK(d.verdict == HS_RETRY, "a passing fault not retried");
    if (d.verdict == HS_RETRY && ra >= 0)
        CHECK(d.retry_after_ms == ra * 1000LL, "a Retry-After not honoured");
    if (d.verdict == HS_PAUSE_PROPERTY)
        CHECK(d.err.property[0], "a missing property without its name");
    /* The same answer given with a NUL-terminated body reads the same. */
    char *z = malloc(len + 1);
    if (!z)
        abort();
    memcpy(z, body, len);
    z[len] = '\0';
    struct hs_decision d2;
    hs_decide(0, NULL, status, ra >= 0, ra > 0 ? ra : 0, len ? z : NULL, len, &d2);
    CHECK(d2.verdict == d.verdict && strcmp(d2.reason, d.reason) == 0, "the verdict depends on bytes past the body");
    free(z);
}

/* ---- properties and association labels --------------------------------------------------- */

static void listings(const char *body, size_t len)
{
    cJSON *doc = vg_json_parse(body, len);
    static const char *const names[] = {"domain", "vigie_contact_key", "vigie_heat", "", "name"};
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(doc, "results");
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        int unique = 7;
        int rc = hs_property_lookup(doc, names[i], &unique);
        CHECK(rc == -1 || rc == 0 || rc == 1, "hs_property_lookup's return");
        CHECK((rc == -1) == !cJSON_IsArray(results), "a property list read from what is none");
        CHECK(rc == 1 ? unique == 0 || unique == 1 : unique == 7, "uniqueness from a property not found");
        CHECK(hs_property_lookup(doc, names[i], NULL) == rc, "the lookup depends on its out parameter");
    }
    int t = hs_association_type(doc, 192);
    CHECK(t == 192 || (t > 0 && t < 1000000000), "an association type id out of range");
    cJSON_Delete(doc);
}

/* ---- key accounts ------------------------------------------------------------------------ */

static const struct hubspot_config config = {
    .key_account_property = "vigie_key_account",
    .account_id_property = "erp_account_id",
    .map_revenue = "kam_revenue",
    .map_margin = "kam_margin",
    .map_growth_potential = "",
    .map_strategic_fit = "kam_fit",
    .map_image = "kam_image",
};

static void accounts(const char *body, size_t len)
{
    /* owners NUL page NUL page: the parts present, in order (no NUL: the body is one page). */
    const char *part[3] = {NULL, body, NULL};
    size_t plen[3] = {0, len, 0};
    const char *nul = memchr(body, '\0', len);
    if (nul) {
        part[0] = body, plen[0] = (size_t)(nul - body);
        part[1] = nul + 1, plen[1] = len - plen[0] - 1;
        const char *nul2 = memchr(part[1], '\0', plen[1]);
        if (nul2) {
            part[2] = nul2 + 1, plen[2] = plen[1] - (size_t)(nul2 - part[1]) - 1;
            plen[1] = (size_t)(nul2 - part[1]);
        }
    }
    cJSON *owners = cJSON_CreateObject(), *out = cJSON_CreateArray();
    if (!owners || !out)
        abort();
    if (part[0]) {
        cJSON *op = vg_json_parse(part[0], plen[0]);
        CHECK(hubspot_owners_from_page(op, owners) == 0, "owners refused without an allocation failure");
        cJSON_Delete(op);
        const cJSON *o;
        cJSON_ArrayForEach(o, owners) {
            CHECK(cJSON_IsString(o), "an owner that is no e-mail");
        }
    }
    long long last_id = 0;
    for (int i = 1; i < 3 && part[i]; i++) {
        char *copy = fz_body_copy((const uint8_t *)part[i], plen[i]);
        cJSON *page = vg_json_parse(copy, plen[i]);
        free(copy);
        long long before = last_id;
        CHECK(hubspot_accounts_from_page(&config, page, owners, out, &last_id) == 0,
              "a page refused without an allocation failure");
        CHECK(last_id >= before, "the last id seen went back");
        cJSON_Delete(page);
    }
    const cJSON *a;
    cJSON_ArrayForEach(a, out) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(a, "id");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(a, "name");
        const cJSON *tier = cJSON_GetObjectItemCaseSensitive(a, "tier");
        const cJSON *crm = cJSON_GetObjectItemCaseSensitive(a, "crm_id");
        CHECK(cJSON_IsString(id) && id->valuestring[0], "an account without an id");
        CHECK(cJSON_IsString(name) && name->valuestring[0], "an account without a name");
        CHECK(cJSON_IsString(tier) && strcmp(tier->valuestring, "key") == 0, "a key account not key");
        CHECK(cJSON_IsString(crm) && crm->valuestring[0], "an account without its company id");
    }
    fz_accounts_importable(out);
    cJSON_Delete(owners);
    cJSON_Delete(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 256 * 1024)
        return 0;
    vg_log_level = VG_LOG_ERR; /* the listing warns of each company it skips */
    uint8_t which = data[0], variant = data[1];
    char *body = fz_body_copy(data + 2, size - 2);
    switch (which % 4) {
    case 0: batch(variant, body, size - 2); break;
    case 1: decide(variant, body, size - 2); break;
    case 2: listings(body, size - 2); break;
    case 3: accounts(body, size - 2); break;
    }
    free(body);
    return 0;
}
