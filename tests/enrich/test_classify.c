/* test_classify — the signal classifier and the rules format: types found in real phrasing
 * in both languages, denials vetoing, rumours lowering, plans flagging, rule errors naming
 * their line, user rules extending the shipped ones, and the embedded rules being exactly
 * the files in rules/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/vg_alloc.h"
#include "enrich/doc.h"
#include "enrich/extract.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct enrich_extractor *new_default(void)
{
    char err[256];
    struct enrich_rules *r = enrich_rules_default(err, sizeof(err));
    if (!r)
        fail_msg("default rules: %s", err);
    struct enrich_extractor *x = enrich_extractor_new(r, NULL, NULL, err, sizeof(err));
    assert_non_null(x);
    return x;
}

/* Runs the pipeline and returns the signal of `type`, or NULL; *r receives the result. */
static const struct enrich_signal *run(const struct enrich_extractor *x, const char *title,
                                       const char *summary, const char *lang, const char *type,
                                       struct enrich_result **r)
{
    struct enrich_item it = {.id = "t", .title = title, .summary = summary, .lang = lang,
                             .source_reliability = -1};
    assert_int_equal(enrich_extract(x, &it, r), 0);
    for (size_t i = 0; i < (*r)->n_signals; i++)
        if (strcmp((*r)->signals[i].type, type) == 0)
            return &(*r)->signals[i];
    return NULL;
}

static int has_type(const struct enrich_extractor *x, const char *title, const char *summary,
                    const char *lang, const char *type)
{
    struct enrich_result *r;
    int found = run(x, title, summary, lang, type, &r) != NULL;
    enrich_result_free(r);
    return found;
}

