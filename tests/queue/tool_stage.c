/* tool_stage — runs one queue_stage with a trivial handler against a real Redis, for the
 * delivery tests (test_stage.py) and the queue benchmark.
 *
 * usage: tool_stage URL INSTANCE [RECLAIM_IDLE_MS] [MAX_DELIVERIES]
 * Reads stream "items" with group "trivial"; for each entry writes one output (its payload) to
 * stream "signals", without a dedup id: that each entry is written once rests on the
 * acknowledgement gating the write (vigie_stage_write), which is what the tests check, and
 * TOOL_STAGE_DEDUP=1 adds the JSON "id" as dedup id. An entry whose payload contains
 * "POISON" fails every time. Runs until SIGTERM (exit 0 after draining). TOOL_STAGE_DELAY_US
 * slows each entry down, so that a test can kill a process in the middle of a run. */
#include "queue/queue.h"
#include "queue/queue_stage.h"
#include "util/vg_log.h"
#include "util/vg_metrics.h"

#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct event_base *base;
static struct queue *q;
static struct queue_stage *stage;

static unsigned delay_us;
static int use_dedup;

static int trivial(void *arg, const char *entry_id, const char *payload, size_t len, struct queue_outputs *out,
                   char *err, size_t errlen)
{
    if (delay_us)
        usleep(delay_us);
    if (strstr(payload, "POISON")) {
        snprintf(err, errlen, "poison item: refused on purpose");
        return -1;
    }
    const char *id = use_dedup ? strstr(payload, "\"id\":\"") : NULL;
    char key[64] = "";
    if (id) {
        id += 6;
        size_t n = strcspn(id, "\"");
        if (n >= sizeof(key))
            n = sizeof(key) - 1;
        memcpy(key, id, n);
        key[n] = '\0';
    }
    return queue_outputs_add(out, "signals", "signal", key[0] ? key : NULL, payload);
}

static void on_state(int up, void *arg)
{
    if (up) {
        queue_stage_start(stage);
        fprintf(stderr, "tool_stage: ready\n");
    }
}

static void on_closed(void *arg) { event_base_loopexit(base, NULL); }

static void on_drained(void *arg) { queue_close(q, on_closed, NULL); }

static void on_term(evutil_socket_t fd, short what, void *arg) { queue_stage_stop(stage, on_drained, NULL); }

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: tool_stage URL INSTANCE [RECLAIM_IDLE_MS] [MAX_DELIVERIES]\n");
        return 2;
    }
    vg_log_setup(VG_LOG_INFO, VG_LOG_TEXT);
    if (getenv("TOOL_STAGE_DELAY_US"))
        delay_us = (unsigned)atoi(getenv("TOOL_STAGE_DELAY_US"));
    use_dedup = getenv("TOOL_STAGE_DEDUP") && strcmp(getenv("TOOL_STAGE_DEDUP"), "1") == 0;
    signal(SIGPIPE, SIG_IGN);
    base = event_base_new();
    char err[256];
    struct queue_config qc = {.url = argv[1], .prefix = "vigie:", .instance = argv[2],
                              .connect_timeout_ms = 2000, .ping_interval_ms = 500, .ping_timeout_ms = 3000,
                              .backoff_max_ms = 500};
    q = queue_new(base, &qc, on_state, NULL, err, sizeof(err));
    if (!q) {
        fprintf(stderr, "tool_stage: %s\n", err);
        return 1;
    }
    struct queue_stage_config sc = {.stream = "items", .group = "trivial", .batch = 256, .block_ms = 500,
                                    .reclaim_idle_ms = argc > 3 ? atoll(argv[3]) : 2000,
                                    .max_deliveries = argc > 4 ? atoi(argv[4]) : 3,
                                    .maxlen = getenv("TOOL_STAGE_MAXLEN") ? atoll(getenv("TOOL_STAGE_MAXLEN")) : 0,
                                    .dlq_maxlen = getenv("TOOL_STAGE_DLQ_MAXLEN") ? atoll(getenv("TOOL_STAGE_DLQ_MAXLEN")) : 0};
    stage = queue_stage_new(q, &sc, trivial, NULL, err, sizeof(err));
    if (!stage) {
        fprintf(stderr, "tool_stage: %s\n", err);
        return 1;
    }
    struct event *term = evsignal_new(base, SIGTERM, on_term, NULL);
    event_add(term, NULL);
    event_base_dispatch(base);
    struct queue_stage_stats st;
    queue_stage_stats(stage, &st);
    printf("handled=%llu failed=%llu reclaimed=%llu dead=%llu outputs=%llu duplicates=%llu\n",
           (unsigned long long)st.handled, (unsigned long long)st.failed, (unsigned long long)st.reclaimed,
           (unsigned long long)st.dead_lettered, (unsigned long long)st.outputs,
           (unsigned long long)st.output_duplicates);
    queue_free(q, 1000);
    queue_stage_free(stage);
    event_free(term);
    event_base_free(base);
    vg_metrics_free_all();
    return 0;
}
