/* cmd_alerts_test — `vigie alerts test --receiver NAME [--owner-email ADDR] [--owner-slack ID]`:
 * a sample alert (daemon/alert_sample.h), marked as a test, sent now through each channel of
 * [receiver.NAME], and what each channel answered.
 *
 * Each channel's sink runs in the core's direct mode (sinks/sink_core.h): its own requests,
 * built from the message exactly as the daemon's would be, really sent, but without Redis —
 * no stream, no acknowledgement, no mark, no rate budget — so a test can be run with the
 * daemon stopped or running, and changes nothing it keeps. Exit 0 only when every channel
 * accepted the alert; 1 when one did not or could not be tried; 2 for bad usage (also a target
 * `owner` without the flag that gives its address: nothing is sent then). */
#include "daemon/alert_sample.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "http/fetch_http.h"
#include "sinks/alert_config.h"
#include "sinks/sink.h"
#include "sinks/sink_core.h"
#include "queue/queue_consumer.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"
#include "util/vg_time.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: vigie alerts [-c FILE] test --receiver NAME [--owner-email ADDR] [--owner-slack ID]\n"
    "  Sends a sample alert, its title starting with \"" ALERT_SAMPLE_TITLE_MARK "\", through every channel of\n"
    "  [receiver.NAME] now (not through Redis: the daemon need not run), and prints what each\n"
    "  channel answered. A target `owner` takes its address from --owner-email (e-mail) or\n"
    "  --owner-slack (a Slack user or channel id). Exit 0 only when every channel accepted it.\n";

/* Longest wait for one channel, beyond its own request timeout (a sink that waits out a 429
 * and tries again, an SMTP dialogue). */
#define CHANNEL_GRACE_MS 30000
#define BODY_EXCERPT 300

struct response_line {
    char *text;
    struct response_line *next;
};

struct channel_run {
    struct event_base *base;
    struct sink_core *core;
    struct event *check, *guard;
    struct response_line *lines, **tail;
    int answered;                /* an outcome came back */
    enum sink_outcome outcome;
    char reason[256];
    long retry_after_ms;
    int timed_out;
};

/* A URL as it may be printed: channel URLs carry their secret in the path (a Slack webhook's
 * token, a Teams workflow's id) or the query (a workflow's `sig`): the query goes whole, and
 * any path segment long enough to be a token is masked. */
static void url_for_print(const char *url, char *out, size_t outlen)
{
    const char *scheme_end = strstr(url, "://");
    const char *path = scheme_end ? strchr(scheme_end + 3, '/') : NULL;
    size_t n = 0;
    if (!path) {
        snprintf(out, outlen, "%.*s", (int)strcspn(url, "?#"), url);
        return;
    }
    const char *at = memchr(url, '@', (size_t)(path - url)); /* no userinfo */
    n = (size_t)snprintf(out, outlen, "%.*s", (int)(scheme_end + 3 - url), url);
    const char *host = at ? at + 1 : scheme_end + 3;
    n += (size_t)snprintf(out + n, n < outlen ? outlen - n : 0, "%.*s", (int)(path - host), host);
    const char *p = path;
    while (*p && *p != '?' && *p != '#' && n < outlen) {
        size_t seg = strcspn(p + 1, "/?#");
        if (seg >= 20)
            n += (size_t)snprintf(out + n, outlen - n, "/***");
        else
            n += (size_t)snprintf(out + n, outlen - n, "/%.*s", (int)seg, p + 1);
        p += 1 + seg;
    }
    if (*p == '?' && n < outlen)
        snprintf(out + n, outlen - n, "?***");
}

