/* test_matcher — account mentions found in real-looking French and English sentences.
 *
 * Runs the matcher built from the dev-set accounts (tests/data/accounts_dev.json) over
 * sentences where a company name is meant, and over the hard negatives where the same word is
 * an everyday word ("jus d'orange", "le total des ventes", "the sage advice", "apple pie",
 * "free shipping", "une vale"), a surname ("Michel Legrand") or part of another name
 * ("Leonardo da Vinci"). At the default threshold the first must be found and the second not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/vg_alloc.h"
#include "enrich/account.h"
#include "enrich/matcher.h"

static struct enrich_account_set *set;
static struct enrich_matcher *matcher;

static int setup(void **state)
{
    (void)state;
    FILE *f = fopen(VIGIE_SOURCE_DIR "/tests/data/accounts_dev.json", "rb");
    if (!f)
        return -1;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    char err[256];
    if (enrich_accounts_parse(buf, n, &set, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    matcher = enrich_matcher_build(set, err, sizeof(err));
    return matcher ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    enrich_matcher_free(matcher);
    enrich_account_set_free(set);
    return 0;
}

/* Space-separated ids of the accounts found (in order of position, each once). */
static void found(const char *text, const char *source, char *out, size_t outlen)
{
    struct enrich_match *m;
    size_t n;
    assert_int_equal(enrich_match_text(matcher, text, strlen(text), source,
                                       ENRICH_MATCH_MIN_CONFIDENCE, &m, &n), 0);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *id = set->v[m[i].account].id;
        char tag[80];
        snprintf(tag, sizeof(tag), " %s ", id);
        char padded[512];
        snprintf(padded, sizeof(padded), " %s ", out);
        if (strstr(padded, tag))
            continue;
        if (out[0])
            strncat(out, " ", outlen - strlen(out) - 1);
        strncat(out, id, outlen - strlen(out) - 1);
    }
    vg_free(m);
}

struct expect { const char *text; const char *ids; };

static void check_table(const struct expect *cases, size_t n, const char *source)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        char got[512];
        found(cases[i].text, source, got, sizeof(got));
        if (strcmp(got, cases[i].ids) != 0) {
            fprintf(stderr, "  \"%s\"\n    found [%s], want [%s]\n", cases[i].text, got, cases[i].ids);
            bad++;
        }
    }
    if (bad)
        fail_msg("%d of %zu sentences matched wrongly", bad, n);
}

static void test_company_mentions(void **state)
{
    (void)state;
    static const struct expect cases[] = {
        {"Orange a annoncé une nouvelle offre 5G pour les entreprises.", "orange"},
        {"L'opérateur Orange relève ses tarifs mobiles.", "orange"},
        {"Les abonnés d'Orange pourront passer à la fibre.", "orange"},
        {"TotalEnergies signe un contrat de GNL avec le Qatar.", "totalenergies"},
        {"Total SE annonce une acquisition dans le solaire.", "totalenergies"},
        {"Le pétrolier Total investit dans une raffinerie.", "totalenergies"},
        {"Sage Group plc reported higher subscription revenue.", "sage"},
        {"Accounting software maker Sage acquires a payroll start-up.", "sage"},
        {"Apple unveiled a new iPhone in Cupertino.", "apple"},
        {"Shares of Apple (NASDAQ: AAPL) rose 3% after the results.", "apple"},
        {"Free a recruté 200 conseillers pour la Freebox.", "iliad"},
        {"Vale reported lower iron ore output in Brazil.", "vale"},
        {"Le géant minier brésilien Vale relève ses prévisions de nickel.", "vale"},
        {"Shell plc raised its dividend as LNG trading profits jumped.", "shell"},
        {"Carrefour ouvre 30 magasins en Espagne.", "carrefour"},
        {"Le groupe SEB cède une usine de petit électroménager.", "seb"},
        {"Legrand rachète un fabricant américain d'équipements pour data centers.", "legrand"},
        {"Vinci Autoroutes relève ses tarifs au 1er février.", "vinci"},
        {"Le Crédit Agricole et la Société Générale ferment des agences.",
         "credit_agricole societe_generale"},
        {"L’Oréal rachète une marque coréenne.", "loreal"},
        {"L'OREAL ANNONCE UNE ACQUISITION", "loreal"},
        {"Compagnie de Saint-Gobain SA publie ses résultats annuels.", "saint_gobain"},
        {"Saint Gobain ferme une usine de vitrage.", "saint_gobain"},
        {"Mistral AI lève 600 millions d'euros.", "mistral_ai"},
        {"Amazon Web Services opens a new region in Paris.", "amazon"},
        {"Airbus et Safran s'associent pour un nouveau moteur.", "airbus safran"},
        {"Bernard Arnault, patron de LVMH, rachète une maison de champagne.", "lvmh"},
        {"Danone cède Alpro ; Michelin investit à Clermont-Ferrand.", "danone michelin"},
        {"Lire le communiqué sur www.capgemini.com/fr.", "capgemini"},
        {"Schneider Electric and Siemens sign a grid partnership.", "schneider siemens"},
        {"Orange Launches New 5G Plan For Businesses", "orange"},
        {"Iliad rachète un opérateur italien.", "iliad"},
        {"Martin Bouygues quitte la présidence de Bouygues.", "bouygues"},
        {"Nestlé vend sa participation dans L'Oréal.", "nestle loreal"},
        {"Le fabricant de stylos BIC publie un chiffre d'affaires en hausse.", "bic"},
        {"Hermès ouvre une nouvelle maroquinerie en Normandie.", "hermes"},
        {"Oracle Corp. acquires a healthcare database company.", "oracle"},
        {"Salesforce completes its acquisition of Slack.", "salesforce"},
        {"Carrefour et Orange signent un partenariat.", "carrefour orange"},
        {"Kering and Orange lead the CAC 40 gainers.", "kering orange"},
        {"Vale to pay $1.4 billion in dam settlement.", "vale"},
        {"Shell to sell its Nigerian onshore business.", "shell"},
        {"Sage acquires a payroll software company.", "sage"},
        {"Bouygues Telecom et Free s'allient sur la 5G.", "bouygues iliad"},
        {"Shell said to weigh sale of Singapore refinery.", "shell"},
        {"L'opérateur Free a perdu 100 000 abonnés.", "iliad"},
        {"Sanofi, Orange et Engie recrutent des alternants.", "sanofi orange engie"},
    };
    check_table(cases, sizeof(cases) / sizeof(cases[0]), NULL);
}

