/* cmd_sources — `vigie sources add|list|show|rm|import`: the source registry from the
 * command line. Works whether or not the daemon runs (see queue_sync.h). */
#include "daemon/cli_queue.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "daemon/websub_show.h"
#include "util/vg_alloc.h"
#include "util/vg_url_mask.h"
#include "util/vg_buf.h"
#include "util/vg_file.h"
#include "util/vg_time.h"
#include "util/vg_units.h"
#include "fetchers/source.h"
#include "queue/queue_sources.h"
#include "queue/queue_sync.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: vigie sources [-c FILE] add URL [--id ID] [--kind KIND] [--interval 15m]\n"
    "                                       [--account ID] [--options JSON]\n"
    "       vigie sources [-c FILE] list [--failing] [--json]\n"
    "       vigie sources [-c FILE] show ID\n"
    "       vigie sources [-c FILE] rm ID...\n"
    "       vigie sources [-c FILE] import FILE   (CSV with a header row, or a JSON array;\n"
    "                                              columns id,kind,url,interval,account_id,options)\n"
    "       vigie sources parse --kind KIND FILE ...  (what a poll makes of a saved response;\n"
    "                                              no Redis: see vigie sources parse --help)\n"
    "  KIND: feed (the default), page, or a company source kind: fr_company, bodacc, sec_edgar,\n"
    "  uk_company, jobs (usually created from the accounts' identifiers: [sources] automatic)\n";

/* "in 3m", "12s ago", "never". */
static void rel_time(char *out, size_t len, int64_t when, int64_t now)
{
    if (!when) {
        snprintf(out, len, "never");
        return;
    }
    int64_t d = (when > now ? when - now : now - when) / 1000;
    char amount[24];
    if (d < 60)
        snprintf(amount, sizeof(amount), "%llds", (long long)d);
    else if (d < 3600)
        snprintf(amount, sizeof(amount), "%lldm", (long long)(d / 60));
    else if (d < 86400)
        snprintf(amount, sizeof(amount), "%lldh", (long long)(d / 3600));
    else
        snprintf(amount, sizeof(amount), "%lldd", (long long)(d / 86400));
    snprintf(out, len, when > now ? "in %s" : "%s ago", amount);
}

static void print_duration(char *out, size_t len, long long ms)
{
    if (ms % 86400000 == 0)
        snprintf(out, len, "%lldd", ms / 86400000);
    else if (ms % 3600000 == 0)
        snprintf(out, len, "%lldh", ms / 3600000);
    else if (ms % 60000 == 0)
        snprintf(out, len, "%lldm", ms / 60000);
    else
        snprintf(out, len, "%llds", ms / 1000);
}

static void print_json(const struct queue_source_state *s)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    vg_buf_puts(&b, "{\"id\":");
    vg_buf_json_str(&b, s->src.id);
    vg_buf_puts(&b, ",\"kind\":");
    vg_buf_json_str(&b, s->src.kind ? s->src.kind : "");
    vg_buf_puts(&b, ",\"url\":");
    char *url = vg_url_mask(s->src.url);
    vg_buf_json_str(&b, url ? url : "");
    vg_free(url);
    vg_buf_printf(&b, ",\"interval_s\":%lld,\"account_id\":", s->src.interval_ms / 1000);
    if (s->src.account_id)
        vg_buf_json_str(&b, s->src.account_id);
    else
        vg_buf_puts(&b, "null");
    vg_buf_printf(&b, ",\"options\":%s", s->src.options ? s->src.options : "null");
    vg_buf_printf(&b, ",\"next_due_ms\":%lld,\"last_attempt_ms\":%lld,\"last_ok_ms\":%lld,\"failures\":%lld,"
                  "\"items_total\":%lld,\"error_kind\":",
                  (long long)s->next_due, (long long)s->last_attempt, (long long)s->last_ok, s->failures,
                  s->items_total);
    if (s->error_kind)
        vg_buf_json_str(&b, s->error_kind);
    else
        vg_buf_puts(&b, "null");
    vg_buf_puts(&b, ",\"last_error\":");
    if (s->last_error)
        vg_buf_json_str(&b, s->last_error);
    else
        vg_buf_puts(&b, "null");
    vg_buf_puts(&b, "}\n");
    fputs(b.data ? b.data : "", stdout);
    vg_buf_free(&b);
}

