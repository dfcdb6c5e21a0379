/* console_scores — an account's axis scores over time (see console_scores.h). */
#include "daemon/console_scores.h"
#include "daemon/console_html.h"
#include "enrich/review.h"
#include "queue/queue_console_reads.h"
#include "util/vg_alloc.h"
#include "util/vg_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOWN 24 /* the newest saved reviews shown: two years of monthly reviews */

/* One account in one saved review: the three axes, then the weighted score. */
struct point {
    char *account;
    short v[REVIEW_AXES + 1];
};

struct review_scores {
    long long id, len;       /* the saved review's id and length: what identifies it */
    char at[32];             /* its time, RFC 3339 */
    struct point *p;         /* sorted by account, for bsearch */
    size_t n;
};

static struct review_scores *kept;
static size_t nkept;

static int by_account(const void *a, const void *b)
{
    return strcmp(((const struct point *)a)->account, ((const struct point *)b)->account);
}

static void scores_free(struct review_scores *r)
{
    for (size_t i = 0; i < r->n; i++)
        vg_free(r->p[i].account);
    vg_free(r->p);
}

/* Reads and indexes saved review `id`. 0 (r filled; no rows when it is not one vigie wrote,
 * or was removed in between), or -1 with err. */
static int scores_load(struct queue_sync *q, long long id, long long len, struct review_scores *r, char *err,
                       size_t errlen)
{
    *r = (struct review_scores){.id = id, .len = len};
    char *json = queue_reviews_get(q, id, err, errlen);
    if (!json)
        return err[0] ? -1 : 0;
    cJSON *o = cJSON_Parse(json);
    vg_free(json);
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(o, "rows");
    snprintf(r->at, sizeof(r->at), "%s", vg_json_str(o, "at") ? vg_json_str(o, "at") : "");
    size_t cap = (size_t)cJSON_GetArraySize(rows);
    r->p = cap ? vg_calloc(cap, sizeof(*r->p)) : NULL;
    if (cap && !r->p) {
        cJSON_Delete(o);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const cJSON *row;
    cJSON_ArrayForEach(row, rows)
    {
        const cJSON *sc = cJSON_GetObjectItemCaseSensitive(row, "scores");
        const char *acct = vg_json_str(row, "id");
        if (!acct || !cJSON_IsObject(sc)) /* reviews saved before the axis scores were kept */
            continue;
        struct point *pt = &r->p[r->n];
        for (int x = 0; x < REVIEW_AXES; x++)
            pt->v[x] = (short)vg_json_num(sc, enrich_review_axis_names[x], 0);
        pt->v[REVIEW_AXES] = (short)vg_json_num(row, "score", 0);
        if (!(pt->account = vg_strdup(acct))) {
            cJSON_Delete(o);
            scores_free(r);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        r->n++;
    }
    cJSON_Delete(o);
    if (r->n)
        qsort(r->p, r->n, sizeof(*r->p), by_account);
    return 0;
}

/* Brings the kept reviews in line with Redis's (the newest SHOWN). 0, or -1 with err. */
static int scores_sync(struct queue_sync *q, char *err, size_t errlen)
{
    struct queue_review_key *keys;
    size_t n;
    if (queue_reviews_keys(q, &keys, &n, err, errlen) < 0)
        return -1;
    size_t from = n > SHOWN ? n - SHOWN : 0;
    struct review_scores *next = vg_calloc(n - from + 1, sizeof(*next));
    int rc = next ? 0 : -1;
    if (!next)
        snprintf(err, errlen, "out of memory");
    size_t m = 0;
    for (size_t i = from; i < n && rc == 0; i++) {
        size_t k = 0;
        while (k < nkept && !(kept[k].id == keys[i].id && kept[k].len == keys[i].len))
            k++;
        if (k < nkept) { /* already read: moved over */
            next[m++] = kept[k];
            kept[k] = (struct review_scores){0};
        } else if ((rc = scores_load(q, keys[i].id, keys[i].len, &next[m], err, errlen)) == 0) {
            m++;
        }
    }
    vg_free(keys);
    if (!next)
        return -1;
    for (size_t k = 0; k < nkept; k++)
        scores_free(&kept[k]);
    vg_free(kept);
    kept = next;
    nkept = m;
    return rc;
}

static const struct point *point_of(const struct review_scores *r, const char *account)
{
    struct point key = {.account = (char *)account};
    return r->n ? bsearch(&key, r->p, r->n, sizeof(*r->p), by_account) : NULL;
}

int console_scores_section(struct vg_buf *b, const struct console_req *req, const char *id)
{
    char err[256] = "";
    if (scores_sync(req->q, err, sizeof(err)) < 0)
        return -1;
    const struct point *pts[SHOWN];
    const struct review_scores *of[SHOWN];
    size_t n = 0;
    for (size_t k = 0; k < nkept && n < SHOWN; k++) {
        const struct point *pt = point_of(&kept[k], id);
        if (pt) {
            pts[n] = pt;
            of[n++] = &kept[k];
        }
    }
    vg_buf_printf(b, "<section class=\"scores-history\" data-reviews=\"%zu\"><h2 id=\"scores-history\">", n);
    console_html_text(b, console_tr(req, "Axis scores over time"));
    vg_buf_puts(b, "</h2>\n");
    if (n == 0) {
        vg_buf_puts(b, "<p>");
        console_html_text(b, console_tr(req, "No saved review has this account yet: vigie review --save keeps one, "
                                             "and [review] schedule makes the daemon keep one each period."));
        vg_buf_puts(b, "</p></section>\n");
        return 0;
    }
    static const char *const cols[REVIEW_AXES + 1] = {"quantitative", "strategic", "image", "score"};
    vg_buf_puts(b, "<div class=\"scroll\"><table class=\"scores\"><thead><tr><th>");
    console_html_text(b, console_tr(req, "Axis"));
    vg_buf_puts(b, "</th><th></th>");
    for (size_t i = 0; i < n; i++) {
        vg_buf_printf(b, "<th data-review=\"%lld\">", of[i]->id);
        console_html_text(b, of[i]->at[0] ? of[i]->at : "-");
        vg_buf_puts(b, "</th>");
    }
    vg_buf_puts(b, "</tr></thead><tbody>\n");
    for (int x = 0; x <= REVIEW_AXES; x++) {
        double v[SHOWN];
        for (size_t i = 0; i < n; i++)
            v[i] = pts[i]->v[x];
        vg_buf_printf(b, "<tr data-axis=\"%s\"><th>", cols[x]);
        console_html_text(b, console_tr(req, cols[x]));
        vg_buf_puts(b, "</th><td>");
        console_html_sparkline(b, v, n, 96, 24, console_tr(req, cols[x]));
        vg_buf_puts(b, "</td>");
        for (size_t i = 0; i < n; i++)
            vg_buf_printf(b, "<td data-score=\"%d\">%d</td>", pts[i]->v[x], pts[i]->v[x]);
        vg_buf_puts(b, "</tr>\n");
    }
    vg_buf_puts(b, "</tbody></table></div></section>\n");
    return 0;
}
