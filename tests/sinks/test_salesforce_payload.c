/* Unit tests of sinks/salesforce_payload: what a batch of vigie records becomes in
 * Salesforce (the Account, Contact and Task a rep sees), cleaning and cutting of text to the
 * fields' limits, and Salesforce's answers turned into outcomes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "enrich/account.h"
#include "sinks/salesforce_payload.h"
#include "util/vg_alloc.h"

static const struct sf_map map = {
    .account_ext = "Vigie_Account_Id__c",
    .contact_ext = "Vigie_Contact_Key__c",
    .task_ext = "Vigie_Signal_Id__c",
    .task_status = "Not Started",
};

/* ---- fixtures ----------------------------------------------------------------------------- */

static char *acme_domains[] = {"acme.com", "acme.fr"};
static struct enrich_account acme = {
    .id = "acme", .name = "Acme SA", .domains = acme_domains, .n_domains = 2,
    .owner = "claire@example.com", .tier = "key",
};
/* An account synced from Salesforce: its Id and its owner's User Id are known. */
static struct enrich_identifier globex_ids[] = {{"salesforce_owner_id", "005000000000001AAA"}};
static struct enrich_account globex = {
    .id = "sf-001000000000002AAA", .name = "Globex", .crm_id = "001000000000002AAA",
    .owner = "hank@globex.example", .identifiers = globex_ids, .n_identifiers = 1, .tier = "key",
};

struct batch {
    struct sink_record v[16];
    cJSON *docs[16];
    size_t n;
};

static void add(struct batch *b, const char *field, const char *json,
                const struct enrich_account *a)
{
    struct sink_record *r = &b->v[b->n];
    memset(r, 0, sizeof(*r));
    b->docs[b->n] = cJSON_Parse(json);
    assert_non_null(b->docs[b->n]);
    r->doc = b->docs[b->n];
    r->json = json;
    r->field = field;
    r->stream = strcmp(field, "contact") == 0 ? "contacts" : "signals";
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(r->doc, "id");
    r->id = cJSON_IsString(id) ? id->valuestring : "";
    r->account = a;
    r->attempt = 1;
    b->n++;
}

static void batch_free(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        cJSON_Delete(b->docs[i]);
}

static const char *SIG_FUNDING =
    "{\"id\":\"a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1\",\"account_id\":\"acme\",\"type\":\"funding\","
    "\"confidence\":0.92,\"priority\":74,\"title\":\"Acme raises $20M to expand in Europe\","
    "\"url\":\"https://news.example/acme-20m\",\"published\":\"2024-01-09T11:00:00Z\","
    "\"detected\":\"2024-01-09T11:05:00Z\",\"evidence\":\"Acme said on Tuesday it raised $20 "
    "million led by Foo Capital.\",\"amounts\":[{\"value\":20000000,\"currency\":\"USD\"}],"
    "\"people\":[{\"name\":\"Jane Doe\",\"role\":\"chief financial officer\",\"role_norm\":\"cfo\","
    "\"seniority\":\"c_level\",\"department\":\"finance\",\"departing\":false}],"
    "\"counterparties\":[{\"name\":\"Foo Capital\",\"role\":\"investor\"}],\"places\":[],"
    "\"modifiers\":[],\"lang\":\"en\",\"sources\":1}";

static const char *SIG_LEADER =
    "{\"id\":\"b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2\",\"account_id\":\"sf-001000000000002AAA\","
    "\"type\":\"leadership_change\",\"confidence\":0.8,\"priority\":40,\"title\":\"Globex names "
    "a new CEO\",\"url\":null,\"published\":null,\"detected\":\"2024-02-01T08:00:00Z\","
    "\"evidence\":\"Globex names a new CEO\",\"amounts\":[],\"people\":[],\"counterparties\":[],"
    "\"places\":[],\"modifiers\":[],\"lang\":\"en\",\"sources\":1}";

