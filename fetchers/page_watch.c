/* page_watch — change detection for a watched page region (see page.h): fingerprint the
 * region's visible text, and when it differs from the last observation, describe the change
 * as a short line diff that an account owner can read in an alert.
 *
 * The common head and tail are trimmed first, walking the two texts line by line in place
 * (linear, no copy), which is where page edits usually sit; the changed middle gets a
 * longest-common-subsequence diff when its quadratic table is small enough, and otherwise
 * every line of it is reported as removed/added (still bounded: the output is cut at
 * max_len and the rest only counted). */
#include "fetchers/page.h"
#include "fetchers/feed_url.h"

#include "util/vg_alloc.h"
#include "util/vg_buf.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define DIFF_MAX_CELLS 4000000   /* LCS table limit (16 MB of uint32) */
#define DIFF_LINE_MAX 240        /* bytes of one line shown in the diff */

uint64_t page_text_fingerprint(const char *text) { return feed_fingerprint(text, NULL); }

/* A text seen as its non-blank lines (blank lines carry no content), between p and end. */
struct span {
    const char *p, *end;
};

/* The next non-blank line of sp, consumed; 0 when none is left. */
static int next_line(struct span *sp, const char **s, size_t *n)
{
    while (sp->p < sp->end) {
        const char *e = memchr(sp->p, '\n', (size_t)(sp->end - sp->p));
        const char *le = e ? e : sp->end;
        const char *ls = sp->p;
        sp->p = e ? e + 1 : sp->end;
        if (le > ls) {
            *s = ls;
            *n = (size_t)(le - ls);
            return 1;
        }
    }
    return 0;
}

/* The last non-blank line of sp, consumed from the end; 0 when none is left. */
static int prev_line(struct span *sp, const char **s, size_t *n)
{
    while (sp->end > sp->p) {
        const char *le = sp->end;
        const char *ls = le;
        while (ls > sp->p && ls[-1] != '\n')
            ls--;
        sp->end = ls > sp->p ? ls - 1 : sp->p;
        if (le > ls) {
            *s = ls;
            *n = (size_t)(le - ls);
            return 1;
        }
    }
    return 0;
}

static size_t count_lines(struct span sp)
{
    size_t k = 0;
    const char *s;
    size_t n;
    while (next_line(&sp, &s, &n))
        k++;
    return k;
}

struct lines {
    const char **s;
    size_t *n;
    size_t count;
};

static int split(struct span sp, size_t count, struct lines *l)
{
    l->s = vg_calloc(count ? count : 1, sizeof(*l->s));
    l->n = vg_calloc(count ? count : 1, sizeof(*l->n));
    l->count = 0;
    if (!l->s || !l->n)
        return -1;
    while (l->count < count && next_line(&sp, &l->s[l->count], &l->n[l->count]))
        l->count++;
    return 0;
}

static void lines_free(struct lines *l)
{
    vg_free(l->s);
    vg_free(l->n);
}

static int same(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
    return a->n[i] == b->n[j] && memcmp(a->s[i], b->s[j], a->n[i]) == 0;
}

struct out {
    struct vg_buf b;
    size_t max;
    int changes;
    int hidden;
    int oom;
};

static void emit(struct out *o, char sign, const char *s, size_t n)
{
    o->changes++;
    size_t show = n > DIFF_LINE_MAX ? DIFF_LINE_MAX : n;
    while (show < n && show > 0 && ((unsigned char)s[show] & 0xc0) == 0x80)
        show--; /* cut on a character boundary */
    /* room for this line plus the "(N more changes)" footer */
    if (o->hidden || o->b.len + show + 8 > o->max - (o->max > 40 ? 40 : 0)) {
        o->hidden++;
        return;
    }
    int rc = 0;
    if (o->b.len)
        rc |= vg_buf_putc(&o->b, '\n');
    rc |= vg_buf_putc(&o->b, sign);
    rc |= vg_buf_putc(&o->b, ' ');
    rc |= vg_buf_append(&o->b, s, show);
    if (show < n)
        rc |= vg_buf_puts(&o->b, "\xe2\x80\xa6");
    if (rc)
        o->oom = 1;
}

