/* sink_alerts — the alerts router ([alerts], sink name "alerts"): reads the signals stream and
 * decides, per signal, who hears of it, when and how (docs/design.md "## Alerts"). It writes
 * only to Redis: the channels' sinks read the finished messages from alerts:<channel>.
 *
 * Per record (field `signal`, or `update` when one more source told the story; a record
 * without a known account is skipped): the routing tree (alert_config.c) gives the receivers;
 * per receiver, in this order:
 *   silenced   a silence of the `silences` hash covers it (read every 2 s, kept here): dropped;
 *   update     of a signal already alerted to the receiver: Slack edits its message when
 *              [sink.slack] posts with a bot token, the digest carries it for the others;
 *   inhibited  the account's inhibition (an inhibit_types alert) holds back lesser ones;
 *   quiet      the owner's quiet hours in their zone, below quiet_below;
 *   grouped    into the group of (receiver, account), flushed group_wait after it opened.
 * The decisions that need no Redis are alert_noise.c's; the rest is one Redis function call
 * per signal and receiver (vigie_alert_route, queue_alerts.h), which makes a redelivered
 * signal a no-op. A timer, every second, flushes the due groups (vigie_alert_flush: caps,
 * email_min_priority, one message per target) and takes the digests that are due (one per
 * owner and period, whatever the number of processes). Under `vigie run --once` every open
 * group is flushed before the daemon stops (settle), so a pass delivers what it routed.
 *
 * Times are vg_clock_ms(): tests drive quiet hours, group waits, caps and digests with
 * VIGIE_CLOCK_FILE. */
#include "enrich/account.h"
#include "queue/queue_alerts.h"
#include "queue/queue_contract.h"
#include "queue/queue_tally.h"
#include "sinks/alert_config.h"
#include "sinks/alert_json.h"
#include "sinks/alert_noise.h"
#include "sinks/sink.h"
#include "sinks/slack_config.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_event.h"
#include "util/vg_json.h"
#include "util/vg_log.h"
#include "util/vg_metrics.h"
#include "util/vg_time.h"
#include "util/vg_tz.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TICK_MS 1000
#define SILENCES_EVERY_MS 2000
#define FLUSH_LIMIT 100        /* groups per flush call; the next call follows at once */
#define DIGEST_LIMIT 50        /* digests looked at per tick */
#define FIGURES_EVERY_MS 60000 /* the log's summary line, when something changed */
/* The tally the CRM sinks read (sink_hubspot.c): the same window and half-life. Adding the
 * signal puts it in its account's series (queue_series.h), which the digest's 12 weeks count. */
#define TALLY_WINDOW_MS (90LL * 86400000)
#define TALLY_HALF_LIFE_MS (30LL * 86400000)

enum figure {
    F_ROUTED, F_GROUPED, F_SILENCED, F_INHIBITED, F_QUIET, F_CAPPED, F_DIGEST, F_UPDATES, F_MESSAGES, F_DIGESTS,
    F_DUPLICATES, F_UNROUTED, F_NO_ADDRESS, F_N
};
static const char *const FIGURE_NAMES[F_N] = {
    "routed", "grouped", "silenced", "inhibited", "quiet", "capped", "digest", "updates", "messages", "digests",
    "duplicates", "unrouted", "no_address"};
static const char *const FIGURE_HELP[F_N] = {
    "signal entries the alerts router routed to at least one receiver",
    "signals put into a group (one message per group and target when it is flushed)",
    "signals a silence held back (per receiver)",
    "signals an inhibition held back (to the digest)",
    "signals quiet hours held back (to the digest)",
    "groups over their owner's cap per hour (to the digest)",
    "signals folded into an owner's digest",
    "updates of signals already alerted (a Slack edit, or the digest)",
    "alert messages written to alerts:<channel>",
    "digests written to alerts:email",
    "signal entries seen before (redelivered): nothing sent again",
    "signal entries no route sends anywhere",
    "targets 'owner' the account gives no address for",
};