static const char *UPD_FUNDING =
    "{\"id\":\"a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1\",\"account_id\":\"acme\",\"type\":\"funding\","
    "\"confidence\":0.92,\"priority\":74,\"title\":\"Acme raises $20M to expand in Europe\","
    "\"url\":\"https://news.example/acme-20m\",\"published\":\"2024-01-09T11:00:00Z\","
    "\"detected\":\"2024-01-09T11:05:00Z\",\"evidence\":\"Acme raised $20 million.\","
    "\"amounts\":[],\"people\":[],\"counterparties\":[],\"places\":[],\"modifiers\":[],"
    "\"lang\":\"en\",\"sources\":3,\"source_urls\":[\"https://news.example/acme-20m\","
    "\"https://other.example/a\",\"https://third.example/b\"]}";

static const char *CONTACT_JANE =
    "{\"id\":\"c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3\",\"name\":\"Jane Doe\",\"title\":\"chief "
    "financial officer\",\"role_norm\":\"cfo\",\"seniority\":\"c_level\",\"department\":"
    "\"finance\",\"account_id\":\"acme\",\"source_url\":\"https://news.example/acme-20m\","
    "\"first_seen\":\"2024-01-09T11:05:00Z\",\"departing\":false,\"email_guess\":{\"address\":"
    "\"jane.doe@acme.com\",\"pattern\":\"first.last\",\"confidence\":0.3,\"verified\":false}}";

/* The body's records, parsed. */
static cJSON *records_of(const struct sf_request *r)
{
    cJSON *doc = cJSON_Parse(r->body);
    assert_non_null(doc);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(doc, "allOrNone")));
    return doc;
}

static const cJSON *rec(const cJSON *doc, int i)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "records"), i);
}

