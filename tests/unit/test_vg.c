/* Unit tests of the shared vg_ helpers: buffers with caps, JSON escaping, metrics rendering,
 * backoff bounds, CSV records, timers asked for again and again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_csv.h"
#include "util/vg_event.h"
#include "util/vg_log.h"
#include "util/vg_metrics.h"
#include "util/vg_time.h"
#include "util/vg_work.h"

#include <pthread.h>

static void buf_cap(void **state)
{
    struct vg_buf b;
    vg_buf_init(&b, 10);
    assert_int_equal(vg_buf_puts(&b, "0123456789"), 0);
    assert_int_equal(vg_buf_putc(&b, 'x'), -1); /* over the cap: refused, unchanged */
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "0123456789");
    vg_buf_free(&b);
}

/* A record built by many appends is checked once, at the end: after one failed append none
 * of the later ones may succeed, or a record with a hole in it would look whole. */
static void buf_failure_is_sticky(void **state)
{
    struct vg_buf b;
    vg_buf_init(&b, 10);
    assert_int_equal(vg_buf_puts(&b, "{\"a\":"), 0);
    assert_int_equal(vg_buf_puts(&b, "\"too long to fit\""), -1);
    assert_int_equal(vg_buf_putc(&b, '}'), -1); /* would fit, but the record has a hole */
    assert_int_equal(vg_buf_check(&b), -1);
    assert_null(vg_buf_steal(&b));
    vg_buf_init(&b, 10);
    assert_int_equal(vg_buf_puts(&b, "0123456789x"), -1);
    vg_buf_reset(&b); /* a new record */
    assert_int_equal(vg_buf_check(&b), 0);
    assert_int_equal(vg_buf_puts(&b, "{}"), 0);
    char *s = vg_buf_steal(&b);
    assert_string_equal(s, "{}");
    vg_free(s);
}

static void buf_json(void **state)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    vg_buf_json_str(&b, "a\"b\\c\n\x01é");
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001é\"");
    vg_buf_free(&b);
}

/* Work handed to a worker thread comes back to the loop: `run` off the loop's thread, `done`
 * on it, every job once. */
struct job_probe {
    pthread_t ran_on, done_on;
    int runs, dones;
    struct event_base *base;
    int *left;
};

static void probe_run(void *arg)
{
    struct job_probe *j = arg;
    j->ran_on = pthread_self();
    j->runs++;
}

static void probe_done(void *arg)
{
    struct job_probe *j = arg;
    j->done_on = pthread_self();
    j->dones++;
    if (--*j->left == 0)
        event_base_loopbreak(j->base);
}

static void work_off_loop(void **state)
{
    struct event_base *base = event_base_new();
    char err[128];
    struct vg_work *w = vg_work_new(base, 2, err, sizeof(err));
    assert_non_null(w);
    int left = 8;
    struct job_probe jobs[8];
    memset(jobs, 0, sizeof(jobs));
    for (int i = 0; i < 8; i++) {
        jobs[i].base = base;
        jobs[i].left = &left;
        assert_int_equal(vg_work_submit(w, probe_run, probe_done, &jobs[i]), 0);
    }
    assert_int_equal(vg_work_pending(w), 8);
    event_base_dispatch(base);
    assert_int_equal(left, 0);
    assert_int_equal(vg_work_pending(w), 0);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(jobs[i].runs, 1);
        assert_int_equal(jobs[i].dones, 1);
        assert_false(pthread_equal(jobs[i].ran_on, pthread_self()));
        assert_true(pthread_equal(jobs[i].done_on, pthread_self()));
    }
    vg_work_free(w);
    event_base_free(base);
}

/* A line repeated every second is written once a minute, saying how many were held back. */
static void log_limit(void **state)
{
    struct vg_log_limit l = {0};
    unsigned long held = 99;
    assert_int_equal(vg_log_limit_pass(&l, 1000, 60000, &held), 1);
    assert_int_equal(held, 0);
    for (long long t = 2000; t < 61000; t += 1000)
        assert_int_equal(vg_log_limit_pass(&l, t, 60000, &held), 0);
    assert_int_equal(vg_log_limit_pass(&l, 61000, 60000, &held), 1);
    assert_int_equal(held, 59);
}

static double seven(void *arg) { return 7; }

