/* Unit tests of sinks/salesforce_accounts' pure parts: the key-account SOQL query (mapped
 * fields checked), and pages of query results turned into vigie accounts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sinks/salesforce_accounts.h"
#include "util/vg_alloc.h"

static struct sf_config config(void)
{
    struct sf_config c = {0};
    c.account_external_id = "Vigie_Account_Id__c";
    c.key_account_field = "Vigie_Key_Account__c";
    c.key_account_where = "";
    c.map_revenue = "AnnualRevenue";
    c.map_margin = "Margin__c";
    c.map_growth_potential = "";
    c.map_strategic_fit = "Parent.Fit__c";
    c.map_image = "";
    return c;
}

static void soql(void **state)
{
    char err[256];
    struct sf_config c = config();
    char *q = sf_accounts_soql(&c, err, sizeof(err));
    assert_string_equal(q, "SELECT Id, Name, Website, OwnerId, Owner.Email, ParentId, Vigie_Account_Id__c, "
                           "AnnualRevenue, Margin__c, Parent.Fit__c FROM Account WHERE "
                           "Vigie_Key_Account__c = true");
    vg_free(q);

    c.key_account_where = "Type = 'Key Account'";
    c.map_margin = "name"; /* named twice: selected once */
    q = sf_accounts_soql(&c, err, sizeof(err));
    assert_string_equal(q, "SELECT Id, Name, Website, OwnerId, Owner.Email, ParentId, Vigie_Account_Id__c, "
                           "AnnualRevenue, Parent.Fit__c FROM Account WHERE Type = 'Key Account'");
    vg_free(q);

    /* A mapping that would change the query's meaning is refused, naming the option. */
    c = config();
    c.map_revenue = "AnnualRevenue FROM User --";
    assert_null(sf_accounts_soql(&c, err, sizeof(err)));
    assert_non_null(strstr(err, "map_revenue"));
    c = config();
    c.key_account_field = "X = true OR Id";
    assert_null(sf_accounts_soql(&c, err, sizeof(err)));
    assert_non_null(strstr(err, "key_account_field"));
}

static const char *PAGE1 =
    "{\"totalSize\":5,\"done\":false,\"nextRecordsUrl\":\"/services/data/v60.0/query/01gXX-2\","
    "\"records\":["
    "{\"attributes\":{\"type\":\"Account\",\"url\":\"/x\"},\"Id\":\"001000000000001AAA\","
    "\"Name\":\"Acme SA\",\"Website\":\"https://www.Acme.com/fr\",\"OwnerId\":\"005000000000009AAA\","
    "\"Owner\":{\"attributes\":{\"type\":\"User\"},\"Email\":\"claire@acme-sales.example\"},"
    "\"Vigie_Account_Id__c\":\"acme\",\"AnnualRevenue\":1200000,\"Margin__c\":\"0.22\","
    "\"Parent\":{\"Fit__c\":0.8}},"
    "{\"attributes\":{\"type\":\"Account\"},\"Id\":\"001000000000002AAA\",\"Name\":\"Globex\","
    "\"Website\":\"n/a\",\"OwnerId\":null,\"Owner\":null,\"Vigie_Account_Id__c\":null,"
    "\"AnnualRevenue\":null,\"Margin__c\":\"high\",\"Parent\":null}"
    "]}";

static const char *PAGE2 =
    "{\"totalSize\":5,\"done\":true,\"records\":["
    "{\"Id\":\"001000000000003AAA\",\"Name\":\"Dup\",\"Website\":\"dup.example\","
    "\"Vigie_Account_Id__c\":\"acme\"},"
    "{\"Id\":\"001000000000004AAA\",\"Name\":\"Blank id\",\"Vigie_Account_Id__c\":\"has blank\"},"
    "{\"Id\":\"001000000000001AAA\",\"Name\":\"Acme SA\",\"Vigie_Account_Id__c\":\"acme\"}"
    "]}";

static const cJSON *acc(const cJSON *accounts, const char *id)
{
    const cJSON *a;
    cJSON_ArrayForEach(a, accounts) {
        if (strcmp(cJSON_GetObjectItem(a, "id")->valuestring, id) == 0)
            return a;
    }
    fail_msg("no account %s", id);
    return NULL;
}

static void pages(void **state)
{
    char err[256], *next;
    struct sf_config c = config();
    cJSON *accounts = cJSON_CreateArray(), *warnings = cJSON_CreateArray(), *seen = cJSON_CreateObject();
    assert_int_equal(sf_accounts_page(&c, PAGE1, strlen(PAGE1), accounts, warnings, seen, &next,
                                      err, sizeof(err)), 0);
    assert_string_equal(next, "/services/data/v60.0/query/01gXX-2");
    vg_free(next);
    const cJSON *a = acc(accounts, "acme");
    assert_string_equal(cJSON_GetObjectItem(a, "name")->valuestring, "Acme SA");
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(a, "domains"), 0)->valuestring, "acme.com");
    assert_string_equal(cJSON_GetObjectItem(a, "owner")->valuestring, "claire@acme-sales.example");
    assert_string_equal(cJSON_GetObjectItem(a, "crm_id")->valuestring, "001000000000001AAA");
    assert_string_equal(cJSON_GetObjectItem(a, "tier")->valuestring, "key");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "identifiers"),
                                            "salesforce_owner_id")->valuestring, "005000000000009AAA");
    assert_true(cJSON_GetObjectItem(a, "revenue")->valuedouble == 1200000);
    assert_true(cJSON_GetObjectItem(a, "margin")->valuedouble == 0.22);
    assert_true(cJSON_GetObjectItem(a, "strategic_fit")->valuedouble == 0.8);
    /* No external id: named after its Salesforce Id; an unusable Website and a margin that is
     * no number are left out, with a warning each. */
    a = acc(accounts, "sf-001000000000002AAA");
    assert_null(cJSON_GetObjectItem(a, "domains"));
    assert_null(cJSON_GetObjectItem(a, "margin"));
    assert_null(cJSON_GetObjectItem(a, "owner"));
    assert_int_equal(cJSON_GetArraySize(warnings), 2);
    char *w = cJSON_PrintUnformatted(warnings);
    assert_non_null(strstr(w, "Account 001000000000002AAA: Website 'n/a' is not a domain"));
    assert_non_null(strstr(w, "Margin__c is not a number"));
    cJSON_free(w);

    assert_int_equal(sf_accounts_page(&c, PAGE2, strlen(PAGE2), accounts, warnings, seen, &next,
                                      err, sizeof(err)), 0);
    assert_null(next);
    /* Two accounts claiming the same vigie id: the second one is named after its Id; an id with
     * a blank too; the same record met again is given once. */
    assert_int_equal(cJSON_GetArraySize(accounts), 4);
    acc(accounts, "sf-001000000000003AAA");
    acc(accounts, "sf-001000000000004AAA");
    assert_int_equal(cJSON_GetArraySize(warnings), 4);

    /* Not a page, or a page that is not done and says nowhere where the rest is. */
    assert_int_equal(sf_accounts_page(&c, "[]", 2, accounts, warnings, seen, &next, err, sizeof(err)), -1);
    const char *cut = "{\"done\":false,\"records\":[]}";
    assert_int_equal(sf_accounts_page(&c, cut, strlen(cut), accounts, warnings, seen, &next, err,
                                      sizeof(err)), -1);
    cJSON_Delete(accounts);
    cJSON_Delete(warnings);
    cJSON_Delete(seen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(soql),
        cmocka_unit_test(pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
