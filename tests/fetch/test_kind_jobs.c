/* test_kind_jobs — the `jobs` kind's pieces that `vigie sources parse` does not reach: the
 * automatic sources an account's greenhouse / lever identifiers give (URLs, ids, options that
 * the kind's own check accepts, retired accounts and unusable tokens left out), what
 * `vigie accounts show` prints of a series, and every allocation failure of a poll and of the
 * automatic sources returning an error with nothing leaked (the sanitizer build checks). */
#include "enrich/account.h"
#include "fetchers/feed.h"
#include "fetchers/jobs.h"
#include "fetchers/kind.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define DAY 86400
#define T0 1796000000

static struct enrich_identifier ids_a[] = {{"siren", "552081317"}, {"greenhouse", "acme"}, {"lever", "acme-eu"}};
static struct enrich_identifier ids_b[] = {{"lever", "glo%bex~"}};
static struct enrich_identifier ids_c[] = {{"greenhouse", "oldco"}};
static struct enrich_identifier ids_d[] = {{"greenhouse", "bad token"}, {"greenhouse", "x/../y"}, {"lever", "caf\xc3\xa9"}};

static struct enrich_account accounts[] = {
    {.id = "acme", .name = "Acme", .identifiers = ids_a, .n_identifiers = 3},
    {.id = "globex", .name = "Globex", .identifiers = ids_b, .n_identifiers = 1},
    {.id = "oldco", .name = "Old Co", .identifiers = ids_c, .n_identifiers = 1, .retired = "2026-01-01T00:00:00Z"},
    {.id = "nobody", .name = "Nobody"},
};
static const struct enrich_account_set set = {accounts, 4};

