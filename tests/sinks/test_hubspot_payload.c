/* test_hubspot_payload — what a sales rep sees in HubSpot, and how vigie reads HubSpot's
 * answers, without a network: records to request bodies (note bodies, company and contact
 * properties), 207 multi-status results mapped to their inputs, and one verdict per error
 * HubSpot documents (429 policies, 401/403, a property that does not exist). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sinks/hubspot_payload.h"
#include "util/vg_time.h"
#include "util/vg_alloc.h"

static struct hubspot_config config(void)
{
    struct hubspot_config c = {0};
    c.token = "pat-test";
    c.base_url = "https://api.hubapi.com/";
    c.api_version = "2026-03";
    c.company_id_property = "domain";
    c.activity = "note";
    c.create_properties = 1;
    c.prop_heat = "vigie_heat";
    c.prop_last_type = "vigie_last_signal_type";
    c.prop_last_date = "vigie_last_signal_date";
    c.prop_signals_90d = "vigie_signals_90d";
    c.prop_contact_key = "vigie_contact_key";
    c.prop_role_norm = "vigie_role_norm";
    c.prop_seniority = "vigie_seniority";
    c.prop_source_url = "vigie_source_url";
    c.key_account_property = "vigie_key_account";
    c.account_id_property = "";
    return c;
}

static const char SIGNAL[] =
    "{\"id\":\"5f0c2a9e8b7d6c5f0c2a9e8b7d6c5f0c\",\"account_id\":\"acme\",\"type\":\"funding\","
    "\"confidence\":0.92,\"priority\":81,\"title\":\"Acme raises $20M <Series B>\","
    "\"url\":\"https://news.example.com/acme?a=1&b=2\",\"published\":\"2024-01-09T11:00:00Z\","
    "\"detected\":\"2024-01-09T12:30:00Z\","
    "\"evidence\":\"Acme \\\"the robot company\\\" raised 20 million euros\\u0007 led by Foo.\","
    "\"amounts\":[{\"value\":20000000,\"currency\":\"EUR\"}],"
    "\"people\":[{\"name\":\"Jane Doe\",\"role\":\"Chief Financial Officer\",\"role_norm\":\"cfo\","
    "\"seniority\":\"c-level\",\"department\":\"finance\",\"departing\":false},"
    "{\"name\":\"John <b>Roe</b>\",\"role\":null,\"role_norm\":\"ceo\",\"seniority\":\"c-level\","
    "\"department\":null,\"departing\":true}],"
    "\"counterparties\":[{\"name\":\"Foo Ventures\",\"role\":\"investor\"}],\"places\":[],\"modifiers\":[],"
    "\"lang\":\"en\",\"sources\":3}";

static cJSON *parse(const char *s)
{
    cJSON *j = cJSON_Parse(s);
    assert_non_null(j);
    return j;
}

static int valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
        if (!n)
            return 0;
        for (int i = 1; i < n; i++)
            if ((p[i] & 0xc0) != 0x80)
                return 0;
        p += n;
    }
    return 1;
}

/* ---- paths ---------------------------------------------------------------------------- */

static void test_paths(void **state)
{
    (void)state;
    struct hubspot_config c = config();
    char *u = hs_url(&c, HS_API_OBJECTS, "companies/batch/upsert");
    assert_string_equal(u, "https://api.hubapi.com/crm/objects/2026-03/companies/batch/upsert");
    vg_free(u);
    u = hs_url(&c, HS_API_ASSOCIATIONS, "notes/companies/labels");
    assert_string_equal(u, "https://api.hubapi.com/crm/associations/2026-03/notes/companies/labels");
    vg_free(u);
    c.api_version = "v3";
    u = hs_url(&c, HS_API_OBJECTS, "notes/batch/create");
    assert_string_equal(u, "https://api.hubapi.com/crm/v3/objects/notes/batch/create");
    vg_free(u);
    u = hs_url(&c, HS_API_ASSOCIATIONS, "contacts/companies/batch/create");
    assert_string_equal(u, "https://api.hubapi.com/crm/v4/associations/contacts/companies/batch/create");
    vg_free(u);
    u = hs_url(&c, HS_API_PROPERTIES, "companies");
    assert_string_equal(u, "https://api.hubapi.com/crm/v3/properties/companies");
    vg_free(u);

    assert_true(hs_api_version_ok("2026-03"));
    assert_true(hs_api_version_ok("v3"));
    assert_false(hs_api_version_ok("2026-13"));
    assert_false(hs_api_version_ok("v4"));
    assert_false(hs_api_version_ok("latest"));
    assert_false(hs_api_version_ok(""));
}

