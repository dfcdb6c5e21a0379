/* test_page — page sources on fixture pages (tests/fetch/fixtures/pages/): XPath extraction
 * of a newsroom into feed items, and page watch (region text, change detection, the
 * web_change item and its bounded diff); on generated big pages, that the work grows
 * linearly with the page and that pages over the work limits are refused as too complex. */
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "fetchers/page.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static char *slurp(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/tests/fetch/fixtures/pages/%s", VIGIE_SOURCE_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    static char buf[1 << 20];
    *len = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    char *s = malloc(*len + 1);
    memcpy(s, buf, *len);
    s[*len] = '\0';
    return s;
}

static void test_newsroom_extract(void **state)
{
    (void)state;
    size_t len;
    char *html = slurp("newsroom.html", &len);
    struct page_selectors sel = {
        .item = "//div[@class='news']",
        .title = ".//h2",
        .date = "(.//time | .//span[@class='date'])[1]",
        .summary = ".//p[@class='chapo']",
    };
    struct feed_doc *d = NULL;
    char err[256];
    assert_int_equal(page_extract(html, len, "https://www.dassault.example/fr/presse/", NULL, &sel,
                                  &d, err, sizeof(err)), 0);
    /* the page's <meta> says iso-8859-1 and its bytes are windows-1252 */
    assert_string_equal(d->title, "Salle de presse – Dassault Aviation Example");
    assert_string_equal(d->link, "https://www.dassault.example/fr/presse/");
    /* the fourth block has neither title nor link: skipped; the <script> string is not a node */
    assert_int_equal(d->nitems, 3);

    struct feed_item *it = &d->items[0];
    assert_string_equal(it->title, "Contrat Rafale : 26 avions pour l'Inde – signé");
    assert_string_equal(it->link, "https://www.dassault.example/fr/presse/2024/rafale-inde");
    assert_string_equal(it->id, it->link);
    char date[21];
    feed_date_format(it->published, date);
    assert_string_equal(date, "2024-03-12T08:00:00Z");
    assert_string_equal(it->summary, "Un contrat de 7 milliards d'euros.");

    it = &d->items[1];
    assert_string_equal(it->title, "Nouvelle usine à Mérignac");
    assert_string_equal(it->link,
                        "https://www.dassault.example/fr/presse/2024/usine-merignac?utm_source=home");
    feed_date_format(it->published, date);
    assert_string_equal(date, "2024-03-05T00:00:00Z");
    assert_string_equal(it->summary, "400 embauches prévues à Mérignac.");

    it = &d->items[2];
    assert_string_equal(it->title, "Sans lien");
    assert_null(it->link);
    assert_null(it->id);
    assert_true(it->published == FEED_DATE_NONE);
    feed_doc_free(d);

    /* defaults: title = the item's text, link = first a/@href */
    struct page_selectors minimal = {.item = "//div[@class='news']//h2"};
    assert_int_equal(page_extract(html, len, "https://www.dassault.example/", NULL, &minimal, &d,
                                  err, sizeof(err)), 0);
    assert_int_equal(d->nitems, 3);
    assert_string_equal(d->items[0].link, "https://www.dassault.example/fr/presse/2024/rafale-inde");
    feed_doc_free(d);
    free(html);
}

