/* test_parse_worker — kind parses on the worker thread: results come back through the fd, in
 * order, to the thread that collects them; inputs are the worker's own copies; jobs queued when
 * the worker stops are answered as cancelled. */
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "fetchers/feed.h"
#include "fetchers/kind.h"
#include "fetchers/parse_worker.h"

#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

struct seen {
    int n;
    int rc[8];
    char kind[8][32];
    char text_end[8][64];
    size_t nitems[8];
    pthread_t thread[8];
};

static void on_done(int rc, struct kind_output *out, const char *err, void *arg)
{
    (void)err;
    struct seen *s = arg;
    int i = s->n++;
    s->rc[i] = rc;
    s->thread[i] = pthread_self();
    snprintf(s->kind[i], sizeof(s->kind[i]), "%s", out->error_kind ? out->error_kind : "ok");
    s->nitems[i] = out->doc ? out->doc->nitems : 0;
    if (out->watch_text) {
        size_t l = strlen(out->watch_text);
        snprintf(s->text_end[i], sizeof(s->text_end[i]), "%s", out->watch_text + (l > 20 ? l - 20 : 0));
    }
    feed_doc_free(out->doc);
    vg_free(out->watch_text);
}

static char *page(size_t blocks)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    vg_buf_puts(&b, "<html><body>");
    for (size_t i = 0; i < blocks; i++)
        vg_buf_printf(&b, "<div><h3>Opening %zu</h3></div>\n", i);
    vg_buf_puts(&b, "</body></html>");
    return vg_buf_steal(&b);
}

static void submit(struct parse_worker *w, const char *kind, const char *options, size_t blocks, struct seen *s)
{
    char *body = page(blocks);
    char *opts = vg_strdup(options);
    struct kind_input in = {.body = body, .len = strlen(body), .url = "https://x.example/", .options = opts,
                            .now = 1700000000};
    assert_int_equal(parse_worker_submit(w, source_kind_find(kind), &in, on_done, s), 0);
    /* the worker has its own copy */
    memset(body, 'x', in.len);
    vg_free(body);
    vg_free(opts);
}

static void test_results_come_back_in_order(void **state)
{
    (void)state;
    char err[200];
    struct parse_worker *w = parse_worker_new(err, sizeof(err));
    assert_non_null(w);
    struct seen s = {0};
    submit(w, "page", "{\"watch\": true}", 50000, &s);
    submit(w, "page", "{\"item\": \"//div\"}", 10, &s);
    submit(w, "feed", NULL, 3, &s);
    while (s.n < 3) {
        struct pollfd p = {.fd = parse_worker_fd(w), .events = POLLIN};
        assert_true(poll(&p, 1, 60000) == 1);
        parse_worker_collect(w);
    }
    assert_int_equal(parse_worker_pending(w), 0);
    assert_int_equal(s.rc[0], 0);
    assert_string_equal(s.text_end[0], " 49998\nOpening 49999");
    assert_int_equal(s.rc[1], 0);
    assert_int_equal(s.nitems[1], 10);
    assert_int_equal(s.rc[2], -1);
    assert_string_equal(s.kind[2], "not_a_feed");
    for (int i = 0; i < 3; i++)
        assert_true(pthread_equal(s.thread[i], pthread_self()));
    parse_worker_free(w);
    assert_int_equal(s.n, 3);
}

static void test_stop_cancels_what_waits(void **state)
{
    (void)state;
    char err[200];
    struct parse_worker *w = parse_worker_new(err, sizeof(err));
    struct seen s = {0};
    for (int i = 0; i < 6; i++)
        submit(w, "page", "{\"watch\": true}", 20000, &s);
    parse_worker_free(w);
    /* every job answered once: finished ones with their result, the rest cancelled */
    assert_int_equal(s.n, 6);
    for (int i = 0; i < 6; i++)
        assert_int_equal(s.rc[i], strcmp(s.kind[i], "cancelled") == 0 ? -1 : 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_results_come_back_in_order),
        cmocka_unit_test(test_stop_cancels_what_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
