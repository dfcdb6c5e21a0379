/* test_review — the key-account review of one account (enrich/review.c), at a fixed time:
 * a candidate with a funding round and a hiring surge is promoted, a key account hit by an
 * insolvency with nothing since is to be de-selected, an account without axis fields is
 * scored from its evidence alone; heat halves with the half-life; each says why. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "enrich/account.h"
#include "enrich/review.h"

#include <stdio.h>
#include <string.h>

#define DAY 86400000LL
/* 2026-12-01T00:00:00Z: the review's "now" */
#define NOW 1796083200000LL

static int has_line(char lines[][REVIEW_REASON_LEN], size_t n, const char *part)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(lines[i], part))
            return 1;
    return 0;
}

static struct review_config cfg(void)
{
    struct review_config c;
    enrich_review_defaults(&c);
    return c;
}

static void test_candidate_promoted_by_funding_and_hiring(void **state)
{
    (void)state;
    struct enrich_account a = {.id = "nova", .name = "Nova", .tier = "candidate", .revenue = 0.5, .margin = 0.4,
                               .growth_potential = 0.6, .strategic_fit = 0.6, .image = 0.5};
    struct review_config c = cfg();
    struct review_row r;
    assert_int_equal(enrich_review_account(&a, NULL, 0, NOW, NOW - 400 * DAY, &c, &r), 0);
    assert_int_equal(r.rec, REVIEW_KEEP);
    assert_int_equal(r.score[REVIEW_QUANTITATIVE], 50);
    assert_int_equal(r.score[REVIEW_STRATEGIC], 60);
    assert_int_equal(r.score[REVIEW_IMAGE], 50);
    assert_true(r.weighted < c.bar);
    assert_true(has_line(r.reasons, r.n_reasons, "no signal in 90 days"));

    struct review_signal s[] = {
        {"f1", "funding", 85, 0.9, 1, NOW - 3 * DAY},
        {"h1", "hiring", 60, 0.8, 1, NOW - 1 * DAY},
        {"h2", "hiring", 60, 0.8, 1, NOW - 2 * DAY},
        {"h3", "hiring", 60, 0.8, 1, NOW - 4 * DAY},
        {"h4", "hiring", 60, 0.8, 1, NOW - 5 * DAY},
        {"h5", "hiring", 60, 0.8, 1, NOW - 6 * DAY},
        {"h5", "hiring", 60, 0.8, 2, NOW - 6 * DAY}, /* an update of h5: counted once */
    };
    assert_int_equal(enrich_review_account(&a, s, 7, NOW, NOW - 400 * DAY, &c, &r), 0);
    assert_int_equal(r.rec, REVIEW_PROMOTE);
    /* 50 + funding 8 * 0.9 + hiring capped at 3 signals' worth (12) */
    assert_int_equal(r.score[REVIEW_QUANTITATIVE], 69);
    assert_true(r.weighted >= c.bar);
    assert_int_equal(r.d7_now, 6);
    assert_int_equal(r.d7_before, 0);
    assert_true(has_line(r.reasons, r.n_reasons, "meets the key-account bar 60"));
    assert_true(has_line(r.reasons, r.n_reasons, "funding x1, hiring x5"));
    assert_true(has_line(r.why[REVIEW_QUANTITATIVE], r.n_why[REVIEW_QUANTITATIVE], "funding x1 +7"));
    assert_true(has_line(r.why[REVIEW_QUANTITATIVE], r.n_why[REVIEW_QUANTITATIVE], "hiring x5 +12"));
    assert_true(has_line(r.why[REVIEW_IMAGE], r.n_why[REVIEW_IMAGE], "told by 1 further source(s) +2"));
    assert_true(r.d90_complete);
}

