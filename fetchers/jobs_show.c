/* jobs_show — a jobs source's series as `vigie accounts show` prints it (see jobs.h): the
 * board, the open positions now with a sparkline of the kept days, the top departments and
 * locations, and the last days one per line. (The signal sparkline of accounts show lives in
 * queue/, above this floor; this one scales from the lowest to the highest day, since a board's
 * count moves by a few percent and a scale from zero would draw it flat.) */
#include "fetchers/jobs.h"
#include "fetchers/feed.h"
#include "util/vg_buf.h"

#include <string.h>

#define SPARK_DAYS 30  /* days drawn */
#define SHOW_DAYS 7    /* days listed */
#define SHOW_NAMES 5   /* names per line */

static void sparkline(struct vg_buf *b, const struct jobs_poll *p, size_t n)
{
    static const char *const blocks[] = {"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
                                         "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88"};
    long lo = p[0].total, hi = p[0].total;
    for (size_t i = 1; i < n; i++) {
        lo = p[i].total < lo ? p[i].total : lo;
        hi = p[i].total > hi ? p[i].total : hi;
    }
    for (size_t i = 0; i < n; i++)
        vg_buf_puts(b, blocks[hi > lo ? (p[i].total - lo) * 7 / (hi - lo) : 3]);
}

static void names(struct vg_buf *b, const struct jobs_tally *t)
{
    for (size_t i = 0; i < t->n && i < SHOW_NAMES; i++)
        vg_buf_printf(b, "%s%s %ld", i ? ", " : "", t->v[i].name, t->v[i].n);
    if (!t->n)
        vg_buf_puts(b, "-");
}

static void day(int64_t t, char out[11])
{
    char iso[21];
    if (feed_date_format(t, iso) < 0)
        memcpy(iso, "?", 2);
    memcpy(out, iso, 10);
    out[10] = '\0';
}

int jobs_show(const char *watch_text, struct vg_buf *out)
{
    struct jobs_series s;
    if (jobs_series_read(watch_text, &s) < 0)
        return -1;
    vg_buf_printf(out, "  job board: %s %s\n", jobs_board_name((enum jobs_board)s.board), s.token);
    if (!s.npolls) {
        vg_buf_puts(out, "  open positions: not counted yet\n");
        jobs_series_free(&s);
        return vg_buf_check(out);
    }
    const struct jobs_poll *last = &s.polls[s.npolls - 1];
    size_t from = s.npolls > SPARK_DAYS ? s.npolls - SPARK_DAYS : 0;
    char d0[11], d1[11];
    day(s.polls[from].t, d0);
    day(last->t, d1);
    vg_buf_printf(out, "  open positions: %ld  ", last->total);
    sparkline(out, s.polls + from, s.npolls - from);
    vg_buf_printf(out, "  (%s to %s, %zu day%s)\n", d0, d1, s.npolls - from, s.npolls - from == 1 ? "" : "s");
    vg_buf_puts(out, "  top departments: ");
    names(out, &last->dept);
    vg_buf_puts(out, "\n  top locations: ");
    names(out, &last->loc);
    vg_buf_puts(out, "\n  last polls:\n");
    for (size_t i = s.npolls; i > 0 && i + SHOW_DAYS > s.npolls; i--) {
        const struct jobs_poll *p = &s.polls[i - 1];
        day(p->t, d0);
        vg_buf_printf(out, "    %s  %4ld  ", d0, p->total);
        names(out, &p->dept);
        vg_buf_putc(out, '\n');
    }
    jobs_series_free(&s);
    return vg_buf_check(out);
}
