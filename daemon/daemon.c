/* daemon — lifecycle of `vigie run` (see daemon.h).
 *
 * Start: configuration, logging, the event loop, Redis (embedded or external), the admin
 * endpoint. READY=1 goes to systemd once Redis answers. The housekeeping timer pings the
 * systemd watchdog and refreshes STATUS=. SIGTERM/SIGINT: STOPPING=1, stop taking work, let
 * what is in flight finish (bounded by daemon.shutdown_timeout), exit 0. SIGHUP: reload the
 * file; options that cannot change at run time are reported and keep their running value. */
#include "daemon/daemon.h"
#include "daemon/accounts_sync.h"
#include "daemon/accounts_watch.h"
#include "daemon/company_sources.h"
#include "daemon/admin.h"
#include "daemon/console.h"
#include "daemon/cli_queue.h"
#include "daemon/config.h"
#include "daemon/enricher.h"
#include "daemon/figures.h"
#include "daemon/poller.h"
#include "daemon/review_schedule.h"
#include "daemon/sinker.h"
#include "daemon/websub.h"
#include "http/fetch_http.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"
#include "util/vg_metrics.h"
#include "util/vg_time.h"
#include "queue/queue.h"
#include "queue/queue_contract.h"
#include "queue/queue_lag.h"
#include "queue/queue_read.h"
#include "queue/queue_trim.h"

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

struct vg_daemon {
    struct event_base *base;
    struct vg_config *cfg;
    int once;
    struct queue *queue;
    struct admin *admin;
    struct console *console; /* the web console, on a thread of its own (NULL: off) */
    struct accounts_watch *accounts;
    struct company_sources *company_sources; /* [sources] automatic */
    struct figures *figures;
    int64_t last_trim; /* the streams' last trim by age and count (queue_trim.h) */
    struct fetch_client *fetch;
    struct poller *poller;
    struct websub *websub;   /* WebSub callbacks (fetch role, [websub] listen on; else NULL) */
    struct enricher *enricher;
    struct sinker *sinker;
    struct accounts_sync *accounts_sync; /* key accounts from the CRMs (sink role) */
    struct review_schedule *review;      /* the scheduled review (sink role) */
    int draining;          /* stages still finishing their work in flight */
    int64_t pass_started;  /* wall ms when the --once pass began */
    struct event *once_ev; /* --once: waits for enrich to catch up */
    struct event *sig_term, *sig_int, *sig_hup, *house_ev, *shutdown_ev;
    int ready_sent;
    int stopping;
    int exit_code;
    uint64_t watchdog_usec;
    int64_t last_watchdog;
    int64_t started;
    char status[256];
    struct vg_metric *m_reloads, *m_ready;
};

static void set_status(struct vg_daemon *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_status(struct vg_daemon *d, const char *fmt, ...)
{
    char s[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s, sizeof(s), fmt, ap);
    va_end(ap);
    if (strcmp(s, d->status) == 0)
        return;
    snprintf(d->status, sizeof(d->status), "%s", s);
    sd_notifyf(0, "STATUS=%s", s);
}

/* ---- shutdown ------------------------------------------------------------- */

static void on_queue_closed(void *arg)
{
    struct vg_daemon *d = arg;
    event_base_loopexit(d->base, NULL);
}

/* The last step of a drain: once the poller and the enrich stage have recorded what they
 * had in flight, close Redis cleanly. */
static void on_stage_drained(void *arg)
{
    struct vg_daemon *d = arg;
    if (--d->draining > 0)
        return;
    queue_close(d->queue, on_queue_closed, d);
}

static void on_shutdown_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct vg_daemon *d = arg;
    vg_warn("daemon", "shutdown took longer than %.1fs; exiting now (unfinished work stays "
            "pending in Redis for another process)", (double)d->cfg->shutdown_timeout_ms / 1000.0);
    event_base_loopbreak(d->base);
}

