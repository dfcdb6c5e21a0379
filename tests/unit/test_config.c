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

/* [sources] <kind>_rate: "N/DURATION", checked where the file is read. */
static void rates(void **state)
{
    long long l, w;
    assert_int_equal(vg_parse_rate("7/1s", &l, &w), 0);
    assert_int_equal(l, 7);
    assert_int_equal(w, 1000);
    assert_int_equal(vg_parse_rate("600/5m", &l, &w), 0);
    assert_int_equal(l, 600);
    assert_int_equal(w, 300000);
    assert_int_equal(vg_parse_rate("10/s", &l, &w), 0);
    assert_int_equal(w, 1000);
    const char *bad[] = {"", "7", "/1s", "7/", "0/1s", "-1/1s", "7/0s", "7/2d", "7 per second", "x/1s", "7/1x",
                         "1000001/1s"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(vg_parse_rate(bad[i], &l, &w), -1);

    char err[512];
    struct vg_config *c = vg_config_load(write_tmp("[sources]\nfr_company_rate = 7 per second\n"), err, sizeof(err));
    assert_null(c);
    assert_non_null(strstr(err, ":2: key 'sources.fr_company_rate': [sources] fr_company_rate: expected N/DURATION"));
    c = vg_config_load(write_tmp("[sources]\nuser_agent = Acme Sales\n"), err, sizeof(err));
    assert_null(c);
    assert_non_null(strstr(err, "[sources] user_agent: 'Acme Sales' has no contact address"));
    c = vg_config_load(write_tmp("[sources]\nuser_agent = Acme ops@acme.example\nfeed_rate = 60/1m\n"
                                 "fr_company_rate =\n"), err, sizeof(err));
    assert_non_null(c);
    assert_string_equal(c->src_feed_rate, "60/1m");
    vg_config_free(c);
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

/* Loads `text`, expects failure with err ending in `want` (after "FILE:"). */
static void load_bad(const char *text, const char *want)
{
    char err[512] = "";
    char *p = write_tmp(text);
    struct vg_config *c = vg_config_load(p, err, sizeof(err));
    if (c)
        fail_msg("'%s' loaded, expected \"%s\"", text, want);
    char expect[512];
    snprintf(expect, sizeof(expect), "%s:%s", p, want);
    if (strcmp(err, expect) != 0)
        fail_msg("error \"%s\", want \"%s\"", err, expect);
    unlink(p);
}

/* Values with a grammar are checked when the file is read, as the daemon would check them. */
static void typed_values(void **state)
{
    load_bad("[fetch]\nallow_private = 999.0.0.0/8\n", "2: key 'fetch.allow_private': '999.0.0.0/8' is not an address or CIDR");
    load_bad("[fetch]\nallow_private = 10.0.0.0/33\n", "2: key 'fetch.allow_private': '10.0.0.0/33' has a prefix longer than /32");
    load_bad("[admin]\nlisten = 127.0.0.1:99999\n", "2: key 'admin.listen': '127.0.0.1:99999': the port must be a number from 0 to 65535");
    load_bad("[admin]\nlisten = :80\n", "2: key 'admin.listen': ':80' is not HOST:PORT, unix:PATH or off");
    load_bad("[admin]\nlisten = 127.0.0.1:-1\n", "2: key 'admin.listen': '127.0.0.1:-1': the port must be a number from 0 to 65535");
    load_bad("[redis]\nurl = redis://localhost:99999/0\n", "2: key 'redis.url': bad port in Redis URL");
    load_bad("[fetch]\nnews_search = https://x.example/q={name} x\n",
             "2: key 'fetch.news_search': a URL holds no blanks (write a space as %20)");
    load_bad("[daemon]\ninstance = a\x7f\n", "2: key 'daemon.instance': control character (0x7f) in the value");
    load_bad("[log]\nlevel = info\n[log]\nlevel = info\n", "4: key 'log.level' is set twice, on line 2 and line 4: keep one");

    char err[256] = "";
    char *p = write_tmp("[admin]\nlisten = [::1]:8080\n[redis]\nurl = redis://u:p@h:6379/1\n"
                        "[fetch]\nallow_private = 127.0.0.0/8,::1\nnews_search = https://n.example/?q={id}\n");
    struct vg_config *c = vg_config_load(p, err, sizeof(err));
    assert_non_null(c);
    assert_string_equal(c->admin_listen, "[::1]:8080");
    assert_int_equal(c->n_warnings, 0);
    vg_config_free(c);
    unlink(p);
}

/* [console] public_url is the base of links in alerts, e-mails and CRM notes: an http(s) URL
 * with a host, or the file is refused at its line. */
static void console_public_url(void **state)
{
    (void)state;
    const char *why = "is not an http:// or https:// URL with a host (and no blanks, quotes or < > \\ ` | { } ^)";
    const char *bad[] = {"javascript:alert(1)", "ftp://vigie.example.com", "https://", "vigie.example.com",
                         "https://vigie.example.com/\"onclick=x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[200], want[400];
        snprintf(text, sizeof(text), "[log]\nlevel = info\n\n[console]\npublic_url = %s\n", bad[i]);
        snprintf(want, sizeof(want), "5: key 'console.public_url': '%s' %s", bad[i], why);
        load_bad(text, want);
    }
    char err[256] = "";
    char *p = write_tmp("[console]\npublic_url = https://vigie.example.com/\n");
    struct vg_config *c = vg_config_load(p, err, sizeof(err));
    assert_non_null(c);
    assert_string_equal(c->console_public_url, "https://vigie.example.com/");
    vg_config_free(c);
    unlink(p);
}

static void warnings_name_their_line(void **state)
{
    char err[256] = "";
    char *p = write_tmp("[fetch]\nallow_private = ::/0\n[admin]\nlisten = 10.0.0.5:9746\n");
    struct vg_config *c = vg_config_load(p, err, sizeof(err));
    assert_non_null(c);
    assert_int_equal(c->n_warnings, 2);
    char expect[128];
    snprintf(expect, sizeof(expect), "%s:4: admin.listen = 10.0.0.5:9746 serves", p);
    assert_true(strncmp(c->warnings[0], expect, strlen(expect)) == 0);
    snprintf(expect, sizeof(expect), "%s:2: fetch.allow_private = ::/0 opens every private address", p);
    assert_true(strncmp(c->warnings[1], expect, strlen(expect)) == 0);
    vg_config_free(c);
    unlink(p);
}

/* The example shows every option once, commented out at its default. */
static void example_lists_every_option(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    vg_config_print_example(f);
    fclose(f);
    size_t n = 0;
    for (const struct vg_option *o = vg_options; o->name; o++, n++) {
        char line[256];
        snprintf(line, sizeof(line), "\n#%s =%s%s\n", o->name, o->def[0] ? " " : "", o->def);
        if (!strstr(buf, line))
            fail_msg("option %s.%s missing from the example", o->section, o->name);
    }
    assert_true(n >= 42);
    free(buf);
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
    char *p = write_tmp("[daemon]\nstate_dir = s\n[redis]\nprefix = x:\nurl = redis://u:p@h:1/2\n"
                        "[admin]\nlisten = 0.0.0.0:1\n[fetch]\nallow_private = 0.0.0.0/0 ::1\n");
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
        cmocka_unit_test(rates),
        cmocka_unit_test(bools),               cmocka_unit_test(defaults_without_file),
        cmocka_unit_test(file_values_and_paths), cmocka_unit_test(errors_name_line_and_key),
        cmocka_unit_test(reload_comparison),   cmocka_unit_test(secrets),
        cmocka_unit_test(allocation_failures), cmocka_unit_test(typed_values),
        cmocka_unit_test(warnings_name_their_line), cmocka_unit_test(example_lists_every_option),
        cmocka_unit_test(console_public_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