static const char *s(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *type_of(const cJSON *o)
{
    return s(cJSON_GetObjectItemCaseSensitive(o, "attributes"), "type");
}

static void build(struct batch *b, enum sf_object t, const unsigned char *skip, struct sf_request *r)
{
    char err[128];
    assert_int_equal(sf_request_build(&map, t, b->v, b->n, skip, r, err, sizeof(err)), 0);
}

/* ---- mapping -------------------------------------------------------------------------------- */

static void accounts_once_each(void **state)
{
    struct batch b = {0};
    add(&b, "signal", SIG_FUNDING, &acme);
    add(&b, "contact", CONTACT_JANE, &acme);
    add(&b, "signal", SIG_LEADER, &globex);
    add(&b, "update", UPD_FUNDING, &acme);
    struct sf_request r;
    build(&b, SF_ACCOUNT, NULL, &r);
    /* Acme once for its three records; Globex not at all: its Salesforce Id is known, so the
     * CRM's own account is neither duplicated nor renamed. */
    assert_int_equal(r.items, 1);
    assert_int_equal(r.item_of[0], 0);
    assert_int_equal(r.item_of[1], 0);
    assert_int_equal(r.item_of[2], -1);
    assert_int_equal(r.item_of[3], 0);
    cJSON *doc = records_of(&r);
    const cJSON *a = rec(doc, 0);
    assert_string_equal(type_of(a), "Account");
    assert_string_equal(s(a, "Vigie_Account_Id__c"), "acme");
    assert_string_equal(s(a, "Name"), "Acme SA");
    assert_string_equal(s(a, "Website"), "https://acme.com");
    assert_null(cJSON_GetObjectItemCaseSensitive(a, "Id")); /* upserts must not set Id */
    cJSON_Delete(doc);
    sf_request_free(&r);

    char *path = sf_request_path(&map, "v60.0", SF_ACCOUNT);
    assert_string_equal(path, "/services/data/v60.0/composite/sobjects/Account/Vigie_Account_Id__c");
    vg_free(path);
    batch_free(&b);
}

static void contact_as_a_rep_sees_it(void **state)
{
    struct batch b = {0};
    add(&b, "signal", SIG_FUNDING, &acme);
    add(&b, "contact", CONTACT_JANE, &acme);
    struct sf_request r;
    build(&b, SF_CONTACT, NULL, &r);
    assert_int_equal(r.items, 1);
    assert_int_equal(r.item_of[0], -1);
    assert_int_equal(r.item_of[1], 0);
    cJSON *doc = records_of(&r);
    const cJSON *c = rec(doc, 0);
    assert_string_equal(type_of(c), "Contact");
    assert_string_equal(s(c, "Vigie_Contact_Key__c"), "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3");
    assert_string_equal(s(c, "FirstName"), "Jane");
    assert_string_equal(s(c, "LastName"), "Doe");
    assert_string_equal(s(c, "Title"), "chief financial officer");
    const cJSON *acc = cJSON_GetObjectItemCaseSensitive(c, "Account");
    assert_string_equal(s(acc, "Vigie_Account_Id__c"), "acme");
    /* The guessed address never becomes the contact's e-mail. */
    assert_null(cJSON_GetObjectItemCaseSensitive(c, "Email"));
    assert_null(strstr(r.body, "jane.doe@acme.com"));
    const char *d = s(c, "Description");
    assert_non_null(strstr(d, "Role: chief financial officer (cfo, c_level, finance)"));
    assert_non_null(strstr(d, "Source: https://news.example/acme-20m"));
    cJSON_Delete(doc);
    sf_request_free(&r);
    batch_free(&b);
}

static void contact_of_a_known_account_and_odd_names(void **state)
{
    struct batch b = {0};
    add(&b, "contact", "{\"id\":\"c1\",\"name\":\"Madonna\",\"title\":null,\"account_id\":"
        "\"sf-001000000000002AAA\",\"departing\":true}", &globex);
    add(&b, "contact", "{\"id\":\"c2\",\"name\":\"Jean-Marc de la Tour\",\"title\":\"CTO\","
        "\"account_id\":\"acme\"}", &acme);
    struct sf_request r;
    build(&b, SF_CONTACT, NULL, &r);
    cJSON *doc = records_of(&r);
    const cJSON *c = rec(doc, 0);
    assert_null(cJSON_GetObjectItemCaseSensitive(c, "FirstName"));
    assert_string_equal(s(c, "LastName"), "Madonna");
    assert_string_equal(s(c, "AccountId"), "001000000000002AAA");
    assert_null(cJSON_GetObjectItemCaseSensitive(c, "Account"));
    assert_non_null(strstr(s(c, "Description"), "Leaving this role"));
    c = rec(doc, 1);
    assert_string_equal(s(c, "FirstName"), "Jean-Marc");
    assert_string_equal(s(c, "LastName"), "de la Tour");
    cJSON_Delete(doc);
    sf_request_free(&r);
    batch_free(&b);
}

/* A day the month does not have would make Salesforce refuse the whole collection: such a date
 * is not sent, and the next one is used (the detection time). */
static void task_date_is_a_real_day(void **state)
{
    (void)state;
    struct batch b = {0};
    add(&b, "signal", "{\"id\":\"d1\",\"account_id\":\"acme\",\"type\":\"funding\",\"title\":\"A\","
        "\"published\":\"2023-02-29T10:00:00Z\",\"detected\":\"2024-02-29T10:00:00Z\"}", &acme);
    add(&b, "signal", "{\"id\":\"d2\",\"account_id\":\"acme\",\"type\":\"funding\",\"title\":\"B\","
        "\"published\":\"2024-04-31T10:00:00Z\"}", &acme);
    struct sf_request r;
    build(&b, SF_TASK, NULL, &r);
    cJSON *doc = records_of(&r);
    assert_string_equal(s(rec(doc, 0), "ActivityDate"), "2024-02-29"); /* a leap year's */
    assert_null(cJSON_GetObjectItemCaseSensitive(rec(doc, 1), "ActivityDate"));
    cJSON_Delete(doc);
    sf_request_free(&r);
    batch_free(&b);
}

static void task_as_a_rep_sees_it(void **state)
{
    struct batch b = {0};
    add(&b, "signal", SIG_FUNDING, &acme);
    add(&b, "signal", SIG_LEADER, &globex);
    struct sf_request r;
    build(&b, SF_TASK, NULL, &r);
    assert_int_equal(r.items, 2);
    cJSON *doc = records_of(&r);

    const cJSON *t = rec(doc, 0);
    assert_string_equal(type_of(t), "Task");
    assert_string_equal(s(t, "Vigie_Signal_Id__c"), "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1");
    assert_string_equal(s(t, "Subject"), "Funding: Acme raises $20M to expand in Europe");
    assert_string_equal(s(t, "ActivityDate"), "2024-01-09");
    assert_string_equal(s(t, "Status"), "Not Started");
    assert_string_equal(s(t, "Priority"), "High"); /* priority 74 */
    assert_null(cJSON_GetObjectItemCaseSensitive(t, "OwnerId")); /* owner is an e-mail */
    const cJSON *what = cJSON_GetObjectItemCaseSensitive(t, "What");
    assert_string_equal(type_of(what), "Account"); /* What is polymorphic: typed */
    assert_string_equal(s(what, "Vigie_Account_Id__c"), "acme");
    const char *d = s(t, "Description");
    assert_non_null(strstr(d, "\"Acme said on Tuesday it raised $20 million led by Foo Capital.\""));
    assert_non_null(strstr(d, "Amounts: 20,000,000 USD"));
    assert_non_null(strstr(d, "People: Jane Doe, chief financial officer (c_level)"));
    assert_non_null(strstr(d, "Counterparties: Foo Capital (investor)"));
    assert_non_null(strstr(d, "Link: https://news.example/acme-20m"));
    assert_non_null(strstr(d, "Confidence 0.92, priority 74/100"));
    assert_null(strstr(d, "Places:")); /* empty lists say nothing */

    t = rec(doc, 1);
    assert_string_equal(s(t, "Subject"), "Leadership change: Globex names a new CEO");
    assert_string_equal(s(t, "Priority"), "Normal");
    assert_string_equal(s(t, "ActivityDate"), "2024-02-01"); /* no published date: detected */
    assert_string_equal(s(t, "WhatId"), "001000000000002AAA");
    assert_string_equal(s(t, "OwnerId"), "005000000000001AAA");
    cJSON_Delete(doc);
    sf_request_free(&r);
    batch_free(&b);
}

/* [console] public_url set: a Task's Description says "Open in vigie: URL", the signal's
 * console page, before the signal id line; not set, or not http(s): the Description without
 * it, byte for byte. */
static void task_links_the_console(void **state)
{
    (void)state;
    struct batch b = {0};
    add(&b, "signal", SIG_FUNDING, &acme);
    struct sf_request r;
    build(&b, SF_TASK, NULL, &r);
    cJSON *doc = records_of(&r);
    char *plain = vg_strdup(s(rec(doc, 0), "Description"));
    assert_null(strstr(plain, "Open in vigie"));
    cJSON_Delete(doc);
    sf_request_free(&r);

    struct sf_map linked = map;
    char err[128];
    const char *bases[] = {"https://vigie.example.com/", "", "javascript:alert(1)"};
    for (int k = 0; k < 3; k++) {
        linked.console_url = bases[k];
        assert_int_equal(sf_request_build(&linked, SF_TASK, b.v, b.n, NULL, &r, err, sizeof(err)), 0);
        doc = records_of(&r);
        const char *d = s(rec(doc, 0), "Description");
        const char *line = "Open in vigie: https://vigie.example.com/ui/signals/a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1\n";
        if (k == 0) {
            assert_non_null(strstr(d, line));
            assert_true(strstr(d, line) < strstr(d, "vigie signal a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"));
            assert_int_equal(strlen(d), strlen(plain) + strlen(line));
        } else {
            assert_string_equal(d, plain);
        }
        cJSON_Delete(doc);
        sf_request_free(&r);
    }
    vg_free(plain);
    batch_free(&b);
}

/* An update upserts the same Task (same external id) with the new count, and leaves the
 * status and owner a rep may have changed. */
static void update_keeps_what_the_rep_changed(void **state)
{
    struct batch b = {0};
    add(&b, "update", UPD_FUNDING, &acme);
    struct sf_request r;
    build(&b, SF_TASK, NULL, &r);
    cJSON *doc = records_of(&r);
    const cJSON *t = rec(doc, 0);
    assert_string_equal(s(t, "Vigie_Signal_Id__c"), "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1");
    assert_null(cJSON_GetObjectItemCaseSensitive(t, "Status"));
    assert_null(cJSON_GetObjectItemCaseSensitive(t, "OwnerId"));
    const char *d = s(t, "Description");
    assert_non_null(strstr(d, "Told by 3 sources"));
    assert_non_null(strstr(d, "https://third.example/b"));
    cJSON_Delete(doc);
    sf_request_free(&r);
    batch_free(&b);
}

/* 70 KB of text, quotes, control characters, HTML, broken UTF-8: cut to the limits, cleaned,
 * never a reason for Salesforce to refuse the record (STRING_TOO_LONG cannot happen). */
static void hostile_text(void **state)
{
    size_t big = 70 * 1024;
    char *ev = malloc(big + 1);
    for (size_t i = 0; i < big; i++)
        ev[i] = "ab\"c<b>d\x01\x1f\\e\xc3\xa9\n"[i % 15];
    /* an emoji (two UTF-16 units) and a broken sequence near the start */
    memcpy(ev + 5, "\xf0\x9f\x98\x80\xff", 5);
    ev[big] = '\0';
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "id", "d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4");
    cJSON_AddStringToObject(doc, "account_id", "acme");
    cJSON_AddStringToObject(doc, "type", "funding");
    cJSON_AddNumberToObject(doc, "priority", 70);
    cJSON_AddStringToObject(doc, "title", ev + 1);
    cJSON_AddStringToObject(doc, "evidence", ev);
    cJSON_AddStringToObject(doc, "url", "https://news.example/<script>alert(1)</script>");
    char *json = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    struct batch b = {0};
    add(&b, "signal", json, &acme);
    struct sf_request r;
    build(&b, SF_TASK, NULL, &r);
    cJSON *out = records_of(&r);
    const cJSON *t = rec(out, 0);
    const char *subject = s(t, "Subject"), *d = s(t, "Description");
    assert_true(sf_text_units(subject) <= SF_LEN_SUBJECT);
    assert_true(sf_text_units(d) <= SF_LEN_LONG_TEXT);
    assert_true(sf_text_units(d) > 20000);
    assert_non_null(strstr(subject, "\xe2\x80\xa6")); /* cut, and says so */
    assert_null(strchr(subject, '\n'));
    assert_null(strchr(d, '\x01'));
    assert_null(strchr(d, '\x1f'));
    assert_non_null(strstr(d, "\xef\xbf\xbd")); /* the broken byte, visibly replaced */
    assert_non_null(strstr(d, "\xf0\x9f\x98\x80"));
    assert_non_null(strstr(d, "ab\"c<b>d"));     /* quotes and HTML carried as text */
    /* The evidence is cut on its own, so what follows it still fits. */
    assert_non_null(strstr(d, "Link: https://news.example/<script>alert(1)</script>"));
    assert_string_equal(s(t, "Priority"), "High"); /* 70 */
    cJSON_Delete(out);
    sf_request_free(&r);
    batch_free(&b);
    free(json);
    free(ev);
}