static void begin_shutdown(struct vg_daemon *d, const char *why)
{
    if (d->stopping)
        return;
    d->stopping = 1;
    sd_notify(0, "STOPPING=1");
    set_status(d, "stopping (%s)", why);
    vg_info("daemon", "stopping (%s): no new work; waiting up to %.1fs for work in flight", why,
            (double)d->cfg->shutdown_timeout_ms / 1000.0);
    evtimer_del(d->house_ev);
    struct timeval tv = vg_tv_ms(d->cfg->shutdown_timeout_ms);
    evtimer_add(d->shutdown_ev, &tv);
    if (d->once_ev)
        evtimer_del(d->once_ev);
    d->draining = 1; /* held until both stops are requested */
    if (d->poller) {
        d->draining++;
        poller_stop(d->poller, on_stage_drained, d);
    }
    if (d->enricher) {
        d->draining++;
        enricher_stop(d->enricher, on_stage_drained, d);
    }
    if (d->sinker) {
        d->draining++;
        sinker_stop(d->sinker, on_stage_drained, d);
    }
    if (d->accounts_sync) {
        d->draining++;
        accounts_sync_stop(d->accounts_sync, on_stage_drained, d);
    }
    if (d->review) {
        d->draining++;
        review_schedule_stop(d->review, on_stage_drained, d);
    }
    on_stage_drained(d);
}

/* ---- reload ---------------------------------------------------------------- */

static void apply_logging(const struct vg_config *c)
{
    vg_log_setup(vg_log_level_parse(c->log_level), (enum vg_log_format)vg_log_format_parse(c->log_format));
}

static void admin_limits(const struct vg_config *c, struct admin_http_limits *l)
{
    *l = (struct admin_http_limits){0}; /* no_metrics 0: the admin endpoint counts its refusals */
    l->max_conns = (int)c->admin_max_connections;
    l->max_per_addr = (int)c->admin_max_per_address;
    l->timeout_ms = c->admin_request_timeout_ms;
}

static void reload(struct vg_daemon *d)
{
    if (!d->cfg->file) {
        vg_warn("daemon", "SIGHUP: no configuration file to reload (running on built-in defaults)");
        return;
    }
    sd_notify(0, "RELOADING=1");
    char err[512];
    struct vg_config *n = vg_config_load(d->cfg->file, err, sizeof(err));
    if (!n) {
        vg_err("daemon", "reload failed, keeping the running configuration: %s", err);
        sd_notify(0, "READY=1");
        return;
    }
    for (size_t i = 0; i < n->n_warnings; i++)
        vg_warn("config", "%s", n->warnings[i]);
    int changed = 0, kept = 0;
    for (const struct vg_option *o = vg_options; o->name; o++) {
        if (!vg_config_differs(d->cfg, n, o))
            continue;
        char *now = vg_config_format(d->cfg, o);
        char *want = vg_config_format(n, o);
        if (o->flags & VG_OPT_RESTART) {
            vg_warn("daemon", "reload: %s.%s changed to %s but only takes effect after a restart; "
                    "still using %s", o->section, o->name, want ? want : "?", now ? now : "?");
            vg_config_copy_option(n, d->cfg, o);
            kept++;
        } else {
            vg_notice("daemon", "reload: %s.%s = %s (was %s)", o->section, o->name, want ? want : "?",
                      now ? now : "?");
            changed++;
        }
        vg_free(now);
        vg_free(want);
    }
    /* Every sink option is live: a sink whose section changed restarts with it. */
    for (size_t i = 0; i < n->n_sinks; i++)
        if (vg_config_sink_differs(d->cfg, n, n->sinks[i].name)) {
            vg_notice("daemon", "reload: [sink.%s] %s", n->sinks[i].name,
                      vg_config_sink(d->cfg, n->sinks[i].name) ? "changed" : "added");
            changed++;
        }
    for (size_t i = 0; i < d->cfg->n_sinks; i++)
        if (!vg_config_sink(n, d->cfg->sinks[i].name)) {
            vg_notice("daemon", "reload: [sink.%s] removed", d->cfg->sinks[i].name);
            changed++;
        }
    /* Everything that keeps a pointer to the configuration moves to the new one first. */
    accounts_watch_set_config(d->accounts, n);
    company_sources_set_config(d->company_sources, n);
    if (d->poller)
        poller_set_config(d->poller, n);
    if (d->enricher)
        enricher_set_config(d->enricher, n);
    if (d->sinker)
        sinker_set_config(d->sinker, n);
    if (d->accounts_sync)
        accounts_sync_set_config(d->accounts_sync, n);
    if (d->review)
        review_schedule_set_config(d->review, n);
    vg_config_free(d->cfg);
    d->cfg = n;
    apply_logging(n);
    struct admin_http_limits lim;
    admin_limits(n, &lim);
    admin_set_limits(d->admin, &lim);
    vg_metric_add(d->m_reloads, 1);
    vg_notice("daemon", "configuration reloaded from %s: %d change(s) applied, %d need a restart",
              n->file, changed, kept);
    sd_notify(0, "READY=1");
}