static void test_extract_errors(void **state)
{
    (void)state;
    struct feed_doc *d = NULL;
    char err[256];
    const char *html = "<html><body><p>x</p></body></html>";
    struct page_selectors bad = {.item = "//div[", .title = NULL};
    assert_int_equal(page_extract(html, strlen(html), NULL, NULL, &bad, &d, err, sizeof(err)), -1);
    assert_null(d);
    assert_string_equal(err, "invalid XPath for item: //div[");
    struct page_selectors num = {.item = "count(//p)"};
    assert_int_equal(page_extract(html, strlen(html), NULL, NULL, &num, &d, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "does not select nodes"));
    struct page_selectors none = {.item = NULL};
    assert_int_equal(page_extract(html, strlen(html), NULL, NULL, &none, &d, err, sizeof(err)), -1);
    struct page_selectors ok = {.item = "//p"};
    assert_int_equal(page_extract("", 0, NULL, NULL, &ok, &d, err, sizeof(err)), -1);
    /* a selector matching nothing is an empty feed, not an error */
    struct page_selectors nothing = {.item = "//article"};
    assert_int_equal(page_extract(html, strlen(html), NULL, NULL, &nothing, &d, err, sizeof(err)), 0);
    assert_int_equal(d->nitems, 0);
    feed_doc_free(d);
}

static void test_watch(void **state)
{
    (void)state;
    size_t l1, l2;
    char *v1 = slurp("watch_v1.html", &l1);
    char *v2 = slurp("watch_v2.html", &l2);
    const char *url = "https://initech.example/about/leadership";
    const char *region = "//section[@id='team']";
    char err[256];
    struct page_watch_result *r = NULL;

    /* first observation: a baseline, nothing to report */
    assert_int_equal(page_watch_check(NULL, v1, l1, url, NULL, region, 0, 1700000000, &r, err,
                                      sizeof(err)), 0);
    assert_int_equal(r->changed, 0);
    assert_null(r->item);
    assert_string_equal(r->text, "Executive team\n"
                                 "Bill Lumbergh — Chief Executive Officer\n"
                                 "Milton Waddams — Chief Financial Officer\n"
                                 "Peter Gibbons — VP Engineering\n"
                                 "Headquarters: Austin, Texas");
    char *base = vg_strdup(r->text);
    uint64_t fp = r->fingerprint;
    page_watch_result_free(r);

    /* same page again: unchanged */
    assert_int_equal(page_watch_check(base, v1, l1, url, NULL, region, 0, 1700000000, &r, err,
                                      sizeof(err)), 0);
    assert_int_equal(r->changed, 0);
    assert_true(r->fingerprint == fp);
    page_watch_result_free(r);

    /* the CFO changed (and the visitor counter, outside the region) */
    assert_int_equal(page_watch_check(base, v2, l2, url, NULL, region, 0, 1700000000, &r, err,
                                      sizeof(err)), 0);
    assert_int_equal(r->changed, 1);
    assert_true(r->fingerprint != fp);
    assert_string_equal(r->diff, "- Milton Waddams — Chief Financial Officer\n"
                                 "+ Samir Nagheenanajar — Chief Financial Officer");
    assert_non_null(r->item);
    assert_string_equal(r->item->kind, "web_change");
    assert_string_equal(r->item->title, "Page changed: Initech – Leadership");
    assert_string_equal(r->item->link, url);
    assert_string_equal(r->item->summary, r->diff);
    assert_true(strncmp(r->item->id, "https://initech.example/about/leadership#", 41) == 0);
    assert_int_equal(strlen(r->item->id), 41 + 16);
    char date[21];
    feed_date_format(r->item->published, date);
    assert_string_equal(date, "2023-11-14T22:13:20Z");
    page_watch_result_free(r);
    vg_free(base);

    /* default region (body): the counter is part of it, so it shows in the diff */
    assert_int_equal(page_watch_check(NULL, v1, l1, url, NULL, NULL, 0, 0, &r, err, sizeof(err)), 0);
    base = vg_strdup(r->text);
    page_watch_result_free(r);
    assert_int_equal(page_watch_check(base, v2, l2, url, NULL, NULL, 0, 0, &r, err, sizeof(err)), 0);
    assert_int_equal(r->changed, 1);
    assert_non_null(strstr(r->diff, "- Visitor counter: 1041\n+ Visitor counter: 1187"));
    page_watch_result_free(r);
    vg_free(base);

    /* a region that vanished is a change to empty text */
    assert_int_equal(page_watch_check("old text", v1, l1, url, NULL, "//div[@id='gone']", 0, 0, &r,
                                      err, sizeof(err)), 0);
    assert_int_equal(r->changed, 1);
    assert_string_equal(r->text, "");
    assert_string_equal(r->diff, "- old text");
    page_watch_result_free(r);

    assert_int_equal(page_watch_check(NULL, v1, l1, url, NULL, "//[", 0, 0, &r, err, sizeof(err)), -1);
    assert_null(r);
    free(v1);
    free(v2);
}