static void text_units_and_cuts(void **state)
{
    char *t = sf_text("abc", 3, 1);
    assert_string_equal(t, "abc"); /* exactly at the limit: whole */
    vg_free(t);
    t = sf_text("abcd", 3, 1);
    assert_string_equal(t, "ab\xe2\x80\xa6");
    assert_int_equal(sf_text_units(t), 3);
    vg_free(t);
    /* An emoji counts two units and is never split. */
    t = sf_text("a\xf0\x9f\x98\x80zz", 3, 1);
    assert_string_equal(t, "a\xe2\x80\xa6");
    vg_free(t);
    t = sf_text("a\xf0\x9f\x98\x80", 3, 1);
    assert_string_equal(t, "a\xf0\x9f\x98\x80");
    vg_free(t);
    t = sf_text("line\r\none\ttab", 100, 1);
    assert_string_equal(t, "line one tab");
    vg_free(t);
    t = sf_text("line\r\none\ttab\x7f\xc2\x85", 100, 0);
    assert_string_equal(t, "line\none\ttab  ");
    vg_free(t);
    t = sf_text("bad \xc3 \xed\xa0\x80 end", 100, 1); /* cut sequence, encoded surrogate */
    assert_string_equal(t, "bad \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end");
    vg_free(t);
    t = sf_text(NULL, 10, 1);
    assert_string_equal(t, "");
    vg_free(t);
}

