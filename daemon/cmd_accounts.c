/* cmd_accounts — `vigie accounts import|list|show|rm|sync`: the key accounts from the command line
 * (sync: daemon/cmd_accounts_sync.c).
 * An import is checked whole before anything is written (a bad row names its line) and is
 * written in one transaction; every change bumps the version that running daemons watch. */
#include "daemon/account_map.h"
#include "daemon/account_signals.h"
#include "daemon/cli_queue.h"
#include "daemon/account_company.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "util/vg_alloc.h"
#include "util/vg_file.h"
#include "util/vg_time.h"
#include "enrich/account.h"
#include "enrich/account_json.h"
#include "enrich/review.h"
#include "queue/queue_accounts.h"
#include "queue/queue_reviews.h"
#include "queue/queue_series.h"
#include "queue/queue_sync.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char usage[] =
    "usage: vigie accounts [-c FILE] import FILE   (JSON array or CSV with a header row; see docs/design.md)\n"
    "       vigie accounts [-c FILE] list [--json] [--sort heat|name|id]   (default: as stored)\n"
    "       vigie accounts [-c FILE] show ID   (the record, with its heat, trends, last signal, weekly series and\n"
    "                                        what its company sources know: register, filings, job boards)\n"
    "       vigie accounts [-c FILE] show ID --map [--json]   (its units and subsidiaries: people, last signal, white space)\n"
    "       vigie accounts [-c FILE] reindex   (adds the whole signals stream to the accounts' series again)\n"
    "       vigie accounts [-c FILE] rm ID...\n"
    "       vigie accounts [-c FILE] set-tier ID key|candidate|standard --reason TEXT [--by WHO]\n"
    "       vigie accounts [-c FILE] sync --from NAME [--dry-run] [--allow-empty]   (key accounts from the CRM of [sink.NAME])\n"
    "       vigie accounts [-c FILE] lookup \"COMPANY NAME\"   (candidate SIRENs from the French register, [sources] fr_company_url)\n";

/* enrich_accounts_check_groups over the file's accounts and the registry's. 0, or -1 with err.
 * A registry that cannot be read stops only a file with parents or units: for any other, the
 * write that follows tells what Redis says. */
static int check_groups(struct queue_sync *q, const struct enrich_account_set *in, char *err, size_t errlen)
{
    int groups = 0;
    for (size_t i = 0; i < in->n && !groups; i++)
        groups = in->v[i].parent_id || in->v[i].n_units;
    size_t n;
    char *all = queue_accounts_all(q, &n, err, errlen);
    if (!all) {
        if (!groups)
            err[0] = '\0';
        return groups ? -1 : 0;
    }
    struct enrich_account_set *known = NULL;
    int rc = n && enrich_accounts_parse(all, strlen(all), &known, err, errlen) < 0 ? -1 : 0;
    if (rc == 0)
        rc = enrich_accounts_check_groups(in, known, err, errlen);
    enrich_account_set_free(known);
    vg_free(all);
    return rc;
}

