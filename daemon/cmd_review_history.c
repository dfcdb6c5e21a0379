/* cmd_review_history — saved reviews, their list and diff, and tier decisions in a review (see
 * review_history.h; docs/design.md "Review"). */
#include "daemon/review_history.h"
#include "util/vg_alloc.h"
#include "util/vg_json.h"
#include "enrich/account.h"
#include "enrich/review.h"
#include "queue/queue_reviews.h"

#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* A score or heat moved by at least this many points is a change worth a line in a diff: less
 * is the noise of a signal ageing by a few days. */
#define DIFF_POINTS 5

static void iso_of(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

cJSON *review_past_load(struct queue_sync *q)
{
    char err[512], **json;
    size_t n;
    if (queue_reviews_all(q, &json, &n, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie: %s\n", err);
        return NULL;
    }
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr && i < n; i++) {
        cJSON *o = cJSON_Parse(json[i]);
        if (cJSON_IsObject(o))
            cJSON_AddItemToArray(arr, o);
        else
            cJSON_Delete(o); /* not a review vigie wrote: left out */
    }
    queue_reviews_free(json, n);
    if (!arr)
        fprintf(stderr, "vigie: out of memory\n");
    return arr;
}

static const cJSON *row_of(const cJSON *review, const char *id)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(review, "rows"))
    {
        const char *rid = vg_json_str(r, "id");
        if (rid && strcmp(rid, id) == 0)
            return r;
    }
    return NULL;
}

size_t review_past_below(const cJSON *past, const char *id, int *out, size_t max)
{
    size_t k = 0;
    for (int i = cJSON_GetArraySize(past) - 1; i >= 0 && k < max; i--) {
        const cJSON *r = row_of(cJSON_GetArrayItem(past, i), id);
        out[k++] = r ? cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "below")) : -1;
    }
    return k;
}

int review_past_list(const cJSON *past, const char *format)
{
    if (strcmp(format, "json") == 0) {
        cJSON *arr = cJSON_CreateArray();
        const cJSON *r;
        cJSON_ArrayForEach(r, past)
        {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "id", vg_json_num(r, "id", 0));
            cJSON_AddStringToObject(o, "at", vg_json_str(r, "at") ? vg_json_str(r, "at") : "");
            cJSON_AddNumberToObject(o, "accounts", cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "rows")));
            cJSON_AddItemToObject(o, "counts", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(r, "counts"), 1));
            cJSON_AddItemToArray(arr, o);
        }
        char *text = cJSON_PrintUnformatted(arr);
        cJSON_Delete(arr);
        if (!text) {
            fprintf(stderr, "vigie: out of memory\n");
            return 1;
        }
        printf("%s\n", text);
        cJSON_free(text);
        return 0;
    }
    if (!cJSON_GetArraySize(past)) {
        fprintf(stderr, "vigie review: no saved review (save one with `vigie review --save`)\n");
        return 0;
    }
    printf("%-4s %-20s %8s %9s %7s %5s %4s\n", "ID", "DATE", "ACCOUNTS", "DE-SELECT", "PROMOTE", "WATCH", "KEEP");
    const cJSON *r;
    cJSON_ArrayForEach(r, past)
    {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(r, "counts");
        printf("%-4.0f %-20s %8d %9.0f %7.0f %5.0f %4.0f\n", vg_json_num(r, "id", 0), vg_json_str(r, "at") ? vg_json_str(r, "at") : "",
               cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "rows")), vg_json_num(c, "de-select", 0),
               vg_json_num(c, "promote", 0), vg_json_num(c, "watch", 0), vg_json_num(c, "keep", 0));
    }
    return 0;
}

const cJSON *review_past_find(const cJSON *past, const char *which)
{
    int n = cJSON_GetArraySize(past);
    if (strcmp(which, "last") == 0) {
        if (n)
            return cJSON_GetArrayItem(past, n - 1);
        fprintf(stderr, "vigie review: no saved review to compare with (save one with `vigie review --save`)\n");
        return NULL;
    }
    char *end;
    long long id = strtoll(which, &end, 10);
    const cJSON *r;
    cJSON_ArrayForEach(r, past)
    {
        if (*which && !*end && vg_json_num(r, "id", 0) == (double)id)
            return r;
    }
    fprintf(stderr, "vigie review: no saved review '%s' (`vigie review --list` shows them)\n", which);
    return NULL;
}

