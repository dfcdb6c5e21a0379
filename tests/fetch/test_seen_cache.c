/* test_seen_cache — the poller's cache of items known as seen in Redis: an item is skipped only
 * for its own source and keys and only until the time Redis is known to remember it, and the
 * cache stays within its bound however many items go through it. */
#include "fetchers/seen_cache.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

static void key(char out[17], unsigned long long v) { snprintf(out, 17, "%016llx", v); }

static void test_known_until_redis_forgets(void **state)
{
    (void)state;
    struct seen_cache *c = seen_cache_new(4096);
    assert_non_null(c);
    uint64_t a = seen_cache_tag("s1", "00000000000000aa", "00000000000000bb");
    assert_false(seen_cache_has(c, a, 1000));
    seen_cache_put(c, a, 5000);
    assert_true(seen_cache_has(c, a, 1000));
    assert_true(seen_cache_has(c, a, 4999));
    assert_false(seen_cache_has(c, a, 5000));
    /* Another source, another URL key or another text: not the same item. */
    assert_false(seen_cache_has(c, seen_cache_tag("s2", "00000000000000aa", "00000000000000bb"), 1000));
    assert_false(seen_cache_has(c, seen_cache_tag("s1", "00000000000000ab", "00000000000000bb"), 1000));
    assert_false(seen_cache_has(c, seen_cache_tag("s1", "00000000000000aa", "00000000000000bc"), 1000));
    /* Recorded again: known for longer. */
    seen_cache_put(c, a, 9000);
    assert_true(seen_cache_has(c, a, 8000));
    assert_int_equal(seen_cache_count(c), 1);
    seen_cache_free(c);
}

static void test_bounded(void **state)
{
    (void)state;
    struct seen_cache *c = seen_cache_new(5000); /* rounded down to 4096 */
    assert_non_null(c);
    char u[17], f[17];
    size_t known = 0;
    for (unsigned long long i = 0; i < 100000; i++) {
        key(u, i * 7919);
        key(f, i);
        seen_cache_put(c, seen_cache_tag("s", u, f), 1000000 + (int64_t)i);
    }
    assert_true(seen_cache_room(c) <= 4096);
    assert_true(seen_cache_count(c) <= seen_cache_room(c));
    /* The latest items are still there (a full set gives up the one that expires first). */
    for (unsigned long long i = 99900; i < 100000; i++) {
        key(u, i * 7919);
        key(f, i);
        known += (size_t)seen_cache_has(c, seen_cache_tag("s", u, f), 0);
    }
    assert_true(known >= 90);
    seen_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_until_redis_forgets),
        cmocka_unit_test(test_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