/* ---- text ----------------------------------------------------------------------------- */

static char *html(const char *s, size_t max)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    assert_int_equal(hs_html_text(&b, s, max), 0);
    char *out = vg_buf_steal(&b);
    assert_non_null(out);
    return out;
}

static void test_html_text_escapes_and_cleans(void **state)
{
    (void)state;
    char *t = html("<script>alert('x')</script> & \"q\"", 0);
    assert_string_equal(t, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
    vg_free(t);
    /* Control characters go; line breaks and tabs become one space; ends are trimmed. */
    t = html("\n  Line\x01 one\r\n\ttwo\x7f \xc2\x85three  ", 0);
    assert_string_equal(t, "Line one two three");
    vg_free(t);
    /* Invalid UTF-8 (a lone continuation byte, a cut sequence, an overlong '/') → U+FFFD. */
    t = html("a\x80" "b\xe2\x82" "c\xc0\xaf", 0);
    assert_true(valid_utf8(t));
    assert_string_equal(t, "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd");
    vg_free(t);
}

static void test_html_text_cut_on_boundaries(void **state)
{
    (void)state;
    /* "é" is two bytes: a 10-byte cap never splits it, nor an entity, and ends with "…". */
    char *t = html("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 10);
    assert_true(strlen(t) <= 10);
    assert_true(valid_utf8(t));
    assert_string_equal(t, "\xc3\xa9\xc3\xa9\xc3\xa9\xe2\x80\xa6");
    vg_free(t);
    t = html("ab&&&&&&&&", 12);
    assert_true(strlen(t) <= 12);
    assert_string_equal(t, "ab&amp;\xe2\x80\xa6");
    vg_free(t);
    /* A text that fits is not cut, even when it fills the cap exactly. */
    t = html("abcdefghij", 10);
    assert_string_equal(t, "abcdefghij");
    vg_free(t);
    char *p = hs_plain_text("  Plain <b>text</b>\n", 0);
    assert_string_equal(p, "Plain <b>text</b>");
    vg_free(p);
    assert_int_equal(hs_utf8_cut("a\xc3\xa9", 3, 2), 1);
    /* A blank near the cap is a byte of the output too: "abcdefgh ij" does not fit 10, so it
     * is cut (it once came out as 11 bytes, "abcdefgh" then the ellipsis past the cap). */
    p = hs_plain_text("abcdefgh ij", 10);
    assert_true(strlen(p) <= 10);
    assert_string_equal(p, "abcdefg\xe2\x80\xa6");
    vg_free(p);
    p = hs_plain_text("abcdefg i", 10);
    assert_string_equal(p, "abcdefg i");
    vg_free(p);
}

static void test_time(void **state)
{
    (void)state;
    int64_t ms;
    assert_int_equal(vg_parse_rfc3339_ms("2024-01-09T11:00:00Z", &ms), 0);
    assert_true(ms == 1704798000000LL);
    assert_int_equal(vg_parse_rfc3339_ms("2024-01-09T12:00:00.250+01:00", &ms), 0);
    assert_true(ms == 1704798000250LL);
    assert_int_equal(vg_parse_rfc3339_ms("2024-01-09", &ms), 0);
    assert_int_equal(vg_parse_rfc3339_ms("yesterday", &ms), -1);
    assert_int_equal(vg_parse_rfc3339_ms(NULL, &ms), -1);
}

/* ---- the note ------------------------------------------------------------------------- */

static void test_note_body_shows_the_signal(void **state)
{
    (void)state;
    cJSON *s = parse(SIGNAL);
    char *b = hs_activity_html(s, NULL, HS_BODY_MAX);
    assert_non_null(b);
    /* The type, priority and date; the title as a link (escaped), the evidence without its
     * control character, the amount, people with roles, the counterparty, the source count
     * and the marker a search finds. */
    assert_non_null(strstr(b, "<strong>Funding</strong>"));
    assert_non_null(strstr(b, "priority 81"));
    assert_non_null(strstr(b, "2024-01-09"));
    assert_non_null(
        strstr(b, "<a href=\"https://news.example.com/acme?a=1&amp;b=2\">Acme raises $20M &lt;Series B&gt;</a>"));
    assert_non_null(strstr(b, "Acme &quot;the robot company&quot; raised 20 million euros led by Foo."));
    assert_non_null(strstr(b, "20,000,000 EUR"));
    assert_non_null(strstr(b, "Jane Doe (Chief Financial Officer)"));
    assert_non_null(strstr(b, "John &lt;b&gt;Roe&lt;/b&gt; (ceo, leaving)"));
    assert_non_null(strstr(b, "Foo Ventures (investor)"));
    assert_non_null(strstr(b, "<strong>Sources:</strong> 3"));
    assert_non_null(strstr(b, "vigie-5f0c2a9e8b7d6c5f0c2a9e8b7d6c5f0c"));
    assert_null(strchr(b, '\a'));
    vg_free(b);
    cJSON_Delete(s);
}

static void test_note_body_says_a_sentence_once(void **state)
{
    (void)state;
    cJSON *s = parse("{\"id\":\"x2\",\"type\":\"hiring\",\"title\":\"Acme recrute 50 personnes\","
                     "\"evidence\":\"Acme recrute 50 personnes.\"}");
    char *b = hs_activity_html(s, NULL, HS_BODY_MAX);
    const char *first = strstr(b, "Acme recrute 50 personnes");
    assert_non_null(first);
    assert_null(strstr(first + 1, "Acme recrute 50 personnes"));
    vg_free(b);
    cJSON_Delete(s);
}

static void test_note_body_refuses_script_links(void **state)
{
    (void)state;
    cJSON *s = parse("{\"id\":\"x1\",\"type\":\"hiring\",\"title\":\"Click\",\"url\":\"javascript:alert(1)\"}");
    char *b = hs_activity_html(s, NULL, HS_BODY_MAX);
    assert_null(strstr(b, "href"));
    assert_null(strstr(b, "javascript"));
    assert_non_null(strstr(b, "Click"));
    vg_free(b);
    cJSON_Delete(s);
}

/* 70 KB of evidence: the body is cut to HubSpot's limit at a character boundary, keeps its
 * head, title and marker, and is still well-formed (every paragraph closed). */
static void test_note_body_truncated_not_refused(void **state)
{
    (void)state;
    size_t n = 70 * 1024;
    char *big = vg_malloc(n + 1);
    for (size_t i = 0; i < n; i += 2)
        memcpy(big + i, "\xc3\xa9", 2); /* é */
    big[n] = '\0';
    cJSON *s = parse(SIGNAL);
    cJSON_ReplaceItemInObject(s, "evidence", cJSON_CreateString(big));
    char *b = hs_activity_html(s, NULL, HS_BODY_MAX);
    assert_non_null(b);
    assert_true(strlen(b) <= HS_BODY_MAX);
    assert_true(strlen(b) > HS_BODY_MAX - 1024); /* the evidence filled what was left */
    assert_true(valid_utf8(b));
    assert_non_null(strstr(b, "\xe2\x80\xa6</p>"));
    assert_non_null(strstr(b, "vigie-5f0c2a9e8b7d6c5f0c2a9e8b7d6c5f0c"));
    assert_non_null(strstr(b, "Acme raises $20M"));
    size_t open = 0, close = 0;
    for (const char *p = b; (p = strstr(p, "<p>")); p++)
        open++;
    for (const char *p = b; (p = strstr(p, "</p>")); p++)
        close++;
    assert_int_equal(open, close);
    vg_free(b);
    /* A tiny limit still keeps the head and the marker. */
    b = hs_activity_html(s, NULL, 300);
    assert_true(strlen(b) <= 300);
    assert_non_null(strstr(b, "vigie-5f0c2a9e8b7d6c5f0c2a9e8b7d6c5f0c"));
    vg_free(b);
    vg_free(big);
    cJSON_Delete(s);
}

static cJSON *props_of(struct vg_buf *b)
{
    char *txt = vg_buf_steal(b);
    assert_non_null(txt);
    cJSON *j = cJSON_Parse(txt);
    vg_free(txt);
    assert_non_null(j);
    return j;
}

static const char *member(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* [console] public_url set: the note (and a task, and an update's body) says "Open in vigie:"
 * with a link to the signal's console page, before the marker; not set, or not http(s): the
 * body is the one without it, byte for byte. */
static void test_note_links_the_console(void **state)
{
    (void)state;
    cJSON *s = parse(SIGNAL);
    char *plain = hs_activity_html(s, NULL, HS_BODY_MAX);
    char *empty = hs_activity_html(s, "", HS_BODY_MAX);
    char *bad = hs_activity_html(s, "javascript:alert(1)", HS_BODY_MAX);
    char *b = hs_activity_html(s, "https://vigie.example.com/", HS_BODY_MAX);
    assert_string_equal(empty, plain);
    assert_string_equal(bad, plain);
    assert_null(strstr(plain, "Open in vigie"));
    const char *want = "<p>Open in vigie: <a href=\"https://vigie.example.com/ui/signals/5f0c2a9e8b7d6c5f0c2a9e8b7d6c5f0c\">"
                       "https://vigie.example.com/ui/signals/5f0c2a9e8b7d6c5f0c2a9e8b7d6c5f0c</a></p>";
    assert_non_null(strstr(b, want));
    assert_true(strstr(b, want) < strstr(b, "Ref: vigie-5f0c2a9e8b7d6c5f0c2a9e8b7d6c5f0c"));
    /* the same body as without, plus that line */
    assert_int_equal(strlen(b), strlen(plain) + strlen(want));
    vg_free(plain);
    vg_free(empty);
    vg_free(bad);
    vg_free(b);

    struct hubspot_config c = config();
    struct vg_buf buf;
    vg_buf_init(&buf, 0);
    assert_int_equal(hs_activity_props(&buf, &c, s, NULL, "https://vigie.example.com"), 0);
    cJSON *p = props_of(&buf);
    assert_non_null(strstr(member(p, "hs_note_body"), want));
    cJSON_Delete(p);
    c.activity = "task";
    vg_buf_init(&buf, 0);
    assert_int_equal(hs_activity_body_props(&buf, &c, s, "https://vigie.example.com"), 0);
    p = props_of(&buf);
    assert_non_null(strstr(member(p, "hs_task_body"), want));
    cJSON_Delete(p);
    cJSON_Delete(s);
}

static void test_activity_props_note_and_task(void **state)
{
    (void)state;
    struct hubspot_config c = config();
    cJSON *s = parse(SIGNAL);
    struct vg_buf b;
    vg_buf_init(&b, 0);
    assert_int_equal(hs_activity_props(&b, &c, s, NULL, NULL), 0);
    cJSON *p = props_of(&b);
    assert_string_equal(member(p, "hs_timestamp"), "2024-01-09T11:00:00.000Z");
    assert_non_null(strstr(member(p, "hs_note_body"), "vigie-5f0c2a9e8b7d6c5f0c2a9e8b7d6c5f0c"));
    cJSON_Delete(p);

    c.activity = "task";
    vg_buf_init(&b, 0);
    assert_int_equal(hs_activity_props(&b, &c, s, "4242", NULL), 0);
    p = props_of(&b);
    assert_string_equal(member(p, "hs_timestamp"), "2024-01-09T12:30:00.000Z"); /* due: detected */
    assert_string_equal(member(p, "hs_task_subject"), "Funding: Acme raises $20M <Series B>");
    assert_string_equal(member(p, "hs_task_priority"), "HIGH");
    assert_string_equal(member(p, "hs_task_status"), "NOT_STARTED");
    assert_string_equal(member(p, "hubspot_owner_id"), "4242");
    assert_non_null(strstr(member(p, "hs_task_body"), "Jane Doe"));
    assert_null(member(p, "hs_note_body"));
    cJSON_Delete(p);

    vg_buf_init(&b, 0);
    assert_int_equal(hs_activity_body_props(&b, &c, s, NULL), 0);
    p = props_of(&b);
    assert_non_null(member(p, "hs_task_body"));
    assert_null(member(p, "hs_timestamp"));
    cJSON_Delete(p);
    cJSON_Delete(s);
}

/* ---- companies and contacts ----------------------------------------------------------- */

static void test_company_props(void **state)
{
    (void)state;
    struct hubspot_config c = config();
    struct hs_company_update u = {1, 42.25, 7, "leadership_change", 1704798000000LL};
    const char *extra[] = {"name", "Acme", "domain", "acme.com", NULL};
    struct vg_buf b;
    vg_buf_init(&b, 0);
    assert_int_equal(hs_company_props(&b, &c, &u, extra), 0);
    cJSON *p = props_of(&b);
    assert_string_equal(member(p, "name"), "Acme");
    assert_string_equal(member(p, "domain"), "acme.com");
    assert_string_equal(member(p, "vigie_heat"), "42.2");
    assert_string_equal(member(p, "vigie_signals_90d"), "7");
    assert_string_equal(member(p, "vigie_last_signal_type"), "Leadership change");
    assert_string_equal(member(p, "vigie_last_signal_date"), "2024-01-09T11:00:00.000Z");
    cJSON_Delete(p);

    /* Without a newer signal the last type and date are left as HubSpot has them. */
    u.last_type = NULL;
    vg_buf_init(&b, 0);
    hs_company_props(&b, &c, &u, NULL);
    p = props_of(&b);
    assert_null(member(p, "vigie_last_signal_type"));
    assert_non_null(member(p, "vigie_heat"));
    cJSON_Delete(p);
}

static void test_contact_props_never_write_a_guess(void **state)
{
    (void)state;
    struct hubspot_config c = config();
    cJSON *k = parse("{\"id\":\"9a8b7c\",\"name\":\"Jean-Pierre de la Fontaine\",\"title\":\"Directeur financier\","
                     "\"role_norm\":\"cfo\",\"seniority\":\"c-level\",\"department\":\"finance\","
                     "\"account_id\":\"acme\",\"source_url\":\"https://news.example.com/a\","
                     "\"first_seen\":\"2024-01-09T12:30:00Z\",\"departing\":false,"
                     "\"email_guess\":{\"address\":\"jean-pierre.delafontaine@acme.com\",\"pattern\":\"first.last\","
                     "\"confidence\":0.3,\"verified\":false}}");
    struct vg_buf b;
    vg_buf_init(&b, 0);
    assert_int_equal(hs_contact_props(&b, &c, k, "Acme SA"), 0);
    cJSON *p = props_of(&b);
    assert_string_equal(member(p, "vigie_contact_key"), "9a8b7c");
    assert_string_equal(member(p, "firstname"), "Jean-Pierre");
    assert_string_equal(member(p, "lastname"), "de la Fontaine");
    assert_string_equal(member(p, "jobtitle"), "Directeur financier");
    assert_string_equal(member(p, "vigie_role_norm"), "cfo");
    assert_string_equal(member(p, "vigie_seniority"), "c-level");
    assert_string_equal(member(p, "vigie_source_url"), "https://news.example.com/a");
    assert_string_equal(member(p, "company"), "Acme SA");
    assert_null(member(p, "email"));
    char *txt = cJSON_PrintUnformatted(p);
    assert_null(strstr(txt, "jean-pierre.delafontaine@acme.com"));
    cJSON_free(txt);
    cJSON_Delete(p);
    cJSON_Delete(k);
}

/* ---- request bodies ------------------------------------------------------------------- */

static void test_batch_bodies(void **state)
{
    (void)state;
    struct vg_buf b;
    vg_buf_init(&b, 0);
    hs_inputs_begin(&b);
    hs_input_create(&b, 0, "{\"hs_note_body\":\"x\"}", "9001", 190);
    hs_input_write(&b, 1, "acme.com", "domain", "{}");
    hs_input_write(&b, 2, "9001", NULL, "{}");
    assert_int_equal(hs_inputs_end(&b), 0);
    cJSON *j = props_of(&b);
    cJSON *in = cJSON_GetObjectItem(j, "inputs");
    assert_int_equal(cJSON_GetArraySize(in), 3);
    cJSON *a = cJSON_GetArrayItem(in, 0);
    assert_string_equal(member(a, "objectWriteTraceId"), "0");
    cJSON *assoc = cJSON_GetArrayItem(cJSON_GetObjectItem(a, "associations"), 0);
    assert_string_equal(member(cJSON_GetObjectItem(assoc, "to"), "id"), "9001");
    cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(assoc, "types"), 0);
    assert_string_equal(member(t, "associationCategory"), "HUBSPOT_DEFINED");
    assert_int_equal(cJSON_GetObjectItem(t, "associationTypeId")->valueint, 190);
    assert_string_equal(member(cJSON_GetArrayItem(in, 1), "idProperty"), "domain");
    assert_null(member(cJSON_GetArrayItem(in, 2), "idProperty"));
    cJSON_Delete(j);

    vg_buf_init(&b, 0);
    const char *v[] = {"vigie-abc"};
    const char *props[] = {"hs_note_body", NULL};
    assert_int_equal(hs_search_body(&b, "hs_note_body", "CONTAINS_TOKEN", v, 1, props, 2), 0);
    j = props_of(&b);
    cJSON *f = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "filterGroups"), 0),
                                                      "filters"), 0);
    assert_string_equal(member(f, "operator"), "CONTAINS_TOKEN");
    assert_string_equal(member(f, "value"), "vigie-abc");
    cJSON_Delete(j);

    struct hubspot_config c = config();
    struct hs_prop_def defs[16];
    size_t n = hs_prop_defs(&c, defs, 16);
    assert_int_equal(n, 9);
    vg_buf_init(&b, 0);
    hs_inputs_begin(&b);
    for (size_t i = 0; i < n; i++)
        if (strcmp(defs[i].object, "contacts") == 0)
            hs_input_property(&b, i, &defs[i], "vigie");
    hs_inputs_end(&b);
    j = props_of(&b);
    a = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "inputs"), 0);
    assert_string_equal(member(a, "name"), "vigie_contact_key");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(a, "hasUniqueValue")));
    assert_string_equal(member(a, "groupName"), "vigie");
    assert_string_equal(member(a, "fieldType"), "text");
    cJSON_Delete(j);
}