cJSON *review_saved_row(const struct enrich_account *a, const struct review_row *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", a->id);
    cJSON_AddStringToObject(o, "name", a->name);
    if (a->owner)
        cJSON_AddStringToObject(o, "owner", a->owner);
    else
        cJSON_AddNullToObject(o, "owner");
    cJSON_AddStringToObject(o, "tier", a->tier ? a->tier : "standard");
    cJSON_AddNumberToObject(o, "score", r->weighted);
    /* The axis scores too, so a saved review can be charted per axis (the console). */
    cJSON *sc = cJSON_AddObjectToObject(o, "scores");
    for (int x = 0; x < REVIEW_AXES; x++)
        cJSON_AddNumberToObject(sc, enrich_review_axis_names[x], r->score[x]);
    cJSON_AddNumberToObject(o, "heat", round(r->heat * 10) / 10);
    cJSON_AddStringToObject(o, "recommendation", enrich_review_rec_names[r->rec]);
    cJSON_AddBoolToObject(o, "below", r->below);
    return o;
}

cJSON *review_saved_doc(cJSON *rows, long long id, int64_t now_ms)
{
    char at[32];
    cJSON *o = cJSON_CreateObject(), *counts = cJSON_CreateObject();
    for (int k = REVIEW_DESELECT; k <= REVIEW_KEEP; k++) {
        int n = 0;
        const cJSON *r;
        cJSON_ArrayForEach(r, rows)
        {
            const char *rec = vg_json_str(r, "recommendation");
            n += rec && strcmp(rec, enrich_review_rec_names[k]) == 0;
        }
        cJSON_AddNumberToObject(counts, enrich_review_rec_names[k], n);
    }
    iso_of(now_ms, at);
    cJSON_AddNumberToObject(o, "id", (double)id);
    cJSON_AddStringToObject(o, "at", at);
    cJSON_AddNumberToObject(o, "ms", (double)now_ms);
    cJSON_AddItemToObject(o, "counts", counts);
    cJSON_AddItemToObject(o, "rows", rows);
    return o;
}

int review_save(struct queue_sync *q, cJSON *rows, int64_t now_ms)
{
    char err[512];
    long long id = queue_reviews_next_id(q, err, sizeof(err));
    if (id < 0) {
        fprintf(stderr, "vigie: %s (the review was not saved)\n", err);
        cJSON_Delete(rows);
        return 1;
    }
    cJSON *o = review_saved_doc(rows, id, now_ms);
    char *text = cJSON_PrintUnformatted(o);
    const char *at = vg_json_str(o, "at") ? vg_json_str(o, "at") : "";
    if (!text) {
        fprintf(stderr, "vigie: out of memory (the review was not saved)\n");
        cJSON_Delete(o);
        return 1;
    }
    int rc = queue_reviews_put(q, id, text, err, sizeof(err));
    cJSON_free(text);
    if (rc < 0) {
        fprintf(stderr, "vigie: %s (the review was not saved)\n", err);
        cJSON_Delete(o);
        return 1;
    }
    fprintf(stderr, "saved review %lld of %s (`vigie review --diff %lld` shows what changes since)\n", id, at, id);
    cJSON_Delete(o);
    return 0;
}

/* ---- diff ------------------------------------------------------------------------------ */

static void line(struct review_change *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(struct review_change *c, const char *fmt, ...)
{
    if (c->n >= REVIEW_CHANGE_LINES)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->lines[c->n++], REVIEW_REASON_LEN, fmt, ap);
    va_end(ap);
}

static int owned(const cJSON *row, const char *owner)
{
    const char *o = vg_json_str(row, "owner");
    return !owner || (o && strcasecmp(o, owner) == 0);
}

/* Compares one account present in both reviews. */
static void compare(const cJSON *was, const cJSON *now, struct review_change *c)
{
    const char *wn = vg_json_str(was, "name"), *wt = vg_json_str(was, "tier"), *nt = vg_json_str(now, "tier");
    const char *wr = vg_json_str(was, "recommendation"), *nr = vg_json_str(now, "recommendation");
    if (wn && strcmp(wn, c->name) != 0)
        line(c, "renamed from \"%s\"", wn);
    if (wt && nt && strcmp(wt, nt) != 0)
        line(c, "tier %s -> %s", wt, nt);
    if (wr && nr && strcmp(wr, nr) != 0)
        line(c, "recommendation %s -> %s", wr, nr);
    double ws = vg_json_num(was, "score", 0), ns = vg_json_num(now, "score", 0);
    if (fabs(ns - ws) >= DIFF_POINTS)
        line(c, "score %.0f -> %.0f (%+.0f)", ws, ns, ns - ws);
    double wh = vg_json_num(was, "heat", 0), nh = vg_json_num(now, "heat", 0);
    if (fabs(nh - wh) >= DIFF_POINTS)
        line(c, "heat %.0f -> %.0f (%+.0f)", wh, nh, nh - wh);
    c->kind = c->n ? "changed" : NULL;
}