int page_text_diff(const char *old_text, const char *new_text, size_t max_len, char **out)
{
    *out = NULL;
    struct lines a = {0}, b = {0};
    uint32_t *t = NULL;
    struct out o = {.max = max_len ? max_len : PAGE_DIFF_MAX};
    vg_buf_init(&o.b, 0);
    old_text = old_text ? old_text : "";
    new_text = new_text ? new_text : "";
    struct span sa = {old_text, old_text + strlen(old_text)};
    struct span sb = {new_text, new_text + strlen(new_text)};
    /* trim the common head, then the common tail, line by line */
    for (;;) {
        struct span ta = sa, tb = sb;
        const char *x, *y;
        size_t nx, ny;
        if (!next_line(&ta, &x, &nx) || !next_line(&tb, &y, &ny) || nx != ny ||
            memcmp(x, y, nx) != 0)
            break;
        sa = ta, sb = tb;
    }
    for (;;) {
        struct span ta = sa, tb = sb;
        const char *x, *y;
        size_t nx, ny;
        if (!prev_line(&ta, &x, &nx) || !prev_line(&tb, &y, &ny) || nx != ny ||
            memcmp(x, y, nx) != 0)
            break;
        sa = ta, sb = tb;
    }
    size_t m = count_lines(sa), n = count_lines(sb);
    if (m && n && (m + 1) * (n + 1) <= DIFF_MAX_CELLS) {
        if (split(sa, m, &a) < 0 || split(sb, n, &b) < 0)
            goto oom;
        /* t[i][j] = LCS length of a[i..] and b[j..] */
        t = vg_calloc((m + 1) * (n + 1), sizeof(*t));
        if (!t)
            goto oom;
        for (size_t i = m; i-- > 0;)
            for (size_t j = n; j-- > 0;)
                t[i * (n + 1) + j] = same(&a, i, &b, j)
                                         ? t[(i + 1) * (n + 1) + j + 1] + 1
                                         : (t[(i + 1) * (n + 1) + j] > t[i * (n + 1) + j + 1]
                                                ? t[(i + 1) * (n + 1) + j]
                                                : t[i * (n + 1) + j + 1]);
        size_t i = 0, j = 0;
        while (i < m || j < n) {
            if (i < m && j < n && same(&a, i, &b, j)) {
                i++, j++;
            } else if (i < m && (j == n || t[(i + 1) * (n + 1) + j] >= t[i * (n + 1) + j + 1])) {
                emit(&o, '-', a.s[i], a.n[i]); /* removals first, as diff -u does */
                i++;
            } else {
                emit(&o, '+', b.s[j], b.n[j]);
                j++;
            }
        }
    } else {
        const char *s;
        size_t k;
        while (next_line(&sa, &s, &k))
            emit(&o, '-', s, k);
        while (next_line(&sb, &s, &k))
            emit(&o, '+', s, k);
    }
    if (o.hidden && vg_buf_printf(&o.b, "%s\xe2\x80\xa6 (%d more changes)", o.b.len ? "\n" : "",
                                  o.hidden) < 0)
        o.oom = 1;
    if (o.oom)
        goto oom;
    vg_free(t);
    lines_free(&a);
    lines_free(&b);
    if (o.changes == 0) {
        vg_buf_free(&o.b);
        return 0;
    }
    *out = vg_buf_steal(&o.b);
    return *out ? o.changes : -1;
oom:
    vg_free(t);
    lines_free(&a);
    lines_free(&b);
    vg_buf_free(&o.b);
    return -1;
}

void page_watch_result_free(struct page_watch_result *r)
{
    if (!r)
        return;
    vg_free(r->text);
    vg_free(r->diff);
    if (r->item) {
        feed_item_clear(r->item);
        vg_free(r->item);
    }
    vg_free(r);
}

int page_watch_check(const char *old_text, const char *html, size_t len, const char *page_url,
                     const char *http_charset, const char *region, size_t max_diff, int64_t now,
                     struct page_watch_result **out, char *err, size_t errlen)
{
    *out = NULL;
    struct page_watch_result *r = vg_calloc(1, sizeof(*r));
    char *title = NULL;
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return PAGE_ERR;
    }
    int rc = page_region_text(html, len, http_charset, region, &r->text, &title, &r->work, err,
                              errlen);
    if (rc < 0) {
        vg_free(title);
        page_watch_result_free(r);
        return rc;
    }
    r->fingerprint = page_text_fingerprint(r->text);
    /* The fingerprint ignores case and punctuation-only edits; those are not news. */
    if (!old_text || page_text_fingerprint(old_text) == r->fingerprint) {
        vg_free(title);
        *out = r;
        return 0;
    }
    int n = page_text_diff(old_text, r->text, max_diff, &r->diff);
    if (n < 0)
        goto oom;
    if (n == 0) { /* only blank lines moved */
        vg_free(title);
        *out = r;
        return 0;
    }
    r->changed = 1;
    r->item = vg_calloc(1, sizeof(*r->item));
    if (!r->item)
        goto oom;
    struct feed_item *it = r->item;
    it->kind = "web_change";
    it->published = now;
    it->updated = FEED_DATE_NONE;
    it->link = page_url ? vg_strdup(page_url) : NULL;
    it->id = vg_asprintf("%s#%016" PRIx64, page_url ? page_url : "page", r->fingerprint);
    it->title = vg_asprintf("Page changed: %s", title ? title : page_url ? page_url : "(untitled)");
    it->summary = vg_strdup(r->diff);
    if (!it->id || !it->title || !it->summary || (page_url && !it->link))
        goto oom;
    vg_free(title);
    *out = r;
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    vg_free(title);
    page_watch_result_free(r);
    return PAGE_ERR;
}
