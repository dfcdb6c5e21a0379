/* cmd_signals — `vigie signals tail`: the signals stream, filtered by account, type and
 * time, as readable lines or JSON lines; --follow waits for new ones like tail -f. */
#include "daemon/cli_queue.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "util/vg_time.h"
#include "util/vg_units.h"
#include "util/vg_json.h"
#include "queue/queue_contract.h"
#include "queue/queue_sync.h"
#include "queue/queue_tail.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "usage: vigie signals [-c FILE] tail [--account ID] [--type TYPE] [--since TIME] [--follow] [--json]\n"
    "  TIME: a duration back from now (30m, 2h, 7d) or a date (2026-11-27, 2026-11-27T08:00:00Z);\n"
    "        default 24h\n"
    "  A line whose title starts with \"+ \" is an update: one more source told that story (its\n"
    "  sources count grew); with --json it is {\"update\": true, \"signal\": {...}}.\n";

struct filter {
    const char *account, *type;
    int json;
};

/* A "signal" entry is a new signal; an "update" entry is the same signal told by one more
 * source (its record carries the grown sources count). */
static int show(const char *field, const char *payload, const char *entry_id, void *arg)
{
    int update = strcmp(field, QUEUE_FIELD_UPDATE) == 0;
    struct filter *f = arg;
    cJSON *s = cJSON_Parse(payload);
    if (!s)
        return 0;
    const char *account = vg_json_str(s, "account_id"), *type = vg_json_str(s, "type");
    if ((f->account && (!account || strcmp(account, f->account) != 0)) ||
        (f->type && (!type || strcmp(type, f->type) != 0))) {
        cJSON_Delete(s);
        return 0;
    }
    if (f->json) {
        /* JSON lines: the record as stored; an update says so. */
        if (update)
            printf("{\"update\":true,\"signal\":%s}\n", payload);
        else
            printf("%s\n", payload);
    } else {
        cJSON *prio = cJSON_GetObjectItemCaseSensitive(s, "priority");
        cJSON *srcs = cJSON_GetObjectItemCaseSensitive(s, "sources");
        const char *when = vg_json_str(s, "published");
        printf("%-20.20s %3d  %-18s %-16s %s%s", when ? when : "-", cJSON_IsNumber(prio) ? prio->valueint : 0,
               type ? type : "?", account ? account : "?", update ? "+ " : "",
               vg_json_str(s, "title") ? vg_json_str(s, "title") : "");
        if (cJSON_IsNumber(srcs) && srcs->valueint > 1)
            printf(" (%d sources)", srcs->valueint);
        const char *url = vg_json_str(s, "url");
        printf("%s%s\n", url ? "  " : "", url ? url : "");
    }
    fflush(stdout);
    cJSON_Delete(s);
    return 0;
}

/* A duration back from now, or a date. */
static int parse_since(const char *s, int64_t *ms)
{
    long long d;
    if (vg_parse_duration_ms(s, &d) == 0) {
        *ms = vg_wall_ms() - d;
        return 0;
    }
    struct tm tm = {0};
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end) {
        memset(&tm, 0, sizeof(tm));
        end = strptime(s, "%Y-%m-%d", &tm);
    }
    if (!end || (*end && strcmp(end, "Z") != 0))
        return -1;
    *ms = (int64_t)timegm(&tm) * 1000;
    return 0;
}

int cmd_signals(int argc, char **argv)
{
    const char *config = NULL;
    struct filter f = {0};
    int follow = 0, tail = 0;
    int64_t since = vg_wall_ms() - 86400000LL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && has)
            config = argv[++i];
        else if (strcmp(a, "tail") == 0)
            tail = 1;
        else if (strcmp(a, "--account") == 0 && has)
            f.account = argv[++i];
        else if (strcmp(a, "--type") == 0 && has)
            f.type = argv[++i];
        else if (strcmp(a, "--since") == 0 && has) {
            if (parse_since(argv[++i], &since) < 0) {
                fprintf(stderr, "vigie signals: --since '%s' is neither a duration nor a date\n%s", argv[i], usage);
                return 2;
            }
        } else if (strcmp(a, "--follow") == 0 || strcmp(a, "-f") == 0)
            follow = 1;
        else if (strcmp(a, "--json") == 0)
            f.json = 1;
        else {
            fprintf(stderr, "vigie signals: unexpected argument '%s'\n%s", a, usage);
            return 2;
        }
    }
    if (!tail) {
        fputs(usage, stderr);
        return 2;
    }
    struct vg_config *cfg = NULL;
    struct queue_sync *q = vg_cli_open_queue(config, &cfg);
    int rc = 1;
    if (q) {
        char err[512];
        rc = queue_tail(q, QUEUE_STREAM_SIGNALS, since, follow, show, &f, err, sizeof(err)) < 0 ? 1 : 0;
        if (rc)
            fprintf(stderr, "vigie: %s\n", err);
    }
    queue_sync_close(q);
    vg_config_free(cfg);
    return rc;
}