/* Rows by id, sorted, so that two reviews of 10,000 accounts compare in n log n. */
struct by_id {
    const char *id;
    const cJSON *row;
};

static int by_id_cmp(const void *x, const void *y)
{
    return strcmp(((const struct by_id *)x)->id, ((const struct by_id *)y)->id);
}

static struct by_id *index_rows(const cJSON *rows, size_t *n)
{
    struct by_id *v = vg_calloc((size_t)cJSON_GetArraySize(rows) + 1, sizeof(*v));
    const cJSON *r;
    *n = 0;
    if (!v)
        return NULL;
    cJSON_ArrayForEach(r, rows)
    {
        if (vg_json_str(r, "id"))
            v[(*n)++] = (struct by_id){vg_json_str(r, "id"), r};
    }
    qsort(v, *n, sizeof(*v), by_id_cmp);
    return v;
}

static const cJSON *find_row(const struct by_id *v, size_t n, const char *id)
{
    struct by_id key = {id, NULL};
    const struct by_id *hit = bsearch(&key, v, n, sizeof(*v), by_id_cmp);
    return hit ? hit->row : NULL;
}

int review_diff(const cJSON *prev, const cJSON *rows, const struct enrich_account_set *set, const char *owner,
                struct review_change **out, size_t *nout)
{
    const cJSON *prev_rows = cJSON_GetObjectItemCaseSensitive(prev, "rows");
    size_t cap = 16, n = 0, nwas, nnow;
    /* Grown as changes come (a change is 1.3 KB: most accounts of a month-apart review have
     * none, and zeroing room for all at 10,000 accounts costs more than the comparing). */
    struct review_change *v = vg_calloc(cap, sizeof(*v)), scratch;
    struct by_id *was_ix = index_rows(prev_rows, &nwas), *now_ix = index_rows(rows, &nnow);
    *out = NULL;
    *nout = 0;
    if (!v || !was_ix || !now_ix)
        goto oom;
    const cJSON *r;
    cJSON_ArrayForEach(r, rows)
    {
        struct review_change *c = &scratch;
        memset(c, 0, offsetof(struct review_change, lines));
        c->n = 0;
        c->id = vg_json_str(r, "id");
        c->name = vg_json_str(r, "name");
        if (!c->id)
            continue;
        const cJSON *was = find_row(was_ix, nwas, c->id);
        if (!was) {
            c->kind = "added";
            line(c, "added since (now %s, %s)", vg_json_str(r, "tier"), vg_json_str(r, "recommendation"));
        } else
            compare(was, r, c);
        if (!c->kind)
            continue;
        if (n + 1 >= cap) {
            struct review_change *w = vg_realloc(v, 2 * cap * sizeof(*v));
            if (!w)
                goto oom;
            v = w;
            cap *= 2;
        }
        v[n] = *c;
        v[n].n = c->n;
        n++;
    }
    cJSON_ArrayForEach(r, prev_rows)
    {
        const char *id = vg_json_str(r, "id");
        if (!id || !owned(r, owner) || find_row(now_ix, nnow, id))
            continue;
        const struct enrich_account *a = NULL;
        for (size_t i = 0; set && i < set->n && !a; i++)
            if (strcmp(set->v[i].id, id) == 0)
                a = &set->v[i];
        if (n + 1 >= cap) {
            struct review_change *w = vg_realloc(v, 2 * cap * sizeof(*v));
            if (!w)
                goto oom;
            v = w;
            cap *= 2;
        }
        struct review_change *c = &v[n++];
        memset(c, 0, offsetof(struct review_change, lines));
        c->n = 0;
        c->id = id;
        c->name = vg_json_str(r, "name");
        if (a && a->retired) {
            c->kind = "retired";
            line(c, "retired since (on %s; was %s)", a->retired, vg_json_str(r, "recommendation"));
        } else if (a) {
            c->kind = "changed";
            line(c, "now owned by %s", a->owner ? a->owner : "nobody");
        } else {
            c->kind = "removed";
            line(c, "removed since (was %s)", vg_json_str(r, "recommendation"));
        }
    }
    vg_free(was_ix);
    vg_free(now_ix);
    *out = v;
    *nout = n;
    return 0;
oom:
    vg_free(was_ix);
    vg_free(now_ix);
    vg_free(v);
    return -1;
}

