/* cmd_today — `vigie today`: who to call this week. An owner's accounts (all owners' without
 * --owner) with signals in the last N days, ranked by the heat those signals brought (the
 * review's heat, daemon/account_signals.c), each with its recent signals newest first and the
 * contact to call about the strongest of them (daemon/today_contact.c). Reads, changes nothing. */
#include "daemon/account_signals.h"
#include "daemon/cli_queue.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "daemon/today_contact.h"
#include "util/vg_alloc.h"
#include "util/vg_time.h"
#include "enrich/account.h"
#include "enrich/review.h"
#include "queue/queue_contract.h"
#include "queue/queue_sync.h"
#include "queue/queue_tail.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DAY_MS 86400000LL

static const char usage[] =
    "usage: vigie today [-c FILE] [--owner OWNER] [--days N] [--json]\n"
    "  Who to call this week: the owner's accounts (every owner's without --owner; OWNER is an\n"
    "  account's owner or owner_email, case aside) with signals in the last N days (7), the\n"
    "  accounts whose signals brought the most heat first; each with those signals, newest\n"
    "  first, and the person to call about the strongest one. Nothing is changed.\n";

/* One account to call, with its recent signals (one per id, newest first). */
struct pick {
    const struct enrich_account *a;
    double heat, gained; /* heat of all its signals; of those of the last N days */
    const struct account_signal **sig;
    size_t n_sig;
    int top_priority;
    const cJSON *contact;
    const char *why;
};

/* The contacts stream's records of the accounts picked, the latest of each person. */
struct contacts {
    const struct pick *picks; /* only their contacts are kept */
    size_t n_picks;
    cJSON **v;
    size_t n, cap;
    int oom;
};

static int take_contact(const char *field, const char *payload, const char *entry_id, void *arg)
{
    (void)entry_id;
    struct contacts *cs = arg;
    if (strcmp(field, QUEUE_FIELD_CONTACT) != 0)
        return 0;
    cJSON *j = cJSON_Parse(payload);
    const cJSON *id = j ? cJSON_GetObjectItemCaseSensitive(j, "id") : NULL;
    const cJSON *account = j ? cJSON_GetObjectItemCaseSensitive(j, "account_id") : NULL;
    size_t p = 0;
    while (cJSON_IsString(account) && p < cs->n_picks && strcmp(cs->picks[p].a->id, account->valuestring) != 0)
        p++;
    if (!cJSON_IsString(id) || !cJSON_IsString(account) || p == cs->n_picks) {
        cJSON_Delete(j);
        return 0;
    }
    for (size_t i = 0; i < cs->n; i++) /* the same person found again: the newer record */
        if (strcmp(cJSON_GetObjectItemCaseSensitive(cs->v[i], "id")->valuestring, id->valuestring) == 0) {
            cJSON_Delete(cs->v[i]);
            cs->v[i] = j;
            return 0;
        }
    if (cs->n == cs->cap) {
        size_t cap = cs->cap ? cs->cap * 2 : 64;
        cJSON **v = vg_realloc(cs->v, cap * sizeof(*v));
        if (!v) {
            cJSON_Delete(j);
            cs->oom = 1;
            return 1;
        }
        cs->v = v;
        cs->cap = cap;
    }
    cs->v[cs->n++] = j;
    return 0;
}

static int newest_first(const void *x, const void *y)
{
    const struct account_signal *a = *(const struct account_signal *const *)x, *b = *(const struct account_signal *const *)y;
    if (a->s.ms != b->s.ms)
        return a->s.ms > b->s.ms ? -1 : 1;
    return strcmp(a->id, b->id);
}

static int by_change(const void *x, const void *y)
{
    const struct pick *a = x, *b = y;
    if (a->gained != b->gained)
        return a->gained > b->gained ? -1 : 1;
    if (a->top_priority != b->top_priority)
        return b->top_priority - a->top_priority;
    if (a->sig[0]->s.ms != b->sig[0]->s.ms)
        return a->sig[0]->s.ms > b->sig[0]->s.ms ? -1 : 1;
    return strcmp(a->a->id, b->a->id);
}

/* The account's signals told after from_ms, one per id (its entry with the most sources), newest
 * first. 0, or -1 when out of memory. */
static int recent_signals(const struct account_signals *all, struct pick *p, int64_t from_ms)
{
    size_t n;
    const struct account_signal *run = account_signals_of(all, p->a->id, &n);
    p->sig = vg_malloc((n ? n : 1) * sizeof(*p->sig));
    if (!p->sig)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (run[i].s.ms <= from_ms)
            continue;
        size_t k = 0;
        while (k < p->n_sig && strcmp(p->sig[k]->id, run[i].id) != 0)
            k++;
        if (k == p->n_sig)
            p->sig[p->n_sig++] = &run[i];
        else if (run[i].s.sources > p->sig[k]->s.sources)
            p->sig[k] = &run[i];
    }
    qsort(p->sig, p->n_sig, sizeof(*p->sig), newest_first);
    return 0;
}