static void test_hard_negatives(void **state)
{
    (void)state;
    static const struct expect cases[] = {
        {"Il a bu un jus d'orange avant de partir.", ""},
        {"Fresh orange juice prices soared after the frost.", ""},
        {"ORANGE JUICE PRICES SOAR AS CROP FAILS", ""},
        {"Le total des ventes a progressé de 5 % au troisième trimestre.", ""},
        {"Total revenue rose 12% to 3 billion euros.", ""},
        {"Au total, 300 emplois seront créés.", ""},
        {"Une vale profonde s'étendait devant nous.", ""},
        {"The sage advice from analysts was to wait.", ""},
        {"Add chopped sage and thyme to the sauce.", ""},
        {"She baked an apple pie for the party.", ""},
        {"Free shipping on all orders this week.", ""},
        {"The service is free for small businesses.", ""},
        {"Leonardo da Vinci painted the Mona Lisa.", ""},
        {"Michel Legrand a composé la musique du film.", ""},
        {"Au carrefour de la rue, un accident a eu lieu.", ""},
        {"Le mistral souffle fort sur la Provence.", ""},
        {"The Amazon rainforest is shrinking faster.", ""},
        {"Learn bash shell scripting in a weekend.", ""},
        {"Ajoutez une pincée de safran au risotto.", ""},
        {"Un crédit agricole bonifié pour les jeunes agriculteurs.", ""},
        {"Seb est arrivé en retard à la réunion.", ""},
        {"The oracle of Delphi spoke in riddles.", ""},
        {"Il a lu l'Iliade pendant les vacances.", ""},
        {"Guide Michelin : trois nouvelles étoiles Michelin à Paris.", ""},
        {"Sa stratégie est orange et bleue.", ""},
        {"Romy Schneider reste une icône du cinéma.", ""},
        {"Saisissez votre code BIC et votre IBAN.", ""},
        {"Orange County officials announced new rules.", ""},
        {"The Total Recall remake flopped at the box office.", ""},
        {"Le total s'élève à 3 millions d'euros.", ""},
        {"TOTAL DES VENTES EN HAUSSE", ""},
        {"La couleur orange domine la collection automne.", ""},
        {"Orange and lemon trees line the streets of Seville.", ""},
        {"Apple and cinnamon muffins are easy to bake.", ""},
        {"The free version of the app lacks export features.", ""},
        {"Free Wi-Fi is now available at all our stores.", ""},
        {"Sage green is the colour of the year.", ""},
        {"Sage et prudente, la banque centrale a maintenu ses taux.", ""},
        {"The shell company was registered in Delaware.", ""},
        {"Le théorème de Thalès est enseigné au collège.", ""},
        {"Louis Renault fonde sa société en 1899.", ""},
        {"Elis Regina was a Brazilian singer.", ""},
        {"Orange Juice Futures Surge on Florida Frost", ""},
        {"Free Trial Offers Draw New Users", ""},
        {"Apple Harvest Hits Record in Normandy", ""},
        {"Total raised to date stands at $40 million.", ""},
        {"Livraison offerte chez free et chez total.", ""},
        {"Total augmente de 5 % sur un an.", ""},
    };
    check_table(cases, sizeof(cases) / sizeof(cases[0]), NULL);
}