/* ---- answers --------------------------------------------------------------------------------- */

/* Half a batch refused: the good half is delivered, each bad one dropped with Salesforce's
 * message for it alone. */
static void per_record_results(void **state)
{
    struct batch b = {0};
    add(&b, "signal", SIG_FUNDING, &acme);
    add(&b, "signal", SIG_LEADER, &globex);
    add(&b, "update", UPD_FUNDING, &acme);
    struct sf_request r;
    build(&b, SF_TASK, NULL, &r);
    const char *answer =
        "[{\"id\":\"00T000000000001AAA\",\"success\":true,\"errors\":[],\"created\":true},"
        "{\"success\":false,\"errors\":[{\"statusCode\":\"FIELD_CUSTOM_VALIDATION_EXCEPTION\","
        "\"message\":\"Subject may not mention a CEO\",\"fields\":[\"Subject\"]}]},"
        "{\"success\":false,\"errors\":[{\"statusCode\":\"UNABLE_TO_LOCK_ROW\",\"message\":"
        "\"unable to obtain exclusive access to this record\",\"fields\":[]}]}]";
    unsigned char skip[3] = {0};
    char pause[256] = "", err[128];
    assert_int_equal(sf_results_apply(&r, answer, strlen(answer), b.v, b.n, skip, pause,
                                      sizeof(pause), err, sizeof(err)), 0);
    assert_int_equal(b.v[0].outcome, SINK_OK);
    assert_int_equal(b.v[1].outcome, SINK_DROP);
    assert_string_equal(b.v[1].reason, "Salesforce refused the Task: FIELD_CUSTOM_VALIDATION_EXCEPTION: "
                                       "Subject may not mention a CEO (fields: Subject)");
    assert_int_equal(b.v[2].outcome, SINK_RETRY); /* a lock: passing */
    assert_int_equal(skip[0], 0);
    assert_int_equal(skip[1], 1);
    assert_string_equal(pause, "");

    /* An answer that does not match the request settles nothing. */
    struct batch c = {0};
    add(&c, "signal", SIG_FUNDING, &acme);
    sf_request_free(&r);
    build(&c, SF_TASK, NULL, &r);
    assert_int_equal(sf_results_apply(&r, "[]", 2, c.v, c.n, NULL, NULL, 0, err, sizeof(err)), -1);
    assert_int_equal(sf_results_apply(&r, "<html>", 6, c.v, c.n, NULL, NULL, 0, err, sizeof(err)), -1);
    assert_int_equal(c.v[0].outcome, SINK_OK);
    assert_string_equal(c.v[0].reason, "");
    sf_request_free(&r);
    batch_free(&c);
    batch_free(&b);
}