/* ---- answers -------------------------------------------------------------------------- */

static void test_results_by_trace_id(void **state)
{
    (void)state;
    /* Out of order, as HubSpot may answer. */
    const char *body = "{\"status\":\"COMPLETE\",\"results\":["
                       "{\"id\":\"702\",\"objectWriteTraceId\":\"2\",\"properties\":{}},"
                       "{\"id\":\"700\",\"objectWriteTraceId\":\"0\",\"properties\":{}},"
                       "{\"id\":\"701\",\"objectWriteTraceId\":\"1\",\"properties\":{},\"new\":true}]}";
    struct hs_result r[3];
    char un[128];
    assert_int_equal(hs_batch_results(body, strlen(body), 3, NULL, NULL, r, un, sizeof un), 0);
    assert_string_equal(r[0].id, "700");
    assert_string_equal(r[1].id, "701");
    assert_true(r[1].is_new);
    assert_string_equal(r[2].id, "702");
    assert_string_equal(un, "");
}

static void test_results_207_half_rejected(void **state)
{
    (void)state;
    const char *body =
        "{\"status\":\"COMPLETE\",\"numErrors\":2,\"results\":["
        "{\"id\":\"11\",\"properties\":{\"vigie_contact_key\":\"k0\"}},"
        "{\"id\":\"13\",\"properties\":{\"vigie_contact_key\":\"k2\"}}],"
        "\"errors\":[{\"status\":\"error\",\"category\":\"VALIDATION_ERROR\","
        "\"message\":\"Property values were not valid: jobtitle too long\","
        "\"context\":{\"objectWriteTraceId\":[\"1\"]}},"
        "{\"status\":\"error\",\"category\":\"VALIDATION_ERROR\",\"message\":\"bad value\","
        "\"context\":{\"ids\":[\"k3\"]}},"
        "{\"status\":\"error\",\"category\":\"INTERNAL\",\"message\":\"something\"}]}";
    const char *keys[] = {"k0", "k1", "k2", "k3"};
    struct hs_result r[4];
    char un[128];
    assert_int_equal(hs_batch_results(body, strlen(body), 4, "vigie_contact_key", keys, r, un, sizeof un), 0);
    assert_string_equal(r[0].id, "11");
    assert_string_equal(r[0].error, "");
    assert_true(r[1].seen);
    assert_string_equal(r[1].id, "");
    assert_string_equal(r[1].error, "HubSpot VALIDATION_ERROR: Property values were not valid: jobtitle too long");
    assert_string_equal(r[2].id, "13");
    assert_string_equal(r[3].error, "HubSpot VALIDATION_ERROR: bad value");
    assert_string_equal(un, "HubSpot INTERNAL: something");
}