static void test_diff_bounds(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(page_text_diff("a\nb\nc", "a\nb\nc", 100, &out), 0);
    assert_null(out);
    /* blank lines are not content */
    assert_int_equal(page_text_diff("a\n\nb", "a\nb\n", 100, &out), 0);
    assert_int_equal(page_text_diff("a\nb\nc\nd", "a\nx\nc\nd\ne", 100, &out), 3);
    assert_string_equal(out, "- b\n+ x\n+ e");
    vg_free(out);
    assert_int_equal(page_text_diff("", "new", 100, &out), 1);
    assert_string_equal(out, "+ new");
    vg_free(out);

    /* 5,000 changed lines into 300 bytes: cut, with a count of what was left out */
    size_t n = 5000;
    char *a = malloc(n * 16), *b = malloc(n * 16), *pa = a, *pb = b;
    for (size_t i = 0; i < n; i++) {
        pa += sprintf(pa, "old line %zu\n", i);
        pb += sprintf(pb, "new line %zu\n", i);
    }
    int k = page_text_diff(a, b, 300, &out);
    assert_int_equal(k, 10000);
    assert_true(strlen(out) <= 300);
    assert_non_null(strstr(out, "more changes)"));
    vg_free(out);
    /* a very long line is shortened, on a character boundary */
    char *long_line = malloc(2000);
    for (int i = 0; i < 1998; i += 2)
        memcpy(long_line + i, "\xc3\xa9", 2);
    long_line[1998] = '\0';
    assert_int_equal(page_text_diff("x", long_line, 1000, &out), 2);
    assert_true(strlen(out) < 300);
    assert_non_null(strstr(out, "\xe2\x80\xa6"));
    vg_free(out);
    free(long_line);
    free(a);
    free(b);
}

/* ---- big pages ------------------------------------------------------------------------ */

/* A careers page of `blocks` job blocks; block `changed` (if < blocks) gets another plant. */
static char *big_page(size_t blocks, size_t changed, size_t *len)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    assert_int_equal(vg_buf_puts(&b, "<!doctype html><html><head><title>Careers</title></head>"
                                     "<body><h1>Open positions</h1>\n"), 0);
    for (size_t i = 0; i < blocks; i++)
        assert_int_equal(vg_buf_printf(&b, "<div><h3>Opening %zu</h3><p>Plant %zu, ref <b>%zu</b> "
                                            "&amp; co</p></div>\n",
                                       i, i == changed ? 999 : i % 97, i), 0);
    assert_int_equal(vg_buf_puts(&b, "<footer>End of list</footer></body></html>\n"), 0);
    *len = b.len;
    return vg_buf_steal(&b);
}

