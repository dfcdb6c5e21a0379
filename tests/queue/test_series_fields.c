/* A signal record's series fields read by the enrich stage's process (queue_series_fields.h):
 * the priority and publication time the Lua reading would take, and a refusal (the Lua reading
 * then reads the record) wherever the two could differ. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "queue/queue_series_fields.h"

static const char *const CLUSTER = "a1|funding";

static void a_record_as_enrich_writes_it_gives_its_fields(void **state)
{
    (void)state;
    struct queue_series_fields f;
    const char *rec = "{\"id\":\"s1\",\"account_id\":\"a1\",\"type\":\"funding\",\"title\":\"A1 raises 40 M\","
                      "\"confidence\":0.80,\"priority\":57,\"published\":\"2026-12-07T10:30:00Z\",\"sources\":1}";
    assert_int_equal(queue_series_fields_read(rec, "s1", CLUSTER, &f), 0);
    assert_string_equal(f.t, "1796639400000");
    assert_string_equal(f.prio, "57");
    assert_string_equal(f.score, "1796639400000.4453"); /* 57 / 128 = 0.4453125, 17 digits */
    /* an offset, and a date alone (midnight UTC) */
    assert_int_equal(queue_series_fields_read("{\"id\":\"s1\",\"priority\":0,\"published\":\"2026-12-07T11:30:00+01:00\"}",
                                              "s1", CLUSTER, &f), 0);
    assert_string_equal(f.t, "1796639400000");
    assert_string_equal(f.score, "1796639400000");
    assert_int_equal(queue_series_fields_read("{\"id\":\"s1\",\"published\":\"2026-12-07\"}", "s1", CLUSTER, &f), 0);
    assert_string_equal(f.t, "1796601600000");
    assert_string_equal(f.prio, "0"); /* no priority: 0 */
}

static void priorities_are_whole_and_within_0_to_100(void **state)
{
    (void)state;
    struct queue_series_fields f;
    assert_int_equal(queue_series_fields_read("{\"id\":\"s1\",\"priority\": 64.9}", "s1", CLUSTER, &f), 0);
    assert_string_equal(f.prio, "64");
    assert_int_equal(queue_series_fields_read("{\"id\":\"s1\",\"priority\":250}", "s1", CLUSTER, &f), 0);
    assert_string_equal(f.prio, "100");
    assert_int_equal(queue_series_fields_read("{\"id\":\"s1\",\"priority\":99999999999999999999999}", "s1", CLUSTER, &f), 0);
    assert_string_equal(f.prio, "100");
    assert_int_equal(queue_series_fields_read("{\"id\":\"s1\",\"priority\":-7}", "s1", CLUSTER, &f), 0);
    assert_string_equal(f.prio, "0");
    assert_int_equal(queue_series_fields_read("{\"id\":\"s1\",\"priority\":\"high\"}", "s1", CLUSTER, &f), 0);
    assert_string_equal(f.prio, "0");
}

static void without_a_time_the_entry_time_is_left_to_redis(void **state)
{
    (void)state;
    struct queue_series_fields f;
    assert_int_equal(queue_series_fields_read("{\"id\":\"s1\",\"priority\":20,\"published\":null}", "s1", CLUSTER, &f), 0);
    assert_string_equal(f.t, "");
    assert_string_equal(f.score, "");
    assert_string_equal(f.prio, "20");
    /* a record whose first member is not its id: the dedup id is the series' id */
    assert_int_equal(queue_series_fields_read("{\"title\":\"x\",\"priority\":20}", "s1", CLUSTER, &f), 0);
    assert_string_equal(f.t, "");
}

static void what_the_lua_reading_could_take_otherwise_is_left_to_it(void **state)
{
    (void)state;
    struct queue_series_fields f;
    const char *frac = "{\"id\":\"s1\",\"priority\":20,\"published\":\"2026-12-07T10:30:00.289Z\"}";
    assert_int_equal(queue_series_fields_read(frac, "s1", CLUSTER, &f), -1);
    assert_string_equal(f.prio, "");
    const char *bad = "{\"id\":\"s1\",\"priority\":20,\"published\":\"Mon, 07 Dec 2026 10:30:00 GMT\"}";
    assert_int_equal(queue_series_fields_read(bad, "s1", CLUSTER, &f), -1);
    const char *other = "{\"id\":\"s2\",\"priority\":20,\"published\":\"2026-12-07T10:30:00Z\"}";
    assert_int_equal(queue_series_fields_read(other, "s1", CLUSTER, &f), -1); /* its id is not the dedup id */
    const char *rec = "{\"id\":\"s1\",\"priority\":20,\"published\":\"2026-12-07T10:30:00Z\"}";
    assert_int_equal(queue_series_fields_read(rec, "s1", "a1", &f), -1);      /* a cluster without its type */
    assert_int_equal(queue_series_fields_read(rec, "", CLUSTER, &f), -1);     /* no dedup id */
    assert_int_equal(queue_series_fields_read(rec, NULL, CLUSTER, &f), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_record_as_enrich_writes_it_gives_its_fields),
        cmocka_unit_test(priorities_are_whole_and_within_0_to_100),
        cmocka_unit_test(without_a_time_the_entry_time_is_left_to_redis),
        cmocka_unit_test(what_the_lua_reading_could_take_otherwise_is_left_to_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
