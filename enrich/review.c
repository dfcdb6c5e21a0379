/* review — one account's axis scores, heat, trends and recommendation (see review.h). */
#include "enrich/review.h"
#include "enrich/account.h"
#include "util/vg_alloc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY_MS 86400000LL
#define NEUTRAL 50       /* an axis without fields starts here: neither good nor bad */
#define PER_TYPE_CAP 3   /* a type moves an axis by at most 3 signals' worth */
#define SOURCE_POINTS 2  /* image: each further source telling a story */
#define SOURCE_CAP 10

const char *const enrich_review_axis_names[REVIEW_AXES] = {"quantitative", "strategic", "image"};
const char *const enrich_review_rec_names[] = {"de-select", "promote", "watch", "keep"};

void enrich_review_defaults(struct review_config *c)
{
    *c = (struct review_config){
        .half_life_ms = 30 * DAY_MS,
        .evidence_window_ms = 365 * DAY_MS,
        .bar = 60,
        .deselect_bar = 40,
        .watch_heat = 50,
        .deselect_after = 2,
        .w_quantitative = 40,
        .w_strategic = 30,
        .w_image = 30,
    };
}

/* What one signal of a type does to each axis, in points at confidence 1 (docs/design.md
 * "Review" lists them). Growth shows in the quantitative axis, alliances in the strategic
 * one, visible deals and partners in the image. */
static const struct {
    const char *type;
    int points[REVIEW_AXES];
} evidence[] = {
    {"funding", {8, 0, 0}},
    {"expansion", {6, 0, 0}},
    {"hiring", {4, 0, 0}},
    {"contract_win", {6, 0, 4}},
    {"financial_results", {3, 0, 0}},
    {"acquisition", {4, 3, 0}},
    {"partnership", {0, 6, 4}},
    {"product_launch", {0, 0, 2}},
    {"layoffs", {-8, 0, 0}},
    {"insolvency", {-25, 0, -10}},
    {"legal_regulatory", {-5, 0, -4}},
};
#define N_EVIDENCE (sizeof(evidence) / sizeof(evidence[0]))

static void add_line(char lines[][REVIEW_REASON_LEN], size_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_line(char lines[][REVIEW_REASON_LEN], size_t *n, const char *fmt, ...)
{
    if (*n >= REVIEW_MAX_REASONS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lines[*n], REVIEW_REASON_LEN, fmt, ap);
    va_end(ap);
    (*n)++;
}

static int clamp100(double x) { return x < 0 ? 0 : x > 100 ? 100 : (int)lround(x); }

/* An axis field as 0-100: 0 is absent; up to 1 a 0-1 score (as examples/accounts.json has
 * them); above, revenue is an amount (log scale, 10 M and more is 100) and the others a
 * percentage. */
static double field_score(double v, int is_amount)
{
    if (v <= 1)
        return v * 100;
    if (is_amount)
        return fmin(100, log10(1 + v) / 7.0 * 100);
    return fmin(100, v);
}

static int by_id_then_sources(const void *x, const void *y)
{
    const struct review_signal *a = *(const struct review_signal *const *)x, *b = *(const struct review_signal *const *)y;
    int c = strcmp(a->id ? a->id : "", b->id ? b->id : "");
    return c ? c : b->sources - a->sources;
}

static void day_of(int64_t ms, char out[16])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

/* The fields' part of each axis: their mean, or NEUTRAL when the account gives none. */
static void base_scores(const struct enrich_account *a, double base[REVIEW_AXES], struct review_row *out)
{
    struct { const char *name; double v; int axis, amount; } f[] = {
        {"revenue", a->revenue, REVIEW_QUANTITATIVE, 1},
        {"margin", a->margin, REVIEW_QUANTITATIVE, 0},
        {"growth_potential", a->growth_potential, REVIEW_QUANTITATIVE, 0},
        {"strategic_fit", a->strategic_fit, REVIEW_STRATEGIC, 0},
        {"image", a->image, REVIEW_IMAGE, 0},
    };
    double sum[REVIEW_AXES] = {0};
    int n[REVIEW_AXES] = {0}, any = 0;
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        if (!(f[i].v > 0))
            continue;
        double s = field_score(f[i].v, f[i].amount);
        sum[f[i].axis] += s;
        n[f[i].axis]++;
        any = 1;
        add_line(out->why[f[i].axis], &out->n_why[f[i].axis], "%s %g: %d", f[i].name, f[i].v, clamp100(s));
    }
    out->evidence_only = !any;
    for (int x = 0; x < REVIEW_AXES; x++) {
        base[x] = n[x] ? sum[x] / n[x] : NEUTRAL;
        if (!n[x])
            add_line(out->why[x], &out->n_why[x], "no fields: from evidence only, from %d", NEUTRAL);
    }
}

