/* test_account_sync — retired accounts, and what `vigie accounts sync` decides (enrich/
 * account_sync.h) from a CRM's listing and the registry.
 *
 * A retired account keeps its "retired" time through a parse and a write, is refused with a
 * time that is not one, and is never matched; a sync creates what is new, updates what
 * changed (keeping the aliases and keywords added by hand), leaves alone what did not,
 * retires what its previous run listed and this one does not, un-retires what comes back,
 * and does not bring back an account removed by hand. */
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
#include "enrich/account_sync.h"
#include "enrich/matcher.h"
#include "util/vg_alloc.h"

#define NOW "2026-05-04T09:30:00Z"

static struct enrich_account_set *parse_ok(const char *text)
{
    struct enrich_account_set *set = NULL;
    char err[256];
    if (enrich_accounts_parse(text, strlen(text), &set, err, sizeof(err)) < 0)
        fail_msg("unexpected error: %s", err);
    return set;
}

static void test_retired_is_kept_and_checked(void **state)
{
    (void)state;
    struct enrich_account_set *set =
        parse_ok("[{\"id\":\"acme\",\"name\":\"Acme\",\"retired\":\"2026-01-02T03:04:05Z\",\"revenue\":12345678}]");
    assert_string_equal(set->v[0].retired, "2026-01-02T03:04:05Z");
    char *j = enrich_account_to_json(&set->v[0]);
    /* Written back whole: a revenue keeps every digit. */
    assert_string_equal(j, "{\"id\":\"acme\",\"name\":\"Acme\",\"tier\":\"standard\",\"revenue\":12345678,"
                           "\"retired\":\"2026-01-02T03:04:05Z\"}");
    vg_free(j);
    enrich_account_set_free(set);

    set = parse_ok("id,name,retired\nacme,Acme,2026-01-02T03:04:05+02:00\n");
    assert_string_equal(set->v[0].retired, "2026-01-02T03:04:05+02:00");
    enrich_account_set_free(set);

    char err[256] = "";
    const char *bad = "[{\"id\":\"acme\",\"name\":\"Acme\",\"retired\":\"yesterday\"}]";
    assert_int_equal(enrich_accounts_parse(bad, strlen(bad), &set, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "retired 'yesterday' is not an RFC 3339 time"));
}

static void test_retired_is_not_matched(void **state)
{
    (void)state;
    struct enrich_account_set *set = parse_ok(
        "[{\"id\":\"acme\",\"name\":\"Acme Industries\",\"aliases\":[\"Acme\"]},"
        "{\"id\":\"globex\",\"name\":\"Globex Corporation\",\"aliases\":[\"Globex\"],\"retired\":\"" NOW "\"}]");
    char err[256];
    struct enrich_matcher *m = enrich_matcher_build(set, err, sizeof(err));
    assert_non_null(m);
    const char *text = "Acme Industries and Globex Corporation sign a supply agreement";
    struct enrich_match *hits;
    size_t n;
    assert_int_equal(enrich_match_text(m, text, strlen(text), "globex", ENRICH_MATCH_MIN_CONFIDENCE, &hits, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(set->v[hits[0].account].id, "acme");
    vg_free(hits);
    enrich_matcher_free(m);
    enrich_account_set_free(set);
}

static struct enrich_sync_plan *plan(const char *listed, const char *stored, const char *const *synced, size_t n)
{
    struct enrich_sync_plan *p = NULL;
    char err[512];
    if (enrich_sync_plan_new(listed, strlen(listed), stored, strlen(stored), synced, n, NOW, &p, err, sizeof(err)) < 0)
        fail_msg("unexpected error: %s", err);
    return p;
}

static const struct enrich_sync_change *change(const struct enrich_sync_plan *p, const char *id)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->v[i].id, id) == 0)
            return &p->v[i];
    fail_msg("no change for %s", id);
    return NULL;
}

