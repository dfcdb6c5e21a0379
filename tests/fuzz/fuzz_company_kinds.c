/* fuzz_company_kinds — libFuzzer harness for the sec_edgar and uk_company kinds: hostile bytes
 * as EDGAR's submissions JSON (first poll and a later one), as an 8-K primary document, as a
 * Companies House profile, and as each of its parts (officers, filing history, insolvency)
 * after a fixed profile and a fixed previous snapshot. A kind must fail with a message and no
 * output, or succeed with items that keep the feed documents' promises (fuzz_check.h), a
 * `structured` member and a kept snapshot that are JSON objects in valid UTF-8, and a plan of
 * at most KIND_MAX_PARTS absolute URLs; else the harness aborts. */
#include "util/vg_alloc.h"
#include "fetchers/kind.h"
#include "fetchers/sec_8k.h"
#include "fuzz_check.h"

#include <stdint.h>
#include <stdlib.h>

#define NOW 1796500000 /* 2026-12-05 */

static const char sec_url[] = "http://127.0.0.1:1/submissions/CIK0001234567.json";
static const char sec_doc_url[] = "http://127.0.0.1:1/Archives/edgar/data/1234567/000123456726000058/d.htm";
static const char sec_body[] =
    "{\"cik\":\"1234567\",\"name\":\"Northwind\",\"filings\":{\"recent\":{"
    "\"accessionNumber\":[\"0001234567-26-000058\"],\"filingDate\":[\"2026-12-04\"],\"form\":[\"8-K\"],"
    "\"items\":[\"5.02,1.01\"],\"primaryDocument\":[\"d.htm\"],\"primaryDocDescription\":[\"8-K\"]}}}";
static const char sec_prev[] = "{\"seen\":[\"0001234567-26-000040\"],\"since\":\"2026-11-30\",\"cik\":\"1234567\"}";

static const char uk_url[] = "http://127.0.0.1:1/company/04123456";
static const char uk_profile[] = "{\"company_name\":\"ACME LTD\",\"company_number\":\"04123456\","
                                 "\"company_status\":\"active\",\"has_insolvency_history\":true}";
static const char uk_prev[] = "{\"number\":\"04123456\",\"name\":\"ACME LTD\",\"status\":\"active\","
                              "\"insolvency_history\":false,\"officers\":[{\"name\":\"Jo Smith\",\"role\":\"director\","
                              "\"appointed\":\"2020-01-01\"}],\"filings\":[{\"id\":\"T1\",\"date\":\"2026-01-01\"}]}";

static void check_json_object(const char *what, const char *s)
{
    fz_string(what, s, 0, 0);
    cJSON *o = s ? cJSON_Parse(s) : NULL;
    if (!cJSON_IsObject(o))
        fz_fail(what, "not a JSON object", s);
    cJSON_Delete(o);
}

static void check_output(const char *what, int rc, const struct kind_output *out, const char *err)
{
    if (rc != 0 && rc != -1)
        fz_fail(what, "an undocumented return code", NULL);
    if (rc < 0) {
        if (!err[0] || fz_utf8_bad(err) || !out->error_kind)
            fz_fail(what, "a failure without a readable message and kind", err);
        if (out->watch_text)
            fz_fail(what, "a snapshot kept after a failure", out->watch_text);
        return;
    }
    if (!out->doc || !out->watch_text)
        fz_fail(what, "success without a document or a snapshot", NULL);
    check_json_object("kept snapshot", out->watch_text);
    char *json = feed_doc_to_json(out->doc);
    fz_doc(out->doc, FEED_MAX_ITEMS, json);
    vg_free(json);
    for (size_t i = 0; i < out->doc->nitems; i++) {
        const struct feed_item *it = &out->doc->items[i];
        if (!it->id || !it->title || !it->link || !it->kind || !it->structured)
            fz_fail(what, "an item without id, title, link, kind or structured member", it->title);
        check_json_object("structured", it->structured);
    }
}

static void run(const struct source_kind *k, const char *body, size_t len, const char *url, const char *prev,
                const struct kind_part *parts, size_t nparts)
{
    struct kind_input in = {.body = body, .len = len, .url = url, .watch_text = prev, .now = NOW,
                            .parts = parts, .nparts = nparts};
    char err[300] = "";
    char **urls = NULL;
    size_t n = 0;
    int rc = k->plan(&in, &urls, &n, err, sizeof(err));
    if (rc == 0 && n > KIND_MAX_PARTS)
        fz_fail(k->name, "a plan of more than KIND_MAX_PARTS", NULL);
    for (size_t i = 0; i < n; i++) {
        fz_link("plan URL", urls[i]);
        vg_free(urls[i]);
    }
    vg_free(urls);
    struct kind_output out = {0};
    err[0] = '\0';
    rc = k->parse(&in, &out, err, sizeof(err));
    check_output(k->name, rc, &out, err);
    feed_doc_free(out.doc);
    vg_free(out.watch_text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *d = (const char *)data;
    const struct source_kind *sec = source_kind_find("sec_edgar"), *uk = source_kind_find("uk_company");
    if (!sec || !uk)
        abort();
    /* EDGAR: the bytes as the submissions, then as the 5.02's document */
    run(sec, d, size, sec_url, NULL, NULL, 0);
    run(sec, d, size, sec_url, sec_prev, NULL, 0);
    struct kind_part doc = {.url = sec_doc_url, .body = d, .len = size, .status = 200};
    run(sec, sec_body, strlen(sec_body), sec_url, NULL, &doc, 1);
    struct sec_person people[SEC_MAX_PEOPLE];
    size_t np = sec_8k_people(d, size, people, SEC_MAX_PEOPLE);
    for (size_t i = 0; i < np; i++)
        if (!people[i].name[0] || strlen(people[i].name) >= SEC_MAX_NAME || strlen(people[i].role) >= SEC_MAX_ROLE)
            fz_fail("sec_8k_people", "an empty or over-long name or role", people[i].name);
    /* Companies House: the bytes as the profile, then as each part */
    run(uk, d, size, uk_url, uk_prev, NULL, 0);
    static const char *const paths[] = {"/officers", "/filing-history", "/insolvency"};
    for (size_t p = 0; p < 3; p++) {
        char url[128];
        snprintf(url, sizeof(url), "%s%s", uk_url, paths[p]);
        struct kind_part part = {.url = url, .body = d, .len = size, .status = 200};
        run(uk, uk_profile, strlen(uk_profile), uk_url, uk_prev, &part, 1);
    }
    return 0;
}
