/* Unit tests of the poll schedule arithmetic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fetchers/schedule.h"

#define MIN 60000LL
#define HOUR (60 * MIN)

static void healthy_source_keeps_its_interval(void **state)
{
    assert_int_equal(fetch_next_delay_ms(15 * MIN, 0, 6 * HOUR, 0, 500), 15 * MIN);
    assert_int_equal(fetch_next_delay_ms(15 * MIN, 0, 6 * HOUR, 0, 0), 15 * MIN - 90000);  /* -10% */
    assert_int_equal(fetch_next_delay_ms(15 * MIN, 0, 6 * HOUR, 0, 999), 15 * MIN + 89820); /* ~+10% */
}

static void failures_double_up_to_the_cap(void **state)
{
    assert_int_equal(fetch_next_delay_ms(15 * MIN, 1, 6 * HOUR, 0, 500), 30 * MIN);
    assert_int_equal(fetch_next_delay_ms(15 * MIN, 2, 6 * HOUR, 0, 500), 60 * MIN);
    assert_int_equal(fetch_next_delay_ms(15 * MIN, 5, 6 * HOUR, 0, 500), 6 * HOUR); /* 8h capped */
    assert_int_equal(fetch_next_delay_ms(15 * MIN, 1000, 6 * HOUR, 0, 500), 6 * HOUR);
    /* A cap below the interval never makes a failing source polled more often. */
    assert_int_equal(fetch_next_delay_ms(12 * HOUR, 3, 6 * HOUR, 0, 500), 12 * HOUR);
}

static void retry_after_is_honoured(void **state)
{
    assert_int_equal(fetch_next_delay_ms(MIN, 1, 6 * HOUR, 3 * HOUR, 0), 3 * HOUR);
    assert_int_equal(fetch_next_delay_ms(HOUR, 0, 6 * HOUR, 1000, 500), HOUR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(healthy_source_keeps_its_interval),
        cmocka_unit_test(failures_double_up_to_the_cap),
        cmocka_unit_test(retry_after_is_honoured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
