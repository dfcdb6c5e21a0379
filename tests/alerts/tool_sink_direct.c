/* tool_sink_direct — the sink core's direct mode (sink_core.h, what `vigie alerts test` uses)
 * with a sink type of the test's own, "probe", for test_sink_direct.py.
 *
 *   tool_sink_direct BASE_URL PATH...
 *
 * Feeds one record per PATH ({"id": "<PATH>", "n": i}) to a core in direct mode, without any
 * Redis. Probe posts each record to BASE_URL/PATH (one request a record, batches of up to 10);
 * it answers OK for a 2xx, RETRY for a 429 or 5xx (a 429's Retry-After kept), DROP with the
 * body for another 4xx, and calls sink_pause on a 401 (as a CRM sink does for a refused
 * token). Before sending, probe reads its delivery marks and skips a record already marked;
 * after a 2xx it marks it. A direct delivery reads marks as absent and writes none, so every
 * record is sent.
 *
 * Prints one JSON line per response the core reported ({"event":"response", "method", "url",
 * "status", "error", "body"}), per outcome ({"event":"outcome", "id", "outcome", "reason",
 * "retry_after_ms"}), then {"event":"done", "requests", "delivered", "dead_lettered",
 * "sink_queue_null"}. Exit 0 when the loop ended with the core idle. */
#include "http/fetch_http.h"
#include "queue/queue_consumer.h"
#include "sinks/sink.h"
#include "sinks/sink_core.h"
#include "sinks/sink_options.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct probe_config {
    char *base;
};

struct probe {
    struct sink_ctx *ctx;
    const struct probe_config *cfg;
};

static int queue_null = -1; /* whether sink_queue() answered NULL during the delivery */

struct probe_req {
    struct probe *p;
    struct sink_batch *b;
    size_t k;
    size_t *left;
};

static int probe_init(struct sink_ctx *ctx, const void *config, void **state, char *err, size_t errlen)
{
    struct probe *p = vg_calloc(1, sizeof(*p));
    if (!p)
        return -1;
    p->ctx = ctx;
    p->cfg = config;
    *state = p;
    return 0;
}

static void probe_close(void *state) { vg_free(state); }

static void on_answer(struct fetch_response *resp, void *arg)
{
    struct probe_req *r = arg;
    struct sink_record *rec = &r->b->v[r->k];
    if (resp->status >= 200 && resp->status < 300) {
        rec->outcome = SINK_OK;
        sink_mark_set(r->p->ctx, rec->id, "sent");
    } else if (resp->status == 429 || resp->status >= 500 || resp->status == 0) {
        rec->outcome = SINK_RETRY;
        snprintf(rec->reason, sizeof(rec->reason), "%s", resp->reason ? resp->reason : "no answer");
        rec->retry_after_ms = resp->retry_after_s * 1000;
    } else {
        if (resp->status == 401)
            sink_pause(r->p->ctx, 0, "the service refused the token (HTTP 401)");
        rec->outcome = resp->status == 401 ? SINK_RETRY : SINK_DROP;
        snprintf(rec->reason, sizeof(rec->reason), "HTTP %ld: %.*s", resp->status, (int)resp->body.len,
                 resp->body.data ? resp->body.data : "");
    }
    if (--*r->left == 0) {
        struct sink_batch *b = r->b;
        vg_free(r->left);
        vg_free(r);
        sink_batch_done(b);
        return;
    }
    vg_free(r);
}

struct marks_wait {
    struct probe *p;
    struct sink_batch *b;
};

static void on_marks(void *arg, const char *const *values, size_t n)
{
    struct marks_wait *m = arg;
    struct sink_batch *b = m->b;
    struct probe *p = m->p;
    vg_free(m);
    size_t *left = vg_calloc(1, sizeof(*left));
    *left = b->n + 1; /* one more, released at the end, so that no answer ends the batch early */
    for (size_t k = 0; k < b->n; k++) {
        if (values && k < n && values[k]) {
            b->v[k].outcome = SINK_OK; /* delivered before */
            --*left;
            continue;
        }
        char url[512];
        snprintf(url, sizeof(url), "%s/%s", p->cfg->base, b->v[k].id);
        struct fetch_request req = {.url = url, .method = "POST", .body = b->v[k].json,
                                    .body_len = strlen(b->v[k].json)};
        struct probe_req *r = vg_calloc(1, sizeof(*r));
        *r = (struct probe_req){p, b, k, left};
        char err[256];
        if (sink_http(p->ctx, &req, on_answer, r, err, sizeof(err)) < 0) {
            b->v[k].outcome = SINK_RETRY;
            snprintf(b->v[k].reason, sizeof(b->v[k].reason), "%s", err);
            vg_free(r);
            --*left;
        }
    }
    if (--*left == 0) {
        vg_free(left);
        sink_batch_done(b);
    }
}

static void probe_deliver(void *state, struct sink_batch *b)
{
    struct probe *p = state;
    queue_null = sink_queue(p->ctx) == NULL;
    const char **keys = vg_calloc(b->n + 1, sizeof(*keys));
    for (size_t k = 0; k < b->n; k++)
        keys[k] = b->v[k].id;
    struct marks_wait *m = vg_calloc(1, sizeof(*m));
    *m = (struct marks_wait){p, b};
    if (sink_marks_get(p->ctx, keys, b->n, on_marks, m) < 0) {
        vg_free(m);
        for (size_t k = 0; k < b->n; k++)
            b->v[k].outcome = SINK_RETRY;
        sink_batch_done(b);
    }
    vg_free(keys);
}

