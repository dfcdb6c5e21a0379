/* test_slack_render — what an account owner sees in Slack for an alert, and that nothing a web
 * page wrote can mention a channel, a user, format the message or break it: hostile titles,
 * evidence, names and URLs, and a group of 200 signals against Slack's documented limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sinks/console_link.h"
#include "sinks/slack_render.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static cJSON *signal(const char *id, int priority, const char *title, const char *evidence)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "id", id);
    cJSON_AddStringToObject(s, "account_id", "acme");
    cJSON_AddStringToObject(s, "type", "leadership_change");
    cJSON_AddNumberToObject(s, "confidence", 0.9);
    cJSON_AddNumberToObject(s, "priority", priority);
    cJSON_AddStringToObject(s, "title", title);
    cJSON_AddStringToObject(s, "url", "https://news.example.com/acme?a=1&b=2");
    cJSON_AddStringToObject(s, "evidence", evidence);
    cJSON_AddItemToObject(s, "amounts", cJSON_Parse("[{\"value\":20000000,\"currency\":\"EUR\"}]"));
    cJSON_AddItemToObject(s, "people",
                          cJSON_Parse("[{\"name\":\"Jane Doe\",\"role\":\"Chief Financial Officer\",\"role_norm\":"
                                      "\"cfo\",\"departing\":false}]"));
    cJSON_AddNumberToObject(s, "sources", 1);
    return s;
}

static cJSON *alert(const char *kind, const char *account_name, int n_signals)
{
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "id", "0123456789abcdef0123456789abcdef");
    cJSON_AddStringToObject(a, "kind", kind);
    cJSON_AddStringToObject(a, "channel", "slack");
    cJSON_AddStringToObject(a, "target", "C0SALES");
    cJSON_AddStringToObject(a, "receiver", "key_accounts");
    cJSON_AddStringToObject(a, "route", "key");
    cJSON_AddStringToObject(a, "created", "2026-03-02T10:00:00Z");
    cJSON_AddItemToObject(a, "owner",
                          cJSON_Parse("{\"key\":\"claire@example.com\",\"name\":\"Claire Martin\",\"email\":"
                                      "\"claire@example.com\",\"slack\":null,\"timezone\":\"Europe/Paris\"}"));
    cJSON *acct = cJSON_AddObjectToObject(a, "account");
    cJSON_AddStringToObject(acct, "id", "acme");
    cJSON_AddStringToObject(acct, "name", account_name);
    cJSON_AddStringToObject(acct, "tier", "key");
    cJSON_AddNumberToObject(a, "priority", 90);
    cJSON *sigs = cJSON_AddArrayToObject(a, "signals");
    for (int i = 0; i < n_signals; i++) {
        char id[40], title[80];
        snprintf(id, sizeof id, "%032x", i + 1);
        snprintf(title, sizeof title, "Acme story number %d", i + 1);
        cJSON_AddItemToArray(sigs, signal(id, 90 - (i % 50), title, "Acme named Jane Doe CFO for 20 million euros."));
    }
    return a;
}

static cJSON *render_ok(const cJSON *a)
{
    char err[200] = "";
    cJSON *m = slack_render(a, err, sizeof err);
    if (!m)
        fail_msg("slack_render failed: %s", err);
    if (getenv("SHOW")) {
        char *p = cJSON_Print(m);
        fprintf(stderr, "%s\n", p);
        cJSON_free(p);
    }
    return m;
}

/* Every text a reader may see: the fallback, and each text object's text, in order. */
static void collect(const cJSON *node, const char **out, size_t *n, size_t max)
{
    if (cJSON_IsObject(node)) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(node, "text");
        if (cJSON_IsString(t) && *n < max)
            out[(*n)++] = t->valuestring;
    }
    const cJSON *c;
    cJSON_ArrayForEach(c, node) collect(c, out, n, max);
}

static const cJSON *blocks_of(const cJSON *m)
{
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(m, "blocks");
    assert_true(cJSON_IsArray(b));
    return b;
}

static const char *block_text(const cJSON *block)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(block, "text"), "text")->valuestring;
}

/* The section of the signals (after header, summary, divider). */
static const char *signal_text(const cJSON *m, int k) { return block_text(cJSON_GetArrayItem(blocks_of(m), 3 + k)); }

/* Every '<' a text holds opens one of our links to http(s) (the web's are all entities). */
static void only_our_links(const char *text)
{
    for (const char *p = strchr(text, '<'); p; p = strchr(p + 1, '<'))
        if (strncmp(p, "<https://", 9) != 0 && strncmp(p, "<http://", 8) != 0)
            fail_msg("a '<' that is not our link in: %s", text);
}