/* The body's start on one line, control characters shown as spaces. */
static void excerpt(const char *body, size_t len, char *out, size_t outlen)
{
    size_t n = 0, i = 0;
    for (; i < len && i < BODY_EXCERPT && n + 1 < outlen; i++) {
        unsigned char c = (unsigned char)body[i];
        out[n++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    out[n] = '\0';
    /* do not end inside a UTF-8 sequence */
    while (n > 0 && ((unsigned char)out[n - 1] & 0xC0) == 0x80)
        n--;
    if (n > 0 && ((unsigned char)out[n - 1] & 0xC0) == 0xC0)
        n--;
    if (i < len || n < strlen(out)) {
        out[n] = '\0';
        snprintf(out + n, outlen - n, "…");
    }
}

static void on_response(void *arg, const struct fetch_request *req, const struct fetch_response *resp)
{
    struct channel_run *r = arg;
    char url[512], body[BODY_EXCERPT * 2 + 8], line[1400];
    url_for_print(req->url ? req->url : "", url, sizeof(url));
    excerpt(resp->body.data ? resp->body.data : "", resp->body.len, body, sizeof(body));
    if (resp->status)
        snprintf(line, sizeof(line), "%s %s -> HTTP %ld%s%s", req->method ? req->method : "GET", url, resp->status,
                 body[0] ? ": " : " (empty body)", body);
    else
        snprintf(line, sizeof(line), "%s %s -> no answer: %s", req->method ? req->method : "GET", url,
                 resp->reason && resp->reason[0] ? resp->reason : "?");
    struct response_line *l = vg_calloc(1, sizeof(*l));
    if (!l || !(l->text = vg_strdup(line))) {
        vg_free(l);
        return;
    }
    *r->tail = l;
    r->tail = &l->next;
}

static void on_outcome(void *arg, const struct sink_record *rec)
{
    struct channel_run *r = arg;
    r->answered = 1;
    r->outcome = rec->outcome;
    r->retry_after_ms = rec->retry_after_ms;
    snprintf(r->reason, sizeof(r->reason), "%s", rec->reason);
}

static void on_check(evutil_socket_t fd, short what, void *arg)
{
    struct channel_run *r = arg;
    if (sink_core_idle(r->core))
        event_base_loopbreak(r->base);
}

static void on_guard(evutil_socket_t fd, short what, void *arg)
{
    struct channel_run *r = arg;
    r->timed_out = 1;
    event_base_loopbreak(r->base);
}

/* Runs the channel's sink in direct mode over the one message; 1 when the channel accepted
 * it. Prints what it answered. */
static int run_channel(const struct vg_config *cfg, const struct vg_sink_section *sec, const char *message)
{
    struct channel_run r = {0};
    r.tail = &r.lines;
    r.base = event_base_new();
    if (!r.base) {
        printf("  could not be tried: no event loop\n");
        return 0;
    }
    struct sink_env env = {
        .base = r.base,
        .instance = cfg->instance,
        .state_dir = cfg->state_dir,
        .peer = vg_config_sink_peer,
        .console_url = cfg->console_public_url,
        .peer_arg = (void *)cfg,
        .reclaim_idle_ms = cfg->pipe_reclaim_idle_ms,
        .dedup_ttl_s = cfg->pipe_dedup_ttl_ms / 1000,
        .direct = 1,
        .on_response = on_response,
        .on_outcome = on_outcome,
        .report_arg = &r,
    };
    char err[512] = "";
    int accepted = 0;
    r.core = sink_core_new(&env, sec->type, &sec->common, sec->config, err, sizeof(err));
    if (!r.core) {
        printf("  could not be tried: [%s]: %s\n", sec->name, err);
        event_base_free(r.base);
        return 0;
    }
    char stream[96];
    snprintf(stream, sizeof(stream), "alerts:%s", sec->name);
    struct queue_msg m = {stream, "0-1", "alert", message, strlen(message), 1, NULL};
    sink_core_start(r.core);
    sink_core_feed(r.core, &m, 1);
    r.check = event_new(r.base, -1, EV_PERSIST, on_check, &r);
    r.guard = evtimer_new(r.base, on_guard, &r);
    struct timeval tick = {0, 20000};
    event_add(r.check, &tick);
    struct timeval limit = vg_tv_ms(sec->common.timeout_ms + CHANNEL_GRACE_MS);
    evtimer_add(r.guard, &limit);
    event_base_dispatch(r.base);

    for (struct response_line *l = r.lines; l; l = l->next)
        printf("  %s\n", l->text);
    if (!r.answered) {
        printf("  no outcome after %llds: the channel did not finish\n",
               (long long)(sec->common.timeout_ms + CHANNEL_GRACE_MS) / 1000);
    } else if (r.outcome == SINK_OK) {
        printf("  OK: the channel accepted the alert\n");
        accepted = 1;
    } else {
        printf("  %s: %s", r.outcome == SINK_DROP ? "DROP (refused for good)" : "RETRY (a passing fault)",
               r.reason[0] ? r.reason : "no reason given");
        if (r.outcome == SINK_RETRY && r.retry_after_ms > 0)
            printf(" (the channel asks to wait %.0fs)", (double)r.retry_after_ms / 1000.0);
        printf("\n");
    }
    event_free(r.check);
    event_free(r.guard);
    sink_core_stop(r.core, NULL, NULL);
    sink_core_free(r.core);
    event_base_free(r.base);
    while (r.lines) {
        struct response_line *l = r.lines;
        r.lines = l->next;
        vg_free(l->text);
        vg_free(l);
    }
    return accepted;
}

/* The receiver's target for a channel as the router resolves it, or NULL with the missing
 * flag named in why. */
static const char *resolve_target(enum alert_channel ch, const char *target, const char *owner_email,
                                  const char *owner_slack, char *why, size_t whylen)
{
    if (ch == ALERT_TEAMS || ch == ALERT_WEBHOOK)
        return ""; /* the section's own URL */
    if (strcmp(target, "owner") != 0)
        return target;
    if (ch == ALERT_SLACK && !owner_slack)
        snprintf(why, whylen, "slack = owner: give the owner's Slack user or channel id with --owner-slack ID");
    else if (ch == ALERT_EMAIL && !owner_email)
        snprintf(why, whylen, "email = owner: give the owner's address with --owner-email ADDR");
    else
        return ch == ALERT_SLACK ? owner_slack : owner_email;
    return NULL;
}

int cmd_alerts_test(const char *config, int argc, char **argv)
{
    const char *receiver = NULL, *owner_email = NULL, *owner_slack = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        const char **slot = strcmp(a, "--receiver") == 0      ? &receiver
                            : strcmp(a, "--owner-email") == 0 ? &owner_email
                            : strcmp(a, "--owner-slack") == 0 ? &owner_slack
                                                              : NULL;
        if (!slot) {
            fprintf(stderr, "vigie alerts test: unknown argument '%s'\n", a);
            fputs(usage, stderr);
            return 2;
        }
        if (i + 1 >= argc || !argv[i + 1][0]) {
            fprintf(stderr, "vigie alerts test: %s needs a value\n", a);
            return 2;
        }
        *slot = argv[++i];
    }
    if (!receiver) {
        fprintf(stderr, "vigie alerts test: which receiver? --receiver NAME (a [receiver.NAME] section)\n");
        fputs(usage, stderr);
        return 2;
    }
    if (owner_email && !strchr(owner_email, '@')) {
        fprintf(stderr, "vigie alerts test: --owner-email '%s' is not an address\n", owner_email);
        return 2;
    }
    if (!config && access(VG_DEFAULT_CONFIG, F_OK) == 0)
        config = VG_DEFAULT_CONFIG;
    /* the report is what the channels answered; the sinks' own info lines would only repeat it */
    if (vg_log_level > VG_LOG_WARNING)
        vg_log_setup(VG_LOG_WARNING, VG_LOG_AUTO);
    char err[512];
    struct vg_config *cfg = vg_config_load(config, err, sizeof(err));
    if (!cfg) {
        fprintf(stderr, "vigie: %s\n", err);
        return 1;
    }
    const char *file = cfg->file ? cfg->file : "the built-in defaults";
    int rc = 1;
    const struct vg_sink_section *alerts = vg_config_sink(cfg, "alerts");
    const struct alert_config *ac = alerts ? alerts->config : NULL;
    const struct alert_receiver *rcv = ac ? alert_receiver_find(ac, receiver) : NULL;
    if (!ac) {
        fprintf(stderr, "vigie: no [alerts] section in %s: receivers are part of the alert routing\n", file);
        goto out;
    }
    if (!rcv) {
        fprintf(stderr, "vigie: no [receiver.%s] in %s (receivers:", receiver, file);
        for (size_t i = 0; i < ac->n_receivers; i++)
            fprintf(stderr, " %s", ac->receivers[i].name);
        fprintf(stderr, "%s)\n", ac->n_receivers ? "" : " none");
        goto out;
    }
    /* every target first: a test that cannot try every channel sends nothing */
    const char *targets[ALERT_N_CHANNELS] = {0};
    int missing = 0, channels = 0;
    for (int ch = 0; ch < ALERT_N_CHANNELS; ch++) {
        if (!rcv->target[ch])
            continue;
        char why[256];
        channels++;
        targets[ch] = resolve_target((enum alert_channel)ch, rcv->target[ch], owner_email, owner_slack, why,
                                     sizeof(why));
        if (!targets[ch]) {
            fprintf(stderr, "vigie alerts test: [receiver.%s] %s\n", receiver, why);
            missing++;
        }
    }
    if (missing) {
        fprintf(stderr, "vigie alerts test: nothing was sent\n");
        rc = 2;
        goto out;
    }
    if (!channels) {
        fprintf(stderr, "vigie: [receiver.%s] has no channel (slack, teams, webhook or email)\n", receiver);
        goto out;
    }
    struct alert_sample_owner owner = {owner_email, owner_slack, ac->timezone};
    int accepted = 0;
    int64_t now = vg_clock_ms();
    for (int ch = 0; ch < ALERT_N_CHANNELS; ch++) {
        if (!targets[ch])
            continue;
        const char *name = alert_channel_name((enum alert_channel)ch);
        const struct vg_sink_section *sec = vg_config_sink(cfg, name);
        printf("%s%s%s%s\n", name, targets[ch][0] ? " (" : "", targets[ch], targets[ch][0] ? ")" : "");
        if (!sec) {
            printf("  could not be tried: no [sink.%s] section in %s\n", name, file);
            continue;
        }
        if (!sec->common.enabled)
            printf("  ([sink.%s] is disabled: the daemon would not deliver to it; tried anyway)\n", name);
        char *message = alert_sample_message(name, targets[ch], receiver, &owner, now);
        if (!message) {
            printf("  could not be tried: out of memory\n");
            continue;
        }
        accepted += run_channel(cfg, sec, message);
        vg_free(message);
    }
    printf("\n%d of %d channel(s) accepted the test alert\n", accepted, channels);
    rc = accepted == channels ? 0 : 1;
out:
    vg_config_free(cfg);
    return rc;
}