struct router {
    struct sink_ctx *ctx;
    const struct alert_config *cfg;
    int quiet_from, quiet_to, has_quiet;
    struct vg_slot digest;            /* [alerts] digest */
    struct event *tick;

    struct alert_silence *sil;        /* the silences as last read */
    size_t nsil;
    int sil_loaded, sil_asking;
    int64_t sil_read_at;              /* monotonic ms */
    struct job *waiting;              /* a batch waiting for the first read of the silences */

    int flushing, digesting;
    int force;                        /* settling: every group whatever its wait */
    void (*settled)(void *);
    void *settled_arg;

    uint64_t n[F_N], logged[F_N];
    struct vg_metric *m[F_N];
    int64_t logged_at;
};

/* ---- small helpers ------------------------------------------------------------------------ */

static void count(struct router *rt, enum figure f, uint64_t by)
{
    rt->n[f] += by;
    vg_metric_add(rt->m[f], (double)by);
}

static const char *str_of(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* How [sink.slack] posts (sinks/slack_config.h): a bot token can edit what it posted, an
 * incoming webhook posts to its own channel only. */
static enum alert_slack_mode slack_mode(struct sink_ctx *ctx)
{
    const struct slack_config *sc = sink_peer_config(ctx, "slack");
    if (!sc)
        return ALERT_SLACK_NONE;
    if (sc->bot_token && sc->bot_token[0])
        return ALERT_SLACK_BOT;
    return sc->webhook_url && sc->webhook_url[0] ? ALERT_SLACK_WEBHOOK : ALERT_SLACK_NONE;
}

static void owner_of(const struct router *rt, const struct enrich_account *a, struct alert_owner *o)
{
    o->name = a->owner && a->owner[0] ? a->owner : NULL;
    o->email = a->owner_email && a->owner_email[0] ? a->owner_email : NULL;
    o->slack = a->owner_slack && a->owner_slack[0] ? a->owner_slack : NULL;
    o->timezone = a->owner_timezone && vg_tz_valid(a->owner_timezone) ? a->owner_timezone
                  : rt->cfg->timezone && rt->cfg->timezone[0] ? rt->cfg->timezone
                                                               : "UTC";
    o->digest = a->owner_digest && a->owner_digest[0] ? a->owner_digest : NULL;
}

/* The owner's digest schedule: owner_digest when it reads, else [alerts] digest; *spec is
 * its text. */
static struct vg_slot digest_of(const struct router *rt, const struct alert_owner *o, const char **spec)
{
    struct vg_slot s;
    char why[160];
    if (o->digest && vg_slot_parse(o->digest, &s, why, sizeof(why)) == 0) {
        *spec = o->digest;
        return s;
    }
    *spec = rt->cfg->digest && rt->cfg->digest[0] ? rt->cfg->digest : "no";
    return rt->digest;
}

/* ---- silences ------------------------------------------------------------------------------ */

static void job_route(struct job *j);
static void job_finish(struct job *j, const char *fail);

static void silences_free(struct router *rt)
{
    for (size_t i = 0; i < rt->nsil; i++)
        alert_silence_clear(&rt->sil[i]);
    vg_free(rt->sil);
    rt->sil = NULL;
    rt->nsil = 0;
}

static void on_silences(const char *const *json, const size_t *len, size_t n, int ok, void *arg)
{
    struct router *rt = arg;
    rt->sil_asking = 0;
    if (ok) {
        struct alert_silence *v = n ? vg_calloc(n, sizeof(*v)) : NULL;
        size_t k = 0;
        for (size_t i = 0; v && i < n; i++)
            if (alert_silence_parse(json[i], len[i], &v[k]) == 0)
                k++;
        if (!n || v) {
            silences_free(rt);
            rt->sil = v;
            rt->nsil = k;
            rt->sil_loaded = 1;
            rt->sil_read_at = vg_mono_ms();
        }
    }
    struct job *j = rt->waiting;
    rt->waiting = NULL;
    if (j) {
        if (rt->sil_loaded)
            job_route(j);
        else
            job_finish(j, "the silences could not be read from Redis");
    }
}

static int read_silences(struct router *rt)
{
    if (rt->sil_asking)
        return 0;
    if (!sink_queue(rt->ctx) || queue_alert_silences(sink_queue(rt->ctx), on_silences, rt) < 0)
        return -1;
    rt->sil_asking = 1;
    return 0;
}

static int silenced(const struct router *rt, const char *account_id, const struct alert_owner *o, const char *okey,
                    const char *type, int64_t now)
{
    for (size_t i = 0; i < rt->nsil; i++)
        if (alert_silence_matches(&rt->sil[i], account_id, o, okey, type, now))
            return 1;
    return 0;
}

/* ---- a batch ------------------------------------------------------------------------------- */

struct call {
    struct job *job;
    size_t rec;
};

struct job {
    struct router *rt;
    struct sink_batch *b;
    int64_t now;
    char created[32];
    size_t pending;
    unsigned char *failed;            /* per record: a route call got no answer */
    char **acct;                      /* distinct account ids of the batch ... */
    char **inhibit;                   /* ... and their inhibitions (owned copies) */
    size_t nacct;
    struct call *calls;
    size_t ncalls, capcalls;
};

static void job_free(struct job *j)
{
    for (size_t i = 0; i < j->nacct; i++) {
        vg_free(j->acct[i]);
        vg_free(j->inhibit[i]);
    }
    vg_free(j->acct);
    vg_free(j->inhibit);
    vg_free(j->failed);
    vg_free(j->calls);
    vg_free(j);
}

static void job_finish(struct job *j, const char *fail)
{
    struct sink_batch *b = j->b;
    for (size_t i = 0; i < b->n; i++) {
        if (!fail && !j->failed[i])
            continue;
        b->v[i].outcome = SINK_RETRY;
        snprintf(b->v[i].reason, sizeof(b->v[i].reason), "%s", fail ? fail : "Redis did not answer a routing call");
    }
    job_free(j);
    sink_batch_done(b);
}

static size_t acct_index(const struct job *j, const char *id)
{
    for (size_t i = 0; i < j->nacct; i++)
        if (strcmp(j->acct[i], id) == 0)
            return i;
    return (size_t)-1;
}

static void on_routed(const struct queue_alert_routed *r, void *arg)
{
    struct call *c = arg;
    struct job *j = c->job;
    struct router *rt = j->rt;
    if (!r) {
        j->failed[c->rec] = 1;
    } else {
        switch (r->what) {
        case QUEUE_ALERT_GROUPED:
        case QUEUE_ALERT_REPLACED:
            count(rt, F_GROUPED, 1);
            break;
        case QUEUE_ALERT_DUPLICATE:
            count(rt, F_DUPLICATES, 1);
            break;
        case QUEUE_ALERT_UPDATE:
            count(rt, F_UPDATES, 1);
            break;
        case QUEUE_ALERT_INHIBITED:
            count(rt, F_INHIBITED, 1);
            break;
        case QUEUE_ALERT_QUIET:
            count(rt, F_QUIET, 1);
            break;
        }
        count(rt, F_DIGEST, (uint64_t)r->folded);
        count(rt, F_MESSAGES, (uint64_t)r->messages);
    }
    if (--j->pending == 0)
        job_finish(j, NULL);
}

static void on_tally(const struct queue_tally *t, void *arg)
{
    (void)t;
    (void)arg;
}

/* Routes one record: the receivers, then per receiver the decisions and one Redis call. */
static void route_record(struct job *j, size_t ri)
{
    struct router *rt = j->rt;
    const struct alert_config *cfg = rt->cfg;
    struct sink_record *r = &j->b->v[ri];
    const struct enrich_account *a = r->account;
    const char *type = str_of(r->doc, "type");
    const cJSON *pv = cJSON_GetObjectItemCaseSensitive(r->doc, "priority");
    int prio = cJSON_IsNumber(pv) ? (int)pv->valuedouble : 0;
    struct alert_owner o;
    owner_of(rt, a, &o);
    char okey[320] = "";
    alert_owner_key(&o, okey, sizeof(okey));

    struct alert_subject subj = {a->owner, a->owner_email, a->tier ? a->tier : "standard", type ? type : "", prio,
                                 str_of(r->doc, "lang")};
    size_t max = cfg->n_receivers ? cfg->n_receivers : 1;
    size_t *rcv = vg_calloc(max, sizeof(*rcv));
    const char **route = vg_calloc(max, sizeof(*route));
    size_t n = rcv && route ? alert_route_match(cfg, &subj, rcv, route, max) : 0;
    if (!rcv || !route) {
        j->failed[ri] = 1;
        goto out;
    }
    if (n == 0) {
        count(rt, F_UNROUTED, 1);
        goto out;
    }
    count(rt, F_ROUTED, 1);

    /* the tally the digest's activity strip counts from (idempotent by signal id) */
    int64_t published = j->now;
    const char *when = str_of(r->doc, "published");
    if (!when || vg_parse_rfc3339_ms(when, &published) < 0) {
        when = str_of(r->doc, "detected");
        if (!when || vg_parse_rfc3339_ms(when, &published) < 0)
            published = j->now;
    }
    queue_tally_add(sink_queue(rt->ctx), a->id, r->id, prio, published, TALLY_WINDOW_MS, TALLY_HALF_LIFE_MS, on_tally,
                    NULL);

    size_t ai = acct_index(j, a->id);
    int sets_inhibition = strcmp(r->field, QUEUE_FIELD_SIGNAL) == 0 && alert_type_listed(cfg->inhibit_types, type);
    int inhibited = ai != (size_t)-1 && alert_inhibited(j->inhibit[ai], prio, type, j->now);
    int quiet = rt->has_quiet && prio < cfg->quiet_below &&
                alert_quiet(rt->quiet_from, rt->quiet_to, o.timezone, j->now) == 1;
    const char *spec;
    struct vg_slot ds = digest_of(rt, &o, &spec);
    int silent = silenced(rt, a->id, &o, okey, type, j->now);
    const char *address = alert_owner_address(&o);
    char *owner = alert_owner_json(&o, okey);
    char *account = alert_account_json(a, sink_console_url(rt->ctx));
    enum alert_slack_mode slack = slack_mode(rt->ctx);
    for (size_t k = 0; k < n; k++) {
        const struct alert_receiver *rc = &cfg->receivers[rcv[k]];
        if (silent) {
            count(rt, F_SILENCED, 1);
            continue;
        }
        struct alert_target t[ALERT_N_CHANNELS];
        unsigned none = 0;
        int nt = alert_targets(rc, &o, slack, t, &none);
        count(rt, F_NO_ADDRESS, none);
        if (nt < 0) {
            j->failed[ri] = 1;
            continue;
        }
        long long emin = rc->email_min_priority >= 0 ? rc->email_min_priority : cfg->email_min_priority;
        int64_t ddue = rc->digest && address && okey[0] ? vg_slot_next(&ds, o.timezone, j->now) : -1;
        char *meta = alert_group_meta_json(rc, route[k], a->id, okey, emin, ddue > 0 ? ddue : 0, t, nt);
        char *dmeta = alert_digest_meta_json(&o, okey, spec);
        struct queue_alert_route q = {
            .kind = r->field,
            .receiver = rc->name,
            .account_id = a->id,
            .signal_id = r->id,
            .type = type,
            .json = r->json,
            .priority = prio,
            .group_due_ms = j->now + cfg->group_wait_ms,
            .quiet = quiet,
            .inhibited = inhibited,
            .inhibit_for_ms = sets_inhibition ? cfg->inhibit_for_ms : 0,
            .now_ms = j->now,
            .slack_update = slack == ALERT_SLACK_BOT,
            .meta = meta,
            .owner = owner,
            .account = account,
            .owner_key = okey,
            .digest_due_ms = ddue > 0 ? ddue : 0,
            .digest_meta = dmeta,
            .created = j->created,
            .ttl_s = sink_dedup_ttl_s(rt->ctx),
            .maxlen = QUEUE_DEFAULT_MAXLEN,
        };
        struct call *c = &j->calls[j->ncalls];
        *c = (struct call){j, ri};
        if (meta && dmeta && owner && account) {
            j->pending++;
            if (queue_alert_route(sink_queue(rt->ctx), &q, on_routed, c) == 0)
                j->ncalls++;
            else {
                j->pending--;
                j->failed[ri] = 1;
            }
        } else {
            j->failed[ri] = 1;
        }
        vg_free(meta);
        vg_free(dmeta);
        alert_targets_clear(t, (size_t)nt);
    }
    /* later signals of the batch see the inhibition this one sets */
    if (sets_inhibition && ai != (size_t)-1 && !inhibited) {
        char v[200];
        snprintf(v, sizeof(v), "%d|%lld|%s", prio, (long long)(j->now + cfg->inhibit_for_ms), type);
        if (!alert_inhibited(j->inhibit[ai], prio, "", j->now)) { /* none, or not above this one */
            vg_free(j->inhibit[ai]);
            j->inhibit[ai] = vg_strdup(v);
        }
    }
    cJSON_free(owner);
    cJSON_free(account);
out:
    vg_free(rcv);
    vg_free(route);
}

static int routable(const struct sink_record *r)
{
    return r->account && r->id[0] &&
           (strcmp(r->field, QUEUE_FIELD_SIGNAL) == 0 || strcmp(r->field, QUEUE_FIELD_UPDATE) == 0);
}

/* Once the silences and the inhibitions are known: every record's calls. */
static void job_route(struct job *j)
{
    size_t receivers = j->rt->cfg->n_receivers ? j->rt->cfg->n_receivers : 1;
    j->capcalls = j->b->n * receivers;
    j->calls = vg_calloc(j->capcalls, sizeof(*j->calls));
    if (!j->calls) {
        job_finish(j, "out of memory");
        return;
    }
    j->pending = 1; /* held while the calls go out: an answer cannot end the job early */
    for (size_t i = 0; i < j->b->n; i++)
        if (routable(&j->b->v[i]))
            route_record(j, i);
    if (--j->pending == 0)
        job_finish(j, NULL);
}

static void on_inhibits(const char *const *values, size_t n, int ok, void *arg)
{
    struct job *j = arg;
    if (!ok) {
        job_finish(j, "the inhibitions could not be read from Redis");
        return;
    }
    for (size_t i = 0; i < n && i < j->nacct; i++)
        if (values[i] && !(j->inhibit[i] = vg_strdup(values[i]))) {
            job_finish(j, "out of memory");
            return;
        }
    struct router *rt = j->rt;
    if (rt->sil_loaded) {
        job_route(j);
        return;
    }
    rt->waiting = j;
    if (read_silences(rt) < 0) {
        rt->waiting = NULL;
        job_finish(j, "the silences could not be read from Redis");
    }
}

/* In a preview (vigie sinks preview): where each signal would go, nothing written. */
static void preview(struct router *rt, struct sink_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        struct sink_record *r = &b->v[i];
        if (!routable(r))
            continue;
        const cJSON *pv = cJSON_GetObjectItemCaseSensitive(r->doc, "priority");
        const char *type = str_of(r->doc, "type");
        struct alert_subject subj = {r->account->owner, r->account->owner_email,
                                     r->account->tier ? r->account->tier : "standard", type ? type : "",
                                     cJSON_IsNumber(pv) ? (int)pv->valuedouble : 0, str_of(r->doc, "lang")};
        size_t rcv[32];
        const char *route[32];
        size_t n = alert_route_match(rt->cfg, &subj, rcv, route, 32);
        printf("--- alerts: %s %s (%s, account %s) ->", r->field, r->id, type ? type : "?", r->account->id);
        for (size_t k = 0; k < n; k++)
            printf(" %s (route %s)", rt->cfg->receivers[rcv[k]].name, route[k]);
        printf("%s\n", n ? "" : " no receiver");
    }
    sink_batch_done(b);
}

