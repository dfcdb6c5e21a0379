/* Unit tests of the [sink.NAME] sections of the configuration: the common options and a sink
 * type's own, their defaults, errors, secrets, reload comparison, check-config's listing and
 * the example file. The built-in sink types are not the point here (and may be none yet):
 * the tests bring two types of their own through vg_config_load_types. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/config.h"
#include "sinks/sink.h"
#include "util/vg_alloc.h"

/* ---- two sink types of the tests' own ------------------------------------------ */

struct crm_config {
    char *token;
    char *portal;
    long long notes;
};

static const struct vg_option crm_options[] = {
    {"sink", "token", VG_OPT_STRING, "", 0, 0, offsetof(struct crm_config, token), NULL, VG_OPT_SENSITIVE,
     "API token; best as env:NAME, file:PATH or credential:NAME"},
    {"sink", "portal", VG_OPT_ENUM, "eu1", 0, 0, offsetof(struct crm_config, portal), "eu1|na1", 0,
     "the data centre of the account"},
    {"sink", "notes", VG_OPT_BOOL, "yes", 0, 0, offsetof(struct crm_config, notes), NULL, 0,
     "write a note per signal"},
    {NULL, NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL},
};

/* What the table cannot say: here, notes need the EU portal. */
static int crm_check(const void *config, char *err, size_t errlen)
{
    const struct crm_config *c = config;
    if (c->notes && strcmp(c->portal, "eu1") != 0) {
        snprintf(err, errlen, "notes = yes needs portal = eu1");
        return -1;
    }
    return 0;
}

static const struct sink_type crm = {
    .name = "crm", .summary = "a CRM of the tests", .options = crm_options,
    .config_size = sizeof(struct crm_config), .max_batch = 100, .streams = "signals,contacts",
    .rate_limit = 100, .rate_window_ms = 10000, .check = crm_check,
};

/* A type without options of its own, check or rate limit. */
static const struct sink_type outbox = {
    .name = "outbox", .summary = "writes records to a file", .max_batch = 1, .streams = "signals",
};

static const struct sink_type *const types[] = {&crm, &outbox, NULL};

/* ---- helpers ----------------------------------------------------------------------- */

