/* review_schedule — the daemon's scheduled review (see review_schedule.h).
 *
 * The loop side is a one-second tick: it works out the period due (cheap: local time in the
 * zone) and, when that period is not known to be done, hands a job to the worker thread. The
 * job opens its own blocking Redis connection, takes the period's lease, computes the review
 * (review_build.c), builds the hand-off (review_handoff.c) and writes it all in one
 * transaction (queue_reviews.h); it logs nothing (util/vg_work.h): its outcome is logged back
 * on the loop. A job keeps its own copy of the configuration, so a reload meanwhile frees
 * nothing it reads. */
#include "daemon/review_schedule.h"
#include "daemon/cli_queue.h"
#include "daemon/config.h"
#include "daemon/review_build.h"
#include "daemon/review_handoff.h"
#include "daemon/review_history.h"
#include "queue/queue.h"
#include "queue/queue_reviews.h"
#include "queue/queue_sync.h"
#include "sinks/email_mime.h"
#include "sinks/sink_options.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"
#include "util/vg_time.h"
#include "util/vg_tz.h"
#include "util/vg_work.h"

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MOD "review"
/* A run that takes longer than this (or whose process died) leaves the period to the next
 * process that tries. */
#define LEASE_MS (15 * 60 * 1000LL)
/* A failed run (Redis down) is tried again this much later (monotonic). */
#define RETRY_MS (60 * 1000LL)
/* How long the done mark stays: longer than any period, so a restart never runs one twice. */
#define DONE_KEEP_S (400 * 86400LL)

/* ---- the schedule's grammar --------------------------------------------------------------- */

static enum review_every every_of(const char *s)
{
    if (s && strcmp(s, "weekly") == 0)
        return REVIEW_EVERY_WEEK;
    if (s && strcmp(s, "monthly") == 0)
        return REVIEW_EVERY_MONTH;
    return REVIEW_EVERY_OFF;
}

/* "HH:MM", 00:00 to 23:59. 0, or -1. */
static int parse_at(const char *s, int *hour, int *min)
{
    if (!s || strlen(s) != 5 || s[2] != ':')
        return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return -1;
    *hour = (s[0] - '0') * 10 + (s[1] - '0');
    *min = (s[3] - '0') * 10 + (s[4] - '0');
    return *hour < 24 && *min < 60 ? 0 : -1;
}

int review_schedule_period(enum review_every every, int hour, int min, const char *zone, int64_t now_ms,
                           int64_t *slot_ms, char label[16])
{
    struct tm now;
    if (every == REVIEW_EVERY_OFF || vg_tz_local(zone, now_ms, &now) < 0)
        return -1;
    /* This period's slot, else the one before (now is before this month's 1st 07:00, or
     * before this Monday's). */
    for (int back = 0; back < 2; back++) {
        struct tm s = now;
        s.tm_hour = hour;
        s.tm_min = min;
        s.tm_sec = 0;
        if (every == REVIEW_EVERY_MONTH) {
            s.tm_mday = 1;
            s.tm_mon -= back;
        } else
            s.tm_mday -= (now.tm_wday + 6) % 7 + 7 * back; /* back to Monday */
        int64_t ms;
        if (vg_tz_instant(zone, &s, &ms) < 0)
            return -1;
        if (ms > now_ms)
            continue;
        struct tm local;
        if (vg_tz_local(zone, ms, &local) < 0)
            return -1;
        *slot_ms = ms;
        strftime(label, 16, every == REVIEW_EVERY_MONTH ? "%Y-%m" : "%G-W%V", &local);
        return 0;
    }
    return -1;
}

/* ---- the configuration ------------------------------------------------------------------ */

static int check_entry(void *arg, const char *entry)
{
    char *bad = arg;
    if (strcasecmp(entry, "owners") == 0 || email_address_ok(entry))
        return 0;
    snprintf(bad, 128, "%s", entry);
    return 1;
}