static void test_results_by_position_and_garbage(void **state)
{
    (void)state;
    const char *body = "{\"results\":[{\"id\":1},{\"id\":2}]}";
    struct hs_result r[2];
    assert_int_equal(hs_batch_results(body, strlen(body), 2, NULL, NULL, r, NULL, 0), 0);
    assert_string_equal(r[0].id, "1");
    assert_string_equal(r[1].id, "2");
    /* One result for two inputs: neither is placed by guess. */
    body = "{\"results\":[{\"id\":1}]}";
    assert_int_equal(hs_batch_results(body, strlen(body), 2, NULL, NULL, r, NULL, 0), 0);
    assert_false(r[0].seen);
    assert_false(r[1].seen);
    assert_int_equal(hs_batch_results("<html>", 6, 2, NULL, NULL, r, NULL, 0), -1);
}

static void decide(long status, int ra_given, long ra_s, const char *body, struct hs_decision *d)
{
    hs_decide(0, NULL, status, ra_given, ra_s, body, body ? strlen(body) : 0, d);
}

static void test_decide_rate_limits(void **state)
{
    (void)state;
    struct hs_decision d;
    decide(429, 0, 0,
           "{\"status\":\"error\",\"message\":\"You have reached your ten_secondly_rolling limit.\","
           "\"errorType\":\"RATE_LIMIT\",\"policyName\":\"TEN_SECONDLY_ROLLING\"}",
           &d);
    assert_int_equal(d.verdict, HS_RETRY);
    assert_true(d.retry_after_ms == 10000);
    assert_non_null(strstr(d.reason, "TEN_SECONDLY_ROLLING"));
    /* Retry-After wins when given, even 0. */
    decide(429, 1, 3, "{\"policyName\":\"TEN_SECONDLY_ROLLING\"}", &d);
    assert_true(d.retry_after_ms == 3000);
    decide(429, 0, 0, "{\"status\":\"error\",\"message\":\"You have reached your secondly limit.\","
                      "\"category\":\"RATE_LIMITS\"}", &d);
    assert_int_equal(d.verdict, HS_RETRY);
    assert_true(d.retry_after_ms == 1000);
    decide(429, 0, 0, "{\"policyName\":\"DAILY\",\"message\":\"You have reached your daily limit.\"}", &d);
    assert_int_equal(d.verdict, HS_PAUSE_DAILY);
    assert_non_null(strstr(d.reason, "daily"));
    decide(429, 0, 0, "", &d);
    assert_int_equal(d.verdict, HS_RETRY);
    assert_true(d.retry_after_ms == 10000);
}