static void test_big_page_watch(void **state)
{
    (void)state;
    const size_t blocks = 105000;
    size_t l1, l2;
    char *v1 = big_page(blocks, blocks, &l1);
    char *v2 = big_page(blocks, 104321, &l2);
    assert_true(l1 > 7000000 && l1 < 8 * 1024 * 1024); /* under the default body limit */
    const char *url = "https://big.example/careers";
    char err[256];
    struct page_watch_result *r = NULL;
    assert_int_equal(page_watch_check(NULL, v1, l1, url, NULL, NULL, 0, 0, &r, err, sizeof(err)),
                     0);
    /* the whole region, down to its last block */
    const char *head = "Open positions\nOpening 0\nPlant 0, ref 0 & co\nOpening 1\n";
    assert_true(strncmp(r->text, head, strlen(head)) == 0);
    assert_non_null(strstr(r->text, "\nOpening 104999\nPlant 45, ref 104999 & co\nEnd of list"));
    char *base = vg_strdup(r->text);
    page_watch_result_free(r);

    /* a change near the end is found, and only it is reported */
    assert_int_equal(page_watch_check(base, v2, l2, url, NULL, NULL, 0, 0, &r, err, sizeof(err)),
                     0);
    assert_int_equal(r->changed, 1);
    assert_string_equal(r->diff, "- Plant 46, ref 104321 & co\n+ Plant 999, ref 104321 & co");
    assert_string_equal(r->item->title, "Page changed: Careers");
    page_watch_result_free(r);

    /* a region inside the big page */
    assert_int_equal(page_watch_check(NULL, v2, l2, url, NULL, "//div[h3='Opening 104321']", 0, 0,
                                      &r, err, sizeof(err)), 0);
    assert_string_equal(r->text, "Opening 104321\nPlant 999, ref 104321 & co");
    page_watch_result_free(r);

    /* and the same page as a newsroom */
    struct page_selectors sel = {.item = "//body/div", .title = "h3"};
    struct feed_doc *d = NULL;
    assert_int_equal(page_extract(v2, l2, url, NULL, &sel, &d, err, sizeof(err)), 0);
    assert_int_equal(d->nitems, 1000); /* PAGE_MAX_ITEMS */
    assert_string_equal(d->items[999].title, "Opening 999");
    feed_doc_free(d);
    vg_free(base);
    vg_free(v1);
    vg_free(v2);
}

/* The work of a watch, in deterministic units, per block of the page: the same at 10,000 and
 * at 100,000 blocks (a quadratic step would make it ten times larger). */
static void test_work_is_linear(void **state)
{
    (void)state;
    const size_t sizes[] = {10000, 20000, 50000, 100000};
    double per_block[4][4];
    for (size_t k = 0; k < 4; k++) {
        size_t len;
        char *html = big_page(sizes[k], sizes[k], &len);
        struct page_watch_result *r = NULL;
        char err[256];
        assert_int_equal(page_watch_check(NULL, html, len, "https://big.example/", NULL, NULL, 0,
                                          0, &r, err, sizeof(err)), 0);
        per_block[k][0] = (double)r->work.nodes / (double)sizes[k];
        per_block[k][1] = (double)r->work.visits / (double)sizes[k];
        per_block[k][2] = (double)r->work.markup / (double)sizes[k];
        per_block[k][3] = (double)r->work.xpath_ops / (double)sizes[k];
        assert_true(r->work.nodes >= 4 * sizes[k]); /* div, h3, p, b for each block */
        assert_true(r->work.visits >= r->work.nodes);
        page_watch_result_free(r);
        vg_free(html);
    }
    for (size_t k = 1; k < 4; k++)
        for (size_t m = 0; m < 4; m++) {
            /* the numbers in the text grow by a digit from 10k to 100k: a few bytes a block */
            double ratio = per_block[k][m] / per_block[0][m];
            if (ratio < 0.9 || ratio > 1.1)
                fail_msg("work measure %zu per block: %.2f at %zu blocks, %.2f at %zu", m,
                         per_block[0][m], sizes[0], per_block[k][m], sizes[k]);
        }
}

