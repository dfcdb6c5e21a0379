/* cmd_sinks — `vigie sinks list` (the sinks built in, and which the configuration enables)
 * and `vigie sinks preview` (the exact requests the next deliveries would send, secrets
 * masked, changing nothing: entries are read without the consumer group, no mark, tally or
 * budget is written, nothing is acknowledged). */
#include "daemon/account_index.h"
#include "daemon/cli_queue.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "queue/queue.h"
#include "queue/queue_accounts.h"
#include "queue/queue_consumer.h"
#include "queue/queue_contract.h"
#include "queue/queue_peek.h"
#include "queue/queue_sync.h"
#include "sinks/sink_core.h"
#include "util/vg_alloc.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] = "usage: vigie sinks [-c FILE] list\n"
                            "       vigie sinks [-c FILE] preview [--sink NAME] [--limit N]\n";

static const struct vg_sink_section *find_section(const struct vg_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_sinks; i++)
        if (strcmp(cfg->sinks[i].name, name) == 0)
            return &cfg->sinks[i];
    return NULL;
}

static int list_sinks(const struct vg_config *cfg)
{
    printf("%-12s %-9s %s\n", "SINK", "STATE", "WHAT IT DOES");
    for (size_t i = 0; sink_types[i]; i++) {
        const struct sink_type *t = sink_types[i];
        const struct vg_sink_section *sec = find_section(cfg, t->name);
        const char *state = !sec ? "off" : sec->common.enabled ? "enabled" : "disabled";
        printf("%-12s %-9s %s\n", t->name, state, t->summary);
    }
    printf("\n`vigie help sinks` lists every option of every sink; a sink runs when its\n"
           "[sink.NAME] section says enabled = yes (configuration: %s).\n",
           cfg->file ? cfg->file : "built-in defaults");
    return 0;
}

/* ---- preview ------------------------------------------------------------------------ */

struct preview {
    struct event_base *base;
    struct sink_core *core;
    struct account_index *accounts;
    struct event *ev;
};

static const struct enrich_account *preview_account(void *arg, const char *id)
{
    struct preview *p = arg;
    return account_index_find(p->accounts, id);
}

static const struct enrich_account *preview_account_at(void *arg, size_t i)
{
    struct preview *p = arg;
    return account_index_at(p->accounts, i);
}

static void on_check(evutil_socket_t fd, short what, void *arg)
{
    struct preview *p = arg;
    if (sink_core_idle(p->core))
        event_base_loopexit(p->base, NULL);
}

/* Runs one sink over the entries in preview mode until it has been through all of them. */
static int preview_sink(const struct vg_sink_section *sec, const struct vg_config *cfg, struct queue_peeked *v,
                        size_t n, struct account_index *accounts)
{
    struct preview p = {.accounts = accounts};
    p.base = event_base_new();
    if (!p.base)
        return -1;
    struct queue_config qc;
    char host[128];
    vg_queue_config(cfg, &qc, host, sizeof(host));
    struct sink_env env = {
        .base = p.base,
        .instance = qc.instance,
        .state_dir = cfg->state_dir,
        .account = preview_account,
        .account_at = preview_account_at,
        .account_arg = &p,
        .peer = vg_config_sink_peer,
        .console_url = cfg->console_public_url,
        .peer_arg = (void *)cfg,
        .preview = stdout,
        .preview_limit = n,
    };
    char err[512] = "";
    p.core = sink_core_new(&env, sec->type, &sec->common, sec->config, err, sizeof(err));
    if (!p.core) {
        fprintf(stderr, "vigie: [sink.%s]: %s\n", sec->name, err);
        event_base_free(p.base);
        return -1;
    }
    printf("=== %s: %zu record(s) waiting; the requests their delivery would send:\n\n", sec->name, n);
    struct queue_msg *msgs = vg_calloc(n + 1, sizeof(*msgs));
    for (size_t i = 0; msgs && i < n; i++)
        msgs[i] = (struct queue_msg){v[i].stream, v[i].id, v[i].field, v[i].payload, v[i].len, 1, NULL};
    sink_core_start(p.core);
    if (msgs)
        sink_core_feed(p.core, msgs, n);
    vg_free(msgs);
    p.ev = event_new(p.base, -1, EV_PERSIST, on_check, &p);
    struct timeval tv = {0, 20000};
    event_add(p.ev, &tv);
    event_base_dispatch(p.base);
    struct sink_status st;
    sink_core_status(p.core, &st);
    printf("\n=== %s: %llu request(s) shown; nothing was sent, written or acknowledged.\n", sec->name,
           (unsigned long long)st.requests);
    event_free(p.ev);
    sink_core_free(p.core);
    event_base_free(p.base);
    return 0;
}

