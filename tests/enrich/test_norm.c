/* test_norm — text normalisation, name stripping, tokens and the word tables.
 *
 * These are the equalities the matcher relies on: the spellings a reader takes for the same
 * company must normalise to the same bytes, and offsets must lead back to the original text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/vg_alloc.h"
#include "enrich/norm.h"

static char *norm(const char *s)
{
    size_t n;
    char *out = enrich_norm(s, strlen(s), NULL, &n);
    assert_non_null(out);
    assert_int_equal(strlen(out), n);
    return out;
}

#define ASSERT_NORM(in, want)              \
    do {                                   \
        char *got_ = norm(in);             \
        assert_string_equal(got_, (want)); \
        vg_free(got_);                     \
    } while (0)

static void test_accents_case_apostrophes(void **state)
{
    (void)state;
    ASSERT_NORM("L’Oréal", "l oreal");
    ASSERT_NORM("L'OREAL", "l oreal");
    ASSERT_NORM("l'oréal", "l oreal");
    ASSERT_NORM("Saint-Gobain", "saint gobain");
    ASSERT_NORM("Saint Gobain", "saint gobain");
    ASSERT_NORM("SOCIÉTÉ GÉNÉRALE", "societe generale");
    ASSERT_NORM("Hermès", "hermes");
    ASSERT_NORM("Nestlé S.A.", "nestle s.a");
}

static void test_compatibility_forms(void **state)
{
    (void)state;
    ASSERT_NORM("Ｔｏｔａｌ", "total");        /* full-width */
    ASSERT_NORM("ﬁnance", "finance");          /* ligature */
    ASSERT_NORM("Straße", "strasse");
    ASSERT_NORM("Œuvre cœur", "oeuvre coeur");
    /* A combining accent (e + U+0301) is dropped like a precomposed one. */
    ASSERT_NORM("Cre\xcc\x81" "dit", "credit");
}

static void test_whitespace_punctuation(void **state)
{
    (void)state;
    ASSERT_NORM("  Orange \t SA\n\n", "orange sa");
    ASSERT_NORM("«Total», (Engie)!", "total engie");
    ASSERT_NORM("", "");
    ASSERT_NORM("... --- ???", "");
    /* Domains and "AT&T" stay one token; a full stop after a word does not join. */
    ASSERT_NORM("Voir www.Orange.com. Fin", "voir www.orange.com fin");
    ASSERT_NORM("AT&T and Ben & Jerry's", "at&t and ben jerry s");
    ASSERT_NORM("presse@orange.com", "presse@orange.com");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    const char bad[] = "\xff\xfe" "Orange\xc3" " SA\xe2\x82";
    size_t n;
    char *out = enrich_norm(bad, sizeof(bad) - 1, NULL, &n);
    assert_non_null(out);
    assert_string_equal(out, "orange sa");
    vg_free(out);
}

static void test_map_leads_to_original(void **state)
{
    (void)state;
    const char *text = "Chez L’Oréal, rien.";
    size_t *map, n;
    char *out = enrich_norm(text, strlen(text), &map, &n);
    assert_non_null(out);
    assert_string_equal(out, "chez l oreal rien");
    const char *p = strstr(out, "oreal");
    size_t i = (size_t)(p - out), s, e;
    enrich_norm_span(text, strlen(text), map, i, i + 5, &s, &e);
    assert_int_equal(e - s, strlen("Oréal"));
    assert_memory_equal(text + s, "Oréal", e - s);
    assert_int_equal(map[n], strlen(text));
    vg_free(out);
    vg_free(map);
}

