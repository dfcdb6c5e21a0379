/* company_sources — the accounts' automatic company sources (see company_sources.h). */
#include "daemon/company_sources.h"
#include "daemon/config.h"
#include "enrich/account.h"
#include "fetchers/kind.h"
#include "queue/queue.h"
#include "queue/queue_accounts.h"
#include "queue/queue_auto_sources.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"
#include "util/vg_time.h"
#include "util/vg_work.h"

#include <stdio.h>
#include <string.h>

#define RETRY_MS 30000 /* a failed sync is tried again after this */

/* One kind's settings, copied: the job outlives a reload's configuration. */
struct job_kind {
    const struct source_kind *kind;
    struct kind_auto_settings set;
    char *urls[3];
    struct kind_auto_source *v;
    size_t n;
    int failed;
};

struct job {
    struct company_sources *owner;
    char *json;
    struct job_kind kinds[16];
    size_t nkinds;
    char err[256];
    int parsed;
};

struct company_sources {
    struct queue *q;
    const struct vg_config *cfg;
    struct vg_work *work;
    struct job *running;  /* a job on the worker, or syncing in Redis */
    int busy, dirty;
    int64_t retry_at;
};

static void job_free(struct job *j)
{
    if (!j)
        return;
    for (size_t k = 0; k < j->nkinds; k++) {
        kind_auto_sources_free(j->kinds[k].v, j->kinds[k].n);
        for (size_t u = 0; u < 3; u++)
            vg_free(j->kinds[k].urls[u]);
    }
    vg_free(j->json);
    vg_free(j);
}

/* A copy of a base URL without its trailing slashes. */
static char *base_of(const char *url)
{
    char *s = vg_strdup(url ? url : "");
    size_t n = s ? strlen(s) : 0;
    while (s && n && s[n - 1] == '/')
        s[--n] = '\0';
    return s;
}

/* The [sources] options of a kind; a kind the configuration does not name (a new one) takes
 * its descriptor's defaults. */
static int settings_of(const struct vg_config *cfg, struct job_kind *jk)
{
    const struct source_kind *k = jk->kind;
    const char *url = k->default_url;
    long long interval = k->default_interval_ms;
    unsigned batch = k->default_batch;
    if (strcmp(k->name, "fr_company") == 0) {
        url = cfg->src_fr_company_url;
        interval = cfg->src_fr_company_interval_ms;
    } else if (strcmp(k->name, "bodacc") == 0) {
        url = cfg->src_bodacc_url;
        interval = cfg->src_bodacc_interval_ms;
        batch = (unsigned)cfg->src_bodacc_batch;
    } else if (strcmp(k->name, "sec_edgar") == 0) {
        url = cfg->src_sec_edgar_url;
        interval = cfg->src_sec_edgar_interval_ms;
    } else if (strcmp(k->name, "uk_company") == 0) {
        url = cfg->src_uk_company_url;
        interval = cfg->src_uk_company_interval_ms;
    } else if (strcmp(k->name, "jobs") == 0) {
        /* two APIs: Greenhouse's as base_url, Lever's as extra_url */
        url = cfg->src_greenhouse_url;
        interval = cfg->src_jobs_interval_ms;
        if (!(jk->urls[1] = base_of(cfg->src_lever_url)))
            return -1;
    }
    if (url && !(jk->urls[0] = base_of(url)))
        return -1;
    jk->set = (struct kind_auto_settings){
        .base_url = jk->urls[0],
        .interval_ms = interval > 0 ? interval : 86400LL * 1000,
        .extra_url = jk->urls[1],
        .batch = batch ? batch : 1,
    };
    return 0;
}

/* On the worker: the accounts parsed, each kind's wanted sources. */
static void job_run(void *arg)
{
    struct job *j = arg;
    struct enrich_account_set *set = NULL;
    if (enrich_accounts_parse(j->json, strlen(j->json), &set, j->err, sizeof(j->err)) < 0)
        return;
    j->parsed = 1;
    for (size_t k = 0; k < j->nkinds; k++) {
        struct job_kind *jk = &j->kinds[k];
        if (jk->kind->auto_sources(set, &jk->set, &jk->v, &jk->n) < 0)
            jk->failed = 1;
    }
    enrich_account_set_free(set);
}

