/* cmd_alerts — `vigie alerts silence|silences|expire` (the silences the alerts router honours,
 * kept in Redis: queue/queue_silences.h), and the dispatch of `alerts test` (cmd_alerts_test.c)
 * and `alerts preview` (cmd_alerts_preview.c).
 *
 * Times come from vg_clock_ms(), the clock the router decides with, so that a test driving it
 * with VIGIE_CLOCK_FILE sees silences start and end where the router does. */
#include "daemon/cli_queue.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "queue/queue_accounts.h"
#include "queue/queue_silences.h"
#include "queue/queue_sync.h"
#include "util/vg_alloc.h"
#include "util/vg_json.h"
#include "util/vg_time.h"
#include "util/vg_units.h"
#include "util/vg_utf8.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The longest silence: one that should outlive a year is a route or a receiver to change. */
#define SILENCE_MAX_MS (366LL * 86400 * 1000)

static const char usage_silence[] =
    "usage: vigie alerts [-c FILE] silence (--account ID | --owner OWNER | --type TYPE)... --for DURATION\n"
    "                                      [--comment TEXT] [--by NAME]\n"
    "  Holds back every alert whose signal matches all the matchers given, from now for DURATION\n"
    "  (30m, 12h, 7d; at most 366d). OWNER is an owner's e-mail (any case) or, for an account\n"
    "  without owner_email, its owner as written. --by defaults to $USER. Prints the silence's id.\n";
static const char usage_silences[] =
    "usage: vigie alerts [-c FILE] silences [--all] [--json]\n"
    "  The silences in force (--all: also those that ended in the last 30 days); --json prints\n"
    "  one stored record per line.\n";
static const char usage_expire[] =
    "usage: vigie alerts [-c FILE] expire ID...\n"
    "  Ends silences now (they stay listed by `silences --all` for 30 days).\n";

static const char usage[] =
    "usage: vigie alerts [-c FILE] silence (--account ID | --owner OWNER | --type TYPE)... --for DURATION\n"
    "                                      [--comment TEXT] [--by NAME]\n"
    "       vigie alerts [-c FILE] silences [--all] [--json]\n"
    "       vigie alerts [-c FILE] expire ID...\n"
    "       vigie alerts [-c FILE] test --receiver NAME [--owner-email ADDR] [--owner-slack ID]\n"
    "       vigie alerts [-c FILE] preview --owner OWNER --digest [--html FILE]\n"
    "  (`vigie help alerts` says more; `vigie alerts VERB --help` shows one verb)\n";

/* ---- durations as people read them ---------------------------------------------------- */

/* "6d 23h", "5h 2m", "12m", "40s": the two largest units, rounded down. */
static void span_text(int64_t ms, char *out, size_t outlen)
{
    long long s = ms / 1000;
    long long d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60;
    if (d)
        snprintf(out, outlen, h ? "%lldd %lldh" : "%lldd", d, h);
    else if (h)
        snprintf(out, outlen, m ? "%lldh %lldm" : "%lldh", h, m);
    else if (m)
        snprintf(out, outlen, "%lldm", m);
    else
        snprintf(out, outlen, "%llds", s);
}

/* A duration for --for: a number with a unit (a bare "7" would be 7 seconds, which no one
 * means for a silence). 0, or -1 with the reason. */
static int parse_for(const char *text, long long *ms, char *why, size_t whylen)
{
    size_t len = strlen(text);
    if (len == 0 || isdigit((unsigned char)text[len - 1])) {
        snprintf(why, whylen, "--for '%s': give a unit, e.g. 30m, 12h or 7d", text);
        return -1;
    }
    if (vg_parse_duration_ms(text, ms) < 0) {
        snprintf(why, whylen, "--for '%s' is not a duration (30m, 12h, 7d)", text);
        return -1;
    }
    if (*ms < 1000) {
        snprintf(why, whylen, "--for '%s': a silence lasts at least a second", text);
        return -1;
    }
    if (*ms > SILENCE_MAX_MS) {
        snprintf(why, whylen, "--for '%s': a silence lasts at most 366d (change the route instead)", text);
        return -1;
    }
    return 0;
}