/* An Account refused: every record of that account is dropped with the account's reason and
 * left out of the Contact and Task collections (they could not refer to it). */
static void account_refused_drops_its_records(void **state)
{
    static struct enrich_account initech = {.id = "initech", .name = "Initech", .tier = "key"};
    struct batch b = {0};
    add(&b, "signal", SIG_FUNDING, &acme);
    add(&b, "contact", CONTACT_JANE, &acme);
    add(&b, "signal", "{\"id\":\"e5\",\"account_id\":\"initech\",\"type\":\"funding\","
        "\"title\":\"Initech raises\"}", &initech);
    struct sf_request r;
    build(&b, SF_ACCOUNT, NULL, &r);
    assert_int_equal(r.items, 2);
    const char *answer =
        "[{\"success\":false,\"errors\":[{\"statusCode\":\"REQUIRED_FIELD_MISSING\",\"message\":"
        "\"Required fields are missing: [Industry]\",\"fields\":[\"Industry\"]}]},"
        "{\"id\":\"001000000000003AAA\",\"success\":true,\"errors\":[],\"created\":false}]";
    unsigned char skip[3] = {0};
    char pause[256] = "", err[128];
    assert_int_equal(sf_results_apply(&r, answer, strlen(answer), b.v, b.n, skip, pause,
                                      sizeof(pause), err, sizeof(err)), 0);
    sf_request_free(&r);
    assert_int_equal(b.v[0].outcome, SINK_DROP);
    assert_int_equal(b.v[1].outcome, SINK_DROP);
    assert_non_null(strstr(b.v[1].reason, "Account acme: REQUIRED_FIELD_MISSING"));
    assert_int_equal(b.v[2].outcome, SINK_OK);
    build(&b, SF_CONTACT, skip, &r);
    assert_int_equal(r.items, 0);
    assert_null(r.body);
    sf_request_free(&r);
    build(&b, SF_TASK, skip, &r);
    assert_int_equal(r.items, 1);
    assert_int_equal(r.item_of[2], 0);
    assert_non_null(strstr(r.body, "\"Vigie_Signal_Id__c\":\"e5\""));
    sf_request_free(&r);
    batch_free(&b);
}

