/* enricher — the enrich stage and its background extractor builds (see enricher.h).
 *
 * A build runs in a thread of its own (parsing 100,000 accounts and building their matcher
 * takes a noticeable fraction of a second) and hands the result back to the event loop
 * through a pipe; the loop swaps it in. At most one build runs; a change that arrives during
 * a build is picked up when it ends. */
#include "daemon/enricher.h"
#include "daemon/config.h"
#include "daemon/rules_dir.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_log.h"
#include "util/vg_metrics.h"
#include "util/vg_time.h"
#include "enrich/contact.h"
#include "enrich/extract.h"
#include "enrich/item_json.h"
#include "enrich/story.h"
#include "enrich/structured.h"
#include "queue/queue.h"
#include "queue/queue_accounts.h"
#include "queue/queue_contract.h"
#include "queue/queue_stage.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* What a build produces: the extractor keeps pointers into the account set. */
struct built {
    struct enrich_account_set *accounts;
    struct enrich_extractor *x;
    long long version;
    char *rules_dir;
    char *json;         /* input: the accounts as stored */
    size_t n;
    int notify_fd;      /* the thread writes one byte here when done */
    char err[512];
    int64_t took_ms;
};

struct enricher {
    struct event_base *base;
    struct queue *q;
    const struct vg_config *cfg;
    struct queue_stage *stage;
    struct built *cur;
    int building;          /* a thread is running */
    int loading;           /* accounts requested from Redis */
    long long wanted;      /* latest version seen */
    int pipe_fd[2];
    struct event *pipe_ev;
    pthread_t thread;
    struct enricher_stats stats;
    struct vg_metric *m_signals, *m_contacts, *m_items, *m_unmatched;
};

static void built_free(struct built *b)
{
    if (!b)
        return;
    enrich_extractor_free(b->x);
    enrich_account_set_free(b->accounts);
    vg_free(b->rules_dir);
    vg_free(b->json);
    vg_free(b);
}

/* ---- the build thread ---------------------------------------------------------- */

static void *build_thread(void *arg)
{
    struct built *b = arg;
    int64_t t0 = vg_mono_ms();
    struct enrich_rules *rules = vg_rules_load(b->rules_dir, b->err, sizeof(b->err));
    if (rules && enrich_accounts_parse(b->json, strlen(b->json), &b->accounts, b->err, sizeof(b->err)) == 0)
        b->x = enrich_extractor_new(rules, b->accounts, NULL, b->err, sizeof(b->err)); /* takes rules */
    else
        enrich_rules_free(rules);
    vg_free(b->json);
    b->json = NULL;
    b->took_ms = vg_mono_ms() - t0;
    /* Wake the loop; it joins this thread and takes the result. */
    ssize_t w;
    do
        w = write(b->notify_fd, "x", 1);
    while (w < 0 && errno == EINTR);
    return b;
}

static void load_accounts(struct enricher *e);

static void on_built(evutil_socket_t fd, short what, void *arg)
{
    struct enricher *e = arg;
    char byte;
    if (read(fd, &byte, 1) != 1)
        return;
    struct built *b = NULL;
    pthread_join(e->thread, (void **)&b);
    e->building = 0;
    long long got = b->version;
    if (!b->x) {
        vg_err("enrich", "cannot use accounts version %lld: %s; keeping the previous ones", got, b->err);
        built_free(b);
    } else {
        vg_info("enrich", "accounts version %lld in use: %zu accounts, matcher built in %lld ms", got,
                b->accounts->n, (long long)b->took_ms);
        built_free(e->cur);
        e->cur = b;
        e->stats.accounts_version = got;
        e->stats.accounts = b->accounts->n;
        queue_stage_start(e->stage);
    }
    /* A change that arrived during the build. */
    if (e->wanted != got)
        load_accounts(e);
}