/* The owner key the router compares with: an address lower-cased, a name as written. */
static char *owner_key(const char *owner)
{
    char *k = vg_strdup(owner);
    if (k && strchr(k, '@'))
        for (char *p = k; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    return k;
}

static const char *default_by(void)
{
    const char *u = getenv("USER");
    if (u && *u)
        return u;
    struct passwd *pw = getpwuid(getuid());
    return pw && pw->pw_name ? pw->pw_name : NULL;
}

/* A matcher that names nothing in the registry is kept (the account or owner may come later)
 * but said, since a typo would otherwise silence nothing without a word. */
static void warn_unknown(struct queue_sync *q, const struct queue_silence *s)
{
    char err[512];
    if (s->account) {
        char *j = queue_accounts_get(q, s->account, err, sizeof(err));
        if (!j && !err[0])
            fprintf(stderr, "vigie: warning: no account with id '%s' (yet); the silence is kept\n", s->account);
        vg_free(j);
    }
    if (!s->owner)
        return;
    size_t n;
    char *all = queue_accounts_all(q, &n, err, sizeof(err));
    cJSON *arr = all ? vg_json_parse(all, strlen(all)) : NULL;
    vg_free(all);
    if (!arr)
        return;
    int seen = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, arr)
    {
        const cJSON *email = cJSON_GetObjectItemCaseSensitive(a, "owner_email");
        const cJSON *owner = cJSON_GetObjectItemCaseSensitive(a, "owner");
        const char *by = cJSON_IsString(email) && email->valuestring[0] ? email->valuestring
                         : cJSON_IsString(owner)                         ? owner->valuestring
                                                                          : NULL;
        char *k = by ? owner_key(by) : NULL;
        seen |= k && strcmp(k, s->owner) == 0;
        vg_free(k);
    }
    cJSON_Delete(arr);
    if (!seen)
        fprintf(stderr, "vigie: warning: no account has owner '%s' (yet); the silence is kept\n", s->owner);
}

static int set_matcher(char **slot, const char *flag, const char *value)
{
    if (*slot) {
        fprintf(stderr, "vigie alerts silence: %s given twice (a silence has one value per matcher; make two "
                        "silences)\n", flag);
        return -1;
    }
    if (!*value) {
        fprintf(stderr, "vigie alerts silence: %s needs a value\n", flag);
        return -1;
    }
    *slot = strcmp(flag, "--owner") == 0 ? owner_key(value) : vg_strdup(value);
    return 0;
}

static int do_silence(const char *config, int argc, char **argv)
{
    struct queue_silence s;
    memset(&s, 0, sizeof(s));
    const char *dur = NULL, *comment = NULL, *by = NULL;
    int rc = 2;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_silence, stdout);
            rc = 0;
            goto out;
        }
        int takes = strcmp(a, "--account") == 0 || strcmp(a, "--owner") == 0 || strcmp(a, "--type") == 0 ||
                    strcmp(a, "--for") == 0 || strcmp(a, "--comment") == 0 || strcmp(a, "--by") == 0;
        if (!takes) {
            fprintf(stderr, "vigie alerts silence: unknown argument '%s'\n", a);
            fputs(usage_silence, stderr);
            goto out;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "vigie alerts silence: %s needs a value\n", a);
            goto out;
        }
        const char *v = argv[++i];
        if (strcmp(a, "--account") == 0 ? set_matcher(&s.account, a, v) < 0
            : strcmp(a, "--owner") == 0 ? set_matcher(&s.owner, a, v) < 0
            : strcmp(a, "--type") == 0  ? set_matcher(&s.type, a, v) < 0
                                        : 0)
            goto out;
        if (strcmp(a, "--for") == 0)
            dur = v;
        else if (strcmp(a, "--comment") == 0)
            comment = v;
        else if (strcmp(a, "--by") == 0)
            by = v;
    }
    if (!s.account && !s.owner && !s.type) {
        fprintf(stderr, "vigie alerts silence: give at least one matcher: --account ID, --owner OWNER or --type "
                        "TYPE (a silence of everything is not one)\n");
        goto out;
    }
    if (!dur) {
        fprintf(stderr, "vigie alerts silence: --for DURATION is required (30m, 12h, 7d)\n");
        goto out;
    }
    long long ms;
    char why[256];
    if (parse_for(dur, &ms, why, sizeof(why)) < 0) {
        fprintf(stderr, "vigie alerts silence: %s\n", why);
        goto out;
    }
    if (!by)
        by = default_by();
    s.comment = comment && *comment ? vg_strdup(comment) : NULL;
    s.created_by = by && *by ? vg_strdup(by) : NULL;

    rc = 1;
    struct vg_config *cfg = NULL;
    struct queue_sync *q = vg_cli_open_queue(config, &cfg);
    if (q) {
        char err[512];
        int64_t now = vg_clock_ms();
        s.starts_ms = now;
        s.ends_ms = now + ms;
        warn_unknown(q, &s);
        if (queue_silences_purge(q, now, err, sizeof(err)) < 0 || queue_silence_add(q, &s, err, sizeof(err)) < 0) {
            fprintf(stderr, "vigie: %s (no silence was added)\n", err);
        } else {
            char ends[32], span[32];
            queue_silence_time(s.ends_ms, ends, sizeof(ends));
            span_text(ms, span, sizeof(span));
            printf("%s\n", s.id);
            fprintf(stderr, "silence %s in force until %s (%s); `vigie alerts expire %s` ends it sooner\n", s.id,
                    ends, span, s.id);
            rc = 0;
        }
    }
    queue_sync_close(q);
    vg_config_free(cfg);
