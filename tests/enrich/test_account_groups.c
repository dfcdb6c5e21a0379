/* test_account_groups — groups inside an account (issue 16 part 5): parent_id and units read
 * from JSON and CSV and stored back; an import refused, naming the line, when a parent does
 * not exist, when parents go round in a cycle, or when a unit's name is another account's;
 * and a unit's name, alias or domain in a text found as its account with the unit named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "enrich/account.h"
#include "enrich/account_json.h"
#include "enrich/matcher.h"
#include "util/vg_alloc.h"

static struct enrich_account_set *parse_ok(const char *text)
{
    struct enrich_account_set *set = NULL;
    char err[256];
    if (enrich_accounts_parse(text, strlen(text), &set, err, sizeof(err)) < 0)
        fail_msg("unexpected error: %s", err);
    assert_non_null(set);
    return set;
}

static void parse_bad(const char *text, const char *want)
{
    struct enrich_account_set *set = (void *)1;
    char err[256] = "";
    assert_int_equal(enrich_accounts_parse(text, strlen(text), &set, err, sizeof(err)), -1);
    assert_null(set);
    if (!strstr(err, want))
        fail_msg("error \"%s\", want it to hold \"%s\"", err, want);
}

/* enrich_accounts_check_groups on `file` joining `registry` (NULL: an empty registry): the
 * error, or "" when it passes. */
static void check(const char *file, const char *registry, char *err, size_t errlen)
{
    struct enrich_account_set *in = parse_ok(file), *known = registry ? parse_ok(registry) : NULL;
    if (enrich_accounts_check_groups(in, known, err, errlen) == 0)
        assert_string_equal(err, "");
    enrich_account_set_free(in);
    enrich_account_set_free(known);
}

static const char group_json[] =
    "[\n"
    "  {\"id\": \"orange\", \"name\": \"Orange\", \"domains\": [\"orange.com\"],\n"
    "   \"units\": [{\"name\": \"Orange Business\", \"aliases\": [\"OBS\", \"Orange Business Services\"],\n"
    "                \"domains\": [\"https://www.Orange-Business.com/fr\"]},\n"
    "               {\"name\": \"Orange Cyberdefense\"}]},\n"
    "  {\"id\": \"orange-bank\", \"name\": \"Orange Bank\", \"parent_id\": \"orange\"}\n"
    "]\n";

static void test_json_units_and_parent(void **state)
{
    (void)state;
    struct enrich_account_set *set = parse_ok(group_json);
    const struct enrich_account *o = enrich_account_find(set, "orange");
    assert_int_equal(o->n_units, 2);
    assert_string_equal(o->units[0].name, "Orange Business");
    assert_int_equal(o->units[0].n_aliases, 2);
    assert_string_equal(o->units[0].aliases[1], "Orange Business Services");
    assert_string_equal(o->units[0].domains[0], "orange-business.com");
    assert_int_equal(o->units[1].n_aliases + o->units[1].n_domains, 0);
    assert_null(o->parent_id);
    assert_int_equal(enrich_account_unit_find(o, "orange cyberdefense"), 1);
    assert_int_equal(enrich_account_unit_find(o, "Orange Bank"), -1);
    const struct enrich_account *b = enrich_account_find(set, "orange-bank");
    assert_string_equal(b->parent_id, "orange");
    assert_int_equal(o->line, 2);
    assert_int_equal(b->line, 6);

    /* The stored form, and back. */
    char *j = enrich_account_to_json(o);
    assert_string_equal(j, "{\"id\":\"orange\",\"name\":\"Orange\",\"domains\":[\"orange.com\"],\"tier\":\"standard\","
                           "\"units\":[{\"name\":\"Orange Business\",\"aliases\":[\"OBS\",\"Orange Business Services\"],"
                           "\"domains\":[\"orange-business.com\"]},{\"name\":\"Orange Cyberdefense\"}]}");
    char wrapped[1024];
    snprintf(wrapped, sizeof(wrapped), "[%s]", j);
    vg_free(j);
    struct enrich_account_set *again = parse_ok(wrapped);
    char *j2 = enrich_account_to_json(&again->v[0]);
    j = enrich_account_to_json(o);
    assert_string_equal(j, j2);
    vg_free(j);
    vg_free(j2);
    j = enrich_account_to_json(b);
    assert_string_equal(j, "{\"id\":\"orange-bank\",\"name\":\"Orange Bank\",\"tier\":\"standard\",\"parent_id\":\"orange\"}");
    vg_free(j);
    enrich_account_set_free(again);
    enrich_account_set_free(set);
}

