/* sinker — the sink stage of the daemon (see sinker.h).
 *
 * The sinks keep pointers into their configuration (tokens, URLs) for as long as they run,
 * and a batch in flight when a reload comes must finish on the configuration it began with.
 * So each generation of sinks owns its own copy of the configuration (loaded from the same
 * file), freed once all of that generation's sinks are drained: the daemon may free its own
 * copy right after the reload. */
#include "daemon/sinker.h"
#include "daemon/cli_queue.h"
#include "daemon/config.h"
#include "daemon/account_index.h"
#include "queue/queue.h"
#include "queue/queue_accounts.h"
#include "sinks/sink_core.h"
#include "util/vg_alloc.h"
#include "util/vg_event.h"
#include "util/vg_log.h"
#include "util/vg_time.h"

#include <event2/event.h>
#include <string.h>

/* The sinks of one configuration. */
struct generation {
    struct sinker *owner;
    struct vg_config *cfg;        /* owned */
    char host[128];               /* the default instance name */
    struct sink_core **cores;
    size_t n;
    size_t draining;
    struct generation *next;      /* older generations still draining */
};

struct sinker {
    struct event_base *base;
    struct queue *q;
    struct generation *cur;
    struct generation *old;       /* draining after a reload */
    int running;
    int cur_started;
    struct account_index *accounts;
    /* replaced registries: a batch in flight may still point into them; freed once no sink
     * has a batch in flight */
    struct retired {
        struct account_index *x;
        struct retired *next;
    } *retired;
    long long accounts_version;
    int loading;
    int accounts_ready;           /* the registry was read once: the sinks may start */
    struct event *retry_ev;       /* reading the registry again after a failure */
    /* --once */
    void (*idle_cb)(void *);
    void *idle_arg;
    struct event *idle_ev;
    int settled;                  /* the sinks' settle hooks ran (sink.h) */
    size_t settling;              /* settle hooks not done yet */
    void (*drained)(void *);
    void *drained_arg;
};

/* ---- accounts ------------------------------------------------------------------------ */

static void start_current(struct sinker *s);

static const struct enrich_account *find_account(void *arg, const char *id)
{
    struct sinker *s = arg;
    return account_index_find(s->accounts, id);
}

static const struct enrich_account *account_at(void *arg, size_t i)
{
    struct sinker *s = arg;
    return account_index_at(s->accounts, i);
}

static int any_busy(const struct sinker *s)
{
    for (const struct generation *g = s->cur; g; g = g == s->cur ? s->old : g->next)
        for (size_t i = 0; i < g->n; i++)
            if (sink_core_busy(g->cores[i]))
                return 1;
    return 0;
}

/* Frees replaced registries once no batch can point into them (all: at the end). */
static void free_retired(struct sinker *s, int all)
{
    if (!all && any_busy(s))
        return;
    while (s->retired) {
        struct retired *r = s->retired;
        s->retired = r->next;
        account_index_free(r->x);
        vg_free(r);
    }
}

static void on_accounts(long long version, char *json, size_t n, void *arg)
{
    struct sinker *s = arg;
    s->loading = 0;
    if (!json) {
        vg_warn("sink", "could not load the accounts from redis; %s",
                s->accounts_ready ? "the sinks keep the ones they have" : "the sinks wait for them (trying again)");
        if (!s->accounts_ready && s->retry_ev)
            vg_timer_arm(s->retry_ev, 1000);
        return;
    }
    char err[256];
    struct account_index *x = account_index_new(json, strlen(json), err, sizeof(err));
    vg_free(json);
    if (!x) {
        vg_err("sink", "the accounts in redis do not parse (%s); the sinks keep the ones they have", err);
        return;
    }
    struct retired *r = s->accounts ? vg_calloc(1, sizeof(*r)) : NULL;
    if (s->accounts && !r) {
        account_index_free(x);
        return;
    }
    if (r) {
        r->x = s->accounts;
        r->next = s->retired;
        s->retired = r;
    }
    s->accounts = x;
    s->accounts_version = version;
    (void)n;
    free_retired(s, 0);
    if (!s->accounts_ready) {
        s->accounts_ready = 1;
        start_current(s);
    }
}