static void alerts_deliver(void *state, struct sink_batch *b)
{
    struct router *rt = state;
    if (sink_previewing(rt->ctx) || !sink_queue(rt->ctx)) {
        preview(rt, b);
        return;
    }
    struct job *j = vg_calloc(1, sizeof(*j));
    if (!j || !(j->failed = vg_calloc(b->n ? b->n : 1, 1)) || !(j->acct = vg_calloc(b->n + 1, sizeof(char *))) ||
        !(j->inhibit = vg_calloc(b->n + 1, sizeof(char *)))) {
        if (j)
            job_free(j);
        for (size_t i = 0; i < b->n; i++) {
            b->v[i].outcome = SINK_RETRY;
            snprintf(b->v[i].reason, sizeof(b->v[i].reason), "out of memory");
        }
        sink_batch_done(b);
        return;
    }
    j->rt = rt;
    j->b = b;
    j->now = vg_clock_ms();
    alert_time_utc(j->now, j->created);
    for (size_t i = 0; i < b->n; i++) {
        struct sink_record *r = &b->v[i];
        if (routable(r) && acct_index(j, r->account->id) == (size_t)-1) {
            if (!(j->acct[j->nacct] = vg_strdup(r->account->id))) {
                job_finish(j, "out of memory");
                return;
            }
            j->nacct++;
        }
    }
    if (j->nacct == 0) {
        job_finish(j, NULL);
        return;
    }
    if (queue_alert_inhibits(sink_queue(rt->ctx), (const char *const *)j->acct, j->nacct, on_inhibits, j) < 0)
        job_finish(j, "Redis is not connected");
}