/* The integration user may not write a mapped field: the configuration's fault, so the sink
 * pauses with the message instead of dead-lettering every record. */
static void field_not_writable_pauses(void **state)
{
    struct batch b = {0};
    add(&b, "signal", SIG_FUNDING, &acme);
    struct sf_request r;
    build(&b, SF_TASK, NULL, &r);
    const char *answer = "[{\"success\":false,\"errors\":[{\"statusCode\":"
                         "\"INVALID_FIELD_FOR_INSERT_UPDATE\",\"message\":\"Unable to create/update "
                         "fields: Vigie_Signal_Id__c.\",\"fields\":[\"Vigie_Signal_Id__c\"]}]}]";
    char pause[256] = "", err[128];
    unsigned char skip[1] = {0};
    assert_int_equal(sf_results_apply(&r, answer, strlen(answer), b.v, b.n, skip, pause,
                                      sizeof(pause), err, sizeof(err)), 0);
    assert_int_equal(b.v[0].outcome, SINK_RETRY);
    assert_non_null(strstr(pause, "Vigie_Signal_Id__c"));

    /* A column the org does not have, named per record: the same. */
    b.v[0].outcome = SINK_OK;
    skip[0] = 0;
    pause[0] = '\0';
    answer = "[{\"success\":false,\"errors\":[{\"statusCode\":\"INVALID_FIELD\",\"message\":"
             "\"No such column 'Priority' on sobject of type Task\",\"fields\":[\"Priority\"]}]}]";
    assert_int_equal(sf_results_apply(&r, answer, strlen(answer), b.v, b.n, skip, pause,
                                      sizeof(pause), err, sizeof(err)), 0);
    assert_int_equal(b.v[0].outcome, SINK_RETRY);
    assert_non_null(strstr(pause, "No such column 'Priority'"));

    /* But a reference to an account Salesforce does not have is the record's own fault. */
    b.v[0].outcome = SINK_OK;
    skip[0] = 0;
    pause[0] = '\0';
    answer = "[{\"success\":false,\"errors\":[{\"statusCode\":\"INVALID_FIELD\",\"message\":"
             "\"Foreign key external ID: acme not found for field Vigie_Account_Id__c in entity "
             "Account\",\"fields\":[]}]}]";
    assert_int_equal(sf_results_apply(&r, answer, strlen(answer), b.v, b.n, skip, pause,
                                      sizeof(pause), err, sizeof(err)), 0);
    assert_int_equal(b.v[0].outcome, SINK_DROP);
    assert_string_equal(pause, "");
    assert_non_null(strstr(b.v[0].reason, "Foreign key external ID: acme not found"));
    sf_request_free(&r);
    batch_free(&b);
}

