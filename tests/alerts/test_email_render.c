/* test_email_render — what an owner reads: a digest's accounts hottest first and their signals
 * highest priority first, each with its evidence, amounts, people, link, sources and why it
 * waited for the digest; an activity strip per account; hostile text from the web inert in
 * both bodies; an alert's subject naming its account and top signal; a report's own parts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sinks/email_render.h"
#include "util/vg_alloc.h"

#define SIG(id, acct, type, prio, title)                                                                       \
    "{\"id\":\"" id "\",\"account_id\":\"" acct "\",\"type\":\"" type "\",\"priority\":" #prio ",\"title\":\"" \
    title "\",\"url\":\"https://news.example.com/" id "\",\"evidence\":\"Evidence of " id ".\",\"amounts\":[],"  \
    "\"people\":[],\"sources\":1}"

#define ACCT(id, name) "{\"id\":\"" id "\",\"name\":\"" name "\",\"tier\":\"key\"}"

static const char DIGEST[] =
    "{\"id\":\"d1\",\"kind\":\"digest\",\"channel\":\"email\",\"target\":\"claire@example.com\","
    "\"owner\":{\"key\":\"claire@example.com\",\"name\":\"Claire\",\"email\":\"claire@example.com\"},"
    "\"period\":\"2026-W10\",\"period_start\":\"2026-03-02T00:00:00Z\",\"period_end\":\"2026-03-09T00:00:00Z\","
    "\"items\":["
    "{\"account\":" ACCT("michelin", "Michelin") ",\"signal\":" SIG("m1", "michelin", "hiring", 40, "Michelin recrute") ",\"why\":\"digest\"},"
    "{\"account\":" ACCT("airbus", "Airbus") ",\"signal\":" SIG("a1", "airbus", "contract", 70, "Airbus contrat") ",\"why\":\"quiet\"},"
    "{\"account\":" ACCT("michelin", "Michelin") ",\"signal\":" SIG("m2", "michelin", "expansion", 60, "Michelin usine") ",\"why\":\"cap\"},"
    "{\"account\":" ACCT("capgemini", "Capgemini") ",\"signal\":" SIG("c1", "capgemini", "acquisition", 90, "Capgemini rachete") ",\"why\":\"inhibited\"},"
    "{\"account\":" ACCT("airbus", "Airbus") ",\"signal\":" SIG("a2", "airbus", "funding", 85, "Airbus leve") ",\"why\":\"update\"}"
    "],"
    "\"activity\":{\"airbus\":[0,0,1,2,0,3,1,0,2,4,6,9],\"michelin\":[1,1,1,1,1,1,1,1,1,1,1,1],\"capgemini\":[0,0,0,0,0,0,0,0,0,0,0,1]}}";

static size_t at(const char *hay, const char *needle)
{
    const char *p = strstr(hay, needle);
    if (!p)
        fail_msg("\"%s\" not found", needle);
    return (size_t)(p - hay);
}

static void test_digest_orders_accounts_and_signals(void **state)
{
    (void)state;
    cJSON *d = cJSON_Parse(DIGEST);
    assert_non_null(d);
    struct email_rendered r;
    char err[128];
    struct email_render_opts o = {"mailto:alerts@vigie.example?subject=silence%20claire%40example.com"};
    assert_int_equal(email_render_digest(d, &o, &r, err, sizeof err), 0);
    assert_string_equal(r.subject, "vigie digest \u2014 5 signals on 3 accounts \u2014 2026-W10");
    /* accounts by their highest priority: Capgemini 90, Airbus 85, Michelin 60 */
    for (int pass = 0; pass < 2; pass++) {
        const char *b = pass ? r.html : r.text;
        assert_true(at(b, "Capgemini") < at(b, "Airbus"));
        assert_true(at(b, "Airbus") < at(b, "Michelin"));
        /* signals highest priority first within an account */
        assert_true(at(b, "Airbus leve") < at(b, "Airbus contrat"));
        assert_true(at(b, "Michelin usine") < at(b, "Michelin recrute"));
        /* what each signal shows */
        at(b, "Evidence of c1.");
        at(b, "https://news.example.com/a1");
        at(b, "Sources: 1");
        at(b, "quiet hours");
        at(b, "hourly cap");
        at(b, "insolvency");
        at(b, "vigie alerts silence --owner claire@example.com");
    }
    at(r.text, "[90] acquisition - Capgemini rachete");
    at(r.text, "Unsubscribe: mailto:alerts@vigie.example");
    at(r.html, "<a href=\"https://news.example.com/c1\"");
    email_rendered_free(&r);
    cJSON_Delete(d);
}

