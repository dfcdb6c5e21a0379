/* review_build — a portfolio review computed (see review_build.h). */
#include "daemon/review_build.h"
#include "daemon/config.h"
#include "daemon/review_history.h"
#include "enrich/account.h"
#include "util/vg_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static int by_rank_then_heat(const void *x, const void *y)
{
    const struct review_built_row *a = x, *b = y;
    int d = enrich_review_rank(a->r.rec) - enrich_review_rank(b->r.rec);
    if (d)
        return d;
    if (a->r.heat != b->r.heat)
        return a->r.heat > b->r.heat ? -1 : 1;
    return strcmp(a->a->id, b->a->id);
}

int review_build(struct queue_sync *q, const struct vg_config *cfg, const char *owner, int64_t now_ms,
                 struct review_built *out)
{
    memset(out, 0, sizeof(*out));
    out->now_ms = now_ms;
    struct review_config rc;
    account_signals_review_config(cfg, &rc);
    char err[512];
    if (!(out->past = review_past_load(q)) || account_signals_accounts(q, &out->set, &out->n_stored) < 0)
        return -1;
    struct enrich_account_set *set = out->set;
    if (!(out->rows = vg_calloc(set ? set->n + 1 : 1, sizeof(*out->rows))))
        goto oom;
    for (size_t i = 0; set && i < set->n; i++) {
        const struct enrich_account *a = &set->v[i];
        if (a->retired || (owner && (!a->owner || strcasecmp(a->owner, owner) != 0)))
            continue;
        out->rows[out->n++].a = a;
    }
    if (out->n && account_signals_read(q, &out->signals, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie: %s\n", err);
        return -1;
    }
    for (size_t i = 0; i < out->n; i++) {
        struct review_built_row *w = &out->rows[i];
        if (account_signals_review(&out->signals, w->a, 0, now_ms, &rc, &w->r) < 0)
            goto oom;
        int below[24]; /* deselect_after is at most 24 */
        enrich_review_history(below, review_past_below(out->past, w->a->id, below, 24), &rc, &w->r);
    }
    if (out->n) {
        const char **ids = vg_calloc(out->n, sizeof(*ids));
        struct review_row **rr = vg_calloc(out->n, sizeof(*rr));
        for (size_t i = 0; ids && rr && i < out->n; i++) {
            ids[i] = out->rows[i].a->id;
            rr[i] = &out->rows[i].r;
        }
        int bad = !ids || !rr || review_decisions(q, ids, rr, out->n);
        vg_free(ids);
        vg_free(rr);
        if (bad)
            return -1;
    }
    qsort(out->rows, out->n, sizeof(*out->rows), by_rank_then_heat);
    return 0;
oom:
    fprintf(stderr, "vigie: out of memory\n");
    return -1;
}

void review_built_free(struct review_built *b)
{
    cJSON_Delete(b->past);
    account_signals_free(&b->signals);
    vg_free(b->rows);
    enrich_account_set_free(b->set);
    memset(b, 0, sizeof(*b));
}

static void iso_of(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

cJSON *review_row_json(const struct enrich_account *a, const struct review_row *r)
{
    cJSON *o = cJSON_CreateObject(), *sc = cJSON_CreateObject(), *why = cJSON_CreateObject();
    cJSON *tr = cJSON_CreateObject(), *d7 = cJSON_CreateObject(), *d90 = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", a->id);
    cJSON_AddStringToObject(o, "name", a->name);
    if (a->owner)
        cJSON_AddStringToObject(o, "owner", a->owner);
    else
        cJSON_AddNullToObject(o, "owner");
    cJSON_AddStringToObject(o, "tier", a->tier ? a->tier : "standard");
    for (int x = 0; x < REVIEW_AXES; x++) {
        cJSON_AddNumberToObject(sc, enrich_review_axis_names[x], r->score[x]);
        cJSON *l = cJSON_AddArrayToObject(why, enrich_review_axis_names[x]);
        for (size_t i = 0; i < r->n_why[x]; i++)
            cJSON_AddItemToArray(l, cJSON_CreateString(r->why[x][i]));
    }
    cJSON_AddItemToObject(o, "scores", sc);
    cJSON_AddNumberToObject(o, "score", r->weighted);
    cJSON_AddBoolToObject(o, "evidence_only", r->evidence_only);
    cJSON_AddItemToObject(o, "scores_why", why);
    cJSON_AddNumberToObject(o, "heat", (double)(long long)(r->heat * 10 + 0.5) / 10);
    cJSON_AddNumberToObject(d7, "now", r->d7_now);
    cJSON_AddNumberToObject(d7, "before", r->d7_before);
    cJSON_AddNumberToObject(d90, "now", r->d90_now);
    cJSON_AddNumberToObject(d90, "before", r->d90_before);
    cJSON_AddBoolToObject(d90, "complete", r->d90_complete);
    cJSON_AddItemToObject(tr, "7d", d7);
    cJSON_AddItemToObject(tr, "90d", d90);
    cJSON_AddItemToObject(o, "trends", tr);
    char day[32];
    if (r->last_ms) {
        iso_of(r->last_ms, day);
        cJSON_AddStringToObject(o, "last_signal", day);
    } else
        cJSON_AddNullToObject(o, "last_signal");
    cJSON_AddStringToObject(o, "recommendation", enrich_review_rec_names[r->rec]);
    if (r->decision.at[0]) {
        cJSON *d = cJSON_AddObjectToObject(o, "decision");
        cJSON_AddStringToObject(d, "at", r->decision.at);
        cJSON_AddStringToObject(d, "by", r->decision.by);
        cJSON_AddStringToObject(d, "from", r->decision.from);
        cJSON_AddStringToObject(d, "to", r->decision.to);
        cJSON_AddStringToObject(d, "reason", r->decision.reason);
    } else
        cJSON_AddNullToObject(o, "decision");
    cJSON *rs = cJSON_AddArrayToObject(o, "reasons");
    for (size_t i = 0; i < r->n_reasons; i++)
        cJSON_AddItemToArray(rs, cJSON_CreateString(r->reasons[i]));
    return o;
}