static void on_synced(long created, long updated, long removed, void *arg)
{
    struct company_sources *c = arg;
    job_free(c->running);
    c->running = NULL;
    c->busy = 0;
    if (created < 0) {
        vg_warn("sources", "could not sync the accounts' company sources; trying again");
        c->dirty = 1;
        c->retry_at = vg_mono_ms() + RETRY_MS;
    } else if (created || updated || removed)
        vg_info("sources", "company sources: %ld created, %ld updated, %ld removed", created, updated, removed);
}

static void job_done(void *arg)
{
    struct job *j = arg;
    struct company_sources *c = j->owner;
    if (!j->parsed) {
        vg_err("sources", "cannot read the accounts for their company sources: %s", j->err);
        goto fail;
    }
    struct queue_auto_kind kinds[16];
    size_t n = 0;
    for (size_t k = 0; k < j->nkinds; k++) {
        if (j->kinds[k].failed) {
            vg_err("sources", "%s: out of memory computing the automatic sources", j->kinds[k].kind->name);
            goto fail;
        }
        kinds[n++] = (struct queue_auto_kind){.kind = j->kinds[k].kind->name,
                                              .interval_ms = j->kinds[k].set.interval_ms,
                                              .v = j->kinds[k].v,
                                              .n = j->kinds[k].n};
    }
    if (queue_auto_sources_sync(c->q, kinds, n, on_synced, c) == 0)
        return; /* on_synced frees the job */
fail:
    job_free(j);
    c->running = NULL;
    c->busy = 0;
    c->dirty = 1;
    c->retry_at = vg_mono_ms() + RETRY_MS;
}

static void on_loaded(long long version, char *json, size_t n, void *arg)
{
    struct company_sources *c = arg;
    struct job *j = c->running;
    if (!json) {
        vg_warn("sources", "could not read the accounts from redis for their company sources; trying again");
        goto fail;
    }
    j->json = json;
    if (vg_work_submit(c->work, job_run, job_done, j) == 0)
        return;
    job_run(j); /* out of memory for the queue: inline */
    job_done(j);
    return;
fail:
    job_free(j);
    c->running = NULL;
    c->busy = 0;
    c->dirty = 1;
    c->retry_at = vg_mono_ms() + RETRY_MS;
}

static void kick(struct company_sources *c)
{
    if (!c || c->busy || !c->dirty || !c->cfg->src_automatic || vg_mono_ms() < c->retry_at ||
        !queue_is_ready(c->q))
        return;
    struct job *j = vg_calloc(1, sizeof(*j));
    if (!j)
        return;
    j->owner = c;
    size_t nk;
    const struct source_kind *const *all = source_kinds_all(&nk);
    for (size_t i = 0; i < nk && j->nkinds < sizeof(j->kinds) / sizeof(j->kinds[0]); i++) {
        if (!all[i]->auto_sources)
            continue;
        struct job_kind *jk = &j->kinds[j->nkinds++];
        jk->kind = all[i];
        if (settings_of(c->cfg, jk) < 0) {
            job_free(j);
            return;
        }
    }
    if (!j->nkinds) {
        job_free(j);
        c->dirty = 0;
        return;
    }
    c->running = j;
    c->busy = 1;
    c->dirty = 0;
    if (queue_accounts_load(c->q, on_loaded, c) < 0) {
        job_free(j);
        c->running = NULL;
        c->busy = 0;
        c->dirty = 1;
        c->retry_at = vg_mono_ms() + RETRY_MS;
    }
}

struct company_sources *company_sources_new(struct event_base *base, struct queue *q, const struct vg_config *cfg)
{
    struct company_sources *c = vg_calloc(1, sizeof(*c));
    char err[200];
    if (!c || !(c->work = vg_work_new(base, 1, err, sizeof(err)))) {
        vg_free(c);
        return NULL;
    }
    c->q = q;
    c->cfg = cfg;
    return c;
}

void company_sources_accounts_changed(struct company_sources *c, long long version)
{
    (void)version;
    if (!c)
        return;
    c->dirty = 1;
    c->retry_at = 0;
    kick(c);
}

void company_sources_set_config(struct company_sources *c, const struct vg_config *cfg)
{
    if (!c)
        return;
    c->cfg = cfg;
    c->dirty = 1;
    kick(c);
}

void company_sources_tick(struct company_sources *c) { kick(c); }

void company_sources_free(struct company_sources *c)
{
    if (!c)
        return;
    /* Called after queue_free, whose pending replies have reached on_loaded / on_synced: a job
     * still here is on the worker, and no job_done runs after vg_work_free. */
    vg_work_free(c->work);
    job_free(c->running);
    vg_free(c);
}
