/* tool_consumer — drives what the sinks use of queue/ against a real Redis, for
 * tests/queue/test_consumer.py.
 *
 *   tool_consumer consume URL INSTANCE GROUP STREAMS [RECLAIM_IDLE_MS]
 *       A queue_consumer of GROUP on STREAMS (comma-separated key suffixes) and on its replay
 *       stream "replay:GROUP". Commands on stdin, one a line: want N | ack ID | ackall |
 *       dead ID REASON... | release ID | lag | stats | quit. Prints "ready" once Redis answers,
 *       "entry {json}" per entry handed over (stream, id, field, payload, deliveries),
 *       "lag N", "stats read=.. acked=.. dead=.. reclaimed=..", and "bye" after quit (a graceful
 *       stop: the commands in flight are answered first).
 *   tool_consumer budget URL NAME LIMIT WINDOW_MS DURATION_MS
 *       Takes one request at a time from budget NAME for DURATION_MS, as fast as granted:
 *       prints "grant SENT ANSWERED" (CLOCK_MONOTONIC ms when the take was sent and when its
 *       grant was heard: Redis decided in between) or "wait MS".
 *   tool_consumer marks URL NS OP...
 *       Runs in order: set KEY VALUE TTL_S | get KEY... ("value KEY VALUE" or "value KEY (nil)").
 *   tool_consumer tally URL ACCOUNT SIGNAL PRIORITY PUBLISHED_MS WINDOW_MS HALF_LIFE_MS
 *       Prints "count=N heat=H last=MS". */
#include "queue/queue.h"
#include "queue/queue_budget.h"
#include "queue/queue_consumer.h"
#include "queue/queue_contract.h"
#include "queue/queue_marks.h"
#include "queue/queue_tally.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"
#include "util/vg_metrics.h"
#include "util/vg_time.h"

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct event_base *base;
static struct queue *q;
static int argc_;
static char **argv_;
static void (*on_ready)(void);
static int started;

static void on_closed(void *arg) { event_base_loopexit(base, NULL); }

static void finish(void) { queue_close(q, on_closed, NULL); }

static void on_state(int up, void *arg)
{
    if (up && !started) {
        started = 1;
        on_ready();
    }
}

/* ---- consume ---------------------------------------------------------------------------- */

/* An entry handed over and kept to settle later. */
struct kept {
    char *key, *id;
};

static struct queue_consumer *consumer;
static struct kept *kept;
static size_t nkept, kept_cap;
static struct event *stdin_ev;
static char line[4096];
static size_t linelen;

static void on_entries(void *arg, const struct queue_msg *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "stream", v[i].stream);
        cJSON_AddStringToObject(o, "id", v[i].id);
        cJSON_AddStringToObject(o, "field", v[i].field);
        cJSON_AddStringToObject(o, "payload", v[i].payload);
        cJSON_AddNumberToObject(o, "deliveries", (double)v[i].deliveries);
        char *s = cJSON_PrintUnformatted(o);
        printf("entry %s\n", s);
        free(s);
        cJSON_Delete(o);
        if (nkept == kept_cap) {
            kept_cap = kept_cap ? kept_cap * 2 : 64;
            kept = realloc(kept, kept_cap * sizeof(*kept));
        }
        kept[nkept].key = strdup(v[i].key);
        kept[nkept].id = strdup(v[i].id);
        nkept++;
    }
}

static void settle(size_t i, const char *how, const char *reason)
{
    struct queue_msg e = {.key = kept[i].key, .id = kept[i].id};
    if (strcmp(how, "ack") == 0)
        queue_consumer_ack(consumer, &e);
    else if (strcmp(how, "dead") == 0)
        queue_consumer_dead_letter(consumer, &e, reason);
    else
        queue_consumer_release(consumer, &e);
    free(kept[i].key);
    free(kept[i].id);
    kept[i] = kept[--nkept];
}

static void on_lag(long long lag, void *arg) { printf("lag %lld\n", lag); }

static void on_drained(void *arg)
{
    printf("bye\n");
    finish();
}