static void test_name_stripping(void **state)
{
    (void)state;
    struct { const char *in, *want; } cases[] = {
        {"Orange SA", "orange"},
        {"Compagnie de Saint-Gobain SA", "saint gobain"},
        {"The Sage Group plc", "sage"},
        {"Groupe SEB", "seb"},
        {"Groupe Danone", "danone"},
        {"Siemens AG", "siemens"},
        {"Amazon.com, Inc.", "amazon.com"},
        {"Nestlé S.A.", "nestle"},
        {"Hermès International SCA", "hermes international"},
        {"Publicis Groupe SA", "publicis"},
        /* The lead word stays when only an everyday word would be left. */
        {"Société Générale SA", "societe generale"},
        /* Never empty: a name made only of legal forms stays whole. */
        {"SA", "sa"},
        {"Holding SAS", "holding"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = enrich_norm_name(cases[i].in, strlen(cases[i].in));
        assert_non_null(got);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("enrich_norm_name(\"%s\") = \"%s\", want \"%s\"", cases[i].in, got, cases[i].want);
        vg_free(got);
    }
}

static void test_token_flags(void **state)
{
    (void)state;
    const char *text = "Orange a signé. Le groupe SEB vend $AAPL\nnouvelle ligne";
    struct enrich_toks t = {0};
    assert_int_equal(enrich_tokenize(text, strlen(text), &t), 0);
    assert_int_equal(t.n, 10);
    /* orange: capital, first of the text */
    assert_true(t.v[0].flags & ENRICH_TOK_CAP);
    assert_true(t.v[0].flags & ENRICH_TOK_SENT);
    assert_false(t.v[1].flags & ENRICH_TOK_SENT);
    /* "Le" starts a sentence after the full stop */
    assert_true(t.v[3].flags & ENRICH_TOK_SENT);
    /* SEB is an acronym, not a sentence start */
    assert_true(t.v[5].flags & ENRICH_TOK_ALLCAPS);
    assert_false(t.v[5].flags & ENRICH_TOK_SENT);
    assert_false(t.v[5].flags & ENRICH_TOK_LOWER);
    /* $AAPL */
    assert_true(t.v[7].flags & ENRICH_TOK_DOLLAR);
    assert_memory_equal(text + t.v[7].start, "AAPL", 4);
    /* a line break starts a sentence */
    assert_true(t.v[8].flags & ENRICH_TOK_SENT);
    assert_int_equal(t.v[2].hash, enrich_token_hash("signe", 5));
    assert_memory_equal(t.buf + t.v[2].off, "signe", 5);
    assert_memory_equal(text + t.v[2].start, "signé", t.v[2].end - t.v[2].start);
    /* Acronyms with digits count as capitals; numbers and single letters do not. */
    const char *t2 = "3M et 2024 A";
    assert_int_equal(enrich_tokenize(t2, strlen(t2), &t), 0);
    assert_int_equal(t.n, 4);
    assert_true(t.v[0].flags & ENRICH_TOK_ALLCAPS);
    assert_false(t.v[2].flags & ENRICH_TOK_ALLCAPS);
    assert_false(t.v[3].flags & ENRICH_TOK_ALLCAPS);
    enrich_toks_free(&t);
}

static void check_sorted(const char *const *v, size_t n, const char *what)
{
    for (size_t i = 1; i < n; i++)
        if (strcmp(v[i - 1], v[i]) >= 0)
            fail_msg("%s table out of order at \"%s\" / \"%s\"", what, v[i - 1], v[i]);
}

static void test_tables(void **state)
{
    (void)state;
    size_t n;
    const char *const *cw = enrich_common_words_table(&n);
    assert_true(n >= 2000);
    check_sorted(cw, n, "common word");
    const char *const *fn = enrich_first_names_table(&n);
    assert_true(n >= 200);
    check_sorted(fn, n, "first name");
    const char *prev = NULL, *cur;
    for (size_t i = 0; (cur = enrich_legal_form_name(i)); i++) {
        if (prev && strcmp(prev, cur) >= 0)
            fail_msg("legal form table out of order at \"%s\" / \"%s\"", prev, cur);
        prev = cur;
    }
    /* The words company names collide with. */
    const char *common[] = {"orange", "total", "sage", "shell", "apple", "free", "vale", "carrefour",
                            "safran", "mistral", "credit", "agricole", "societe", "generale",
                            "visa", "michelin" /* the restaurant guide's stars */};
    for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
        if (!enrich_is_common_word(common[i], strlen(common[i])))
            fail_msg("\"%s\" should be a common word", common[i]);
    const char *proper[] = {"danone", "renault", "capgemini", "sanofi", "lvmh"};
    for (size_t i = 0; i < sizeof(proper) / sizeof(proper[0]); i++)
        if (enrich_is_common_word(proper[i], strlen(proper[i])))
            fail_msg("\"%s\" should not be a common word", proper[i]);
    assert_true(enrich_is_first_name("michel", 6));
    assert_false(enrich_is_first_name("legrand", 7));
    assert_int_equal(enrich_is_legal_form("gmbh", 4), 1);
    assert_int_equal(enrich_is_legal_form("plc", 3), 1);
    assert_int_equal(enrich_is_legal_form("sa", 2), 2);
    assert_int_equal(enrich_is_legal_form("orange", 6), 0);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    const char *text = "Compagnie de Saint-Gobain SA annonce une acquisition à Lyon.";
    int ok = 0;
    for (long k = 0; k < 50 && !ok; k++) {
        vg_alloc_fail_after(k);
        size_t *map = NULL, n;
        char *out = enrich_norm(text, strlen(text), &map, &n);
        char *name = enrich_norm_name(text, 28);
        vg_alloc_fail_after(-1);
        if (out && name) {
            assert_string_equal(name, "saint gobain");
            ok = 1;
        } else {
            assert_null(out ? NULL : map);   /* no map without a string */
        }
        vg_free(out);
        vg_free(map);
        vg_free(name);
    }
    assert_true(ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accents_case_apostrophes),
        cmocka_unit_test(test_compatibility_forms),
        cmocka_unit_test(test_whitespace_punctuation),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_map_leads_to_original),
        cmocka_unit_test(test_name_stripping),
        cmocka_unit_test(test_token_flags),
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