/* The signal the call is about: the highest priority, the newest among equals. */
static const struct account_signal *lead(const struct pick *p)
{
    const struct account_signal *best = p->sig[0];
    for (size_t i = 1; i < p->n_sig; i++)
        if (p->sig[i]->s.priority > best->s.priority)
            best = p->sig[i];
    return best;
}

static const char *cstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The contact's address and whether it is a guess (email_guess.verified false). */
static const char *email_of(const cJSON *c, int *guessed)
{
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(c, "email_guess");
    *guessed = 0;
    const char *addr = cJSON_IsObject(g) ? cstr(g, "address") : NULL;
    if (addr)
        *guessed = !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(g, "verified"));
    return addr;
}

static void day_of(int64_t ms, char out[32], const char *fmt)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, fmt, &tm);
}

static double tenth(double x) { return (double)(long long)(x * 10 + 0.5) / 10; }

static cJSON *pick_json(const struct pick *p)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", p->a->id);
    cJSON_AddStringToObject(o, "name", p->a->name);
    if (p->a->owner)
        cJSON_AddStringToObject(o, "owner", p->a->owner);
    else
        cJSON_AddNullToObject(o, "owner");
    cJSON_AddStringToObject(o, "tier", p->a->tier ? p->a->tier : "standard");
    cJSON_AddNumberToObject(o, "heat", tenth(p->heat));
    cJSON_AddNumberToObject(o, "heat_gained", tenth(p->gained));
    cJSON *sigs = cJSON_AddArrayToObject(o, "signals");
    for (size_t i = 0; sigs && i < p->n_sig; i++) {
        const struct account_signal *s = p->sig[i];
        cJSON *x = cJSON_CreateObject();
        char when[32];
        day_of(s->s.ms, when, "%Y-%m-%dT%H:%M:%SZ");
        cJSON_AddStringToObject(x, "id", s->id);
        cJSON_AddStringToObject(x, "published", when);
        cJSON_AddStringToObject(x, "type", s->type);
        cJSON_AddNumberToObject(x, "priority", s->s.priority);
        cJSON_AddStringToObject(x, "title", s->title);
        cJSON_AddStringToObject(x, "url", s->url);
        cJSON_AddItemToArray(sigs, x);
    }
    if (!p->contact) {
        cJSON_AddNullToObject(o, "contact");
        return o;
    }
    cJSON *c = cJSON_AddObjectToObject(o, "contact");
    const char *keys[] = {"id", "name", "title", "role_norm", "seniority", "department"};
    for (size_t k = 0; c && k < sizeof(keys) / sizeof(keys[0]); k++) {
        const char *v = cstr(p->contact, keys[k]);
        if (v)
            cJSON_AddStringToObject(c, keys[k], v);
        else
            cJSON_AddNullToObject(c, keys[k]);
    }
    int guessed;
    const char *mail = email_of(p->contact, &guessed);
    if (mail)
        cJSON_AddStringToObject(c, "email", mail);
    else
        cJSON_AddNullToObject(c, "email");
    cJSON_AddBoolToObject(c, "email_guessed", guessed);
    cJSON_AddStringToObject(c, "about", lead(p)->type);
    cJSON_AddStringToObject(c, "why", p->why);
    return o;
}

static void print_pick(const struct pick *p, long days)
{
    printf("%s  %s  (%s, %s)  heat %.0f, +%.0f in %ld day(s)\n", p->a->id, p->a->name, p->a->owner ? p->a->owner : "no owner",
           p->a->tier ? p->a->tier : "standard", p->heat, p->gained, days);
    for (size_t i = 0; i < p->n_sig; i++) {
        char day[32];
        day_of(p->sig[i]->s.ms, day, "%Y-%m-%d");
        printf("  %s  %-18s %3d  %s\n", day, p->sig[i]->type, p->sig[i]->s.priority, p->sig[i]->title);
    }
    if (!p->contact) {
        printf("  call: no contact known yet at %s\n\n", p->a->name);
        return;
    }
    const char *name = cstr(p->contact, "name"), *title = cstr(p->contact, "title");
    int guessed;
    const char *mail = email_of(p->contact, &guessed);
    printf("  call: %s%s%s", name ? name : "?", title ? ", " : "", title ? title : "");
    if (mail)
        printf(" <%s>%s", mail, guessed ? " (guessed e-mail)" : "");
    else
        printf(" (no e-mail known)");
    printf(" -- %s, for the %s\n\n", p->why, lead(p)->type);
}

