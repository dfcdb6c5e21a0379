/* Unit tests of sinks/alert_noise: the owner's key, targets resolved from a receiver and an
 * account, quiet hours in the owner's zone (across midnight and a clock change), inhibition,
 * silences (matchers, times, refused shapes). Every decision is given its time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "sinks/alert_noise.h"
#include "util/vg_time.h"

static int64_t at(const char *rfc3339)
{
    int64_t ms = 0;
    assert_int_equal(vg_parse_rfc3339_ms(rfc3339, &ms), 0);
    return ms;
}

static void owner_key_is_the_lower_cased_email_else_the_owner(void **state)
{
    (void)state;
    char key[64];
    struct alert_owner o = {.name = "Claire Martin", .email = "Claire.Martin@Example.COM"};
    assert_int_equal(alert_owner_key(&o, key, sizeof(key)), 25);
    assert_string_equal(key, "claire.martin@example.com");
    o.email = NULL;
    assert_true(alert_owner_key(&o, key, sizeof(key)) > 0);
    assert_string_equal(key, "Claire Martin");
    o.name = "";
    assert_int_equal(alert_owner_key(&o, key, sizeof(key)), -1);
    o.name = "paul@example.com";
    assert_int_equal(alert_owner_key(&o, key, 8), -1); /* does not fit */
    assert_string_equal(alert_owner_address(&o), "paul@example.com");
    o.name = "Paul Durand";
    assert_null(alert_owner_address(&o));
}

static void targets_come_from_the_receiver_and_the_account(void **state)
{
    (void)state;
    struct alert_receiver r = {.name = "sales"};
    r.target[ALERT_SLACK] = "owner";
    r.target[ALERT_TEAMS] = "yes";
    r.target[ALERT_EMAIL] = "owner, boss@example.com";
    struct alert_owner o = {.name = "Claire", .email = "claire@example.com", .slack = "U024BE7LH"};
    struct alert_target t[ALERT_N_CHANNELS];
    unsigned none = 0;
    int n = alert_targets(&r, &o, ALERT_SLACK_BOT, t, &none);
    assert_int_equal(n, 3);
    assert_int_equal(t[0].channel, ALERT_SLACK);
    assert_string_equal(t[0].target, "U024BE7LH");
    assert_int_equal(t[1].channel, ALERT_TEAMS);
    assert_string_equal(t[1].target, "");
    assert_int_equal(t[2].channel, ALERT_EMAIL);
    assert_string_equal(t[2].target, "claire@example.com,boss@example.com");
    assert_int_equal(none, 0);
    alert_targets_clear(t, (size_t)n);

    /* an account without owner_slack nor an address: those "owner" targets send nothing */
    struct alert_owner bare = {.name = "Claire"};
    n = alert_targets(&r, &bare, ALERT_SLACK_BOT, t, &none);
    assert_int_equal(n, 2);
    assert_int_equal(t[0].channel, ALERT_TEAMS);
    assert_string_equal(t[1].target, "boss@example.com");
    assert_int_equal(none, 2);
    alert_targets_clear(t, (size_t)n);

    /* through an incoming webhook, Slack posts to the webhook's own channel whatever is given */
    none = 0;
    r.target[ALERT_SLACK] = "#sales";
    r.target[ALERT_EMAIL] = NULL;
    r.target[ALERT_TEAMS] = NULL;
    n = alert_targets(&r, &bare, ALERT_SLACK_WEBHOOK, t, &none);
    assert_int_equal(n, 1);
    assert_string_equal(t[0].target, "");
    alert_targets_clear(t, (size_t)n);
    n = alert_targets(&r, &bare, ALERT_SLACK_BOT, t, &none);
    assert_string_equal(t[0].target, "#sales");
    alert_targets_clear(t, (size_t)n);
}

static void quiet_hours_are_the_owner_s_local_night(void **state)
{
    (void)state;
    int from = 20 * 60, to = 8 * 60;
    /* 21:30 in Paris (winter: UTC+1) */
    assert_int_equal(alert_quiet(from, to, "Europe/Paris", at("2024-01-15T20:30:00Z")), 1);
    /* the same instant is 15:30 in New York: not quiet there */
    assert_int_equal(alert_quiet(from, to, "America/New_York", at("2024-01-15T20:30:00Z")), 0);
    /* 07:59 and 08:00 in Paris, summer (UTC+2) */
    assert_int_equal(alert_quiet(from, to, "Europe/Paris", at("2024-07-15T05:59:00Z")), 1);
    assert_int_equal(alert_quiet(from, to, "Europe/Paris", at("2024-07-15T06:00:00Z")), 0);
    /* the morning of the spring change: 07:30 local is 05:30 UTC */
    assert_int_equal(alert_quiet(from, to, "Europe/Paris", at("2024-03-31T05:30:00Z")), 1);
    assert_int_equal(alert_quiet(from, to, "Europe/Paris", at("2024-03-31T06:30:00Z")), 0);
    /* a window within the day */
    assert_int_equal(alert_quiet(12 * 60, 14 * 60, "UTC", at("2024-01-15T13:00:00Z")), 1);
    assert_int_equal(alert_quiet(12 * 60, 14 * 60, "UTC", at("2024-01-15T14:00:00Z")), 0);
    assert_int_equal(alert_quiet(from, to, "Nowhere/Land", 0), -1);
}

