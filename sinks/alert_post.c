/* alert_post — one POST per alert message, at most once (see alert_post.h). */
#include "sinks/alert_post.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http/fetch_http.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"
#include "util/vg_utf8.h"

#define ID_MAX 64

enum ap_state { AP_TODO = 0, AP_SETTLED };

struct ap_job {
    struct sink_ctx *ctx;
    const struct alert_post_ops *ops;
    void *state;
    struct sink_batch *b;
    unsigned char *st;      /* per record: AP_TODO or AP_SETTLED */
    size_t next;            /* the next record to send */
    /* Once the service throttles, is down or refuses the configuration, the rest of the batch
     * is not sent: it waits with this reason. */
    int stopped;
    char stop_reason[256];
    long stop_retry_ms;
    int in_send, answered_inline;
};

void alert_post_clean(const char *s, size_t len, size_t max, char *out, size_t outlen)
{
    size_t o = 0;
    if (!outlen)
        return;
    if (max >= outlen)
        max = outlen - 1;
    for (size_t i = 0; s && i < len && o < max;) {
        int32_t cp;
        size_t n = vg_utf8_next((const unsigned char *)s + i, len - i, &cp);
        if (cp < 0) {
            out[o++] = '?';
            i++;
            continue;
        }
        if (cp < 0x20 || cp == 0x7f) {
            if (o && out[o - 1] != ' ')
                out[o++] = ' ';
            i += n;
            continue;
        }
        if (o + n > max)
            break;
        memcpy(out + o, s + i, n);
        o += n;
        i += n;
    }
    while (o && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
}

/* The id a receiver dedupes on, and Standard Webhooks' webhook-id: letters, digits, '_' and
 * '-' only (never a '.', which the signed content uses as its separator). */
static int id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > ID_MAX)
        return 0;
    for (const char *p = id; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
              *p == '-'))
            return 0;
    return 1;
}

static void settle(struct ap_job *j, size_t i, enum sink_outcome o, const char *reason, long retry_ms)
{
    struct sink_record *r = &j->b->v[i];
    r->outcome = o;
    r->retry_after_ms = retry_ms;
    snprintf(r->reason, sizeof r->reason, "%s", reason ? reason : "");
    j->st[i] = AP_SETTLED;
}

static void finish(struct ap_job *j)
{
    struct sink_batch *b = j->b;
    vg_free(j->st);
    vg_free(j);
    sink_batch_done(b);
}

static void stop_batch(struct ap_job *j, const char *reason, long retry_ms)
{
    j->stopped = 1;
    snprintf(j->stop_reason, sizeof j->stop_reason, "%s", reason);
    j->stop_retry_ms = retry_ms;
}