/* ---- escaping ----------------------------------------------------------------------------- */

static char *esc(const char *s, enum slack_text_kind k, size_t max, size_t *units)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    vg_buf_puts(&b, "");
    size_t u = slack_escape(&b, s, k, max);
    if (units)
        *units = u;
    return vg_buf_steal(&b);
}

static void test_escape_control_characters_and_markers(void **state)
{
    (void)state;
    char *o = esc("Tom & Jerry <!channel> <@U123> <#C999|general> <script>", SLACK_MRKDWN, 3000, NULL);
    assert_string_equal(o, "Tom &amp; Jerry &lt;!channel&gt; &lt;@U123&gt; &lt;#C999|general&gt; &lt;script&gt;");
    vg_free(o);
    /* mrkdwn markers become look-alikes: nothing is bold, italic, struck or code */
    o = esc("*bold* _it_ ~gone~ `code`", SLACK_MRKDWN, 3000, NULL);
    assert_string_equal(o, "\xE2\x88\x97" "bold" "\xE2\x88\x97 \xCB\x8D" "it" "\xCB\x8D \xE2\x88\xBC" "gone"
                           "\xE2\x88\xBC \xCB\x8B" "code" "\xCB\x8B");
    vg_free(o);
    /* in plain_text they mean nothing: kept */
    o = esc("*bold* & _it_", SLACK_PLAIN, 3000, NULL);
    assert_string_equal(o, "*bold* &amp; _it_");
    vg_free(o);
    /* bare broadcast words get a word joiner; an address is left alone */
    o = esc("ping @here and @Channel, not me@heresy.com", SLACK_PLAIN, 3000, NULL);
    assert_string_equal(o, "ping @\xE2\x81\xA0here and @\xE2\x81\xA0" "Channel, not me@heresy.com");
    vg_free(o);
    /* CRLF and other control characters: one line; zero-width characters cannot hide a word */
    o = esc("  first\r\nSubject: x\tthird\x01  ", SLACK_MRKDWN, 3000, NULL);
    assert_string_equal(o, "first Subject: x third");
    vg_free(o);
    o = esc("@\xE2\x80\x8B" "channel", SLACK_MRKDWN, 3000, NULL);
    assert_string_equal(o, "@\xE2\x81\xA0" "channel");
    vg_free(o);
    /* invalid UTF-8 is replaced, not passed on */
    o = esc("caf\xC3 ok \xFF", SLACK_PLAIN, 3000, NULL);
    assert_string_equal(o, "caf\xEF\xBF\xBD ok \xEF\xBF\xBD");
    vg_free(o);
}

static void test_escape_cuts_on_whole_characters(void **state)
{
    (void)state;
    size_t u;
    /* an entity is never split: two fit in 11 with the ellipsis */
    char *o = esc("&&&&", SLACK_PLAIN, 12, &u);
    assert_string_equal(o, "&amp;&amp;\xE2\x80\xA6");
    assert_int_equal(u, 11);
    vg_free(o);
    /* an emoji counts two (UTF-16), and is not split either */
    assert_int_equal(slack_text_units("a\xF0\x9F\x98\x80"), 3);
    o = esc("ab\xF0\x9F\x98\x80" "cd", SLACK_PLAIN, 4, &u);
    assert_string_equal(o, "ab\xE2\x80\xA6");
    assert_int_equal(u, 3);
    vg_free(o);
    /* what fits is left whole */
    o = esc("abcd", SLACK_PLAIN, 4, &u);
    assert_string_equal(o, "abcd");
    vg_free(o);
}

/* ---- the message -------------------------------------------------------------------------- */

