/* test_feed — unit tests of the feed parser's building blocks (dates, text, URLs, charsets)
 * and of feed_parse on documents where the exact output matters. The fixture files and the
 * real `vigie parse` binary are covered by test_parse_cli.py; this file checks the pieces
 * one by one, including the error paths (allocation failure injection). */
#include "util/vg_alloc.h"
#include "fetchers/feed.h"
#include "fetchers/feed_int.h"
#include "fetchers/feed_url.h"
#include "fetchers/feed_xml_scan.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>

/* ---- dates ---- */

static void check_date(const char *in, const char *want)
{
    char got[21];
    const char *shown = in ? in : "(null)";
    int64_t t = feed_date_parse(in);
    if (!want) {
        if (t != FEED_DATE_NONE) {
            feed_date_format(t, got);
            fail_msg("%s: expected no date, got %s", shown, got);
        }
        return;
    }
    if (t == FEED_DATE_NONE)
        fail_msg("%s: expected %s, got none", shown, want);
    feed_date_format(t, got);
    if (strcmp(got, want) != 0)
        fail_msg("%s: expected %s, got %s", shown, want, got);
}

static void test_dates(void **state)
{
    (void)state;
    check_date("Sat, 07 Sep 2002 00:00:01 GMT", "2002-09-07T00:00:01Z");
    check_date("Thu, 01 Jan 2004 00:00:00 +0000", "2004-01-01T00:00:00Z");
    check_date("Wed, 10 Jan 2024 08:15:00 +0100", "2024-01-10T07:15:00Z");
    check_date("Wed, 10 Jan 2024 08:15:00 -0530", "2024-01-10T13:45:00Z");
    check_date("10 Jan 2024 08:15 EDT", "2024-01-10T12:15:00Z");
    check_date("Fri, 5 Jan 99 10:00:00 GMT", "1999-01-05T10:00:00Z");
    check_date("2024-01-05T10:00:00Z", "2024-01-05T10:00:00Z");
    check_date("2024-01-05t10:00:00z", "2024-01-05T10:00:00Z");
    check_date("2024-01-05T10:00:00.999999-08:00", "2024-01-05T18:00:00Z");
    check_date("2024-01-05T10:00:00+0200", "2024-01-05T08:00:00Z");
    check_date("2024-01-05", "2024-01-05T00:00:00Z");
    check_date("2024/01/05 10:00", "2024-01-05T10:00:00Z");
    check_date("20240105T100000Z", "2024-01-05T10:00:00Z");
    /* US zones without the season (standard time, as feedparser); partial W3C-DTF */
    check_date("Fri, 05 Jan 2024 10:00:00 ET", "2024-01-05T15:00:00Z");
    check_date("Fri, 05 Jul 2024 10:00:00 PT", "2024-07-05T18:00:00Z");
    check_date("Fri, 05 Jan 2024 10:00:00 AT", "2024-01-05T14:00:00Z");
    check_date("2003", "2003-01-01T00:00:00Z");
    check_date("2003-12", "2003-12-01T00:00:00Z");
    check_date("2003-12-31T10Z", "2003-12-31T10:00:00Z");
    check_date("2003-335", "2003-12-01T00:00:00Z");
    check_date("2004-366", "2004-12-31T00:00:00Z");
    check_date("2003-366", NULL);
    check_date("2024-01-05 10:00:00 UTC+02:00", "2024-01-05T08:00:00Z");
    check_date("  Mon, 01 Jan 2024 00:00:00 GMT\n", "2024-01-01T00:00:00Z");
    check_date("Tue, 31 Dec 2024 23:59:60 GMT", "2024-12-31T23:59:59Z");
    check_date("29 Feb 2024 12:00 GMT", "2024-02-29T12:00:00Z");
    check_date("Fri Jan  5 10:00:00 2024", "2024-01-05T10:00:00Z");
    check_date("5 janvier 2024 10h30", "2024-01-05T10:30:00Z");
    check_date("lundi 4 mars 2024 à 14:05", "2024-03-04T14:05:00Z");
    check_date("4 d\xc3\xa9" "c. 2023", "2023-12-04T00:00:00Z");
    check_date("12:30 AM, March 3, 2024", "2024-03-03T00:30:00Z");
    check_date("1704448800", "2024-01-05T10:00:00Z");
    check_date("Mon, 32 Jan 2024 10:00:00 GMT", NULL);
    check_date("29 Feb 2023", NULL);
    check_date("2024-13-01", NULL);
    check_date("2024-01-05T24:00:00Z", NULL);
    check_date("2024-01-05T10:61:00Z", NULL);
    check_date("Fri, 05 Jan 2024 10:00:00 +2500", NULL);
    check_date("05/01/2024", NULL); /* day and month order unknowable */
    check_date("next Tuesday", NULL);
    check_date("", NULL);
    check_date(NULL, NULL);
    char big[300];
    memset(big, '1', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    check_date(big, NULL);
}

static void test_date_format_range(void **state)
{
    (void)state;
    char out[21];
    assert_int_equal(feed_date_format(0, out), 0);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    assert_int_equal(feed_date_format(-1, out), 0);
    assert_string_equal(out, "1969-12-31T23:59:59Z");
    assert_int_equal(feed_date_format(253402300799LL, out), 0);
    assert_string_equal(out, "9999-12-31T23:59:59Z");
    assert_int_equal(feed_date_format(253402300800LL, out), -1);
    assert_int_equal(feed_date_format(FEED_DATE_NONE, out), -1);
}

/* ---- text ---- */

static void check_text(const char *in, unsigned flags, size_t max, const char *want)
{
    char *got = feed_text_clean(in, strlen(in), max, flags);
    assert_non_null(got);
    if (strcmp(got, want) != 0)
        fail_msg("in:   [%s]\nwant: [%s]\ngot:  [%s]", in, want, got);
    vg_free(got);
}

static void test_text_html(void **state)
{
    (void)state;
    const unsigned H = FEED_TEXT_HTML, ML = FEED_TEXT_HTML | FEED_TEXT_MULTILINE;
    check_text("<p>Hello <b>world</b></p><p>Second</p>", H, 100, "Hello world Second");
    check_text("<p>Hello <b>world</b></p><p>Second</p>", ML, 100, "Hello world\nSecond");
    check_text("a<br>b<br/><br />c", ML, 100, "a\nb\nc");
    check_text("  lots \t of\r\n\n space  ", H, 100, "lots of space");
    check_text("x&nbsp;&nbsp;y &amp; z &lt;tag&gt; &quot;q&quot; &#39;s&#x27;", H, 100,
               "x y & z <tag> \"q\" 's'");
    check_text("&eacute;t&eacute; &euro;5 &rsquo; &hellip;", H, 100, "été €5 ’ …");
    check_text("&#146;quoted&#148; &#150; &#128;", H, 100, "’quoted” – €");
    check_text("bad &#0; &#xD800; &#x110000; refs", H, 100, "bad \xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd refs");
    check_text("R&D, AT&T, a=1&b=2, &unknown; &amp", H, 100, "R&D, AT&T, a=1&b=2, &unknown; &");
    check_text("a < b and c<d", H, 100, "a < b and c");
    check_text("<script>alert('<p>x</p>')</script>visible<style>p{}</style>", H, 100, "visible");
    check_text("<SCRIPT type=x>bad</SCRIPT >ok", H, 100, "ok");
    check_text("<!-- hidden <b>x</b> -->shown<![CDATA[ <raw> ]]>", H, 100, "shown <raw>");
    check_text("<a href='x>y' title=\"a>b\">link</a>", H, 100, "link");
    check_text("<td>a</td><td>b</td>", H, 100, "a b");
    check_text("<unterminated", H, 100, "");
    check_text("soft\xc2\xadhyphen zero\xe2\x80\x8bwidth\xef\xbb\xbf", H, 100, "softhyphen zerowidth");
    check_text("tab\x01\x02" "ctl \x7f", H, 100, "tabctl");
    /* double-escaped HTML is decoded once more */
    check_text("&lt;p&gt;Caf&amp;eacute;&lt;/p&gt;", H, 100, "Café");
    /* plain text: markup characters are text */
    check_text("<b>not markup</b> &amp;", 0, 100, "<b>not markup</b> &amp;");
    check_text("para one\nwrapped\n\n  para two", FEED_TEXT_MULTILINE, 100,
               "para one wrapped\npara two");
}

static void test_text_bytes(void **state)
{
    (void)state;
    /* stray latin-1 / windows-1252 bytes are decoded, valid UTF-8 kept */
    check_text("caf\xe9 \x93q\x94 na\xc3\xafve", 0, 100, "café “q” naïve");
    /* C1 controls from a latin-1 decoder are read as windows-1252 */
    check_text("\xc2\x92s", 0, 100, "’s");
    /* truncation never splits a character */
    check_text("\xc3\xa9\xc3\xa9\xc3\xa9", 0, 5, "\xc3\xa9\xc3\xa9");
    check_text("\xe2\x82\xac\xe2\x82\xac", 0, 4, "\xe2\x82\xac");
    check_text("abcdef", 0, 3, "abc");
    check_text("", FEED_TEXT_HTML, 10, "");
}

/* ---- URLs ---- */

static void check_resolve(const char *base, const char *ref, const char *want)
{
    char *got = feed_url_resolve(base, ref);
    const char *b = base ? base : "(null)", *r = ref ? ref : "(null)";
    if (!want) {
        if (got)
            fail_msg("%s + %s: expected NULL, got %s", b, r, got);
        return;
    }
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s + %s: expected %s, got %s", b, r, want, got ? got : "NULL");
    vg_free(got);
}

static void test_url_resolve(void **state)
{
    (void)state;
    /* RFC 3986 section 5.4 examples (empty paths written "/", as browsers do) */
    const char *b = "http://a/b/c/d;p?q";
    check_resolve(b, "g", "http://a/b/c/g");
    check_resolve(b, "./g", "http://a/b/c/g");
    check_resolve(b, "g/", "http://a/b/c/g/");
    check_resolve(b, "/g", "http://a/g");
    check_resolve(b, "//g", "http://g/");
    check_resolve(b, "?y", "http://a/b/c/d;p?y");
    check_resolve(b, "g?y", "http://a/b/c/g?y");
    check_resolve(b, "#s", "http://a/b/c/d;p?q#s");
    check_resolve(b, "g#s", "http://a/b/c/g#s");
    check_resolve(b, ";x", "http://a/b/c/;x");
    check_resolve(b, ".", "http://a/b/c/");
    check_resolve(b, "..", "http://a/b/");
    check_resolve(b, "../g", "http://a/b/g");
    check_resolve(b, "../..", "http://a/");
    check_resolve(b, "../../../g", "http://a/g");
    check_resolve(b, "/./g", "http://a/g");
    check_resolve(b, "g/../h", "http://a/b/c/h");
    check_resolve(b, "HTTPS://Other.example/x", "https://Other.example/x");
    check_resolve(b, " \n\tg h\n", "http://a/b/c/g%20h");
    check_resolve(b, "", NULL);
    check_resolve(b, "   ", NULL);
    check_resolve(b, "javascript:alert(1)", NULL);
    check_resolve(b, "data:text/html,x", NULL);
    check_resolve(b, "file:///etc/passwd", NULL);
    check_resolve(NULL, "/relative", "/relative");
    check_resolve("not a url", "rel", "rel");
    check_resolve(NULL, "https://x.example", "https://x.example/");
}

static void check_unwrap(const char *in, const char *want)
{
    char *got = feed_url_unwrap(in);
    assert_non_null(got);
    if (strcmp(got, want) != 0)
        fail_msg("%s: expected %s, got %s", in, want, got);
    vg_free(got);
}

static void test_url_unwrap(void **state)
{
    (void)state;
    check_unwrap("https://www.google.com/url?rct=j&sa=t&url=https://ex.example/a&ct=ga",
                 "https://ex.example/a");
    check_unwrap("https://www.google.co.uk/url?q=https%3A%2F%2Fex.example%2Fa%3Fb%3D1&sa=U",
                 "https://ex.example/a?b=1");
    check_unwrap("https://google.fr/url?url=https://ex.example/x", "https://ex.example/x");
    check_unwrap("http://www.bing.com/news/apiclick.aspx?ref=FexRss&url=https%3a%2f%2fex.example%2fn&c=1",
                 "https://ex.example/n");
    check_unwrap("https://l.facebook.com/l.php?u=https%3A%2F%2Fex.example%2F&h=AT0",
                 "https://ex.example/");
    /* nested wrappers */
    check_unwrap("https://www.google.com/url?url=https%3A%2F%2Fwww.bing.com%2Fnews%2Fapiclick.aspx%3Furl%3Dhttps%253A%252F%252Fex.example%252Fz",
                 "https://ex.example/z");
    /* not wrappers, or wrappers pointing nowhere safe */
    check_unwrap("https://google.evil.example/url?url=https://x.example/", "https://google.evil.example/url?url=https://x.example/");
    check_unwrap("https://www.google.com/search?q=acme", "https://www.google.com/search?q=acme");
    check_unwrap("https://www.google.com/url?url=javascript:alert(1)", "https://www.google.com/url?url=javascript:alert(1)");
    check_unwrap("https://ex.example/url?url=https://y.example/", "https://ex.example/url?url=https://y.example/");
}

static void check_canon(const char *in, const char *want)
{
    char *got = feed_url_canonical(in);
    if (!want) {
        if (got)
            fail_msg("%s: expected NULL, got %s", in, got);
        return;
    }
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s: expected %s, got %s", in, want, got ? got : "NULL");
    vg_free(got);
}

static void test_url_canonical(void **state)
{
    (void)state;
    check_canon("HTTPS://WWW.Example.COM:443/A/b/../c?utm_source=x&b=2&a=1&fbclid=z#frag",
                "https://www.example.com/A/c?a=1&b=2");
    check_canon("http://example.com:80", "http://example.com/");
    check_canon("http://example.com:8080/x", "http://example.com:8080/x");
    check_canon("https://example.com:80/x", "https://example.com:80/x");
    check_canon("https://example.com/a%7eb%2fc?q=%e2%82%ac&gclid=1&mc_cid=2&mc_eid=3&igshid=4&ref_src=5",
                "https://example.com/a~b%2Fc?q=%E2%82%AC");
    check_canon("https://example.com/?b=1&a=2&b=0", "https://example.com/?a=2&b=1&b=0");
    check_canon("https://example.com/path?utm_medium=rss", "https://example.com/path");
    check_canon("https://example.com./x", "https://example.com/x");
    check_canon("https://user@Example.com/x", "https://user@example.com/x");
    check_canon("https://[2001:DB8::1]:443/x", "https://[2001:db8::1]/x");
    check_canon("/relative", NULL);
    check_canon("mailto:a@b.example", NULL);
    /* the same article reached two ways has one canonical form */
    char *a = feed_url_canonical("https://news.example/a?id=7&utm_campaign=z");
    char *c = feed_url_canonical("HTTPS://news.example:443/a?id=7#comments");
    assert_string_equal(a, c);
    vg_free(a);
    vg_free(c);
}

static void test_fingerprint(void **state)
{
    (void)state;
    uint64_t a = feed_fingerprint("Acme raises $10M", "Series A, led by Foo.");
    assert_true(a == feed_fingerprint("ACME  raises $10M!", "Series A -- led by foo"));
    assert_true(feed_fingerprint("Écho", "x") == feed_fingerprint("écho", "x"));
    assert_true(a != feed_fingerprint("Acme raises $12M", "Series A, led by Foo."));
    assert_true(feed_fingerprint("a b", "") != feed_fingerprint("a", "b"));
    assert_true(feed_fingerprint(NULL, NULL) == feed_fingerprint("", ""));
}

/* ---- whole documents ---- */

static struct feed_doc *parse(const char *s, const char *base, const char *cs)
{
    struct feed_doc *d = NULL;
    char err[256];
    if (feed_parse(s, strlen(s), base, cs, &d, err, sizeof(err)) < 0)
        fail_msg("parse failed: %s", err);
    return d;
}

static void test_charsets(void **state)
{
    (void)state;
    /* UTF-8 declared as latin-1 */
    struct feed_doc *d = parse("<?xml version='1.0' encoding='iso-8859-1'?><rss version='2.0'>"
                               "<channel><title>Caf\xc3\xa9</title></channel></rss>", NULL, NULL);
    assert_string_equal(d->title, "Café");
    assert_true(d->flags & FEED_F_CHARSET_FIXED);
    feed_doc_free(d);
    /* windows-1252 quotes declared as latin-1: read as windows-1252, not C1 controls */
    d = parse("<?xml version='1.0' encoding='iso-8859-1'?><rss version='2.0'>"
              "<channel><title>\x93" "caf\xe9\x94</title></channel></rss>", NULL, NULL);
    assert_string_equal(d->title, "“café”");
    assert_string_equal(d->charset, "windows-1252");
    feed_doc_free(d);
    /* the HTTP charset wins over the document's declaration */
    d = parse("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'>"
              "<channel><title>\xa4</title></channel></rss>", NULL, "ISO-8859-15");
    assert_string_equal(d->title, "€");
    feed_doc_free(d);
    /* an unknown label falls back to UTF-8/windows-1252 instead of failing */
    d = parse("<?xml version='1.0' encoding='x-made-up'?><rss version='2.0'>"
              "<channel><title>\xe9t\xe9</title></channel></rss>", NULL, NULL);
    assert_string_equal(d->title, "été");
    feed_doc_free(d);
}

static void test_not_feeds(void **state)
{
    (void)state;
    const char *cases[][2] = {
        {"", "not a feed: the document is empty"},
        {" \n\t ", "not a feed: the document is empty"},
        {"<html><body>hi</body></html>", "not a feed: the document is an HTML page"},
        {"<HTML><BODY><P>broken &nbsp; <br></BODY>", "not a feed: the document is an HTML page"},
        {"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>",
         "not a feed: unexpected root element <svg>"},
        {"[1, 2]", "not a feed: a JSON array (a JSON Feed is an object)"},
        {"{\"items\": 3}", "not a feed: JSON without a JSON Feed \"items\" array"},
        {"{\"items\": [", "not a feed: invalid JSON"},
        {"plain text", "not a feed: neither XML nor JSON"},
        {"<!-- only a comment -->", "not a feed: no XML element found"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct feed_doc *d = NULL;
        char err[256] = "";
        int rc = feed_parse(cases[i][0], strlen(cases[i][0]), NULL, NULL, &d, err, sizeof(err));
        if (rc != FEED_NOT_A_FEED || d || strcmp(err, cases[i][1]) != 0)
            fail_msg("case %zu: rc=%d err=[%s], want [%s]", i, rc, err, cases[i][1]);
    }
}

static void test_item_cap_and_field_caps(void **state)
{
    (void)state;
    size_t n = FEED_MAX_ITEMS + 5;
    size_t len = 64 + n * 32;
    char *s = malloc(len), *p = s;
    p += sprintf(p, "<rss version='2.0'><channel>");
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "<item><guid>g%zu</guid></item>", i);
    sprintf(p, "</channel></rss>");
    struct feed_doc *d = parse(s, NULL, NULL);
    assert_int_equal(d->nitems, FEED_MAX_ITEMS);
    assert_true(d->flags & FEED_F_ITEMS_CAPPED);
    assert_string_equal(d->items[FEED_MAX_ITEMS - 1].id, "g9999");
    feed_doc_free(d);
    free(s);

    /* 100 categories, a 200 KB summary: capped */
    s = malloc(400000);
    p = s + sprintf(s, "<rss version='2.0'><channel><item><title>t</title>");
    for (int i = 0; i < 100; i++)
        p += sprintf(p, "<category>c%d</category>", i);
    p += sprintf(p, "<description>");
    for (int i = 0; i < 20000; i++)
        p += sprintf(p, "word%05d ", i);
    sprintf(p, "</description></item></channel></rss>");
    d = parse(s, NULL, NULL);
    assert_int_equal(d->items[0].ncategories, FEED_MAX_CATEGORIES);
    assert_true(strlen(d->items[0].summary) <= FEED_MAX_SUMMARY);
    assert_true(strlen(d->items[0].summary) > FEED_MAX_SUMMARY - 20);
    feed_doc_free(d);
    free(s);
}

static void test_json_output_escapes(void **state)
{
    (void)state;
    struct feed_doc *d = feed_doc_new(FEED_FORMAT_RSS20);
    d->title = vg_strdup("quote \" backslash \\ tab\t nl\n ctl\x01 é");
    struct feed_item *it = feed_doc_add_item(d);
    it->published = 1072915200; /* 2004-01-01 */
    feed_item_add_category(it, "a");
    feed_item_add_category(it, "a");
    feed_item_add_category(it, "b");
    char *j = feed_doc_to_json(d);
    assert_string_equal(j,
        "{\"format\":\"rss20\",\"feed\":{\"title\":\"quote \\\" backslash \\\\ tab\\t nl\\n ctl\\u0001 é\","
        "\"link\":null,\"language\":null,\"updated\":null},\"items\":[{\"id\":null,\"title\":null,"
        "\"link\":null,\"published\":\"2004-01-01T00:00:00Z\",\"updated\":null,\"author\":null,"
        "\"summary\":null,\"categories\":[\"a\",\"b\"]}]}");
    vg_free(j);
    feed_doc_free(d);
}

/* ---- the fast pass (feed_xml_scan.c) against libxml2 ---- */

static char *parse_result(const char *s, size_t len, int scan)
{
    struct feed_doc *d = NULL;
    char err[256];
    if (feed_xml_parse_opt(s, len, "https://x.example/dir/f.xml", scan, &d, err, sizeof(err)) < 0)
        return vg_asprintf("error: %s", err);
    char *j = feed_doc_to_json(d);
    feed_doc_free(d);
    return j;
}

static void count_start(void *c, const xmlChar *l, const xmlChar *p, const xmlChar *u, int nn,
                        const xmlChar **ns, int na, int nd, const xmlChar **a)
{
    (*(int *)c)++;
}

static void no_end(void *c, const xmlChar *l, const xmlChar *p, const xmlChar *u) {}
static void no_text(void *c, const xmlChar *s, int n) {}

/* Whether the fast pass takes the document (1) or leaves it to libxml2 (0); and, either way,
 * that the parse gives exactly what libxml2 alone gives. */
static int fast_pass_takes(const char *name, const char *raw, size_t rawlen)
{
    struct feed_utf8_doc u;
    assert_int_equal(feed_charset_to_utf8(raw, rawlen, NULL, FEED_SNIFF_XML, &u), 0);
    const char *s = u.data, *end = u.data + u.len;
    while (s < end && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r'))
        s++;
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof(sax));
    sax.startElementNs = count_start;
    sax.endElementNs = no_end;
    sax.characters = sax.cdataBlock = no_text;
    int elements = 0, stop = 0;
    int took = feed_xml_scan(s, (size_t)(end - s), &sax, &elements, &stop);
    char *fast = parse_result(s, (size_t)(end - s), 1);
    char *slow = parse_result(s, (size_t)(end - s), 0);
    if (strcmp(fast, slow) != 0)
        fail_msg("%s: the fast pass gives\n%s\nlibxml2 gives\n%s", name, fast, slow);
    if (took == 1 && !elements)
        fail_msg("%s: taken without a single element", name);
    vg_free(fast);
    vg_free(slow);
    feed_utf8_doc_clear(&u);
    return took;
}

static void test_fast_pass_agrees_with_libxml2(void **state)
{
    (void)state;
    static const struct {
        int takes;
        const char *doc;
    } cases[] = {
        {1, "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<?xml-stylesheet href='s'?>"
            "<!-- c --><a:feed xmlns:a='http://www.w3.org/2005/Atom' xmlns='http://o.example/' "
            "xml:base='https://b.example/x/'><a:title type='html'>Caf&#xE9; &amp;amp; &lt;b&gt;"
            "</a:title><a:entry xml:base='sub/'><a:link href=' p\n\t1.html &amp; &#38; &#10;'/>"
            "<a:id>i</a:id><a:summary type='html'><![CDATA[<p>x]] ></p>]]></a:summary>"
            "<a:title type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>X<b>H</b> &amp;"
            "</div></a:title><other xmlns=''>u</other><a:empty/></a:entry></a:feed><?pi x?>"},
        {1, "<rss version='2.0'><channel><item><title>t</title><dc:creator>undeclared"
            "</dc:creator><link>https://x.example/a?utm_source=x&amp;id=1</link></item>"
            "</channel></rss>"},
        {1, "<rss version=\"2.0\"><channel><item><title>&#x1F600; \xc3\xa9 &quot;&apos;&gt;"
            "</title></item></channel></rss>\n"},
        {0, "<!DOCTYPE rss><rss version='2.0'><channel><item><title>t</title></item></channel></rss>"},
        {0, "<rss version='2.0'><channel><item><title>a &nbsp; b</title></item></channel></rss>"},
        {0, "<rss version='2.0'><channel><item><title>a]]>b</title></item></channel></rss>"},
        {0, "<rss version='2.0'><channel><item><title a='1' a='2'>t</title></item></channel></rss>"},
        {0, "<rss version='2.0'><channel><item><title>t</titl></item></channel></rss>"},
        {1, "<?xml version='1.0'\r\n encoding='utf-8'?>\r\n<rss version='2.0'>\r\n<channel><item>"
            "<title>a\r\nb\rc\r\r\nd &amp;\r\n</title><link\r\n href='x\r\ny\rz'\r\n/>"
            "<description><![CDATA[<p>1\r\n2\r3</p>\r]]></description><!-- c\r\n -->"
            "<guid isPermaLink='false'>&#13;g\r\n</guid></item></channel></rss>\r\n"},
        {0, "<rss version='2.0'><channel><item><title>\x01</title></item></channel></rss>"},
        {0, "<rss version='2.0'><channel><item><title p:x='1'>t</title></item></channel></rss>"},
        {0, "<rss version='2.0'><channel><item><title>t<!-- a -- b --></title></item></channel></rss>"},
        {0, "<rss version='2.0'><channel><item><title>t</title></item></channel></rss>x"},
        {0, "<rss version='2.0'><channel><item><title>t</title></item></channel></rss><rss/>"},
        {0, "<rss version='2.0'><channel><item><title>t</title></item></channel>"},
        {0, "<?xml version='1.1'?><rss version='2.0'><channel></channel></rss>"},
        {0, "<feed xmlns='http://www.w3.org/2005/Atom' xmlns:x='u' xmlns:y='u'><entry x:a='1' "
            "y:a='2'/></feed>"},
        {0, "<rss version='2.0'><channel><item><title>&#0;</title></item></channel></rss>"},
        {0, "<rss version='2.0'><channel><item><title>\xef\xbf\xbe</title></item></channel></rss>"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char name[32];
        snprintf(name, sizeof(name), "case %zu", i);
        int took = fast_pass_takes(name, cases[i].doc, strlen(cases[i].doc));
        if (took != cases[i].takes)
            fail_msg("%s: fast pass %s, expected %s", name, took ? "took it" : "gave up",
                     cases[i].takes ? "to take it" : "to give up");
    }

    /* Past its bounds (attributes per element, namespace declarations in scope), the fast
     * pass leaves the document to libxml2. */
    char many[16384], *w = many;
    w += sprintf(w, "<rss version='2.0'><channel><item><title");
    for (int i = 0; i < 70; i++)
        w += sprintf(w, " a%d='%d'", i, i);
    w += sprintf(w, ">t</title></item></channel></rss>");
    assert_int_equal(fast_pass_takes("70 attributes", many, strlen(many)), 0);
    w = many + sprintf(many, "<rss version='2.0'><channel>");
    for (int i = 0; i < 150; i++)
        w += sprintf(w, "<x xmlns:p%d='u' xmlns:q%d='u'>", i, i);
    for (int i = 0; i < 150; i++)
        w += sprintf(w, "</x>");
    w += sprintf(w, "<item><title>t</title></item></channel></rss>");
    assert_int_equal(fast_pass_takes("300 namespaces", many, strlen(many)), 0);

    /* Every fixture feed: the same result both ways; the well-formed ones without a DOCTYPE
     * are taken by the fast pass. */
    const char *dir = VIGIE_SOURCE_DIR "/tests/fetch/fixtures/feeds";
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    struct dirent *de;
    int taken = 0, left = 0;
    while ((de = readdir(dp))) {
        size_t n = strlen(de->d_name);
        if (n < 5 || (strcmp(de->d_name + n - 4, ".xml") && strcmp(de->d_name + n - 4, ".rdf")))
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        char *buf = malloc(1 << 22);
        size_t len = fread(buf, 1, 1 << 22, f);
        fclose(f);
        int took = fast_pass_takes(de->d_name, buf, len);
        taken += took;
        left += !took;
        if (!strcmp(de->d_name, "rss20.xml") || !strcmp(de->d_name, "atom10.xml") ||
            !strcmp(de->d_name, "rss10.rdf") || !strcmp(de->d_name, "google_alerts.xml"))
            assert_int_equal(took, 1);
        if (!strcmp(de->d_name, "rss091.xml") || !strcmp(de->d_name, "xxe.xml") ||
            !strcmp(de->d_name, "unclosed_tags.xml"))
            assert_int_equal(took, 0);
        free(buf);
    }
    closedir(dp);
    assert_true(taken >= 10 && left >= 3);
}

/* Every allocation failure point of a parse returns -1 (or a document), never crashes or leaks
 * (the ASan build of this test checks the leaks). */
static void test_alloc_failures(void **state)
{
    (void)state;
    const char *docs[] = {
        "<?xml version='1.0' encoding='iso-8859-1'?><rss version='2.0'><channel><title>T\xe9</title>"
        "<link>https://x.example/</link><item><title>A &amp; <b>B</b></title><link>/a</link>"
        "<description>&lt;p&gt;x&lt;/p&gt;</description><category>c</category><pubDate>Mon, 01 Jan 2024 "
        "00:00:00 GMT</pubDate><author>a@b (N)</author></item></channel></rss>",
        "<feed xmlns='http://www.w3.org/2005/Atom' xml:base='https://x.example/'><title>t</title>"
        "<author><name>n</name></author><entry><id>i</id><link href='a'/><title type='xhtml'><div>x</div>"
        "</title><category term='t'/></entry></feed>",
        "<rss version='2.0'><channel><item><title>&nbsp;broken</title><link>x</link>",
        ("{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"t\",\"authors\":[{\"name\":\"a\"}],"
         "\"items\":[{\"id\":1,\"url\":\"/x\",\"content_html\":\"<p>x</p>\",\"tags\":[\"a\"]}]}"),
    };
    for (size_t k = 0; k < sizeof(docs) / sizeof(docs[0]); k++) {
        int ok = 0;
        for (long n = 0; n < 400 && !ok; n++) {
            struct feed_doc *d = NULL;
            char err[128];
            vg_alloc_fail_after(n);
            int rc = feed_parse(docs[k], strlen(docs[k]), "https://x.example/f", NULL, &d, err,
                                sizeof(err));
            char *j = rc == 0 ? feed_doc_to_json(d) : NULL;
            vg_alloc_fail_after(-1);
            if (rc == 0 && j)
                ok = 1; /* enough allocations succeeded: the parse completed */
            assert_true(rc == 0 || (rc == -1 && d == NULL));
            vg_free(j);
            feed_doc_free(d);
        }
        assert_true(ok);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_date_format_range),
        cmocka_unit_test(test_text_html),
        cmocka_unit_test(test_text_bytes),
        cmocka_unit_test(test_url_resolve),
        cmocka_unit_test(test_url_unwrap),
        cmocka_unit_test(test_url_canonical),
        cmocka_unit_test(test_fingerprint),
        cmocka_unit_test(test_charsets),
        cmocka_unit_test(test_not_feeds),
        cmocka_unit_test(test_item_cap_and_field_caps),
        cmocka_unit_test(test_json_output_escapes),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_fast_pass_agrees_with_libxml2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