static void test_csv_units(void **state)
{
    (void)state;
    struct enrich_account_set *set = parse_ok(
        "id,name,parent_id,units\n"
        "orange,Orange,,\"Orange Business; aliases=OBS, Orange Business Services; domains=orange-business.com"
        " | Orange Cyberdefense\"\n"
        "orange-bank,Orange Bank,orange,\n");
    const struct enrich_account *o = enrich_account_find(set, "orange");
    assert_int_equal(o->n_units, 2);
    assert_string_equal(o->units[0].name, "Orange Business");
    assert_int_equal(o->units[0].n_aliases, 2);
    assert_string_equal(o->units[0].aliases[0], "OBS");
    assert_string_equal(o->units[0].domains[0], "orange-business.com");
    assert_string_equal(o->units[1].name, "Orange Cyberdefense");
    assert_string_equal(enrich_account_find(set, "orange-bank")->parent_id, "orange");
    assert_int_equal(o->line, 2);
    enrich_account_set_free(set);
}

static void test_bad_units(void **state)
{
    (void)state;
    parse_bad("[{\"id\": \"a\", \"name\": \"A\", \"units\": [{\"aliases\": [\"x\"]}]}]",
              "line 1: account #1 (id a): a unit has no name");
    parse_bad("[{\"id\": \"a\", \"name\": \"A\", \"units\": [{\"name\": \"U\", \"people\": 3}]}]",
              "unit 'U': unknown member 'people'");
    parse_bad("[{\"id\": \"a\", \"name\": \"A\", \"units\": [{\"name\": \"U\"}, {\"name\": \"u\"}]}]",
              "unit 'u' appears twice");
    parse_bad("[{\"id\": \"a\", \"name\": \"A\", \"units\": \"U\"}]", "units must be a list");
    parse_bad("[{\"id\": \"a\", \"name\": \"A\", \"units\": [{\"name\": \"U\", \"domains\": [\"nodot\"]}]}]",
              "unit 'U': bad domain 'nodot'");
    parse_bad("id,name,units\na,A,U; people=3\n", "line 2: unit 'U': 'people=3' is not aliases=... or domains=...");
    parse_bad("id,name,units\na,A,; aliases=x\n", "line 2: a unit has no name");
    parse_bad("id,name,parent_id\na,A,a\n", "line 2: parent_id 'a' is the account itself");
    parse_bad("id,name,parent_id\na,A,two words\n", "line 2: parent_id: id 'two words' contains a space");
}

static void test_missing_parent_names_the_line(void **state)
{
    (void)state;
    char err[512] = "";
    check("[\n {\"id\": \"a\", \"name\": \"Alpha\"},\n\n {\"id\": \"b\", \"name\": \"Beta\", \"parent_id\": \"nope\"}\n]",
          NULL, err, sizeof(err));
    assert_string_equal(err, "line 4: account b: parent_id 'nope' is no account (neither in this file nor in the "
                             "registry)");
    check("id,name,parent_id\na,Alpha,\nb,Beta,\nc,Gamma,zed\n", NULL, err, sizeof(err));
    assert_string_equal(err, "line 4: account c: parent_id 'zed' is no account (neither in this file nor in the "
                             "registry)");
    /* A parent the registry holds is a parent. */
    check("id,name,parent_id\nb,Beta,a\n", "[{\"id\": \"a\", \"name\": \"Alpha\"}]", err, sizeof(err));
    assert_string_equal(err, "");
}

static void test_parent_cycle_names_the_line(void **state)
{
    (void)state;
    char err[512] = "";
    check("id,name,parent_id\na,Alpha,c\nb,Beta,a\nc,Gamma,b\n", NULL, err, sizeof(err));
    assert_string_equal(err, "line 2: account a: parent cycle: a -> c -> b -> a");
    /* Round through the registry: the file makes b a's parent while the registry has a under b. */
    check("[{\"id\": \"b\", \"name\": \"Beta\", \"parent_id\": \"a\"}]",
          "[{\"id\": \"a\", \"name\": \"Alpha\", \"parent_id\": \"b\"}, {\"id\": \"b\", \"name\": \"Beta\"}]", err,
          sizeof(err));
    assert_string_equal(err, "line 1: account b: parent cycle: b -> a -> b");
    /* The file's record replaces the registry's: moving a out from under b breaks the cycle. */
    check("[{\"id\": \"b\", \"name\": \"Beta\", \"parent_id\": \"a\"}, {\"id\": \"a\", \"name\": \"Alpha\"}]",
          "[{\"id\": \"a\", \"name\": \"Alpha\", \"parent_id\": \"b\"}]", err, sizeof(err));
    assert_string_equal(err, "");
}