static void test_types_both_languages(void **state)
{
    (void)state;
    struct enrich_extractor *x = new_default();
    static const struct {
        const char *lang, *text, *type;
    } cases[] = {
        {"en", "Acme Robotics raises $40 million in Series B funding led by Index Ventures", "funding"},
        {"fr", "La jeune pousse Lumina lève 8 millions d'euros auprès de Partech", "funding"},
        {"en", "Globex agreed to acquire Initech for $2.1bn in cash", "acquisition"},
        {"fr", "Le groupe Dupuis rachète son concurrent belge Lefort", "acquisition"},
        {"en", "Initech appoints Jane Doe as chief financial officer", "leadership_change"},
        {"fr", "Marc Lenoir est nommé directeur général de Sorel", "leadership_change"},
        {"en", "Globex will open a new factory in Ohio next year", "expansion"},
        {"fr", "Sorel inaugure une nouvelle usine à Dunkerque", "expansion"},
        {"en", "Initech plans to hire 500 engineers in Toulouse", "hiring"},
        {"fr", "Sorel va recruter 300 ingénieurs d'ici 2026", "hiring"},
        {"en", "Globex to cut 2,000 jobs worldwide", "layoffs"},
        {"fr", "Sorel annonce un plan social et la suppression de 400 postes", "layoffs"},
        {"en", "Retailer Bolt files for Chapter 11 bankruptcy protection", "insolvency"},
        {"fr", "Le fabricant Duval placé en redressement judiciaire", "insolvency"},
        {"en", "Globex and Initech form a joint venture for batteries", "partnership"},
        {"fr", "Sorel noue un partenariat avec la start-up Ionis", "partnership"},
        {"en", "Initech wins a $300m contract from the US Navy", "contract_win"},
        {"fr", "Sorel remporte un contrat de 50 millions d'euros avec la RATP", "contract_win"},
        {"en", "Globex launches a new version of its analytics platform", "product_launch"},
        {"fr", "Sorel lance une nouvelle gamme de pompes à chaleur", "product_launch"},
        {"en", "Initech reported third-quarter revenue of $1.2 billion", "financial_results"},
        {"fr", "Sorel publie un chiffre d'affaires en hausse de 8 %", "financial_results"},
        {"en", "The regulator fined Globex $20 million for misleading customers", "legal_regulatory"},
        {"fr", "L'Autorité de la concurrence inflige une amende de 5 millions d'euros à Sorel", "legal_regulatory"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (!has_type(x, cases[i].text, NULL, cases[i].lang, cases[i].type))
            fail_msg("expected %s in: %s", cases[i].type, cases[i].text);
    enrich_extractor_free(x);
}

static void test_hard_negatives(void **state)
{
    (void)state;
    struct enrich_extractor *x = new_default();
    struct enrich_result *r;
    static const char *const texts[] = {
        "Frozen orange juice futures hit a record high on Tuesday",
        "A total of 3,000 runners took part in the race under a strong wind",
        "The company reappointed its chairman for another four-year mandate",
        "Shares fell 3% in early trading in Paris",
        "Le mistral souffle à plus de 100 km/h sur la Provence",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct enrich_item it = {.id = "n", .title = texts[i], .source_reliability = -1};
        assert_int_equal(enrich_extract(x, &it, &r), 0);
        if (r->n_types)
            fail_msg("no signal expected in '%s', got %s", texts[i], r->types[0]);
        enrich_result_free(r);
    }
    enrich_extractor_free(x);
}

static void test_denial_rumour_plan(void **state)
{
    (void)state;
    struct enrich_extractor *x = new_default();
    struct enrich_result *r;
    /* denial: the acquisition disappears for the whole item */
    assert_null(run(x, "Globex denies it is in talks to acquire Initech",
                    "Globex agreed to acquire a stake in the past, the group recalled.", "en",
                    "acquisition", &r));
    enrich_result_free(r);
    assert_false(has_type(x, "Sorel dément vouloir racheter son concurrent Lefort", NULL, "fr",
                          "acquisition"));
    /* rumour: kept, less sure than the same sentence stated as fact */
    const struct enrich_signal *s = run(x, "Globex agreed to acquire Initech", NULL, "en",
                                        "acquisition", &r);
    assert_non_null(s);
    double plain = s->confidence;
    enrich_result_free(r);
    s = run(x, "Globex agreed to acquire Initech, according to people familiar with the matter",
            NULL, "en", "acquisition", &r);
    assert_non_null(s);
    assert_true(s->confidence < plain);
    int rumour = 0;
    for (size_t i = 0; i < s->n_modifiers; i++)
        rumour |= strcmp(s->modifiers[i], "rumour") == 0;
    assert_true(rumour);
    enrich_result_free(r);
    /* plan: flagged, still a signal */
    s = run(x, "Sorel envisage de construire une usine en Pologne", NULL, "fr", "expansion", &r);
    assert_non_null(s);
    int plan = 0;
    for (size_t i = 0; i < s->n_modifiers; i++)
        plan |= strcmp(s->modifiers[i], "plan") == 0;
    assert_true(plan);
    assert_string_equal(s->evidence, "Sorel envisage de construire une usine en Pologne");
    enrich_result_free(r);
    enrich_extractor_free(x);
}

static void test_several_signals_with_evidence(void **state)
{
    (void)state;
    struct enrich_extractor *x = new_default();
    struct enrich_result *r;
    const struct enrich_signal *s =
        run(x, "Globex to build a plant in Texas",
            "The new factory will cost $1bn. Globex said it would hire 800 workers there.", "en",
            "hiring", &r);
    assert_non_null(s);
    assert_string_equal(s->evidence, "Globex said it would hire 800 workers there.");
    int expansion = 0;
    for (size_t i = 0; i < r->n_types; i++)
        expansion |= strcmp(r->types[i], "expansion") == 0;
    assert_true(expansion);
    enrich_result_free(r);
    enrich_extractor_free(x);
}

static void test_rule_errors_name_their_line(void **state)
{
    (void)state;
    char err[256];
    struct enrich_rules *r = enrich_rules_new();
    const char *bad_section = "# c\n[signal funding]\nweight 50\n[nonsense]\n";
    assert_int_equal(enrich_rules_add(r, "x.rules", bad_section, strlen(bad_section), err, sizeof(err)), -1);
    assert_non_null(strstr(err, "x.rules:4"));
    const char *bad_regex = "[signal funding]\nkeywords rais\nmatch 0.9 \\b(raises\n";
    assert_int_equal(enrich_rules_add(r, "y.rules", bad_regex, strlen(bad_regex), err, sizeof(err)), 0);
    assert_int_equal(enrich_rules_compile(r, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "y.rules:3"));
    enrich_rules_free(r);
    r = enrich_rules_new();
    const char *bad_kw = "[signal funding]\nkeywords ok n@pe\n";
    assert_int_equal(enrich_rules_add(r, "z.rules", bad_kw, strlen(bad_kw), err, sizeof(err)), -1);
    assert_non_null(strstr(err, "z.rules:2"));
    const char *bad_weight = "[signal funding]\nweight 300\n";
    assert_int_equal(enrich_rules_add(r, "w.rules", bad_weight, strlen(bad_weight), err, sizeof(err)), -1);
    enrich_rules_free(r);
}

static void test_user_rules_extend(void **state)
{
    (void)state;
    char err[256];
    struct enrich_rules *r = enrich_rules_new();
    for (const struct enrich_rules_file *f = enrich_rules_default_files; f->name; f++)
        assert_int_equal(enrich_rules_add(r, f->name, f->text, strlen(f->text), err, sizeof(err)), 0);
    /* a new type, and a new phrasing for an existing one, with a continuation line */
    const char *user = "[signal cyber_incident]\nweight 70\nkeywords cyber ransom\n"
                       "match 0.9 \\b(?:cyberattack|\n"
                       "    ransomware attack)\\b\n"
                       "[signal funding]\nkeywords crowd\nmatch 0.8 \\bcrowdfunding campaign raised\\b\n";
    assert_int_equal(enrich_rules_add(r, "user.rules", user, strlen(user), err, sizeof(err)), 0);
    assert_int_equal(enrich_rules_compile(r, err, sizeof(err)), 0);
    struct enrich_extractor *x = enrich_extractor_new(r, NULL, NULL, err, sizeof(err));
    assert_non_null(x);
    assert_true(has_type(x, "Hospital group hit by a ransomware attack", NULL, "en", "cyber_incident"));
    assert_true(has_type(x, "Its crowdfunding campaign raised more than expected", NULL, "en", "funding"));
    assert_true(has_type(x, "Globex raises $5m in seed funding", NULL, "en", "funding"));
    enrich_extractor_free(x);
}

static void test_keywords_gate_patterns(void **state)
{
    (void)state;
    char err[256];
    struct enrich_rules *r = enrich_rules_new();
    const char *t = "[signal a]\nkeywords zebra\nmatch 0.9 horse\n[signal b]\nmatch 0.9 horse\n";
    assert_int_equal(enrich_rules_add(r, "k.rules", t, strlen(t), err, sizeof(err)), 0);
    assert_int_equal(enrich_rules_compile(r, err, sizeof(err)), 0);
    struct enrich_extractor *x = enrich_extractor_new(r, NULL, NULL, err, sizeof(err));
    assert_false(has_type(x, "a horse", NULL, "en", "a"));       /* no keyword: not tried */
    assert_true(has_type(x, "a horse and zebras", NULL, "en", "a")); /* prefix of a token */
    assert_true(has_type(x, "a horse", NULL, "en", "b"));        /* no keywords: always */
    enrich_extractor_free(x);
}

/* `headline` patterns read a title that names someone, never a summary sentence nor a title
 * naming no one; a `scope title` modifier with factor 0 leaves the item without signals. */
static void test_headline_and_title_scope(void **state)
{
    (void)state;
    char err[256];
    struct enrich_rules *r = enrich_rules_new();
    const char *t = "[signal deal]\nkeywords contrat\nheadline 0.8 ^contrat pour\n"
                    "[signal other]\nmatch 0.9 \\bzebra\\b\n"
                    "[modifier generic]\nscope title\nfactor 0\nkeywords defin\nmatch \\bdefinition\\b\n";
    assert_int_equal(enrich_rules_add(r, "h.rules", t, strlen(t), err, sizeof(err)), 0);
    assert_int_equal(enrich_rules_compile(r, err, sizeof(err)), 0);
    struct enrich_extractor *x = enrich_extractor_new(r, NULL, NULL, err, sizeof(err));
    assert_true(has_type(x, "Contrat pour Thales en Inde", NULL, "fr", "deal"));
    assert_false(has_type(x, "contrat pour tous", NULL, "fr", "deal"));       /* names no one */
    assert_false(has_type(x, "Le point", "Contrat pour Thales en Inde.", "fr", "deal")); /* not a title */
    assert_true(has_type(x, "Un zebra", "Le zebra vu par Alice.", "fr", "other"));
    assert_false(has_type(x, "Zebra : définition", "Le zebra vu par Alice.", "fr", "other"));
    enrich_extractor_free(x);

    const char *bad = "[modifier m]\nscope item\n";
    r = enrich_rules_new();
    assert_int_equal(enrich_rules_add(r, "s.rules", bad, strlen(bad), err, sizeof(err)), -1);
    assert_non_null(strstr(err, "s.rules:2:"));
    enrich_rules_free(r);

    /* who a title names: capitals past the start of a part, or a name before "X :" */
    assert_true(enrich_title_named("Méga-contrat pour Naval Group", strlen("Méga-contrat pour Naval Group")));
    assert_true(enrich_title_named("Sanofi et Owkin : un partenariat", 32));
    assert_true(enrich_title_named("SNCF recrute", 12));
    assert_false(enrich_title_named("Levée de fonds : définition", strlen("Levée de fonds : définition")));
    assert_false(enrich_title_named("Comment réussir une fusion ? Nos conseils",
                                    strlen("Comment réussir une fusion ? Nos conseils")));
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    fclose(f);
    return s;
}

static void test_embedded_rules_match_files(void **state)
{
    (void)state;
    const char *src = getenv("VIGIE_SOURCE_DIR");
    if (!src)
        src = VIGIE_SOURCE_DIR;
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/rules", src);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int files = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 7 || strcmp(e->d_name + n - 6, ".rules") != 0)
            continue;
        files++;
        const struct enrich_rules_file *f = enrich_rules_default_files;
        while (f->name && strcmp(f->name, e->d_name) != 0)
            f++;
        if (!f->name)
            fail_msg("rules/%s is not embedded: run enrich/gen_rules_default.py", e->d_name);
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        char *text = slurp(path);
        assert_non_null(text);
        if (strcmp(text, f->text) != 0)
            fail_msg("embedded %s differs from rules/: run enrich/gen_rules_default.py", f->name);
        free(text);
    }
    closedir(d);
    int embedded = 0;
    for (const struct enrich_rules_file *f = enrich_rules_default_files; f->name; f++)
        embedded++;
    assert_int_equal(files, embedded);
}

static void test_hostile_text_is_bounded(void **state)
{
    (void)state;
    struct enrich_extractor *x = new_default();
    size_t n = 300000;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = "acquires raise  d'euros 1,5 Md\xe2\x82\xac nomm\xc3\xa9 \xff."[i % 44];
    big[n] = '\0';
    struct enrich_item it = {.id = "h", .title = big, .summary = big, .source_reliability = -1};
    struct enrich_result *r;
    assert_int_equal(enrich_extract(x, &it, &r), 0);
    enrich_result_free(r);
    free(big);
    enrich_extractor_free(x);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    struct enrich_extractor *x = new_default();
    struct enrich_item it = {.id = "a", .title = "Marc Lenoir est nommé directeur financier",
                             .summary = "Sorel lève 12 M€ et rachète Lefort.", .lang = "fr",
                             .source_reliability = -1};
    for (long k = 0; k < 400; k++) {
        struct enrich_result *r = NULL;
        vg_alloc_fail_after(k);
        int rc = enrich_extract(x, &it, &r);
        vg_alloc_fail_after(-1);
        if (rc == 0) {
            enrich_result_free(r);
            break;
        }
        assert_null(r);
    }
    enrich_extractor_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_both_languages),
        cmocka_unit_test(test_hard_negatives),
        cmocka_unit_test(test_denial_rumour_plan),
        cmocka_unit_test(test_several_signals_with_evidence),
        cmocka_unit_test(test_rule_errors_name_their_line),
        cmocka_unit_test(test_user_rules_extend),
        cmocka_unit_test(test_keywords_gate_patterns),
        cmocka_unit_test(test_headline_and_title_scope),
        cmocka_unit_test(test_embedded_rules_match_files),
        cmocka_unit_test(test_hostile_text_is_bounded),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