static void command(char *cmd)
{
    char *rest = strchr(cmd, ' ');
    if (rest)
        *rest++ = '\0';
    if (strcmp(cmd, "want") == 0) {
        queue_consumer_want(consumer, (size_t)atol(rest ? rest : "0"));
    } else if (strcmp(cmd, "ackall") == 0) {
        while (nkept)
            settle(nkept - 1, "ack", NULL);
    } else if (strcmp(cmd, "ack") == 0 || strcmp(cmd, "dead") == 0 || strcmp(cmd, "release") == 0) {
        char *id = rest ? rest : (char *)"";
        char *reason = strchr(id, ' ');
        if (reason)
            *reason++ = '\0';
        for (size_t i = 0; i < nkept; i++) {
            if (strcmp(kept[i].id, id) == 0) {
                settle(i, cmd, reason);
                return;
            }
        }
        printf("unknown %s\n", id);
    } else if (strcmp(cmd, "lag") == 0) {
        queue_consumer_lag(consumer, on_lag, NULL);
    } else if (strcmp(cmd, "stats") == 0) {
        struct queue_consumer_stats st;
        queue_consumer_stats(consumer, &st);
        printf("stats read=%llu acked=%llu dead=%llu reclaimed=%llu\n", (unsigned long long)st.read,
               (unsigned long long)st.acked, (unsigned long long)st.dead_lettered, (unsigned long long)st.reclaimed);
    } else if (strcmp(cmd, "quit") == 0) {
        event_del(stdin_ev);
        queue_consumer_stop(consumer, on_drained, NULL);
    }
}

static void on_stdin(evutil_socket_t fd, short what, void *arg)
{
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) {
        char quit[] = "quit";
        command(quit);
        return;
    }
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == '\n') {
            line[linelen] = '\0';
            linelen = 0;
            command(line);
        } else if (linelen + 1 < sizeof(line)) {
            line[linelen++] = buf[i];
        }
    }
}

static void consume_ready(void)
{
    queue_consumer_start(consumer);
    event_add(stdin_ev, NULL);
    printf("ready\n");
}

static int consume(const char *group, char *streams, long long reclaim_ms)
{
    const char *names[8] = {0};
    size_t n = 0;
    for (char *s = strtok(streams, ","); s && n < 7; s = strtok(NULL, ","))
        names[n++] = s;
    char *replay = vg_asprintf(QUEUE_STREAM_REPLAY "%s", group);
    struct queue_consumer_config cc = {.streams = names, .group = group, .replay_stream = replay,
                                       .block_ms = 500, .reclaim_idle_ms = reclaim_ms};
    char err[256];
    consumer = queue_consumer_new(q, &cc, on_entries, NULL, err, sizeof(err));
    if (!consumer) {
        fprintf(stderr, "tool_consumer: %s\n", err);
        return 1;
    }
    stdin_ev = event_new(base, 0, EV_READ | EV_PERSIST, on_stdin, NULL);
    on_ready = consume_ready;
    event_base_dispatch(base);
    queue_consumer_free(consumer);
    event_free(stdin_ev);
    vg_free(replay);
    for (size_t i = 0; i < nkept; i++) {
        free(kept[i].key);
        free(kept[i].id);
    }
    free(kept);
    return 0;
}

/* ---- budget -------------------------------------------------------------------------------- */

static struct event *budget_ev;
static int64_t budget_until, budget_sent;

static void take(void);

static void on_budget(long long wait_ms, void *arg)
{
    if (wait_ms == 0)
        printf("grant %lld %lld\n", (long long)budget_sent, (long long)vg_mono_ms());
    else
        printf("wait %lld\n", wait_ms);
    if (vg_mono_ms() >= budget_until) {
        finish();
        return;
    }
    if (wait_ms == 0) {
        take();
    } else {
        struct timeval tv = vg_tv_ms(wait_ms > 0 ? wait_ms : 100);
        evtimer_add(budget_ev, &tv);
    }
}

static void take(void)
{
    budget_sent = vg_mono_ms();
    if (queue_budget_take(q, argv_[3], atoll(argv_[4]), atoll(argv_[5]), 1, on_budget, NULL) < 0) {
        fprintf(stderr, "tool_consumer: budget take not sent\n");
        finish();
    }
}