/* ---- signals and housekeeping ---------------------------------------------- */

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct vg_daemon *d = arg;
    if (sig == SIGHUP)
        reload(d);
    else
        begin_shutdown(d, sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void on_housekeeping(evutil_socket_t fd, short what, void *arg)
{
    struct vg_daemon *d = arg;
    int64_t now = vg_mono_ms();
    if (d->watchdog_usec && (uint64_t)(now - d->last_watchdog) * 1000 >= d->watchdog_usec / 2) {
        sd_notify(0, "WATCHDOG=1");
        d->last_watchdog = now;
    }
    if (!d->stopping) {
        accounts_watch_tick(d->accounts);
        company_sources_tick(d->company_sources);
        figures_tick(d->figures);
        struct queue_trim_limits lim = {
            .items_retention_ms = d->cfg->fetch_items_retention_ms,
            .items_maxlen = d->cfg->fetch_items_maxlen,
            .outputs_retention_ms = d->cfg->pipe_retention_ms,
            .outputs_maxlen = d->cfg->pipe_maxlen,
        };
        queue_trim_tick(d->queue, &lim, &d->last_trim);
        const char *refused = queue_writes_refused(d->queue);
        if (refused)
            set_status(d, "redis %s refuses writes: %s", queue_describe(d->queue), refused);
        else if (queue_is_ready(d->queue))
            set_status(d, "ready; redis %s", queue_describe(d->queue));
        else
            set_status(d, "waiting for redis at %s", queue_describe(d->queue));
    }
}

static int admin_ready(void *arg, char *reason, size_t len)
{
    struct vg_daemon *d = arg;
    if (d->stopping) {
        snprintf(reason, len, "stopping");
        return 0;
    }
    const char *refused = queue_writes_refused(d->queue);
    if (refused) {
        snprintf(reason, len, "redis refuses writes at %s: %s", queue_describe(d->queue), refused);
        return 0;
    }
    if (!queue_is_ready(d->queue)) {
        snprintf(reason, len, "redis unreachable at %s", queue_describe(d->queue));
        return 0;
    }
    return d->sinker ? sinker_ready(d->sinker, reason, len) : 1;
}

/* ---- --once report ------------------------------------------------------------- */

static void print_size(FILE *f, long long b)
{
    if (b < 0)
        fprintf(f, "?");
    else if (b >= 1 << 20)
        fprintf(f, "%.1f MiB", (double)b / (1 << 20));
    else
        fprintf(f, "%.1f KiB", (double)b / 1024);
}

struct once_report {
    struct vg_daemon *d;
    size_t signals, updates;
};

/* --once, last part: the sinks delivered what the pass found. */
static void on_once_sinks_idle(void *arg)
{
    struct vg_daemon *d = arg;
    FILE *o = stdout;
    sinker_report(d->sinker, o);
    fprintf(o, "  next      `vigie signals -c %s tail` shows them again; `vigie status -c %s` the queues\n",
            d->cfg->file ? d->cfg->file : "FILE", d->cfg->file ? d->cfg->file : "FILE");
    fflush(o);
    begin_shutdown(d, "--once pass done");
}

/* The signals this pass wrote, one line each, then the figures of the pass. */
static void on_once_signals(const struct queue_entry *v, size_t n, int ok, void *arg)
{
    struct vg_daemon *d = arg;
    FILE *o = stdout;
    size_t shown = 0, updates = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].field, QUEUE_FIELD_SIGNAL) != 0) {
            updates++;
            continue;
        }
        cJSON *s = cJSON_Parse(v[i].value);
        const cJSON *acc = cJSON_GetObjectItemCaseSensitive(s, "account_id");
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(s, "type");
        const cJSON *title = cJSON_GetObjectItemCaseSensitive(s, "title");
        const cJSON *prio = cJSON_GetObjectItemCaseSensitive(s, "priority");
        if (cJSON_IsString(acc) && cJSON_IsString(type)) {
            if (shown++ == 0)
                fprintf(o, "\nsignals found (priority, account, type, title):\n");
            fprintf(o, "  %3d  %-20s %-18s %s\n", cJSON_IsNumber(prio) ? prio->valueint : 0, acc->valuestring,
                    type->valuestring, cJSON_IsString(title) ? title->valuestring : "");
        }
        cJSON_Delete(s);
    }
    if (!ok)
        fprintf(o, "\n(could not read the signals stream)\n");
    struct enricher_stats es;
    enricher_stats(d->enricher, &es);
    fprintf(o, "\n  enrich    %llu items enriched against %zu accounts: %llu signals (%zu new, %zu merged into "
               "stories told by several sources), %llu contacts\n",
            (unsigned long long)es.items, es.accounts, (unsigned long long)es.signals, shown, updates,
            (unsigned long long)es.contacts);
    if (es.unmatched)
        fprintf(o, "            %llu structured items named a company no account holds (by its identifier)\n",
                (unsigned long long)es.unmatched);
    fflush(o);
    if (sinker_count(d->sinker))
        sinker_on_idle(d->sinker, on_once_sinks_idle, d);
    else
        on_once_sinks_idle(d);
}