static int do_list(struct queue_sync *q, int argc, char **argv)
{
    int failing = 0, json = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--failing") == 0)
            failing = 1;
        else if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else {
            fprintf(stderr, "vigie sources list: unexpected argument '%s'\n%s", argv[i], usage);
            return 2;
        }
    }
    char err[512];
    struct queue_source_state *v;
    size_t n;
    if (queue_sources_list(q, &v, &n, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie: %s\n", err);
        return 1;
    }
    int64_t now = vg_wall_ms();
    size_t shown = 0, bad = 0;
    if (!json)
        printf("%-22s %-5s %-8s %-10s %-10s %-5s %s\n", "ID", "KIND", "INTERVAL", "NEXT", "LAST OK", "FAILS",
               "STATUS / URL");
    for (size_t i = 0; i < n; i++) {
        const struct queue_source_state *s = &v[i];
        bad += s->failures > 0;
        if (failing && s->failures == 0)
            continue;
        shown++;
        if (json) {
            print_json(s);
            continue;
        }
        char iv[24], next[32], ok[32];
        print_duration(iv, sizeof(iv), s->src.interval_ms);
        if (s->lease[0] && s->next_due > now)
            snprintf(next, sizeof(next), "polling");
        else if (s->next_due && s->next_due <= now)
            snprintf(next, sizeof(next), "due");
        else
            rel_time(next, sizeof(next), s->next_due, now);
        rel_time(ok, sizeof(ok), s->last_ok, now);
        printf("%-22s %-5s %-8s %-10s %-10s %-5lld ", s->src.id, s->src.kind ? s->src.kind : "?", iv, next,
               ok, s->failures);
        if (s->failures)
            printf("%s: %s\n", s->error_kind ? s->error_kind : "error", s->last_error ? s->last_error : "?");
        else {
            char *url = vg_url_mask(s->src.url);
            printf("%s\n", url ? url : "?");
            vg_free(url);
        }
    }
    if (!json)
        printf("%zu source(s), %zu failing%s\n", n, bad, failing ? " (only failing shown)" : "");
    queue_source_states_free(v, n);
    (void)shown;
    return 0;
}

static int do_show(struct queue_sync *q, int argc, char **argv)
{
    if (argc != 1) {
        fputs(usage, stderr);
        return 2;
    }
    char err[512];
    struct queue_source_state s;
    int rc = queue_sources_get(q, argv[0], &s, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "vigie: %s\n", err);
        return 1;
    }
    if (rc == 0) {
        fprintf(stderr, "vigie: no source with id '%s'\n", argv[0]);
        return 1;
    }
    int64_t now = vg_wall_ms();
    char iv[24], next[32], ok[32], at[32];
    print_duration(iv, sizeof(iv), s.src.interval_ms);
    rel_time(next, sizeof(next), s.next_due, now);
    rel_time(ok, sizeof(ok), s.last_ok, now);
    rel_time(at, sizeof(at), s.last_attempt, now);
    /* While leased, the due time is the lease's end: when the source is polled again if this
     * poll is never recorded. A lease that has ended (its process stopped) is just due. */
    int polling = s.lease[0] && s.next_due > now;
    char *url = vg_url_mask(s.src.url);
    printf("id:           %s\nkind:         %s\nurl:          %s\ninterval:     %s\naccount:      %s\n"
           "options:      %s\nnext poll:    %s%s%s\nlast attempt: %s\nlast success: %s\nfailures:     %lld\n"
           "last error:   %s%s%s\nitems:        %lld\n",
           s.src.id, s.src.kind ? s.src.kind : "?", url ? url : "?", iv,
           s.src.account_id ? s.src.account_id : "-", s.src.options ? s.src.options : "-",
           polling ? "being polled now (lease ends " : "", next, polling ? ")" : "", at, ok, s.failures,
           s.error_kind ? s.error_kind : "", s.error_kind ? ": " : "", s.last_error ? s.last_error : "-",
           s.items_total);
    websub_show_source(q, s.src.id, now);
    vg_free(url);
    queue_source_state_clear(&s);
    return 0;
}

static int store(struct queue_sync *q, struct fetch_source *v, size_t n, const char *what)
{
    char err[512];
    size_t created, updated;
    int rc = queue_sources_put(q, v, n, &created, &updated, err, sizeof(err));
    if (rc == -2) {
        fprintf(stderr, "vigie: %s: the change may or may not have been applied; run `vigie sources list` to "
                "see, or run the command again (it is idempotent)\n", err);
        return 1;
    }
    if (rc == -3) {
        fprintf(stderr, "vigie: %s: the change was applied only in part; fix the cause and run the command "
                "again (it is idempotent)\n", err);
        return 1;
    }
    if (rc < 0) {
        fprintf(stderr, "vigie: %s (nothing was %s)\n", err, what);
        return 1;
    }
    printf("%s %zu source(s): %zu new, %zu updated\n", what, n, created, updated);
    return 0;
}