static void test_message_shows_account_signal_and_owner(void **state)
{
    (void)state;
    cJSON *a = alert("alert", "Acme Corp", 1);
    cJSON *m = render_ok(a);
    const cJSON *blocks = blocks_of(m);
    const char *fallback = cJSON_GetObjectItemCaseSensitive(m, "text")->valuestring;
    assert_non_null(strstr(fallback, "Acme Corp: Leadership change, priority 90: Acme story number 1"));
    const cJSON *header = cJSON_GetArrayItem(blocks, 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(header, "type")->valuestring, "header");
    assert_string_equal(block_text(header), "Acme Corp: Leadership change");
    char *summary = cJSON_PrintUnformatted(cJSON_GetArrayItem(blocks, 1));
    assert_non_null(strstr(summary, "*Account*\\nAcme Corp \xC2\xB7 key account"));
    assert_non_null(strstr(summary, "*Owner*\\nClaire Martin"));
    assert_non_null(strstr(summary, "*Priority*"));
    cJSON_free(summary);
    const char *sig = signal_text(m, 0);
    assert_non_null(strstr(sig, "*Leadership change* \xC2\xB7 priority 90 \xC2\xB7 1 source"));
    assert_non_null(strstr(sig, "\xE2\x80\x9C" "Acme named Jane Doe CFO for 20 million euros." "\xE2\x80\x9D"));
    assert_non_null(strstr(sig, "*Amounts:* 20M EUR"));
    assert_non_null(strstr(sig, "*People:* Jane Doe (cfo)"));
    assert_non_null(strstr(sig, "*Source:* <https://news.example.com/acme?a=1&amp;b=2|Acme story number 1>"));
    /* mrkdwn sections are verbatim: Slack links nothing by itself */
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(blocks, 3), "text"), "verbatim")));
    const cJSON *footer = cJSON_GetArrayItem(blocks, cJSON_GetArraySize(blocks) - 1);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(footer, "type")->valuestring, "context");
    char *f = cJSON_PrintUnformatted(footer);
    assert_non_null(strstr(f, "receiver key_accounts"));
    assert_null(strstr(f, "more signal"));
    cJSON_free(f);
    cJSON_Delete(m);

    /* an owner with a Slack user id in the account record is mentioned by it */
    cJSON_ReplaceItemInObject(cJSON_GetObjectItemCaseSensitive(a, "owner"), "slack", cJSON_CreateString("U0ABC123"));
    m = render_ok(a);
    summary = cJSON_PrintUnformatted(cJSON_GetArrayItem(blocks_of(m), 1));
    assert_non_null(strstr(summary, "*Owner*\\n<@U0ABC123>"));
    cJSON_free(summary);
    cJSON_Delete(m);
    /* ... and one that is not an id is not */
    cJSON_ReplaceItemInObject(cJSON_GetObjectItemCaseSensitive(a, "owner"), "slack", cJSON_CreateString("<!channel>"));
    m = render_ok(a);
    summary = cJSON_PrintUnformatted(cJSON_GetArrayItem(blocks_of(m), 1));
    assert_null(strstr(summary, "<@"));
    assert_null(strstr(summary, "<!"));
    cJSON_free(summary);
    cJSON_Delete(m);
    cJSON_Delete(a);
}

