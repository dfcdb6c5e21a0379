/* test_bodacc_batches — the bodacc kind's automatic sources: the accounts' SIRENs (not retired,
 * each once), sorted, cut into batches, one source "bodacc:<n>" per batch with the records URL
 * of the batch and its SIRENs in the options; the same accounts give the same sources, and an
 * account that comes shifts the batches after its own place. */
#include "enrich/account.h"
#include "fetchers/kind.h"
#include "util/vg_alloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static const struct source_kind *bodacc(void)
{
    const struct source_kind *k = source_kind_find("bodacc");
    assert_non_null(k);
    assert_non_null(k->auto_sources);
    return k;
}

static struct enrich_account_set *accounts(const char *json)
{
    struct enrich_account_set *set = NULL;
    char err[256] = "";
    if (enrich_accounts_parse(json, strlen(json), &set, err, sizeof(err)) != 0)
        fail_msg("accounts: %s", err);
    return set;
}

static const char ACCOUNTS[] =
    "[{\"id\": \"omega\", \"name\": \"Omega\", \"siren\": \"444555666\"},"
    " {\"id\": \"acme\", \"name\": \"Acme\", \"identifiers\": {\"siren\": \"123 456 789\"}},"
    " {\"id\": \"old\", \"name\": \"Old Co\", \"siren\": \"222333444\", \"retired\": \"2026-01-05T00:00:00Z\"},"
    " {\"id\": \"nosiren\", \"name\": \"No Siren\", \"domains\": [\"nosiren.example\"]},"
    " {\"id\": \"beta\", \"name\": \"Beta\", \"siren\": \"987654321\"},"
    " {\"id\": \"acme-bis\", \"name\": \"Acme Holding\", \"siren\": \"123456789\"},"
    " {\"id\": \"gamma\", \"name\": \"Gamma\", \"siren\": \"111222333\"}]";

static void test_sorted_batches(void **state)
{
    (void)state;
    struct enrich_account_set *set = accounts(ACCOUNTS);
    struct kind_auto_settings s = {.base_url = "http://127.0.0.1:8080", .interval_ms = 0, .batch = 2};
    struct kind_auto_source *v = NULL;
    size_t n = 0;
    assert_int_equal(bodacc()->auto_sources(set, &s, &v, &n), 0);
    /* 111222333 123456789 | 444555666 987654321: retired, siren-less and repeated ones left out */
    assert_int_equal(n, 2);
    assert_string_equal(v[0].id, "bodacc:1");
    assert_string_equal(v[1].id, "bodacc:2");
    assert_null(v[0].account_id);
    assert_string_equal(v[0].options, "{\"sirens\":[\"111222333\",\"123456789\"]}");
    assert_string_equal(v[1].options, "{\"sirens\":[\"444555666\",\"987654321\"]}");
    assert_string_equal(v[0].url,
                        "http://127.0.0.1:8080/api/explore/v2.1/catalog/datasets/annonces-commerciales/records"
                        "?where=search%28registre%2C%20%22111222333%22%29%20OR%20search%28registre%2C%20%22123456789%22%29"
                        "&order_by=dateparution%20desc&limit=100");
    /* every source the kind makes is one the kind accepts */
    for (size_t i = 0; i < n; i++) {
        char err[256] = "";
        assert_int_equal(bodacc()->check_options(v[i].options, err, sizeof(err)), 0);
    }
    kind_auto_sources_free(v, n);
    enrich_account_set_free(set);
}

static void test_stable_and_shifting(void **state)
{
    (void)state;
    struct kind_auto_settings s = {.base_url = "https://bodacc.example", .batch = 2};
    struct enrich_account_set *a = accounts(ACCOUNTS), *b = accounts(ACCOUNTS);
    struct kind_auto_source *va, *vb;
    size_t na, nb;
    assert_int_equal(bodacc()->auto_sources(a, &s, &va, &na), 0);
    assert_int_equal(bodacc()->auto_sources(b, &s, &vb, &nb), 0);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_string_equal(va[i].id, vb[i].id);
        assert_string_equal(va[i].url, vb[i].url);
        assert_string_equal(va[i].options, vb[i].options);
    }
    kind_auto_sources_free(vb, nb);
    enrich_account_set_free(b);

    /* a new account sorted between the first two: batch 1 changes, the rest shift, a third appears */
    char more[sizeof(ACCOUNTS) + 128];
    snprintf(more, sizeof(more), "%.*s, {\"id\": \"new\", \"name\": \"New\", \"siren\": \"120000000\"}]",
             (int)strlen(ACCOUNTS) - 1, ACCOUNTS);
    b = accounts(more);
    assert_int_equal(bodacc()->auto_sources(b, &s, &vb, &nb), 0);
    assert_int_equal(nb, 3);
    assert_string_equal(vb[0].options, "{\"sirens\":[\"111222333\",\"120000000\"]}");
    assert_string_equal(vb[1].options, "{\"sirens\":[\"123456789\",\"444555666\"]}");
    assert_string_equal(vb[2].id, "bodacc:3");
    assert_string_equal(vb[2].options, "{\"sirens\":[\"987654321\"]}");
    kind_auto_sources_free(va, na);
    kind_auto_sources_free(vb, nb);
    enrich_account_set_free(a);
    enrich_account_set_free(b);
}

static void test_defaults_and_nothing(void **state)
{
    (void)state;
    struct enrich_account_set *set = accounts(ACCOUNTS);
    struct kind_auto_settings s = {0}; /* no base, no batch: the kind's defaults */
    struct kind_auto_source *v = NULL;
    size_t n = 9;
    assert_int_equal(bodacc()->auto_sources(set, &s, &v, &n), 0);
    assert_int_equal(n, 1); /* 4 sirens, batches of 50 */
    assert_int_equal(bodacc()->default_batch, 50);
    assert_true(strncmp(v[0].url, "https://bodacc-datadila.opendatasoft.com/api/", 45) == 0);
    kind_auto_sources_free(v, n);
    enrich_account_set_free(set);

    set = accounts("[{\"id\": \"x\", \"name\": \"X\"}]");
    v = NULL;
    n = 9;
    assert_int_equal(bodacc()->auto_sources(set, &s, &v, &n), 0);
    assert_int_equal(n, 0);
    assert_null(v);
    enrich_account_set_free(set);
}

static void test_descriptor(void **state)
{
    (void)state;
    const struct source_kind *k = bodacc();
    assert_int_equal(k->budget_limit, 5);
    assert_int_equal(k->budget_window_ms, 1000);
    assert_int_equal(k->default_interval_ms, 6LL * 3600 * 1000);
    assert_string_equal(k->default_url, "https://bodacc-datadila.opendatasoft.com");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sorted_batches),
        cmocka_unit_test(test_stable_and_shifting),
        cmocka_unit_test(test_defaults_and_nothing),
        cmocka_unit_test(test_descriptor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