/* ---- flush and digests (the timer) ----------------------------------------------------------- */

static void flush(struct router *rt);

static void check_settled(struct router *rt)
{
    if (rt->settled && !rt->flushing) {
        void (*cb)(void *) = rt->settled;
        rt->settled = NULL;
        rt->force = 0;
        cb(rt->settled_arg);
    }
}

static void on_flushed(const struct queue_alert_flushed *f, void *arg)
{
    struct router *rt = arg;
    rt->flushing = 0;
    if (f) {
        count(rt, F_CAPPED, (uint64_t)f->capped);
        count(rt, F_DIGEST, (uint64_t)f->folded);
        count(rt, F_MESSAGES, (uint64_t)f->messages);
        if (f->groups)
            vg_info("alerts", "flushed %lld group%s: %lld message%s written, %lld over the cap, %lld signal%s to digests",
                    f->groups, f->groups == 1 ? "" : "s", f->messages, f->messages == 1 ? "" : "s", f->capped,
                    f->folded, f->folded == 1 ? "" : "s");
        if (f->more) {
            flush(rt);
            return;
        }
    }
    check_settled(rt);
}

static void flush(struct router *rt)
{
    if (rt->flushing)
        return;
    int64_t now = vg_clock_ms();
    char created[32];
    alert_time_utc(now, created);
    if (queue_alert_flush(sink_queue(rt->ctx), now, FLUSH_LIMIT, rt->cfg->cap_per_hour, sink_dedup_ttl_s(rt->ctx),
                          QUEUE_DEFAULT_MAXLEN, created, rt->force, on_flushed, rt) == 0)
        rt->flushing = 1;
}