out:
    queue_silence_clear(&s);
    return rc;
}

/* Prints text in a column of `width` characters (not bytes: comments and names are often
 * accented), cut at a character's boundary with "…" when longer, then the gap. */
static void print_cell(const char *text, size_t width, const char *gap)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t len = strlen(text), chars = 0, i = 0;
    while (i < len) {
        int32_t cp;
        size_t k = vg_utf8_next(p + i, len - i, &cp);
        if (chars + 1 == width && i + k < len) { /* room for the ellipsis only */
            fputs("…", stdout);
            chars++;
            i = len;
            break;
        }
        fwrite(p + i, 1, k, stdout);
        i += k;
        chars++;
    }
    printf("%*s%s", (int)(width > chars ? width - chars : 0), "", gap);
}

static void matchers_text(const struct queue_silence *s, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s%s%s%s%s%s%s%s", s->account ? "account=" : "", s->account ? s->account : "",
             s->account && (s->owner || s->type) ? " " : "", s->owner ? "owner=" : "", s->owner ? s->owner : "",
             s->owner && s->type ? " " : "", s->type ? "type=" : "", s->type ? s->type : "");
}

static int do_silences(const char *config, int argc, char **argv)
{
    int all = 0, json = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--all") == 0)
            all = 1;
        else if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage_silences, stdout);
            return 0;
        } else {
            fprintf(stderr, "vigie alerts silences: unknown argument '%s'\n", argv[i]);
            fputs(usage_silences, stderr);
            return 2;
        }
    }
    struct vg_config *cfg = NULL;
    struct queue_sync *q = vg_cli_open_queue(config, &cfg);
    int rc = 1;
    struct queue_silence *v = NULL;
    size_t n = 0, bad = 0;
    char err[512];
    int64_t now = vg_clock_ms();
    if (!q)
        goto out;
    if (queue_silences_purge(q, now, err, sizeof(err)) < 0 || queue_silences_list(q, &v, &n, &bad, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie: %s\n", err);
        goto out;
    }
    /* the matchers are what a reader needs whole: their column is as wide as the widest */
    size_t mwidth = 8;
    for (size_t i = 0; i < n; i++) {
        char m[512];
        matchers_text(&v[i], m, sizeof(m));
        size_t w = 0;
        for (const unsigned char *p = (const unsigned char *)m; *p; p++)
            w += (*p & 0xC0) != 0x80; /* characters, not bytes */
        if ((all || v[i].ends_ms > now) && w > mwidth)
            mwidth = w;
    }
    size_t shown = 0, ended = 0;
    for (size_t i = 0; i < n; i++) {
        const struct queue_silence *s = &v[i];
        int active = s->ends_ms > now;
        ended += !active;
        if (!active && !all)
            continue;
        if (json) {
            char *j = queue_silence_json(s);
            printf("%s\n", j ? j : "");
            vg_free(j);
            shown++;
            continue;
        }
        if (shown++ == 0) {
            print_cell("ID", 8, "  ");
            print_cell("MATCHERS", mwidth, "  ");
            print_cell("ENDS", 36, "  ");
            print_cell("COMMENT", 30, "  ");
            printf("BY\n");
        }
        char m[512], ends[32], span[32], when[64];
        matchers_text(s, m, sizeof(m));
        queue_silence_time(s->ends_ms, ends, sizeof(ends));
        span_text(active ? s->ends_ms - now : now - s->ends_ms, span, sizeof(span));
        ends[16] = '\0'; /* to the minute: "2026-12-14T14:04" */
        snprintf(when, sizeof(when), active ? "%sZ (in %s)" : "%sZ (ended %s ago)", ends, span);
        print_cell(s->id, 8, "  ");
        print_cell(m, mwidth, "  ");
        print_cell(when, 36, "  ");
        print_cell(s->comment ? s->comment : "", 30, "  ");
        printf("%s\n", s->created_by ? s->created_by : "");
    }
    if (!json) {
        if (shown == 0)
            printf(all ? "no silences (ended ones are kept 30 days)\n" : "no silence in force\n");
        else
            printf("%zu silence(s)%s\n", shown, all ? "" : " in force");
        if (!all && ended)
            printf("(%zu ended in the last 30 days: --all shows them)\n", ended);
    }
    if (bad)
        fprintf(stderr, "vigie: warning: %zu record(s) of the silences hash do not parse (skipped)\n", bad);
    rc = 0;
out:
    queue_silences_free(v, n);
    queue_sync_close(q);
    vg_config_free(cfg);
    return rc;
}