static void test_too_complex(void **state)
{
    (void)state;
    char err[256];
    struct page_watch_result *r = NULL;
    struct feed_doc *d = NULL;
    struct page_selectors sel = {.item = "//p"};

    /* more nodes than a page may have (html, body and the paragraphs): three bytes each */
    size_t n = PAGE_MAX_NODES - 1, len = 3 * n + 12;
    char *html = vg_malloc(len + 1);
    memcpy(html, "<html><body>", 12);
    for (size_t i = 0; i < n; i++)
        memcpy(html + 12 + 3 * i, "<p>", 3);
    html[len] = '\0';
    int rc = page_watch_check(NULL, html, len, "https://x.example/", NULL, NULL, 0, 0, &r, err,
                              sizeof(err));
    assert_int_equal(rc, PAGE_TOO_COMPLEX);
    assert_null(r);
    assert_string_equal(page_error_kind(rc), "too_complex");
    assert_string_equal(err, "page too complex: more than 1000000 HTML nodes");
    assert_int_equal(page_extract(html, len, NULL, NULL, &sel, &d, err, sizeof(err)),
                     PAGE_TOO_COMPLEX);
    assert_null(d);
    /* one node fewer is a page like any other */
    assert_int_equal(page_watch_check(NULL, html, len - 3, "https://x.example/", NULL, NULL, 0, 0,
                                      &r, err, sizeof(err)), 0);
    assert_int_equal(r->work.nodes, PAGE_MAX_NODES);
    page_watch_result_free(r);
    vg_free(html);

    /* more bytes than a page may have */
    len = PAGE_MAX_BYTES + 1;
    html = vg_malloc(len);
    memset(html, 'a', len);
    rc = page_watch_check(NULL, html, len, "https://x.example/", NULL, NULL, 0, 0, &r, err,
                          sizeof(err));
    assert_int_equal(rc, PAGE_TOO_COMPLEX);
    assert_string_equal(err, "page too complex: more than 33554432 bytes of HTML");
    vg_free(html);

    /* more region text than a watch keeps: few nodes, long paragraphs */
    struct vg_buf b;
    vg_buf_init(&b, 0);
    assert_int_equal(vg_buf_puts(&b, "<html><body>"), 0);
    while (b.len <= PAGE_MAX_TEXT + PAGE_MAX_TEXT / 50) {
        assert_int_equal(vg_buf_puts(&b, "<p>"), 0);
        for (int i = 0; i < 100; i++)
            assert_int_equal(vg_buf_puts(&b, "lorem ipsum "), 0);
        assert_int_equal(vg_buf_puts(&b, "</p>\n"), 0);
    }
    rc = page_watch_check(NULL, b.data, b.len, "https://x.example/", NULL, NULL, 0, 0, &r, err,
                          sizeof(err));
    assert_int_equal(rc, PAGE_TOO_COMPLEX);
    assert_string_equal(err, "page too complex: the region's text is over 8388608 bytes");
    /* a smaller region of the same page is fine */
    assert_int_equal(page_watch_check(NULL, b.data, b.len, "https://x.example/", NULL, "//p[7]", 0,
                                      0, &r, err, sizeof(err)), 0);
    assert_int_equal(strlen(r->text), 100 * 12 - 1);
    page_watch_result_free(r);
    vg_buf_free(&b);

    /* a selector whose cost is quadratic in the page */
    size_t hlen;
    html = big_page(5000, 5000, &hlen);
    struct page_selectors quad = {.item = "//div[count(//div) > 1]"};
    assert_int_equal(page_extract(html, hlen, NULL, NULL, &quad, &d, err, sizeof(err)),
                     PAGE_TOO_COMPLEX);
    assert_string_equal(err, "page too complex: the selectors need more than 40000000 XPath steps");
    /* nested items, each extracting all the text under it */
    struct page_selectors nested = {.item = "//*", .title = "."};
    assert_int_equal(page_extract(html, hlen, NULL, NULL, &nested, &d, err, sizeof(err)), 0);
    feed_doc_free(d);
    vg_free(html);
    assert_string_equal(page_error_kind(PAGE_ERR), "parse");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_newsroom_extract),
        cmocka_unit_test(test_extract_errors),
        cmocka_unit_test(test_watch),
        cmocka_unit_test(test_diff_bounds),
        cmocka_unit_test(test_big_page_watch),
        cmocka_unit_test(test_work_is_linear),
        cmocka_unit_test(test_too_complex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