struct take {
    struct router *rt;
    char okey[320];
    char period[16];
};

static void on_taken(int result, void *arg)
{
    struct take *t = arg;
    struct router *rt = t->rt;
    if (result == 1) {
        count(rt, F_DIGESTS, 1);
        vg_info("alerts", "digest %s for %s written", t->period, t->okey);
    } else if (result == -1) {
        vg_info("alerts", "digest %s for %s was already sent: what came since waits for the next", t->period, t->okey);
    }
    if (--rt->digesting == 0)
        check_settled(rt);
    vg_free(t);
}

static void take_digest(struct router *rt, const struct queue_digest_due *d, int64_t now)
{
    cJSON *m = vg_json_parse(d->meta, strlen(d->meta));
    const char *zone = str_of(m, "timezone");
    const char *spec = str_of(m, "digest");
    if (!zone || !vg_tz_valid(zone))
        zone = "UTC";
    struct vg_slot s;
    char why[160];
    if (!spec || vg_slot_parse(spec, &s, why, sizeof(why)) < 0 || s.kind == VG_SLOT_NONE)
        s = rt->digest.kind != VG_SLOT_NONE ? rt->digest : (struct vg_slot){VG_SLOT_DAILY, 0, 8, 0};
    struct take *t = vg_calloc(1, sizeof(*t));
    int64_t start = vg_slot_prev(&s, zone, d->due_ms);
    int64_t next = vg_slot_next(&s, zone, now > d->due_ms ? now : d->due_ms);
    char pstart[32], pend[32], created[32];
    if (t && vg_slot_period(&s, zone, d->due_ms, t->period) == 0 && start > 0 && next > 0) {
        t->rt = rt;
        snprintf(t->okey, sizeof(t->okey), "%s", d->owner_key);
        alert_time_local(zone, start, pstart);
        alert_time_local(zone, d->due_ms, pend);
        alert_time_utc(now, created);
        struct queue_digest_take q = {d->owner_key, t->period, pstart, pend, created, now, next,
                                      sink_dedup_ttl_s(rt->ctx), QUEUE_DEFAULT_MAXLEN};
        rt->digesting++;
        if (queue_digest_take(sink_queue(rt->ctx), &q, on_taken, t) == 0)
            t = NULL;
        else
            rt->digesting--;
    }
    vg_free(t);
    cJSON_Delete(m);
}