static void an_inhibition_holds_back_lesser_alerts_of_other_types(void **state)
{
    (void)state;
    assert_true(alert_type_listed("insolvency, bankruptcy", "bankruptcy"));
    assert_true(alert_type_listed("insolvency", "insolvency"));
    assert_false(alert_type_listed("insolvency", "insolv"));
    assert_false(alert_type_listed(NULL, "insolvency"));
    const char *inh = "90|1705320000000|insolvency"; /* until 2024-01-15T12:00:00Z */
    int64_t before = at("2024-01-15T11:59:59Z");
    assert_true(alert_inhibited(inh, 60, "funding", before));
    assert_false(alert_inhibited(inh, 95, "funding", before));      /* higher: goes through */
    assert_false(alert_inhibited(inh, 90, "funding", before));      /* equal: goes through */
    assert_false(alert_inhibited(inh, 50, "insolvency", before));   /* same type */
    assert_false(alert_inhibited(inh, 60, "funding", at("2024-01-15T12:00:00Z"))); /* over */
    assert_false(alert_inhibited(NULL, 10, "funding", before));
    assert_false(alert_inhibited("garbage", 10, "funding", before));
    assert_false(alert_inhibited("90|insolvency", 10, "funding", before)); /* no time */
}

static void silences_match_on_what_they_name_while_they_run(void **state)
{
    (void)state;
    const char *json = "{\"id\":\"s1\",\"account\":null,\"owner\":\"Claire@Example.com\",\"type\":\"funding\","
                       "\"starts\":\"2024-01-15T00:00:00Z\",\"ends\":\"2024-01-22T00:00:00Z\","
                       "\"comment\":\"holiday\",\"created_by\":\"paul\"}";
    struct alert_silence s;
    assert_int_equal(alert_silence_parse(json, strlen(json), &s), 0);
    struct alert_owner o = {.name = "Claire", .email = "claire@example.com"};
    int64_t mid = at("2024-01-18T12:00:00Z");
    assert_true(alert_silence_matches(&s, "airbus", &o, "claire@example.com", "funding", mid));
    assert_false(alert_silence_matches(&s, "airbus", &o, "claire@example.com", "acquisition", mid));
    struct alert_owner other = {.name = "Paul", .email = "paul@example.com"};
    assert_false(alert_silence_matches(&s, "airbus", &other, "paul@example.com", "funding", mid));
    assert_false(alert_silence_matches(&s, "airbus", &o, "claire@example.com", "funding", at("2024-01-22T00:00:00Z")));
    assert_false(alert_silence_matches(&s, "airbus", &o, "claire@example.com", "funding", at("2024-01-14T23:59:59Z")));
    alert_silence_clear(&s);

    const char *acct = "{\"id\":\"s2\",\"account\":\"airbus\",\"starts\":\"2024-01-15T00:00:00Z\","
                       "\"ends\":\"2024-01-16T00:00:00Z\"}";
    assert_int_equal(alert_silence_parse(acct, strlen(acct), &s), 0);
    assert_true(alert_silence_matches(&s, "airbus", &other, "paul@example.com", "anything",
                                      at("2024-01-15T10:00:00Z")));
    assert_false(alert_silence_matches(&s, "capgemini", &other, "paul@example.com", "anything",
                                       at("2024-01-15T10:00:00Z")));
    alert_silence_clear(&s);

    const char *bad[] = {
        "{\"id\":\"s3\",\"starts\":\"2024-01-15T00:00:00Z\",\"ends\":\"2024-01-16T00:00:00Z\"}", /* no matcher */
        "{\"id\":\"s4\",\"type\":\"x\",\"starts\":\"yesterday\",\"ends\":\"2024-01-16T00:00:00Z\"}",
        "{\"type\":\"x\",\"starts\":\"2024-01-15T00:00:00Z\",\"ends\":\"2024-01-16T00:00:00Z\"}",
        "{\"id\":\"s5\",\"type\":7,\"starts\":\"2024-01-15T00:00:00Z\",\"ends\":\"2024-01-16T00:00:00Z\"}",
        "[1,2]", "not json",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        assert_int_equal(alert_silence_parse(bad[i], strlen(bad[i]), &s), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(owner_key_is_the_lower_cased_email_else_the_owner),
        cmocka_unit_test(targets_come_from_the_receiver_and_the_account),
        cmocka_unit_test(quiet_hours_are_the_owner_s_local_night),
        cmocka_unit_test(an_inhibition_holds_back_lesser_alerts_of_other_types),
        cmocka_unit_test(silences_match_on_what_they_name_while_they_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
