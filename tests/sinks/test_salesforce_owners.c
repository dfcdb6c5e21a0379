/* Unit tests of sinks/salesforce_owners: which owner e-mails a batch asks Salesforce for (each
 * once, at most SF_OWNERS_PER_QUERY per query, quoted safely), how answers are kept and for how
 * long, and the Task's OwnerId that follows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "enrich/account.h"
#include "sinks/salesforce_owners.h"
#include "sinks/salesforce_payload.h"
#include "util/vg_alloc.h"

static struct enrich_account claire = {.id = "acme", .name = "Acme", .owner = "claire@example.com"};
static struct enrich_account odd = {.id = "odd", .name = "Odd", .owner = "o'brien\\x@example.com"};
static struct enrich_account by_id = {.id = "globex", .name = "Globex", .owner = "005000000000001AAA"};
static struct enrich_account nobody = {.id = "none", .name = "None", .owner = "the sales team"};

static struct sink_record rec(const char *field, const struct enrich_account *a)
{
    struct sink_record r;
    memset(&r, 0, sizeof(r));
    r.field = field;
    r.stream = strcmp(field, "contact") == 0 ? "contacts" : "signals";
    r.account = a;
    return r;
}

static void asks_each_address_once_and_quotes_it(void **state)
{
    (void)state;
    struct sf_owners *o = sf_owners_new();
    struct sink_record v[] = {rec("signal", &claire), rec("signal", &claire), rec("signal", &odd),
                              rec("signal", &by_id), rec("signal", &nobody), rec("contact", &claire),
                              rec("update", &odd)};
    char *q = sf_owners_query(o, v, 7, NULL, 1000);
    assert_non_null(q);
    assert_string_equal(q, "SELECT Id, Email FROM User WHERE IsActive = true AND Email IN "
                           "('claire@example.com', 'o\\'brien\\\\x@example.com')");
    vg_free(q);
    /* Asked and not answered yet: not asked again by the next batch. */
    assert_null(sf_owners_query(o, v, 7, NULL, 1001));
    sf_owners_free(o);
}

static void answers_are_kept_for_an_hour(void **state)
{
    (void)state;
    struct sf_owners *o = sf_owners_new();
    struct sink_record v[] = {rec("signal", &claire), rec("signal", &odd)};
    vg_free(sf_owners_query(o, v, 2, NULL, 1000));
    const char *answer = "{\"totalSize\":1,\"done\":true,\"records\":[{\"attributes\":{\"type\":\"User\"},"
                         "\"Id\":\"005000000000009AAA\",\"Email\":\"Claire@Example.com\"}]}";
    assert_int_equal(sf_owners_apply(o, answer, strlen(answer), 2000), 0);
    assert_string_equal(sf_owners_get(o, "claire@example.com", 3000), "005000000000009AAA");
    assert_null(sf_owners_get(o, odd.owner, 3000)); /* asked, no active user */
    assert_null(sf_owners_query(o, v, 2, NULL, 3000));
    /* An hour on, both are asked again (a user may have been created or have left). */
    int64_t later = 2000 + SF_OWNERS_TTL_MS + 1;
    assert_null(sf_owners_get(o, "claire@example.com", later));
    char *q = sf_owners_query(o, v, 2, NULL, later);
    assert_non_null(q);
    assert_non_null(strstr(q, "'claire@example.com'"));
    assert_non_null(strstr(q, "brien"));
    vg_free(q);
    /* Not an answer: nothing learnt, asked again next time. */
    assert_int_equal(sf_owners_apply(o, "<html>", 6, later), -1);
    sf_owners_give_up(o, later, 0);
    q = sf_owners_query(o, v, 2, NULL, later + 1);
    assert_non_null(q);
    vg_free(q);
    sf_owners_free(o);
}

static void at_most_a_hundred_per_query(void **state)
{
    (void)state;
    enum { N = 150 };
    static struct enrich_account accounts[N];
    static char emails[N][32];
    struct sink_record v[N];
    for (int i = 0; i < N; i++) {
        snprintf(emails[i], sizeof(emails[i]), "owner%d@example.com", i);
        accounts[i] = (struct enrich_account){.id = "a", .name = "A", .owner = emails[i]};
        v[i] = rec("signal", &accounts[i]);
    }
    struct sf_owners *o = sf_owners_new();
    char *q = sf_owners_query(o, v, N, NULL, 1);
    size_t commas = 0;
    for (const char *p = q; *p; p++)
        commas += *p == ',';
    assert_int_equal(commas, 1 + SF_OWNERS_PER_QUERY - 1); /* "Id, Email" and 99 between 100 */
    vg_free(q);
    sf_owners_give_up(o, 1, 0);
    sf_owners_free(o);
}

static void the_task_carries_the_owner_found(void **state)
{
    (void)state;
    struct sf_owners *o = sf_owners_new();
    const char *json = "{\"id\":\"s1\",\"account_id\":\"acme\",\"type\":\"funding\",\"title\":\"Acme raises\","
                       "\"priority\":50}";
    struct sink_record v[1] = {rec("signal", &claire)};
    v[0].doc = cJSON_Parse(json);
    v[0].json = json;
    v[0].id = "s1";
    struct sf_map m = {.account_ext = "Vigie_Account_Id__c", .contact_ext = "Vigie_Contact_Key__c",
                       .task_ext = "Vigie_Signal_Id__c", .task_status = "Not Started", .owners = o, .now = 10};
    struct sf_request r;
    char err[128];
    assert_int_equal(sf_request_build(&m, SF_TASK, v, 1, NULL, &r, err, sizeof(err)), 0);
    assert_null(strstr(r.body, "OwnerId")); /* not known yet: the integration user's */
    sf_request_free(&r);
    vg_free(sf_owners_query(o, v, 1, NULL, 10));
    const char *answer = "{\"records\":[{\"Id\":\"005000000000009AAA\",\"Email\":\"claire@example.com\"}]}";
    assert_int_equal(sf_owners_apply(o, answer, strlen(answer), 10), 0);
    assert_int_equal(sf_request_build(&m, SF_TASK, v, 1, NULL, &r, err, sizeof(err)), 0);
    assert_non_null(strstr(r.body, "\"OwnerId\":\"005000000000009AAA\""));
    sf_request_free(&r);
    cJSON_Delete((cJSON *)v[0].doc);
    sf_owners_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(asks_each_address_once_and_quotes_it),
        cmocka_unit_test(answers_are_kept_for_an_hour),
        cmocka_unit_test(at_most_a_hundred_per_query),
        cmocka_unit_test(the_task_carries_the_owner_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