/* A source tied to an account is evidence for its ambiguous name, never against a veto. */
static void test_source_account(void **state)
{
    (void)state;
    char got[256];
    const char *text = "orange baisse ses prix cet été.";
    found(text, NULL, got, sizeof(got));
    assert_string_equal(got, "");
    found(text, "orange", got, sizeof(got));
    assert_string_equal(got, "orange");
    found(text, "sage", got, sizeof(got));
    assert_string_equal(got, "");
    found("Un jus d'orange offert.", "orange", got, sizeof(got));
    assert_string_equal(got, "");
    found(text, "no-such-account", got, sizeof(got));
    assert_string_equal(got, "");
}

static const struct enrich_match *only(const char *text, struct enrich_match **m, size_t *n)
{
    assert_int_equal(enrich_match_text(matcher, text, strlen(text), NULL, 0.5, m, n), 0);
    assert_int_equal(*n, 1);
    return &(*m)[0];
}

static void test_offsets_and_via(void **state)
{
    (void)state;
    struct enrich_match *m;
    size_t n;
    const char *t1 = "Selon L’Oréal, tout va bien.";
    const struct enrich_match *x = only(t1, &m, &n);
    assert_string_equal(set->v[x->account].id, "loreal");
    assert_int_equal(x->via, ENRICH_VIA_NAME);
    assert_memory_equal(t1 + x->start, "L’Oréal", x->end - x->start);
    assert_int_equal(x->end - x->start, strlen("L’Oréal"));
    vg_free(m);

    const char *t2 = "Rendez-vous sur presse@danone.com demain.";
    x = only(t2, &m, &n);
    assert_string_equal(set->v[x->account].id, "danone");
    assert_int_equal(x->via, ENRICH_VIA_DOMAIN);
    vg_free(m);

    const char *t3 = "Les ventes de Sosh progressent.";
    x = only(t3, &m, &n);
    assert_string_equal(set->v[x->account].id, "orange");
    assert_int_equal(x->via, ENRICH_VIA_ALIAS);
    assert_memory_equal(t3 + x->start, "Sosh", 4);
    vg_free(m);

    const char *t4 = "Le titre (Euronext Paris: ORA) recule.";
    x = only(t4, &m, &n);
    assert_int_equal(x->via, ENRICH_VIA_TICKER);
    assert_string_equal(set->v[x->account].id, "orange");
    vg_free(m);
    assert_string_equal(enrich_match_via_name(ENRICH_VIA_TICKER), "ticker");
}

static void test_confidence_order_and_dedup(void **state)
{
    (void)state;
    /* Distinctive names score above ambiguous ones backed by one piece of evidence. */
    struct enrich_match *m;
    size_t n;
    const char *text = "Danone et Orange. Orange Business et Danone encore.";
    assert_int_equal(enrich_match_text(matcher, text, strlen(text), NULL, 0.0, &m, &n), 0);
    assert_int_equal(n, 4);
    for (size_t i = 1; i < n; i++)
        assert_true(m[i - 1].start < m[i].start);
    assert_string_equal(set->v[m[0].account].id, "danone");
    assert_string_equal(set->v[m[1].account].id, "orange");
    assert_true(m[0].confidence > m[1].confidence);
    /* "Orange Business" is one mention, the alias, not the alias plus "Orange". */
    assert_string_equal(set->v[m[2].account].id, "orange");
    assert_int_equal(m[2].via, ENRICH_VIA_ALIAS);
    assert_int_equal(m[2].end - m[2].start, strlen("Orange Business"));
    for (size_t i = 0; i < n; i++)
        assert_true(m[i].confidence >= 0.0 && m[i].confidence <= 1.0);
    vg_free(m);
    /* A minimum above every score returns nothing. */
    assert_int_equal(enrich_match_text(matcher, text, strlen(text), NULL, 1.01, &m, &n), 0);
    assert_int_equal(n, 0);
    assert_null(m);
}

