/* hubspot_answers — HubSpot's answers to per-input results and one verdict per request
 * (hubspot_payload.h: hs_batch_results, hs_error_parse, hs_decide). Pure: no I/O, no clock. */
#include "sinks/hubspot_payload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/vg_alloc.h"
#include "util/vg_json.h"

/* ==== answers =============================================================================== */

/* A JSON id (string or number) as text. */
static int id_text(const cJSON *v, char *out, size_t n)
{
    if (cJSON_IsString(v) && v->valuestring && *v->valuestring && strlen(v->valuestring) < n) {
        snprintf(out, n, "%s", v->valuestring);
        return 0;
    }
    if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 9e15) {
        snprintf(out, n, "%.0f", v->valuedouble);
        return 0;
    }
    return -1;
}

/* The input index a trace id names, or -1. */
static long trace_index(const cJSON *v, size_t n)
{
    char t[32];
    if (id_text(v, t, sizeof t) < 0)
        return -1;
    char *end;
    long i = strtol(t, &end, 10);
    return *end || i < 0 || (size_t)i >= n ? -1 : i;
}

static long key_index(const char *value, size_t n, const char *const *keys)
{
    if (!value || !keys)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (keys[i] && strcmp(keys[i], value) == 0)
            return (long)i;
    return -1;
}

/* PROPERTY_DOESNT_EXIST anywhere in an error object (its code, subCategory or message). */
static int mentions_missing_property(const cJSON *err)
{
    char *txt = cJSON_PrintUnformatted(err);
    int yes = txt && strstr(txt, "PROPERTY_DOESNT_EXIST") != NULL;
    cJSON_free(txt);
    return yes;
}

/* HubSpot's words, cleaned as hs_plain_text does and cut to fit `n` on a character boundary:
 * they go into one-line logs, dead letters and pauses. */
static void copy_clean(char *out, size_t n, const char *s)
{
    char *clean = hs_plain_text(s, n - 1);
    snprintf(out, n, "%s", clean ? clean : "");
    vg_free(clean);
}

static void error_message(const cJSON *err, char *out, size_t n)
{
    const char *msg = vg_json_str(err, "message");
    char cat[64];
    copy_clean(cat, sizeof cat, vg_json_str(err, "category"));
    char *clean = hs_plain_text(msg ? msg : "HubSpot refused this input", n > 80 ? n - 80 : n);
    snprintf(out, n, "HubSpot%s%s: %s", *cat ? " " : "", cat, clean ? clean : "");
    vg_free(clean);
}

/* The inputs an error names, through context.objectWriteTraceId / context.ids (or the same
 * members on the error itself). Calls place() for each; returns how many. */
static size_t error_targets(const cJSON *err, size_t n, const char *const *keys, long *idx, size_t max)
{
    size_t k = 0;
    const cJSON *scopes[] = {cJSON_GetObjectItemCaseSensitive(err, "context"), err};
    for (size_t s = 0; s < 2 && k == 0; s++) {
        const cJSON *ctx = scopes[s];
        if (!cJSON_IsObject(ctx))
            continue;
        const cJSON *tr = cJSON_GetObjectItemCaseSensitive(ctx, "objectWriteTraceId");
        const cJSON *v;
        if (cJSON_IsArray(tr)) {
            cJSON_ArrayForEach(v, tr) {
                long i = trace_index(v, n);
                if (i >= 0 && k < max)
                    idx[k++] = i;
            }
        } else if (tr) {
            long i = trace_index(tr, n);
            if (i >= 0 && k < max)
                idx[k++] = i;
        }
        if (k)
            break;
        const cJSON *ids = cJSON_GetObjectItemCaseSensitive(ctx, "ids");
        cJSON_ArrayForEach(v, ids) {
            char t[256];
            long i = id_text(v, t, sizeof t) == 0 ? key_index(t, n, keys) : -1;
            if (i >= 0 && k < max)
                idx[k++] = i;
        }
    }
    return k;
}