static void on_retry_accounts(evutil_socket_t fd, short what, void *arg)
{
    struct sinker *s = arg;
    if (!s->loading && queue_accounts_load(s->q, on_accounts, s) == 0)
        s->loading = 1;
    else if (!s->loading)
        vg_timer_arm(s->retry_ev, 1000);
}

void sinker_accounts_changed(struct sinker *s, long long version)
{
    if (version == s->accounts_version || s->loading)
        return;
    if (queue_accounts_load(s->q, on_accounts, s) == 0)
        s->loading = 1;
}

/* ---- generations of sinks ------------------------------------------------------------ */

static void generation_free(struct generation *g)
{
    for (size_t i = 0; i < g->n; i++)
        sink_core_free(g->cores[i]);
    vg_free(g->cores);
    vg_config_free(g->cfg);
    vg_free(g);
}

/* The sinks of `cfg` (a private copy is loaded from its file). NULL with err filled. */
static struct generation *generation_new(struct sinker *s, const struct vg_config *cfg, char *err, size_t errlen)
{
    struct generation *g = vg_calloc(1, sizeof(*g));
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    g->owner = s;
    size_t enabled = 0;
    for (size_t i = 0; i < cfg->n_sinks; i++)
        enabled += cfg->sinks[i].common.enabled != 0;
    if (enabled == 0)
        return g;
    g->cfg = vg_config_load(cfg->file, err, errlen);
    g->cores = vg_calloc(enabled, sizeof(*g->cores));
    if (!g->cfg || !g->cores) {
        if (!err[0])
            snprintf(err, errlen, "out of memory");
        generation_free(g);
        return NULL;
    }
    struct queue_config qc;
    vg_queue_config(g->cfg, &qc, g->host, sizeof(g->host)); /* the instance name, as Redis knows it */
    struct sink_env env = {
        .base = s->base,
        .q = s->q,
        .instance = qc.instance,
        .state_dir = g->cfg->state_dir,
        .account = find_account,
        .account_at = account_at,
        .account_arg = s,
        .peer = vg_config_sink_peer,
        .console_url = g->cfg->console_public_url,
        .peer_arg = g->cfg,
        .reclaim_idle_ms = g->cfg->pipe_reclaim_idle_ms,
        .dlq_maxlen = g->cfg->pipe_dlq_maxlen,
        .dedup_ttl_s = g->cfg->pipe_dedup_ttl_ms / 1000,
    };
    for (size_t i = 0; i < g->cfg->n_sinks; i++) {
        const struct vg_sink_section *sec = &g->cfg->sinks[i];
        if (!sec->common.enabled)
            continue;
        char why[400] = "";
        struct sink_core *c = sink_core_new(&env, sec->type, &sec->common, sec->config, why, sizeof(why));
        if (!c) {
            snprintf(err, errlen, "[sink.%s]: %s", sec->name, why);
            generation_free(g);
            return NULL;
        }
        g->cores[g->n++] = c;
    }
    return g;
}

struct sinker *sinker_new(struct event_base *base, struct queue *q, const struct vg_config *cfg, char *err,
                          size_t errlen)
{
    struct sinker *s = vg_calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->base = base;
    s->q = q;
    s->accounts_version = -1;
    s->retry_ev = evtimer_new(base, on_retry_accounts, s);
    if (!s->retry_ev) {
        snprintf(err, errlen, "out of memory");
        vg_free(s);
        return NULL;
    }
    s->cur = generation_new(s, cfg, err, errlen);
    if (!s->cur) {
        event_free(s->retry_ev);
        vg_free(s);
        return NULL;
    }
    return s;
}

size_t sinker_count(const struct sinker *s) { return s && s->cur ? s->cur->n : 0; }

/* The current sinks start once the previous generation is drained: both would read as this
 * process's consumer, and the new one first re-reads the entries the old one had in hand. */
