/* test_account — reading key accounts from JSON and CSV, and refusing bad files whole.
 *
 * The real dev-set file (tests/data/accounts_dev.json) must load with every field where a
 * user put it; the CSV form of the same records must load to the same values; and every kind
 * of bad record must be reported with its line (CSV) or position and id (JSON) while nothing
 * is returned. */
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

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static struct enrich_account_set *parse_ok(const char *text)
{
    struct enrich_account_set *set = NULL;
    char err[256];
    if (enrich_accounts_parse(text, strlen(text), &set, err, sizeof(err)) < 0)
        fail_msg("unexpected error: %s", err);
    assert_non_null(set);
    return set;
}

/* Parses `text`, expects failure with `want` as the error message's start. */
static void parse_bad(const char *text, const char *want)
{
    struct enrich_account_set *set = (void *)1;
    char err[256] = "";
    assert_int_equal(enrich_accounts_parse(text, strlen(text), &set, err, sizeof(err)), -1);
    assert_null(set);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("error \"%s\", want it to start with \"%s\"", err, want);
}

static int has(char **list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

static void test_dev_set_json(void **state)
{
    (void)state;
    size_t len;
    char *buf = slurp(VIGIE_SOURCE_DIR "/tests/data/accounts_dev.json", &len);
    struct enrich_account_set *set = NULL;
    char err[256];
    assert_int_equal(enrich_accounts_parse(buf, len, &set, err, sizeof(err)), 0);
    free(buf);
    assert_int_equal(set->n, 60);
    const struct enrich_account *o = enrich_account_find(set, "orange");
    assert_non_null(o);
    assert_string_equal(o->name, "Orange SA");
    assert_true(has(o->aliases, o->n_aliases, "Sosh"));
    assert_true(has(o->domains, o->n_domains, "orange.com"));
    assert_true(has(o->negative_keywords, o->n_negative_keywords, "jus d'orange"));
    assert_true(has(o->context_keywords, o->n_context_keywords, "5G"));
    assert_string_equal(enrich_account_identifier(o, "siren"), "380129866");
    assert_string_equal(enrich_account_identifier(o, "ticker"), "ORA");
    assert_string_equal(o->tier, "key");
    assert_string_equal(o->country, "FR");
    assert_string_equal(o->crm_id, "hs-1001");
    assert_true(o->revenue == 1200000.0);
    assert_true(o->image > 0.89 && o->image < 0.91);
    const struct enrich_account *a = enrich_account_find(set, "apple");
    assert_string_equal(enrich_account_identifier(a, "cik"), "0000320193");
    assert_string_equal(a->country, "US");
    assert_null(enrich_account_find(set, "nope"));
    assert_null(enrich_account_find(NULL, "orange"));
    enrich_account_set_free(set);
}

static void test_csv_matches_json(void **state)
{
    (void)state;
    const char *json =
        "[{\"id\":\"orange\",\"name\":\"Orange SA\",\"aliases\":[\"Sosh\",\"Orange Business\"],"
        "\"domains\":[\"https://www.Orange.com/fr/\"],\"country\":\"fr\","
        "\"identifiers\":{\"siren\":\"380 129 866\",\"ticker\":\"ora\"},\"tier\":\"Key\","
        "\"revenue\":1200000,\"margin\":0.22,\"context_keywords\":[\"opérateur\"],"
        "\"negative_keywords\":[\"jus d'orange\"],\"crm_id\":\"hs-1\",\"owner\":\"claire\"}]";
    /* Same record as a French spreadsheet export: BOM, ';', CRLF, quotes, decimal comma. */
    const char *csv =
        "\xEF\xBB\xBFId;Name;aliases;domains;country;siren;ticker;tier;revenue;margin;"
        "context_keywords;negative_keywords;crm_id;owner\r\n"
        "orange;\"Orange SA\";Sosh|Orange Business;https://www.Orange.com/fr/;fr;380129866;ORA;"
        "key;1200000;\"0,22\";opérateur;\"jus d'orange\";hs-1;claire\r\n";
    struct enrich_account_set *sets[2] = {parse_ok(json), parse_ok(csv)};
    for (int k = 0; k < 2; k++) {
        assert_int_equal(sets[k]->n, 1);
        const struct enrich_account *a = &sets[k]->v[0];
        assert_string_equal(a->id, "orange");
        assert_string_equal(a->name, "Orange SA");
        assert_int_equal(a->n_aliases, 2);
        assert_string_equal(a->aliases[1], "Orange Business");
        assert_int_equal(a->n_domains, 1);
        assert_string_equal(a->domains[0], "orange.com");
        assert_string_equal(a->country, "FR");
        assert_string_equal(enrich_account_identifier(a, "siren"), "380129866");
        assert_string_equal(enrich_account_identifier(a, "ticker"), "ORA");
        assert_string_equal(a->tier, "key");
        assert_true(a->revenue == 1200000.0);
        assert_true(a->margin > 0.2199 && a->margin < 0.2201);
        assert_string_equal(a->context_keywords[0], "opérateur");
        assert_string_equal(a->negative_keywords[0], "jus d'orange");
        assert_string_equal(a->crm_id, "hs-1");
        assert_string_equal(a->owner, "claire");
    }
    enrich_account_set_free(sets[0]);
    enrich_account_set_free(sets[1]);
}

static void test_csv_forms(void **state)
{
    (void)state;
    /* Quoted field with the delimiter, a doubled quote and a line break; "identifiers"
     * column; defaults; blank lines skipped. */
    const char *csv =
        "id,name,aliases,identifiers,negative_keywords\n"
        "\n"
        "sage,\"The Sage Group, plc\",Sage|Sage 50,\"companies_house=02231246|lei=abc\",\"the \"\"sage\"\"\nadvice\"\n"
        "danone,Danone,,,\n"
        ",,,,\n";
    struct enrich_account_set *s = NULL;
    char err[256];
    assert_int_equal(enrich_accounts_parse(csv, strlen(csv), &s, err, sizeof(err)), -1);
    /* lei must have 20 characters: line 3 is where the record starts. */
    assert_string_equal(err, "line 3: lei 'abc' must be 20 letters or digits");
    const char *good =
        "id,name,aliases,identifiers,negative_keywords\n"
        "\n"
        "sage,\"The Sage Group, plc\",Sage|Sage 50,\"companies_house=02231246\",\"the \"\"sage\"\"\nadvice\"\n"
        "danone,Danone,,,\n"
        ",,,,\n";
    s = parse_ok(good);
    assert_int_equal(s->n, 2);
    assert_string_equal(s->v[0].name, "The Sage Group, plc");
    assert_string_equal(enrich_account_identifier(&s->v[0], "companies_house"), "02231246");
    assert_string_equal(s->v[0].negative_keywords[0], "the \"sage\"\nadvice");
    assert_string_equal(s->v[1].tier, "standard");
    assert_int_equal(s->v[1].n_aliases, 0);
    assert_null(s->v[1].country);
    enrich_account_set_free(s);
}

static void test_csv_errors(void **state)
{
    (void)state;
    parse_bad("id,name\na,A\nb\n", "line 3: expected 2 fields, found 1");
    parse_bad("id,name\na,A\nb,B\na,Again\n", "line 4: duplicate id 'a'");
    parse_bad("id,name\na,A\nb,\n", "line 3: missing name");
    parse_bad("id,name,colour\na,A,red\n", "line 1: unknown column 'colour'");
    parse_bad("id,name,name\n", "line 1: column 'name' appears twice");
    parse_bad("name,tier\nA,key\n", "line 1: header has no 'id' column");
    parse_bad("id,name\na,\"A\nb,B\n", "line 2: unterminated quoted field");
    parse_bad("id,name,siren\na,A,12345\n", "line 2: siren '12345' must have 9 digits");
    parse_bad("id,name,country\na,A,France\n", "line 2: country 'France' is not an ISO 3166");
    parse_bad("id,name,tier\na,A,gold\n", "line 2: tier 'gold' is not key, candidate or standard");
    parse_bad("id,name,revenue\na,A,lots\n", "line 2: revenue 'lots' is not a number");
    parse_bad("id,name,domains\na,A,localhost\n", "line 2: bad domain 'localhost'");
    parse_bad("id,name\na,\"A\"x\n", "line 2: text after a closing quote");
    parse_bad("id,name\na,A\xff\n", "line 2: invalid UTF-8");
    parse_bad("   \n\n", "line 1: empty input");
}

static void test_json_errors(void **state)
{
    (void)state;
    parse_bad("[{\"id\":\"a\",\"name\":\"A\"},{\"id\":\"b\"}]", "line 1: account #2 (id b): missing name");
    parse_bad("[{\"id\":\"a\",\"name\":\"A\"},{\"id\":\"a\",\"name\":\"B\"}]",
              "line 1: account #2 (id a): duplicate id 'a'");
    parse_bad("[{\"name\":\"A\"}]", "line 1: account #1 (id ?): missing id");
    parse_bad("[{\"id\":\"a\",\"name\":\"A\",\"aliases\":[[\"x\"]]}]",
              "line 1: account #1 (id a): aliases must hold strings");
    parse_bad("[{\"id\":\"a\",\"name\":\"A\",\"colour\":\"red\"}]", "line 1: account #1 (id a): unknown field 'colour'");
    parse_bad("[{\"id\":\"a\",\"name\":\"A\",\"revenue\":{}}]", "line 1: account #1 (id a): field 'revenue' has the wrong type");
    parse_bad("[\"a\"]", "line 1: account #1 (id ?): not an object");
    parse_bad("[\n{\"id\":\"a\",\n\"name\":}\n]", "line 3: invalid JSON in account #1, column 8");
    parse_bad("{\"id\":\"a\"}", "line 1: expected a JSON array of accounts, not one object");
}

/* What an adversarial run found accepted, or reported where no one could find it. */
static void test_json_refusals_and_positions(void **state)
{
    (void)state;
    /* A number where text is expected is kept only when it is a whole number: anything else
     * would be stored as "8.8888899999999995e+120" (and converting it to an integer first
     * is undefined behaviour). */
    parse_bad("[{\"id\":8.88889e120,\"name\":\"A\"}]",
              "line 1: account #1 (id ?): id 8.8888899999999995e+120 is not a whole number below 10^15");
    parse_bad("[{\"id\":-1e300,\"name\":\"A\"}]", "line 1: account #1 (id ?): id -1.0000000000000001e+300 is not");
    parse_bad("[{\"id\":\"a\",\"name\":\"A\",\"identifiers\":{\"cik\":8.88889e120}}]",
              "line 1: account #1 (id a): cik 8.8888899999999995e+120 is not a whole number");
    parse_bad("[{\"id\":\"a\",\"name\":\"A\",\"siren\":1e300}]", "line 1: account #1 (id a): siren 1.0000000000000001e+300 is not");
    parse_bad("[{\"id\":1.5,\"name\":\"A\"}]", "line 1: account #1 (id ?): id 1.5 is not a whole number");
    parse_bad("[{\"id\":\"a\",\"name\":\"A\",\"aliases\":[\"x\",2.5]}]", "line 1: account #1 (id a): aliases 2.5 is not");
    /* A list given as a string. */
    parse_bad("[{\"id\":\"a\",\"name\":\"A\",\"aliases\":\"notalist\"}]",
              "line 1: account #1 (id a): aliases must be a list");
    parse_bad("[{\"id\":\"a\",\"name\":\"A\",\"domains\":\"a.example\"}]",
              "line 1: account #1 (id a): domains must be a list");
    parse_bad("[{\"id\":\"a\",\"name\":\"A\",\"identifiers\":\"siren=552008443\"}]",
              "line 1: account #1 (id a): identifiers must be an object");
    /* Ids are one word, in JSON and CSV alike. */
    parse_bad("[{\"id\":\"acme corp\",\"name\":\"A\"}]", "line 1: account #1 (id acme corp): id 'acme corp' contains a space");
    parse_bad("[{\"id\":\"acme\xc2\xa0" "corp\",\"name\":\"A\"}]", "line 1: account #1 (id acme\xc2\xa0" "corp): id");
    parse_bad("id,name\nok,Ok\nacme corp,Acme\n", "line 3: id 'acme corp' contains a space");
    /* Positions: the real line of the account in a pretty file, the account and column in a
     * file written on one line. */
    parse_bad("[\n  {\"id\": \"a\", \"name\": \"A\"},\n\n  {\"id\": \"b\",\n   \"name\": \"B\", \"tier\": \"gold\"}\n]",
              "line 4: account #2 (id b): tier 'gold'");
    parse_bad("[{\"id\":\"a\",\"name\":\"A\"},{\"id\":\"b\",\"name\":\"B\"},{\"id\":\"c\",\"name\":\"C\",}]",
              "line 1: invalid JSON in account #3, column ");
    parse_bad("[{\"id\":\"a\",\"name\":\"[{,\\\"\"},\n {\"id\":\"b\",\"name\":\"B\"}, {\"id\": }]",
              "line 2: invalid JSON in account #3, column ");
    /* A lone surrogate escape is one bad character, not a bad file. */
    struct enrich_account_set *s = parse_ok("[{\"id\":\"a\",\"name\":\"Caf\\ud83d\"}]");
    assert_string_equal(s->v[0].name, "Caf\xef\xbf\xbd");
    enrich_account_set_free(s);
}

static void test_json_lenient_forms(void **state)
{
    (void)state;
    /* Numbers as strings and whole numbers as text, identifiers at top level, nulls, notes. */
    struct enrich_account_set *s = parse_ok(
        "[{\"_comment\":\"ignored\",\"id\":42,\"name\":\"Bic\",\"aliases\":[\"BIC\",\"Groupe Bic\"],"
        "\"siren\":552008443,\"revenue\":\"90000\",\"margin\":1e20,\"owner\":null}]");
    assert_string_equal(s->v[0].id, "42");
    assert_int_equal(s->v[0].n_aliases, 2);
    assert_string_equal(enrich_account_identifier(&s->v[0], "siren"), "552008443");
    assert_true(s->v[0].revenue == 90000.0);
    assert_true(s->v[0].margin == 1e20);
    assert_null(s->v[0].owner);
    enrich_account_set_free(s);
    s = parse_ok("[]");
    assert_int_equal(s->n, 0);
    enrich_account_set_free(s);
}

/* Every allocation failure gives -1, no set, and (under ASan) no leak. */
static void test_allocation_failures(void **state)
{
    (void)state;
    const char *inputs[] = {
        "[{\"id\":\"a\",\"name\":\"A\",\"aliases\":[\"x\",\"y\"],\"identifiers\":{\"siren\":\"380129866\"}},"
        "{\"id\":\"b\",\"name\":\"B\",\"domains\":[\"b.com\"]}]",
        "id,name,aliases,siren\na,A,x|y,380129866\nb,B,,\n",
    };
    for (size_t k = 0; k < 2; k++) {
        int ok = 0;
        for (long n = 0; n < 200 && !ok; n++) {
            struct enrich_account_set *s = NULL;
            char err[256];
            vg_alloc_fail_after(n);
            int rc = enrich_accounts_parse(inputs[k], strlen(inputs[k]), &s, err, sizeof(err));
            vg_alloc_fail_after(-1);
            if (rc == 0) {
                assert_int_equal(s->n, 2);
                ok = 1;
            } else {
                assert_null(s);
            }
            enrich_account_set_free(s);
        }
        assert_true(ok);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dev_set_json),
        cmocka_unit_test(test_csv_matches_json),
        cmocka_unit_test(test_csv_forms),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_json_errors),
        cmocka_unit_test(test_json_refusals_and_positions),
        cmocka_unit_test(test_json_lenient_forms),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