static void test_activity_strip_per_account(void **state)
{
    (void)state;
    cJSON *d = cJSON_Parse(DIGEST);
    struct email_rendered r;
    char err[128];
    assert_int_equal(email_render_digest(d, NULL, &r, err, sizeof err), 0);
    /* one strip per account, twelve bars each, as table cells with height and bgcolor */
    int strips = 0;
    for (const char *p = r.html; (p = strstr(p, "class=\"activity\"")); p++)
        strips++;
    assert_int_equal(strips, 3);
    int bars = 0;
    for (const char *p = r.html; (p = strstr(p, "<td width=\"8\" height=\"")); p++)
        bars++;
    assert_int_equal(bars, 36);
    assert_null(strstr(r.html, "<style")); /* what Gmail and Outlook would strip */
    assert_null(strstr(r.html, "<img"));
    /* Airbus's hottest (last) week is the tallest bar: 24 px */
    size_t a = at(r.html, "Airbus"), m = at(r.html, "Michelin");
    const char *tall = strstr(r.html + a, "height=\"24\" bgcolor");
    assert_non_null(tall);
    assert_true((size_t)(tall - r.html) < m);
    /* text: a sparkline and the counts */
    at(r.text, "Activity, last 12 weeks: \u2581\u2581");
    at(r.text, "(0 0 1 2 0 3 1 0 2 4 6 9 signals a week");
    at(r.text, "\u2588 (1 1 1 1");
    email_rendered_free(&r);
    cJSON_Delete(d);
}

static void test_hostile_text_is_inert(void **state)
{
    (void)state;
    const char *alert =
        "{\"id\":\"x1\",\"kind\":\"alert\",\"target\":\"a@b.c\",\"priority\":80,"
        "\"owner\":{\"key\":\"o'brien; rm -rf /\"},"
        "\"account\":{\"id\":\"evil\",\"name\":\"Evil <b>Corp</b> & \\\"Co\\\"\"},"
        "\"signals\":[{\"id\":\"s1\",\"type\":\"funding\",\"priority\":80,"
        "\"title\":\"<script>alert(1)</script>\\r\\nBcc: x@y.z\","
        "\"url\":\"javascript:alert(document.cookie)\","
        "\"evidence\":\"<img src=x onerror=alert(1)> \\u202eevil\\u202c text\","
        "\"amounts\":[{\"value\":12500000,\"currency\":\"EUR\"}],"
        "\"people\":[{\"name\":\"<i>Jean</i>\",\"role\":\"CFO\",\"departing\":true}],\"sources\":3}]}";
    cJSON *d = cJSON_Parse(alert);
    assert_non_null(d);
    struct email_rendered r;
    char err[128];
    assert_int_equal(email_render(d, NULL, &r, err, sizeof err), 0);
    assert_null(strstr(r.html, "<script"));
    assert_null(strstr(r.html, "<img"));
    assert_null(strstr(r.html, "<i>Jean"));
    assert_null(strstr(r.html, "<b>Corp"));
    assert_null(strstr(r.html, "href=\"javascript"));
    at(r.html, "&lt;script&gt;alert(1)&lt;/script&gt;");
    at(r.html, "Evil &lt;b&gt;Corp&lt;/b&gt; &amp; &quot;Co&quot;");
    assert_null(strstr(r.html, "\xe2\x80\xae")); /* no right-to-left override */
    assert_null(strstr(r.text, "\xe2\x80\xae"));
    /* one line per field in text: the CR/LF of the title does not start a line */
    assert_null(strstr(r.text, "\nBcc:"));
    assert_null(strchr(r.subject, '\n'));
    assert_null(strchr(r.subject, '\r'));
    at(r.text, "Amounts: 12,500,000 EUR");
    at(r.text, "People: <i>Jean</i> (CFO, departing)");
    at(r.text, "Sources: 3");
    /* the owner key is one shell word in the silence command */
    at(r.text, "--owner 'o'\\''brien; rm -rf /' --for 7d");
    assert_string_equal(r.subject, "vigie alert \u2014 Evil <b>Corp</b> & \"Co\" \u2014 funding (priority 80)");
    email_rendered_free(&r);
    cJSON_Delete(d);
}

static void test_alert_subject_and_order(void **state)
{
    (void)state;
    const char *alert = "{\"id\":\"x2\",\"kind\":\"alert\",\"priority\":85,\"owner\":{\"key\":\"claire@example.com\"},"
                        "\"account\":" ACCT("airbus", "Airbus") ",\"signals\":[" SIG("a1", "airbus", "contract", 70,
                                                                                     "Airbus contrat") "," SIG("a2", "airbus", "funding", 85, "Airbus leve") "]}";
    cJSON *d = cJSON_Parse(alert);
    struct email_rendered r;
    char err[128];
    assert_int_equal(email_render(d, NULL, &r, err, sizeof err), 0);
    assert_string_equal(r.subject, "vigie alert \u2014 Airbus \u2014 2 signals, top funding (priority 85)");
    assert_true(at(r.text, "Airbus leve") < at(r.text, "Airbus contrat"));
    assert_true(at(r.html, "Airbus leve") < at(r.html, "Airbus contrat"));
    email_rendered_free(&r);
    cJSON_Delete(d);
    d = cJSON_Parse("{\"kind\":\"update\"}");
    assert_int_equal(email_render(d, NULL, &r, err, sizeof err), -1);
    cJSON_Delete(d);
}