static void on_once_status(const struct queue_status *st, void *arg)
{
    struct vg_daemon *d = arg;
    FILE *o = stdout;
    struct poller_stats ps;
    poller_stats(d->poller, &ps);
    fprintf(o, "vigie %s: one pass (--once) with %s\n", VIGIE_VERSION, d->cfg->file ? d->cfg->file : "built-in defaults");
    if (st->embedded)
        fprintf(o, "  redis     embedded redis-server %s (pid %d) at %s\n", st->server_version,
                st->embedded_pid, queue_describe(d->queue));
    else
        fprintf(o, "  redis     redis %s at %s\n", st->server_version, queue_describe(d->queue));
    fprintf(o, "            append-only file %s, ", st->aof_enabled < 0 ? "?" : st->aof_enabled ? "on" : "off");
    print_size(o, st->used_memory);
    fprintf(o, " used, %lld keys under %s\n", st->keys, d->cfg->redis_prefix);
    fprintf(o, "  sources   %llu polled: %llu ok (%llu not modified), %llu failed\n",
            (unsigned long long)ps.polls, (unsigned long long)ps.ok, (unsigned long long)ps.not_modified,
            (unsigned long long)ps.failed);
    fprintf(o, "  items     %llu new, %llu already seen, %llu older than [fetch] recent_window (baseline)\n",
            (unsigned long long)ps.items_added, (unsigned long long)ps.items_duplicate,
            (unsigned long long)ps.items_baseline);
    fprintf(o, "  admin     %s\n", admin_address(d->admin));
    fprintf(o, "  took      %lld ms\n", (long long)(vg_mono_ms() - d->started));
    fflush(o);
    if (!st->up) {
        vg_err("daemon", "redis stopped answering during the pass: %s", st->last_error);
        d->exit_code = 1;
    }
    if (queue_read_range(d->queue, QUEUE_STREAM_SIGNALS, d->pass_started, 10000, on_once_signals, d) < 0)
        begin_shutdown(d, "--once pass done");
}

