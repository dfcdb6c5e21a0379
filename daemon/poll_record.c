/* poll_record — a poll's outcome handed to the schedule (queue_sched.h), with the items of its
 * parsed document; split from poller.c, which claims sources, so that what a poll leaves behind
 * is read in one place:
 *  - the delay before the source's next poll: its interval, doubled per failure up to [fetch]
 *    backoff_max (fetch_next_delay_ms), or the Retry-After of an API that asked to slow down,
 *    or the slow interval of a source a WebSub hub pushes;
 *  - the items, less those this process knows Redis has seen (the seen cache), each marked
 *    recent or not;
 *  - what is counted and logged once recorded (items new, seen, baseline; a source failing
 *    or recovered).
 * Recording does not hold a fetch slot: the recorder batches results into one script call per
 * turn of the event loop. */
#include "daemon/config.h"
#include "daemon/poller.h"
#include "daemon/poller_int.h"
#include "daemon/websub.h"
#include "fetchers/feed.h"
#include "fetchers/item.h"
#include "fetchers/kind.h"
#include "fetchers/schedule.h"
#include "fetchers/seen_cache.h"
#include "queue/queue_sched.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"
#include "util/vg_metrics.h"
#include "util/vg_time.h"

#include <stdio.h>
#include <string.h>

static void count_error(const char *kind)
{
    char series[96];
    snprintf(series, sizeof(series), "vigie_fetch_errors_total{kind=\"%s\"}", kind);
    vg_metric_add(vg_counter(series, "failed polls by kind of failure"), 1);
}

struct record {
    struct poll *pl;
    int ok;
    const char *kind;   /* a static name: fetch_error_name() or a literal */
    char *error;
    uint64_t *tags;     /* the seen-cache tags of the items sent */
    size_t ntags, cached; /* items left out: known as seen (counted as duplicates) */
    int64_t until_ms;   /* Redis remembers the items sent as seen until then, once recorded */
    uint64_t body_tag;  /* the poll's body (a feed's), to know it again: see body_known(), poll_fetch.c */
    int64_t body_until; /* every item of that body is remembered as seen until then */
};

static void on_recorded(enum queue_complete_status st, long added, long dup, long base, void *arg)
{
    struct record *rec = arg;
    struct poll *pl = rec->pl;
    struct poller *p = pl->p;
    const char *id = pl->st.src.id;
    if (st == QUEUE_COMPLETE_OK) {
        /* Every item sent is now recorded as seen in Redis, new or not. */
        for (size_t i = 0; p->seen && i < rec->ntags; i++)
            seen_cache_put(p->seen, rec->tags[i], rec->until_ms);
        if (p->seen && rec->body_tag && rec->ok)
            seen_cache_put(p->seen, rec->body_tag, rec->body_until);
        dup += (long)rec->cached;
        vg_metric_add(p->m_cached, (double)rec->cached);
        p->stats.items_added += (uint64_t)added;
        p->stats.items_duplicate += (uint64_t)dup;
        p->stats.items_baseline += (uint64_t)base;
        vg_metric_add(p->m_added, (double)added);
        vg_metric_add(p->m_dup, (double)dup);
        vg_metric_add(p->m_base, (double)base);
        if (rec->ok && pl->st.failures > 0)
            vg_notice("fetch", "source %s recovered after %lld failure(s)", id, pl->st.failures);
        else if (!rec->ok && pl->st.failures == 0)
            vg_warn("fetch", "source %s failing: %s: %s", id, rec->kind, rec->error ? rec->error : "");
        vg_debug("fetch", "source %s: %s, %ld new, %ld seen, %ld baseline", id, rec->ok ? "ok" : rec->kind,
                 added, dup, base);
    } else if (st == QUEUE_COMPLETE_LEASE_LOST) {
        vg_warn("fetch", "source %s: the poll was not recorded: its lease expired first and another "
                "process polls it now (consider a longer [fetch] lease), or it was removed and added again",
                id);
    } else if (st == QUEUE_COMPLETE_ERROR) {
        vg_warn("fetch", "source %s: could not record the poll (redis); its lease is given back, so it is "
                "polled again shortly", id);
    }
    vg_free(rec->error);
    vg_free(rec->tags);
    vg_free(rec);
    poll_done(pl);
    if (p->running && poller_claim_room(p))
        poller_schedule_claim(p, 0);
    poller_check_drained(p);
}

/* An API (a company kind) answered "not now" (429 or 503 with Retry-After): nothing is wrong
 * with the source, so it is polled again when the API says, not after the failures' backoff
 * (which would be days for a daily source). */
static int api_throttled(const struct poll *pl, int ok, long long retry_after_ms)
{
    return !ok && retry_after_ms > 0 && pl->kind && pl->kind->default_url;
}

