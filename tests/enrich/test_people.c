/* test_people — people and roles from appointment and departure phrasing in French and
 * English, role normalisation, names that are accounts, and the contact records with their
 * e-mail guesses (always a guess, never verified). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "enrich/contact.h"
#include "enrich/extract.h"

#include <stdio.h>
#include <string.h>

static const char ACCOUNTS[] =
    "[{\"id\":\"sg\",\"name\":\"Société Générale SA\",\"aliases\":[\"Société Générale\"],"
    "\"domains\":[\"socgen.example\"],\"tier\":\"key\"},"
    "{\"id\":\"globex\",\"name\":\"Globex Corporation\",\"aliases\":[\"Globex\"],"
    "\"domains\":[\"globex.example\"],\"identifiers\":{\"email_pattern\":\"f.last\"}}]";

struct fixture {
    struct enrich_account_set *set;
    struct enrich_extractor *x;
};

static int setup(void **state)
{
    static struct fixture f;
    char err[256];
    if (enrich_accounts_parse(ACCOUNTS, strlen(ACCOUNTS), &f.set, err, sizeof(err)) < 0)
        fail_msg("accounts: %s", err);
    struct enrich_rules *r = enrich_rules_default(err, sizeof(err));
    assert_non_null(r);
    f.x = enrich_extractor_new(r, f.set, NULL, err, sizeof(err));
    assert_non_null(f.x);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    enrich_extractor_free(f->x);
    enrich_account_set_free(f->set);
    return 0;
}

static struct enrich_result *extract(struct fixture *f, const char *title, const char *summary,
                                     const char *lang)
{
    struct enrich_item it = {.id = "p", .title = title, .summary = summary, .lang = lang,
                             .source_reliability = -1};
    struct enrich_result *r;
    assert_int_equal(enrich_extract(f->x, &it, &r), 0);
    return r;
}

static const struct enrich_person *find(const struct enrich_result *r, const char *name)
{
    for (size_t i = 0; i < r->n_people; i++)
        if (strcmp(r->people[i].name, name) == 0)
            return &r->people[i];
    return NULL;
}

static void expect_person(struct fixture *f, const char *text, const char *lang, const char *name,
                          const char *role_norm, int departing)
{
    struct enrich_result *r = extract(f, text, NULL, lang);
    const struct enrich_person *p = find(r, name);
    if (!p)
        fail_msg("no person '%s' in: %s", name, text);
    if (!p->role_norm || strcmp(p->role_norm, role_norm) != 0)
        fail_msg("'%s': role_norm %s, expected %s", text, p->role_norm ? p->role_norm : "(null)",
                 role_norm);
    if (p->departing != departing)
        fail_msg("'%s': departing %d, expected %d", text, p->departing, departing);
    enrich_result_free(r);
}

static void test_brief_phrasings(void **state)
{
    struct fixture *f = *state;
    expect_person(f, "Hélène Durand est nommée directrice financière de Globex", "fr",
                  "Hélène Durand", "cfo", 0);
    expect_person(f, "Paul Martin rejoint Globex en tant que DSI", "fr", "Paul Martin", "cio", 0);
    expect_person(f, "Globex appoints Jane Smith as CFO", "en", "Jane Smith", "cfo", 0);
    expect_person(f, "John Carter steps down as chief executive of Globex", "en", "John Carter",
                  "ceo", 1);
    expect_person(f, "Globex nomme Marie Lefèvre DRH, elle succède à Luc Bernard", "fr",
                  "Marie Lefèvre", "chro", 0);
    expect_person(f, "Globex nomme Marie Lefèvre DRH, elle succède à Luc Bernard", "fr",
                  "Luc Bernard", "chro", 1);
    expect_person(f, "Anne-Sophie de La Tour devient présidente du directoire de Globex", "fr",
                  "Anne-Sophie de La Tour", "ceo", 0);
    expect_person(f, "Globex names Raj Patel head of procurement", "en", "Raj Patel",
                  "head_of_procurement", 0);
    expect_person(f, "Globex has appointed Tom Reed as vice president of sales", "en", "Tom Reed",
                  "vp_sales", 0);
    expect_person(f, "Le directeur général délégué de Globex, Éric Moreau, quittera ses fonctions",
                  "fr", "Éric Moreau", "deputy_ceo", 1);
    expect_person(f, "Globex chief operating officer Ana Lima to retire", "en", "Ana Lima", "coo", 1);
}

static void test_role_details(void **state)
{
    struct fixture *f = *state;
    struct enrich_result *r = extract(f, "Globex names Sara Cole chairwoman and chief executive",
                                      NULL, "en");
    const struct enrich_person *p = find(r, "Sara Cole");
    assert_non_null(p);
    /* the executive role wins over the board role */
    assert_string_equal(p->role_norm, "ceo");
    assert_string_equal(p->seniority, "c_level");
    assert_string_equal(p->department, "executive");
    assert_string_equal(p->role, "chief executive");
    enrich_result_free(r);
    r = extract(f, "Marc Petit est nommé directeur administratif et financier", NULL, "fr");
    p = find(r, "Marc Petit");
    assert_non_null(p);
    assert_string_equal(p->role, "directeur administratif et financier");
    assert_string_equal(p->department, "finance");
    enrich_result_free(r);
}

