/* accounts_watch — account changes to the daemon (see accounts_watch.h). */
#include "daemon/accounts_watch.h"
#include "daemon/config.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"
#include "util/vg_time.h"
#include "queue/queue.h"
#include "queue/queue_accounts.h"
#include "queue/queue_news.h"

#include <string.h>

#define CHECK_PERIOD_MS 2000

struct accounts_watch {
    struct queue *q;
    const struct vg_config *cfg;
    void (*on_change)(long long, void *);
    void *arg;
    long long version;     /* -1 until first read */
    int asking;
    int news_dirty;        /* the template changed: sync even without an account change */
    int64_t last_check;
};

static void on_news(long created, long removed, void *arg)
{
    if (created < 0)
        vg_warn("accounts", "could not sync the per-account news sources");
    else if (created || removed)
        vg_info("accounts", "news search sources: %ld created, %ld removed", created, removed);
}

static void on_version(long long version, void *arg)
{
    struct accounts_watch *w = arg;
    w->asking = 0;
    if (version < 0)
        return;
    int changed = version != w->version;
    if (changed || w->news_dirty) {
        w->news_dirty = 0;
        if (w->cfg->fetch_news_search[0] || changed)
            queue_news_sources_sync(w->q, w->cfg->fetch_news_search, w->cfg->fetch_news_interval_ms, on_news, w);
    }
    if (!changed)
        return;
    if (w->version >= 0)
        vg_info("accounts", "accounts changed (version %lld -> %lld)", w->version, version);
    w->version = version;
    if (w->on_change)
        w->on_change(version, w->arg);
}

struct accounts_watch *accounts_watch_new(struct queue *q, const struct vg_config *cfg,
                                          void (*on_change)(long long version, void *arg), void *arg)
{
    struct accounts_watch *w = vg_calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->q = q;
    w->cfg = cfg;
    w->on_change = on_change;
    w->arg = arg;
    w->version = -1;
    w->news_dirty = 1;
    return w;
}

void accounts_watch_tick(struct accounts_watch *w)
{
    int64_t now = vg_mono_ms();
    if (!w || w->asking || !queue_is_ready(w->q) || (w->version >= 0 && now - w->last_check < CHECK_PERIOD_MS))
        return;
    w->last_check = now;
    if (queue_accounts_version(w->q, on_version, w) == 0)
        w->asking = 1;
}

void accounts_watch_set_config(struct accounts_watch *w, const struct vg_config *cfg)
{
    if (strcmp(w->cfg->fetch_news_search, cfg->fetch_news_search) != 0 ||
        w->cfg->fetch_news_interval_ms != cfg->fetch_news_interval_ms)
        w->news_dirty = 1;
    w->cfg = cfg;
}

void accounts_watch_free(struct accounts_watch *w) { vg_free(w); }