static void test_decide_token_and_properties(void **state)
{
    (void)state;
    struct hs_decision d;
    decide(401, 0, 0, "{\"status\":\"error\",\"message\":\"Authentication credentials not found.\","
                      "\"category\":\"INVALID_AUTHENTICATION\"}", &d);
    assert_int_equal(d.verdict, HS_PAUSE_TOKEN);
    assert_non_null(strstr(d.reason, "HubSpot refused the token: fix [sink.hubspot] token and reload (401 "
                                     "INVALID_AUTHENTICATION: Authentication credentials not found.)"));
    assert_non_null(strstr(d.reason, "fix [sink.hubspot] token and reload"));
    decide(403, 0, 0,
           "{\"status\":\"error\",\"message\":\"This app hasn't been granted all required scopes\","
           "\"category\":\"MISSING_SCOPES\",\"errors\":[{\"message\":\"One or more of the following scopes are "
           "required.\",\"context\":{\"requiredGranularScopes\":[\"crm.schemas.companies.write\"]}}]}",
           &d);
    assert_int_equal(d.verdict, HS_PAUSE_TOKEN);
    assert_string_equal(d.err.scopes, "crm.schemas.companies.write");
    assert_non_null(strstr(d.reason, "crm.schemas.companies.write"));

    /* HubSpot embeds the per-property verdicts as JSON inside its message. */
    decide(400, 0, 0,
           "{\"status\":\"error\",\"message\":\"Property values were not valid: [{\\\"isValid\\\":false,"
           "\\\"message\\\":\\\"Property \\\\\\\"vigie_heatt\\\\\\\" does not exist\\\",\\\"error\\\":"
           "\\\"PROPERTY_DOESNT_EXIST\\\",\\\"name\\\":\\\"vigie_heatt\\\"}]\",\"category\":\"VALIDATION_ERROR\"}",
           &d);
    assert_int_equal(d.verdict, HS_PAUSE_PROPERTY);
    assert_string_equal(d.err.property, "vigie_heatt");
    assert_non_null(strstr(d.reason, "'vigie_heatt'"));
    decide(400, 0, 0,
           "{\"status\":\"error\",\"category\":\"VALIDATION_ERROR\",\"message\":\"invalid\",\"errors\":[{"
           "\"code\":\"PROPERTY_DOESNT_EXIST\",\"message\":\"Property \\\"x_y\\\" does not exist\","
           "\"context\":{\"propertyName\":[\"x_y\"]}}]}",
           &d);
    assert_int_equal(d.verdict, HS_PAUSE_PROPERTY);
    assert_string_equal(d.err.property, "x_y");
}