static int do_import(struct queue_sync *q, const char *path)
{
    size_t len;
    char *buf = vg_read_file(path, 256u << 20, &len);
    if (!buf) {
        fprintf(stderr, "vigie: cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    char err[512] = "";
    struct enrich_account_set *set = NULL;
    int rc = enrich_accounts_parse(buf, len, &set, err, sizeof(err));
    vg_free(buf);
    if (rc < 0) {
        fprintf(stderr, "vigie: %s: %s (nothing was imported)\n", path, err);
        return 1;
    }
    /* Parents and units are checked against the registry the file joins. */
    if (check_groups(q, set, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie: %s: %s (nothing was imported)\n", path, err);
        enrich_account_set_free(set);
        return 1;
    }
    const char **ids = vg_calloc(set->n + 1, sizeof(*ids));
    char **json = vg_calloc(set->n + 1, sizeof(*json));
    rc = 1;
    if (!ids || !json)
        goto out;
    for (size_t i = 0; i < set->n; i++) {
        ids[i] = set->v[i].id;
        if (!(json[i] = enrich_account_to_json(&set->v[i])))
            goto out;
    }
    size_t created, updated;
    int put = queue_accounts_put(q, ids, (const char *const *)json, set->n, &created, &updated, err, sizeof(err));
    if (put == -2) {
        fprintf(stderr, "vigie: %s: the import may or may not have been applied; run `vigie accounts list` to "
                "see, or run the import again (it is idempotent)\n", err);
        goto out;
    }
    if (put == -3) {
        fprintf(stderr, "vigie: %s: the import was applied only in part; fix the cause and run it again (it is "
                "idempotent)\n", err);
        goto out;
    }
    if (put < 0) {
        fprintf(stderr, "vigie: %s (nothing was imported)\n", err);
        goto out;
    }
    printf("imported %zu account(s): %zu new, %zu updated\n", set->n, created, updated);
    rc = 0;
out:
    if (rc && !err[0])
        fprintf(stderr, "vigie: out of memory\n");
    for (size_t i = 0; json && i < set->n; i++)
        vg_free(json[i]);
    vg_free(json);
    vg_free(ids);
    enrich_account_set_free(set);
    return rc;
}

/* show's `--map [--json]` (in any order after the id): 1 when they are that, else 0. */
static int show_map_args(int n, char **v, int *json)
{
    int map = 0;
    *json = 0;
    for (int i = 2; i < n; i++) {
        if (strcmp(v[i], "--map") == 0)
            map = 1;
        else if (strcmp(v[i], "--json") == 0)
            *json = 1;
        else
            return 0;
    }
    return map;
}

/* list's options: [--json] [--sort heat|name|id], in any order. 0, or -1 when they are not that. */
static int list_args(int n, char **v, int *json, const char **sort)
{
    *json = 0;
    *sort = NULL;
    for (int i = 0; i < n; i++) {
        if (strcmp(v[i], "--json") == 0)
            *json = 1;
        else if (strcmp(v[i], "--sort") == 0 && i + 1 < n &&
                 (strcmp(v[i + 1], "heat") == 0 || strcmp(v[i + 1], "name") == 0 || strcmp(v[i + 1], "id") == 0))
            *sort = v[++i];
        else
            return -1;
    }
    return 0;
}

/* One listed account with its heat (the same as `vigie review` computes), from its series. */
struct listed {
    const struct enrich_account *a;
    double heat;
    size_t rank; /* its place in the heat ranking (series:heat); SIZE_MAX: not ranked */
};

/* The ranking's order, which is the heat's uncapped (two accounts at 100 keep their order);
 * accounts never heated after, by id. */
static int by_heat(const void *x, const void *y)
{
    const struct listed *a = x, *b = y;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    if (a->heat != b->heat)
        return a->heat > b->heat ? -1 : 1;
    return strcmp(a->a->id, b->a->id);
}

/* A ranked account and its place, sorted by id to be searched. */
struct place {
    const char *id;
    size_t at;
};

static int place_cmp(const void *x, const void *y)
{
    return strcmp(((const struct place *)x)->id, ((const struct place *)y)->id);
}

/* Each listed account's place in the heat ranking. 0, or -1 with a message on stderr. */
static int ranks(struct queue_sync *q, struct listed *v, size_t n)
{
    char err[512], **ids = NULL;
    size_t got = 0, total = 0;
    for (size_t i = 0; i < n; i++)
        v[i].rank = SIZE_MAX;
    if (queue_series_top(q, 0, SIZE_MAX / 2, &ids, &got, &total, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie: %s\n", err);
        return -1;
    }
    /* the ranked ids sorted with their places, then one search per account */
    struct place *p = vg_calloc(got + 1, sizeof(*p));
    if (!p) {
        queue_series_ids_free(ids, got);
        fprintf(stderr, "vigie: out of memory\n");
        return -1;
    }
    for (size_t i = 0; i < got; i++)
        p[i] = (struct place){ids[i], i};
    if (got)
        qsort(p, got, sizeof(*p), place_cmp);
    for (size_t i = 0; i < n; i++) {
        struct place key = {v[i].a->id, 0}, *hit = got ? bsearch(&key, p, got, sizeof(*p), place_cmp) : NULL;
        if (hit)
            v[i].rank = hit->at;
    }
    vg_free(p);
    queue_series_ids_free(ids, got);
    return 0;
}

static int by_name(const void *x, const void *y)
{
    const struct listed *a = x, *b = y;
    int c = strcasecmp(a->a->name, b->a->name);
    return c ? c : strcmp(a->a->id, b->a->id);
}

static int by_id(const void *x, const void *y)
{
    return strcmp(((const struct listed *)x)->a->id, ((const struct listed *)y)->a->id);
}

static int do_list(struct queue_sync *q, const struct vg_config *cfg, int json, const char *sort)
{
    char err[512];
    size_t n;
    char *all = queue_accounts_all(q, &n, err, sizeof(err));
    if (!all) {
        fprintf(stderr, "vigie: %s\n", err);
        return 1;
    }
    struct enrich_account_set *set = NULL;
    if (enrich_accounts_parse(all, strlen(all), &set, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie: stored accounts do not parse: %s\n", err);
        vg_free(all);
        return 1;
    }
    int rc = 1;
    struct listed *v = vg_calloc(set->n + 1, sizeof(*v));
    const char **ids = vg_calloc(set->n + 1, sizeof(*ids));
    struct queue_series *ser = vg_calloc(set->n + 1, sizeof(*ser));
    if (!v || !ids || !ser) {
        fprintf(stderr, "vigie: out of memory\n");
        goto out;
    }
    for (size_t i = 0; i < set->n; i++) {
        v[i].a = &set->v[i];
        ids[i] = set->v[i].id;
    }
    /* The heat is the accounts' series' (no signals stream read), for the table and for
     * --sort heat, which takes the ranking's order. */
    int need_heat = !json || (sort && strcmp(sort, "heat") == 0);
    if (need_heat && set->n && account_signals_series(q, cfg, ids, set->n, vg_clock_ms(), ser) < 0)
        goto out;
    for (size_t i = 0; need_heat && i < set->n; i++)
        v[i].heat = ser[i].heat;
    if (sort && strcmp(sort, "heat") == 0 && ranks(q, v, set->n) < 0)
        goto out;
    if (sort)
        qsort(v, set->n, sizeof(*v), strcmp(sort, "heat") == 0 ? by_heat : strcmp(sort, "name") == 0 ? by_name : by_id);
    if (!json)
        printf("%-20s %-30s %-9s %4s %-2s %-28s %s\n", "ID", "NAME", "TIER", "HEAT", "CC", "OWNER", "ALIASES");
    size_t retired = 0;
    for (size_t i = 0; i < set->n; i++) {
        const struct enrich_account *a = v[i].a;
        if (json) {
            char *j = enrich_account_to_json(a);
            printf("%s\n", j ? j : "");
            vg_free(j);
            continue;
        }
        printf("%-20s %-30.30s %-9s %4.0f %-2s %-28.28s ", a->id, a->name, a->tier ? a->tier : "", v[i].heat,
               a->country ? a->country : "", a->owner ? a->owner : "");
        for (size_t k = 0; k < a->n_aliases; k++)
            printf("%s%s", k ? ", " : "", a->aliases[k]);
        if (a->retired) {
            printf("%s[retired %s]", a->n_aliases ? "  " : "", a->retired);
            retired++;
        }
        printf("\n");
    }
    if (!json && retired)
        printf("%zu account(s), %zu retired (kept, no longer matched)\n", set->n, retired);
    else if (!json)
        printf("%zu account(s)\n", set->n);
    rc = 0;
out:
    vg_free(ser);
    vg_free(ids);
    vg_free(v);
    enrich_account_set_free(set);
    vg_free(all);
    return rc;
}

static void iso_of(int64_t ms, char out[32], const char *fmt)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, fmt, &tm);
}

/* The stored record with what the account's series say of it now, in the members `vigie
 * review` uses: heat (one decimal), trends {"7d": {now, before}, "90d": {now, before,
 * complete}, "12m": {now}}, last_signal (RFC 3339 or null) and last_signal_type, and series
 * {from: the Monday its first week starts, weeks: SERIES_WEEKS weekly counts, oldest first,
 * the last this week's, sparkline: the same as a line of blocks}. They are read-only: an
 * import refuses them. */
static int do_show(struct queue_sync *q, const struct vg_config *cfg, const char *id)
{
    char err[512] = "";
    char *j = queue_accounts_get(q, id, err, sizeof(err));
    if (!j) {
        if (err[0])
            fprintf(stderr, "vigie: %s\n", err);
        else
            fprintf(stderr, "vigie: no account with id '%s'\n", id);
        return 1;
    }
    int rc = 1;
    char *wrapped = NULL, *text = NULL;
    size_t len = strlen(j);
    struct enrich_account_set *set = NULL;
    struct queue_series *row = vg_malloc(sizeof(*row));
    cJSON *o = cJSON_Parse(j);
    if (!row || !o || !(wrapped = vg_malloc(len + 3)))
        goto oom;
    /* The record as the commands read it (the parser takes an array of them). */
    snprintf(wrapped, len + 3, "[%s]", j);
    if (enrich_accounts_parse(wrapped, len + 2, &set, err, sizeof(err)) < 0 || set->n != 1) {
        fprintf(stderr, "vigie: stored account %s does not parse: %s\n", id, err);
        goto out;
    }
    const char *ids[] = {set->v[0].id};
    int64_t now = vg_clock_ms();
    if (account_signals_series(q, cfg, ids, 1, now, row) < 0)
        goto out;
    long long since = queue_series_since(q);
    cJSON_AddNumberToObject(o, "heat", (double)(long long)(row->heat * 10 + 0.5) / 10);
    cJSON *tr = cJSON_AddObjectToObject(o, "trends");
    cJSON *d7 = tr ? cJSON_AddObjectToObject(tr, "7d") : NULL, *d90 = tr ? cJSON_AddObjectToObject(tr, "90d") : NULL;
    cJSON *d365 = tr ? cJSON_AddObjectToObject(tr, "12m") : NULL;
    if (!d7 || !d90 || !d365)
        goto oom;
    cJSON_AddNumberToObject(d7, "now", row->d7_now);
    cJSON_AddNumberToObject(d7, "before", row->d7_before);
    cJSON_AddNumberToObject(d90, "now", row->d90_now);
    cJSON_AddNumberToObject(d90, "before", row->d90_before);
    /* the series know signals from the stream's first entry on (a 90-day trend compares 180 days) */
    cJSON_AddBoolToObject(d90, "complete", since > 0 && since <= now - 180LL * 86400000);
    cJSON_AddNumberToObject(d365, "now", row->d365);
    char day[32];
    if (row->last_ms) {
        iso_of(row->last_ms, day, "%Y-%m-%dT%H:%M:%SZ");
        cJSON_AddStringToObject(o, "last_signal", day);
        cJSON_AddStringToObject(o, "last_signal_type", row->last_type);
    } else {
        cJSON_AddNullToObject(o, "last_signal");
        cJSON_AddNullToObject(o, "last_signal_type");
    }
    cJSON *ser = cJSON_AddObjectToObject(o, "series");
    iso_of(queue_series_week_start(queue_series_week(now) - SERIES_WEEKS + 1), day, "%Y-%m-%d");
    cJSON *weeks = ser && cJSON_AddStringToObject(ser, "from", day) ? cJSON_AddArrayToObject(ser, "weeks") : NULL;
    char spark[SERIES_WEEKS * 3 + 1];
    if (!weeks)
        goto oom;
    for (size_t k = 0; k < SERIES_WEEKS; k++)
        cJSON_AddItemToArray(weeks, cJSON_CreateNumber(row->count[k]));
    queue_series_sparkline(row->count, SERIES_WEEKS, spark, sizeof(spark));
    cJSON_AddStringToObject(ser, "sparkline", spark);
    if (account_company_sources(q, id, o, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie: %s\n", err);
        goto out;
    }
    if (!(text = cJSON_PrintUnformatted(o)))
        goto oom;
    printf("%s\n", text);
    rc = 0;
    goto out;
oom:
    fprintf(stderr, "vigie: out of memory\n");
out:
    cJSON_free(text);
    cJSON_Delete(o);
    enrich_account_set_free(set);
    vg_free(row);
    vg_free(wrapped);
    vg_free(j);
    return rc;
}

/* `reindex`: the whole signals stream into the accounts' series again (what the first
 * command after an upgrade does by itself; the signals already there are not counted twice). */
static int do_reindex(struct queue_sync *q, const struct vg_config *cfg)
{
    char err[512];
    long long added = 0;
    if (queue_series_index(q, cfg->review_half_life_ms, 1, &added, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie: %s\n", err);
        return 1;
    }
    printf("%lld signal(s) added to the accounts' series\n", added);
    return 0;
}

/* `set-tier ID TIER --reason TEXT [--by WHO]`: the account team's decision (vigie never changes
 * a tier by itself), recorded with who, when, from, to and why in tier-decisions:<id>, in the
 * same transaction as the account's new tier; the next `vigie review` shows it. */
static int parse_set_tier(int n, char **rest, const char **tier, const char **reason, const char **by)
{
    *tier = n >= 3 ? rest[2] : NULL;
    *reason = *by = NULL;
    for (int i = 3; i < n; i++) {
        if (strcmp(rest[i], "--reason") == 0 && i + 1 < n)
            *reason = rest[++i];
        else if (strcmp(rest[i], "--by") == 0 && i + 1 < n)
            *by = rest[++i];
        else {
            fprintf(stderr, "vigie accounts set-tier: unexpected argument '%s'\n", rest[i]);
            return 2;
        }
    }
    if (!*tier || (strcmp(*tier, "key") && strcmp(*tier, "candidate") && strcmp(*tier, "standard"))) {
        fprintf(stderr, "vigie accounts set-tier: tier '%s' is not key, candidate or standard\n", *tier ? *tier : "");
        return 2;
    }
    if (!*reason || !**reason) {
        fprintf(stderr, "vigie accounts set-tier: --reason \"...\" is required: a tier decision is kept with its reason\n");
        return 2;
    }
    if (!*by || !**by)
        *by = getenv("USER");
    if (!*by || !**by)
        *by = "unknown";
    return 0;
}

static int do_set_tier(struct queue_sync *q, const char *id, const char *tier, const char *reason, const char *by)
{
    char err[512] = "", *wrapped = NULL, *json = NULL, *decision = NULL;
    struct enrich_account_set *set = NULL;
    cJSON *d = NULL;
    int rc = 1;
    char *stored = queue_accounts_get(q, id, err, sizeof(err));
    if (!stored) {
        if (err[0])
            fprintf(stderr, "vigie: %s\n", err);
        else
            fprintf(stderr, "vigie: no account with id '%s' (`vigie accounts list` shows them)\n", id);
        return 1;
    }
    size_t len = strlen(stored) + 3;
    if (!(wrapped = vg_malloc(len)))
        goto oom;
    snprintf(wrapped, len, "[%s]", stored);
    if (enrich_accounts_parse(wrapped, strlen(wrapped), &set, err, sizeof(err)) < 0 || set->n != 1) {
        fprintf(stderr, "vigie: stored account '%s' does not parse: %s (not changed)\n", id, err);
        goto out;
    }
    struct enrich_account *a = &set->v[0];
    char from[16], at[32];
    snprintf(from, sizeof(from), "%s", a->tier ? a->tier : "standard");
    char *t = vg_strdup(tier);
    if (!t)
        goto oom;
    vg_free(a->tier);
    a->tier = t;
    int64_t now = vg_clock_ms();
    time_t secs = (time_t)(now / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!(json = enrich_account_to_json(a)) || !(d = cJSON_CreateObject()))
        goto oom;
    cJSON_AddStringToObject(d, "at", at);
    cJSON_AddStringToObject(d, "by", by);
    cJSON_AddStringToObject(d, "from", from);
    cJSON_AddStringToObject(d, "to", tier);
    cJSON_AddStringToObject(d, "reason", reason);
    if (!(decision = cJSON_PrintUnformatted(d)))
        goto oom;
    if (queue_tier_decide(q, id, json, decision, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie: %s (the tier may not have changed: `vigie accounts show %s` tells)\n", err, id);
        goto out;
    }
    if (strcmp(from, tier) == 0)
        printf("%s: kept at %s, decision recorded (by %s on %s)\n", id, tier, by, at);
    else
        printf("%s: tier %s -> %s, decision recorded (by %s on %s)\n", id, from, tier, by, at);
    rc = 0;
    goto out;
oom:
    fprintf(stderr, "vigie: out of memory (not changed)\n");
out:
    if (decision)
        cJSON_free(decision);
    cJSON_Delete(d);
    vg_free(json);
    enrich_account_set_free(set);
    vg_free(wrapped);
    vg_free(stored);
    return rc;
}

int cmd_accounts(int argc, char **argv)
{
    const char *config = NULL;
    char *rest[256];
    int n = 0;
    for (int i = 1; i < argc && n < 256; i++) {
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc)
            config = argv[++i];
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        } else
            rest[n++] = argv[i];
    }
    const char *verb = n ? rest[0] : "", *sort = NULL;
    int json = 0;
    if (strcmp(verb, "sync") == 0)
        return cmd_accounts_sync(config, n - 1, rest + 1);
    if (strcmp(verb, "lookup") == 0)
        return cmd_accounts_lookup(config, n - 1, rest + 1);
    const char *tier = NULL, *reason = NULL, *by = NULL;
    if (strcmp(verb, "set-tier") == 0 && n >= 2) {
        int bad = parse_set_tier(n, rest, &tier, &reason, &by);
        if (bad) {
            fputs(usage, stderr);
            return bad;
        }
    }
    int map = 0, map_json = 0;
    int ok = (strcmp(verb, "import") == 0 && n == 2) || (strcmp(verb, "show") == 0 && n == 2) ||
             (strcmp(verb, "show") == 0 && (map = show_map_args(n, rest, &map_json))) ||
             (strcmp(verb, "reindex") == 0 && n == 1) ||
             (strcmp(verb, "rm") == 0 && n >= 2) || (strcmp(verb, "set-tier") == 0 && tier) ||
             (strcmp(verb, "list") == 0 && list_args(n - 1, rest + 1, &json, &sort) == 0);
    if (!ok) {
        if (n)
            fprintf(stderr, "vigie accounts: bad arguments\n");
        fputs(usage, stderr);
        return 2;
    }
    struct vg_config *cfg = NULL;
    struct queue_sync *q = vg_cli_open_queue(config, &cfg);
    int rc = 1;
    if (!q)
        goto out;
    if (strcmp(verb, "import") == 0)
        rc = do_import(q, rest[1]);
    else if (strcmp(verb, "list") == 0)
        rc = do_list(q, cfg, json, sort);
    else if (strcmp(verb, "show") == 0 && map)
        rc = account_map_show(q, rest[1], map_json);
    else if (strcmp(verb, "show") == 0)
        rc = do_show(q, cfg, rest[1]);
    else if (strcmp(verb, "reindex") == 0)
        rc = do_reindex(q, cfg);
    else if (strcmp(verb, "set-tier") == 0)
        rc = do_set_tier(q, rest[1], tier, reason, by);
    else {
        rc = 0;
        for (int i = 1; i < n; i++) {
            char err[512];
            int r = queue_accounts_remove(q, rest[i], err, sizeof(err));
            if (r < 0) {
                fprintf(stderr, "vigie: %s\n", err);
                rc = 1;
            } else if (r == 0) {
                fprintf(stderr, "vigie: no account with id '%s'\n", rest[i]);
                rc = 1;
            } else {
                printf("removed %s\n", rest[i]);
            }
        }
    }
out:
    queue_sync_close(q);
    vg_config_free(cfg);
    return rc;
}
