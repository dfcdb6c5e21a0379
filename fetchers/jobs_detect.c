/* jobs_detect — what a job board's counts say against its series (see jobs.h): a surge of open
 * positions (hiring, with the departments that grow), a location never seen before
 * (expansion), a sharp fall (layoffs, at low confidence).
 *
 * The level a poll is compared with is the median of the previous days' totals within
 * BASELINE_DAYS: a median shrugs off one odd day (a batch of postings published then pulled,
 * an ATS hiccup answering half the board), where the last poll alone would not. */
#include "fetchers/jobs.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DAY 86400

/* Four weeks: long enough to smooth a recruiter's weekly batch, short enough that a board
 * growing for months is compared with its recent level, not its old one. */
#define BASELINE_DAYS 28
/* A median of one or two readings is those readings: no level to compare with before three
 * previous days (with the default daily interval, the fourth poll can first signal). */
#define MIN_BASELINE_DAYS 3
/* A surge: at least +25% over the level and at least 5 more positions. The ratio alone would
 * fire on 8 → 10 (two postings); the count alone would fire on any large board's churn. */
#define SURGE_NUM 5 /* after * 4 >= before * 5 */
#define SURGE_DEN 4
#define SURGE_MIN 5
/* A sharp fall: at least -40% and at least 5 fewer positions. Boards shrink for ordinary
 * reasons (roles filled, a freeze), so the bar is higher than for a surge, and the signal
 * is raised at LAYOFFS_CONFIDENCE, below what a rule on news text gives. */
#define FALL_NUM 3 /* after * 5 <= before * 3 */
#define FALL_DEN 5
#define FALL_MIN 5
#define LAYOFFS_CONFIDENCE 0.5
/* A board emptied in one go more often moved to another ATS than laid anyone off. */
#define EMPTIED_CONFIDENCE 0.3
/* A surge stays above the median for about half the window while the median catches up:
 * one signal per surge, not one a day. The same for falls. */
#define COOLDOWN_DAYS 14
/* A department is named in a signal when it moved by at least two positions. */
#define DEPT_MIN_CHANGE 2
/* More new locations at once than max(RELABEL_MIN, half the board's locations) is the board
 * renaming its offices ("Paris" → "Paris, France"), not an expansion: nothing is raised. */
#define RELABEL_MIN 3

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

static long median(long *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_long);
    return (v[(n - 1) / 2] + v[n / 2]) / 2;
}

/* The polls the baseline is read from: previous days within the window, [*first, s->npolls). */
static size_t baseline(const struct jobs_series *s, int64_t now, size_t *first)
{
    size_t i = s->npolls;
    while (i > 0 && s->polls[i - 1].t / DAY >= now / DAY)
        i--; /* today's (replaced by this poll) or a clock gone back */
    size_t end = i;
    while (i > 0 && s->polls[i - 1].t / DAY >= now / DAY - BASELINE_DAYS)
        i--;
    *first = i;
    return end - i;
}

static long dept_median(const struct jobs_series *s, size_t first, size_t n, const char *name)
{
    long v[JOBS_MAX_POLLS];
    for (size_t i = 0; i < n; i++)
        v[i] = jobs_tally_get(&s->polls[first + i].dept, name);
    return median(v, n);
}

static void add_change(struct jobs_events *ev, const char *name, long before, long after, int growing)
{
    long d = growing ? after - before : before - after;
    if (d < DEPT_MIN_CHANGE || strcmp(name, JOBS_OTHER) == 0)
        return;
    size_t at = ev->ndepts; /* kept sorted by the size of the move, largest first */
    while (at > 0) {
        const struct jobs_change *c = &ev->depts[at - 1];
        if ((growing ? c->after - c->before : c->before - c->after) >= d)
            break;
        at--;
    }
    if (at >= JOBS_MAX_GROWTH)
        return;
    size_t last = ev->ndepts < JOBS_MAX_GROWTH ? ev->ndepts : JOBS_MAX_GROWTH - 1;
    memmove(&ev->depts[at + 1], &ev->depts[at], (last - at) * sizeof(ev->depts[0]));
    ev->depts[at] = (struct jobs_change){name, before, after};
    if (ev->ndepts < JOBS_MAX_GROWTH)
        ev->ndepts++;
}

static int seen_before(const struct jobs_series *s, const char *name)
{
    for (size_t i = 0; i < s->nseen; i++)
        if (strcasecmp(s->seen[i], name) == 0)
            return 1;
    for (size_t i = 0; i < s->npolls; i++)
        if (jobs_tally_get(&s->polls[i].loc, name))
            return 1;
    return 0;
}

static void new_locations(const struct jobs_series *s, const struct jobs_poll *cur, struct jobs_events *ev)
{
    /* a board that never named a location has no footprint to grow from, and one with more
     * locations than the series remembers cannot tell a new one from a forgotten one */
    if (!s->nseen || cur->loc.n > JOBS_MAX_SEEN)
        return;
    size_t fresh = 0, named = 0;
    for (size_t i = 0; i < cur->loc.n; i++) {
        const struct jobs_count *c = &cur->loc.v[i];
        if (strcmp(c->name, JOBS_OTHER) == 0 || strcmp(c->name, JOBS_NONE) == 0)
            continue;
        named++;
        if (!seen_before(s, c->name)) {
            if (ev->nnew_locs < JOBS_MAX_NEW_LOCS)
                ev->new_locs[ev->nnew_locs++] = c; /* the tally is by count: the largest first */
            fresh++;
        }
    }
    if (fresh > RELABEL_MIN && fresh * 2 > named)
        ev->nnew_locs = 0;
}

void jobs_detect(const struct jobs_series *s, const struct jobs_poll *cur, struct jobs_events *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->after = cur->total;
    if (!s->npolls)
        return; /* the first poll is the baseline */
    new_locations(s, cur, ev);
    size_t first, n = baseline(s, cur->t, &first);
    ev->nbaseline = n;
    if (n < MIN_BASELINE_DAYS)
        return;
    long totals[JOBS_MAX_POLLS];
    for (size_t i = 0; i < n; i++)
        totals[i] = s->polls[first + i].total;
    long before = ev->before = median(totals, n), after = cur->total;
    int64_t cooldown = (int64_t)COOLDOWN_DAYS * DAY;
    if (after * SURGE_DEN >= before * SURGE_NUM && after - before >= SURGE_MIN &&
        (!s->last_hiring || cur->t - s->last_hiring >= cooldown)) {
        ev->hiring = 1;
        for (size_t i = 0; i < cur->dept.n; i++)
            add_change(ev, cur->dept.v[i].name, dept_median(s, first, n, cur->dept.v[i].name), cur->dept.v[i].n, 1);
    } else if (after * FALL_DEN <= before * FALL_NUM && before - after >= FALL_MIN &&
               (!s->last_layoffs || cur->t - s->last_layoffs >= cooldown)) {
        ev->layoffs = 1;
        ev->layoffs_confidence = after == 0 ? EMPTIED_CONFIDENCE : LAYOFFS_CONFIDENCE;
        const struct jobs_tally *last = &s->polls[first + n - 1].dept; /* the names it had */
        for (size_t i = 0; i < last->n; i++)
            add_change(ev, last->v[i].name, dept_median(s, first, n, last->v[i].name),
                       jobs_tally_get(&cur->dept, last->v[i].name), 0);
    }
}