static void on_accounts(long long version, char *json, size_t n, void *arg)
{
    struct enricher *e = arg;
    e->loading = 0;
    if (!json) {
        vg_warn("enrich", "could not read the accounts from redis; will try again");
        return;
    }
    struct built *b = vg_calloc(1, sizeof(*b));
    if (!b || (e->cfg->enrich_rules_dir[0] && !(b->rules_dir = vg_strdup(e->cfg->enrich_rules_dir)))) {
        vg_free(json);
        vg_free(b);
        return;
    }
    b->json = json;
    b->n = n;
    b->version = version;
    b->notify_fd = e->pipe_fd[1];
    e->building = 1;
    if (pthread_create(&e->thread, NULL, build_thread, b) != 0) {
        vg_err("enrich", "cannot start the matcher build thread: %s", strerror(errno));
        e->building = 0;
        built_free(b);
    }
}

static void load_accounts(struct enricher *e)
{
    if (e->building || e->loading)
        return;
    if (queue_accounts_load(e->q, on_accounts, e) == 0)
        e->loading = 1;
}

void enricher_accounts_changed(struct enricher *e, long long version)
{
    e->wanted = version;
    load_accounts(e);
}

/* ---- the stage handler ------------------------------------------------------------ */

/* One item: its signals (one per account and type, clustered into stories) and its contacts.
 * A record that is not an item fails every time and ends in the dead-letter stream. */