static void on_digests_due(const struct queue_digest_due *v, size_t n, int ok, void *arg)
{
    struct router *rt = arg;
    int64_t now = vg_clock_ms();
    for (size_t i = 0; ok && i < n; i++)
        take_digest(rt, &v[i], now);
    if (--rt->digesting == 0)
        check_settled(rt);
}

static void log_figures(struct router *rt, int always)
{
    if (!always && memcmp(rt->n, rt->logged, sizeof(rt->n)) == 0)
        return;
    struct vg_buf b;
    vg_buf_init(&b, 2048);
    for (int f = 0; f < F_N; f++)
        vg_buf_printf(&b, "%s%s %llu", f ? ", " : "", FIGURE_NAMES[f], (unsigned long long)rt->n[f]);
    if (vg_buf_check(&b) == 0)
        vg_info("alerts", "figures: %s", b.data);
    vg_buf_free(&b);
    memcpy(rt->logged, rt->n, sizeof(rt->n));
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct router *rt = arg;
    int64_t mono = vg_mono_ms();
    if (sink_queue(rt->ctx)) {
        flush(rt);
        if (!rt->digesting && queue_digest_due(sink_queue(rt->ctx), vg_clock_ms(), DIGEST_LIMIT, on_digests_due, rt) == 0)
            rt->digesting = 1;
        if (mono - rt->sil_read_at >= SILENCES_EVERY_MS)
            read_silences(rt);
    }
    if (mono - rt->logged_at >= FIGURES_EVERY_MS) {
        log_figures(rt, 0);
        rt->logged_at = mono;
    }
    vg_timer_arm(rt->tick, TICK_MS);
}