static void auto_sources_from_identifiers(void **state)
{
    (void)state;
    const struct source_kind *k = source_kind_find("jobs");
    assert_non_null(k);
    assert_non_null(k->auto_sources);
    assert_int_equal(k->default_interval_ms, 86400000LL);
    assert_int_equal(k->budget_limit, 0);
    struct kind_auto_settings s = {.base_url = "http://127.0.0.1:8080/", .extra_url = "https://api.eu.lever.co",
                                   .interval_ms = 3600000};
    struct kind_auto_source *v;
    size_t n;
    assert_int_equal(k->auto_sources(&set, &s, &v, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(v[0].id, "jobs:greenhouse:acme");
    assert_string_equal(v[0].url, "http://127.0.0.1:8080/v1/boards/acme/jobs");
    assert_string_equal(v[0].account_id, "acme");
    assert_string_equal(v[0].options, "{\"board\":\"greenhouse\",\"token\":\"acme\"}");
    assert_string_equal(v[1].id, "jobs:lever:acme");
    assert_string_equal(v[1].url, "https://api.eu.lever.co/v0/postings/acme-eu?mode=json");
    assert_string_equal(v[1].options, "{\"board\":\"lever\",\"token\":\"acme-eu\"}");
    /* a token is one path segment: what is not unreserved is %-encoded; nothing of the
     * retired account nor of the one without a board */
    assert_string_equal(v[2].id, "jobs:lever:globex");
    assert_string_equal(v[2].url, "https://api.eu.lever.co/v0/postings/glo%25bex~?mode=json");
    for (size_t i = 0; i < n; i++) {
        char err[200] = "";
        assert_int_equal(k->check_options(v[i].options, err, sizeof(err)), 0);
    }
    kind_auto_sources_free(v, n);

    /* no Lever base URL in the settings: the API's own */
    struct kind_auto_settings s2 = {.base_url = "https://boards-api.greenhouse.io"};
    assert_int_equal(k->auto_sources(&set, &s2, &v, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(v[1].url, "https://api.lever.co/v0/postings/acme-eu?mode=json");
    kind_auto_sources_free(v, n);
}

static void auto_sources_skip_unusable_tokens(void **state)
{
    (void)state;
    const struct source_kind *k = source_kind_find("jobs");
    struct enrich_account only[] = {{.id = "d", .name = "D", .identifiers = ids_d, .n_identifiers = 3}};
    struct enrich_account_set one = {only, 1};
    struct kind_auto_settings s = {.base_url = "http://h"};
    struct kind_auto_source *v;
    size_t n;
    assert_int_equal(k->auto_sources(&one, &s, &v, &n), 0);
    assert_int_equal(n, 0);
    kind_auto_sources_free(v, n);
}

static void auto_sources_allocation_failures(void **state)
{
    (void)state;
    const struct source_kind *k = source_kind_find("jobs");
    struct kind_auto_settings s = {.base_url = "http://h", .extra_url = "http://l"};
    int failed = 0;
    for (long i = 0; i < 200; i++) {
        struct kind_auto_source *v = (void *)1;
        size_t n = 99;
        vg_alloc_fail_after(i);
        int rc = k->auto_sources(&set, &s, &v, &n);
        vg_alloc_fail_after(-1);
        if (rc < 0) {
            assert_null(v);
            assert_int_equal(n, 0);
            failed++;
        } else {
            assert_int_equal(n, 3);
            kind_auto_sources_free(v, n);
            break;
        }
    }
    assert_true(failed > 5);
}

/* A Greenhouse answer with `eng` engineers in Paris and 4 sellers in `city`. */
static char *board(int eng, const char *city)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    vg_buf_puts(&b, "{\"jobs\":[");
    for (int i = 0; i < eng + 4; i++)
        vg_buf_printf(&b, "%s{\"id\":%d,\"title\":\"Role\",\"location\":{\"name\":\"%s\"},\"absolute_url\":"
                      "\"https://boards.greenhouse.io/acme/jobs/%d\",\"departments\":[{\"id\":1,\"name\":\"%s\"}]}",
                      i ? "," : "", i, i < eng ? "Paris" : city, i, i < eng ? "Engineering" : "Sales");
    vg_buf_puts(&b, "],\"meta\":{\"total\":0}}");
    return vg_buf_steal(&b);
}

/* One poll; returns the number of items, *keep replaced by what it kept. -1 on failure. */
static int poll(const char *body, int64_t now, char **keep)
{
    const struct source_kind *k = source_kind_find("jobs");
    struct kind_input in = {.body = body, .len = strlen(body), .url = "http://h/v1/boards/acme/jobs",
                            .options = "{\"board\":\"greenhouse\",\"token\":\"acme\"}", .watch_text = *keep,
                            .now = now};
    struct kind_output out = {0};
    char err[200] = "";
    int rc = k->parse(&in, &out, err, sizeof(err));
    if (rc < 0) {
        assert_null(out.doc);
        assert_null(out.watch_text);
        assert_non_null(out.error_kind);
        assert_true(err[0] != '\0');
        return -1;
    }
    int n = (int)out.doc->nitems;
    for (size_t i = 0; i < out.doc->nitems; i++) {
        assert_string_equal(out.doc->items[i].kind, "jobs");
        assert_non_null(out.doc->items[i].structured);
    }
    feed_doc_free(out.doc);
    vg_free(*keep);
    *keep = out.watch_text;
    return n;
}

static void show_prints_the_series(void **state)
{
    (void)state;
    char *keep = NULL;
    int totals[] = {10, 11, 10, 10, 22};
    for (int d = 0; d < 5; d++) {
        char *b = board(totals[d] - 4, d == 4 ? "Berlin" : "London");
        int n = poll(b, T0 + d * DAY, &keep);
        assert_int_equal(n, d == 4 ? 2 : 0); /* the surge and Berlin */
        vg_free(b);
    }
    const struct source_kind *k = source_kind_find("jobs");
    struct vg_buf out;
    vg_buf_init(&out, 0);
    assert_int_equal(k->show(keep, &out), 0);
    const char *s = out.data;
    assert_non_null(strstr(s, "  job board: greenhouse acme\n"));
    assert_non_null(strstr(s, "  open positions: 22  "));
    /* the lowest day the lowest block, the surge the highest */
    assert_non_null(strstr(s, "\xe2\x96\x81\xe2\x96\x81\xe2\x96\x81\xe2\x96\x81\xe2\x96\x88"));
    assert_non_null(strstr(s, "  top departments: Engineering 18, Sales 4\n"));
    assert_non_null(strstr(s, "  top locations: Paris 18, Berlin 4\n"));
    assert_non_null(strstr(s, "    2026-12-04    22  Engineering 18, Sales 4\n"));
    assert_non_null(strstr(s, "    2026-11-30    10  Engineering 6, Sales 4\n"));
    vg_buf_free(&out);
    vg_buf_init(&out, 0);
    assert_int_equal(k->show("{\"v\":2}", &out), -1);
    assert_int_equal(k->show(NULL, &out), -1);
    vg_buf_free(&out);
    vg_free(keep);
}

static void parse_allocation_failures(void **state)
{
    (void)state;
    char *keep = NULL;
    for (int d = 0; d < 4; d++) {
        char *b = board(6, "London");
        assert_int_equal(poll(b, T0 + d * DAY, &keep), 0);
        vg_free(b);
    }
    char *b = board(20, "Berlin");
    int failed = 0;
    for (long i = 0; i < 2000; i++) {
        char *k = vg_strdup(keep);
        assert_non_null(k);
        vg_alloc_fail_after(i);
        int n = poll(b, T0 + 4 * DAY, &k);
        vg_alloc_fail_after(-1);
        vg_free(k);
        if (n >= 0) {
            assert_int_equal(n, 2);
            break;
        }
        failed++;
    }
    assert_true(failed > 20);
    vg_free(b);
    vg_free(keep);
}

static void tally_cut_keeps_the_top_and_sums_the_rest(void **state)
{
    (void)state;
    struct jobs_poll p;
    char err[200];
    const char *body = "[{\"categories\":{\"department\":\"A\",\"location\":\"X\"}},"
                       "{\"categories\":{\"department\":\"A\",\"location\":\"X\"}},"
                       "{\"categories\":{\"team\":\"B\",\"allLocations\":[\"Y\"]}},"
                       "{\"categories\":{\"department\":\"C\"}},{\"categories\":{\"department\":\"d\"}},"
                       "{\"categories\":{\"department\":\"D\"}}]";
    assert_int_equal(jobs_board_read(JOBS_LEVER, body, strlen(body), &p, err, sizeof(err)), 0);
    assert_int_equal(p.total, 6);
    assert_int_equal(p.dept.n, 4);
    assert_string_equal(p.dept.v[0].name, "A"); /* 2; then d/D counted together as the first spelling */
    assert_int_equal(jobs_tally_get(&p.dept, "D"), 2);
    assert_int_equal(jobs_tally_get(&p.loc, "(none)"), 3);
    assert_int_equal(jobs_tally_cut(&p.dept, 2), 0);
    assert_int_equal(p.dept.n, 2);
    assert_int_equal(jobs_tally_get(&p.dept, "(other)"), 4);
    jobs_poll_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(auto_sources_from_identifiers),
        cmocka_unit_test(auto_sources_skip_unusable_tokens),
        cmocka_unit_test(auto_sources_allocation_failures),
        cmocka_unit_test(show_prints_the_series),
        cmocka_unit_test(parse_allocation_failures),
        cmocka_unit_test(tally_cut_keeps_the_top_and_sums_the_rest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