/* What the answer to record i means (alert_post.h). */
static void on_answer(struct ap_job *j, size_t i, const struct fetch_response *resp)
{
    const struct alert_post_ops *ops = j->ops;
    const struct sink_record *r = &j->b->v[i];
    char said[160], why[256];
    long status = resp->status;
    if (sink_previewing(j->ctx)) {
        settle(j, i, SINK_OK, "", 0);
        return;
    }
    if (status >= 200 && status < 300) {
        char key[ID_MAX + 8], value[32];
        snprintf(key, sizeof key, "sent:%s", r->id);
        snprintf(value, sizeof value, "%lld", (long long)time(NULL));
        sink_mark_set(j->ctx, key, value);
        settle(j, i, SINK_OK, "", 0);
        return;
    }
    alert_post_clean(resp->body.data, resp->body.len, 120, said, sizeof said);
    const char *sep = *said ? ": " : "";
    long retry_ms = resp->retry_after_given ? resp->retry_after_s * 1000L : 0;
    if (status == 0) {
        enum fetch_error e = resp->error;
        if (e == FETCH_ERR_REFUSED_ADDRESS || e == FETCH_ERR_BAD_URL || e == FETCH_ERR_PROTOCOL ||
            e == FETCH_ERR_REDIRECTS) {
            sink_pause(j->ctx, 0, "%s cannot be reached as configured (%s): fix %s url or allow_private and reload",
                       ops->vendor, resp->reason, ops->section);
            snprintf(why, sizeof why, "paused: %s", resp->reason);
            settle(j, i, SINK_RETRY, why, 0);
            stop_batch(j, why, 0);
            return;
        }
        snprintf(why, sizeof why, "%s unreachable: %s", ops->vendor, *resp->reason ? resp->reason : "no answer");
        settle(j, i, SINK_RETRY, why, 0);
        stop_batch(j, why, 0);
        return;
    }
    if (status == 408 || status == 429 || status >= 500) {
        snprintf(why, sizeof why, "%s answered %ld%s%s", ops->vendor, status, sep, said);
        settle(j, i, SINK_RETRY, why, retry_ms);
        stop_batch(j, why, retry_ms);
        return;
    }
    if (status == 401 || status == 403 || status == 404 || status == 410 || (status >= 300 && status < 400)) {
        const char *what = status == 410   ? "says the endpoint is gone"
                           : status >= 400 ? "refused the request"
                                           : "redirects the request";
        sink_pause(j->ctx, 0, "%s %s (%ld%s%.80s): fix %s url and reload", ops->vendor, what, status, sep, said,
                   ops->section);
        snprintf(why, sizeof why, "paused: %s %s (%ld)", ops->vendor, what, status);
        settle(j, i, SINK_RETRY, why, 0);
        stop_batch(j, why, 0);
        return;
    }
    snprintf(why, sizeof why, "%s refused it (%ld%s%s)", ops->vendor, status, sep, said);
    settle(j, i, SINK_DROP, why, 0);
}

static void advance(struct ap_job *j);

static void on_http(struct fetch_response *resp, void *arg)
{
    struct ap_job *j = arg;
    on_answer(j, j->next, resp);
    j->next++;
    if (j->in_send) {
        j->answered_inline = 1;
        return;
    }
    advance(j);
}

/* 1 when the request is in flight (its answer goes on), 0 when settled already. */
static int send_one(struct ap_job *j, size_t i)
{
    struct alert_req req = {0};
    char why[256] = "";
    vg_buf_init(&req.body, 0);
    int rc = j->ops->build(j->state, &j->b->v[i], &req, why, sizeof why);
    if (rc == 0 && vg_buf_check(&req.body) < 0) {
        rc = -2;
        snprintf(why, sizeof why, "out of memory building the request");
    }
    int inflight = 0;
    if (rc == 0) {
        const char *headers[ALERT_POST_HEADERS + 2];
        size_t h = 0;
        for (size_t k = 0; k < ALERT_POST_HEADERS && req.headers[k]; k++)
            headers[h++] = req.headers[k];
        headers[h++] = "Accept: application/json, text/plain, */*";
        headers[h] = NULL;
        struct fetch_request fr = {
            .url = j->ops->url(j->state),
            .method = "POST",
            .body = req.body.data ? req.body.data : "",
            .body_len = req.body.len,
            .content_type = "application/json",
            .headers = headers,
            .max_body = 64 << 10,
        };
        char err[256];
        j->in_send = 1;
        j->answered_inline = 0;
        if (sink_http(j->ctx, &fr, on_http, j, err, sizeof err) < 0) {
            snprintf(why, sizeof why, "%s", err);
            rc = -2;
        } else {
            inflight = !j->answered_inline;
        }
        j->in_send = 0;
    }
    vg_buf_free(&req.body);
    for (size_t k = 0; k < ALERT_POST_HEADERS; k++) {
        if (req.headers[k])
            memset(req.headers[k], 0, strlen(req.headers[k]));
        vg_free(req.headers[k]);
    }
    if (rc == -1) {
        settle(j, i, SINK_DROP, why, 0);
        j->next++;
    } else if (rc == -2) {
        /* Our own fault (memory): the message waits. */
        settle(j, i, SINK_RETRY, why, 0);
        stop_batch(j, why, 0);
        j->next++;
    }
    return inflight;
}