static const struct vg_option probe_options[] = {{.name = NULL}};

static const struct sink_type probe_type = {
    .name = "probe",
    .summary = "the test's own sink",
    .options = probe_options,
    .config_size = sizeof(struct probe_config),
    .max_batch = 10,
    .streams = "alerts:probe",
    .rate_limit = 1, /* a budget a direct delivery does not ask Redis for (it has none) */
    .rate_window_ms = 60000,
    .init = probe_init,
    .deliver = probe_deliver,
    .close = probe_close,
};

/* ---- the reports ---------------------------------------------------------------------- */

static void on_response(void *arg, const struct fetch_request *req, const struct fetch_response *resp)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "event", "response");
    cJSON_AddStringToObject(o, "method", req->method ? req->method : "GET");
    cJSON_AddStringToObject(o, "url", req->url);
    cJSON_AddNumberToObject(o, "status", (double)resp->status);
    cJSON_AddStringToObject(o, "error", resp->error == FETCH_OK ? "" : resp->reason ? resp->reason : "?");
    char *body = vg_strndup(resp->body.data ? resp->body.data : "", resp->body.len);
    cJSON_AddStringToObject(o, "body", body ? body : "");
    vg_free(body);
    char *t = cJSON_PrintUnformatted(o);
    printf("%s\n", t);
    cJSON_free(t);
    cJSON_Delete(o);
}

static void on_outcome(void *arg, const struct sink_record *r)
{
    static const char *names[] = {"OK", "RETRY", "DROP"};
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "event", "outcome");
    cJSON_AddStringToObject(o, "id", r->id);
    cJSON_AddStringToObject(o, "outcome", names[r->outcome]);
    cJSON_AddStringToObject(o, "reason", r->reason);
    cJSON_AddNumberToObject(o, "retry_after_ms", (double)r->retry_after_ms);
    char *t = cJSON_PrintUnformatted(o);
    printf("%s\n", t);
    cJSON_free(t);
    cJSON_Delete(o);
}

struct run {
    struct event_base *base;
    struct sink_core *core;
};

static void on_check(evutil_socket_t fd, short what, void *arg)
{
    struct run *r = arg;
    if (sink_core_idle(r->core))
        event_base_loopbreak(r->base);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: tool_sink_direct BASE_URL PATH...\n");
        return 2;
    }
    vg_log_setup(VG_LOG_WARNING, VG_LOG_TEXT);
    struct run run = {0};
    run.base = event_base_new();
    struct probe_config cfg = {argv[1]};
    struct sink_common_config common = {
        .enabled = 1, .batch = 10, .linger_ms = 60000, /* direct: no lingering whatever this says */
        .max_attempts = 5, .backoff_min_ms = 100, .backoff_max_ms = 1000,
        .rate_limit = 1, .rate_window_ms = 60000, .timeout_ms = 5000, .allow_private = "127.0.0.1",
    };
    struct sink_env env = {
        .base = run.base,
        .instance = "t1",
        .state_dir = ".",
        .reclaim_idle_ms = 60000,
        .direct = 1,
        .on_response = on_response,
        .on_outcome = on_outcome,
    };
    char err[512] = "";
    run.core = sink_core_new(&env, &probe_type, &common, &cfg, err, sizeof(err));
    if (!run.core) {
        fprintf(stderr, "tool_sink_direct: %s\n", err);
        return 1;
    }
    size_t n = (size_t)argc - 2;
    struct queue_msg *msgs = vg_calloc(n, sizeof(*msgs));
    char **payloads = vg_calloc(n, sizeof(*payloads));
    char ids[64][24];
    if (n > 64)
        n = 64;
    for (size_t i = 0; i < n; i++) {
        payloads[i] = vg_asprintf("{\"id\":\"%s\",\"n\":%zu}", argv[2 + i], i);
        snprintf(ids[i], sizeof(ids[i]), "0-%zu", i + 1);
        msgs[i] = (struct queue_msg){"alerts:probe", ids[i], "alert", payloads[i], strlen(payloads[i]), 1, NULL};
    }
    sink_core_start(run.core);
    sink_core_feed(run.core, msgs, n);
    struct event *ev = event_new(run.base, -1, EV_PERSIST, on_check, &run);
    struct timeval tv = {0, 10000};
    event_add(ev, &tv);
    event_base_dispatch(run.base);
    struct sink_status st;
    sink_core_status(run.core, &st);
    printf("{\"event\":\"done\",\"requests\":%llu,\"delivered\":%llu,\"dead_lettered\":%llu,\"in_hand\":%zu,"
           "\"sink_queue_null\":%d}\n",
           (unsigned long long)st.requests, (unsigned long long)st.delivered,
           (unsigned long long)st.dead_lettered, st.in_hand, queue_null);
    event_free(ev);
    sink_core_free(run.core);
    event_base_free(run.base);
    for (size_t i = 0; i < n; i++)
        vg_free(payloads[i]);
    vg_free(payloads);
    vg_free(msgs);
    return 0;
}
