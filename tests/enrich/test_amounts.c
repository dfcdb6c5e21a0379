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

/* Every amount `text` names, in order: `want` holds value/currency pairs ended by a NULL code. */
struct want { double value; const char *cur; };

static void expect_all(const char *text, const char *lang, const struct want *want)
{
    struct enrich_amount a[8];
    size_t n = scan(text, lang, a, 8), nw = 0;
    while (want[nw].cur)
        nw++;
    if (n != nw)
        fail_msg("'%s': %zu amounts, expected %zu", text, n, nw);
    for (size_t i = 0; i < n; i++)
        if (fabs(a[i].value - want[i].value) > 1e-6 * want[i].value ||
            strcmp(a[i].currency, want[i].cur) != 0)
            fail_msg("'%s': amount %zu is %.2f %s, expected %.2f %s", text, i, a[i].value,
                     a[i].currency, want[i].value, want[i].cur);
}

/* A range names both of its bounds, each with the scale and currency written once for both
 * ("entre 10 et 15 millions d'euros" is 10 M€ and 15 M€, as "between €10m and €15m" is). */
static void test_ranges(void **state)
{
    (void)state;
    static const struct want m10_15[] = {{10e6, "EUR"}, {15e6, "EUR"}, {0, NULL}};
    expect_all("la société lève entre 10 et 15 millions d'euros", "fr", m10_15);
    expect_all("un tour de 10-15 M€", "fr", m10_15);
    expect_all("un tour de 10 à 15 M€ auprès de fonds", "fr", m10_15);
    expect_all("de 10 à 15 millions d’euros", "fr", m10_15);
    expect_all("raised between €10m and €15m", "en", m10_15);
    expect_all("between 10 and 15 million euros", "en", m10_15);
    expect_all("a 10\xe2\x80\x93" "15 million euro round", "en", m10_15);   /* en dash */
    static const struct want usd2_3[] = {{2e9, "USD"}, {3e9, "USD"}, {0, NULL}};
    expect_all("a $2-3bn deal", "en", usd2_3);
    expect_all("a $2bn-$3bn deal", "en", usd2_3);
    expect_all("valued at $2 billion to $3 billion", "en", usd2_3);
    static const struct want mixed[] = {{500e6, "EUR"}, {1e9, "EUR"}, {0, NULL}};
    expect_all("entre 500 millions et 1 milliard d'euros", "fr", mixed);
    /* not ranges: years and counts stay out */
    static const struct want one[] = {{15e6, "EUR"}, {0, NULL}};
    expect_all("en 2023-2024, la société a levé 15 M€", "fr", one);
    expect_all("10 à 15 millions de clients, et 15 M€ levés", "fr", one);
}

/* Hedges before a number do not change it. */
static void test_hedges(void **state)
{
    (void)state;
    expect_one("près de 6 milliards d'euros", "fr", 6e9, "EUR");
    expect_one("plus de 200 millions d'euros", "fr", 200e6, "EUR");
    expect_one("plus d'1 milliard d'euros", "fr", 1e9, "EUR");
    expect_one("environ 150 millions de dollars", "fr", 150e6, "USD");
    expect_one("quelque 300 millions d'euros", "fr", 300e6, "EUR");
    expect_one("over $1bn in new money", "en", 1e9, "USD");
    expect_one("nearly $2.5bn", "en", 2.5e9, "USD");
    expect_one("up to $4bn", "en", 4e9, "USD");
    expect_one("jusqu'à 40 M€", "fr", 40e6, "EUR");
}

/* Scales and currencies as the press abbreviates them. */
static void test_abbreviations(void **state)
{
    (void)state;
    expect_one("€3.5mn", "en", 3.5e6, "EUR");
    expect_one("$1.2 bln", "en", 1.2e9, "USD");
    expect_one("$1.2bln", "en", 1.2e9, "USD");
    expect_one("3,5 Mds€", "fr", 3.5e9, "EUR");
    expect_one("3,5 mds d'euros", "fr", 3.5e9, "EUR");
    expect_one("3,5 Mrd €", "fr", 3.5e9, "EUR");
    expect_one("12 M$", "fr", 12e6, "USD");
    expect_one("12 M $", "fr", 12e6, "USD");
    expect_one("500 K€", "fr", 500e3, "EUR");
    expect_one("EUR200m", "en", 200e6, "EUR");
    expect_one("USD1.5bn", "en", 1.5e9, "USD");
    expect_one("CHF 200 million", "en", 200e6, "CHF");
    expect_one("US$200 million", "en", 200e6, "USD");
    expect_one("200 millions de $", "fr", 200e6, "USD");
    expect_one("a 170 billion real settlement", "en", 170e9, "BRL");
    expect_one("1,5 milliard d\xe2\x80\x99" "euros", "fr", 1.5e9, "EUR");
    expect_one("1\xe2\x80\xaf" "500\xe2\x80\xaf" "000\xc2\xa0€", "fr", 1.5e6, "EUR"); /* narrow nbsp */
    expect_one("1\xe2\x80\x89" "500\xe2\x80\x89" "000 euros", "fr", 1.5e6, "EUR");   /* thin space */
}