static void advance(struct ap_job *j)
{
    while (j->next < j->b->n) {
        size_t i = j->next;
        if (j->st[i] == AP_SETTLED) {
            j->next++;
            continue;
        }
        if (j->stopped) {
            char why[256];
            snprintf(why, sizeof why, "not sent: %.200s", j->stop_reason);
            settle(j, i, SINK_RETRY, why, j->stop_retry_ms);
            j->next++;
            continue;
        }
        if (send_one(j, i))
            return; /* on_http goes on */
    }
    finish(j);
}

static void on_marks(void *arg, const char *const *values, size_t n)
{
    struct ap_job *j = arg;
    size_t k = 0;
    for (size_t i = 0; i < j->b->n; i++) {
        if (j->st[i] != AP_TODO)
            continue;
        if (!values) {
            settle(j, i, SINK_RETRY, "Redis did not answer the delivery marks", 0);
        } else if (k < n && values[k]) {
            settle(j, i, SINK_OK, "", 0); /* sent before: a redelivery */
        }
        k++;
    }
    j->next = 0;
    advance(j);
}

void alert_post_deliver(struct sink_ctx *ctx, const struct alert_post_ops *ops, void *state, struct sink_batch *b)
{
    struct ap_job *j = vg_calloc(1, sizeof *j);
    unsigned char *st = vg_calloc(b->n ? b->n : 1, 1);
    if (!j || !st) {
        vg_free(j);
        vg_free(st);
        for (size_t i = 0; i < b->n; i++) {
            b->v[i].outcome = SINK_RETRY;
            snprintf(b->v[i].reason, sizeof b->v[i].reason, "out of memory");
        }
        sink_batch_done(b);
        return;
    }
    *j = (struct ap_job){.ctx = ctx, .ops = ops, .state = state, .b = b, .st = st};
    size_t todo = 0;
    for (size_t i = 0; i < b->n; i++) {
        struct sink_record *r = &b->v[i];
        r->outcome = SINK_OK;
        r->reason[0] = '\0';
        r->retry_after_ms = 0;
        const cJSON *kind = cJSON_IsObject(r->doc) ? cJSON_GetObjectItemCaseSensitive(r->doc, "kind") : NULL;
        if (strcmp(r->field, "alert") != 0 || !cJSON_IsString(kind)) {
            settle(j, i, SINK_DROP, "not an alert message (a JSON object in the field alert, with a kind)", 0);
        } else if (strcmp(kind->valuestring, "alert") != 0) {
            char why[160];
            snprintf(why, sizeof why, "a message of kind '%.40s': this sink sends kind alert only", kind->valuestring);
            settle(j, i, SINK_DROP, why, 0);
        } else if (!r->id || !id_ok(r->id)) {
            settle(j, i, SINK_DROP, "the alert message has no valid id (letters, digits, '_' and '-', at most 64)", 0);
        } else {
            todo++;
        }
    }
    /* A message twice in the batch (written again) is sent once, as its later entry. */
    for (size_t i = 0; i < b->n; i++)
        for (size_t k = i + 1; k < b->n && st[i] == AP_TODO; k++)
            if (st[k] == AP_TODO && strcmp(b->v[i].id, b->v[k].id) == 0) {
                settle(j, i, SINK_OK, "", 0);
                todo--;
            }
    if (!todo) {
        finish(j);
        return;
    }
    char **keys = vg_calloc(todo, sizeof *keys);
    size_t n = 0;
    int ok = keys != NULL;
    for (size_t i = 0; ok && i < b->n; i++)
        if (st[i] == AP_TODO)
            ok = (keys[n++] = vg_asprintf("sent:%s", b->v[i].id)) != NULL;
    if (!ok || sink_marks_get(ctx, (const char *const *)keys, n, on_marks, j) < 0) {
        for (size_t i = 0; i < b->n; i++)
            if (st[i] == AP_TODO)
                settle(j, i, SINK_RETRY, ok ? "Redis did not answer the delivery marks" : "out of memory", 0);
        for (size_t k = 0; keys && k < n; k++)
            vg_free(keys[k]);
        vg_free(keys);
        finish(j);
        return;
    }
    for (size_t k = 0; k < n; k++)
        vg_free(keys[k]);
    vg_free(keys);
}