#define ACCT_LINKED(id, name)                                                                          \
    "{\"id\":\"" id "\",\"name\":\"" name "\",\"tier\":\"key\",\"console_url\":\"https://vigie.example.com/ui/" \
    "accounts/" id "\",\"console_base\":\"https://vigie.example.com\"}"

/* [console] public_url set (the router's account carries console_url and console_base): the
 * account and each signal link their console pages, in an alert and in a digest, as a link in
 * the HTML and a line in the text; not set, or not http(s): nothing of the sort. */
static void test_console_links(void **state)
{
    (void)state;
    const char *alert = "{\"id\":\"x3\",\"kind\":\"alert\",\"priority\":85,\"account\":" ACCT_LINKED("airbus", "Airbus")
                        ",\"signals\":[" SIG("a1", "airbus", "contract", 70, "Airbus contrat") "]}";
    const char *digest = "{\"id\":\"d2\",\"kind\":\"digest\",\"period\":\"2026-W10\",\"items\":["
                         "{\"account\":" ACCT_LINKED("airbus", "Airbus") ",\"signal\":" SIG("a2", "airbus", "funding", 85,
                                                                                         "Airbus leve") ",\"why\":\"quiet\"}]}";
    const char *sig_id[] = {"a1", "a2"};
    const char *msgs[] = {alert, digest};
    for (int k = 0; k < 2; k++) {
        cJSON *d = cJSON_Parse(msgs[k]);
        assert_non_null(d);
        struct email_rendered r;
        char err[128], want[200];
        assert_int_equal(email_render(d, NULL, &r, err, sizeof err), 0);
        at(r.text, "Open in vigie: https://vigie.example.com/ui/accounts/airbus\n");
        snprintf(want, sizeof want, "    Open in vigie: https://vigie.example.com/ui/signals/%s\n", sig_id[k]);
        at(r.text, want);
        at(r.html, "<a href=\"https://vigie.example.com/ui/accounts/airbus\" style=\"color:#1a5276\">Open the account "
                   "in vigie</a>");
        snprintf(want, sizeof want, "<a href=\"https://vigie.example.com/ui/signals/%s\" style=\"color:#1a5276\">Open in "
                 "vigie</a>", sig_id[k]);
        at(r.html, want);
        email_rendered_free(&r);

        /* a stored message whose links are not http(s): no link, no line */
        cJSON *acct = cJSON_GetObjectItemCaseSensitive(d, "account");
        if (!acct)
            acct = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(d, "items"), 0),
                                                    "account");
        cJSON_ReplaceItemInObject(acct, "console_url", cJSON_CreateString("javascript:alert(1)"));
        cJSON_ReplaceItemInObject(acct, "console_base", cJSON_CreateString("javascript:alert(1)"));
        assert_int_equal(email_render(d, NULL, &r, err, sizeof err), 0);
        assert_null(strstr(r.text, "Open in vigie"));
        assert_null(strstr(r.html, "Open in vigie"));
        assert_null(strstr(r.html, "javascript:"));
        email_rendered_free(&r);
        /* without them (public_url not set) */
        cJSON_DeleteItemFromObject(acct, "console_url");
        cJSON_DeleteItemFromObject(acct, "console_base");
        assert_int_equal(email_render(d, NULL, &r, err, sizeof err), 0);
        assert_null(strstr(r.text, "vigie.example.com"));
        assert_null(strstr(r.html, "Open in vigie"));
        email_rendered_free(&r);
        cJSON_Delete(d);
    }
}

/* The scheduled review's report carries its own parts; one without them is refused. */
static void test_report_parts_are_the_messages(void **state)
{
    (void)state;
    cJSON *d = cJSON_Parse("{\"id\":\"r1\",\"kind\":\"report\",\"subject\":\"Key-account review 2026-12: 1 promote "
                           "(1 account(s))\",\"text\":\"promote    Nova (nova)\\n\",\"html\":\"<!DOCTYPE html><p>Nova</p>\"}");
    struct email_rendered r;
    char err[128];
    assert_int_equal(email_render(d, NULL, &r, err, sizeof err), 0);
    assert_string_equal(r.subject, "Key-account review 2026-12: 1 promote (1 account(s))");
    assert_string_equal(r.text, "promote    Nova (nova)\n");
    assert_string_equal(r.html, "<!DOCTYPE html><p>Nova</p>");
    email_rendered_free(&r);
    cJSON_Delete(d);
    d = cJSON_Parse("{\"kind\":\"report\",\"subject\":\"s\",\"text\":\"t\"}");
    assert_int_equal(email_render(d, NULL, &r, err, sizeof err), -1);
    assert_string_equal(err, "a report needs its subject, text and html");
    cJSON_Delete(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digest_orders_accounts_and_signals),
        cmocka_unit_test(test_activity_strip_per_account),
        cmocka_unit_test(test_hostile_text_is_inert),
        cmocka_unit_test(test_alert_subject_and_order),
        cmocka_unit_test(test_report_parts_are_the_messages),
        cmocka_unit_test(test_console_links),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