static int do_add(struct queue_sync *q, const struct vg_config *cfg, int argc, char **argv)
{
    struct fetch_source s = {0};
    int rc = 2;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        char **dst = NULL;
        if (strcmp(a, "--id") == 0)
            dst = &s.id;
        else if (strcmp(a, "--kind") == 0)
            dst = &s.kind;
        else if (strcmp(a, "--account") == 0)
            dst = &s.account_id;
        else if (strcmp(a, "--options") == 0)
            dst = &s.options;
        else if (strcmp(a, "--interval") == 0 && i + 1 < argc) {
            if (vg_parse_duration_ms(argv[++i], &s.interval_ms) < 0) {
                fprintf(stderr, "vigie sources add: '%s' is not a duration (e.g. 15m)\n", argv[i]);
                goto out;
            }
            continue;
        } else if (a[0] != '-' && !s.url) {
            s.url = fetch_source_resolve_file(a, NULL);
            continue;
        } else {
            fprintf(stderr, "vigie sources add: unexpected argument '%s'\n%s", a, usage);
            goto out;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "vigie sources add: %s needs a value\n", a);
            goto out;
        }
        vg_free(*dst);
        *dst = vg_strdup(argv[++i]);
    }
    char err[512];
    if (fetch_source_check(&s, cfg->fetch_interval_ms, (int)cfg->fetch_allow_file, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie sources add: %s\n", err);
        rc = 1;
        goto out;
    }
    rc = store(q, &s, 1, "added");
    if (rc == 0)
        printf("id: %s\n", s.id);
out:
    fetch_source_clear(&s);
    return rc;
}

static int do_import(struct queue_sync *q, const struct vg_config *cfg, int argc, char **argv)
{
    if (argc != 1) {
        fputs(usage, stderr);
        return 2;
    }
    size_t len;
    char *buf = vg_read_file(argv[0], 256u << 20, &len);
    if (!buf) {
        fprintf(stderr, "vigie: cannot read %s: %s\n", argv[0], strerror(errno));
        return 1;
    }
    char err[512];
    struct fetch_source *v;
    size_t n;
    /* Relative file: URLs in the file are relative to the file itself. */
    char *dir = NULL;
    const char *slash = strrchr(argv[0], '/');
    if (strcmp(argv[0], "-") != 0)
        dir = slash ? vg_strndup(argv[0], (size_t)(slash - argv[0])) : vg_strdup(".");
    char abs[4096];
    const char *base = dir && realpath(dir, abs) ? abs : NULL;
    int rc = fetch_sources_parse(buf, len, cfg->fetch_interval_ms, (int)cfg->fetch_allow_file, base, &v, &n, err,
                                 sizeof(err));
    vg_free(dir);
    vg_free(buf);
    if (rc < 0) {
        fprintf(stderr, "vigie: %s: %s (nothing was imported)\n", argv[0], err);
        return 1;
    }
    rc = store(q, v, n, "imported");
    fetch_sources_free(v, n);
    return rc;
}

static int do_rm(struct queue_sync *q, int argc, char **argv)
{
    if (argc < 1) {
        fputs(usage, stderr);
        return 2;
    }
    int rc = 0;
    for (int i = 0; i < argc; i++) {
        char err[512];
        int r = queue_sources_remove(q, argv[i], err, sizeof(err));
        if (r < 0) {
            fprintf(stderr, "vigie: %s\n", err);
            return 1;
        }
        if (r == 0) {
            fprintf(stderr, "vigie: no source with id '%s'\n", argv[i]);
            rc = 1;
        } else {
            printf("removed %s\n", argv[i]);
        }
    }
    return rc;
}

int cmd_sources(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "parse") == 0) /* offline: no configuration, no Redis */
        return cmd_sources_parse(argc - 1, argv + 1);
    const char *config = NULL;
    char **rest = vg_calloc((size_t)argc + 1, sizeof(*rest));
    int nrest = 0;
    if (!rest)
        return 1;
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc)
            config = argv[++i];
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            vg_free(rest);
            return 0;
        } else
            rest[nrest++] = argv[i];
    }
    static const char *const verbs[] = {"add", "list", "show", "rm", "import", NULL};
    int known = 0;
    for (int i = 0; nrest > 0 && verbs[i]; i++)
        known |= strcmp(rest[0], verbs[i]) == 0;
    if (!known) {
        if (nrest)
            fprintf(stderr, "vigie sources: unknown action '%s'\n", rest[0]);
        fputs(usage, stderr);
        vg_free(rest);
        return 2;
    }
    struct vg_config *cfg = NULL;
    struct queue_sync *q = vg_cli_open_queue(config, &cfg);
    int rc = 1;
    if (q) {
        const char *verb = rest[0];
        if (strcmp(verb, "add") == 0)
            rc = do_add(q, cfg, nrest - 1, rest + 1);
        else if (strcmp(verb, "list") == 0)
            rc = do_list(q, nrest - 1, rest + 1);
        else if (strcmp(verb, "show") == 0)
            rc = do_show(q, nrest - 1, rest + 1);
        else if (strcmp(verb, "rm") == 0)
            rc = do_rm(q, nrest - 1, rest + 1);
        else
            rc = do_import(q, cfg, nrest - 1, rest + 1);
    }
    queue_sync_close(q);
    vg_config_free(cfg);
    vg_free(rest);
    return rc;
}
