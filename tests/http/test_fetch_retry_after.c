/* test_fetch_retry_after — reading a Retry-After value (http/fetch_http_result.c).
 *
 * What a user would notice if this went wrong: a CRM sink retrying at once when the server
 * asked for minutes (or waiting when it said "0"), a date taken for garbage, or a huge value
 * holding a host for days. "now" is passed in, so no clock is read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "http/fetch_http_int.h"

/* Tue, 02 Jan 2024 10:00:00 GMT */
#define NOW ((time_t)1704189600)

static void check(const char *v, long max, int given, long seconds)
{
    long s = -1;
    assert_int_equal(fetch_retry_after_parse(v, NOW, max, &s), given);
    assert_int_equal(s, seconds);
}

static void test_delay_seconds(void **state)
{
    (void)state;
    check("0", 3600, 1, 0);   /* given, and different from absent */
    check("120", 3600, 1, 120);
    check(" 7 ", 3600, 1, 7);
    check("7200", 3600, 1, 3600);   /* clamped */
    check("99999999999999999999999999", 3600, 1, 3600);
}

static void test_http_dates(void **state)
{
    (void)state;
    check("Tue, 02 Jan 2024 10:00:30 GMT", 3600, 1, 30);
    check("Tuesday, 02-Jan-24 10:01:00 GMT", 3600, 1, 60);   /* RFC 850, obsolete */
    check("Tue Jan  2 10:02:00 2024", 3600, 1, 120);          /* asctime, obsolete */
    check("Tue, 02 Jan 2024 09:00:00 GMT", 3600, 1, 0);       /* past: now */
    check("Wed, 03 Jan 2024 10:00:00 GMT", 3600, 1, 3600);    /* clamped */
}

static void test_absent_or_unparsable(void **state)
{
    (void)state;
    check(NULL, 3600, 0, 0);
    check("", 3600, 0, 0);
    check("   ", 3600, 0, 0);
    check("soon", 3600, 0, 0);
    check("-5", 3600, 0, 0);
    check("12abc", 3600, 0, 0);
    check("1.5", 3600, 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delay_seconds),
        cmocka_unit_test(test_http_dates),
        cmocka_unit_test(test_absent_or_unparsable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