static void test_plan(void **state)
{
    (void)state;
    const char *stored =
        "[{\"id\":\"a\",\"name\":\"A\",\"owner\":\"x@example.com\",\"tier\":\"key\",\"crm_id\":\"1\"},"
        /* b: aliases, keywords and a SIREN added by hand; its owner changed in the CRM */
        "{\"id\":\"b\",\"name\":\"B\",\"aliases\":[\"Bee\"],\"country\":\"FR\",\"identifiers\":{\"siren\":\"552008443\"},"
        "\"owner\":\"x@example.com\",\"tier\":\"key\",\"crm_id\":\"2\",\"context_keywords\":[\"aviation\"]},"
        /* c: listed before, not now */
        "{\"id\":\"c\",\"name\":\"C\",\"tier\":\"key\",\"crm_id\":\"3\"},"
        /* d: retired before, listed again */
        "{\"id\":\"d\",\"name\":\"D\",\"tier\":\"key\",\"crm_id\":\"4\",\"retired\":\"2026-01-01T00:00:00Z\"},"
        /* e: retired before, still not listed; m: imported by hand, never synced */
        "{\"id\":\"e\",\"name\":\"E\",\"tier\":\"key\",\"retired\":\"2026-01-01T00:00:00Z\"},"
        "{\"id\":\"m\",\"name\":\"M\"}]";
    const char *listed =
        "[{\"id\":\"a\",\"name\":\"A\",\"owner\":\"x@example.com\",\"tier\":\"key\",\"crm_id\":\"1\"},"
        "{\"id\":\"b\",\"name\":\"B\",\"owner\":\"y@example.com\",\"tier\":\"key\",\"crm_id\":\"2\","
        "\"identifiers\":{\"hubspot_owner_id\":\"7\"},\"margin\":0.25},"
        "{\"id\":\"d\",\"name\":\"D\",\"tier\":\"key\",\"crm_id\":\"4\"},"
        "{\"id\":\"n\",\"name\":\"N\",\"domains\":[\"n.example\"],\"tier\":\"key\",\"crm_id\":\"5\"}]";
    /* x was listed before and removed by hand since */
    const char *synced[] = {"a", "b", "c", "d", "e", "x"};
    struct enrich_sync_plan *p = plan(listed, stored, synced, 6);
    assert_int_equal(p->listed, 4);
    assert_int_equal(p->created, 1);
    assert_int_equal(p->updated, 1);
    assert_int_equal(p->unretired, 1);
    assert_int_equal(p->unchanged, 1);
    assert_int_equal(p->retired, 1);
    assert_int_equal(p->n, 5);
    assert_int_equal(change(p, "a")->verdict, ENRICH_SYNC_UNCHANGED);
    assert_null(change(p, "a")->json);
    assert_int_equal(change(p, "n")->verdict, ENRICH_SYNC_CREATED);
    assert_int_equal(change(p, "b")->verdict, ENRICH_SYNC_UPDATED);
    assert_string_equal(change(p, "b")->json,
                        "{\"id\":\"b\",\"name\":\"B\",\"aliases\":[\"Bee\"],\"country\":\"FR\","
                        "\"identifiers\":{\"hubspot_owner_id\":\"7\",\"siren\":\"552008443\"},\"owner\":\"y@example.com\","
                        "\"tier\":\"key\",\"margin\":0.25,\"crm_id\":\"2\",\"context_keywords\":[\"aviation\"]}");
    assert_int_equal(change(p, "d")->verdict, ENRICH_SYNC_UNRETIRED);
    assert_null(strstr(change(p, "d")->json, "retired"));
    assert_int_equal(change(p, "c")->verdict, ENRICH_SYNC_RETIRED);
    assert_string_equal(change(p, "c")->json,
                        "{\"id\":\"c\",\"name\":\"C\",\"tier\":\"key\",\"crm_id\":\"3\",\"retired\":\"" NOW "\"}");
    /* What to write: the four changes; the synced set becomes the four listed ids. */
    assert_int_equal(p->n_writes, 4);
    for (size_t i = 0; i < p->n_writes; i++)
        assert_string_not_equal(p->write_ids[i], "a");
    const char *want[] = {"a", "b", "d", "n"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(p->listed_ids[i], want[i]);
    enrich_sync_plan_free(p);

    /* The same listing again, on the registry as written: nothing to do. */
    const char *after =
        "[{\"id\":\"a\",\"name\":\"A\",\"owner\":\"x@example.com\",\"tier\":\"key\",\"crm_id\":\"1\"},"
        "{\"id\":\"b\",\"name\":\"B\",\"aliases\":[\"Bee\"],\"country\":\"FR\","
        "\"identifiers\":{\"hubspot_owner_id\":\"7\",\"siren\":\"552008443\"},\"owner\":\"y@example.com\","
        "\"tier\":\"key\",\"margin\":0.25,\"crm_id\":\"2\",\"context_keywords\":[\"aviation\"]},"
        "{\"id\":\"c\",\"name\":\"C\",\"tier\":\"key\",\"crm_id\":\"3\",\"retired\":\"" NOW "\"},"
        "{\"id\":\"d\",\"name\":\"D\",\"tier\":\"key\",\"crm_id\":\"4\"},"
        "{\"id\":\"n\",\"name\":\"N\",\"domains\":[\"n.example\"],\"tier\":\"key\",\"crm_id\":\"5\"}]";
    p = plan(listed, after, want, 4);
    assert_int_equal(p->unchanged, 4);
    assert_int_equal(p->n_writes, 0);
    enrich_sync_plan_free(p);
}

static void test_plan_refuses_a_bad_listing(void **state)
{
    (void)state;
    struct enrich_sync_plan *p = (void *)1;
    char err[512] = "";
    const char *listed = "[{\"id\":\"a\",\"name\":\"A\"},{\"id\":\"a\",\"name\":\"Again\"}]";
    assert_int_equal(enrich_sync_plan_new(listed, strlen(listed), "[]", 2, NULL, 0, NOW, &p, err, sizeof(err)), -1);
    assert_null(p);
    assert_non_null(strstr(err, "the CRM's key accounts are not valid vigie accounts"));
    /* An empty listing retires everything the previous one listed. */
    const char *synced[] = {"a"};
    p = plan("[]", "[{\"id\":\"a\",\"name\":\"A\"}]", synced, 1);
    assert_int_equal(p->retired, 1);
    assert_int_equal(p->listed, 0);
    enrich_sync_plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retired_is_kept_and_checked),
        cmocka_unit_test(test_retired_is_not_matched),
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_plan_refuses_a_bad_listing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
