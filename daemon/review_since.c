/* review_since — each account's change since the previous saved review (see review_since.h). */
#include "daemon/review_since.h"
#include "queue/queue_series.h"
#include "util/vg_alloc.h"
#include "util/vg_json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int review_since_read(struct queue_sync *q, const cJSON *past, const char *const *ids, size_t n,
                      long long half_life_ms, struct review_since *out)
{
    memset(out, 0, n * sizeof(*out));
    int np = cJSON_GetArraySize(past);
    if (!n || np == 0)
        return 0;
    const cJSON *prev = cJSON_GetArrayItem(past, np - 1);
    long long id = (long long)vg_json_num(prev, "id", 0);
    int64_t at = (int64_t)vg_json_num(prev, "ms", 0);
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(prev, "rows");
    int *counts = vg_calloc(n, sizeof(*counts));
    char err[512];
    if (!counts) {
        fprintf(stderr, "vigie: out of memory\n");
        return -1;
    }
    /* published after the review was made: a signal of that very millisecond was in it */
    if (queue_series_index(q, half_life_ms, 0, NULL, err, sizeof(err)) < 0) /* shown without them */
        fprintf(stderr, "vigie: the accounts' series miss the stream's newest signals: %s\n", err);
    if (queue_series_count_since(q, ids, n, at + 1, counts, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie: signals since review %lld: %s\n", id, err);
        vg_free(counts);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = (struct review_since){id, at, 0, 0, counts[i]};
        const cJSON *r;
        cJSON_ArrayForEach(r, rows)
        {
            const cJSON *rid = cJSON_GetObjectItemCaseSensitive(r, "id");
            if (cJSON_IsString(rid) && strcmp(rid->valuestring, ids[i]) == 0) {
                out[i].in_previous = 1;
                out[i].heat_then = vg_json_num(r, "heat", 0);
                break;
            }
        }
    }
    vg_free(counts);
    return 0;
}

static void day_of(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

cJSON *review_since_json(const struct review_since *s, double heat_now)
{
    if (!s->review)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    char at[32];
    day_of(s->at_ms, at);
    cJSON_AddNumberToObject(o, "review", (double)s->review);
    cJSON_AddStringToObject(o, "at", at);
    if (s->in_previous)
        cJSON_AddNumberToObject(o, "heat_then", s->heat_then);
    else
        cJSON_AddNullToObject(o, "heat_then");
    cJSON_AddNumberToObject(o, "heat_now", round(heat_now * 10) / 10);
    cJSON_AddNumberToObject(o, "signals", s->signals);
    return o;
}

void review_since_print(const struct review_since *s, const char *const *ids, const double *heat_now, size_t n)
{
    if (!n || !s[0].review)
        return;
    char at[32];
    day_of(s[0].at_ms, at);
    at[10] = '\0';
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        double now = round(heat_now[i] * 10) / 10;
        int moved = !s[i].in_previous || fabs(now - s[i].heat_then) >= 5;
        if (!moved && !s[i].signals)
            continue;
        if (!any)
            printf("\nSince review %lld of %s:\n", s[i].review, at);
        any = 1;
        if (s[i].in_previous)
            printf("  %-16.16s heat %3.0f -> %3.0f, %d signal(s)\n", ids[i], s[i].heat_then, now, s[i].signals);
        else
            printf("  %-16.16s not in it; heat %3.0f, %d signal(s)\n", ids[i], now, s[i].signals);
    }
    if (!any)
        printf("\nSince review %lld of %s: no new signal, no heat moved by 5 or more.\n", s[0].review, at);
}