static int do_expire(const char *config, int argc, char **argv)
{
    int nids = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage_expire, stdout);
            return 0;
        }
        if (argv[i][0] == '-') {
            fprintf(stderr, "vigie alerts expire: unknown argument '%s'\n", argv[i]);
            fputs(usage_expire, stderr);
            return 2;
        }
        nids++;
    }
    if (!nids) {
        fprintf(stderr, "vigie alerts expire: which silence? (`vigie alerts silences` lists their ids)\n");
        fputs(usage_expire, stderr);
        return 2;
    }
    struct vg_config *cfg = NULL;
    struct queue_sync *q = vg_cli_open_queue(config, &cfg);
    int rc = q ? 0 : 1;
    int64_t now = vg_clock_ms();
    for (int i = 0; q && i < argc; i++) {
        char err[512] = "", when[32], span[32];
        int64_t ended = 0;
        int r = queue_silence_expire(q, argv[i], now, &ended, err, sizeof(err));
        if (r == 1) {
            printf("expired %s\n", argv[i]);
        } else if (r == 2) {
            queue_silence_time(ended, when, sizeof(when));
            span_text(now - ended, span, sizeof(span));
            printf("%s had already ended, at %s (%s ago)\n", argv[i], when, span);
        } else if (r == 0) {
            fprintf(stderr, "vigie: no silence with id '%s' (`vigie alerts silences --all` lists them)\n", argv[i]);
            rc = 1;
        } else {
            fprintf(stderr, "vigie: %s: %s\n", argv[i], err);
            rc = 1;
        }
    }
    queue_sync_close(q);
    vg_config_free(cfg);
    return rc;
}

int cmd_alerts(int argc, char **argv)
{
    const char *config = NULL;
    char **rest = vg_calloc((size_t)argc + 1, sizeof(*rest));
    int n = 0;
    if (!rest)
        return 1;
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc)
            config = argv[++i];
        else
            rest[n++] = argv[i];
    }
    const char *verb = n ? rest[0] : "";
    int rc;
    if (strcmp(verb, "silence") == 0)
        rc = do_silence(config, n - 1, rest + 1);
    else if (strcmp(verb, "silences") == 0)
        rc = do_silences(config, n - 1, rest + 1);
    else if (strcmp(verb, "expire") == 0)
        rc = do_expire(config, n - 1, rest + 1);
    else if (strcmp(verb, "test") == 0)
        rc = cmd_alerts_test(config, n - 1, rest + 1);
    else if (strcmp(verb, "preview") == 0)
        rc = cmd_alerts_preview(config, n - 1, rest + 1);
    else if (strcmp(verb, "-h") == 0 || strcmp(verb, "--help") == 0) {
        fputs(usage, stdout);
        rc = 0;
    } else {
        if (n)
            fprintf(stderr, "vigie alerts: unknown verb '%s'\n", verb);
        fputs(usage, stderr);
        rc = 2;
    }
    vg_free(rest);
    return rc;
}