static void test_decide_other_answers(void **state)
{
    (void)state;
    struct hs_decision d;
    decide(207, 0, 0, "{}", &d);
    assert_int_equal(d.verdict, HS_OK);
    decide(400, 0, 0, "{\"status\":\"error\",\"message\":\"hs_timestamp is required\",\"category\":\"VALIDATION_ERROR\"}",
           &d);
    assert_int_equal(d.verdict, HS_DROP);
    assert_string_equal(d.reason, "HubSpot refused it (400 VALIDATION_ERROR: hs_timestamp is required)");
    decide(502, 0, 0, "<html>Bad gateway</html>", &d);
    assert_int_equal(d.verdict, HS_RETRY);
    assert_true(d.retry_after_ms == 0);
    decide(503, 1, 30, NULL, &d);
    assert_true(d.retry_after_ms == 30000);
    decide(423, 0, 0, "{}", &d);
    assert_int_equal(d.verdict, HS_RETRY);
    assert_true(d.retry_after_ms == 2000);
    decide(477, 1, 60, "{}", &d);
    assert_true(d.retry_after_ms == 60000);
    hs_decide(1, "timeout: no answer in 30 s", 0, 0, 0, NULL, 0, &d);
    assert_int_equal(d.verdict, HS_RETRY);
    assert_non_null(strstr(d.reason, "timeout"));
}