static void on_budget_timer(evutil_socket_t fd, short what, void *arg) { take(); }

static void budget_ready(void)
{
    budget_until = vg_mono_ms() + atoll(argv_[6]);
    take();
}

/* ---- marks ------------------------------------------------------------------------------------ */

static int op = 4; /* the next argument to run */

static void run_ops(void);

static void on_marks(void *arg, const char *const *values, size_t n)
{
    const char *const *keys = arg;
    if (!values)
        printf("error\n");
    for (size_t i = 0; values && i < n; i++)
        printf("value %s %s\n", keys[i], values[i] ? values[i] : "(nil)");
    run_ops();
}

static void run_ops(void)
{
    while (op < argc_) {
        if (strcmp(argv_[op], "set") == 0 && op + 3 < argc_) {
            if (queue_mark_set(q, argv_[3], argv_[op + 1], argv_[op + 2], atoll(argv_[op + 3])) < 0)
                printf("error\n");
            op += 4;
        } else if (strcmp(argv_[op], "get") == 0) {
            int from = ++op;
            while (op < argc_ && strcmp(argv_[op], "set") != 0 && strcmp(argv_[op], "get") != 0)
                op++;
            if (queue_marks_get(q, argv_[3], (const char *const *)argv_ + from, (size_t)(op - from), on_marks,
                                argv_ + from) < 0)
                printf("error\n");
            else
                return;
        } else {
            fprintf(stderr, "tool_consumer: bad op %s\n", argv_[op]);
            break;
        }
    }
    finish();
}

/* ---- tally -------------------------------------------------------------------------------------- */

static void on_tally(const struct queue_tally *t, void *arg)
{
    if (t)
        printf("count=%lld heat=%.3f last=%lld\n", t->count, t->heat, t->last_ms);
    else
        printf("error\n");
    finish();
}

static void tally_ready(void)
{
    if (queue_tally_add(q, argv_[3], argv_[4], atoi(argv_[5]), atoll(argv_[6]), atoll(argv_[7]), atoll(argv_[8]),
                        on_tally, NULL) < 0) {
        printf("error\n");
        finish();
    }
}

/* ---------------------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    const char *mode = argc > 2 ? argv[1] : "";
    int ok = (strcmp(mode, "consume") == 0 && argc >= 6) || (strcmp(mode, "budget") == 0 && argc == 7) ||
             (strcmp(mode, "marks") == 0 && argc >= 5) || (strcmp(mode, "tally") == 0 && argc == 9);
    if (!ok) {
        fprintf(stderr, "usage: see the comment at the top of tests/queue/tool_consumer.c\n");
        return 2;
    }
    argc_ = argc;
    argv_ = argv;
    setvbuf(stdout, NULL, _IOLBF, 0);
    vg_log_setup(VG_LOG_INFO, VG_LOG_TEXT);
    signal(SIGPIPE, SIG_IGN);
    base = event_base_new();
    char err[256];
    const char *instance = strcmp(mode, "consume") == 0 ? argv[3] : "tool";
    struct queue_config qc = {.url = argv[2], .prefix = QUEUE_DEFAULT_PREFIX, .instance = instance,
                              .connect_timeout_ms = 2000, .ping_interval_ms = 500, .ping_timeout_ms = 3000,
                              .backoff_max_ms = 500};
    q = queue_new(base, &qc, on_state, NULL, err, sizeof(err));
    if (!q) {
        fprintf(stderr, "tool_consumer: %s\n", err);
        return 1;
    }
    int rc = 0;
    if (strcmp(mode, "consume") == 0) {
        rc = consume(argv[4], argv[5], argc > 6 ? atoll(argv[6]) : 60000);
    } else {
        if (strcmp(mode, "budget") == 0) {
            budget_ev = evtimer_new(base, on_budget_timer, NULL);
            on_ready = budget_ready;
        } else if (strcmp(mode, "marks") == 0) {
            on_ready = run_ops;
        } else {
            on_ready = tally_ready;
        }
        event_base_dispatch(base);
        if (budget_ev)
            event_free(budget_ev);
    }
    queue_free(q, 1000);
    event_base_free(base);
    vg_metrics_free_all();
    return rc;
}