/* --once: every open group now, whatever its wait; done(arg) once written. */
static void alerts_settle(void *state, void (*done)(void *), void *arg)
{
    struct router *rt = state;
    if (!sink_queue(rt->ctx)) {
        done(arg);
        return;
    }
    rt->settled = done;
    rt->settled_arg = arg;
    rt->force = 1;
    if (!rt->flushing)
        flush(rt);
    if (!rt->flushing) /* not sent: Redis is down */
        check_settled(rt);
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

static int alerts_init(struct sink_ctx *ctx, const void *config, void **state, char *err, size_t errlen)
{
    const struct alert_config *cfg = config;
    struct router *rt = vg_calloc(1, sizeof(*rt));
    if (!rt) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    rt->ctx = ctx;
    rt->cfg = cfg;
    char why[200];
    if (cfg->quiet_hours && cfg->quiet_hours[0]) {
        if (vg_tz_window_parse(cfg->quiet_hours, &rt->quiet_from, &rt->quiet_to, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "quiet_hours: %s", why);
            vg_free(rt);
            return -1;
        }
        rt->has_quiet = 1;
    }
    if (vg_slot_parse(cfg->digest && cfg->digest[0] ? cfg->digest : "no", &rt->digest, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "digest: %s", why);
        vg_free(rt);
        return -1;
    }
    for (int f = 0; f < F_N; f++) {
        char series[96];
        snprintf(series, sizeof(series), "vigie_alerts_%s_total", FIGURE_NAMES[f]);
        rt->m[f] = vg_counter(series, FIGURE_HELP[f]);
    }
    rt->logged_at = vg_mono_ms();
    if (!sink_previewing(ctx) && sink_queue(ctx)) {
        rt->tick = evtimer_new(sink_base(ctx), on_tick, rt);
        if (!rt->tick) {
            snprintf(err, errlen, "out of memory");
            vg_free(rt);
            return -1;
        }
        vg_timer_arm(rt->tick, 0);
        vg_notice("alerts", "routing signals to %zu receiver%s (%zu route%s, default: %s)", cfg->n_receivers,
                  cfg->n_receivers == 1 ? "" : "s", cfg->n_routes, cfg->n_routes == 1 ? "" : "s",
                  cfg->receiver && cfg->receiver[0] ? cfg->receiver : "none");
    }
    *state = rt;
    return 0;
}

static void alerts_close(void *state)
{
    struct router *rt = state;
    if (!rt)
        return;
    if (rt->tick) {
        log_figures(rt, 0);
        event_free(rt->tick);
    }
    silences_free(rt);
    vg_free(rt);
}

static const char *alerts_where(void *state)
{
    (void)state;
    return "Redis: alerts:slack, alerts:teams, alerts:webhook, alerts:email";
}

const struct sink_type sink_alerts = {
    .name = "alerts",
    .summary = "the alerts router: routing, grouping, silences, inhibitions, quiet hours, caps and digests, "
               "to the channels' streams alerts:<channel>",
    .options = alert_options,
    .config_size = sizeof(struct alert_config),
    .max_batch = 200,
    .streams = "signals",
    .check = alert_sink_check,
    .init = alerts_init,
    .deliver = alerts_deliver,
    .close = alerts_close,
    .where = alerts_where,
    .section = "alerts",
    .more_sections = alert_more_sections,
    .section_entry = alert_sink_section_entry,
    .config_clear = alert_sink_config_clear,
    .config_differs = alert_sink_config_differs,
    .config_print = alert_sink_config_print,
    .example = alert_config_example,
    .settle = alerts_settle,
};