/* --once, second half: enrich has caught up with every item of the pass when its group has
 * nothing left to deliver and nothing pending. */
static void on_enrich_lag(long long lag, long long pending, void *arg)
{
    struct vg_daemon *d = arg;
    if (lag == 0 && pending == 0) {
        queue_status(d->queue, on_once_status, d);
        return;
    }
    struct timeval tv = vg_tv_ms(50);
    evtimer_add(d->once_ev, &tv);
}

static void on_once_timer(evutil_socket_t fd, short what, void *arg)
{
    struct vg_daemon *d = arg;
    if (d->stopping)
        return;
    if (queue_group_lag(d->queue, QUEUE_STREAM_ITEMS, QUEUE_GROUP_ENRICH, on_enrich_lag, d) < 0) {
        struct timeval tv = vg_tv_ms(200);
        evtimer_add(d->once_ev, &tv);
    }
}

/* --once, first half: nothing is due any more and nothing is in flight. */
static void on_pass_done(void *arg)
{
    struct vg_daemon *d = arg;
    on_once_timer(-1, 0, d);
}

static void on_queue_state(int up, void *arg)
{
    struct vg_daemon *d = arg;
    vg_metric_set(d->m_ready, up);
    if (up && !d->ready_sent) {
        d->ready_sent = 1;
        sd_notify(0, "READY=1");
        vg_info("daemon", "ready in %lld ms", (long long)(vg_mono_ms() - d->started));
        if (d->once) {
            d->pass_started = vg_wall_ms();
            poller_on_idle(d->poller, on_pass_done, d);
        }
    }
    if (up && !d->stopping && d->poller)
        poller_start(d->poller);
    on_housekeeping(-1, 0, d);
}

static void on_accounts_changed(long long version, void *arg)
{
    struct vg_daemon *d = arg;
    company_sources_accounts_changed(d->company_sources, version);
    if (d->enricher)
        enricher_accounts_changed(d->enricher, version);
    if (d->sinker)
        sinker_accounts_changed(d->sinker, version);
}

/* ---- run ----------------------------------------------------------------- */

/* What the configured limits may hold open at once: two descriptors per admin connection
 * (those served, and as many being turned away), three per fetch (its socket, and the
 * resolver's pair while it looks the host up), and a margin for Redis, the event loop and
 * files. Short of it, the soft limit is raised toward the hard one; still short, say so. */
static void check_descriptors(const struct vg_config *c, int fetch_role)
{
    long long need = 2 * c->admin_max_connections + (fetch_role ? 3 * c->fetch_max_in_flight : 0) + 64;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY || (long long)rl.rlim_cur >= need)
        return;
    rlim_t was = rl.rlim_cur;
    rlim_t want = rl.rlim_max == RLIM_INFINITY || (long long)rl.rlim_max >= need ? (rlim_t)need : rl.rlim_max;
    struct rlimit n = {want, rl.rlim_max};
    if (want > rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &n) == 0)
        rl.rlim_cur = want;
    if ((long long)rl.rlim_cur >= need)
        vg_info("daemon", "raised the file descriptor limit from %llu to %llu for [admin] max_connections and "
                "[fetch] max_in_flight", (unsigned long long)was, (unsigned long long)rl.rlim_cur);
    else
        vg_warn("daemon", "the file descriptor limit is %llu, below the %lld that [admin] max_connections and "
                "[fetch] max_in_flight may need: raise LimitNOFILE= (ulimit -n) or lower them",
                (unsigned long long)rl.rlim_cur, need);
}