static void test_hostile_text_cannot_mention_or_format(void **state)
{
    (void)state;
    cJSON *a = alert("alert", "Evil & Co <!here> *Corp*", 0);
    cJSON *sigs = cJSON_GetObjectItemCaseSensitive(a, "signals");
    cJSON *s = signal("0000000000000000000000000000abcd", 95,
                      "<!channel> Acme *bold* _it_ ~strike~ `code` <script>alert(1)</script>",
                      "> quoted <@U123> and <#C999|general> said @everyone\r\nBcc: all@example.com "
                      "[click](https://evil.example) <https://evil.example|Acme login>");
    cJSON_ReplaceItemInObject(s, "people",
                              cJSON_Parse("[{\"name\":\"<!everyone> *Boss*\",\"role\":\"<@U999>\",\"role_norm\":null,"
                                          "\"departing\":true}]"));
    cJSON_ReplaceItemInObject(s, "amounts", cJSON_Parse("[{\"value\":1500000,\"currency\":\"<!here>\"}]"));
    cJSON_ReplaceItemInObject(s, "url", cJSON_CreateString("https://evil.example/x?a=1&b=<!channel>|y z"));
    cJSON_AddItemToArray(sigs, s);
    cJSON *s2 = signal("0000000000000000000000000000abce", 50, "Second *story*", "x");
    cJSON_ReplaceItemInObject(s2, "url", cJSON_CreateString("javascript:alert(1)"));
    cJSON_AddItemToArray(sigs, s2);
    cJSON_ReplaceItemInObject(a, "receiver", cJSON_CreateString("<!channel>"));
    cJSON *m = render_ok(a);

    const char *texts[64];
    size_t n = 0;
    collect(m, texts, &n, 64);
    assert_true(n >= 8);
    for (size_t i = 0; i < n; i++) {
        only_our_links(texts[i]);
        assert_null(strstr(texts[i], "<!"));
        assert_null(strstr(texts[i], "<@"));
        assert_null(strstr(texts[i], "<#"));
        assert_null(strstr(texts[i], "<script"));
        assert_null(strstr(texts[i], "@everyone"));
        assert_null(strchr(texts[i], '\r'));
        assert_null(strstr(texts[i], "Bold*")); /* markers from the web never survive */
        assert_null(strstr(texts[i], "*bold*"));
        assert_null(strstr(texts[i], "_it_"));
        assert_null(strstr(texts[i], "~strike~"));
        assert_null(strstr(texts[i], "`code`"));
    }
    const char *sig = signal_text(m, 0);
    /* the sentence is one line: no injected line, no line starting with a quote marker */
    assert_non_null(strstr(sig, "&gt; quoted &lt;@U123&gt; and &lt;#C999|general&gt; said @\xE2\x81\xA0" "everyone "
                                "Bcc: all@example.com"));
    for (const char *line = sig; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        assert_true(line[0] != '>' && strncmp(line, "&gt;", 4) != 0);
    assert_non_null(strstr(sig, "\xE2\x88\x97" "bold" "\xE2\x88\x97"));
    assert_non_null(strstr(sig, "&lt;!everyone&gt; \xE2\x88\x97" "Boss" "\xE2\x88\x97 (&lt;@U999&gt;, leaving)"));
    assert_non_null(strstr(sig, "1.5M &lt;!here&gt;"));
    /* the link cannot be closed or split by the URL, and its label is inert */
    assert_non_null(strstr(sig, "<https://evil.example/x?a=1&amp;b=%3C!channel%3E%7Cy%20z|&lt;!channel&gt; Acme"));
    /* a URL that is not http(s) is no link: the title stands alone */
    const char *sig2 = signal_text(m, 1);
    assert_null(strstr(sig2, "javascript"));
    assert_non_null(strstr(sig2, "*Source:* Second \xE2\x88\x97story\xE2\x88\x97"));
    /* the header is plain text: entities, no markers touched */
    assert_string_equal(block_text(cJSON_GetArrayItem(blocks_of(m), 0)),
                        "Evil &amp; Co &lt;!here&gt; *Corp*: 2 signals");
    cJSON_Delete(m);
    cJSON_Delete(a);
}

static void check_limits(const cJSON *m)
{
    const cJSON *blocks = blocks_of(m);
    assert_true(cJSON_GetArraySize(blocks) <= SLACK_MAX_BLOCKS);
    assert_true(slack_text_units(cJSON_GetObjectItemCaseSensitive(m, "text")->valuestring) <= SLACK_FALLBACK_MAX);
    size_t total = 0;
    const cJSON *b;
    cJSON_ArrayForEach(b, blocks)
    {
        const char *type = cJSON_GetObjectItemCaseSensitive(b, "type")->valuestring;
        if (strcmp(type, "header") == 0) {
            size_t u = slack_text_units(block_text(b));
            assert_true(u >= 1 && u <= SLACK_HEADER_MAX);
            total += u;
        } else if (strcmp(type, "section") == 0) {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(b, "text");
            const cJSON *f = cJSON_GetObjectItemCaseSensitive(b, "fields");
            if (t) {
                size_t u = slack_text_units(cJSON_GetObjectItemCaseSensitive(t, "text")->valuestring);
                assert_true(u >= 1 && u <= SLACK_TEXT_MAX);
                total += u;
            }
            if (f) {
                assert_true(cJSON_GetArraySize(f) <= 10);
                const cJSON *x;
                cJSON_ArrayForEach(x, f)
                {
                    size_t u = slack_text_units(cJSON_GetObjectItemCaseSensitive(x, "text")->valuestring);
                    assert_true(u >= 1 && u <= SLACK_FIELD_MAX);
                    total += u;
                }
            }
        } else if (strcmp(type, "context") == 0) {
            const cJSON *els = cJSON_GetObjectItemCaseSensitive(b, "elements");
            assert_true(cJSON_GetArraySize(els) >= 1 && cJSON_GetArraySize(els) <= SLACK_CONTEXT_MAX);
            const cJSON *x;
            cJSON_ArrayForEach(x, els)
            {
                size_t u = slack_text_units(cJSON_GetObjectItemCaseSensitive(x, "text")->valuestring);
                assert_true(u >= 1 && u <= SLACK_TEXT_MAX);
                total += u;
            }
        } else {
            assert_string_equal(type, "divider");
        }
    }
    assert_true(total <= SLACK_BLOCKS_TEXT_MAX);
}

static void test_200_signals_show_the_top_ones_and_how_many_more(void **state)
{
    (void)state;
    cJSON *a = alert("alert", "Acme Corp", 200);
    cJSON *m = render_ok(a);
    check_limits(m);
    const cJSON *blocks = blocks_of(m);
    /* the first signals, in the router's order (highest priority first) */
    assert_non_null(strstr(signal_text(m, 0), "|Acme story number 1>"));
    assert_non_null(strstr(signal_text(m, SLACK_SHOW_MAX - 1), "|Acme story number 10>"));
    char *footer = cJSON_PrintUnformatted(cJSON_GetArrayItem(blocks, cJSON_GetArraySize(blocks) - 1));
    assert_non_null(strstr(footer, "*190 more signals* of lower priority not shown"));
    cJSON_free(footer);
    assert_string_equal(block_text(cJSON_GetArrayItem(blocks, 0)), "Acme Corp: 200 signals");
    assert_non_null(strstr(cJSON_GetObjectItemCaseSensitive(m, "text")->valuestring, "(+199 more)"));
    cJSON_Delete(m);
    cJSON_Delete(a);
}

static void test_long_text_is_cut_within_the_limits(void **state)
{
    (void)state;
    static char huge[20001];
    for (size_t i = 0; i < sizeof huge - 1; i++)
        huge[i] = "ab<&*"[i % 5];
    huge[sizeof huge - 1] = '\0';
    cJSON *a = alert("alert", huge, 0);
    cJSON *sigs = cJSON_GetObjectItemCaseSensitive(a, "signals");
    for (int i = 0; i < 30; i++) {
        cJSON *s = signal("00000000000000000000000000000001", 80, huge, huge);
        cJSON *people = cJSON_CreateArray();
        for (int k = 0; k < 40; k++) {
            cJSON *p = cJSON_CreateObject();
            cJSON_AddStringToObject(p, "name", huge);
            cJSON_AddStringToObject(p, "role", huge);
            cJSON_AddItemToArray(people, p);
        }
        cJSON_ReplaceItemInObject(s, "people", people);
        char url[3000] = "https://news.example.com/";
        memset(url + strlen(url), 'x', 2500);
        cJSON_ReplaceItemInObject(s, "url", cJSON_CreateString(url));
        cJSON_AddItemToArray(sigs, s);
    }
    cJSON *m = render_ok(a);
    check_limits(m);
    const char *sig = signal_text(m, 0);
    assert_non_null(strstr(sig, "\xE2\x80\xA6")); /* cut, visibly */
    assert_non_null(strstr(sig, "+36 more"));     /* four people shown */
    only_our_links(sig);
    cJSON_Delete(m);
    cJSON_Delete(a);
}

static void test_update_marks_the_signal_told_again(void **state)
{
    (void)state;
    cJSON *a = alert("update", "Acme Corp", 2);
    cJSON_AddStringToObject(a, "alert_id", "0123456789abcdef0123456789abcdef");
    cJSON_AddStringToObject(a, "signal_id", "00000000000000000000000000000002");
    cJSON *s2 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(a, "signals"), 1);
    cJSON_ReplaceItemInObject(s2, "sources", cJSON_CreateNumber(3));
    cJSON *m = render_ok(a);
    check_limits(m);
    assert_null(strstr(signal_text(m, 0), "_updated_"));
    assert_non_null(strstr(signal_text(m, 1), "3 sources \xC2\xB7 _updated_"));
    assert_true(strncmp(cJSON_GetObjectItemCaseSensitive(m, "text")->valuestring, "Updated: Acme Corp", 18) == 0);
    cJSON_Delete(m);
    cJSON_Delete(a);
}

