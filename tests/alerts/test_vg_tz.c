/* Unit tests of util/vg_tz: local time in a zone, digest slots across the days Europe/Paris
 * changes its clocks, weekly slots, period labels, windows of the day, and TZ left as found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/vg_time.h"
#include "util/vg_tz.h"

static int64_t at(const char *rfc3339)
{
    int64_t ms = 0;
    assert_int_equal(vg_parse_rfc3339_ms(rfc3339, &ms), 0);
    return ms;
}

static struct vg_slot slot(const char *spec)
{
    struct vg_slot s;
    char why[200];
    assert_int_equal(vg_slot_parse(spec, &s, why, sizeof(why)), 0);
    return s;
}

static void zones_are_checked_against_the_database(void **state)
{
    (void)state;
    assert_true(vg_tz_valid("Europe/Paris"));
    assert_true(vg_tz_valid("America/New_York"));
    assert_true(vg_tz_valid("UTC"));
    assert_false(vg_tz_valid("Mars/Olympus_Mons"));
    assert_false(vg_tz_valid("../../etc/passwd"));
    assert_false(vg_tz_valid("/usr/share/zoneinfo/Europe/Paris"));
    assert_false(vg_tz_valid(""));
    assert_false(vg_tz_valid("Europe"));  /* a directory, not a zone */
    struct tm tm;
    assert_int_equal(vg_tz_local("Mars/Olympus_Mons", 0, &tm), -1);
}

static void local_time_follows_the_zone_s_offset(void **state)
{
    (void)state;
    struct tm tm;
    assert_int_equal(vg_tz_local("Europe/Paris", at("2024-01-15T07:00:00Z"), &tm), 0);
    assert_int_equal(tm.tm_hour, 8); /* CET, +1 */
    assert_int_equal(vg_tz_local("Europe/Paris", at("2024-07-15T07:00:00Z"), &tm), 0);
    assert_int_equal(tm.tm_hour, 9); /* CEST, +2 */
    assert_int_equal(vg_tz_local("America/New_York", at("2024-01-15T03:00:00Z"), &tm), 0);
    assert_int_equal(tm.tm_mday, 14);
    assert_int_equal(tm.tm_hour, 22);
}

static void daily_slots_keep_their_local_hour_over_the_clock_changes(void **state)
{
    (void)state;
    struct vg_slot s = slot("daily 08:00");
    /* the day before spring forward: 08:00 CET is 07:00 UTC */
    assert_int_equal(vg_slot_next(&s, "Europe/Paris", at("2024-03-29T12:00:00Z")), at("2024-03-30T07:00:00Z"));
    /* the day of the change (31 March 2024, 02:00 -> 03:00): 08:00 CEST is 06:00 UTC */
    assert_int_equal(vg_slot_next(&s, "Europe/Paris", at("2024-03-30T07:00:00Z")), at("2024-03-31T06:00:00Z"));
    /* strictly after: a time on the slot gives the next day's */
    assert_int_equal(vg_slot_next(&s, "Europe/Paris", at("2024-03-31T06:00:00Z")), at("2024-04-01T06:00:00Z"));
    /* fall back (27 October 2024, 03:00 -> 02:00): 08:00 CET again is 07:00 UTC */
    assert_int_equal(vg_slot_next(&s, "Europe/Paris", at("2024-10-26T12:00:00Z")), at("2024-10-27T07:00:00Z"));
    /* the previous slot across the change: the day was 23 hours long */
    assert_int_equal(vg_slot_prev(&s, "Europe/Paris", at("2024-03-31T06:00:00Z")), at("2024-03-30T07:00:00Z"));
    assert_int_equal(vg_slot_prev(&s, "Europe/Paris", at("2024-10-27T07:00:00Z")), at("2024-10-26T06:00:00Z"));
    /* in UTC, no change */
    assert_int_equal(vg_slot_next(&s, "UTC", at("2024-03-31T07:59:59Z")), at("2024-03-31T08:00:00Z"));
}

static void a_slot_in_the_skipped_hour_still_comes_once_that_day(void **state)
{
    (void)state;
    struct vg_slot s = slot("daily 02:30"); /* 02:30 does not exist in Paris on 31 March 2024 */
    int64_t day = vg_slot_next(&s, "Europe/Paris", at("2024-03-30T12:00:00Z"));
    assert_true(day > at("2024-03-30T23:00:00Z") && day < at("2024-03-31T22:00:00Z"));
    int64_t next = vg_slot_next(&s, "Europe/Paris", day);
    assert_int_equal(next, at("2024-04-01T00:30:00Z")); /* 02:30 CEST */
    /* 02:30 happens twice on 27 October 2024: one slot that day, then the next day's */
    int64_t twice = vg_slot_next(&s, "Europe/Paris", at("2024-10-26T12:00:00Z"));
    assert_true(twice == at("2024-10-27T00:30:00Z") || twice == at("2024-10-27T01:30:00Z"));
    assert_int_equal(vg_slot_next(&s, "Europe/Paris", twice), at("2024-10-28T01:30:00Z"));
}

