/* Unit tests of the alert routing configuration as a user writes it: [alerts], [route.NAME] and
 * [receiver.NAME] read by the configuration loader, check-config's messages with their lines,
 * the route match (Alertmanager's first-match-wins tree, continue, children, inheritance,
 * the default route), the listing, the example and the reload comparison.
 *
 * The router's sink type is another file's: the tests build one of their own from the
 * pieces alert_config.c gives it, as sinks/sink_alerts.c does, and load through
 * vg_config_load_types. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/config.h"
#include "sinks/alert_config.h"
#include "sinks/sink.h"
#include "util/vg_alloc.h"
#include "util/vg_tz.h"

static const struct sink_type alerts_type = {
    .name = "alerts",
    .summary = "routes signals to receivers (the tests' router)",
    .options = alert_options,
    .config_size = sizeof(struct alert_config),
    .max_batch = 100,
    .streams = "signals",
    .check = alert_sink_check,
    .section = "alerts",
    .more_sections = alert_more_sections,
    .section_entry = alert_sink_section_entry,
    .config_clear = alert_sink_config_clear,
    .config_differs = alert_sink_config_differs,
    .config_print = alert_sink_config_print,
    .example = alert_config_example,
};

static const struct sink_type outbox = {
    .name = "outbox", .summary = "writes records to a file", .max_batch = 1, .streams = "signals",
};

static const struct sink_type *const types[] = {&alerts_type, &outbox, NULL};

/* ---- helpers ----------------------------------------------------------------------- */

static char path[64];