static int setup(struct vg_daemon *d)
{
    char err[512];
    d->base = event_base_new();
    if (!d->base) {
        fprintf(stderr, "vigie: cannot create the event loop\n");
        return -1;
    }
    signal(SIGPIPE, SIG_IGN);
    d->sig_term = evsignal_new(d->base, SIGTERM, on_signal, d);
    d->sig_int = evsignal_new(d->base, SIGINT, on_signal, d);
    d->sig_hup = evsignal_new(d->base, SIGHUP, on_signal, d);
    d->house_ev = event_new(d->base, -1, EV_PERSIST, on_housekeeping, d);
    d->shutdown_ev = evtimer_new(d->base, on_shutdown_timeout, d);
    if (!d->sig_term || !d->sig_int || !d->sig_hup || !d->house_ev || !d->shutdown_ev) {
        fprintf(stderr, "vigie: out of memory\n");
        return -1;
    }
    event_add(d->sig_term, NULL);
    event_add(d->sig_int, NULL);
    event_add(d->sig_hup, NULL);
    d->m_reloads = vg_counter("vigie_config_reloads_total", "successful configuration reloads");
    d->m_ready = vg_gauge("vigie_ready", "1 when the daemon is ready to work");

    struct queue_config qc;
    char host[128];
    vg_queue_config(d->cfg, &qc, host, sizeof(host));
    d->queue = queue_new(d->base, &qc, on_queue_state, d, err, sizeof(err));
    if (!d->queue) {
        vg_err("daemon", "redis: %s", err);
        return -1;
    }
    int fetch_role = strcmp(d->cfg->roles, "all") == 0 || strcmp(d->cfg->roles, "fetch") == 0;
    int enrich_role = strcmp(d->cfg->roles, "all") == 0 || strcmp(d->cfg->roles, "enrich") == 0;
    int sink_role = strcmp(d->cfg->roles, "all") == 0 || strcmp(d->cfg->roles, "sink") == 0;
    if (d->once && (!fetch_role || !enrich_role)) {
        vg_err("daemon", "--once needs both stages: [daemon] roles = all (it is %s)", d->cfg->roles);
        return -1;
    }
    if (fetch_role) {
        struct fetch_config fc;
        fetch_config_defaults(&fc);
        fc.connect_timeout_ms = d->cfg->fetch_connect_timeout_ms;
        fc.total_timeout_ms = d->cfg->fetch_timeout_ms;
        fc.max_body = (size_t)d->cfg->fetch_max_body;
        fc.max_redirects = (int)d->cfg->fetch_max_redirects;
        fc.per_host_concurrency = (int)d->cfg->fetch_per_host;
        fc.per_host_delay_ms = d->cfg->fetch_per_host_delay_ms;
        fc.max_in_flight = (int)d->cfg->fetch_max_in_flight;
        fc.user_agent = d->cfg->fetch_user_agent;
        fc.allow_file = (int)d->cfg->fetch_allow_file;
        fc.allow_private = d->cfg->fetch_allow_private[0] ? d->cfg->fetch_allow_private : NULL;
        d->fetch = fetch_client_new(d->base, &fc, err, sizeof(err));
        if (!d->fetch) {
            vg_err("daemon", "fetch: %s", err);
            return -1;
        }
        d->poller = poller_new(d->base, d->queue, d->fetch, d->cfg, err, sizeof(err));
        if (!d->poller) {
            vg_err("daemon", "%s", err);
            return -1;
        }
        /* not for a --once pass: nothing would be there to take the deliveries */
        err[0] = '\0';
        d->websub = d->once ? NULL : websub_start(d->base, d->queue, d->fetch, d->cfg, err, sizeof(err));
        if (!d->websub && err[0]) {
            vg_err("daemon", "websub: %s", err);
            return -1;
        }
    }
    if (enrich_role) {
        d->enricher = enricher_new(d->base, d->queue, d->cfg, err, sizeof(err));
        if (!d->enricher) {
            vg_err("daemon", "enrich: %s", err);
            return -1;
        }
    }
    if (sink_role) {
        d->sinker = sinker_new(d->base, d->queue, d->cfg, err, sizeof(err));
        if (!d->sinker) {
            vg_err("daemon", "sinks: %s", err);
            return -1;
        }
        sinker_start(d->sinker);
        if (!d->once && (!(d->accounts_sync = accounts_sync_new(d->base, d->queue, d->cfg)) ||
                         !(d->review = review_schedule_new(d->base, d->cfg)))) {
            vg_err("daemon", "out of memory");
            return -1;
        }
    }
    d->once_ev = evtimer_new(d->base, on_once_timer, d);
    d->figures = figures_new(d->queue);
    d->company_sources = company_sources_new(d->base, d->queue, d->cfg);
    d->accounts = accounts_watch_new(d->queue, d->cfg, on_accounts_changed, d);
    if (!d->accounts || !d->company_sources) {
        vg_err("daemon", "out of memory");
        return -1;
    }
    check_descriptors(d->cfg, fetch_role);
    struct admin_http_limits lim;
    admin_limits(d->cfg, &lim);
    d->admin = admin_new(d->base, d->cfg->admin_listen, &lim, admin_ready, d, err, sizeof(err));
    if (!d->admin && err[0]) {
        vg_err("daemon", "admin: %s", err);
        return -1;
    }
    d->console = console_start(d->cfg, err, sizeof(err));
    if (!d->console && err[0]) {
        vg_err("daemon", "console: %s", err);
        return -1;
    }
    admin_set_console(d->admin, d->console ? console_address(d->console) : NULL);
    if (sd_watchdog_enabled(0, &d->watchdog_usec) <= 0)
        d->watchdog_usec = 0;
    d->last_watchdog = vg_mono_ms();
    struct timeval tv = vg_tv_ms(d->cfg->housekeeping_ms);
    event_add(d->house_ev, &tv);
    set_status(d, "connecting to redis at %s", queue_describe(d->queue));
    return 0;
}

