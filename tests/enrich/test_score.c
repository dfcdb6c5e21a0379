/* test_score — signal priority, signal ids and story keys: what an account
 * manager would notice (fresher, surer, bigger-account signals rank higher; the same story
 * gets the same id from any feed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/vg_alloc.h"
#include "enrich/score.h"

#include <math.h>
#include <string.h>

static struct enrich_score_input base(void)
{
    struct enrich_score_input in = {
        .type_weight = 75, .confidence = 0.9, .age_days = 0, .source_reliability = 0.9,
        .tier = "key", .revenue = 2e6, .margin = 0.2, .growth_potential = 0.6,
        .strategic_fit = 0.8, .image = 0.9,
    };
    return in;
}

static void test_priority_factors(void **state)
{
    (void)state;
    struct enrich_score_input in = base();
    int p = enrich_priority(&in);
    assert_true(p > 40 && p <= 100);

    struct enrich_score_input older = base();
    older.age_days = 14;
    assert_true(enrich_priority(&older) < p);
    older.age_days = 365;
    assert_true(enrich_priority(&older) > 0); /* old news still counts a little */

    struct enrich_score_input unsure = base();
    unsure.confidence = 0.5;
    assert_true(enrich_priority(&unsure) < p);

    struct enrich_score_input weak_type = base();
    weak_type.type_weight = 35;
    assert_true(enrich_priority(&weak_type) < p);

    struct enrich_score_input blog = base();
    blog.source_reliability = 0.2;
    assert_true(enrich_priority(&blog) < p);

    struct enrich_score_input standard = base();
    standard.tier = "standard";
    struct enrich_score_input candidate = base();
    candidate.tier = "candidate";
    assert_true(enrich_priority(&standard) < enrich_priority(&candidate));
    assert_true(enrich_priority(&candidate) < p);

    struct enrich_score_input small = base();
    small.revenue = 5e3;
    small.strategic_fit = 0.1;
    small.image = 0.1;
    assert_true(enrich_priority(&small) < p);

    /* bounds */
    struct enrich_score_input max = {.type_weight = 100, .confidence = 1, .source_reliability = 1,
                                     .tier = "key", .revenue = 1e9, .margin = 0.5,
                                     .growth_potential = 1, .strategic_fit = 1, .image = 1};
    assert_int_equal(enrich_priority(&max), 100);
    struct enrich_score_input silly = {.type_weight = 1000, .confidence = 7, .age_days = -5,
                                       .source_reliability = 3};
    int ps = enrich_priority(&silly);
    assert_true(ps >= 0 && ps <= 100);
    struct enrich_score_input zero = {0};
    assert_int_equal(enrich_priority(&zero), 0);
}

static void test_account_weight(void **state)
{
    (void)state;
    /* absent axes are neutral, not bad */
    double none = enrich_account_weight("key", 0, 0, 0, 0, 0);
    double weak = enrich_account_weight("key", 1000, 0.01, 0.1, 0.1, 0.1);
    double strong = enrich_account_weight("key", 5e7, 0.3, 1, 1, 1);
    assert_true(weak < none && none < strong);
    assert_true(fabs(strong - 1.0) < 1e-9);
    assert_true(enrich_account_weight(NULL, 0, 0, 0, 0, 0) < none);
}

static void test_signal_ids(void **state)
{
    (void)state;
    char a[33], b[33], c[33], d[33], e[33];
    enrich_signal_id("renault", "renault rachete x", "acquisition", a);
    enrich_signal_id("renault", "renault rachete x", "acquisition", b);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), 32);
    assert_int_equal(strspn(a, "0123456789abcdef"), 32);
    enrich_signal_id("renault", "renault rachete x", "funding", c);
    enrich_signal_id("orange", "renault rachete x", "acquisition", d);
    /* field boundaries matter: ("ab","c") is not ("a","bc") */
    enrich_signal_id("renaul", "trenault rachete x", "acquisition", e);
    assert_string_not_equal(a, c);
    assert_string_not_equal(a, d);
    assert_string_not_equal(a, e);
    char n1[33], n2[33];
    enrich_signal_id(NULL, "k", "t", n1);
    enrich_signal_id("", "k", "t", n2);
    assert_string_equal(n1, n2);
}

static void test_story_key(void **state)
{
    (void)state;
    char *k1 = enrich_story_key("L’Oréal rachète Aesop pour 2,5 Md$ !");
    char *k2 = enrich_story_key("  l'oreal   RACHETE aesop pour 2.5 md$");
    assert_non_null(k1);
    assert_string_equal(k1, "l oreal rachete aesop pour 2 5 md");
    assert_string_equal(k1, k2);
    vg_free(k1);
    vg_free(k2);
}

static void test_parse_time(void **state)
{
    (void)state;
    double t;
    assert_int_equal(enrich_parse_time("2004-01-01T00:00:00Z", &t), 0);
    assert_true(fabs(t - 1072915200.0) < 1e-6);
    assert_int_equal(enrich_parse_time("2004-01-01T02:00:00+02:00", &t), 0);
    assert_true(fabs(t - 1072915200.0) < 1e-6);
    assert_int_equal(enrich_parse_time("2004-01-01T00:00:00.250Z", &t), 0);
    assert_int_equal(enrich_parse_time("2004-13-01T00:00:00Z", &t), -1);
    assert_int_equal(enrich_parse_time("yesterday", &t), -1);
    assert_int_equal(enrich_parse_time(NULL, &t), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_priority_factors),
        cmocka_unit_test(test_account_weight),
        cmocka_unit_test(test_signal_ids),
        cmocka_unit_test(test_story_key),
        cmocka_unit_test(test_parse_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
