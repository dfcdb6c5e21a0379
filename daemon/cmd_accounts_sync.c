/* cmd_accounts_sync — `vigie accounts sync --from NAME [--dry-run] [--allow-empty]`: the key accounts a CRM
 * marks, imported once into the registry (daemon/accounts_sync.h says how; the daemon does the
 * same every sync_accounts). The listing runs on an event loop of its own, the registry is
 * read and written blocking. A failed listing writes nothing; --dry-run reads and writes
 * nothing in Redis but what it reads, and prints what the sync would do. */
#include "daemon/accounts_sync.h"
#include "daemon/cli_queue.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "enrich/account_sync.h"
#include "http/fetch_http.h"
#include "queue/queue_accounts_sync.h"
#include "queue/queue_sync.h"
#include "sinks/sink.h"
#include "sinks/sink_options.h"
#include "util/vg_alloc.h"

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>

struct listing {
    struct event_base *base;
    int done;
    char *json;   /* the accounts, JSON text */
    char err[512];
};

static void on_listed(void *arg, cJSON *accounts, const char *err)
{
    struct listing *l = arg;
    l->done = 1;
    event_base_loopbreak(l->base); /* the client's kept-alive connections would hold the loop */
    if (!accounts) {
        snprintf(l->err, sizeof(l->err), "%s", err && *err ? err : "the listing ended without an answer");
        return;
    }
    char *txt = cJSON_PrintUnformatted(accounts);
    cJSON_Delete(accounts);
    if (txt)
        l->json = vg_strdup(txt);
    cJSON_free(txt);
    if (!l->json)
        snprintf(l->err, sizeof(l->err), "out of memory");
}

/* The CRM's key accounts as JSON text, or NULL with err. */
static char *list_accounts(const struct vg_sink_section *sec, char *err, size_t errlen)
{
    struct listing l = {0};
    struct event_base *base = l.base = event_base_new();
    struct fetch_client *client = NULL;
    if (!base) {
        snprintf(err, errlen, "cannot create an event loop");
        return NULL;
    }
    struct fetch_config fc;
    sink_common_fetch_config(&sec->common, &fc);
    client = fetch_client_new(base, &fc, err, errlen);
    if (client && sec->type->list_accounts(base, client, sec->config, on_listed, &l, err, errlen) == 0) {
        while (!l.done && event_base_dispatch(base) == 0)
            ;
        if (!l.done)
            snprintf(err, errlen, "the listing stopped before its end");
        else if (!l.json)
            snprintf(err, errlen, "%s", l.err);
    }
    fetch_client_free(client);
    event_base_free(base);
    return l.json;
}

static void print_changes(const struct enrich_sync_plan *p, int dry)
{
    static const char *const would[] = {"would create", "would update", "would un-retire", NULL, "would retire"};
    static const char *const did[] = {NULL, NULL, "un-retired", NULL, "retired"};
    for (size_t i = 0; i < p->n; i++) {
        const struct enrich_sync_change *c = &p->v[i];
        const char *what = dry ? would[c->verdict] : did[c->verdict];
        if (what)
            printf("%s %s (%s)\n", what, c->id, c->name);
    }
}

static int sync_from(struct queue_sync *q, const struct vg_sink_section *sec, int dry, int allow_empty)
{
    char err[1024] = "", summary[256], now[32];
    char *listed = list_accounts(sec, err, sizeof(err));
    if (!listed) {
        fprintf(stderr, "vigie: accounts sync --from %s: %s (nothing was written)\n", sec->name, err);
        return 1;
    }
    int rc = 1;
    for (int tries = 1;; tries++) {
        struct queue_accounts_state *st = queue_accounts_sync_read(q, sec->name, err, sizeof(err));
        if (!st) {
            fprintf(stderr, "vigie: %s (nothing was written)\n", err);
            break;
        }
        struct enrich_sync_plan *p = NULL;
        accounts_sync_now(now, sizeof(now));
        if (enrich_sync_plan_new(listed, strlen(listed), st->accounts, strlen(st->accounts),
                                 (const char *const *)st->synced, st->n_synced, now, &p, err, sizeof(err)) < 0) {
            fprintf(stderr, "vigie: accounts sync --from %s: %s (nothing was written)\n", sec->name, err);
            queue_accounts_state_free(st);
            break;
        }
        if (enrich_sync_plan_empties(p) && !allow_empty && !dry) {
            fprintf(stderr, "vigie: accounts sync --from %s: the CRM listed no key account, and the %zu accounts its "
                    "last sync listed would all be retired; nothing was written. Check the sink's key-account "
                    "filter and token; if the CRM really has none left, run it again with --allow-empty\n",
                    sec->name, p->retired);
            enrich_sync_plan_free(p);
            queue_accounts_state_free(st);
            break;
        }
        accounts_sync_summary(p, summary, sizeof(summary));
        int w = 1;
        if (!dry) {
            struct queue_accounts_write wr = {p->write_ids, p->write_json, p->n_writes, p->listed_ids, p->listed};
            w = queue_accounts_sync_write(q, sec->name, st->version, &wr, err, sizeof(err));
        }
        queue_accounts_state_free(st);
        if (w == 1) {
            print_changes(p, dry);
            printf("%s%s\n", dry ? "dry run, nothing written: " : "", summary);
            rc = 0;
        } else if (w < 0) {
            fprintf(stderr, "vigie: %s (the sync may or may not have been applied; running it again is safe)\n", err);
        } else if (tries >= ACCOUNTS_SYNC_TRIES) {
            fprintf(stderr, "vigie: the accounts kept changing while the sync ran (%d tries); nothing was written, "
                    "run it again\n", tries);
        }
        enrich_sync_plan_free(p);
        if (w != 0 || tries >= ACCOUNTS_SYNC_TRIES)
            break;
    }
    vg_free(listed);
    return rc;
}

int cmd_accounts_sync(const char *config, int argc, char **argv)
{
    const char *from = NULL;
    int dry = 0, allow_empty = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
            from = argv[++i];
        else if (strcmp(argv[i], "--dry-run") == 0)
            dry = 1;
        else if (strcmp(argv[i], "--allow-empty") == 0)
            allow_empty = 1;
        else {
            fprintf(stderr, "vigie accounts sync: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!from) {
        fprintf(stderr, "usage: vigie accounts [-c FILE] sync --from NAME [--dry-run] [--allow-empty]   (NAME: a [sink.NAME] "
                "section, hubspot or salesforce)\n");
        return 2;
    }
    struct vg_config *cfg = NULL;
    struct queue_sync *q = vg_cli_open_queue(config, &cfg);
    int rc = 1;
    if (q) {
        char err[512];
        const struct vg_sink_section *sec = accounts_sync_section(cfg, from, err, sizeof(err));
        if (!sec)
            fprintf(stderr, "vigie: accounts sync: %s\n", err);
        else
            rc = sync_from(q, sec, dry, allow_empty);
    }
    queue_sync_close(q);
    vg_config_free(cfg);
    return rc;
}