static void test_property_and_label_answers(void **state)
{
    (void)state;
    cJSON *props = parse("{\"results\":[{\"name\":\"domain\",\"hasUniqueValue\":false},"
                         "{\"name\":\"vigie_contact_key\",\"hasUniqueValue\":true}]}");
    int unique = -1;
    assert_int_equal(hs_property_lookup(props, "domain", &unique), 1);
    assert_int_equal(unique, 0);
    assert_int_equal(hs_property_lookup(props, "vigie_contact_key", &unique), 1);
    assert_int_equal(unique, 1);
    assert_int_equal(hs_property_lookup(props, "vigie_heat", &unique), 0);
    cJSON_Delete(props);
    cJSON *labels = parse("{\"results\":[{\"category\":\"USER_DEFINED\",\"typeId\":7,\"label\":\"Billing\"},"
                          "{\"category\":\"HUBSPOT_DEFINED\",\"typeId\":190,\"label\":null}]}");
    assert_int_equal(hs_association_type(labels, 1), 190);
    cJSON_Delete(labels);
    assert_int_equal(hs_association_type(NULL, 192), 192);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_html_text_escapes_and_cleans),
        cmocka_unit_test(test_html_text_cut_on_boundaries),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_note_body_shows_the_signal),
        cmocka_unit_test(test_note_body_says_a_sentence_once),
        cmocka_unit_test(test_note_body_refuses_script_links),
        cmocka_unit_test(test_note_body_truncated_not_refused),
        cmocka_unit_test(test_note_links_the_console),
        cmocka_unit_test(test_activity_props_note_and_task),
        cmocka_unit_test(test_company_props),
        cmocka_unit_test(test_contact_props_never_write_a_guess),
        cmocka_unit_test(test_batch_bodies),
        cmocka_unit_test(test_results_by_trace_id),
        cmocka_unit_test(test_results_207_half_rejected),
        cmocka_unit_test(test_results_by_position_and_garbage),
        cmocka_unit_test(test_decide_rate_limits),
        cmocka_unit_test(test_decide_token_and_properties),
        cmocka_unit_test(test_decide_other_answers),
        cmocka_unit_test(test_property_and_label_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
