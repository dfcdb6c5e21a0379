/* websub_show — the subscriptions as the commands print them (see websub_show.h). */
#include "daemon/websub_show.h"
#include "queue/queue_websub.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* "2026-12-17 19:25 UTC" into buf, or "-" for 0. */
static const char *when(int64_t ms, char *buf, size_t len)
{
    if (ms <= 0) {
        snprintf(buf, len, "-");
        return buf;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

static void state_line(const struct queue_websub *s, int64_t now, char *out, size_t len)
{
    char a[32], b[32];
    if (strcmp(s->state, "verified") == 0 && now < s->expires_ms)
        snprintf(out, len, "verified, lease until %s%s", when(s->expires_ms, a, sizeof(a)),
                 s->requested_ms > 0 ? " (renewal asked)" : "");
    else if (strcmp(s->state, "unsubscribing") == 0)
        snprintf(out, len, "unsubscribing (the source was removed)");
    else {
        char next[64] = "";
        if (s->next_try_ms > 0)
            snprintf(next, sizeof(next), ", next try %s", when(s->next_try_ms, b, sizeof(b)));
        snprintf(out, len, "%s, not verified%s%s%s%s", strcmp(s->state, "verified") == 0 ? "lease ended" : "pending",
                 s->last_error[0] ? " (" : "", s->last_error, s->last_error[0] ? ")" : "", next);
    }
}

void websub_show_source(struct queue_sync *q, const char *id, int64_t now_ms)
{
    struct queue_websub s;
    char err[256], line[600];
    if (queue_websub_get(q, id, &s, err, sizeof(err)) != 1)
        return;
    state_line(&s, now_ms, line, sizeof(line));
    printf("websub:       %s\nwebsub hub:   %s\nwebsub topic: %s\n", line, s.hub, s.topic);
    queue_websub_clear(&s);
}

void websub_show_status(const struct queue_websub *v, size_t n, int64_t now_ms)
{
    if (n == 0)
        return;
    size_t verified = 0;
    for (size_t i = 0; i < n; i++)
        verified += strcmp(v[i].state, "verified") == 0 && now_ms < v[i].expires_ms;
    printf("websub   %zu subscription(s), %zu verified (pushed; polled at [websub] poll_interval)\n", n, verified);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].state, "verified") == 0 && now_ms < v[i].expires_ms)
            continue;
        char line[600];
        state_line(&v[i], now_ms, line, sizeof(line));
        printf("  %-22s %s, hub %s\n", v[i].id, line, v[i].hub);
    }
}
