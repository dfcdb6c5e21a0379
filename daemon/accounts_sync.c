/* accounts_sync — key accounts from the CRMs into the registry, on the daemon's schedule, and
 * what the command line shares with it (see accounts_sync.h).
 *
 * A run's listing goes on for as long as the CRM takes (pages, the search API's pace), so a
 * run keeps its own reference to the configuration it began with (the daemon frees its copy
 * at a reload) and its own HTTP client, freed from a timer of its own once it ends: a run
 * usually ends inside one of that client's callbacks, where the client must not be freed. */
#include "daemon/accounts_sync.h"
#include "daemon/cli_queue.h"
#include "daemon/config.h"
#include "enrich/account_sync.h"
#include "http/fetch_http.h"
#include "queue/queue.h"
#include "queue/queue_accounts_sync.h"
#include "queue/queue_contract.h"
#include "sinks/sink.h"
#include "sinks/sink_options.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"
#include "util/vg_time.h"

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MOD "accounts"

/* ---- shared with the command line ------------------------------------------------------ */

const struct vg_sink_section *accounts_sync_section(const struct vg_config *cfg, const char *name, char *err,
                                                    size_t errlen)
{
    const struct vg_sink_section *sec = vg_config_sink(cfg, name);
    if (!sec) {
        const struct sink_type *t = sink_type_find(name);
        if (t && t->list_accounts)
            snprintf(err, errlen, "%s has no [sink.%s] section: the sync reads the CRM's address, credentials and "
                     "key-account mapping from it (see `vigie help sinks`)", cfg->file ? cfg->file : "the configuration",
                     name);
        else
            snprintf(err, errlen, "no sink named '%s' (key accounts come from: hubspot, salesforce)", name);
        return NULL;
    }
    if (!sec->type->list_accounts) {
        snprintf(err, errlen, "the %s sink has no key accounts to sync (key accounts come from: hubspot, salesforce)",
                 name);
        return NULL;
    }
    return sec;
}

