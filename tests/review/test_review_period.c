/* Unit tests of review_schedule_period: the period a scheduled review is due for (the latest
 * Monday or 1st at the configured time, at or before now), in UTC and in a zone with daylight
 * saving time, across a month's and a year's end (ISO weeks: 2026 has a week 53). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "daemon/review_schedule.h"
#include "util/vg_time.h"

static int64_t at(const char *rfc3339)
{
    int64_t ms = 0;
    assert_int_equal(vg_parse_rfc3339_ms(rfc3339, &ms), 0);
    return ms;
}

static void due(enum review_every every, const char *zone, const char *now, const char *want_slot,
                const char *want_label)
{
    int64_t slot = 0;
    char label[16] = "";
    assert_int_equal(review_schedule_period(every, 7, 0, zone, at(now), &slot, label), 0);
    assert_int_equal(slot, at(want_slot));
    assert_string_equal(label, want_label);
}

static void monthly_is_the_first_at_the_time(void **state)
{
    (void)state;
    due(REVIEW_EVERY_MONTH, "UTC", "2026-12-01T07:00:00Z", "2026-12-01T07:00:00Z", "2026-12");
    due(REVIEW_EVERY_MONTH, "UTC", "2026-12-01T06:59:59Z", "2026-11-01T07:00:00Z", "2026-11");
    due(REVIEW_EVERY_MONTH, "UTC", "2026-12-31T23:59:59Z", "2026-12-01T07:00:00Z", "2026-12");
    due(REVIEW_EVERY_MONTH, "UTC", "2027-01-01T00:00:00Z", "2026-12-01T07:00:00Z", "2026-12");
}

static void monthly_follows_the_zone_and_its_clock_changes(void **state)
{
    (void)state;
    /* 07:00 in Paris: 06:00 UTC in winter, 05:00 UTC in summer */
    due(REVIEW_EVERY_MONTH, "Europe/Paris", "2026-12-01T06:00:00Z", "2026-12-01T06:00:00Z", "2026-12");
    due(REVIEW_EVERY_MONTH, "Europe/Paris", "2026-12-01T05:59:00Z", "2026-11-01T06:00:00Z", "2026-11");
    due(REVIEW_EVERY_MONTH, "Europe/Paris", "2026-07-15T00:00:00Z", "2026-07-01T05:00:00Z", "2026-07");
    /* the 1st in Paris while still the 31st in UTC */
    due(REVIEW_EVERY_MONTH, "Pacific/Auckland", "2026-11-30T20:00:00Z", "2026-11-30T18:00:00Z", "2026-12");
}

static void weekly_is_monday_at_the_time(void **state)
{
    (void)state;
    /* 2026-12-07 is a Monday */
    due(REVIEW_EVERY_WEEK, "UTC", "2026-12-07T06:00:00Z", "2026-11-30T07:00:00Z", "2026-W49");
    due(REVIEW_EVERY_WEEK, "UTC", "2026-12-07T07:00:00Z", "2026-12-07T07:00:00Z", "2026-W50");
    due(REVIEW_EVERY_WEEK, "UTC", "2026-12-13T23:00:00Z", "2026-12-07T07:00:00Z", "2026-W50");
    /* the Monday of 2027-01-01's week is in 2026, ISO week 53 */
    due(REVIEW_EVERY_WEEK, "UTC", "2027-01-01T00:00:00Z", "2026-12-28T07:00:00Z", "2026-W53");
}

static void off_and_unknown_zones_have_no_period(void **state)
{
    (void)state;
    int64_t slot;
    char label[16];
    assert_int_equal(review_schedule_period(REVIEW_EVERY_OFF, 7, 0, "UTC", at("2026-12-07T07:00:00Z"), &slot, label),
                     -1);
    assert_int_equal(
        review_schedule_period(REVIEW_EVERY_MONTH, 7, 0, "Mars/Olympus", at("2026-12-07T07:00:00Z"), &slot, label), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(monthly_is_the_first_at_the_time),
        cmocka_unit_test(monthly_follows_the_zone_and_its_clock_changes),
        cmocka_unit_test(weekly_is_monday_at_the_time),
        cmocka_unit_test(off_and_unknown_zones_have_no_period),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