static void teardown(struct vg_daemon *d)
{
    console_stop(d->console);
    admin_free(d->admin);
    /* The queue first: its pending replies reach the parts below, which are still alive. */
    queue_free(d->queue, d->cfg ? d->cfg->shutdown_timeout_ms : 5000);
    accounts_watch_free(d->accounts);
    company_sources_free(d->company_sources);
    figures_free(d->figures);
    enricher_free(d->enricher);
    sinker_free(d->sinker);
    accounts_sync_free(d->accounts_sync);
    review_schedule_free(d->review);
    /* Fetches still running are dropped without callbacks; the poller frees their polls. */
    fetch_client_free(d->fetch);
    poller_free(d->poller);
    websub_free(d->websub); /* after the fetch client: no answer from a hub reaches it now */
    struct event *evs[] = {d->sig_term, d->sig_int, d->sig_hup, d->house_ev, d->shutdown_ev, d->once_ev};
    for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
        if (evs[i])
            event_free(evs[i]);
    if (d->base)
        event_base_free(d->base);
    vg_config_free(d->cfg);
    vg_metrics_free_all();
}

int vg_daemon_run(const char *config_path, int once)
{
    struct vg_daemon d = {.once = once, .started = vg_mono_ms()};
    char err[512];
    d.cfg = vg_config_load(config_path, err, sizeof(err));
    if (!d.cfg) {
        fprintf(stderr, "vigie: %s\n", err);
        return 1;
    }
    apply_logging(d.cfg);
    vg_info("daemon", "vigie %s starting (%s, pid %d)", VIGIE_VERSION,
            config_path ? config_path : "built-in defaults", (int)getpid());
    for (size_t i = 0; i < d.cfg->n_warnings; i++)
        vg_warn("config", "%s", d.cfg->warnings[i]);
    if (setup(&d) < 0) {
        teardown(&d);
        return 1;
    }
    event_base_dispatch(d.base);
    int code = d.exit_code;
    vg_info("daemon", "stopped");
    teardown(&d);
    return code;
}