static void start_current(struct sinker *s)
{
    /* Not before the account registry is read: a record's account (its domain, its owner)
     * decides where it goes in the CRM, and a backlog must not go out without it. */
    if (!s->running || s->old || s->cur_started || !s->accounts_ready)
        return;
    s->cur_started = 1;
    for (size_t i = 0; i < s->cur->n; i++)
        sink_core_start(s->cur->cores[i]);
    if (s->cur->n)
        vg_info("sink", "%zu sink(s) delivering", s->cur->n);
}

void sinker_start(struct sinker *s)
{
    s->running = 1;
    start_current(s);
}

static void check_stopped(struct sinker *s)
{
    if (!s->running && !s->old && s->drained && (!s->cur || s->cur->draining == 0)) {
        void (*cb)(void *) = s->drained;
        s->drained = NULL;
        cb(s->drained_arg);
    }
}

/* One sink of an old generation is drained; the last one frees the generation. */
static void on_old_drained(void *arg)
{
    struct generation *g = arg;
    struct sinker *s = g->owner;
    if (--g->draining > 0)
        return;
    for (struct generation **p = &s->old; *p; p = &(*p)->next)
        if (*p == g) {
            *p = g->next;
            break;
        }
    generation_free(g);
    free_retired(s, 0);
    start_current(s);
    check_stopped(s);
}

static void retire(struct sinker *s, struct generation *g)
{
    g->next = s->old;
    s->old = g;
    g->draining = g->n + 1;
    for (size_t i = 0; i < g->n; i++)
        sink_core_stop(g->cores[i], on_old_drained, g);
    on_old_drained(g);
}

void sinker_set_config(struct sinker *s, const struct vg_config *cfg)
{
    /* A paused sink resumes at a reload even when its section did not change: the fix may
     * be outside the file (a token in a credential file, a property created in the CRM). */
    int paused = !sinker_ready(s, (char[8]){0}, 8);
    if (!paused && !vg_config_sinks_differ(s->cur->cfg, cfg))
        return;
    char err[512] = "";
    struct generation *g = generation_new(s, cfg, err, sizeof(err));
    if (!g) {
        vg_err("sink", "reload: the sinks keep their running configuration: %s", err);
        return;
    }
    /* The old sinks finish their batch in flight first; the new ones start after them and
     * re-read what the old ones had in hand (still pending in Redis). */
    struct generation *was = s->cur;
    size_t was_n = was->n; /* retire() frees `was` at once when nothing is in flight */
    s->cur = g;
    s->cur_started = 0;
    retire(s, was);
    if (was_n || g->n)
        vg_notice("sink", "reload: %zu sink(s) restarted on the new configuration", g->n);
}

int sinker_ready(const struct sinker *s, char *reason, size_t len)
{
    for (size_t i = 0; s && s->cur && i < s->cur->n; i++) {
        struct sink_status st;
        sink_core_status(s->cur->cores[i], &st);
        if (st.paused) {
            snprintf(reason, len, "sink %s paused: %s", st.name, st.pause_reason);
            return 0;
        }
    }
    return 1;
}

/* ---- --once -------------------------------------------------------------------------- */

struct lag_check {
    struct sinker *s;
    size_t waiting;
    long long total;
};

static void on_idle_timer(evutil_socket_t fd, short what, void *arg);
static void on_settled(void *arg);

static void on_lag(long long lag, void *arg)
{
    struct lag_check *lc = arg;
    struct sinker *s = lc->s;
    lc->total += lag < 0 ? 1 : lag;
    if (--lc->waiting > 0)
        return;
    int idle = lc->total == 0;
    vg_free(lc);
    for (size_t i = 0; idle && i < s->cur->n; i++) {
        struct sink_status st;
        sink_core_status(s->cur->cores[i], &st);
        /* a sink paused until a reload delivers nothing more: it does not hold the pass (one
         * backing off for a while does) */
        idle = sink_core_idle(s->cur->cores[i]) || (st.paused && st.resume_in_ms == 0);
    }
    if (idle && s->idle_cb && !s->settled) {
        /* What a sink holds back for later (the alerts router's open groups) goes now; what
         * that writes (alerts:<channel>) is for the other sinks: idle is asked again after. */
        s->settled = 1;
        s->settling = s->cur->n + 1;
        for (size_t i = 0; i < s->cur->n; i++)
            sink_core_settle(s->cur->cores[i], on_settled, s);
        on_settled(s);
        return;
    }
    if (idle && s->idle_cb) {
        void (*cb)(void *) = s->idle_cb;
        s->idle_cb = NULL;
        cb(s->idle_arg);
        return;
    }
    struct timeval tv = vg_tv_ms(50);
    evtimer_add(s->idle_ev, &tv);
}