/* Items of a parsed document to the stream, with the poll's outcome. Takes ownership of pl. */
void poll_record(struct poll *pl, int ok, const char *kind, const char *error, long long retry_after_ms,
                 const char *etag, const char *last_modified, const char *watch_text, const struct feed_doc *doc)
{
    struct poller *p = pl->p;
    const struct vg_config *c = p->cfg;
    poller_fetch_finished(pl); /* a poll failed before its last request ended */
    long long failures = ok ? 0 : pl->st.failures + 1;
    struct queue_poll_result r = {
        .id = pl->st.src.id,
        .lease = pl->st.lease,
        .ok = ok,
        .clean = ok && pl->st.failures == 0 && pl->st.baselined && !pl->st.error_kind,
        .next_delay_ms = api_throttled(pl, ok, retry_after_ms)
                             ? retry_after_ms + (long long)vg_rand_below((unsigned)(retry_after_ms / 10 + 1))
                             : fetch_next_delay_ms(pl->st.src.interval_ms, failures, c->fetch_backoff_max_ms,
                                                   retry_after_ms, (unsigned)vg_rand_below(1000)),
        .etag = etag,
        .last_modified = last_modified,
        .watch_text = watch_text,
        .error_kind = kind,
        .error = error,
        .dedup_ttl_s = c->fetch_dedup_ttl_ms / 1000,
        /* a ceiling: the trim of every minute (queue_trim.h) holds the stream to items_maxlen
         * and counts what it removes before the enrich stage has it; this one, uncounted, only
         * bounds a stream no process trims */
        .stream_maxlen = c->fetch_items_maxlen * 2,
    };
    if (ok) /* WebSub: a hub discovered, and the slow interval while one pushes (daemon/websub.h) */
        r.next_delay_ms = websub_polled(pl->st.src.id, pl->st.src.kind, pl->st.src.account_id, doc, r.next_delay_ms);
    struct queue_new_item *items = NULL;
    size_t n = 0;
    struct record *rec = vg_calloc(1, sizeof(*rec));
    if (doc && doc->nitems) {
        items = vg_calloc(doc->nitems, sizeof(*items));
        uint64_t *tags = p->seen && rec ? vg_calloc(doc->nitems, sizeof(*tags)) : NULL;
        if (rec)
            rec->tags = tags;
        int64_t now = vg_clock_ms();
        /* Redis keeps what it records for dedup_ttl from the call's clock (taken at most a few
         * ms before now) rounded to the hour below: a minute's margin. */
        if (rec)
            rec->until_ms = rec->body_until = now + c->fetch_dedup_ttl_ms - 60000;
        int64_t recent_after = vg_wall_ms() / 1000 - c->fetch_recent_window_ms / 1000;
        for (size_t i = 0; items && i < doc->nitems; i++) {
            const struct feed_item *it = &doc->items[i];
            struct fetch_item_keys keys;
            if (tags) {
                if (fetch_item_keys(it, &keys) < 0)
                    continue;
                uint64_t tag = seen_cache_tag(pl->st.src.id, keys.id, keys.fp);
                int64_t until = seen_cache_until(p->seen, tag);
                if (until > now) {
                    rec->cached++;
                    if (until < rec->body_until)
                        rec->body_until = until;
                    continue;
                }
                tags[rec->ntags++] = tag;
            }
            char *json = fetch_item_json(pl->st.src.id, pl->st.src.account_id, doc, it, &keys);
            if (!json) {
                if (tags)
                    rec->ntags--;
                continue;
            }
            memcpy(items[n].url_key, keys.id, sizeof(keys.id));
            memcpy(items[n].fp_key, keys.fp, sizeof(keys.fp));
            int64_t when = it->published != FEED_DATE_NONE ? it->published : it->updated;
            items[n].recent = when != FEED_DATE_NONE && when >= recent_after;
            items[n].json = json;
            n++;
        }
    }
    r.items = items;
    r.nitems = n;
    if (rec) {
        rec->pl = pl;
        rec->ok = ok;
        rec->body_tag = ok && items ? pl->body_tag : 0;
        rec->kind = kind ? kind : "ok";
        rec->error = error ? vg_strdup(error) : NULL;
    }
    if (ok)
        p->stats.ok++, vg_metric_add(p->m_polls_ok, 1);
    else
        p->stats.failed++, vg_metric_add(p->m_polls_failed, 1), count_error(kind);
    if (!rec || queue_recorder_add(p->rec, &r, on_recorded, rec) < 0) {
        /* Redis is gone: the recorder gives the lease back once it is here again. */
        vg_warn("fetch", "source %s: could not record the poll (redis unreachable); its lease is given back "
                "when redis answers", pl->st.src.id);
        if (rec) {
            vg_free(rec->error);
            vg_free(rec->tags);
            vg_free(rec);
        }
        poll_done(pl);
        poller_check_drained(p);
    }
    for (size_t i = 0; i < n; i++)
        vg_free((char *)items[i].json);
    vg_free(items);
}
