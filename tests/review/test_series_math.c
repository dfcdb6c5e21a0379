/* test_series_math — the pure parts of the accounts' series (queue/queue_series.c): the ISO
 * week numbering the buckets use (the same as the Redis functions'), and the sparkline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "queue/queue_series.h"

#include <string.h>

#define DAY 86400000LL
#define WEEK (7 * DAY)
#define MONDAY 1795996800000LL /* 2026-11-30T00:00:00Z, a Monday */

static void weeks_start_on_monday_utc(void **state)
{
    (void)state;
    long long w = queue_series_week(MONDAY);
    assert_int_equal(queue_series_week(MONDAY - 1), w - 1); /* Sunday 23:59:59.999 */
    assert_int_equal(queue_series_week(MONDAY + WEEK - 1), w);
    assert_int_equal(queue_series_week(MONDAY + WEEK), w + 1);
    assert_int_equal(queue_series_week_start(w), MONDAY);
    /* week 0 is the one of Monday 1970-01-05; the days before it are week -1, not 0 */
    assert_int_equal(queue_series_week(4 * DAY), 0);
    assert_int_equal(queue_series_week(4 * DAY - 1), -1);
    assert_int_equal(queue_series_week(0), -1);
    assert_int_equal(queue_series_week_start(-1), -3 * DAY);
    assert_int_equal(queue_series_week(-3 * DAY), -1);
    assert_int_equal(queue_series_week(-3 * DAY - 1), -2);
}

static void sparkline_scales_to_the_largest_week(void **state)
{
    (void)state;
    int count[] = {0, 1, 4, 8, 2};
    char out[64];
    size_t n = queue_series_sparkline(count, 5, out, sizeof(out));
    /* none: a space; 8 (the largest): the full block; 1 of 8: the lowest; 4 of 8: half */
    assert_string_equal(out, " \xe2\x96\x81\xe2\x96\x84\xe2\x96\x88\xe2\x96\x82");
    assert_int_equal(n, strlen(out));
    int quiet[] = {0, 0, 0};
    queue_series_sparkline(quiet, 3, out, sizeof(out));
    assert_string_equal(out, "   ");
    /* a small buffer holds whole characters only */
    char small[5];
    queue_series_sparkline(count + 1, 4, small, sizeof(small));
    assert_string_equal(small, "\xe2\x96\x81");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(weeks_start_on_monday_utc),
        cmocka_unit_test(sparkline_scales_to_the_largest_week),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