/* Heat and the trend windows over every signal; evidence over those of the evidence window. */
static void tally(const struct review_signal *const *u, size_t n, int64_t now, const struct review_config *c,
                  double base[REVIEW_AXES], int type_count[N_EVIDENCE], int64_t *insolvency_ms,
                  struct review_row *out)
{
    double moved[N_EVIDENCE][REVIEW_AXES] = {{0}};
    int extra_sources = 0;
    for (size_t i = 0; i < n; i++) {
        const struct review_signal *s = u[i];
        int64_t age = now - s->ms;
        if (age < 0)
            age = 0; /* published ahead of the clock: as new */
        if (s->ms > out->last_ms)
            out->last_ms = s->ms;
        double conf = s->confidence < 0 ? 0 : s->confidence > 1 ? 1 : s->confidence;
        out->heat += s->priority * pow(0.5, (double)age / (double)c->half_life_ms);
        out->d7_now += age < 7 * DAY_MS;
        out->d7_before += age >= 7 * DAY_MS && age < 14 * DAY_MS;
        out->d90_now += age < 90 * DAY_MS;
        out->d90_before += age >= 90 * DAY_MS && age < 180 * DAY_MS;
        if (age >= c->evidence_window_ms)
            continue;
        if (s->sources > 1)
            extra_sources += s->sources - 1;
        for (size_t t = 0; t < N_EVIDENCE; t++) {
            if (!s->type || strcmp(s->type, evidence[t].type) != 0)
                continue;
            type_count[t]++;
            for (int x = 0; x < REVIEW_AXES; x++)
                moved[t][x] += evidence[t].points[x] * conf;
            if (strcmp(s->type, "insolvency") == 0 && s->ms > *insolvency_ms)
                *insolvency_ms = s->ms;
        }
    }
    if (out->heat > 100)
        out->heat = 100;
    for (size_t t = 0; t < N_EVIDENCE; t++)
        for (int x = 0; x < REVIEW_AXES; x++) {
            if (!evidence[t].points[x] || !type_count[t])
                continue;
            double cap = PER_TYPE_CAP * fabs((double)evidence[t].points[x]);
            double d = fmax(-cap, fmin(cap, moved[t][x]));
            base[x] += d;
            add_line(out->why[x], &out->n_why[x], "%s x%d %+d", evidence[t].type, type_count[t], (int)lround(d));
        }
    if (extra_sources) {
        int d = extra_sources * SOURCE_POINTS > SOURCE_CAP ? SOURCE_CAP : extra_sources * SOURCE_POINTS;
        base[REVIEW_IMAGE] += d;
        add_line(out->why[REVIEW_IMAGE], &out->n_why[REVIEW_IMAGE], "told by %d further source(s) %+d", extra_sources, d);
    }
}

/* A key account under the de-selection bar: de-select at the deselect_after-th review in a row
 * (this one and the past ones just before it), watch until then. Rewrites the first reason. */
static void below_bar(const int *past, size_t n_past, const struct review_config *c, struct review_row *out)
{
    int after = c->deselect_after > 1 ? c->deselect_after : 1;
    size_t run = 1, window = 1, in_window = 1;
    while (run - 1 < n_past && past[run - 1] == 1)
        run++;
    for (size_t i = 0; i < n_past && window < (size_t)after; i++, window++)
        in_window += past[i] == 1;
    if (run >= (size_t)after) {
        out->rec = REVIEW_DESELECT;
        if (after == 1)
            snprintf(out->reasons[0], REVIEW_REASON_LEN, "score %d under the de-selection bar %d", out->weighted,
                     c->deselect_bar);
        else
            snprintf(out->reasons[0], REVIEW_REASON_LEN, "score %d below the de-selection bar %d in %zu reviews in a row",
                     out->weighted, c->deselect_bar, run);
    } else {
        out->rec = REVIEW_WATCH;
        snprintf(out->reasons[0], REVIEW_REASON_LEN,
                 "score %d below the de-selection bar %d in %zu of the last %zu review(s) (de-select after %d in a row)",
                 out->weighted, c->deselect_bar, in_window, window, after);
    }
}

