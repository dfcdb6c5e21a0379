/* Unit tests of an account owner's alert fields (owner_email, owner_slack, owner_timezone,
 * owner_digest): read from JSON and CSV, refused when they cannot work (naming the account and
 * the field), kept in the stored form the registry reads back, and kept by a CRM sync while
 * the owner stays the same. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enrich/account.h"
#include "enrich/account_json.h"
#include "enrich/account_sync.h"
#include "util/vg_alloc.h"

static struct enrich_account_set *parse(const char *text)
{
    struct enrich_account_set *set = NULL;
    char err[400] = "";
    if (enrich_accounts_parse(text, strlen(text), &set, err, sizeof(err)) < 0)
        fail_msg("'%s' did not parse: %s", text, err);
    return set;
}

static void parse_bad(const char *text, const char *want)
{
    struct enrich_account_set *set = NULL;
    char err[400] = "";
    if (enrich_accounts_parse(text, strlen(text), &set, err, sizeof(err)) == 0) {
        enrich_account_set_free(set);
        fail_msg("'%s' parsed, expected \"%s\"", text, want);
    }
    if (!strstr(err, want))
        fail_msg("error \"%s\", want \"%s\"", err, want);
}

static void json_and_csv_carry_the_owner_fields(void **state)
{
    (void)state;
    struct enrich_account_set *set =
        parse("[{\"id\": \"acme\", \"name\": \"Acme\", \"owner\": \"Alice Martin\", \"owner_email\": "
              "\"alice@example.com\", \"owner_slack\": \"U0123ABC\", \"owner_timezone\": \"Europe/Paris\", "
              "\"owner_digest\": \"weekly mon 08:00\"}]");
    const struct enrich_account *a = &set->v[0];
    assert_string_equal(a->owner_email, "alice@example.com");
    assert_string_equal(a->owner_slack, "U0123ABC");
    assert_string_equal(a->owner_timezone, "Europe/Paris");
    assert_string_equal(a->owner_digest, "weekly mon 08:00");

    /* The stored form holds them, and reads back the same (what the daemon's registry does). */
    char *json = enrich_account_to_json(a);
    assert_non_null(strstr(json, "\"owner_email\":\"alice@example.com\",\"owner_slack\":\"U0123ABC\","
                                 "\"owner_timezone\":\"Europe/Paris\",\"owner_digest\":\"weekly mon 08:00\""));
    char arr[1024];
    snprintf(arr, sizeof(arr), "[%s]", json);
    struct enrich_account_set *back = parse(arr);
    char *again = enrich_account_to_json(&back->v[0]);
    assert_string_equal(json, again);
    vg_free(again);
    vg_free(json);
    enrich_account_set_free(back);
    enrich_account_set_free(set);

    set = parse("id,name,owner,owner_email,owner_slack,owner_timezone,owner_digest\n"
                "acme,Acme,bob,bob@example.com,C0123ABC,America/New_York,no\n"
                "beta,Beta,,,,,\n");
    assert_string_equal(set->v[0].owner_slack, "C0123ABC");
    assert_string_equal(set->v[0].owner_digest, "no");
    assert_null(set->v[1].owner_email);
    assert_null(set->v[1].owner_digest);
    json = enrich_account_to_json(&set->v[1]);
    assert_null(strstr(json, "owner_"));
    vg_free(json);
    enrich_account_set_free(set);
}