static void on_settled(void *arg)
{
    struct sinker *s = arg;
    if (--s->settling > 0)
        return;
    struct timeval tv = vg_tv_ms(0);
    evtimer_add(s->idle_ev, &tv);
}

static void on_idle_timer(evutil_socket_t fd, short what, void *arg)
{
    struct sinker *s = arg;
    if (!s->idle_cb)
        return;
    struct lag_check *lc = vg_calloc(1, sizeof(*lc));
    if (!lc || s->cur->n == 0) {
        vg_free(lc);
        void (*cb)(void *) = s->idle_cb;
        s->idle_cb = NULL;
        cb(s->idle_arg);
        return;
    }
    lc->s = s;
    lc->waiting = s->cur->n;
    for (size_t i = 0; i < s->cur->n; i++) {
        struct sink_status st;
        sink_core_status(s->cur->cores[i], &st);
        if (st.paused && st.resume_in_ms == 0) /* paused until a reload: it does not hold the pass */
            on_lag(0, lc);
        else
            sink_core_lag(s->cur->cores[i], on_lag, lc);
    }
}

void sinker_on_idle(struct sinker *s, void (*cb)(void *), void *arg)
{
    s->idle_cb = cb;
    s->idle_arg = arg;
    s->settled = 0;
    if (!s->idle_ev)
        s->idle_ev = evtimer_new(s->base, on_idle_timer, s);
    if (!s->idle_ev) {
        s->idle_cb = NULL;
        cb(arg);
        return;
    }
    on_idle_timer(-1, 0, s);
}

void sinker_report(const struct sinker *s, FILE *out)
{
    for (size_t i = 0; s && s->cur && i < s->cur->n; i++) {
        struct sink_status st;
        sink_core_status(s->cur->cores[i], &st);
        fprintf(out, "  sink      %s: %llu delivered, %llu retried, %llu dead-lettered%s%s -> %s\n", st.name,
                (unsigned long long)st.delivered, (unsigned long long)st.retried,
                (unsigned long long)st.dead_lettered, st.paused ? "; PAUSED: " : "", st.paused ? st.pause_reason : "",
                sink_core_where(s->cur->cores[i]));
    }
}

/* ---- stop ------------------------------------------------------------------------------ */

static void on_cur_drained(void *arg)
{
    struct sinker *s = arg;
    if (s->cur->draining > 0)
        s->cur->draining--;
    check_stopped(s);
}

void sinker_stop(struct sinker *s, void (*drained)(void *), void *arg)
{
    s->running = 0;
    s->drained = drained;
    s->drained_arg = arg;
    if (s->idle_ev)
        evtimer_del(s->idle_ev);
    s->cur->draining = s->cur->n + 1;
    for (size_t i = 0; i < s->cur->n; i++)
        sink_core_stop(s->cur->cores[i], on_cur_drained, s);
    on_cur_drained(s);
}

void sinker_free(struct sinker *s)
{
    if (!s)
        return;
    while (s->old) {
        struct generation *g = s->old;
        s->old = g->next;
        generation_free(g);
    }
    if (s->cur)
        generation_free(s->cur);
    if (s->idle_ev)
        event_free(s->idle_ev);
    if (s->retry_ev)
        event_free(s->retry_ev);
    free_retired(s, 1);
    account_index_free(s->accounts);
    vg_free(s);
}