static void weekly_slots_and_their_iso_weeks(void **state)
{
    (void)state;
    struct vg_slot s = slot("weekly Mon 08:00");
    /* from Sunday 31 March 2024 (the day of the change) to Monday 1 April, 08:00 CEST */
    int64_t mon = vg_slot_next(&s, "Europe/Paris", at("2024-03-31T12:00:00Z"));
    assert_int_equal(mon, at("2024-04-01T06:00:00Z"));
    char label[16];
    assert_int_equal(vg_slot_period(&s, "Europe/Paris", mon, label), 0);
    assert_string_equal(label, "2024-W14");
    /* on Monday after the slot: next week's */
    assert_int_equal(vg_slot_next(&s, "Europe/Paris", mon), at("2024-04-08T06:00:00Z"));
    assert_int_equal(vg_slot_prev(&s, "Europe/Paris", mon), at("2024-03-25T07:00:00Z"));
    /* Monday 30 December 2024 is in ISO week 1 of 2025 */
    int64_t dec = vg_slot_next(&s, "Europe/Paris", at("2024-12-27T12:00:00Z"));
    assert_int_equal(dec, at("2024-12-30T07:00:00Z"));
    assert_int_equal(vg_slot_period(&s, "Europe/Paris", dec, label), 0);
    assert_string_equal(label, "2025-W01");
    struct vg_slot f = slot("weekly friday 17:30");
    assert_int_equal(f.wday, 5);
    assert_int_equal(vg_slot_next(&f, "America/New_York", at("2024-11-01T21:30:00Z")),
                     at("2024-11-08T22:30:00Z")); /* EDT then EST after 3 November */
}

static void daily_periods_are_the_local_date(void **state)
{
    (void)state;
    struct vg_slot s = slot("daily 00:30");
    char label[16];
    /* 22:30 UTC on 31 March is 00:30 on 1 April in Paris */
    assert_int_equal(vg_slot_period(&s, "Europe/Paris", at("2024-03-31T22:30:00Z"), label), 0);
    assert_string_equal(label, "2024-04-01");
    assert_int_equal(vg_slot_period(&s, "UTC", at("2024-03-31T22:30:00Z"), label), 0);
    assert_string_equal(label, "2024-03-31");
}

static void schedules_and_windows_parse(void **state)
{
    (void)state;
    struct vg_slot s;
    char why[200];
    assert_int_equal(vg_slot_parse("no", &s, why, sizeof(why)), 0);
    assert_int_equal(s.kind, VG_SLOT_NONE);
    assert_int_equal(vg_slot_next(&s, "UTC", 0), -1);
    assert_int_equal(vg_slot_parse("daily 8:05", &s, why, sizeof(why)), 0);
    assert_int_equal(s.kind, VG_SLOT_DAILY);
    assert_int_equal(s.hour * 60 + s.min, 8 * 60 + 5);
    assert_int_equal(vg_slot_parse("WEEKLY sun 23:59", &s, why, sizeof(why)), 0);
    assert_int_equal(s.wday, 0);
    const char *bad[] = {"daily 24:00", "daily 08:60", "daily 8h", "weekly xyz 08:00", "weekly mon", "hourly",
                         "daily 08:00 extra", "", "weekly mo 08:00"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        why[0] = 0;
        assert_int_equal(vg_slot_parse(bad[i], &s, why, sizeof(why)), -1);
        assert_non_null(strstr(why, "schedule"));
    }
    int from, to;
    assert_int_equal(vg_tz_window_parse("20:00-08:00", &from, &to, why, sizeof(why)), 0);
    assert_int_equal(from, 1200);
    assert_int_equal(to, 480);
    assert_int_equal(vg_tz_window_parse("12:00 - 13:30", &from, &to, why, sizeof(why)), 0);
    assert_int_equal(to, 810);
    assert_int_equal(vg_tz_window_parse("20:00-20:00", &from, &to, why, sizeof(why)), -1);
    assert_int_equal(vg_tz_window_parse("20:00", &from, &to, why, sizeof(why)), -1);
    assert_int_equal(vg_tz_window_parse("25:00-08:00", &from, &to, why, sizeof(why)), -1);
}

static void tz_is_left_as_it_was(void **state)
{
    (void)state;
    struct tm tm;
    struct vg_slot s = slot("daily 08:00");
    setenv("TZ", "Asia/Tokyo", 1);
    assert_int_equal(vg_tz_local("Europe/Paris", 0, &tm), 0);
    vg_slot_next(&s, "America/New_York", 0);
    assert_string_equal(getenv("TZ"), "Asia/Tokyo");
    unsetenv("TZ");
    assert_int_equal(vg_tz_local("Europe/Paris", 0, &tm), 0);
    assert_null(getenv("TZ"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(zones_are_checked_against_the_database),
        cmocka_unit_test(local_time_follows_the_zone_s_offset),
        cmocka_unit_test(daily_slots_keep_their_local_hour_over_the_clock_changes),
        cmocka_unit_test(a_slot_in_the_skipped_hour_still_comes_once_that_day),
        cmocka_unit_test(weekly_slots_and_their_iso_weeks),
        cmocka_unit_test(daily_periods_are_the_local_date),
        cmocka_unit_test(schedules_and_windows_parse),
        cmocka_unit_test(tz_is_left_as_it_was),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