/* With [console] public_url set, the router's account carries console_url and console_base:
 * each signal links its console page and the footer the account's; without, no such link. */
static void test_console_links_only_when_set(void **state)
{
    (void)state;
    cJSON *a = alert("alert", "Acme Corp", 2);
    cJSON *m = render_ok(a);
    char *all = cJSON_PrintUnformatted(m);
    assert_null(strstr(all, "Open in vigie"));
    assert_null(strstr(all, "/ui/"));
    cJSON_free(all);
    cJSON_Delete(m);

    cJSON *acct = cJSON_GetObjectItemCaseSensitive(a, "account");
    cJSON_AddStringToObject(acct, "console_url", "https://vigie.example.com/ui/accounts/acme");
    cJSON_AddStringToObject(acct, "console_base", "https://vigie.example.com");
    m = render_ok(a);
    check_limits(m);
    const char *sig = signal_text(m, 0);
    only_our_links(sig);
    assert_non_null(strstr(sig, "\n<https://vigie.example.com/ui/signals/00000000000000000000000000000001|Open in vigie>"));
    assert_non_null(strstr(signal_text(m, 1), "/ui/signals/00000000000000000000000000000002|Open in vigie>"));
    const cJSON *blocks = blocks_of(m);
    char *f = cJSON_PrintUnformatted(cJSON_GetArrayItem(blocks, cJSON_GetArraySize(blocks) - 1));
    assert_non_null(strstr(f, "<https://vigie.example.com/ui/accounts/acme|Open the account in vigie>"));
    cJSON_free(f);
    cJSON_Delete(m);

    /* a stored message whose links are not http(s) links nothing */
    cJSON_ReplaceItemInObject(acct, "console_url", cJSON_CreateString("javascript:alert(1)"));
    cJSON_ReplaceItemInObject(acct, "console_base", cJSON_CreateString("javascript:alert(1)//"));
    m = render_ok(a);
    all = cJSON_PrintUnformatted(m);
    assert_null(strstr(all, "Open in vigie"));
    assert_null(strstr(all, "Open the account"));
    assert_null(strstr(all, "javascript:"));
    cJSON_free(all);
    cJSON_Delete(m);

    /* 200 signals with their links stay within Slack's limits */
    cJSON_Delete(a);
    a = alert("alert", "Acme Corp", 200);
    acct = cJSON_GetObjectItemCaseSensitive(a, "account");
    cJSON_AddStringToObject(acct, "console_url", "https://vigie.example.com/ui/accounts/acme");
    cJSON_AddStringToObject(acct, "console_base", "https://vigie.example.com");
    m = render_ok(a);
    check_limits(m);
    cJSON_Delete(m);
    cJSON_Delete(a);
}