int cmd_today(int argc, char **argv)
{
    const char *config = NULL, *owner = NULL;
    int json = 0;
    long days = 7;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        char *end;
        if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && has)
            config = argv[++i];
        else if (strcmp(a, "--owner") == 0 && has)
            owner = argv[++i];
        else if (strcmp(a, "--days") == 0 && has) {
            days = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || days < 1 || days > 365) {
                fprintf(stderr, "vigie today: --days takes a whole number of days from 1 to 365, not '%s'\n", argv[i]);
                return 2;
            }
        } else if (strcmp(a, "--json") == 0)
            json = 1;
        else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        } else {
            fprintf(stderr, "vigie today: unexpected argument '%s'\n%s", a, usage);
            return 2;
        }
    }
    struct vg_config *cfg = NULL;
    struct queue_sync *q = vg_cli_open_queue(config, &cfg);
    if (!q) {
        vg_config_free(cfg);
        return 1;
    }
    struct review_config rc;
    account_signals_review_config(cfg, &rc);
    int64_t now = vg_clock_ms(), from = now - days * DAY_MS;
    char err[512];
    size_t n_all = 0, n_owned = 0, n_picks = 0;
    int status = 1;
    struct enrich_account_set *set = NULL;
    struct account_signals sigs = {0};
    struct contacts cs = {0};
    struct pick *picks = NULL;
    struct review_row *row = vg_malloc(sizeof(*row));
    if (account_signals_accounts(q, &set, &n_all) < 0)
        goto out;
    picks = vg_calloc(set ? set->n + 1 : 1, sizeof(*picks));
    if (!row || !picks)
        goto oom;
    if (set && account_signals_read(q, &sigs, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie: %s\n", err);
        goto out;
    }
    for (size_t i = 0; set && i < set->n; i++) {
        const struct enrich_account *a = &set->v[i];
        if (a->retired)
            continue;
        if (owner && !(a->owner && strcasecmp(a->owner, owner) == 0) &&
            !(a->owner_email && strcasecmp(a->owner_email, owner) == 0))
            continue;
        n_owned++;
        struct pick *p = &picks[n_picks];
        p->a = a;
        if (recent_signals(&sigs, p, from) < 0)
            goto oom;
        if (!p->n_sig) {
            vg_free(p->sig);
            *p = (struct pick){0};
            continue;
        }
        if (account_signals_review(&sigs, a, 0, now, &rc, row) < 0)
            goto oom;
        p->heat = row->heat;
        if (account_signals_review(&sigs, a, from, now, &rc, row) < 0)
            goto oom;
        p->gained = row->heat;
        p->top_priority = lead(p)->s.priority;
        n_picks++;
    }
    qsort(picks, n_picks, sizeof(*picks), by_change);

    cs.picks = picks;
    cs.n_picks = n_picks;
    if (n_picks) {
        if (queue_tail(q, QUEUE_STREAM_CONTACTS, 0, 0, take_contact, &cs, err, sizeof(err)) < 0 && !cs.oom) {
            fprintf(stderr, "vigie: %s\n", err);
            goto out;
        }
        if (cs.oom)
            goto oom;
    }
    const cJSON **mine = vg_malloc((cs.n ? cs.n : 1) * sizeof(*mine));
    if (!mine)
        goto oom;
    for (size_t i = 0; i < n_picks; i++) {
        size_t k = 0;
        for (size_t j = 0; j < cs.n; j++)
            if (strcmp(cstr(cs.v[j], "account_id"), picks[i].a->id) == 0)
                mine[k++] = cs.v[j];
        const struct account_signal *l = lead(&picks[i]);
        picks[i].contact = today_pick_contact(mine, k, l->type, l->url, &picks[i].why);
    }
    vg_free(mine);

    char since[32];
    day_of(from, since, "%Y-%m-%d");
    if (json) {
        cJSON *o = cJSON_CreateObject();
        char when[32];
        day_of(now, when, "%Y-%m-%dT%H:%M:%SZ");
        if (owner)
            cJSON_AddStringToObject(o, "owner", owner);
        else
            cJSON_AddNullToObject(o, "owner");
        cJSON_AddNumberToObject(o, "days", (double)days);
        cJSON_AddStringToObject(o, "now", when);
        cJSON *arr = cJSON_AddArrayToObject(o, "accounts");
        for (size_t i = 0; arr && i < n_picks; i++)
            cJSON_AddItemToArray(arr, pick_json(&picks[i]));
        char *text = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (!text)
            goto oom;
        printf("%s\n", text);
        cJSON_free(text);
    } else if (!n_picks) {
        if (!n_owned)
            printf("no accounts%s%s%s\n", owner ? " owned by " : "", owner ? owner : "",
                   n_all ? "" : " (import some with `vigie accounts import FILE`)");
        else
            printf("nothing new since %s for %s: no signal on %zu account(s) in the last %ld day(s)\n", since,
                   owner ? owner : "any owner", n_owned, days);
    } else {
        printf("Who to call: %zu of %zu account(s)%s%s with signals since %s, most changed first\n\n", n_picks, n_owned,
               owner ? " of " : "", owner ? owner : "", since);
        for (size_t i = 0; i < n_picks; i++)
            print_pick(&picks[i], days);
    }
    status = 0;
    goto out;
oom:
    fprintf(stderr, "vigie: out of memory\n");
out:
    for (size_t i = 0; picks && i < n_picks; i++)
        vg_free(picks[i].sig);
    for (size_t i = 0; i < cs.n; i++)
        cJSON_Delete(cs.v[i]);
    vg_free(cs.v);
    vg_free(picks);
    vg_free(row);
    account_signals_free(&sigs);
    enrich_account_set_free(set);
    queue_sync_close(q);
    vg_config_free(cfg);
    return status;
}