static void test_key_account_insolvent_deselected(void **state)
{
    (void)state;
    struct enrich_account a = {.id = "oldco", .name = "OldCo", .tier = "key", .revenue = 0.9, .margin = 0.5,
                               .growth_potential = 0.7, .strategic_fit = 0.8, .image = 0.8};
    struct review_signal s[] = {{"i1", "insolvency", 95, 0.95, 1, NOW - 120 * DAY}};
    struct review_config c = cfg();
    struct review_row r;
    assert_int_equal(enrich_review_account(&a, s, 1, NOW, NOW - 30 * DAY, &c, &r), 0);
    assert_int_equal(r.rec, REVIEW_DESELECT);
    assert_string_equal(enrich_review_rec_names[r.rec], "de-select");
    assert_true(has_line(r.reasons, r.n_reasons, "insolvency reported on 2026-08-03"));
    assert_true(has_line(r.reasons, r.n_reasons, "no signal in 90 days"));
    assert_true(has_line(r.why[REVIEW_QUANTITATIVE], r.n_why[REVIEW_QUANTITATIVE], "insolvency x1 -24"));
    assert_int_equal(r.d90_now, 0);
    assert_int_equal(r.d90_before, 1);
    assert_false(r.d90_complete); /* the data reaches back 30 days only */
    assert_int_equal(enrich_review_rank(r.rec), 0);

    /* Without the insolvency, the same account is kept. */
    assert_int_equal(enrich_review_account(&a, NULL, 0, NOW, NOW - 30 * DAY, &c, &r), 0);
    assert_int_equal(r.rec, REVIEW_KEEP);
}

static void test_key_account_under_the_bars(void **state)
{
    (void)state;
    struct enrich_account a = {.id = "dull", .name = "Dull", .tier = "key", .revenue = 0.3, .margin = 0.2,
                               .growth_potential = 0.2, .strategic_fit = 0.3, .image = 0.3};
    struct review_config c = cfg();
    struct review_row r;
    assert_int_equal(enrich_review_account(&a, NULL, 0, NOW, 0, &c, &r), 0);
    /* Under the de-selection bar, alone: watched until deselect_after (2) reviews in a row. */
    assert_int_equal(r.rec, REVIEW_WATCH);
    assert_true(r.below);
    assert_true(has_line(r.reasons, r.n_reasons,
                         "below the de-selection bar 40 in 1 of the last 1 review(s) (de-select after 2 in a row)"));
    /* The saved review before it was under the bar too: de-select. */
    int past[] = {1, 0, 1};
    enrich_review_history(past, 3, &c, &r);
    assert_int_equal(r.rec, REVIEW_DESELECT);
    assert_true(has_line(r.reasons, r.n_reasons, "below the de-selection bar 40 in 2 reviews in a row"));
    /* Above the bar, or absent, the review before breaks the run. */
    int broken[] = {0, 1}, absent[] = {-1, 1};
    assert_int_equal(enrich_review_account(&a, NULL, 0, NOW, 0, &c, &r), 0);
    enrich_review_history(broken, 2, &c, &r);
    assert_int_equal(r.rec, REVIEW_WATCH);
    assert_true(has_line(r.reasons, r.n_reasons, "in 1 of the last 2 review(s)"));
    assert_int_equal(enrich_review_account(&a, NULL, 0, NOW, 0, &c, &r), 0);
    enrich_review_history(absent, 2, &c, &r);
    assert_int_equal(r.rec, REVIEW_WATCH);
    /* deselect_after 3: two in a row are not enough; 1: at once. */
    c.deselect_after = 3;
    assert_int_equal(enrich_review_account(&a, NULL, 0, NOW, 0, &c, &r), 0);
    enrich_review_history(past, 1, &c, &r);
    assert_int_equal(r.rec, REVIEW_WATCH);
    assert_true(has_line(r.reasons, r.n_reasons, "in 2 of the last 2 review(s) (de-select after 3 in a row)"));
    c.deselect_after = 1;
    assert_int_equal(enrich_review_account(&a, NULL, 0, NOW, 0, &c, &r), 0);
    assert_int_equal(r.rec, REVIEW_DESELECT);
    assert_true(has_line(r.reasons, r.n_reasons, "under the de-selection bar 40"));
    c.deselect_after = 2;
    /* A decision recorded shows as a reason. */
    snprintf(r.decision.at, sizeof(r.decision.at), "2026-11-30T09:00:00Z");
    snprintf(r.decision.by, sizeof(r.decision.by), "claire");
    snprintf(r.decision.from, sizeof(r.decision.from), "key");
    snprintf(r.decision.to, sizeof(r.decision.to), "key");
    snprintf(r.decision.reason, sizeof(r.decision.reason), "new CFO is ours");
    enrich_review_note_decision(&r);
    assert_true(has_line(r.reasons, r.n_reasons, "tier set key -> key by claire on 2026-11-30: new CFO is ours"));
    a.strategic_fit = 0.7;
    a.image = 0.8;
    assert_int_equal(enrich_review_account(&a, NULL, 0, NOW, 0, &c, &r), 0);
    assert_int_equal(r.rec, REVIEW_WATCH);
}

