/* test_amounts — money amounts as a reader of French and English business news reads them:
 * scale words and symbols, decimal commas and points by language, currencies written before
 * or after, and numbers that are not money. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "enrich/amount.h"
#include "enrich/text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Scans `text` as the pipeline does (folded, lower-cased). */
static size_t scan(const char *text, const char *lang, struct enrich_amount *out, size_t max)
{
    struct enrich_text t;
    assert_int_equal(enrich_text_fold(text, strlen(text), &t), 0);
    size_t n = enrich_amounts_scan(t.l, t.len, lang, out, max);
    enrich_text_release(&t);
    return n;
}

static void expect_one(const char *text, const char *lang, double value, const char *cur)
{
    struct enrich_amount a[8];
    size_t n = scan(text, lang, a, 8);
    if (n != 1)
        fail_msg("'%s': %zu amounts, expected 1", text, n);
    if (fabs(a[0].value - value) > 1e-6 * value || strcmp(a[0].currency, cur) != 0)
        fail_msg("'%s': got %.2f %s, expected %.2f %s", text, a[0].value, a[0].currency, value, cur);
}

static void test_brief_examples(void **state)
{
    (void)state;
    expect_one("une levée de 12 M€", "fr", 12e6, "EUR");
    expect_one("12 millions d'euros", "fr", 12e6, "EUR");
    expect_one("12 millions d’euros", "fr", 12e6, "EUR");      /* typographic apostrophe */
    expect_one("1,5 milliard d'euros", "fr", 1.5e9, "EUR");
    expect_one("3,5 Md€ de chiffre d'affaires", "fr", 3.5e9, "EUR");
    expect_one("a $3.5bn deal", "en", 3.5e9, "USD");
    expect_one("for £20m", "en", 20e6, "GBP");
    expect_one("raised USD 40 million", "en", 40e6, "USD");
    expect_one("secured CHF 5 Mio. in bridge financing", "en", 5e6, "CHF");
}

static void test_more_forms(void **state)
{
    (void)state;
    expect_one("20 000 euros", "fr", 20000, "EUR");
    expect_one("20\xc2\xa0" "000\xc2\xa0€", "fr", 20000, "EUR");    /* non-breaking spaces */
    expect_one("1 500 000 €", "fr", 1.5e6, "EUR");
    expect_one("500 k€", "fr", 500e3, "EUR");
    expect_one("$500,000 in damages", "en", 500000, "USD");
    expect_one("€1.2 billion", "en", 1.2e9, "EUR");
    expect_one("1.2 billion euros", "en", 1.2e9, "EUR");
    expect_one("1,3 milliard de dollars canadiens", "fr", 1.3e9, "CAD");
    expect_one("600 millions de francs suisses", "fr", 600e6, "CHF");
    expect_one("1,27 milliard de livres sterling", "fr", 1.27e9, "GBP");
    expect_one("US$ 3bn", "en", 3e9, "USD");
    expect_one("un dividende de 1,48 euro par action", "fr", 1.48, "EUR");
    expect_one("$1.5 trillion", "en", 1.5e12, "USD");
    expect_one("1,250 milliard d'euros", "fr", 1.25e9, "EUR");  /* comma + 3 digits, fr */
    expect_one("EUR 1,250 million", "en", 1.25e9, "EUR");       /* en: thousands separator */
    expect_one("1.234,5 €", "de", 1234.5, "EUR");
}

static void test_not_money(void **state)
{
    (void)state;
    struct enrich_amount a[8];
    static const char *const texts[] = {
        "12 millions de clients", "a 12% rise", "in 2023 the group", "5 m de hauteur",
        "Q3 2024 results", "up 4,3 % on the year", "150 A320neo aircraft", "le 1er juillet",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        if (scan(texts[i], "fr", a, 8) != 0)
            fail_msg("'%s' is not an amount, got %.2f %s", texts[i], a[0].value, a[0].currency);
}

static void test_several_and_bounded(void **state)
{
    (void)state;
    struct enrich_amount a[4];
    size_t n = scan("Revenue of €8 billion, net profit of €53 million, dividend of €1 per share "
                    "and $2m, $3m, $4m", "en", a, 4);
    assert_int_equal(n, 4);  /* at most `max` written */
    assert_true(fabs(a[0].value - 8e9) < 1);
    assert_true(fabs(a[1].value - 53e6) < 1);
    assert_true(fabs(a[2].value - 1) < 1e-9);
    char big[20000];
    for (size_t i = 0; i < sizeof(big) - 1; i++)
        big[i] = "9,9.9 $"[i % 7];
    big[sizeof(big) - 1] = '\0';
    struct enrich_amount many[64];
    n = scan(big, "en", many, 64);
    assert_true(n <= 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_brief_examples),
        cmocka_unit_test(test_more_forms),
        cmocka_unit_test(test_not_money),
        cmocka_unit_test(test_several_and_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