static void test_not_people(void **state)
{
    struct fixture *f = *state;
    /* an account name shaped like a person's name is not a person */
    struct enrich_result *r = extract(f, "Société Générale est nommée banque de l'année", NULL, "fr");
    assert_int_equal(r->n_people, 0);
    enrich_result_free(r);
    /* a quote is not an appointment: the person is named in the role they hold, taking and
     * leaving nothing */
    r = extract(f, "Globex chief executive John Carter said demand was strong", NULL, "en");
    assert_int_equal(r->n_people, 1);
    assert_string_equal(r->people[0].name, "John Carter");
    assert_string_equal(r->people[0].role_norm, "ceo");
    assert_int_equal(r->people[0].departing, 0);
    assert_int_equal(r->people[0].mention, 1);
    enrich_result_free(r);
    /* a clause after a role is not an apposition: "une nouvelle directrice générale, X reste" */
    r = extract(f, "Globex nomme une nouvelle directrice générale, Paul Roche reste président du "
                   "conseil", NULL, "fr");
    const struct enrich_person *roche = find(r, "Paul Roche");
    assert_non_null(roche);
    assert_string_equal(roche->role_norm, "chairman");
    enrich_result_free(r);
    /* a full name and the surname after an honorific are one person */
    r = extract(f, "Globex : Claire Vasseur devient directrice financière",
                "Mme Vasseur succède à Luc Bernard.", "fr");
    assert_non_null(find(r, "Claire Vasseur"));
    assert_null(find(r, "Vasseur"));
    enrich_result_free(r);
    assert_true(enrich_name_plausible("Jean-Marc Delorme", 17));
    assert_false(enrich_name_plausible("Chief Executive", 15));
    assert_false(enrich_name_plausible("Globex Holdings", 15));
    assert_false(enrich_name_plausible("Paris", 5));
    assert_true(enrich_name_plausible("M. Dupont", 9));
    assert_true(enrich_name_plausible("Herve d'Ornano", 14));
    assert_false(enrich_name_plausible("Dupont", 6));
}

static void test_contacts(void **state)
{
    struct fixture *f = *state;
    struct enrich_result *r = extract(f, "Globex appoints Jane Smith as chief financial officer",
                                      "Société Générale nomme Éric Moreau directeur des achats.",
                                      "en");
    struct enrich_contact *c;
    size_t n;
    assert_int_equal(enrich_contacts_build(f->x, r, "https://news.example/1",
                                           "2025-03-01T10:00:00Z", &c, &n), 0);
    assert_int_equal(n, 2);
    const struct enrich_contact *jane = strcmp(c[0].name, "Jane Smith") == 0 ? &c[0] : &c[1];
    const struct enrich_contact *eric = jane == &c[0] ? &c[1] : &c[0];
    assert_string_equal(jane->account_id, "globex");
    assert_string_equal(jane->title, "chief financial officer");
    assert_string_equal(jane->role_norm, "cfo");
    assert_string_equal(jane->source_url, "https://news.example/1");
    assert_string_equal(jane->first_seen, "2025-03-01T10:00:00Z");
    /* the account's configured pattern, with its confidence */
    assert_string_equal(jane->email_guess, "j.smith@globex.example");
    assert_string_equal(jane->email_pattern, "f.last");
    assert_true(jane->email_confidence > 0.5 && jane->email_confidence < 1);
    /* no pattern configured: the common default, with a low confidence */
    assert_string_equal(eric->account_id, "sg");
    assert_string_equal(eric->role_norm, "head_of_procurement");
    assert_string_equal(eric->email_guess, "eric.moreau@socgen.example");
    assert_true(eric->email_confidence < jane->email_confidence);
    enrich_contacts_free(c, n);
    enrich_result_free(r);
}

static void test_email_guess_and_learn(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(enrich_email_guess("Jean-Marc Delorme", "Renault.com", "first.last", out, sizeof(out)), 0);
    assert_string_equal(out, "jean-marc.delorme@renault.com");
    assert_int_equal(enrich_email_guess("Stanislas de Gramont", "seb.example", "flast", out, sizeof(out)), 0);
    assert_string_equal(out, "sdegramont@seb.example");
    assert_int_equal(enrich_email_guess("Hélène Œuvray", "x.example", "first_last", out, sizeof(out)), 0);
    assert_string_equal(out, "helene_oeuvray@x.example");
    assert_int_equal(enrich_email_guess("Madonna", "x.example", "first.last", out, sizeof(out)), -1);
    assert_int_equal(enrich_email_guess("Jane Smith", "x.example", "nonsense", out, sizeof(out)), -1);
    assert_int_equal(enrich_email_guess("Jane Smith", "x.example", "first.last", out, 8), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_brief_phrasings),
        cmocka_unit_test(test_role_details),
        cmocka_unit_test(test_not_people),
        cmocka_unit_test(test_contacts),
        cmocka_unit_test(test_email_guess_and_learn),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