static char *write_tmp(const char *text)
{
    static char path[64];
    strcpy(path, "/tmp/vgsinkXXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static struct vg_config *load(const char *text)
{
    char err[512] = "";
    char *p = write_tmp(text);
    struct vg_config *c = vg_config_load_types(p, types, err, sizeof(err));
    if (!c)
        fail_msg("'%s' did not load: %s", text, err);
    unlink(p);
    return c;
}

/* Loads `text`, expects failure with err ending in `want` (after "FILE:"). */
static void load_bad(const struct sink_type *const *with, const char *text, const char *want)
{
    char err[512] = "";
    char *p = write_tmp(text);
    struct vg_config *c = vg_config_load_types(p, with, err, sizeof(err));
    if (c)
        fail_msg("'%s' loaded, expected \"%s\"", text, want);
    char expect[512];
    snprintf(expect, sizeof(expect), "%s:%s", p, want);
    if (strcmp(err, expect) != 0)
        fail_msg("error \"%s\", want \"%s\"", err, expect);
    unlink(p);
}

static char *print_config(const struct vg_config *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    vg_config_print(f, c);
    fclose(f);
    return buf;
}

/* ---- tests ------------------------------------------------------------------------- */

static void defaults_of_the_type_and_the_table(void **state)
{
    struct vg_config *c = load("[sink.crm]\nenabled = yes\n[sink.outbox]\nenabled = no\n");
    assert_int_equal(c->n_sinks, 2);
    const struct vg_sink_section *s = vg_config_sink(c, "crm");
    assert_non_null(s);
    assert_ptr_equal(s->type, &crm);
    assert_string_equal(s->name, "crm");
    assert_int_equal(s->common.enabled, 1);
    assert_int_equal(s->common.batch, 100);        /* the type's max_batch */
    assert_int_equal(s->common.linger_ms, 500);
    assert_int_equal(s->common.max_attempts, 8);
    assert_int_equal(s->common.backoff_min_ms, 1000);
    assert_int_equal(s->common.backoff_max_ms, 300000);
    assert_int_equal(s->common.rate_limit, 100);   /* the type's documented limit */
    assert_int_equal(s->common.rate_window_ms, 10000);
    assert_int_equal(s->common.timeout_ms, 30000);
    assert_string_equal(s->common.allow_private, "");
    const struct crm_config *own = s->config;
    assert_string_equal(own->token, "");
    assert_string_equal(own->portal, "eu1");
    assert_int_equal(own->notes, 1);

    s = vg_config_sink(c, "outbox");
    assert_non_null(s);
    assert_int_equal(s->common.enabled, 0);
    assert_int_equal(s->common.batch, 1);
    assert_int_equal(s->common.rate_limit, 0);
    assert_int_equal(s->common.rate_window_ms, 1000); /* the table's: the type has none */
    assert_null(vg_config_sink(c, "hubspot"));
    vg_config_free(c);

    /* A file without sink sections has none. */
    c = load("[log]\nlevel = info\n");
    assert_int_equal(c->n_sinks, 0);
    vg_config_free(c);
}

static void values_and_secrets(void **state)
{
    setenv("VG_UNIT_SINK_TOKEN", "tok-123", 1);
    struct vg_config *c = load("[sink.crm]\nbatch = 20\nlinger = 2s\nrate_limit = 0\n"
                               "allow_private = 127.0.0.1, ::1\ntoken = env:VG_UNIT_SINK_TOKEN\n"
                               "[log]\nlevel = info\n"
                               "[sink.crm]\nportal = na1\nnotes = no\n"
                               "[sink.outbox]\nbatch = 0\n");
    unsetenv("VG_UNIT_SINK_TOKEN");
    const struct vg_sink_section *s = vg_config_sink(c, "crm");
    assert_int_equal(s->common.batch, 20);
    assert_int_equal(s->common.linger_ms, 2000);
    assert_int_equal(s->common.rate_limit, 0);
    assert_string_equal(s->common.allow_private, "127.0.0.1, ::1");
    const struct crm_config *own = s->config;
    assert_string_equal(own->token, "tok-123");
    assert_string_equal(own->portal, "na1"); /* the section given twice is one section */
    assert_int_equal(own->notes, 0);
    assert_int_equal(vg_config_sink(c, "outbox")->common.batch, 1); /* 0: the type's max */

    /* check-config's listing: the effective values, the secret masked. */
    char *out = print_config(c);
    assert_non_null(strstr(out, "\n[sink.crm]\nenabled = no\nbatch = 20\nlinger = 2s\nmax_attempts = 8\n"
                                "backoff_min = 1s\nbackoff_max = 5m\nrate_limit = 0\nrate_window = 10s\n"
                                "timeout = 30s\nallow_private = 127.0.0.1, ::1\nsync_accounts = 0s\ntoken = (set)\nportal = na1\n"
                                "notes = no\n\n[sink.outbox]\nenabled = no\nbatch = 1\n"));
    assert_null(strstr(out, "tok-123"));
    free(out);
    vg_config_free(c);
}

static void errors_name_line_key_and_section(void **state)
{
    load_bad(types, "[log]\nlevel = info\n[sink.crn]\nenabled = yes\n",
             "4: unknown sink type 'crn' in section [sink.crn] (known: crm, outbox)");
    load_bad(types, "[sink.]\nenabled = yes\n", "2: unknown sink type '' in section [sink.] (known: crm, outbox)");
    const struct sink_type *const none[] = {NULL};
    load_bad(none, "[sink.crm]\nenabled = yes\n", "2: unknown sink type 'crm' in section [sink.crm] (no sink type is built in)");
    load_bad(types, "[sink.crm]\nenabled = yes\nbatchsize = 3\n", "3: unknown key 'batchsize' in section [sink.crm]");
    /* a key of one type is unknown to another */
    load_bad(types, "[sink.outbox]\ntoken = x\n", "2: unknown key 'token' in section [sink.outbox]");
    load_bad(types, "[sink.crm]\nbatch = 3\n[log]\nlevel = info\n[sink.crm]\nbatch = 4\n",
             "6: key 'sink.crm.batch' is set twice, on line 2 and line 6: keep one");
    load_bad(types, "[sink.crm]\nportal = eu1\n\nportal = eu1\n",
             "4: key 'sink.crm.portal' is set twice, on line 2 and line 4: keep one");
    load_bad(types, "[sink.crm]\nlinger = 2m\n", "2: key 'sink.crm.linger': '2m' is out of range (0s to 1m)");
    load_bad(types, "[sink.crm]\nmax_attempts = 0\n", "2: key 'sink.crm.max_attempts': '0' is out of range (1 to 1000)");
    load_bad(types, "[sink.crm]\nenabled = maybe\n",
             "2: key 'sink.crm.enabled': 'maybe' is not a boolean (yes/no, true/false, on/off)");
    load_bad(types, "[sink.crm]\nportal = mars\n", "2: key 'sink.crm.portal': 'mars' is not one of eu1|na1");
    /* the grammar of a common option is the daemon's (http/fetch_addr) */
    load_bad(types, "[sink.crm]\nallow_private = 999.0.0.0/8\n",
             "2: key 'sink.crm.allow_private': '999.0.0.0/8' is not an address or CIDR");
    /* A sink without a key-account listing takes no schedule for one. */
    load_bad(types, "[sink.crm]\nsync_accounts = 1d\n",
             "2: key 'sink.crm.sync_accounts': the crm sink has no key accounts to sync (0 is the only value it takes)");
    unsetenv("VG_UNIT_SINK_UNSET");
    load_bad(types, "[sink.crm]\ntoken = env:VG_UNIT_SINK_UNSET\n",
             "2: key 'sink.crm.token': environment variable VG_UNIT_SINK_UNSET is not set");
    /* bounds that depend on the type or on two options: checked once the section is read */
    load_bad(types, "[sink.crm]\nenabled = no\n\nbatch = 101\n",
             "4: key 'sink.crm.batch': '101' is out of range (1 to 100, the most one crm delivery takes)");
    load_bad(types, "[sink.crm]\nbackoff_max = 2s\nbackoff_min = 10s\n",
             "3: key 'sink.crm.backoff_min': '10s' is longer than backoff_max (2s)");
    /* the type's own check, at the section's first line, disabled or not */
    load_bad(types, "[log]\nlevel = info\n[sink.crm]\nenabled = no\nportal = na1\n",
             "4: section [sink.crm]: notes = yes needs portal = eu1");
}

static void reload_comparison(void **state)
{
    struct vg_config *a = load("[sink.crm]\nenabled = yes\n[sink.outbox]\nenabled = no\n");
    struct vg_config *b = load("[sink.crm]\nenabled = yes\n\n[sink.outbox]\nenabled = no\n");
    assert_false(vg_config_sink_differs(a, b, "crm"));
    assert_false(vg_config_sink_differs(a, b, "outbox"));
    assert_false(vg_config_sink_differs(a, b, "absent"));
    vg_config_free(b);
    setenv("VG_UNIT_SINK_TOKEN", "other", 1);
    b = load("[sink.crm]\nenabled = yes\ntoken = env:VG_UNIT_SINK_TOKEN\n");
    unsetenv("VG_UNIT_SINK_TOKEN");
    assert_true(vg_config_sink_differs(a, b, "crm"));    /* its own option */
    assert_true(vg_config_sink_differs(a, b, "outbox")); /* removed */
    assert_true(vg_config_sink_differs(b, a, "outbox")); /* added */
    vg_config_free(b);
    b = load("[sink.crm]\nenabled = yes\nlinger = 1s\n[sink.outbox]\nenabled = no\n");
    assert_true(vg_config_sink_differs(a, b, "crm")); /* a common option */
    assert_false(vg_config_sink_differs(a, b, "outbox"));
    vg_config_free(a);
    vg_config_free(b);
}

/* The example shows each type's section commented out whole: uncommenting the '#' option
 * lines (what test_cli_config.py does with the real file) adds no sink, and uncommenting a
 * type's ';' lines gives its section at its defaults. */
static void example_shows_every_type(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    vg_config_print_example_types(f, types);
    fclose(f);
    for (const struct vg_option *o = sink_common_options; o->name; o++) {
        char line[128];
        snprintf(line, sizeof(line), "\n;%s =%s%s\n", o->name, o->def[0] ? " " : "", o->def);
        if (!strstr(buf, line))
            fail_msg("common option %s missing from the example", o->name);
    }
    assert_non_null(strstr(buf, "\n# crm, outbox). Sink sections"));
    assert_non_null(strstr(buf, "\n;[sink.crm]\n# a CRM of the tests\n;enabled = no\n;batch = 100\n"));
    assert_non_null(strstr(buf, "\n;rate_limit = 100\n;rate_window = 10s\n"));
    assert_non_null(strstr(buf, "\n# string; no restart needed (reload); secret\n;token =\n"));
    assert_non_null(strstr(buf, "\n;portal = eu1\n"));
    assert_non_null(strstr(buf, "\n;[sink.outbox]\n# writes records to a file\n;enabled = no\n;batch = 1\n"));

    /* Every '#' option line uncommented: a valid file without sinks. */
    char *all = vg_malloc(len + 1), *q = all;
    for (const char *p = buf; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
        size_t w = 1;
        while (isalnum((unsigned char)p[w]) || p[w] == '_')
            w++;
        if (p[0] == '#' && w > 1 && strncmp(p + w, " =", 2) == 0) /* "#name =" */
            p++, n--;
        memcpy(q, p, n);
        q += n;
        p += n;
    }
    *q = '\0';
    struct vg_config *c = load(all);
    assert_int_equal(c->n_sinks, 0);
    vg_config_free(c);

    /* The crm section uncommented whole: crm at its defaults. */
    const char *from = strstr(buf, "\n;[sink.crm]\n") + 1, *to = strstr(from, "\n;[sink.outbox]");
    q = all;
    for (const char *p = from; p < to; p++)
        if (!(*p == ';' && (p == from || p[-1] == '\n')))
            *q++ = *p;
    *q = '\0';
    c = load(all);
    struct vg_config *d = load("[sink.crm]\nenabled = no\n");
    assert_int_equal(c->n_sinks, 1);
    assert_false(vg_config_sink_differs(c, d, "crm"));
    vg_config_free(c);
    vg_config_free(d);
    vg_free(all);
    free(buf);
}

/* Every allocation failure while loading sink sections is reported, never a crash or a leak
 * (ASan). */
static void allocation_failures(void **state)
{
    setenv("VG_UNIT_SINK_TOKEN", "tok", 1);
    char *p = write_tmp("[sink.crm]\nenabled = yes\ntoken = env:VG_UNIT_SINK_TOKEN\nallow_private = ::1\n"
                        "[sink.outbox]\nenabled = yes\n");
    int failed = 0, succeeded = 0;
    for (long n = 0; n < 300; n++) {
        char err[256] = "";
        vg_alloc_fail_after(n);
        struct vg_config *c = vg_config_load_types(p, types, err, sizeof(err));
        vg_alloc_fail_after(-1);
        if (c) {
            succeeded++;
            assert_int_equal(c->n_sinks, 2);
            vg_config_free(c);
        } else {
            failed++;
            assert_true(err[0] != '\0');
        }
    }
    assert_true(failed > 0);
    assert_true(succeeded > 0);
    unsetenv("VG_UNIT_SINK_TOKEN");
    unlink(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_of_the_type_and_the_table),
        cmocka_unit_test(values_and_secrets),
        cmocka_unit_test(errors_name_line_key_and_section),
        cmocka_unit_test(reload_comparison),
        cmocka_unit_test(example_shows_every_type),
        cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