int review_diff_print(const cJSON *prev, const cJSON *rows, const struct enrich_account_set *set, const char *owner,
                      int64_t now_ms, const char *format)
{
    const cJSON *prev_rows = cJSON_GetObjectItemCaseSensitive(prev, "rows");
    struct review_change *v;
    size_t n;
    if (review_diff(prev, rows, set, owner, &v, &n) < 0) {
        fprintf(stderr, "vigie: out of memory\n");
        return 1;
    }
    char now[32];
    iso_of(now_ms, now);
    const char *since = vg_json_str(prev, "at") ? vg_json_str(prev, "at") : "";
    if (strcmp(format, "json") == 0) {
        cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
        cJSON_AddNumberToObject(o, "since", vg_json_num(prev, "id", 0));
        cJSON_AddStringToObject(o, "since_at", since);
        cJSON_AddStringToObject(o, "at", now);
        for (size_t i = 0; i < n; i++) {
            cJSON *e = cJSON_CreateObject(), *ls = cJSON_CreateArray();
            cJSON_AddStringToObject(e, "id", v[i].id);
            cJSON_AddStringToObject(e, "name", v[i].name ? v[i].name : "");
            cJSON_AddStringToObject(e, "change", v[i].kind);
            for (int k = 0; k < v[i].n; k++)
                cJSON_AddItemToArray(ls, cJSON_CreateString(v[i].lines[k]));
            cJSON_AddItemToObject(e, "lines", ls);
            cJSON_AddItemToArray(arr, e);
        }
        cJSON_AddItemToObject(o, "changes", arr);
        char *text = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        vg_free(v);
        if (!text) {
            fprintf(stderr, "vigie: out of memory\n");
            return 1;
        }
        printf("%s\n", text);
        cJSON_free(text);
        return 0;
    }
    printf("Since review %.0f of %s (%d account(s)), at %s:\n", vg_json_num(prev, "id", 0), since,
           cJSON_GetArraySize(prev_rows), now);
    if (!n)
        printf("no change (recommendations, tiers, names, scores and heat within %d points)\n", DIFF_POINTS);
    else
        printf("%-16s %-22s %-8s %s\n", "ID", "NAME", "CHANGE", "WHAT");
    for (size_t i = 0; i < n; i++) {
        printf("%-16.16s %-22.22s %-8s ", v[i].id, v[i].name ? v[i].name : "", v[i].kind);
        for (int k = 0; k < v[i].n; k++)
            printf("%s%s", k ? "; " : "", v[i].lines[k]);
        printf("\n");
    }
    vg_free(v);
    return 0;
}

/* ---- tier decisions ----------------------------------------------------------------------- */

int review_decisions(struct queue_sync *q, const char *const *ids, struct review_row *const *rows, size_t n)
{
    char err[512];
    char **last = vg_calloc(n + 1, sizeof(*last));
    if (!last) {
        fprintf(stderr, "vigie: out of memory\n");
        return 1;
    }
    if (queue_tier_last(q, ids, n, last, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie: %s\n", err);
        vg_free(last);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        cJSON *d = last[i] ? cJSON_Parse(last[i]) : NULL;
        vg_free(last[i]);
        if (!d)
            continue;
        struct review_decision *out = &rows[i]->decision;
        const char *at = vg_json_str(d, "at"), *by = vg_json_str(d, "by"), *from = vg_json_str(d, "from"), *to = vg_json_str(d, "to"),
                   *reason = vg_json_str(d, "reason");
        if (at && to) {
            snprintf(out->at, sizeof(out->at), "%s", at);
            snprintf(out->by, sizeof(out->by), "%s", by ? by : "?");
            snprintf(out->from, sizeof(out->from), "%s", from ? from : "standard");
            snprintf(out->to, sizeof(out->to), "%s", to);
            snprintf(out->reason, sizeof(out->reason), "%s", reason ? reason : "");
            enrich_review_note_decision(rows[i]);
        }
        cJSON_Delete(d);
    }
    vg_free(last);
    return 0;
}
