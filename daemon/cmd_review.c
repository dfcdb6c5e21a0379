/* cmd_review — `vigie review`: the key-account portfolio review (enrich/review.c per account)
 * over the accounts in Redis and the signals stream, as a table, JSON or CSV. It reads and
 * changes nothing: vigie never changes a tier by itself. */
#include "daemon/account_signals.h"
#include "daemon/cli_queue.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "daemon/review_history.h"
#include "daemon/review_build.h"
#include "daemon/review_html.h"
#include "daemon/review_since.h"
#include "util/vg_alloc.h"
#include "util/vg_time.h"
#include "enrich/account.h"
#include "enrich/review.h"
#include "queue/queue_sync.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char usage[] =
    "usage: vigie review [-c FILE] [--format table|json|csv|html] [--output FILE] [--owner OWNER] [--save]\n"
    "       vigie review [-c FILE] --diff ID|last [--format table|json] [--owner OWNER]\n"
    "       vigie review [-c FILE] --list [--format table|json]\n"
    "  Every account (retired ones aside) with its axis scores (quantitative, strategic, image;\n"
    "  0-100), heat, signals in the last 7 and 90 days against the period before, and a\n"
    "  recommendation (de-select, promote, watch, keep) with its reasons. The bars and weights\n"
    "  are the [review] options (`vigie check-config --example`). No tier is changed.\n"
    "  --save keeps the review (the whole portfolio's: not with --owner); a key account under the\n"
    "  de-selection bar is de-selected at the [review] deselect_after-th saved review in a row.\n"
    "  --list lists the saved reviews; --diff ID|last prints what changed per account since one.\n"
    "  --format html: a self-contained report (a chart per axis, then the table), on stdout or\n"
    "  written to --output FILE.\n"
    "  The daemon can run it itself: [review] schedule = weekly|monthly saves one review per\n"
    "  period and hands its HTML to the e-mail sink ([review] email) and the outbox ([review] outbox).\n";

static void day_of(int64_t ms, char out[32], int with_time)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, with_time ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d", &tm);
}

static void join_reasons(const struct review_row *r, char *out, size_t len)
{
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < r->n_reasons && k < len; i++)
        k += (size_t)snprintf(out + k, len - k, "%s%s", i ? "; " : "", r->reasons[i]);
}

/* RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
static void csv_field(const char *s, int last)
{
    if (strpbrk(s, ",\"\r\n")) {
        putchar('"');
        for (; *s; s++) {
            if (*s == '"')
                putchar('"');
            putchar(*s);
        }
        putchar('"');
    } else
        fputs(s, stdout);
    putchar(last ? '\n' : ',');
}

static const char csv_header[] =
    "id,name,owner,tier,quantitative,strategic,image,score,evidence_only,heat,signals_7d,signals_7d_before,"
    "signals_90d,signals_90d_before,trend_90d_complete,last_signal,recommendation,reasons\n";

static void print_csv(const struct review_built_row *v, size_t n)
{
    fputs(csv_header, stdout);
    for (size_t i = 0; i < n; i++) {
        const struct review_row *r = &v[i].r;
        char num[64], reasons[REVIEW_MAX_REASONS * REVIEW_REASON_LEN], day[32] = "";
        csv_field(v[i].a->id, 0);
        csv_field(v[i].a->name, 0);
        csv_field(v[i].a->owner ? v[i].a->owner : "", 0);
        csv_field(v[i].a->tier ? v[i].a->tier : "standard", 0);
        printf("%d,%d,%d,%d,%s,%.1f,%d,%d,%d,%d,%s,", r->score[0], r->score[1], r->score[2], r->weighted,
               r->evidence_only ? "yes" : "no", r->heat, r->d7_now, r->d7_before, r->d90_now, r->d90_before,
               r->d90_complete ? "yes" : "no");
        if (r->last_ms)
            day_of(r->last_ms, day, 1);
        snprintf(num, sizeof(num), "%s", day);
        csv_field(num, 0);
        csv_field(enrich_review_rec_names[r->rec], 0);
        join_reasons(r, reasons, sizeof(reasons));
        csv_field(reasons, 1);
    }
}

static void print_table(const struct review_built_row *v, size_t n, int64_t since_ms, int64_t now_ms)
{
    printf("%-16s %-22s %-24s %-9s %5s %5s %5s %5s %5s %7s %7s  %-10s %s\n", "ID", "NAME", "OWNER", "TIER", "QUANT",
           "STRAT", "IMAGE", "SCORE", "HEAT", "7D", "90D", "REVIEW", "REASONS");
    int incomplete = 0;
    for (size_t i = 0; i < n; i++) {
        const struct review_row *r = &v[i].r;
        char d7[24], d90[24], reasons[REVIEW_MAX_REASONS * REVIEW_REASON_LEN];
        snprintf(d7, sizeof(d7), "%d/%d", r->d7_now, r->d7_before);
        snprintf(d90, sizeof(d90), "%d/%d%s", r->d90_now, r->d90_before, r->d90_complete ? "" : "*");
        incomplete |= !r->d90_complete;
        join_reasons(r, reasons, sizeof(reasons));
        printf("%-16.16s %-22.22s %-24.24s %-9s %5d %5d %5d %5d %5.0f %7s %7s  %-10s %s\n", v[i].a->id, v[i].a->name,
               v[i].a->owner ? v[i].a->owner : "-", v[i].a->tier ? v[i].a->tier : "standard", r->score[0], r->score[1],
               r->score[2], r->weighted, r->heat, d7, d90, enrich_review_rec_names[r->rec],
               reasons);
    }
    char now[32], since[32] = "";
    day_of(now_ms, now, 0);
    if (since_ms)
        day_of(since_ms, since, 0);
    printf("\n%zu account(s) reviewed on %s. 7D and 90D: signals in the last 7 (90) days / in the 7 (90) before.\n",
           n, now);
    if (incomplete)
        printf("* the signals stream reaches back to %s only, less than the 180 days a 90-day trend\n"
               "  compares: the period before counts what is left of it.\n",
               since_ms ? since : "no signal at all");
}

/* The report on stdout, or into `output` through a temporary file renamed over it once
 * complete, so a failed write never leaves half a report where the last one was. */
