/* cmd_status — `vigie status` and `vigie dlq list|show|replay|drop`: the state of the
 * pipeline as Redis holds it, shared by every vigie process. */
#include "daemon/cli_queue.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "daemon/websub_show.h"
#include "daemon/status_data.h"
#include "util/vg_alloc.h"
#include "util/vg_time.h"
#include "util/vg_url_mask.h"

#include <cjson/cJSON.h>
#include "queue/queue_contract.h"
#include "queue/queue_info.h"
#include "queue/queue_peek.h"
#include "queue/queue_sync.h"
#include "queue/queue_websub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Splits "-c FILE" out of the arguments; the rest are left in rest[0..*n). */
static const char *take_config(int argc, char **argv, char **rest, int *n)
{
    const char *config = NULL;
    *n = 0;
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc)
            config = argv[++i];
        else
            rest[(*n)++] = argv[i];
    }
    return config;
}

/* Per sink and process: lag (entries not yet delivered, from the group), then what each
 * process counted since it started, whether it is paused and its last error. */
static void print_sinks(const struct status_data *d)
{
    if (d->nfigs == 0)
        return;
    printf("\n%-24s %8s %10s %8s %6s  %s\n", "SINK:INSTANCE", "LAG", "DELIVERED", "RETRIED", "DEAD", "STATE");
    for (size_t i = 0; i < d->nfigs; i++) {
        struct status_sink s;
        status_sink_of(d, i, vg_wall_ms(), &s);
        char lagtxt[24];
        snprintf(lagtxt, sizeof(lagtxt), s.lag < 0 ? "?" : "%lld", s.lag);
        int paused = strcmp(s.state, "paused") == 0;
        printf("%-24s %8s %10.0f %8.0f %6.0f  %s%s%s%s\n", s.name, lagtxt, s.delivered, s.retried, s.dead,
               paused ? "PAUSED: " : s.state, paused ? s.why : "", !paused && s.why[0] ? "; last error: " : "",
               !paused ? s.why : "");
    }
}

int cmd_status(int argc, char **argv)
{
    char *rest[64];
    int n;
    if (argc > 64)
        return vg_command_usage("status");
    const char *config = take_config(argc, argv, rest, &n);
    if (n > 0)
        return vg_command_usage("status");
    struct vg_config *cfg = NULL;
    struct queue_sync *q = vg_cli_open_queue(config, &cfg);
    if (!q) {
        vg_config_free(cfg);
        return 1;
    }
    char err[512];
    struct status_data d;
    int rc = status_gather(q, &d, err, sizeof(err));
    const struct queue_info *const info = &d.info;
    struct queue_websub *subs = NULL;
    size_t nsubs = 0;
    char werr[256];
    if (rc == 0)
        queue_websub_list(q, &subs, &nsubs, werr, sizeof(werr)); /* unreadable: not shown */
    queue_sync_close(q);
    if (rc < 0) {
        fprintf(stderr, "vigie: %s\n", err);
        vg_config_free(cfg);
        return 1;
    }
    char *url = vg_url_mask(cfg->redis_url);
    printf("redis    %s (prefix %s)\n", url ? url : "?", cfg->redis_prefix);
    vg_free(url);
    if (info->writes_refused[0])
        printf("writes   REFUSED by redis: %s (see the Redis log)\n", info->writes_refused);
    printf("sources  %lld, %lld due now, %lld failing\n", info->sources, info->due, info->failing);
    websub_show_status(subs, nsubs, vg_clock_ms()); /* the lease clock (websub_subs.c) */
    queue_websubs_free(subs, nsubs);
    printf("\n%-9s %10s   %s\n", "STREAM", "LENGTH", "GROUPS (lag / pending / consumers)");
    for (size_t i = 0; i < info->nstreams; i++) {
        const struct queue_stream_info *s = &info->streams[i];
        printf("%-9s %10lld  ", s->name, s->length);
        if (s->ngroups == 0)
            printf(" -");
        for (size_t g = 0; g < s->ngroups; g++) {
            const struct queue_group_info *gi = &s->groups[g];
            if (gi->lag >= 0)
                printf(" %s %lld / %lld / %lld", gi->name, gi->lag, gi->pending, gi->consumers);
            else
                printf(" %s ? / %lld / %lld", gi->name, gi->pending, gi->consumers);
            if (gi->trimmed > 0)
                printf(" (%lld trimmed unacknowledged: maxlen)", gi->trimmed);
        }
        if (strcmp(s->name, QUEUE_STREAM_DLQ) == 0 && info->dlq_dropped > 0)
            printf(" (%lld dropped by its cap: dlq_maxlen %lld)", info->dlq_dropped, cfg->pipe_dlq_maxlen);
        printf("\n");
    }
    print_sinks(&d);
    status_data_free(&d);
    if (info->nerrors) {
        printf("\nfailing sources (up to %d; `vigie sources list --failing` for all):\n", QUEUE_INFO_MAX_ERRORS);
        for (size_t i = 0; i < info->nerrors; i++)
            printf("  %-22s %s: %s\n", info->errors[i].id, info->errors[i].kind, info->errors[i].error);
    }
    vg_config_free(cfg);
    return 0;
}