static void bad_owner_fields_are_refused(void **state)
{
    (void)state;
    struct {
        const char *field, *value, *want;
    } cases[] = {
        {"owner_email", "alice", "owner_email 'alice' is not an e-mail address (name@domain)"},
        {"owner_email", "a@b@c.com", "is not an e-mail address"},
        {"owner_email", "alice@example.com, bob@example.com", "is not one e-mail address (it holds one of ,;<>\"())"},
        {"owner_email", "alice smith@example.com", "is not one e-mail address (it holds a blank)"},
        {"owner_email", "alice@example.com\\r\\nBcc: x@y.com", "control character"},
        {"owner_email", "<alice@example.com>", "it holds one of"},
        {"owner_slack", "#sales", "owner_slack '#sales' is not a Slack id"},
        {"owner_slack", "u0123abc", "is not a Slack id"},
        {"owner_slack", "X0123ABC", "is not a Slack id"},
        {"owner_timezone", "../../etc/passwd", "owner_timezone '../../etc/passwd' is not a time zone name"},
        {"owner_timezone", "/etc/localtime", "is not a time zone name"},
        {"owner_timezone", "Europe/Paris ", NULL}, /* trimmed: fine */
        {"owner_timezone", "Europe Paris", "is not a time zone name"},
        {"owner_digest", "hourly", "owner_digest 'hourly' is not a digest schedule"},
        {"owner_digest", "weekly someday 08:00", "is not a digest schedule"},
        {"owner_digest", "daily 25:00", "is not a digest schedule"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[512];
        snprintf(text, sizeof(text), "[{\"id\": \"acme\", \"name\": \"Acme\", \"%s\": \"%s\"}]", cases[i].field,
                 cases[i].value);
        if (cases[i].want)
            parse_bad(text, cases[i].want);
        else
            enrich_account_set_free(parse(text));
    }
    parse_bad("id,name,owner_email\nacme,Acme,not-an-address\n", "line 2: owner_email 'not-an-address'");
}

static void digest_and_zone_grammars(void **state)
{
    (void)state;
    char why[200];
    assert_int_equal(enrich_timezone_check("Etc/GMT+5", why, sizeof(why)), 0);
    assert_int_equal(enrich_timezone_check("America/Argentina/Buenos_Aires", why, sizeof(why)), 0);
    assert_int_equal(enrich_timezone_check("Europe/..", why, sizeof(why)), -1);
    assert_int_equal(enrich_slack_id_check("W0123ABCDE", why, sizeof(why)), 0);
    assert_int_equal(enrich_slack_id_check("C01", why, sizeof(why)), -1);
}

/* The CRM gives no owner fields: a sync keeps those of the registry while the owner is the
 * same, and drops them when the account has a new owner (they were the old owner's). */
static void a_sync_keeps_the_owner_fields_of_the_same_owner(void **state)
{
    (void)state;
    const char *stored = "[{\"id\": \"acme\", \"name\": \"Acme\", \"owner\": \"alice@example.com\", \"owner_slack\": "
                         "\"U0123ABC\", \"owner_digest\": \"no\"},"
                         " {\"id\": \"beta\", \"name\": \"Beta\", \"owner\": \"alice@example.com\", \"owner_slack\": "
                         "\"U0123ABC\"}]";
    const char *listed = "[{\"id\": \"acme\", \"name\": \"Acme SA\", \"owner\": \"Alice@Example.com\", \"tier\": \"key\"},"
                         " {\"id\": \"beta\", \"name\": \"Beta\", \"owner\": \"bob@example.com\", \"tier\": \"key\"}]";
    struct enrich_sync_plan *p = NULL;
    char err[400];
    assert_int_equal(enrich_sync_plan_new(listed, strlen(listed), stored, strlen(stored), NULL, 0,
                                          "2025-01-01T00:00:00Z", &p, err, sizeof(err)),
                     0);
    assert_int_equal(p->updated, 2);
    assert_non_null(strstr(p->v[0].json, "\"owner_slack\":\"U0123ABC\",\"owner_digest\":\"no\""));
    assert_null(strstr(p->v[1].json, "owner_slack"));
    enrich_sync_plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_and_csv_carry_the_owner_fields),
        cmocka_unit_test(bad_owner_fields_are_refused),
        cmocka_unit_test(digest_and_zone_grammars),
        cmocka_unit_test(a_sync_keeps_the_owner_fields_of_the_same_owner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