void accounts_sync_now(char *buf, size_t len)
{
    time_t t = (time_t)(vg_wall_ms() / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void accounts_sync_summary(const struct enrich_sync_plan *p, char *buf, size_t len)
{
    char unretired[64] = "";
    if (p->unretired)
        snprintf(unretired, sizeof(unretired), " (%zu of them un-retired)", p->unretired);
    snprintf(buf, len, "%zu listed: %zu created, %zu updated%s, %zu retired, %zu unchanged", p->listed, p->created,
             p->updated + p->unretired, unretired, p->retired, p->unchanged);
}

/* ---- the daemon's schedule ------------------------------------------------------------- */

/* A configuration the runs begun on it share. */
struct gen {
    int refs;
    struct vg_config *cfg;
};

struct run;

/* One section with sync_accounts > 0. */
struct job {
    struct accounts_sync *owner;
    const struct vg_sink_section *sec; /* in owner->cur->cfg */
    struct event *timer;
    struct run *run;                   /* in flight, or NULL */
};

struct run {
    struct accounts_sync *owner;
    struct job *job;            /* NULL once a reload replaced it */
    struct gen *gen;
    const struct vg_sink_section *sec; /* in gen->cfg */
    struct fetch_client *client;
    struct event *end_ev;
    char *listed;               /* the CRM's accounts, JSON text */
    int tries;
    int64_t started;
    struct run *next;
};

struct accounts_sync {
    struct event_base *base;
    struct queue *q;
    char instance[128];
    char host[128];
    struct gen *cur;
    struct job *jobs;
    size_t n_jobs;
    struct run *runs;
    int stopping;
    void (*drained)(void *);
    void *drained_arg;
};

static void gen_unref(struct gen *g)
{
    if (g && --g->refs == 0) {
        vg_config_free(g->cfg);
        vg_free(g);
    }
}

static void schedule(struct job *j, long long ms)
{
    struct timeval tv = vg_tv_ms(ms);
    evtimer_add(j->timer, &tv);
}

static void run_free(struct run *r)
{
    struct accounts_sync *s = r->owner;
    for (struct run **p = &s->runs; *p; p = &(*p)->next)
        if (*p == r) {
            *p = r->next;
            break;
        }
    if (r->job)
        r->job->run = NULL;
    fetch_client_free(r->client);
    if (r->end_ev)
        event_free(r->end_ev);
    vg_free(r->listed);
    gen_unref(r->gen);
    vg_free(r);
}

static void check_drained(struct accounts_sync *s)
{
    if (s->stopping && !s->runs && s->drained) {
        void (*cb)(void *) = s->drained;
        s->drained = NULL;
        cb(s->drained_arg);
    }
}

static void on_end(evutil_socket_t fd, short what, void *arg)
{
    struct run *r = arg;
    struct accounts_sync *s = r->owner;
    run_free(r);
    check_drained(s);
}

/* The run is over: freed from its own timer (see the top of the file). */
static void run_end(struct run *r)
{
    struct timeval now = {0, 0};
    if (!r->end_ev || evtimer_add(r->end_ev, &now) < 0)
        vg_err(MOD, "cannot end the accounts sync from %s", r->sec->name); /* freed at accounts_sync_free */
}

static void read_registry(struct run *r);

static void on_written(int applied, const char *err, void *arg)
{
    struct run *r = arg;
    if (applied < 0) {
        vg_err(MOD, "accounts sync from %s: redis refused the import: %s", r->sec->name, err ? err : "");
        run_end(r);
        return;
    }
    if (applied == 0) {
        if (++r->tries < ACCOUNTS_SYNC_TRIES) {
            read_registry(r); /* the registry changed since it was read: decide again */
            return;
        }
        vg_warn(MOD, "accounts sync from %s: the accounts kept changing while it ran (%d tries); it will try again "
                "at its next turn", r->sec->name, r->tries);
    }
    run_end(r);
}

static void on_registry(const struct queue_accounts_state *st, void *arg)
{
    struct run *r = arg;
    if (!st) {
        vg_warn(MOD, "accounts sync from %s: could not read the accounts from redis; nothing was written",
                r->sec->name);
        run_end(r);
        return;
    }
    char now[32], err[512], summary[256];
    accounts_sync_now(now, sizeof(now));
    struct enrich_sync_plan *p = NULL;
    if (enrich_sync_plan_new(r->listed, strlen(r->listed), st->accounts, strlen(st->accounts),
                             (const char *const *)st->synced, st->n_synced, now, &p, err, sizeof(err)) < 0) {
        vg_err(MOD, "accounts sync from %s: %s; nothing was written", r->sec->name, err);
        run_end(r);
        return;
    }
    if (enrich_sync_plan_empties(p)) {
        vg_warn(MOD, "accounts sync from %s: the CRM listed no key account, and the %zu accounts its last sync "
                "listed would all be retired; nothing was written (check the key-account filter and the token; "
                "`vigie accounts sync --from %s --allow-empty` retires them if the CRM really has none left)",
                r->sec->name, p->retired, r->sec->name);
        enrich_sync_plan_free(p);
        run_end(r);
        return;
    }
    accounts_sync_summary(p, summary, sizeof(summary));
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i].verdict == ENRICH_SYNC_RETIRED || p->v[i].verdict == ENRICH_SYNC_UNRETIRED)
            vg_info(MOD, "accounts sync from %s: %s %s (%s)", r->sec->name, enrich_sync_verdict_name(p->v[i].verdict),
                    p->v[i].id, p->v[i].name);
    struct queue_accounts_write w = {p->write_ids, p->write_json, p->n_writes, p->listed_ids, p->listed};
    if (queue_accounts_sync_write_async(r->owner->q, r->sec->name, st->version, &w, on_written, r) < 0) {
        vg_warn(MOD, "accounts sync from %s: redis is not connected; nothing was written", r->sec->name);
        run_end(r);
    } else {
        vg_info(MOD, "accounts sync from %s: %s (in %lld ms)", r->sec->name, summary,
                (long long)(vg_mono_ms() - r->started));
    }
    enrich_sync_plan_free(p);
}

static void read_registry(struct run *r)
{
    if (queue_accounts_sync_read_async(r->owner->q, r->sec->name, on_registry, r) < 0) {
        vg_warn(MOD, "accounts sync from %s: redis is not connected; nothing was written", r->sec->name);
        run_end(r);
    }
}

static void on_listed(void *arg, cJSON *accounts, const char *err)
{
    struct run *r = arg;
    if (!accounts) {
        vg_err(MOD, "accounts sync from %s failed: %s; the accounts are unchanged", r->sec->name,
               err && *err ? err : "no answer");
        run_end(r);
        return;
    }
    char *txt = cJSON_PrintUnformatted(accounts);
    cJSON_Delete(accounts);
    if (txt) {
        r->listed = vg_strdup(txt);
        cJSON_free(txt);
    }
    if (!r->listed || r->owner->stopping) {
        if (!r->listed)
            vg_err(MOD, "accounts sync from %s: out of memory", r->sec->name);
        run_end(r);
        return;
    }
    read_registry(r);
}