static const char *write_tmp(const char *text)
{
    strcpy(path, "/tmp/vgalertXXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static struct vg_config *load(const char *text)
{
    char err[512] = "";
    struct vg_config *c = vg_config_load_types(write_tmp(text), types, err, sizeof(err));
    if (!c)
        fail_msg("'%s' did not load: %s", text, err);
    unlink(path);
    return c;
}

static const struct alert_config *alerts_of(const struct vg_config *c)
{
    const struct vg_sink_section *s = vg_config_sink(c, "alerts");
    assert_non_null(s);
    return s->config;
}

/* Loads `text`, expects failure with the error "FILE:" + want. */
static void load_bad(const char *text, const char *want)
{
    char err[600] = "", expect[600];
    struct vg_config *c = vg_config_load_types(write_tmp(text), types, err, sizeof(err));
    unlink(path);
    if (c) {
        vg_config_free(c);
        fail_msg("'%s' loaded, expected \"%s\"", text, want);
    }
    snprintf(expect, sizeof(expect), "%s:%s", path, want);
    if (strncmp(err, expect, strlen(expect)) != 0)
        fail_msg("error \"%s\", want \"%s...\"", err, expect);
}

/* The receivers a subject goes to, as "name@route name@route ...". */
static const char *route(const struct alert_config *a, const struct alert_subject *s)
{
    static char out[256];
    size_t idx[8];
    const char *routes[8];
    size_t n = alert_route_match(a, s, idx, routes, 8);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(out);
        snprintf(out + used, sizeof(out) - used, "%s%s@%s", i ? " " : "", a->receivers[idx[i]].name, routes[i]);
    }
    return out;
}

#define RECEIVERS                                                                                                  \
    "[receiver.a]\nslack = #a\n[receiver.b]\nslack = #b\n[receiver.c]\nslack = #c\n[receiver.d]\nslack = #d\n"

/* ---- the route match --------------------------------------------------------------- */

static void first_match_wins_and_continue_goes_on(void **state)
{
    (void)state;
    struct vg_config *c = load("[alerts]\nreceiver = d\n"
                               "[route.one]\ntype = fundraising\nreceiver = a\n"
                               "[route.two]\ntype = fundraising,hiring\nreceiver = b\n"
                               "[route.three]\ntype = hiring\nreceiver = c\ncontinue = yes\n"
                               "[route.four]\ntype = hiring\nreceiver = a\n" RECEIVERS);
    const struct alert_config *a = alerts_of(c);
    struct alert_subject s = {.tier = "key", .type = "fundraising", .priority = 50};
    assert_string_equal(route(a, &s), "a@one"); /* two matches too, but one came first */
    s.type = "hiring";
    assert_string_equal(route(a, &s), "b@two"); /* two does not continue: three is not tried */
    s.type = "insolvency";
    assert_string_equal(route(a, &s), "d@default");
    vg_config_free(c);

    c = load("[alerts]\nreceiver = d\n"
             "[route.one]\ntype = hiring\nreceiver = c\ncontinue = yes\n"
             "[route.two]\ntype = hiring\nreceiver = a\n"
             "[route.three]\ntype = hiring\nreceiver = b\n" RECEIVERS);
    a = alerts_of(c);
    s.type = "hiring";
    assert_string_equal(route(a, &s), "c@one a@two"); /* one continues, two stops */
    vg_config_free(c);
}

static void children_take_the_signal_and_inherit_the_receiver(void **state)
{
    (void)state;
    struct vg_config *c = load("[alerts]\nreceiver = d\n"
                               "[route.keys]\ntier = key\nreceiver = a\n"
                               "[route.urgent]\nparent = keys\npriority = 80-100\nreceiver = b\n"
                               "[route.risk]\nparent = keys\ntype = insolvency\n"
                               "[route.deep]\nparent = urgent\nlang = fr\nreceiver = c\n"
                               "[route.rest]\npriority = 90\n" RECEIVERS);
    const struct alert_config *a = alerts_of(c);
    struct alert_subject s = {.tier = "key", .type = "hiring", .priority = 85, .lang = "en"};
    assert_string_equal(route(a, &s), "b@urgent");  /* deep does not match: urgent's own */
    s.lang = "fr";
    assert_string_equal(route(a, &s), "c@deep");
    s.priority = 40;
    assert_string_equal(route(a, &s), "a@keys");    /* no child matches: the parent's own */
    s.type = "insolvency";
    assert_string_equal(route(a, &s), "a@risk");    /* risk has no receiver: its parent's */
    s.tier = "standard";
    s.priority = 95;
    assert_string_equal(route(a, &s), "d@rest");    /* a top-level route without receiver: the default's */
    s.priority = 10;
    assert_string_equal(route(a, &s), "d@default");
    vg_config_free(c);
}

static void each_matcher(void **state)
{
    (void)state;
    struct vg_config *c = load("[alerts]\n"
                               "[route.owner]\nowner = Alice@Example.com, bob\nreceiver = a\ncontinue = yes\n"
                               "[route.tier]\ntier = candidate\nreceiver = b\ncontinue = yes\n"
                               "[route.prio]\npriority = 60-70\nreceiver = c\ncontinue = yes\n"
                               "[route.lang]\nlang = fr\nreceiver = d\ncontinue = yes\n" RECEIVERS);
    const struct alert_config *a = alerts_of(c);
    struct alert_subject s = {.tier = "standard", .type = "hiring", .priority = 50};
    assert_string_equal(route(a, &s), ""); /* nothing matches, no default route: nowhere */
    s.owner = "Alice Martin";
    s.owner_email = "alice@example.COM";
    assert_string_equal(route(a, &s), "a@owner"); /* by owner_email, case aside */
    s.owner = "BOB";
    s.owner_email = NULL;
    assert_string_equal(route(a, &s), "a@owner"); /* by owner */
    s.owner = NULL;
    s.tier = "candidate";
    assert_string_equal(route(a, &s), "b@tier");
    s.tier = "key";
    s.priority = 60;
    assert_string_equal(route(a, &s), "c@prio");
    s.priority = 70;
    assert_string_equal(route(a, &s), "c@prio");
    s.priority = 71;
    assert_string_equal(route(a, &s), "");
    s.lang = "FR";
    assert_string_equal(route(a, &s), "d@lang");
    s.lang = NULL; /* a signal without language does not match a lang route */
    assert_string_equal(route(a, &s), "");
    vg_config_free(c);

    c = load("[alerts]\n[route.high]\npriority = 80\nreceiver = a\n" RECEIVERS);
    a = alerts_of(c);
    s.priority = 79;
    assert_string_equal(route(a, &s), "");
    s.priority = 80;
    assert_string_equal(route(a, &s), "a@high");
    s.priority = 100;
    assert_string_equal(route(a, &s), "a@high");
    vg_config_free(c);
}

static void a_receiver_is_given_once(void **state)
{
    (void)state;
    struct vg_config *c = load("[alerts]\nreceiver = a\n"
                               "[route.one]\ntype = hiring\ncontinue = yes\n"
                               "[route.two]\ntier = key\nreceiver = b\ncontinue = yes\n"
                               "[route.three]\npriority = 10\nreceiver = a\ncontinue = yes\n"
                               "[route.four]\npriority = 10\nreceiver = b\n" RECEIVERS);
    const struct alert_config *a = alerts_of(c);
    struct alert_subject s = {.tier = "key", .type = "hiring", .priority = 50};
    assert_string_equal(route(a, &s), "a@one b@two"); /* three and four add nothing new */
    size_t idx[1];
    assert_int_equal(alert_route_match(a, &s, idx, NULL, 1), 1); /* at most max, routes not asked */
    vg_config_free(c);
}

/* ---- the file as check-config reads it ------------------------------------------------- */

static void alerts_runs_when_written(void **state)
{
    (void)state;
    struct vg_config *c = load("[log]\nlevel = info\n[alerts]\n");
    const struct vg_sink_section *s = vg_config_sink(c, "alerts");
    assert_non_null(s);
    assert_int_equal(s->common.enabled, 1);
    const struct alert_config *a = s->config;
    assert_int_equal(a->group_wait_ms, 30000);
    assert_int_equal(a->cap_per_hour, 10);
    assert_int_equal(a->quiet_below, 70);
    assert_string_equal(a->timezone, "UTC");
    assert_string_equal(a->inhibit_types, "insolvency");
    assert_int_equal(a->inhibit_for_ms, 7LL * 86400 * 1000);
    assert_string_equal(a->digest, "daily 08:00");
    assert_int_equal(a->email_min_priority, 80);
    assert_int_equal(a->n_routes, 0);
    vg_config_free(c);

    c = load("[alerts]\nenabled = no\n");
    assert_int_equal(vg_config_sink(c, "alerts")->common.enabled, 0);
    vg_config_free(c);

    c = load("[log]\nlevel = info\n");
    assert_null(vg_config_sink(c, "alerts")); /* not written: no router */
    vg_config_free(c);
}

static void routes_need_the_alerts_section(void **state)
{
    (void)state;
    load_bad("[log]\nlevel = info\n\n[route.keys]\ntier = key\nreceiver = a\n[receiver.a]\nslack = #a\n",
             "4: section [route.keys] needs an [alerts] section");
    /* [alerts] may come after the routes. */
    struct vg_config *c = load("[route.keys]\ntier = key\nreceiver = a\n[receiver.a]\nslack = #a\n[alerts]\n");
    assert_int_equal(alerts_of(c)->n_routes, 1);
    assert_int_equal(alerts_of(c)->routes[0].line, 1);
    vg_config_free(c);
    load_bad("[sink.alerts]\nenabled = yes\n", "2: unknown section [sink.alerts]: the alerts sink is configured in [alerts]");
}

static void bad_routes_are_named_by_line(void **state)
{
    (void)state;
    const char *head = "[alerts]\nreceiver = a\n[receiver.a]\nslack = owner\n"; /* lines 1-4 */
    struct {
        const char *text, *want;
    } cases[] = {
        {"[route.x]\ntype = hiring\nreceiver = nobody\n", "7: route 'x': no receiver 'nobody' (no [receiver.nobody] section)"},
        {"[route.x]\nparent = y\ntype = hiring\n", "6: route 'x': no route 'y' for a parent"},
        {"[route.x]\nparent = x\n", "6: route 'x' is its own parent: a loop"},
        {"[route.x]\nparent = y\n[route.y]\nparent = x\n", "6: route 'x': its parent 'y' (line 7) comes after it"},
        {"[route.x]\ntype = a\npriority = 90-20\n", "7: route 'x': priority 90-20 is not a range within 0 to 100"},
        {"[route.x]\npriority = 101\n", "6: route 'x': priority 101-100 is not a range"},
        {"[route.x]\npriority = high\n", "6: key 'route.x.priority': 'high' is not N (at least N) or N-M"},
        {"[route.x]\ntier = gold\n", "6: key 'route.x.tier': 'gold' is not key, candidate or standard"},
        {"[route.x]\ncontinue = maybe\n", "6: key 'route.x.continue': 'maybe' is not yes or no"},
        {"[route.x]\ntypes = hiring\n", "6: unknown key 'types' in section [route.x] (known: owner,"},
        {"[route.x]\ntype = a\n\ntype = b\n", "8: key 'route.x.type' is set twice, on line 6 and line 8: keep one"},
        {"[route.x]\ntype = a,,b\n", "6: 'a,,b' holds an empty value"},
        {"[route.x]\ntype = a\n[route.x]\ntier = key\n", "7: section [route.x] is given twice, on line 5 and line 7"},
        {"[route.bad name]\ntype = a\n", "5: section [route.bad name]: a route name is 1 to 64 letters"},
        {"[receiver.r]\nslack = general\n", "6: receiver 'r': slack = 'general' is not a Slack target"},
        {"[receiver.r]\nslack = c0123abc\n", "6: receiver 'r': slack = 'c0123abc' is not a Slack target"},
        {"[receiver.r]\nteams = https://x.example\n", "6: receiver 'r': teams = 'https://x.example': teams takes only yes"},
        {"[receiver.r]\nwebhook = no\n", "6: receiver 'r': webhook = 'no': webhook takes only yes"},
        {"[receiver.r]\nemail = a@x.com,b.y.com\n", "6: receiver 'r': email = 'b.y.com' is not an e-mail address"},
        {"[receiver.r]\nemail = a@x.com Bcc: all@x.com\n",
         "6: receiver 'r': email = 'a@x.com Bcc: all@x.com' is not one e-mail address (it holds a blank)"},
        {"[receiver.r]\nemail = a@x.com\rBcc: all@x.com\n", "6: key 'receiver.r.email' holds a control character"},
        {"[receiver.r]\nemail = owner,a@x.com\n", "6: receiver 'r': email = owner stands alone"},
        {"[receiver.r]\ndigest = yes\n", "5: receiver 'r' has no channel"},
        {"[receiver.r]\nemail = owner\nemail_min_priority = 200\n",
         "7: key 'receiver.r.email_min_priority': '200' is not a priority from 0 to 100"},
        {"[receiver.r]\nsms = yes\n", "6: unknown key 'sms' in section [receiver.r]"},
        /* The earliest line is the one reported. */
        {"[receiver.r]\nslack = bad\n[route.x]\nreceiver = nobody\n", "6: receiver 'r': slack = 'bad'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[512];
        snprintf(text, sizeof(text), "%s%s", head, cases[i].text);
        load_bad(text, cases[i].want);
    }
}

static void bad_alerts_options_are_named_by_line(void **state)
{
    (void)state;
    setenv("TZDIR", "/usr/share/zoneinfo", 1);
    load_bad("[alerts]\ngroup_wait = 1m\nreceiver = nobody\n",
             "3: key 'alerts.receiver': no receiver 'nobody' (no [receiver.nobody] section)");
    load_bad("[alerts]\n\nquiet_hours = 20h-8h\n", "3: key 'alerts.quiet_hours': '20h-8h' is not HH:MM-HH:MM");
    load_bad("[alerts]\nquiet_hours = 08:00-08:00\n", "2: key 'alerts.quiet_hours': '08:00-08:00' is not HH:MM-HH:MM");
    load_bad("[alerts]\nquiet_hours = 24:00-08:00\n", "2: key 'alerts.quiet_hours'");
    load_bad("[alerts]\ntimezone = Mars/Olympus\n", "2: key 'alerts.timezone': 'Mars/Olympus' is not a time zone of the tz database");
    load_bad("[alerts]\ntimezone = ../../etc/passwd\n", "2: key 'alerts.timezone': '../../etc/passwd' is not a time zone name");
    load_bad("[alerts]\ntimezone = Europe\n", "2: key 'alerts.timezone': 'Europe' is not a time zone of the tz database");
    load_bad("[alerts]\ndigest = hourly\n", "2: key 'alerts.digest': 'hourly' is not a digest schedule");
    load_bad("[alerts]\ndigest = weekly funday 08:00\n", "2: key 'alerts.digest'");
    load_bad("[alerts]\ndigest = daily 24:00\n", "2: key 'alerts.digest'");
    load_bad("[alerts]\ncap_per_hour = -1\n", "2: key 'alerts.cap_per_hour': '-1' is out of range");
    load_bad("[alerts]\nquiet_below = 101\n", "2: key 'alerts.quiet_below': '101' is out of range");
    load_bad("[alerts]\nnope = 1\n", "2: unknown key 'nope' in section [alerts]");
    load_bad("[alerts]\nbatch = 1000\n", "2: key 'alerts.batch': '1000' is out of range");

    struct vg_config *c = load("[alerts]\nreceiver = r\nquiet_hours = 20:00-08:00\ntimezone = Europe/Paris\n"
                               "digest = weekly MON 07:30\n[receiver.r]\nslack = C0123ABC\nteams = yes\nwebhook = yes\n"
                               "email = owner\n[receiver.s]\nslack = U0123ABC\nemail = a@x.com, b@y.org\n"
                               "digest = no\n[receiver.t]\nslack = #sales-eu\n");
    int from, to;
    char why[200];
    assert_int_equal(vg_tz_window_parse(alerts_of(c)->quiet_hours, &from, &to, why, sizeof(why)), 0);
    assert_int_equal(from, 20 * 60);
    assert_int_equal(to, 8 * 60);
    assert_int_equal(alerts_of(c)->receivers[1].digest, 0);
    vg_config_free(c);
}

/* alert_config_check on its own, with the lines alert_config_entry was given. */
static void check_names_the_key_line(void **state)
{
    (void)state;
    struct alert_config a = {0};
    char why[300], err[400];
    assert_int_equal(alert_config_entry(&a, "route.x", NULL, NULL, 10, why, sizeof(why)), 0);
    assert_int_equal(alert_config_entry(&a, "route.x", "receiver", "r", 11, why, sizeof(why)), 0);
    assert_int_equal(alert_config_entry(&a, "route.x", "priority", "50-40", 12, why, sizeof(why)), 0);
    assert_int_equal(alert_config_entry(&a, "receiver.r", "email", "owner", 20, why, sizeof(why)), 0);
    assert_int_equal(alert_config_check(&a, err, sizeof(err)), -1);
    assert_string_equal(err, "line 12: route 'x': priority 50-40 is not a range within 0 to 100 (N, or N-M with N "
                             "at most M)");
    assert_int_equal(a.receivers[0].line, 20); /* created at its first key */
    assert_int_equal(alert_config_entry(&a, "route.x", "priority", "40", 13, why, sizeof(why)), -1);
    assert_string_equal(why, "key 'route.x.priority' is set twice, on line 12 and line 13: keep one");
    assert_int_equal(alert_config_entry(&a, "sink.x", "a", "b", 1, why, sizeof(why)), -1);
    alert_config_clear(&a);
    assert_int_equal(a.n_routes, 0);
}

static void check_config_lists_the_tree(void **state)
{
    (void)state;
    struct vg_config *c = load("[alerts]\nreceiver = r\n[route.keys]\ntier = key\npriority = 60\n"
                               "[route.urgent]\nparent = keys\ntype = insolvency, ceo_change\ncontinue = yes\n"
                               "[receiver.r]\nslack = owner\nemail = owner\nemail_min_priority = 90\n");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    vg_config_print(f, c);
    fclose(f);
    const char *want = "\n[alerts]\nenabled = yes\n";
    if (!strstr(buf, want))
        fail_msg("no \"%s\" in\n%s", want, buf);
    const char *tree = "receiver = r\ngroup_wait = 30s\n";
    assert_non_null(strstr(buf, tree));
    want = "\n[route.keys]\ntier = key\npriority = 60-100\n# receiver = r (inherited)\ncontinue = no\n"
           "\n[route.urgent]\nparent = keys\ntype = insolvency,ceo_change\n# receiver = r (inherited)\ncontinue = yes\n"
           "\n[receiver.r]\nslack = owner\nemail = owner\nemail_min_priority = 90\ndigest = yes\n";
    if (!strstr(buf, want))
        fail_msg("no \"%s\" in\n%s", want, buf);
    free(buf);
    vg_config_free(c);

    buf = NULL;
    f = open_memstream(&buf, &len);
    vg_config_print_example_types(f, types);
    fclose(f);
    assert_non_null(strstr(buf, "\n;[alerts]\n"));
    assert_non_null(strstr(buf, "\n;enabled = yes\n"));
    assert_non_null(strstr(buf, "\n;receiver =\n"));
    assert_non_null(strstr(buf, "\n;[route.key-accounts-urgent]\n;parent = key-accounts\n"));
    assert_non_null(strstr(buf, "\n;[receiver.risk]\n"));
    /* Every line of the example is a comment, a blank or a section the reader keeps. */
    free(buf);
}

/* The example's routing tree, uncommented, is a valid configuration. */
static void the_example_tree_loads(void **state)
{
    (void)state;
    char text[4096] = "[alerts]\nreceiver = owners\n";
    size_t used = strlen(text);
    for (const char *p = alert_config_example; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n > 1 && p[0] == ';')
            used += (size_t)snprintf(text + used, sizeof(text) - used, "%.*s\n", (int)n - 1, p + 1);
        p += n + (nl != NULL);
    }
    struct vg_config *c = load(text);
    const struct alert_config *a = alerts_of(c);
    assert_int_equal(a->n_routes, 3);
    assert_int_equal(a->n_receivers, 3);
    struct alert_subject s = {.tier = "key", .type = "insolvency", .priority = 90};
    assert_string_equal(route(a, &s), "risk@insolvency owners-and-team@key-accounts-urgent");
    vg_config_free(c);
}

static void a_changed_route_restarts_the_router(void **state)
{
    (void)state;
    const char *base = "[alerts]\nreceiver = r\n[receiver.r]\nslack = owner\n[route.k]\ntier = key\n";
    struct vg_config *a = load(base), *b = load(base);
    assert_int_equal(vg_config_sink_differs(a, b, "alerts"), 0);
    assert_int_equal(vg_config_sinks_differ(a, b), 0);
    vg_config_free(b);
    char text[512];
    snprintf(text, sizeof(text), "%s%s", base, "continue = yes\n");
    b = load(text);
    assert_int_equal(vg_config_sink_differs(a, b, "alerts"), 1);
    assert_int_equal(vg_config_sinks_differ(a, b), 1);
    vg_config_free(b);
    b = load("[alerts]\nreceiver = r\n[receiver.r]\nslack = #other\n[route.k]\ntier = key\n");
    assert_int_equal(vg_config_sink_differs(a, b, "alerts"), 1);
    vg_config_free(b);
    vg_config_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_match_wins_and_continue_goes_on),
        cmocka_unit_test(children_take_the_signal_and_inherit_the_receiver),
        cmocka_unit_test(each_matcher),
        cmocka_unit_test(a_receiver_is_given_once),
        cmocka_unit_test(alerts_runs_when_written),
        cmocka_unit_test(routes_need_the_alerts_section),
        cmocka_unit_test(bad_routes_are_named_by_line),
        cmocka_unit_test(bad_alerts_options_are_named_by_line),
        cmocka_unit_test(check_names_the_key_line),
        cmocka_unit_test(check_config_lists_the_tree),
        cmocka_unit_test(the_example_tree_loads),
        cmocka_unit_test(a_changed_route_restarts_the_router),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
