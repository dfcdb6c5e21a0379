/* account_signals — the signals stream grouped by account (see account_signals.h). */
#include "daemon/account_signals.h"
#include "daemon/config.h"
#include "util/vg_alloc.h"
#include "util/vg_time.h"
#include "util/vg_json.h"
#include "enrich/account.h"
#include "queue/queue_contract.h"
#include "queue/queue_accounts.h"
#include "queue/queue_series.h"
#include "queue/queue_tail.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reading {
    struct account_signals *all;
    int oom;
};

static void entry_free(struct account_signal *s)
{
    vg_free(s->account);
    vg_free(s->id);
    vg_free(s->type);
    vg_free(s->title);
    vg_free(s->url);
}

/* Signal and update entries alike: an update is the stored record with its grown sources. */
static int take(const char *field, const char *payload, const char *entry_id, void *arg)
{
    struct reading *rd = arg;
    struct account_signals *all = rd->all;
    int64_t entry_ms = strtoll(entry_id, NULL, 10);
    if (!all->since_ms)
        all->since_ms = entry_ms;
    if (strcmp(field, QUEUE_FIELD_SIGNAL) != 0 && strcmp(field, QUEUE_FIELD_UPDATE) != 0)
        return 0;
    cJSON *j = cJSON_Parse(payload);
    const char *account = j ? vg_json_str(j, "account_id") : NULL, *id = j ? vg_json_str(j, "id") : NULL;
    if (!account || !id) {
        cJSON_Delete(j);
        return 0;
    }
    if (all->n == all->cap) {
        size_t cap = all->cap ? all->cap * 2 : 256;
        struct account_signal *v = vg_realloc(all->v, cap * sizeof(*v));
        if (!v) {
            rd->oom = 1;
            cJSON_Delete(j);
            return 1;
        }
        all->v = v;
        all->cap = cap;
    }
    int64_t ms;
    const char *published = vg_json_str(j, "published");
    if (!published || vg_parse_rfc3339_ms(published, &ms) < 0)
        ms = entry_ms;
    const char *type = vg_json_str(j, "type"), *title = vg_json_str(j, "title"), *url = vg_json_str(j, "url");
    struct account_signal *s = &all->v[all->n];
    *s = (struct account_signal){vg_strdup(account), vg_strdup(id), vg_strdup(type ? type : ""),
                                 vg_strdup(title ? title : ""), vg_strdup(url ? url : ""), {0}};
    s->s = (struct review_signal){NULL, NULL, (int)vg_json_num(j, "priority", 0), vg_json_num(j, "confidence", 0),
                                  (int)vg_json_num(j, "sources", 1), ms};
    cJSON_Delete(j);
    if (!s->account || !s->id || !s->type || !s->title || !s->url) {
        entry_free(s);
        rd->oom = 1;
        return 1;
    }
    all->n++;
    return 0;
}

/* By account, then time, then id: one account's entries are a run, oldest first. */
static int by_account(const void *x, const void *y)
{
    const struct account_signal *a = x, *b = y;
    int c = strcmp(a->account, b->account);
    if (c)
        return c;
    if (a->s.ms != b->s.ms)
        return a->s.ms < b->s.ms ? -1 : 1;
    c = strcmp(a->id, b->id);
    return c ? c : a->s.sources - b->s.sources;
}

int account_signals_read(struct queue_sync *q, struct account_signals *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    struct reading rd = {out, 0};
    if (queue_tail(q, QUEUE_STREAM_SIGNALS, 0, 0, take, &rd, err, errlen) < 0 && !rd.oom)
        return -1;
    if (rd.oom) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (out->n) /* qsort wants an array, even of nothing */
        qsort(out->v, out->n, sizeof(*out->v), by_account);
    for (size_t i = 0; i < out->n; i++) {
        out->v[i].s.id = out->v[i].id;
        out->v[i].s.type = out->v[i].type;
    }
    return 0;
}

void account_signals_free(struct account_signals *all)
{
    for (size_t i = 0; i < all->n; i++)
        entry_free(&all->v[i]);
    vg_free(all->v);
    memset(all, 0, sizeof(*all));
}

const struct account_signal *account_signals_of(const struct account_signals *all, const char *account, size_t *n)
{
    *n = 0;
    /* the first entry of the run: a lower bound on the sorted accounts */
    size_t lo = 0, hi = all->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(all->v[mid].account, account) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < all->n && strcmp(all->v[end].account, account) == 0)
        end++;
    *n = end - lo;
    return *n ? &all->v[lo] : NULL;
}

int account_signals_accounts(struct queue_sync *q, struct enrich_account_set **set, size_t *n_stored)
{
    char err[512];
    *set = NULL;
    char *all = queue_accounts_all(q, n_stored, err, sizeof(err));
    if (!all) {
        fprintf(stderr, "vigie: %s\n", err);
        return -1;
    }
    int rc = 0;
    if (*n_stored && enrich_accounts_parse(all, strlen(all), set, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie: stored accounts do not parse: %s\n", err);
        rc = -1;
    }
    vg_free(all);
    return rc;
}

int account_signals_series(struct queue_sync *q, const struct vg_config *cfg, const char *const *ids, size_t n,
                           int64_t now_ms, struct queue_series *out)
{
    char err[512];
    /* a Redis that refuses writes (full, a replica) still shows what the series hold */
    if (queue_series_index(q, cfg->review_half_life_ms, 0, NULL, err, sizeof(err)) < 0)
        fprintf(stderr, "vigie: the accounts' series miss the stream's newest signals: %s\n", err);
    if (queue_series_read(q, ids, n, now_ms, cfg->review_half_life_ms, out, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie: the accounts' series: %s\n", err);
        return -1;
    }
    return 0;
}

void account_signals_review_config(const struct vg_config *cfg, struct review_config *rc)
{
    *rc = (struct review_config){
        .half_life_ms = cfg->review_half_life_ms,
        .evidence_window_ms = cfg->review_evidence_window_ms,
        .bar = (int)cfg->review_bar,
        .deselect_bar = (int)cfg->review_deselect_bar,
        .watch_heat = (int)cfg->review_watch_heat,
        .deselect_after = (int)cfg->review_deselect_after,
        .w_quantitative = (int)cfg->review_w_quantitative,
        .w_strategic = (int)cfg->review_w_strategic,
        .w_image = (int)cfg->review_w_image,
    };
}

int account_signals_review(const struct account_signals *all, const struct enrich_account *a, int64_t from_ms,
                           int64_t now_ms, const struct review_config *rc, struct review_row *out)
{
    size_t n;
    const struct account_signal *run = account_signals_of(all, a->id, &n);
    struct review_signal *buf = vg_malloc((n ? n : 1) * sizeof(*buf));
    if (!buf)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (run[i].s.ms > from_ms)
            buf[k++] = run[i].s;
    int r = enrich_review_account(a, buf, k, now_ms, all->since_ms, rc, out);
    vg_free(buf);
    return r;
}