int hs_batch_results(const char *body, size_t len, size_t n, const char *key_prop, const char *const *keys,
                     struct hs_result *out, char *unplaced, size_t unplaced_len)
{
    if (unplaced && unplaced_len)
        unplaced[0] = '\0';
    memset(out, 0, n * sizeof *out);
    cJSON *root = vg_json_parse(body, len);
    if (!root)
        return -1;
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(root, "results");
    const cJSON *errors = cJSON_GetObjectItemCaseSensitive(root, "errors");
    size_t n_results = (size_t)cJSON_GetArraySize(results);
    int by_position = n_results == n && cJSON_GetArraySize(errors) == 0;
    size_t pos = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, results) {
        long i = trace_index(cJSON_GetObjectItemCaseSensitive(r, "objectWriteTraceId"), n);
        if (i < 0 && key_prop) {
            const cJSON *props = cJSON_GetObjectItemCaseSensitive(r, "properties");
            i = key_index(vg_json_str(props, key_prop), n, keys);
        }
        if (i < 0 && by_position)
            i = (long)pos;
        pos++;
        if (i < 0)
            continue;
        struct hs_result *o = &out[i];
        /* HubSpot's record ids are digits; anything else would go into URLs and marks. */
        char id[sizeof o->id];
        if (id_text(cJSON_GetObjectItemCaseSensitive(r, "id"), id, sizeof id) < 0 || id[strspn(id, "0123456789")])
            continue;
        memcpy(o->id, id, sizeof id);
        o->seen = 1;
        o->is_new = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "new"));
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, errors) {
        long idx[256];
        size_t k = error_targets(e, n, keys, idx, sizeof idx / sizeof idx[0]);
        char msg[256];
        error_message(e, msg, sizeof msg);
        if (k == 0 && unplaced && unplaced_len && !*unplaced) {
            size_t m = hs_utf8_cut(msg, strlen(msg), unplaced_len - 1); /* never inside a character */
            memcpy(unplaced, msg, m);
            unplaced[m] = '\0';
        }
        for (size_t j = 0; j < k; j++) {
            struct hs_result *o = &out[idx[j]];
            o->seen = 1;
            o->id[0] = '\0';
            snprintf(o->error, sizeof o->error, "%s", msg);
            o->property_missing = mentions_missing_property(e);
        }
    }
    cJSON_Delete(root);
    return 0;
}

/* The name of the first property HubSpot says does not exist: from errors[].context
 * (propertyName), from the JSON list HubSpot embeds in its message ("Property values were not
 * valid: [{...,"error":"PROPERTY_DOESNT_EXIST","name":"x"}]"), or from the sentence
 * 'Property "x" does not exist'. */
static void missing_property(const cJSON *root, const char *message, char *out, size_t n)
{
    out[0] = '\0';
    const cJSON *errs = cJSON_GetObjectItemCaseSensitive(root, "errors");
    const cJSON *e;
    cJSON_ArrayForEach(e, errs) {
        const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(e, "context");
        const cJSON *pn = cJSON_GetObjectItemCaseSensitive(ctx, "propertyName");
        const cJSON *first = cJSON_IsArray(pn) ? cJSON_GetArrayItem(pn, 0) : pn;
        if (cJSON_IsString(first) && mentions_missing_property(e)) {
            snprintf(out, n, "%s", first->valuestring);
            return;
        }
    }
    if (!message)
        return;
    const char *lb = strchr(message, '[');
    if (lb) {
        cJSON *list = vg_json_parse(lb, strlen(lb));
        const cJSON *it;
        cJSON_ArrayForEach(it, list) {
            const char *code = vg_json_str(it, "error");
            const char *name = vg_json_str(it, "name");
            if (code && name && strcmp(code, "PROPERTY_DOESNT_EXIST") == 0) {
                snprintf(out, n, "%s", name);
                break;
            }
        }
        cJSON_Delete(list);
        if (*out)
            return;
    }
    const char *p = strstr(message, "Property \"");
    if (!p)
        p = strstr(message, "property \"");
    if (p) {
        p += 10;
        const char *q = strchr(p, '"');
        if (q && q > p && (size_t)(q - p) < n)
            snprintf(out, n, "%.*s", (int)(q - p), p);
    }
}

static void required_scopes(const cJSON *root, char *out, size_t n)
{
    out[0] = '\0';
    size_t used = 0;
    const cJSON *errs = cJSON_GetObjectItemCaseSensitive(root, "errors");
    const cJSON *e;
    cJSON_ArrayForEach(e, errs) {
        const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(e, "context");
        const char *names[] = {"requiredGranularScopes", "requiredScopes", "requiredAllScopes"};
        for (size_t k = 0; k < 3; k++) {
            const cJSON *s;
            cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(ctx, names[k])) {
                if (!cJSON_IsString(s) || used + strlen(s->valuestring) + 3 >= n)
                    continue;
                used += (size_t)snprintf(out + used, n - used, "%s%s", used ? ", " : "", s->valuestring);
            }
        }
    }
}

void hs_error_parse(const char *body, size_t len, struct hs_error *e)
{
    memset(e, 0, sizeof *e);
    cJSON *root = body && len ? vg_json_parse(body, len) : NULL;
    if (!root) {
        /* Not JSON (a proxy's page): keep its start as the message. */
        char tmp[128];
        snprintf(tmp, sizeof tmp, "%.*s", (int)(len < 120 ? len : 120), body ? body : "");
        char *clean = hs_plain_text(tmp, sizeof e->message - 1);
        snprintf(e->message, sizeof e->message, "%s", clean ? clean : "");
        vg_free(clean);
        return;
    }
    const char *cat = vg_json_str(root, "category");
    if (!cat)
        cat = vg_json_str(root, "errorType");
    copy_clean(e->category, sizeof e->category, cat);
    copy_clean(e->policy, sizeof e->policy, vg_json_str(root, "policyName"));
    const char *msg = vg_json_str(root, "message");
    char *clean = hs_plain_text(msg, sizeof e->message - 1);
    snprintf(e->message, sizeof e->message, "%s", clean ? clean : "");
    vg_free(clean);
    if (mentions_missing_property(root)) {
        char name[sizeof e->property];
        missing_property(root, msg, name, sizeof name);
        copy_clean(e->property, sizeof e->property, name);
        if (!*e->property)
            snprintf(e->property, sizeof e->property, "?");
    }
    char scopes[sizeof e->scopes];
    required_scopes(root, scopes, sizeof scopes);
    copy_clean(e->scopes, sizeof e->scopes, scopes);
    cJSON_Delete(root);
}