int review_schedule_check(const struct vg_config *c, const char **key, char *why, size_t whylen)
{
    int h, m;
    if (parse_at(c->review_at, &h, &m) < 0) {
        *key = "at";
        snprintf(why, whylen, "'%.40s' is not a time of day: HH:MM, 00:00 to 23:59 (07:00)", c->review_at);
        return -1;
    }
    if (!vg_tz_valid(c->review_timezone)) {
        *key = "timezone";
        snprintf(why, whylen, "'%.80s' is not a time zone of the system's tz database (Europe/Paris, UTC)",
                 c->review_timezone);
        return -1;
    }
    char bad[128] = "";
    if (review_email_each(c->review_email, check_entry, bad)) {
        *key = "email";
        snprintf(why, whylen, "'%s' is neither an e-mail address nor `owners` (addresses and/or owners, "
                 "comma-separated)", bad);
        return -1;
    }
    return 0;
}

static int sink_runs(const struct vg_config *c, const char *name)
{
    const struct vg_sink_section *s = vg_config_sink(c, name);
    return s && s->common.enabled;
}

void review_schedule_warnings(const struct vg_config *c, void (*warn)(void *arg, const char *key, const char *msg),
                              void *arg)
{
    char msg[512];
    int email = c->review_email && *c->review_email;
    if (every_of(c->review_schedule) == REVIEW_EVERY_OFF) {
        if (email || c->review_outbox)
            warn(arg, email ? "email" : "outbox",
                 "review.schedule = off: the review is handed to no sink (set schedule = weekly or monthly)");
        return;
    }
    if (email && !sink_runs(c, "email")) {
        snprintf(msg, sizeof(msg), "review.email = %.200s, but no [sink.email] section is enabled here: the "
                 "scheduled review's e-mails wait in the stream alerts:email until a process with [sink.email] "
                 "enabled = yes sends them", c->review_email);
        warn(arg, "email", msg);
    }
    if (c->review_outbox && !sink_runs(c, "outbox"))
        warn(arg, "outbox", "review.outbox = yes, but no [sink.outbox] section is enabled here: the scheduled "
             "review's records wait in the stream reports until a process with [sink.outbox] enabled = yes "
             "writes them");
    if (!email && !c->review_outbox)
        warn(arg, "schedule", "the scheduled review is saved only (`vigie review --list`): set review.email "
             "and/or review.outbox = yes to hand its report over");
}

/* ---- the job, on the worker thread ------------------------------------------------------ */

struct gen {
    int refs;
    struct vg_config *cfg;
};

struct job {
    struct review_schedule *s;
    struct gen *gen;
    char period[16];
    char instance[128];
    int64_t now_ms;
    /* out */
    int outcome; /* 1 written, 0 done elsewhere or held by another process, -1 failed */
    long long id;
    size_t accounts, n_emails;
    int outbox;
    char err[512];
};