static void faults(void **state)
{
    char msg[256];
    const char *b;
    b = "[{\"message\":\"Session expired or invalid\",\"errorCode\":\"INVALID_SESSION_ID\"}]";
    assert_int_equal(sf_fault_classify(401, b, strlen(b), msg, sizeof(msg)), SF_FAULT_SESSION);
    assert_string_equal(msg, "INVALID_SESSION_ID: Session expired or invalid");
    b = "[{\"message\":\"No such column 'Vigie_Signal_Id__c' on sobject of type Task\","
        "\"errorCode\":\"INVALID_FIELD\"}]";
    assert_int_equal(sf_fault_classify(400, b, strlen(b), msg, sizeof(msg)), SF_FAULT_CONFIG);
    assert_non_null(strstr(msg, "No such column 'Vigie_Signal_Id__c'"));
    b = "[{\"errorCode\":\"NOT_FOUND\",\"message\":\"Provided external ID field does not exist "
        "or is not accessible: Vigie_Contact_Key__c\"}]";
    assert_int_equal(sf_fault_classify(404, b, strlen(b), msg, sizeof(msg)), SF_FAULT_CONFIG);
    assert_non_null(strstr(msg, "Vigie_Contact_Key__c"));
    b = "[{\"message\":\"TotalRequests Limit exceeded.\",\"errorCode\":\"REQUEST_LIMIT_EXCEEDED\"}]";
    assert_int_equal(sf_fault_classify(403, b, strlen(b), msg, sizeof(msg)), SF_FAULT_LIMIT);
    b = "[{\"message\":\"The REST API is not enabled for this Organization.\",\"errorCode\":"
        "\"API_DISABLED_FOR_ORG\"}]";
    assert_int_equal(sf_fault_classify(403, b, strlen(b), msg, sizeof(msg)), SF_FAULT_CONFIG);
    assert_int_equal(sf_fault_classify(503, "oops", 4, msg, sizeof(msg)), SF_FAULT_PASSING);
    assert_string_equal(msg, "HTTP 503");
    assert_int_equal(sf_fault_classify(0, NULL, 0, msg, sizeof(msg)), SF_FAULT_PASSING);
    b = "[{\"message\":\"Unexpected character\",\"errorCode\":\"JSON_PARSER_ERROR\"}]";
    assert_int_equal(sf_fault_classify(400, b, strlen(b), msg, sizeof(msg)), SF_FAULT_REQUEST);
    assert_int_equal(sf_fault_classify(200, "[]", 2, msg, sizeof(msg)), SF_FAULT_NONE);
}

/* Every allocation failure while building gives -1, never a body with a hole in it. */
static void build_without_memory(void **state)
{
    struct batch b = {0};
    add(&b, "signal", SIG_FUNDING, &acme);
    add(&b, "contact", CONTACT_JANE, &acme);
    add(&b, "update", UPD_FUNDING, &acme);
    for (enum sf_object t = SF_ACCOUNT; t <= SF_TASK; t++) {
        int ok_seen = 0;
        for (long n = 0; n < 400 && !ok_seen; n++) {
            struct sf_request r;
            char err[64];
            vg_alloc_fail_after(n);
            int rc = sf_request_build(&map, t, b.v, b.n, NULL, &r, err, sizeof(err));
            vg_alloc_fail_after(-1);
            if (rc == 0) {
                ok_seen = 1;
                cJSON *doc = cJSON_Parse(r.body);
                assert_non_null(doc);
                cJSON_Delete(doc);
            } else {
                assert_null(r.body);
            }
            sf_request_free(&r);
        }
        assert_true(ok_seen);
    }
    batch_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accounts_once_each),
        cmocka_unit_test(task_links_the_console),
        cmocka_unit_test(contact_as_a_rep_sees_it),
        cmocka_unit_test(contact_of_a_known_account_and_odd_names),
        cmocka_unit_test(task_as_a_rep_sees_it),
        cmocka_unit_test(update_keeps_what_the_rep_changed),
        cmocka_unit_test(hostile_text),
        cmocka_unit_test(text_units_and_cuts),
        cmocka_unit_test(task_date_is_a_real_day),
        cmocka_unit_test(per_record_results),
        cmocka_unit_test(account_refused_drops_its_records),
        cmocka_unit_test(field_not_writable_pauses),
        cmocka_unit_test(faults),
        cmocka_unit_test(build_without_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