/* The length of s cut to at most max bytes on a character boundary, for "%.*s": the fields
 * are clean UTF-8, and a reason cut inside a character would not be. */
static int fit(const char *s, size_t max)
{
    return (int)hs_utf8_cut(s, strlen(s), max);
}

void hs_decide(int transport_error, const char *transport_reason, long status, int retry_after_given,
               long retry_after_s, const char *body, size_t len, struct hs_decision *d)
{
    memset(d, 0, sizeof *d);
    if (transport_error) {
        d->verdict = HS_RETRY;
        snprintf(d->reason, sizeof d->reason, "HubSpot unreachable: %s",
                 transport_reason && *transport_reason ? transport_reason : "no answer");
        return;
    }
    if (status >= 200 && status < 300) {
        d->verdict = HS_OK;
        return;
    }
    hs_error_parse(body, len, &d->err);
    struct hs_error *e = &d->err;
    long long given_ms = retry_after_given ? retry_after_s * 1000LL : -1;
    const char *sep = *e->message ? ": " : "";
    if (status == 429) {
        /* The policy says how long: the rolling 10 s window, the search API's second, or the
         * day. A Retry-After, when HubSpot sends one, wins. */
        int secondly = strcmp(e->policy, "SECONDLY") == 0 || strstr(e->message, "secondly limit") != NULL;
        if (strcmp(e->policy, "DAILY") == 0) {
            d->verdict = HS_PAUSE_DAILY;
            d->retry_after_ms = given_ms > 0 ? given_ms : 0;
            snprintf(d->reason, sizeof d->reason, "HubSpot's daily API limit is reached (429 DAILY%s%.*s)", sep,
                     fit(e->message, 150), e->message);
            return;
        }
        d->verdict = HS_RETRY;
        d->retry_after_ms = given_ms >= 0 ? given_ms : secondly ? 1000 : 10000;
        const char *policy = *e->policy ? e->policy : "no policy named";
        snprintf(d->reason, sizeof d->reason, "HubSpot rate limit (429 %.*s%s%.*s)",
                 fit(policy, 40), policy, sep, fit(e->message, 150), e->message);
        return;
    }
    if (status == 401 || status == 403) {
        d->verdict = HS_PAUSE_TOKEN;
        /* What to do comes first: the core keeps 255 characters of a pause's reason. */
        if (strcmp(e->category, "MISSING_SCOPES") == 0 && *e->scopes)
            snprintf(d->reason, sizeof d->reason,
                     "HubSpot refused the token, it lacks the scope %.*s: fix [sink.hubspot] token and reload "
                     "(%ld MISSING_SCOPES)", fit(e->scopes, 120), e->scopes, status);
        else
            snprintf(d->reason, sizeof d->reason,
                     "HubSpot refused the token: fix [sink.hubspot] token and reload (%ld%s%.*s%s%.*s)", status,
                     *e->category ? " " : "", fit(e->category, 40), e->category, sep, fit(e->message, 110),
                     e->message);
        return;
    }
    if (status == 400 && *e->property) {
        d->verdict = HS_PAUSE_PROPERTY;
        snprintf(d->reason, sizeof d->reason,
                 "HubSpot has no property '%.*s': create it in HubSpot or fix its name in [sink.hubspot], then "
                 "reload (400 PROPERTY_DOESNT_EXIST)", fit(e->property, 100), e->property);
        return;
    }
    if (status == 408 || status == 423 || status == 477 || status >= 500) {
        d->verdict = HS_RETRY;
        /* 423: the record is locked for a moment; HubSpot asks for 2 s at least. */
        d->retry_after_ms = given_ms >= 0 ? given_ms : status == 423 ? 2000 : 0;
        snprintf(d->reason, sizeof d->reason, "HubSpot answered %ld%s%.*s", status, sep, fit(e->message, 200), e->message);
        return;
    }
    d->verdict = HS_DROP;
    snprintf(d->reason, sizeof d->reason, "HubSpot refused it (%ld%s%.*s%s%.*s)", status, *e->category ? " " : "",
             fit(e->category, 40), e->category, sep, fit(e->message, 150), e->message);
}