static int preview(const struct vg_config *cfg, const char *only, size_t limit, const char *config_path)
{
    int shown = 0, rc = 0;
    struct vg_config *c2 = NULL;
    struct queue_sync *q = vg_cli_open_queue(config_path, &c2);
    if (!q) {
        vg_config_free(c2);
        return 1;
    }
    char err[512];
    size_t na = 0;
    char *json = queue_accounts_all(q, &na, err, sizeof(err));
    struct account_index *accounts = json ? account_index_new(json, strlen(json), err, sizeof(err)) : NULL;
    vg_free(json);
    if (!accounts)
        fprintf(stderr, "vigie: warning: no accounts could be read (%s): records show without their account\n", err);
    for (size_t i = 0; i < cfg->n_sinks; i++) {
        const struct vg_sink_section *sec = &cfg->sinks[i];
        if (only ? strcmp(sec->name, only) != 0 : !sec->common.enabled)
            continue;
        shown++;
        char group[160];
        snprintf(group, sizeof(group), QUEUE_GROUP_SINK "%s", sec->name);
        struct queue_peeked *v = NULL;
        size_t n = 0;
        /* the streams the sink reads, in its order */
        const char *p = sec->type->streams;
        while (*p && rc == 0) {
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            char stream[64];
            snprintf(stream, sizeof(stream), "%.*s", (int)len, p);
            if (queue_peek_undelivered(q, stream, group, limit > n ? limit - n : 0, &v, &n, err, sizeof(err)) < 0) {
                fprintf(stderr, "vigie: %s\n", err);
                rc = 1;
            }
            p = comma ? comma + 1 : p + len;
        }
        if (rc == 0 && preview_sink(sec, cfg, v, n, accounts) < 0)
            rc = 1;
        queue_peeked_free(v, n);
    }
    account_index_free(accounts);
    queue_sync_close(q);
    vg_config_free(c2);
    if (!shown && rc == 0) {
        if (only)
            fprintf(stderr, "vigie: no [sink.%s] section in %s (`vigie sinks list` shows the sinks)\n", only,
                    cfg->file ? cfg->file : "the built-in defaults");
        else
            fprintf(stderr, "vigie: no sink is enabled in %s: name one with --sink NAME, or set enabled = yes\n",
                    cfg->file ? cfg->file : "the built-in defaults");
        return 1;
    }
    return rc;
}

int cmd_sinks(int argc, char **argv)
{
    const char *config = NULL, *only = NULL, *verb = NULL;
    size_t limit = 10;
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc)
            config = argv[++i];
        else if (strcmp(argv[i], "--sink") == 0 && i + 1 < argc)
            only = argv[++i];
        else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 10000) {
                fprintf(stderr, "vigie sinks: --limit takes a number from 1 to 10000\n");
                return 2;
            }
            limit = (size_t)v;
        } else if (!verb && argv[i][0] != '-')
            verb = argv[i];
        else {
            fputs(usage, stderr);
            return 2;
        }
    }
    if (!verb || (strcmp(verb, "list") != 0 && strcmp(verb, "preview") != 0)) {
        fputs(usage, stderr);
        return 2;
    }
    if (!config && access(VG_DEFAULT_CONFIG, F_OK) == 0)
        config = VG_DEFAULT_CONFIG;
    char err[512];
    struct vg_config *cfg = vg_config_load(config, err, sizeof(err));
    if (!cfg) {
        fprintf(stderr, "vigie: %s\n", err);
        return 1;
    }
    int rc = strcmp(verb, "list") == 0 ? list_sinks(cfg) : preview(cfg, only, limit, config);
    vg_config_free(cfg);
    return rc;
}