static void on_lease(int taken, void *arg)
{
    struct run *r = arg;
    if (taken <= 0 || r->owner->stopping || !r->job) {
        if (taken < 0)
            vg_warn(MOD, "accounts sync from %s: redis did not answer; trying at the next turn", r->sec->name);
        else if (taken == 0)
            vg_debug(MOD, "accounts sync from %s: another process has it for this period", r->sec->name);
        run_end(r);
        return;
    }
    struct fetch_config fc;
    sink_common_fetch_config(&r->sec->common, &fc);
    char err[512] = "";
    r->client = fetch_client_new(r->owner->base, &fc, err, sizeof(err));
    r->started = vg_mono_ms();
    if (!r->client ||
        r->sec->type->list_accounts(r->owner->base, r->client, r->sec->config, on_listed, r, err, sizeof(err)) < 0) {
        vg_err(MOD, "accounts sync from %s cannot start: %s", r->sec->name, err);
        run_end(r);
        return;
    }
    vg_info(MOD, "accounts sync from %s: listing the key accounts", r->sec->name);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct job *j = arg;
    struct accounts_sync *s = j->owner;
    long long period = j->sec->common.sync_accounts_ms;
    schedule(j, period);
    if (s->stopping || j->run || !queue_is_ready(s->q))
        return;
    struct run *r = vg_calloc(1, sizeof(*r));
    if (!r)
        return;
    r->owner = s;
    r->job = j;
    r->gen = s->cur;
    r->gen->refs++;
    r->sec = j->sec;
    r->end_ev = evtimer_new(s->base, on_end, r);
    r->next = s->runs;
    s->runs = r;
    j->run = r;
    /* Nine tenths of the period: this process's next turn finds it free, and a process
     * whose turn comes between finds it taken. */
    if (!r->end_ev || queue_accounts_sync_lease(s->q, j->sec->name, s->instance, period - period / 10, on_lease, r) < 0)
        run_end(r);
}

static void jobs_free(struct accounts_sync *s)
{
    for (size_t i = 0; i < s->n_jobs; i++) {
        if (s->jobs[i].run)
            s->jobs[i].run->job = NULL; /* it finishes on its own configuration */
        if (s->jobs[i].timer)
            event_free(s->jobs[i].timer);
    }
    vg_free(s->jobs);
    s->jobs = NULL;
    s->n_jobs = 0;
    gen_unref(s->cur);
    s->cur = NULL;
}

static void jobs_make(struct accounts_sync *s, const struct vg_config *cfg)
{
    size_t n = 0;
    for (size_t i = 0; i < cfg->n_sinks; i++)
        n += cfg->sinks[i].common.sync_accounts_ms > 0 && cfg->sinks[i].type->list_accounts;
    if (n == 0 || !cfg->file)
        return;
    char err[512] = "";
    struct gen *g = vg_calloc(1, sizeof(*g));
    if (!g || !(g->cfg = vg_config_load(cfg->file, err, sizeof(err))) || !(s->jobs = vg_calloc(n, sizeof(*s->jobs)))) {
        vg_err(MOD, "the scheduled accounts syncs cannot run: %s", err[0] ? err : "out of memory");
        if (g)
            vg_config_free(g->cfg);
        vg_free(g);
        return;
    }
    g->refs = 1;
    s->cur = g;
    for (size_t i = 0; i < g->cfg->n_sinks; i++) {
        const struct vg_sink_section *sec = &g->cfg->sinks[i];
        if (sec->common.sync_accounts_ms <= 0 || !sec->type->list_accounts)
            continue;
        struct job *j = &s->jobs[s->n_jobs++];
        j->owner = s;
        j->sec = sec;
        j->timer = evtimer_new(s->base, on_tick, j);
        if (!j->timer) {
            vg_err(MOD, "accounts sync from %s: out of memory", sec->name);
            continue;
        }
        /* The first turn soon after the start (or reload): the lease keeps a restart from
         * syncing again before its period. */
        schedule(j, 1000 + (long long)vg_rand_below(1000));
        vg_info(MOD, "key accounts synced from %s every %llds", sec->name, sec->common.sync_accounts_ms / 1000);
    }
}

struct accounts_sync *accounts_sync_new(struct event_base *base, struct queue *q, const struct vg_config *cfg)
{
    struct accounts_sync *s = vg_calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->base = base;
    s->q = q;
    struct queue_config qc;
    vg_queue_config(cfg, &qc, s->host, sizeof(s->host));
    snprintf(s->instance, sizeof(s->instance), "%s", qc.instance ? qc.instance : "vigie");
    jobs_make(s, cfg);
    return s;
}

void accounts_sync_set_config(struct accounts_sync *s, const struct vg_config *cfg)
{
    if (s->stopping || !vg_config_sinks_differ(s->cur ? s->cur->cfg : NULL, cfg))
        return;
    jobs_free(s);
    jobs_make(s, cfg);
}

void accounts_sync_stop(struct accounts_sync *s, void (*drained)(void *), void *arg)
{
    s->stopping = 1;
    s->drained = drained;
    s->drained_arg = arg;
    for (size_t i = 0; i < s->n_jobs; i++)
        if (s->jobs[i].timer)
            evtimer_del(s->jobs[i].timer);
    check_drained(s);
}

void accounts_sync_free(struct accounts_sync *s)
{
    if (!s)
        return;
    jobs_free(s);
    while (s->runs)
        run_free(s->runs);
    vg_free(s);
}