static void test_unit_alias_colliding_with_an_account(void **state)
{
    (void)state;
    char err[512] = "";
    check(group_json, NULL, err, sizeof(err));
    assert_string_equal(err, "");
    /* The alias "OBS" of orange's unit is the name of another account (legal form aside). */
    check("[{\"id\": \"orange\", \"name\": \"Orange\", \"units\": [{\"name\": \"Orange Business\", \"aliases\": [\"OBS\"]}]},\n"
          " {\"id\": \"obs\", \"name\": \"OBS SA\"}]",
          NULL, err, sizeof(err));
    assert_string_equal(err, "line 1: unit 'Orange Business' (alias 'OBS') of account orange is also the name or an "
                             "alias of account obs (OBS SA); a mention could not tell them apart");
    /* A unit named like an account of the registry: the line is the file's. */
    check("[\n{\"id\": \"orange\", \"name\": \"Orange\", \"units\": [{\"name\": \"Orange Bank\"}]}]",
          "[{\"id\": \"orange-bank\", \"name\": \"Orange Bank\", \"parent_id\": \"orange\"}]", err, sizeof(err));
    assert_string_equal(err, "line 2: unit 'Orange Bank' of account orange is also the name or an alias of account "
                             "orange-bank (Orange Bank); a mention could not tell them apart");
    /* A unit named like its own account's alias is no clash. */
    check("[{\"id\": \"o\", \"name\": \"Orange\", \"aliases\": [\"OBS\"], \"units\": [{\"name\": \"OBS\"}]}]", NULL, err,
          sizeof(err));
    assert_string_equal(err, "");
}

/* The accounts and units the matcher finds in `text`: "account[/unit]" separated by spaces. */
static void found(const struct enrich_matcher *m, const struct enrich_account_set *set, const char *text, char *out,
                  size_t outlen)
{
    struct enrich_match *v;
    size_t n;
    assert_int_equal(enrich_match_text(m, text, strlen(text), NULL, ENRICH_MATCH_MIN_CONFIDENCE, &v, &n), 0);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const struct enrich_account *a = &set->v[v[i].account];
        size_t l = strlen(out);
        snprintf(out + l, outlen - l, "%s%s%s%s", l ? " " : "", a->id, v[i].unit >= 0 ? "/" : "",
                 v[i].unit >= 0 ? a->units[v[i].unit].name : "");
    }
    vg_free(v);
}

static void test_matcher_names_the_unit(void **state)
{
    (void)state;
    struct enrich_account_set *set = parse_ok(
        "[{\"id\": \"orange\", \"name\": \"Orange\", \"aliases\": [\"Orange SA\"], \"domains\": [\"orange.com\"],"
        "  \"units\": [{\"name\": \"Orange Business\", \"aliases\": [\"Orange Business Services\", \"Orange SA\"],"
        "               \"domains\": [\"orange-business.com\"]},"
        "              {\"name\": \"Orange Cyberdefense\", \"aliases\": [\"Secure Link\"]}]},"
        " {\"id\": \"orange-bank\", \"name\": \"Orange Bank\", \"parent_id\": \"orange\"},"
        " {\"id\": \"danone\", \"name\": \"Danone\"}]");
    char err[256], out[512];
    struct enrich_matcher *m = enrich_matcher_build(set, err, sizeof(err));
    assert_non_null(m);
    found(m, set, "Orange Business Services signs a contract with Danone.", out, sizeof(out));
    assert_string_equal(out, "orange/Orange Business danone");
    found(m, set, "Secure Link, the security arm, hires 300 people.", out, sizeof(out));
    assert_string_equal(out, "orange/Orange Cyberdefense");
    found(m, set, "Read more on orange-business.com about the deal.", out, sizeof(out));
    assert_string_equal(out, "orange/Orange Business");
    /* The account's own name, or an alias it shares with a unit, names no unit. */
    found(m, set, "Orange SA reports its results.", out, sizeof(out));
    assert_string_equal(out, "orange");
    /* A subsidiary is its own account. */
    found(m, set, "Orange Bank raises 50 million euros.", out, sizeof(out));
    assert_string_equal(out, "orange-bank");
    enrich_matcher_free(m);
    enrich_account_set_free(set);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    const char *inputs[] = {group_json, "id,name,units\na,A,\"U; aliases=x, y; domains=u.com | V\"\n"};
    for (size_t k = 0; k < 2; k++) {
        int ok = 0;
        for (int n = 0; n < 2000 && !ok; n++) {
            struct enrich_account_set *s = NULL;
            char err[256];
            vg_alloc_fail_after(n);
            int rc = enrich_accounts_parse(inputs[k], strlen(inputs[k]), &s, err, sizeof(err));
            int rc2 = rc == 0 ? enrich_accounts_check_groups(s, NULL, err, sizeof(err)) : -1;
            vg_alloc_fail_after(-1);
            if (rc == 0)
                ok = rc2 == 0;
            else
                assert_null(s);
            enrich_account_set_free(s);
        }
        assert_true(ok);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_units_and_parent),
        cmocka_unit_test(test_csv_units),
        cmocka_unit_test(test_bad_units),
        cmocka_unit_test(test_missing_parent_names_the_line),
        cmocka_unit_test(test_parent_cycle_names_the_line),
        cmocka_unit_test(test_unit_alias_colliding_with_an_account),
        cmocka_unit_test(test_matcher_names_the_unit),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
