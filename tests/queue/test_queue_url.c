/* Unit tests of Redis URL parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "util/vg_alloc.h"
#include "queue/queue_url.h"

static void tcp_forms(void **state)
{
    struct queue_url u;
    char err[200];
    assert_int_equal(queue_url_parse("redis://localhost", &u, err, sizeof(err)), 0);
    assert_string_equal(u.host, "localhost");
    assert_int_equal(u.port, 6379);
    assert_int_equal(u.db, 0);
    assert_null(u.password);
    queue_url_clear(&u);

    assert_int_equal(queue_url_parse("redis://app:p%40ss@10.1.2.3:6380/4", &u, err, sizeof(err)), 0);
    assert_string_equal(u.user, "app");
    assert_string_equal(u.password, "p@ss");
    assert_string_equal(u.host, "10.1.2.3");
    assert_int_equal(u.port, 6380);
    assert_int_equal(u.db, 4);
    char *d = queue_url_describe(&u);
    assert_string_equal(d, "redis://app@10.1.2.3:6380/4"); /* never the password */
    vg_free(d);
    queue_url_clear(&u);

    assert_int_equal(queue_url_parse("redis://:onlypass@[::1]:7000", &u, err, sizeof(err)), 0);
    assert_null(u.user);
    assert_string_equal(u.password, "onlypass");
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 7000);
    d = queue_url_describe(&u);
    assert_string_equal(d, "redis://[::1]:7000/0");
    vg_free(d);
    queue_url_clear(&u);
}

static void unix_forms(void **state)
{
    struct queue_url u;
    char err[200];
    assert_int_equal(queue_url_parse("unix:///run/redis/r.sock?db=3", &u, err, sizeof(err)), 0);
    assert_string_equal(u.path, "/run/redis/r.sock");
    assert_int_equal(u.db, 3);
    assert_null(u.host);
    queue_url_clear(&u);
    assert_int_equal(queue_url_parse("unix:/r.sock", &u, err, sizeof(err)), 0);
    assert_string_equal(u.path, "/r.sock");
    queue_url_clear(&u);
}

static void errors(void **state)
{
    struct queue_url u;
    char err[200];
    const char *bad[] = {"http://x", "redis://", "redis://h:0", "redis://h:99999", "redis://h:12ab",
                         "redis://h/x", "unix:relative.sock", "unix:/s?user=x", "redis://[::1",
                         "redis://h:6379/1001", NULL};
    for (int i = 0; bad[i]; i++) {
        err[0] = '\0';
        assert_int_equal(queue_url_parse(bad[i], &u, err, sizeof(err)), -1);
        assert_true(err[0] != '\0');
        assert_null(u.host);
    }
    assert_int_equal(queue_url_parse("redis://u:topsecret@h:bad", &u, err, sizeof(err)), -1);
    assert_null(strstr(err, "topsecret"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tcp_forms),
        cmocka_unit_test(unix_forms),
        cmocka_unit_test(errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