static const char dlq_usage[] =
    "usage: vigie dlq [-c FILE] list [--limit N]\n"
    "       vigie dlq [-c FILE] show ID\n"
    "       vigie dlq [-c FILE] replay ID...   put entries back on their stream\n"
    "       vigie dlq [-c FILE] drop ID...     delete entries for good\n";

int cmd_dlq(int argc, char **argv)
{
    char *rest[256];
    int n;
    if (argc > 256)
        return 2;
    const char *config = take_config(argc, argv, rest, &n);
    if (n < 1 || (strcmp(rest[0], "list") != 0 && strcmp(rest[0], "show") != 0 && strcmp(rest[0], "replay") != 0 &&
                  strcmp(rest[0], "drop") != 0)) {
        fputs(dlq_usage, stderr);
        return 2;
    }
    const char *verb = rest[0];
    size_t limit = 50;
    if (strcmp(verb, "list") == 0) {
        if (n == 3 && strcmp(rest[1], "--limit") == 0)
            limit = (size_t)strtoul(rest[2], NULL, 10);
        else if (n != 1) {
            fputs(dlq_usage, stderr);
            return 2;
        }
    } else if (n < 2 || (strcmp(verb, "show") == 0 && n != 2)) {
        fputs(dlq_usage, stderr);
        return 2;
    }
    struct vg_config *cfg = NULL;
    struct queue_sync *q = vg_cli_open_queue(config, &cfg);
    int rc = 1;
    char err[512];
    if (!q)
        goto out;
    if (strcmp(verb, "list") == 0 || strcmp(verb, "show") == 0) {
        struct queue_dead_letter *v;
        size_t count;
        int show = strcmp(verb, "show") == 0;
        if (queue_dlq_list(q, show ? rest[1] : NULL, limit, &v, &count, err, sizeof(err)) < 0) {
            fprintf(stderr, "vigie: %s\n", err);
            goto out;
        }
        if (show && count == 0) {
            fprintf(stderr, "vigie: no dead letter with id '%s'\n", rest[1]);
            queue_dead_letters_free(v, count);
            goto out;
        }
        for (size_t i = 0; i < count; i++) {
            const struct queue_dead_letter *d = &v[i];
            if (show)
                printf("id:         %s\nfrom:       %s (group %s), entry %s\ndeliveries: %lld\nerror:      %s\n"
                       "payload:    %s\n",
                       d->id, d->stream ? d->stream : "?", d->group ? d->group : "?", d->entry ? d->entry : "?",
                       d->deliveries, d->error ? d->error : "?", d->payload ? d->payload : "");
            else
                printf("%-17s %-14s %-8s %3lld  %.90s\n", d->id, d->stream ? d->stream : "?",
                       d->group ? d->group : "?", d->deliveries, d->error ? d->error : "?");
        }
        if (!show)
            printf("%zu dead letter(s) shown\n", count);
        queue_dead_letters_free(v, count);
        rc = 0;
        goto out;
    }
    rc = 0;
    for (int i = 1; i < n; i++) {
        int r = strcmp(verb, "replay") == 0 ? queue_dlq_replay(q, rest[i], err, sizeof(err))
                                            : queue_dlq_drop(q, rest[i], err, sizeof(err));
        if (r < 0) {
            fprintf(stderr, "vigie: %s\n", err);
            rc = 1;
        } else if (r == 0) {
            fprintf(stderr, "vigie: no dead letter with id '%s'\n", rest[i]);
            rc = 1;
        } else {
            printf("%s %s\n", strcmp(verb, "replay") == 0 ? "replayed" : "dropped", rest[i]);
        }
    }
out:
    queue_sync_close(q);
    vg_config_free(cfg);
    return rc;
}