static void test_no_axis_fields_evidence_only(void **state)
{
    (void)state;
    struct enrich_account a = {.id = "bare", .name = "Bare", .tier = "standard"};
    struct review_signal s[] = {{"p1", "partnership", 70, 1.0, 3, NOW - 10 * DAY}};
    struct review_config c = cfg();
    struct review_row r;
    assert_int_equal(enrich_review_account(&a, s, 1, NOW, 0, &c, &r), 0);
    assert_true(r.evidence_only);
    assert_int_equal(r.score[REVIEW_QUANTITATIVE], 50);
    assert_int_equal(r.score[REVIEW_STRATEGIC], 56);
    assert_int_equal(r.score[REVIEW_IMAGE], 58); /* partnership +4, two further sources +4 */
    for (int x = 0; x < REVIEW_AXES; x++)
        assert_true(has_line(r.why[x], r.n_why[x], "no fields: from evidence only"));
    assert_true(has_line(r.reasons, r.n_reasons, "scores from evidence only"));
    /* heat 70 * 0.5^(10/30) = 56: active, though under the bar */
    assert_int_equal(r.rec, REVIEW_WATCH);
    assert_true(has_line(r.reasons, r.n_reasons, "heat 56: active"));
}

static void test_heat_halves_with_the_half_life(void **state)
{
    (void)state;
    struct enrich_account a = {.id = "h", .name = "H", .tier = "standard"};
    struct review_config c = cfg();
    struct review_signal s[] = {{"x", "product_launch", 80, 1.0, 1, NOW - 30 * DAY}};
    struct review_row r;
    assert_int_equal(enrich_review_account(&a, s, 1, NOW, 0, &c, &r), 0);
    assert_true(r.heat > 39.99 && r.heat < 40.01);
    s[0].ms = NOW;
    assert_int_equal(enrich_review_account(&a, s, 1, NOW, 0, &c, &r), 0);
    assert_true(r.heat > 79.99 && r.heat < 80.01);
    /* A hot standard account under the bar is to be watched. */
    c.watch_heat = 60;
    assert_int_equal(enrich_review_account(&a, s, 1, NOW, 0, &c, &r), 0);
    assert_int_equal(r.rec, REVIEW_WATCH);
    /* Outside the evidence window a signal still heats (a little) but moves no score. */
    s[0].ms = NOW - 400 * DAY;
    assert_int_equal(enrich_review_account(&a, s, 1, NOW, 0, &c, &r), 0);
    assert_int_equal(r.score[REVIEW_IMAGE], 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_candidate_promoted_by_funding_and_hiring),
        cmocka_unit_test(test_key_account_insolvent_deselected),
        cmocka_unit_test(test_key_account_under_the_bars),
        cmocka_unit_test(test_no_axis_fields_evidence_only),
        cmocka_unit_test(test_heat_halves_with_the_half_life),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