/* Amounts written in words. */
static void test_words(void **state)
{
    (void)state;
    expect_one("un milliard d'euros", "fr", 1e9, "EUR");
    expect_one("plus d'un milliard d'euros", "fr", 1e9, "EUR");
    expect_one("deux milliards d'euros", "fr", 2e9, "EUR");
    expect_one("trois millions d'euros", "fr", 3e6, "EUR");
    expect_one("un demi-milliard d'euros", "fr", 0.5e9, "EUR");
    expect_one("un milliard et demi d'euros", "fr", 1.5e9, "EUR");
    expect_one("a billion dollars", "en", 1e9, "USD");
    expect_one("half a billion dollars", "en", 0.5e9, "USD");
    expect_one("one billion euros", "en", 1e9, "EUR");
    expect_one("two million pounds", "en", 2e6, "GBP");
    expect_one("a $1 billion deal", "en", 1e9, "USD");
    struct enrich_amount a[4];
    static const char *const texts[] = {
        "un million de visiteurs", "a billion users", "deux milliards d'habitants",
        "one of the million reasons", "un des milliards",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        if (scan(texts[i], "fr", a, 4) != 0)
            fail_msg("'%s' is not an amount, got %.2f %s", texts[i], a[0].value, a[0].currency);
}

/* A scaled number with no currency of its own is money when the text says so (a raise, a
 * price, revenue): it takes the currency of the text's other amounts, else the euro in
 * French. Counts of people or things stay out. */
static void test_bare_scaled(void **state)
{
    (void)state;
    expect_one("Mistral lève 600 millions", "fr", 600e6, "EUR");
    expect_one("Mistral lève 600 millions auprès de fonds américains", "fr", 600e6, "EUR");
    static const struct want two[] = {{600e6, "USD"}, {640e6, "USD"}, {0, NULL}};
    expect_all("X lève 600 millions. Le tour de 640 millions de dollars", "fr", two);
    struct enrich_amount a[4];
    static const char *const texts[] = {
        "Mistral lève 600 millions d'utilisateurs", "la ville compte 2 millions d'habitants",
        "le groupe emploie 3 millions de personnes", "raised 600 million",
        "bought for a million-dollar house", "for a billion users",
        "un contrat pour 3 millions de masques",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        if (scan(texts[i], i == 3 || i == 4 || i == 5 ? "en" : "fr", a, 4) != 0)
            fail_msg("'%s' is not an amount, got %.2f %s", texts[i], a[0].value, a[0].currency);
}

/* What each amount measures: a company's size, its results, or the deal's own money. */
static void test_kinds(void **state)
{
    (void)state;
    struct enrich_amount a[8];
    size_t n = scan("Le groupe, qui réalise 2 milliards d'euros de chiffre d'affaires, lève 50 "
                    "millions d'euros", "fr", a, 8);
    assert_int_equal(n, 2);
    assert_int_equal(a[0].kind, ENRICH_AMOUNT_REVENUE);
    assert_int_equal(a[1].kind, ENRICH_AMOUNT_DEAL);
    n = scan("Acme, which has annual revenue of $2bn, agreed to buy Brightpay for $170m; net "
             "profit of $53 million; a market capitalisation of $3 billion", "en", a, 8);
    assert_int_equal(n, 4);
    assert_int_equal(a[0].kind, ENRICH_AMOUNT_REVENUE);
    assert_int_equal(a[1].kind, ENRICH_AMOUNT_DEAL);
    assert_int_equal(a[2].kind, ENRICH_AMOUNT_RESULT);
    assert_int_equal(a[3].kind, ENRICH_AMOUNT_REVENUE);
    n = scan("La levée valorise la jeune pousse à près de 6 milliards d'euros", "fr", a, 8);
    assert_int_equal(n, 1);
    assert_int_equal(a[0].kind, ENRICH_AMOUNT_DEAL);
}

/* The press's fused and regional forms: a scale and a currency in one word, the Indian
 * crore and lakh, a hyphenated "4.4-billion-dollar". */
static void test_fused_forms(void **state)
{
    (void)state;
    expect_one("un chiffre d'affaires de 3 412 ME", "fr", 3412e6, "EUR");
    expect_one("un résultat de 12,5 MEUR", "fr", 12.5e6, "EUR");
    expect_one("un carnet de 2,4 MdEUR", "fr", 2.4e9, "EUR");
    expect_one("une subvention de 850 KEUR", "fr", 850e3, "EUR");
    expect_one("un contrat de 150 MUSD", "fr", 150e6, "USD");
    expect_one("an order worth Rs 250 crore", "en", 2.5e9, "INR");
    expect_one("a loan of Rs. 40 lakh", "en", 4e6, "INR");
    expect_one("a 2.5-billion-euro deal", "en", 2.5e9, "EUR");
    expect_one("a $300-million plant", "en", 300e6, "USD");
    struct enrich_amount a[4];
    if (scan("tell 2 me more", "en", a, 4) != 0)
        fail_msg("'me' is a word in English");
}

/* Whole numbers in words before a spelled-out scale. */
static void test_compound_words(void **state)
{
    (void)state;
    expect_one("deux cent cinquante millions d'euros", "fr", 250e6, "EUR");
    expect_one("trois cents millions d'euros", "fr", 300e6, "EUR");
    expect_one("quatre-vingts millions d'euros", "fr", 80e6, "EUR");
    expect_one("soixante-dix millions de dollars", "fr", 70e6, "USD");
    expect_one("vingt et un millions d'euros", "fr", 21e6, "EUR");
    expect_one("twenty-five million dollars", "en", 25e6, "USD");
    expect_one("three hundred and fifty million pounds", "en", 350e6, "GBP");
    expect_one("a hundred million euros", "en", 100e6, "EUR");
    struct enrich_amount a[4];
    static const char *const texts[] = {
        "trois cents millions de visiteurs", "cinq ans plus tard", "one of two million users",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        if (scan(texts[i], "fr", a, 4) != 0)
            fail_msg("'%s' is not an amount, got %.2f %s", texts[i], a[0].value, a[0].currency);
}

/* A bare part named right after an amount takes its currency; a year is no range bound; a
 * sum in cents is a hundredth. */
static void test_links(void **state)
{
    (void)state;
    static const struct want part[] = {{500e6, "USD"}, {120e6, "USD"}, {0, NULL}};
    expect_all("un prix de 500 millions de dollars, dont 120 millions pour la filiale", "fr", part);
    static const struct want part_en[] = {{40e6, "GBP"}, {10e6, "GBP"}, {0, NULL}};
    expect_all("raised £40m, of which 10 million from its founders", "en", part_en);
    static const struct want not_part[] = {{1e9, "EUR"}, {0, NULL}};
    expect_all("1 milliard d'euros et 3 millions de clients", "fr", not_part);
    static const struct want after_year[] = {{812.5e6, "EUR"}, {0, NULL}};
    expect_all("au 2e trimestre 2024 à 812,5 ME", "fr", after_year);
    static const struct want change[] = {{12e6, "EUR"}, {10e6, "EUR"}, {0, NULL}};
    expect_all("le budget passe de 12 à 10 M€", "fr", change);
    expect_one("13 euro cents per share", "en", 0.13, "EUR");
}

/* The price of one thing: written without a scale and under 10,000; a dividend per share is a
 * result. Orders taken over a period and a market measure a size, one order or a "marché" (a
 * contract) is a deal; an earlier round is named as such. */
static void test_unit_kinds(void **state)
{
    (void)state;
    static const struct { const char *text, *lang; int kind; } cases[] = {
        {"l'action gagne 3 %, à 4,15 €", "fr", ENRICH_AMOUNT_UNIT},
        {"priced at $49 per month", "en", ENRICH_AMOUNT_UNIT},
        {"an offer of $34.10 per share", "en", ENRICH_AMOUNT_UNIT},
        {"a phone priced at Rs 15,999", "en", ENRICH_AMOUNT_UNIT},
        {"a console at 49,980 yen", "en", ENRICH_AMOUNT_UNIT},
        {"un dividende de 1,20 euro par action", "fr", ENRICH_AMOUNT_RESULT},
        {"a dividend of €2 per share", "en", ENRICH_AMOUNT_RESULT},
        {"une amende de 400 000 euros", "fr", ENRICH_AMOUNT_DEAL},
        {"vise 2 Md€ de commandes", "fr", ENRICH_AMOUNT_REVENUE},
        {"les prises de commandes atteignent 9,1 milliards d'euros", "fr", ENRICH_AMOUNT_REVENUE},
        {"une commande de 40 M€", "fr", ENRICH_AMOUNT_DEAL},
        {"the global drone market is expected to reach $40 billion", "en",
         ENRICH_AMOUNT_REVENUE},
        {"the $30bn cloud market", "en", ENRICH_AMOUNT_REVENUE},
        {"un marché mondial estimé à 30 milliards d'euros", "fr", ENRICH_AMOUNT_REVENUE},
        {"ce marché de 700 millions d'euros", "fr", ENRICH_AMOUNT_DEAL},
        {"après un premier tour de 5 M€", "fr", ENRICH_AMOUNT_EARLIER},
        {"following a $10m seed round", "en", ENRICH_AMOUNT_EARLIER},
        {"after agreeing to buy Omni for $3.4bn", "en", ENRICH_AMOUNT_DEAL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct enrich_amount a[4];
        size_t n = scan(cases[i].text, cases[i].lang, a, 4);
        if (n != 1 || a[0].kind != cases[i].kind)
            fail_msg("'%s': %zu amounts, kind %d, expected one of kind %d", cases[i].text, n,
                     n ? a[0].kind : -1, cases[i].kind);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_brief_examples),
        cmocka_unit_test(test_more_forms),
        cmocka_unit_test(test_not_money),
        cmocka_unit_test(test_several_and_bounded),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_hedges),
        cmocka_unit_test(test_abbreviations),
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_bare_scaled),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_fused_forms),
        cmocka_unit_test(test_compound_words),
        cmocka_unit_test(test_links),
        cmocka_unit_test(test_unit_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