static int write_html(const struct review_built_row *v, size_t n, int64_t since_ms, int64_t now_ms, const char *output)
{
    struct review_html_row *hv = vg_malloc((n ? n : 1) * sizeof(*hv));
    char tmp[4096];
    if (!hv) {
        fprintf(stderr, "vigie: out of memory\n");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        hv[i] = (struct review_html_row){v[i].a, &v[i].r};
    FILE *f = stdout;
    if (output) {
        snprintf(tmp, sizeof(tmp), "%s.tmp", output);
        f = fopen(tmp, "w");
    }
    int rc = f ? review_html_write(f, hv, n, now_ms, since_ms) : -1;
    if (output && f && fclose(f) != 0)
        rc = -1;
    else if (!output && fflush(stdout) != 0)
        rc = -1;
    if (output && rc == 0 && rename(tmp, output) != 0)
        rc = -1;
    if (rc < 0) {
        fprintf(stderr, "vigie review: cannot write %s: %s\n", output ? output : "the report", strerror(errno));
        if (output)
            remove(tmp);
    }
    vg_free(hv);
    return rc;
}

int cmd_review(int argc, char **argv)
{
    const char *config = NULL, *format = "table", *owner = NULL, *diff = NULL, *output = NULL;
    int save = 0, list = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && has)
            config = argv[++i];
        else if (strcmp(a, "--format") == 0 && has)
            format = argv[++i];
        else if (strcmp(a, "--owner") == 0 && has)
            owner = argv[++i];
        else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && has)
            output = argv[++i];
        else if (strcmp(a, "--json") == 0)
            format = "json";
        else if (strcmp(a, "--save") == 0)
            save = 1;
        else if (strcmp(a, "--list") == 0)
            list = 1;
        else if (strcmp(a, "--diff") == 0 && has)
            diff = argv[++i];
        else {
            fprintf(stderr, "vigie review: unexpected argument '%s'\n%s", a, usage);
            return 2;
        }
    }
    if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0 &&
        strcmp(format, "html") != 0) {
        fprintf(stderr, "vigie review: unknown format '%s'\n%s", format, usage);
        return 2;
    }
    if (output && strcmp(format, "html") != 0) {
        fprintf(stderr, "vigie review: --output goes with --format html\n");
        return 2;
    }

    if (save && owner) {
        fprintf(stderr, "vigie review: --save keeps the whole portfolio's review: drop --owner\n");
        return 2;
    }
    if ((diff || list) && strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
        fprintf(stderr, "vigie review: --%s prints a table or json\n", list ? "list" : "diff");
        return 2;
    }
    if (list && (save || diff || owner)) {
        fprintf(stderr, "vigie review: --list goes alone (with -c and --format)\n%s", usage);
        return 2;
    }

    struct vg_config *cfg = NULL;
    struct queue_sync *q = vg_cli_open_queue(config, &cfg);
    if (!q) {
        vg_config_free(cfg);
        return 1;
    }
    if (list) {
        cJSON *past = review_past_load(q);
        int st = past ? review_past_list(past, format) : 1;
        cJSON_Delete(past);
        queue_sync_close(q);
        vg_config_free(cfg);
        return st;
    }
    cJSON *saved_rows = NULL;
    const cJSON *prev = NULL;
    int64_t now = vg_clock_ms();
    int status = 1;
    const char **ids = NULL;
    double *heat = NULL;
    struct review_since *since = NULL;
    struct review_built b;
    int built = review_build(q, cfg, owner, now, &b);
    struct enrich_account_set *set = b.set;
    struct review_built_row *rows = b.rows;
    size_t n_rows = b.n, n_all = b.n_stored;
    if (built < 0 || (diff && !(prev = review_past_find(b.past, diff))))
        goto out;
    /* each row's change since the previous saved review, from the accounts' series */
    ids = vg_calloc(n_rows + 1, sizeof(*ids));
    heat = vg_calloc(n_rows + 1, sizeof(*heat));
    since = vg_calloc(n_rows + 1, sizeof(*since));
    if (!ids || !heat || !since)
        goto oom;
    for (size_t i = 0; i < n_rows; i++) {
        ids[i] = rows[i].a->id;
        heat[i] = rows[i].r.heat;
    }
    if (!diff && review_since_read(q, b.past, ids, n_rows, cfg->review_half_life_ms, since) < 0)
        goto out;
    if (save || diff) {
        if (!(saved_rows = cJSON_CreateArray()))
            goto oom;
        for (size_t i = 0; i < n_rows; i++)
            cJSON_AddItemToArray(saved_rows, review_saved_row(rows[i].a, &rows[i].r));
    }

    if (diff) {
        if (review_diff_print(prev, saved_rows, set, owner, now, format))
            goto out;
    } else if (!n_rows)
        fprintf(stderr, "vigie review: no accounts to review%s%s%s\n", owner ? " owned by " : "", owner ? owner : "",
                n_all ? "" : " (import some with `vigie accounts import FILE`)");
    if (diff)
        ;
    else if (strcmp(format, "json") == 0) {
        cJSON *arr = cJSON_CreateArray();
        for (size_t i = 0; arr && i < n_rows; i++) {
            cJSON *o = review_row_json(rows[i].a, &rows[i].r);
            cJSON_AddItemToObject(o, "since_previous", review_since_json(&since[i], rows[i].r.heat));
            cJSON_AddItemToArray(arr, o);
        }
        char *text = arr ? cJSON_PrintUnformatted(arr) : NULL;
        cJSON_Delete(arr);
        if (!text)
            goto oom;
        printf("%s\n", text);
        cJSON_free(text);
    } else if (strcmp(format, "csv") == 0)
        print_csv(rows, n_rows);
    else if (strcmp(format, "html") == 0) {
        if (write_html(rows, n_rows, b.signals.since_ms, now, output) < 0)
            goto out;
    } else if (n_rows) {
        print_table(rows, n_rows, b.signals.since_ms, now);
        review_since_print(since, ids, heat, n_rows);
    }
    status = 0;
    if (save) {
        status = review_save(q, saved_rows, now);
        saved_rows = NULL; /* consumed */
    }
    goto out;
oom:
    fprintf(stderr, "vigie: out of memory\n");
out:
    vg_free(ids);
    vg_free(heat);
    vg_free(since);
    cJSON_Delete(saved_rows);
    review_built_free(&b);
    queue_sync_close(q);
    vg_config_free(cfg);
    return status;
}