static void recommend(const struct enrich_account *a, const struct review_config *c, const int type_count[N_EVIDENCE],
                      int64_t insolvency_ms, struct review_row *out)
{
    int key = a->tier && strcmp(a->tier, "key") == 0;
    char day[16];
    if (insolvency_ms) {
        day_of(insolvency_ms, day);
        if (key) {
            out->rec = REVIEW_DESELECT;
            add_line(out->reasons, &out->n_reasons, "insolvency reported on %s", day);
        } else {
            out->rec = REVIEW_KEEP;
            add_line(out->reasons, &out->n_reasons, "insolvency reported on %s: not a key account now", day);
        }
    } else if (key) {
        out->rec = out->weighted < c->deselect_bar ? REVIEW_DESELECT : out->weighted < c->bar ? REVIEW_WATCH : REVIEW_KEEP;
        if (out->rec == REVIEW_DESELECT) {
            out->below = 1;
            add_line(out->reasons, &out->n_reasons, "%s", ""); /* said by below_bar */
            below_bar(NULL, 0, c, out);
        } else if (out->rec == REVIEW_WATCH)
            add_line(out->reasons, &out->n_reasons, "score %d under the key-account bar %d", out->weighted, c->bar);
        else
            add_line(out->reasons, &out->n_reasons, "score %d meets the key-account bar %d", out->weighted, c->bar);
    } else if (out->weighted >= c->bar) {
        out->rec = REVIEW_PROMOTE;
        add_line(out->reasons, &out->n_reasons, "score %d meets the key-account bar %d (tier %s)", out->weighted, c->bar,
                 a->tier ? a->tier : "standard");
    } else if (out->heat >= c->watch_heat) {
        out->rec = REVIEW_WATCH;
        add_line(out->reasons, &out->n_reasons, "heat %.0f: active, score %d under the bar %d", out->heat, out->weighted, c->bar);
    } else {
        out->rec = REVIEW_KEEP;
        add_line(out->reasons, &out->n_reasons, "score %d under the key-account bar %d (tier %s)", out->weighted, c->bar,
                 a->tier ? a->tier : "standard");
    }
    /* The evidence behind it, strongest movers first as the table of types lists them. */
    char ev[REVIEW_REASON_LEN] = "";
    size_t len = 0;
    for (size_t t = 0; t < N_EVIDENCE; t++)
        if (type_count[t] && len < sizeof(ev))
            len += (size_t)snprintf(ev + len, sizeof(ev) - len, "%s%s x%d", len ? ", " : "", evidence[t].type, type_count[t]);
    if (len)
        add_line(out->reasons, &out->n_reasons, "evidence: %s", ev);
    if (out->evidence_only)
        add_line(out->reasons, &out->n_reasons, "no axis fields: scores from evidence only");
    if (!out->d90_now)
        add_line(out->reasons, &out->n_reasons, "no signal in 90 days");
    else if (out->d7_now > out->d7_before)
        add_line(out->reasons, &out->n_reasons, "%d signal(s) in 7 days, %d the week before", out->d7_now, out->d7_before);
}

int enrich_review_account(const struct enrich_account *a, const struct review_signal *s, size_t n, int64_t now_ms,
                          int64_t data_since_ms, const struct review_config *c, struct review_row *out)
{
    memset(out, 0, sizeof(*out));
    /* One count per signal id: the entry with the most sources stands for it. */
    const struct review_signal **u = vg_malloc((n ? n : 1) * sizeof(*u));
    if (!u)
        return -1;
    for (size_t i = 0; i < n; i++)
        u[i] = &s[i];
    qsort(u, n, sizeof(*u), by_id_then_sources);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!m || !u[i]->id || !u[m - 1]->id || strcmp(u[i]->id, u[m - 1]->id) != 0)
            u[m++] = u[i];

    double base[REVIEW_AXES];
    int type_count[N_EVIDENCE] = {0};
    int64_t insolvency_ms = 0;
    base_scores(a, base, out);
    tally(u, m, now_ms, c, base, type_count, &insolvency_ms, out);
    vg_free(u);

    int w[REVIEW_AXES] = {c->w_quantitative, c->w_strategic, c->w_image};
    double sum = 0;
    int wsum = 0;
    for (int x = 0; x < REVIEW_AXES; x++) {
        out->score[x] = clamp100(base[x]);
        sum += (double)w[x] * out->score[x];
        wsum += w[x];
    }
    out->weighted = wsum ? clamp100(sum / wsum) : 0;
    out->d90_complete = data_since_ms > 0 && data_since_ms <= now_ms - 180 * DAY_MS;
    recommend(a, c, type_count, insolvency_ms, out);
    return 0;
}

void enrich_review_history(const int *past_below, size_t n_past, const struct review_config *c, struct review_row *row)
{
    if (row->below && row->n_reasons)
        below_bar(past_below, n_past, c, row);
}

void enrich_review_note_decision(struct review_row *row)
{
    const struct review_decision *d = &row->decision;
    if (!d->at[0])
        return;
    char day[11];
    snprintf(day, sizeof(day), "%.10s", d->at);
    add_line(row->reasons, &row->n_reasons, "tier set %s -> %s by %s on %s: %s", d->from, d->to, d->by, day, d->reason);
}

int enrich_review_rank(enum review_rec r)
{
    return r == REVIEW_DESELECT ? 0 : r == REVIEW_PROMOTE ? 1 : 2;
}