/* The links' shape: the id one percent-encoded path segment, the base's trailing slash gone,
 * and only http(s) bases. */
static void test_console_link_shape(void **state)
{
    (void)state;
    char *u = console_link("https://vigie.example.com/", "accounts", "acme & co/1?x#y");
    assert_string_equal(u, "https://vigie.example.com/ui/accounts/acme%20%26%20co%2F1%3Fx%23y");
    vg_free(u);
    u = console_link("http://10.0.0.5:9747/vigie//", "signals", "0a1b-c_d.e~f");
    assert_string_equal(u, "http://10.0.0.5:9747/vigie/ui/signals/0a1b-c_d.e~f");
    vg_free(u);
    assert_null(console_link("", "accounts", "acme"));
    assert_null(console_link(NULL, "accounts", "acme"));
    assert_null(console_link("https://vigie.example.com", "accounts", ""));
    assert_null(console_link("javascript:alert(1)", "accounts", "acme"));
    assert_null(console_link("https://", "accounts", "acme"));
    assert_null(console_link("https://a.example/\"onmouseover=x", "accounts", "acme"));
    assert_true(console_link_ok("HTTPS://vigie.example.com"));
    assert_false(console_link_ok("ftp://vigie.example.com"));
}

static void test_what_slack_does_not_show_is_refused(void **state)
{
    (void)state;
    char err[200];
    cJSON *a = alert("digest", "Acme", 1);
    assert_null(slack_render(a, err, sizeof err));
    assert_non_null(strstr(err, "kind"));
    cJSON_Delete(a);
    a = alert("alert", "Acme", 0);
    assert_null(slack_render(a, err, sizeof err));
    assert_non_null(strstr(err, "no signals"));
    cJSON_Delete(a);
    cJSON *arr = cJSON_CreateArray();
    assert_null(slack_render(arr, err, sizeof err));
    cJSON_Delete(arr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_control_characters_and_markers),
        cmocka_unit_test(test_escape_cuts_on_whole_characters),
        cmocka_unit_test(test_message_shows_account_signal_and_owner),
        cmocka_unit_test(test_hostile_text_cannot_mention_or_format),
        cmocka_unit_test(test_200_signals_show_the_top_ones_and_how_many_more),
        cmocka_unit_test(test_long_text_is_cut_within_the_limits),
        cmocka_unit_test(test_update_marks_the_signal_told_again),
        cmocka_unit_test(test_what_slack_does_not_show_is_refused),
        cmocka_unit_test(test_console_links_only_when_set),
        cmocka_unit_test(test_console_link_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