struct review_schedule {
    struct event_base *base;
    struct vg_work *work;
    struct event *tick;
    struct gen *cur;
    char instance[128];
    char done[16];    /* the period known done */
    /* The period due and when the next begins (vg_clock_ms): worked out again only past
     * next_ms (or when the clock went back before slot_ms), so the zone is read once a
     * period, not every tick (vg_tz sets TZ, which a worker thread may be reading). */
    char period[16];
    int64_t slot_ms, next_ms;
    int64_t retry_at; /* monotonic: not before, after a failure */
    struct job *job;  /* in flight */
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

static void job_run(void *arg)
{
    struct job *j = arg;
    const struct vg_config *cfg = j->gen->cfg;
    struct queue_config qc;
    char host[128];
    vg_queue_config(cfg, &qc, host, sizeof(host));
    j->outcome = -1;
    struct queue_sync *q = queue_sync_open(&qc, j->err, sizeof(j->err));
    if (!q)
        return;
    struct review_built b = {0};
    struct review_handoff h = {0};
    char *json = NULL;
    int t = queue_review_sched_take(q, j->period, j->instance, LEASE_MS, &j->id, j->err, sizeof(j->err));
    if (t <= 0) {
        j->outcome = t;
        goto out;
    }
    if (review_build(q, cfg, NULL, j->now_ms, &b) < 0) {
        snprintf(j->err, sizeof(j->err), "the review could not be computed (the reason is on stderr)");
        goto out;
    }
    if ((j->id = queue_reviews_next_id(q, j->err, sizeof(j->err))) < 0)
        goto out;
    cJSON *rows = cJSON_CreateArray();
    for (size_t i = 0; rows && i < b.n; i++)
        cJSON_AddItemToArray(rows, review_saved_row(b.rows[i].a, &b.rows[i].r));
    cJSON *doc = rows ? review_saved_doc(rows, j->id, j->now_ms) : NULL;
    cJSON_AddStringToObject(doc, "period", j->period);
    char *text = doc ? cJSON_PrintUnformatted(doc) : NULL;
    cJSON_Delete(doc);
    json = text ? vg_strdup(text) : NULL;
    cJSON_free(text);
    if (!json) {
        snprintf(j->err, sizeof(j->err), "out of memory");
        goto out;
    }
    if (review_handoff_build(&b, cfg->review_email, (int)cfg->review_outbox, j->id, j->period, &h, j->err,
                             sizeof(j->err)) < 0)
        goto out;
    j->outcome = queue_review_sched_commit(q, j->period, j->id, json, (const char *const *)h.emails, h.n_emails,
                                           h.outbox, cfg->pipe_maxlen, DONE_KEEP_S, j->err, sizeof(j->err));
    j->accounts = b.n;
    j->n_emails = h.n_emails;
    j->outbox = h.outbox != NULL;
out:
    if (t == 1 && j->outcome < 0) /* failed after taking the period: the next try need not wait for the lease */
        queue_review_sched_release(q, j->period, j->instance);
    vg_free(json);
    review_handoff_free(&h);
    review_built_free(&b);
    queue_sync_close(q);
}

/* ---- the loop side ------------------------------------------------------------------------ */

static void check_drained(struct review_schedule *s)
{
    if (s->stopping && !s->job && s->drained) {
        void (*cb)(void *) = s->drained;
        s->drained = NULL;
        cb(s->drained_arg);
    }
}

static void job_done(void *arg)
{
    struct job *j = arg;
    struct review_schedule *s = j->s;
    s->job = NULL;
    if (j->outcome == 1) {
        snprintf(s->done, sizeof(s->done), "%s", j->period);
        vg_notice(MOD, "scheduled review %s: saved as review %lld (%zu account(s)); %zu e-mail message(s) to "
                  "alerts:email%s", j->period, j->id, j->accounts, j->n_emails,
                  j->outbox ? ", a record to the outbox" : "");
    } else if (j->outcome == 0 && j->id > 0) {
        snprintf(s->done, sizeof(s->done), "%s", j->period);
        vg_info(MOD, "scheduled review %s: done already (review %lld)", j->period, j->id);
    } else if (j->outcome == 0) {
        s->retry_at = vg_mono_ms() + RETRY_MS; /* another process runs it: see whether it finished */
        vg_info(MOD, "scheduled review %s: another process is running it", j->period);
    } else {
        s->retry_at = vg_mono_ms() + RETRY_MS;
        vg_err(MOD, "scheduled review %s failed: %s; trying again in %llds", j->period, j->err,
               RETRY_MS / 1000);
    }
    gen_unref(j->gen);
    vg_free(j);
    check_drained(s);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    struct review_schedule *s = arg;
    if (s->stopping || s->job || !s->cur || vg_mono_ms() < s->retry_at)
        return;
    const struct vg_config *c = s->cur->cfg;
    int hour, min;
    int64_t now = vg_clock_ms(), next;
    char label[16];
    enum review_every every = every_of(c->review_schedule);
    if (!s->period[0] || now < s->slot_ms || now >= s->next_ms) {
        /* The next slot is the period due a little over one period after this slot (+2 h:
         * a Monday 07:00 an hour later in UTC after the clocks went back). */
        int64_t after = every == REVIEW_EVERY_MONTH ? 32 * 86400000LL : 7 * 86400000LL + 7200000LL;
        s->period[0] = '\0';
        if (parse_at(c->review_at, &hour, &min) < 0 ||
            review_schedule_period(every, hour, min, c->review_timezone, now, &s->slot_ms, s->period) < 0 ||
            review_schedule_period(every, hour, min, c->review_timezone, s->slot_ms + after, &next, label) < 0) {
            s->period[0] = '\0';
            return;
        }
        s->next_ms = next;
    }
    const char *period = s->period;
    if (strcmp(period, s->done) == 0)
        return;
    struct job *j = vg_calloc(1, sizeof(*j));
    if (!j)
        return;
    j->s = s;
    j->gen = s->cur;
    j->gen->refs++;
    j->now_ms = now;
    snprintf(j->period, sizeof(j->period), "%s", period);
    snprintf(j->instance, sizeof(j->instance), "%s", s->instance);
    s->job = j;
    if (vg_work_submit(s->work, job_run, job_done, j) < 0) {
        s->job = NULL;
        gen_unref(j->gen);
        vg_free(j);
        s->retry_at = vg_mono_ms() + RETRY_MS;
        vg_err(MOD, "scheduled review %s: out of memory; trying again in %llds", period, RETRY_MS / 1000);
    }
}

static void gen_make(struct review_schedule *s, const struct vg_config *cfg)
{
    gen_unref(s->cur);
    s->cur = NULL;
    s->period[0] = '\0';
    enum review_every every = every_of(cfg->review_schedule);
    if (every == REVIEW_EVERY_OFF || !cfg->file)
        return;
    char err[512] = "";
    struct gen *g = vg_calloc(1, sizeof(*g));
    if (!g || !(g->cfg = vg_config_load(cfg->file, err, sizeof(err)))) {
        vg_err(MOD, "the scheduled review cannot run: %s", err[0] ? err : "out of memory");
        vg_free(g);
        return;
    }
    g->refs = 1;
    s->cur = g;
    const struct vg_config *c = g->cfg;
    vg_notice(MOD, "scheduled review: %s at %s (%s)%s%s%s%s", every == REVIEW_EVERY_MONTH ? "the 1st of every month"
              : "every Monday", c->review_at, c->review_timezone, *c->review_email ? "; e-mail to " : "",
              c->review_email, c->review_outbox ? "; outbox" : "",
              !*c->review_email && !c->review_outbox ? "; saved only" : "");
}

struct review_schedule *review_schedule_new(struct event_base *base, const struct vg_config *cfg)
{
    struct review_schedule *s = vg_calloc(1, sizeof(*s));
    char err[256];
    if (!s)
        return NULL;
    s->base = base;
    struct queue_config qc;
    char host[128];
    vg_queue_config(cfg, &qc, host, sizeof(host));
    snprintf(s->instance, sizeof(s->instance), "%s", qc.instance ? qc.instance : "vigie");
    if (!(s->work = vg_work_new(base, 1, err, sizeof(err))) || !(s->tick = event_new(base, -1, EV_PERSIST, on_tick, s))) {
        review_schedule_free(s);
        return NULL;
    }
    struct timeval tv = vg_tv_ms(1000);
    event_add(s->tick, &tv);
    gen_make(s, cfg);
    return s;
}

void review_schedule_set_config(struct review_schedule *s, const struct vg_config *cfg)
{
    if (!s->stopping)
        gen_make(s, cfg);
}

void review_schedule_stop(struct review_schedule *s, void (*drained)(void *), void *arg)
{
    s->stopping = 1;
    s->drained = drained;
    s->drained_arg = arg;
    if (s->tick)
        evtimer_del(s->tick);
    check_drained(s);
}

void review_schedule_free(struct review_schedule *s)
{
    if (!s)
        return;
    vg_work_free(s->work); /* the job in flight ends on its thread; its done does not run */
    if (s->job) {
        gen_unref(s->job->gen);
        vg_free(s->job);
    }
    if (s->tick)
        event_free(s->tick);
    gen_unref(s->cur);
    vg_free(s);
}