static void test_hostile_text(void **state)
{
    (void)state;
    struct enrich_match *m;
    size_t n;
    assert_int_equal(enrich_match_text(matcher, "", 0, NULL, 0.0, &m, &n), 0);
    assert_int_equal(n, 0);
    /* 3 MiB of repeated names: bounded (only the first MiB is read), no crash. */
    size_t len = 3u << 20;
    char *big = malloc(len);
    assert_non_null(big);
    for (size_t i = 0; i < len; i++)
        big[i] = "Danone Orange SA \xc3\xa9\xff. "[i % 21];
    assert_int_equal(enrich_match_text(matcher, big, len, NULL, 0.5, &m, &n), 0);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++)
        assert_true(m[i].end <= (1u << 20));
    vg_free(m);
    free(big);
}

/* Thousands of accounts sharing one name, and a text repeating it: the work stays bounded
 * (capped candidates) and every result is still well formed. */
static void test_shared_name_flood(void **state)
{
    (void)state;
    size_t cap = 1 << 20, len = 0;
    char *json = malloc(cap);
    assert_non_null(json);
    len += (size_t)snprintf(json + len, cap - len, "[");
    for (int i = 0; i < 3000; i++)
        len += (size_t)snprintf(json + len, cap - len,
                                "%s{\"id\":\"o%d\",\"name\":\"Orange\",\"context_keywords\":[\"mobile\"],"
                                "\"negative_keywords\":[\"jus d'orange\"]}", i ? "," : "", i);
    len += (size_t)snprintf(json + len, cap - len, "]");
    struct enrich_account_set *s = NULL;
    char err[256];
    assert_int_equal(enrich_accounts_parse(json, len, &s, err, sizeof(err)), 0);
    free(json);
    struct enrich_matcher *mm = enrich_matcher_build(s, err, sizeof(err));
    assert_non_null(mm);
    size_t tl = 200000;
    char *text = malloc(tl);
    assert_non_null(text);
    for (size_t i = 0; i < tl; i++)
        text[i] = "Orange mobile et Orange, "[i % 25];
    struct enrich_match *m;
    size_t n;
    assert_int_equal(enrich_match_text(mm, text, tl, "o7", 0.5, &m, &n), 0);
    assert_true(n > 0 && n <= 65536);
    for (size_t i = 1; i < n; i++)
        assert_true(m[i - 1].start <= m[i].start);
    vg_free(m);
    free(text);
    enrich_matcher_free(mm);
    enrich_account_set_free(s);
}

static void test_build_edge_cases(void **state)
{
    (void)state;
    char err[256];
    struct enrich_account_set empty = {NULL, 0};
    struct enrich_matcher *e = enrich_matcher_build(&empty, err, sizeof(err));
    assert_non_null(e);
    struct enrich_match *m;
    size_t n;
    assert_int_equal(enrich_match_text(e, "Danone", 6, NULL, 0.0, &m, &n), 0);
    assert_int_equal(n, 0);
    enrich_matcher_free(e);
    enrich_matcher_free(NULL);
    assert_null(enrich_matcher_build(NULL, err, sizeof(err)));
    assert_true(enrich_matcher_patterns(matcher) > 300);
    assert_true(enrich_matcher_memory(matcher) > 0);

    /* Allocation failures while building free what was built. */
    int ok = 0;
    for (long k = 0; k < 400 && !ok; k++) {
        vg_alloc_fail_after(k);
        struct enrich_matcher *x = enrich_matcher_build(set, err, sizeof(err));
        vg_alloc_fail_after(-1);
        if (x) {
            ok = 1;
            enrich_matcher_free(x);
        } else {
            assert_string_equal(err, "out of memory building the account matcher");
        }
    }
    /* Building takes more than 400 allocations for 60 accounts; try the tail too. */
    for (long k = 400; k < 100000 && !ok; k += 97) {
        vg_alloc_fail_after(k);
        struct enrich_matcher *x = enrich_matcher_build(set, err, sizeof(err));
        vg_alloc_fail_after(-1);
        ok = x != NULL;
        enrich_matcher_free(x);
    }
    assert_true(ok);
    /* And while matching. */
    const char *text = "Orange SA et Danone, Total SE, www.orange.com";
    for (long k = 0; k < 40; k++) {
        vg_alloc_fail_after(k);
        int rc = enrich_match_text(matcher, text, strlen(text), NULL, 0.5, &m, &n);
        vg_alloc_fail_after(-1);
        if (rc < 0) {
            assert_null(m);
            assert_int_equal(n, 0);
        }
        vg_free(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_company_mentions),
        cmocka_unit_test(test_hard_negatives),
        cmocka_unit_test(test_source_account),
        cmocka_unit_test(test_offsets_and_via),
        cmocka_unit_test(test_confidence_order_and_dedup),
        cmocka_unit_test(test_hostile_text),
        cmocka_unit_test(test_shared_name_flood),
        cmocka_unit_test(test_build_edge_cases),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
