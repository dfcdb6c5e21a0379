/* Unit tests of the configuration engine: units, bounds, secrets, file loading, reload
 * comparison, allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/config.h"
#include "util/vg_alloc.h"

static char *write_tmp(const char *text)
{
    static char path[64];
    strcpy(path, "/tmp/vgconfXXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void durations(void **state)
{
    long long v;
    assert_int_equal(vg_parse_duration_ms("250ms", &v), 0);
    assert_int_equal(v, 250);
    assert_int_equal(vg_parse_duration_ms("30s", &v), 0);
    assert_int_equal(v, 30000);
    assert_int_equal(vg_parse_duration_ms("5m", &v), 0);
    assert_int_equal(v, 300000);
    assert_int_equal(vg_parse_duration_ms("2h", &v), 0);
    assert_int_equal(v, 7200000);
    assert_int_equal(vg_parse_duration_ms("1d", &v), 0);
    assert_int_equal(v, 86400000);
    assert_int_equal(vg_parse_duration_ms("12", &v), 0); /* bare: seconds */
    assert_int_equal(v, 12000);
    assert_int_equal(vg_parse_duration_ms(" 3 s ", &v), 0);
    assert_int_equal(v, 3000);
    assert_int_equal(vg_parse_duration_ms("3 weeks", &v), -1);
    assert_int_equal(vg_parse_duration_ms("-1s", &v), -1);
    assert_int_equal(vg_parse_duration_ms("s", &v), -1);
    assert_int_equal(vg_parse_duration_ms("99999999999999999999s", &v), -1);
}

static void sizes(void **state)
{
    long long v;
    assert_int_equal(vg_parse_size("8M", &v), 0);
    assert_int_equal(v, 8LL << 20);
    assert_int_equal(vg_parse_size("512k", &v), 0);
    assert_int_equal(v, 512LL << 10);
    assert_int_equal(vg_parse_size("1GiB", &v), 0);
    assert_int_equal(v, 1LL << 30);
    assert_int_equal(vg_parse_size("100", &v), 0);
    assert_int_equal(v, 100);
    assert_int_equal(vg_parse_size("8X", &v), -1);
    assert_int_equal(vg_parse_size("9223372036854775807G", &v), -1);
}

static void bools(void **state)
{
    int b;
    assert_int_equal(vg_parse_bool("yes", &b), 0);
    assert_int_equal(b, 1);
    assert_int_equal(vg_parse_bool("Off", &b), 0);
    assert_int_equal(b, 0);
    assert_int_equal(vg_parse_bool("maybe", &b), -1);
}

static void defaults_without_file(void **state)
{
    char err[256] = "";
    unsetenv("STATE_DIRECTORY");
    struct vg_config *c = vg_config_load(NULL, err, sizeof(err));
    assert_non_null(c);
    assert_string_equal(c->redis_url, "embedded");
    assert_string_equal(c->state_dir, "/var/lib/vigie");
    assert_int_equal(c->shutdown_timeout_ms, 10000);
    assert_null(c->file);
    vg_config_free(c);

    setenv("STATE_DIRECTORY", "/var/lib/vigie-sd:/other", 1);
    c = vg_config_load(NULL, err, sizeof(err));
    assert_string_equal(c->state_dir, "/var/lib/vigie-sd");
    vg_config_free(c);
    unsetenv("STATE_DIRECTORY");
}

static void file_values_and_paths(void **state)
{
    char err[256] = "";
    char *p = write_tmp("; comment\n[daemon]\nstate_dir = ./a/../state\n"
                        "shutdown_timeout = 2m\n[redis]\nurl = redis://h:1/2\n");
    struct vg_config *c = vg_config_load(p, err, sizeof(err));
    assert_non_null(c);
    assert_string_equal(c->state_dir, "/tmp/state");
    assert_int_equal(c->shutdown_timeout_ms, 120000);
    assert_string_equal(c->redis_url, "redis://h:1/2");
    vg_config_free(c);
    unlink(p);
}

static void errors_name_line_and_key(void **state)
{
    char err[256] = "";
    char *p = write_tmp("[daemon]\n\nshutdown_timeout = 0s\n");
    assert_null(vg_config_load(p, err, sizeof(err)));
    char expect[256];
    snprintf(expect, sizeof(expect), "%s:3: key 'daemon.shutdown_timeout': '0s' is out of range (1s to 5m)", p);
    assert_string_equal(err, expect);
    unlink(p);
}

static void reload_comparison(void **state)
{
    char err[256] = "";
    struct vg_config *a = vg_config_load(NULL, err, sizeof(err));
    char *p = write_tmp("[log]\nlevel = debug\n");
    struct vg_config *b = vg_config_load(p, err, sizeof(err));
    const struct vg_option *level = NULL, *url = NULL;
    for (const struct vg_option *o = vg_options; o->name; o++) {
        if (strcmp(o->name, "level") == 0)
            level = o;
        if (strcmp(o->name, "url") == 0)
            url = o;
    }
    assert_true(vg_config_differs(a, b, level));
    assert_false(vg_config_differs(a, b, url));
    assert_int_equal(vg_config_copy_option(b, a, level), 0);
    assert_false(vg_config_differs(a, b, level));
    char *s = vg_config_format(b, level);
    assert_string_equal(s, "info");
    vg_free(s);
    vg_config_free(a);
    vg_config_free(b);
    unlink(p);
}

static void secrets(void **state)
{
    char err[256] = "";
    setenv("VG_UNIT_SECRET", "abc", 1);
    char *s = vg_secret_resolve("env:VG_UNIT_SECRET", err, sizeof(err));
    assert_string_equal(s, "abc");
    vg_free(s);
    char *p = write_tmp("line-one\nline-two\n");
    char spec[128];
    snprintf(spec, sizeof(spec), "file:%s", p);
    s = vg_secret_resolve(spec, err, sizeof(err));
    assert_string_equal(s, "line-one");
    vg_free(s);
    unlink(p);
    setenv("CREDENTIALS_DIRECTORY", "/tmp", 1);
    assert_null(vg_secret_resolve("credential:../etc/passwd", err, sizeof(err)));
    assert_non_null(strstr(err, "bad credential name"));
    unsetenv("CREDENTIALS_DIRECTORY");
}

/* Every allocation failure during loading is reported, never a crash or a leak (ASan). */
static void allocation_failures(void **state)
{
    char *p = write_tmp("[daemon]\nstate_dir = s\n[redis]\nprefix = x:\n");
    int failed = 0, succeeded = 0;
    for (long n = 0; n < 200; n++) {
        char err[256] = "";
        vg_alloc_fail_after(n);
        struct vg_config *c = vg_config_load(p, err, sizeof(err));
        vg_alloc_fail_after(-1);
        if (c) {
            succeeded++;
            vg_config_free(c);
        } else {
            failed++;
            assert_true(err[0] != '\0');
        }
    }
    assert_true(failed > 0);
    assert_true(succeeded > 0);
    unlink(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(durations),           cmocka_unit_test(sizes),
        cmocka_unit_test(bools),               cmocka_unit_test(defaults_without_file),
        cmocka_unit_test(file_values_and_paths), cmocka_unit_test(errors_name_line_and_key),
        cmocka_unit_test(reload_comparison),   cmocka_unit_test(secrets),
        cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