static int handle_item(void *arg, const char *entry_id, const char *payload, size_t len, struct queue_outputs *out,
                       char *err, size_t errlen)
{
    struct enricher *e = arg;
    const struct enrich_extractor *x = e->cur->x;
    struct enrich_item_json in;
    char why[200];
    if (enrich_item_json_read(payload, len, &in, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "not an item: %s", why);
        enrich_item_json_clear(&in);
        e->stats.failed++;
        return -1;
    }
    const struct enrich_item item = in.item;
    struct enrich_result *r = NULL;
    int rc = -1;
    struct enrich_contact *contacts = NULL;
    size_t ncontacts = 0;
    struct vg_buf b;
    vg_buf_init(&b, 0);
    /* A company source's item says what happened and to whom: its own signals, never the text
     * rules too (a register sentence would otherwise also read as news). */
    if (in.structured) {
        if (enrich_structured_extract(x, &item, in.structured, &r, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "not a structured item: %s", why);
            e->stats.failed++;
            goto out;
        }
        if (!r->n_accounts) {
            e->stats.unmatched++;   /* no account holds its identifier: nothing, acknowledged */
            vg_metric_add(e->m_unmatched, 1);
        }
    } else if (enrich_extract(x, &item, &r) < 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    /* Register events are told in template sentences: near-identical text is not the same
     * story there, so only their ids (the event's) cluster them. */
    uint64_t sim = in.structured ? 0 : enrich_simhash(item.title, item.summary);
    for (size_t i = 0; i < r->n_signals; i++) {
        const struct enrich_signal *s = &r->signals[i];
        if (!s->account_id || s->role == ENRICH_ROLE_MENTIONED)
            continue; /* a signal about no key account, or one it only names in passing, is not
                         worth an alert */
        vg_buf_reset(&b);
        char cluster[300];
        snprintf(cluster, sizeof(cluster), "%s|%s", s->account_id, s->type);
        if (enrich_signal_json(x, r, s, &b) < 0 ||
            queue_outputs_add_story(out, QUEUE_STREAM_SIGNALS, QUEUE_FIELD_SIGNAL, s->id, b.data, cluster, sim) < 0) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        e->stats.signals++;
        vg_metric_add(e->m_signals, 1);
    }
    if (enrich_contacts_build(x, r, item.url, r->detected, &contacts, &ncontacts) < 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < ncontacts; i++) {
        char id[33];
        vg_buf_reset(&b);
        if (enrich_contact_json(&contacts[i], &b, id) < 0 || queue_outputs_add(out, QUEUE_STREAM_CONTACTS, QUEUE_FIELD_CONTACT, id, b.data) < 0) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        e->stats.contacts++;
        vg_metric_add(e->m_contacts, 1);
    }
    e->stats.items++;
    vg_metric_add(e->m_items, 1);
    rc = 0;
out:
    vg_buf_free(&b);
    enrich_contacts_free(contacts, ncontacts);
    enrich_result_free(r);
    enrich_item_json_clear(&in);
    return rc;
}

/* ---- lifecycle ------------------------------------------------------------------ */

struct enricher *enricher_new(struct event_base *base, struct queue *q, const struct vg_config *cfg, char *err,
                              size_t errlen)
{
    struct enricher *e = vg_calloc(1, sizeof(*e));
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    e->pipe_fd[0] = e->pipe_fd[1] = -1;
    e->base = base;
    e->q = q;
    e->cfg = cfg;
    e->wanted = -1;
    e->stats.accounts_version = -1;
    if (pipe2(e->pipe_fd, O_CLOEXEC | O_NONBLOCK) < 0 ||
        !(e->pipe_ev = event_new(base, e->pipe_fd[0], EV_READ | EV_PERSIST, on_built, e)) ||
        event_add(e->pipe_ev, NULL) < 0) {
        snprintf(err, errlen, "cannot set up the enrich stage: %s", strerror(errno));
        enricher_free(e);
        return NULL;
    }
    struct queue_stage_config sc = {
        .stream = QUEUE_STREAM_ITEMS,
        .group = QUEUE_GROUP_ENRICH,
        .batch = (size_t)cfg->pipe_batch,
        .reclaim_idle_ms = cfg->pipe_reclaim_idle_ms,
        .max_deliveries = (int)cfg->pipe_max_deliveries,
        .maxlen = cfg->pipe_maxlen,
        .dlq_maxlen = cfg->pipe_dlq_maxlen,
        .dedup_ttl_s = cfg->pipe_dedup_ttl_ms / 1000,
        .story_window_s = cfg->enrich_story_window_ms / 1000,
        .series_half_life_ms = cfg->review_half_life_ms, /* heat as `vigie review` reckons it */
    };
    e->stage = queue_stage_new(q, &sc, handle_item, e, err, errlen);
    if (!e->stage) {
        enricher_free(e);
        return NULL;
    }
    e->m_items = vg_counter("vigie_enrich_items_total", "items enriched");
    e->m_signals = vg_counter("vigie_signals_total", "signals found (before story clustering)");
    e->m_contacts = vg_counter("vigie_contacts_total", "contacts found (before deduplication)");
    e->m_unmatched = vg_counter("vigie_structured_unmatched_total",
                                "structured items whose identifier no account holds");
    return e;
}

void enricher_set_config(struct enricher *e, const struct vg_config *cfg)
{
    int rules_changed = strcmp(e->cfg->enrich_rules_dir, cfg->enrich_rules_dir) != 0;
    e->cfg = cfg;
    if (rules_changed) {
        vg_info("enrich", "rules changed to %s; rebuilding", cfg->enrich_rules_dir[0] ? cfg->enrich_rules_dir : "the shipped set");
        load_accounts(e); /* a build in flight picks the new rules up when it ends */
        if (e->building)
            e->wanted = -2;
    }
}

void enricher_stop(struct enricher *e, void (*drained)(void *), void *arg)
{
    queue_stage_stop(e->stage, drained, arg);
}

void enricher_free(struct enricher *e)
{
    if (!e)
        return;
    if (e->building) {
        /* Wait for the thread: it owns memory and writes to the pipe. */
        struct built *b = NULL;
        pthread_join(e->thread, (void **)&b);
        built_free(b);
    }
    queue_stage_free(e->stage);
    if (e->pipe_ev)
        event_free(e->pipe_ev);
    if (e->pipe_fd[0] >= 0)
        close(e->pipe_fd[0]);
    if (e->pipe_fd[1] >= 0)
        close(e->pipe_fd[1]);
    built_free(e->cur);
    vg_free(e);
}

void enricher_stats(const struct enricher *e, struct enricher_stats *out) { *out = e->stats; }