static void metrics_render(void **state)
{
    vg_metric_add(vg_counter("t_errors_total{reason=\"dns\"}", "errors by reason"), 2);
    vg_metric_add(vg_counter("t_other", "another"), 1);
    vg_metric_add(vg_counter("t_errors_total{reason=\"tls\"}", "errors by reason"), 1);
    vg_metric_add(vg_counter("t_errors_total{reason=\"dns\"}", "errors by reason"), 1);
    vg_gauge_fn("t_live", "computed", seven, NULL);
    struct vg_buf b;
    vg_buf_init(&b, 0);
    assert_int_equal(vg_metrics_render(&b), 0);
    assert_string_equal(b.data,
                        "# HELP t_errors_total errors by reason\n# TYPE t_errors_total counter\n"
                        "t_errors_total{reason=\"dns\"} 3\nt_errors_total{reason=\"tls\"} 1\n"
                        "# HELP t_other another\n# TYPE t_other counter\nt_other 1\n"
                        "# HELP t_live computed\n# TYPE t_live gauge\nt_live 7\n");
    vg_buf_free(&b);
    vg_metrics_free_all();
}

static void backoff_bounds(void **state)
{
    for (unsigned a = 0; a < 40; a++) {
        for (int i = 0; i < 50; i++) {
            int64_t d = vg_backoff_ms(a, 100, 10000);
            int64_t full = 100;
            for (unsigned k = 0; k < a && full < 10000; k++)
                full *= 2;
            if (full > 10000)
                full = 10000;
            assert_true(d >= full / 2 && d <= full);
        }
    }
}

static void csv_records(void **state)
{
    const char text[] = "\xEF\xBB\xBFid,name\r\n1,\"Saint-Gobain, SA\"\r\n\n2,\"two\nlines \"\"q\"\"\"\n3,\n";
    struct vg_csv c;
    char err[128];
    vg_csv_init(&c, text, sizeof(text) - 1);
    assert_int_equal(vg_csv_next(&c, err, sizeof(err)), 1);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.fields[0], "id");
    assert_int_equal(vg_csv_next(&c, err, sizeof(err)), 1);
    assert_string_equal(c.fields[1], "Saint-Gobain, SA");
    assert_int_equal(c.line, 2);
    assert_int_equal(vg_csv_next(&c, err, sizeof(err)), 1);
    assert_int_equal(c.line, 4);
    assert_string_equal(c.fields[1], "two\nlines \"q\"");
    assert_int_equal(vg_csv_next(&c, err, sizeof(err)), 1);
    assert_int_equal(c.line, 6); /* the quoted newline counted */
    assert_int_equal(c.n, 2);
    assert_string_equal(c.fields[1], "");
    assert_int_equal(vg_csv_next(&c, err, sizeof(err)), 0);
    vg_csv_free(&c);

    vg_csv_init(&c, "a,\"open\nnever closed", 21);
    assert_int_equal(vg_csv_next(&c, err, sizeof(err)), -1);
    assert_string_equal(err, "line 1: unterminated quoted field");
    vg_csv_free(&c);
}

/* A socket that is always readable, whose every event asks for the timer "now", as the
 * poller's finished fetches ask for a claim: the timer must still run, and soon. */
struct busy {
    struct event *timer;
    int socket_events, fired_after;
};

static void on_busy_socket(evutil_socket_t fd, short what, void *arg)
{
    struct busy *b = arg;
    (void)fd;
    (void)what;
    b->socket_events++;
    if (b->fired_after < 0)
        vg_timer_arm(b->timer, 0);
    if (b->socket_events > 1000)
        event_base_loopbreak(event_get_base(b->timer));
}

static void on_busy_timer(evutil_socket_t fd, short what, void *arg)
{
    struct busy *b = arg;
    (void)fd;
    (void)what;
    b->fired_after = b->socket_events;
    event_base_loopbreak(event_get_base(b->timer));
}

static void timer_now_is_not_starved(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(write(sv[1], "x", 1), 1); /* never read: sv[0] stays readable */
    struct event_base *base = event_base_new();
    struct busy b = {.fired_after = -1};
    b.timer = evtimer_new(base, on_busy_timer, &b);
    struct event *sock = event_new(base, sv[0], EV_READ | EV_PERSIST, on_busy_socket, &b);
    event_add(sock, NULL);
    event_base_dispatch(base);
    /* Plain evtimer_add(0) at each socket event never lets it run (fired_after stays -1). */
    assert_true(b.fired_after >= 1 && b.fired_after <= 3);

    /* A later time still works, and 0 brings it forward. */
    b.fired_after = -2;
    vg_timer_arm(b.timer, 60000);
    vg_timer_arm(b.timer, 0);
    event_del(sock);
    event_base_dispatch(base);
    assert_true(b.fired_after >= 0);

    event_free(sock);
    event_free(b.timer);
    event_base_free(base);
    close(sv[0]);
    close(sv[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buf_cap), cmocka_unit_test(buf_failure_is_sticky), cmocka_unit_test(work_off_loop), cmocka_unit_test(log_limit), cmocka_unit_test(buf_json),
        cmocka_unit_test(metrics_render), cmocka_unit_test(backoff_bounds),
        cmocka_unit_test(csv_records), cmocka_unit_test(timer_now_is_not_starved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
