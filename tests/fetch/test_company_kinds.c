/* test_company_kinds — the sec_edgar and uk_company kinds' descriptors: the sources they want
 * for the accounts (one per account holding a cik / a companies_house number, none for a
 * retired account or a malformed identifier), what `vigie accounts show` prints from what
 * they keep, and the API limits they declare. Their parsing is tested on fixtures through
 * `vigie sources parse` (tests/sources/). */
#include "enrich/account.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "fetchers/kind.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static struct enrich_identifier ids_a[] = {{"cik", "320193"}, {"companies_house", "sc123456"}};
static struct enrich_identifier ids_b[] = {{"cik", "0000001234"}, {"companies_house", "04123456"}};
static struct enrich_identifier ids_c[] = {{"cik", "12345678901"}, {"companies_house", "AB-12"}};
static struct enrich_identifier ids_d[] = {{"cik", "99"}, {"companies_house", "01111111"}};

static struct enrich_account accounts_v[] = {
    {.id = "apple", .name = "Apple", .identifiers = ids_a, .n_identifiers = 2},
    {.id = "acme", .name = "Acme", .identifiers = ids_b, .n_identifiers = 2},
    {.id = "bad", .name = "Bad ids", .identifiers = ids_c, .n_identifiers = 2},
    {.id = "gone", .name = "Retired", .identifiers = ids_d, .n_identifiers = 2, .retired = "2026-01-01T00:00:00Z"},
    {.id = "plain", .name = "No identifiers"},
};
static const struct enrich_account_set accounts = {accounts_v, sizeof(accounts_v) / sizeof(accounts_v[0])};

static void test_sec_auto_sources(void **state)
{
    (void)state;
    const struct source_kind *k = source_kind_find("sec_edgar");
    assert_non_null(k);
    struct kind_auto_source *v = NULL;
    size_t n = 0;
    struct kind_auto_settings set = {.base_url = NULL};
    assert_int_equal(k->auto_sources(&accounts, &set, &v, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].id, "sec_edgar:apple");
    assert_string_equal(v[0].url, "https://data.sec.gov/submissions/CIK0000320193.json");
    assert_string_equal(v[0].account_id, "apple");
    assert_null(v[0].options);
    assert_string_equal(v[1].id, "sec_edgar:acme");
    assert_string_equal(v[1].url, "https://data.sec.gov/submissions/CIK0000001234.json");
    kind_auto_sources_free(v, n);

    set.base_url = "http://127.0.0.1:8123";
    assert_int_equal(k->auto_sources(&accounts, &set, &v, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].url, "http://127.0.0.1:8123/submissions/CIK0000320193.json");
    kind_auto_sources_free(v, n);

    struct enrich_account_set none = {NULL, 0};
    assert_int_equal(k->auto_sources(&none, &set, &v, &n), 0);
    assert_int_equal(n, 0);
    kind_auto_sources_free(v, n);
}

static void test_uk_auto_sources(void **state)
{
    (void)state;
    const struct source_kind *k = source_kind_find("uk_company");
    assert_non_null(k);
    struct kind_auto_source *v = NULL;
    size_t n = 0;
    struct kind_auto_settings set = {.base_url = "http://127.0.0.1:8124"};
    assert_int_equal(k->auto_sources(&accounts, &set, &v, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].id, "uk_company:apple");
    assert_string_equal(v[0].url, "http://127.0.0.1:8124/company/SC123456"); /* upper-cased */
    assert_string_equal(v[1].id, "uk_company:acme");
    assert_string_equal(v[1].url, "http://127.0.0.1:8124/company/04123456"); /* leading zero kept */
    assert_string_equal(v[1].account_id, "acme");
    kind_auto_sources_free(v, n);
}

static void test_limits_declared(void **state)
{
    (void)state;
    const struct source_kind *sec = source_kind_find("sec_edgar"), *uk = source_kind_find("uk_company");
    assert_string_equal(sec->default_url, "https://data.sec.gov");
    assert_int_equal(sec->budget_limit, 10);
    assert_int_equal(sec->budget_window_ms, 1000);
    assert_int_equal(sec->default_interval_ms, 3600 * 1000LL);
    assert_int_equal(sec->needs_user_agent, 1);
    assert_int_equal(sec->needs_api_key, 0);
    assert_string_equal(uk->default_url, "https://api.company-information.service.gov.uk");
    assert_int_equal(uk->budget_limit, 600);
    assert_int_equal(uk->budget_window_ms, 300000);
    assert_int_equal(uk->default_interval_ms, 86400 * 1000LL);
    assert_int_equal(uk->needs_api_key, 1);
    char err[200] = "";
    assert_int_equal(sec->check_options(NULL, err, sizeof(err)), 0);
    assert_int_equal(uk->check_options("[1]", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "JSON object"));
}

static void test_show(void **state)
{
    (void)state;
    struct vg_buf b;
    vg_buf_init(&b, 0);
    const struct source_kind *uk = source_kind_find("uk_company"), *sec = source_kind_find("sec_edgar");
    const char *snap = "{\"number\":\"04123456\",\"name\":\"HARBOURSIDE WIDGETS LIMITED\",\"status\":\"active\","
                       "\"office\":\"12 Harbour Road, Bristol, BS1 4AA\",\"created\":\"2004-03-15\","
                       "\"sic\":[\"62020\",\"62090\"],\"insolvency_history\":false,\"officers\":["
                       "{\"name\":\"Eleanor Jane Hargreaves\",\"role\":\"director\",\"appointed\":\"2015-06-01\"},"
                       "{\"name\":\"Gregory Mortimer\",\"role\":\"director\",\"appointed\":\"2004-03-15\","
                       "\"resigned\":\"2015-05-31\"}],\"filings\":[]}";
    assert_int_equal(uk->show(snap, &b), 0);
    assert_string_equal(b.data, "  name: HARBOURSIDE WIDGETS LIMITED (04123456)\n"
                                "  status: active\n"
                                "  office: 12 Harbour Road, Bristol, BS1 4AA\n"
                                "  SIC: 62020 62090\n"
                                "  created: 2004-03-15\n"
                                "  officers: Eleanor Jane Hargreaves (director)\n");
    vg_buf_reset(&b);
    assert_int_equal(sec->show("{\"seen\":[\"0001234567-26-000040\"],\"cik\":\"1234567\",\"name\":\"Northwind\"}", &b), 0);
    assert_string_equal(b.data, "  company: Northwind (CIK 1234567)\n  8-K filings seen: 1\n");
    vg_buf_reset(&b);
    assert_int_equal(sec->show("not json", &b), -1);
    assert_int_equal(uk->show(NULL, &b), -1);
    vg_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sec_auto_sources),
        cmocka_unit_test(test_uk_auto_sources),
        cmocka_unit_test(test_limits_declared),
        cmocka_unit_test(test_show),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
