/* test_kind — the source kinds table: a source is checked by its kind when it is added (a page
 * source without selectors is refused then, not at every poll), and a poll's bytes go through
 * its kind's parse, which names the kind of failure itself. */
#include "util/vg_alloc.h"
#include "fetchers/feed.h"
#include "fetchers/kind.h"
#include "fetchers/page.h"
#include "fetchers/source.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void test_registry(void **state)
{
    (void)state;
    assert_non_null(source_kind_find("feed"));
    assert_non_null(source_kind_find("page"));
    assert_null(source_kind_find("Feed"));
    assert_null(source_kind_find(NULL));
    assert_string_equal(source_kind_find("page")->accept, "text/html, application/xhtml+xml");
    char names[256];
    source_kind_names(names, sizeof(names));
    /* the company kinds follow feed and page (issue 15) */
    assert_memory_equal(names, "feed, page, ", 12);
    assert_non_null(strstr(names, "bodacc"));
    assert_non_null(strstr(names, ", jobs"));
    assert_non_null(strstr(names, "sec_edgar"));
    assert_non_null(strstr(names, "uk_company"));
    assert_non_null(strstr(names, "fr_company"));
}

static int check(const char *kind, const char *options, char *err, size_t errlen)
{
    struct fetch_source s = {0};
    s.kind = vg_strdup(kind);
    s.url = vg_strdup("https://www.example.com/news");
    s.options = options ? vg_strdup(options) : NULL;
    int rc = fetch_source_check(&s, 3600 * 1000LL, 0, err, errlen);
    fetch_source_clear(&s);
    return rc;
}

static void test_options_checked_on_add(void **state)
{
    (void)state;
    char err[256] = "";
    assert_int_equal(check("page", "{\"item\": \"//article\"}", err, sizeof(err)), 0);
    assert_int_equal(check("page", "{\"watch\": true}", err, sizeof(err)), 0);
    assert_int_equal(check("page", "{\"watch\": \"//main\"}", err, sizeof(err)), 0);
    assert_int_equal(check("page", NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "needs an \"item\" XPath selector"));
    assert_int_equal(check("page", "{\"watch\": 3}", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "\"watch\" is an XPath region or true"));
    assert_int_equal(check("feed", NULL, err, sizeof(err)), 0);
    assert_int_equal(check("gopher", NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "unknown kind 'gopher' (known: feed, page, "));
}

static int parse(const char *kind, const char *body, const char *options, struct kind_output *out, char *err,
                 size_t errlen)
{
    struct kind_input in = {.body = body, .len = strlen(body), .url = "https://www.example.com/x",
                            .options = options, .now = 1700000000};
    memset(out, 0, sizeof(*out));
    return source_kind_find(kind)->parse(&in, out, err, errlen);
}

static void test_parse_and_error_kinds(void **state)
{
    (void)state;
    char err[256];
    struct kind_output out;
    const char *rss = "<rss version='2.0'><channel><item><title>T</title><link>https://e.com/1</link>"
                      "</item></channel></rss>";
    assert_int_equal(parse("feed", rss, NULL, &out, err, sizeof(err)), 0);
    assert_int_equal(out.doc->nitems, 1);
    feed_doc_free(out.doc);

    assert_int_equal(parse("feed", "<html><body>hi</body></html>", NULL, &out, err, sizeof(err)), -1);
    assert_string_equal(out.error_kind, "not_a_feed");
    assert_null(out.doc);

    const char *page = "<html><body><article><h2>A</h2><a href='/a'>x</a></article></body></html>";
    assert_int_equal(parse("page", page, "{\"item\": \"//article\", \"title\": \".//h2\"}", &out, err, sizeof(err)), 0);
    assert_int_equal(out.doc->nitems, 1);
    assert_string_equal(out.doc->items[0].link, "https://www.example.com/a");
    feed_doc_free(out.doc);

    /* a source stored before its options were checked on add */
    assert_int_equal(parse("page", page, "{}", &out, err, sizeof(err)), -1);
    assert_string_equal(out.error_kind, "options");

    /* watch: the first poll keeps the text and reports nothing; a change is one web_change item */
    assert_int_equal(parse("page", page, "{\"watch\": true}", &out, err, sizeof(err)), 0);
    assert_int_equal(out.doc->nitems, 0);
    assert_non_null(out.watch_text);
    char *kept = out.watch_text;
    feed_doc_free(out.doc);
    struct kind_input in = {.body = "<html><body><article><h2>B</h2></article></body></html>",
                            .url = "https://www.example.com/x", .options = "{\"watch\": true}",
                            .watch_text = kept, .now = 1700000000};
    in.len = strlen(in.body);
    memset(&out, 0, sizeof(out));
    assert_int_equal(source_kind_find("page")->parse(&in, &out, err, sizeof(err)), 0);
    assert_int_equal(out.doc->nitems, 1);
    assert_string_equal(out.doc->items[0].kind, "web_change");
    vg_free(kept);
    vg_free(out.watch_text);
    feed_doc_free(out.doc);

    /* a page over the node limit is too complex, for a watch and for selectors alike */
    size_t n = PAGE_MAX_NODES + 1;
    char *big = vg_malloc(3 * n + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(big + 3 * i, "<p>", 3);
    big[3 * n] = '\0';
    assert_int_equal(parse("page", big, "{\"watch\": true}", &out, err, sizeof(err)), -1);
    assert_string_equal(out.error_kind, "too_complex");
    assert_null(out.doc);
    assert_int_equal(parse("page", big, "{\"item\": \"//p\"}", &out, err, sizeof(err)), -1);
    assert_string_equal(out.error_kind, "too_complex");
    assert_non_null(strstr(err, "too complex"));
    vg_free(big);
    /* and a page that is not HTML at all is a parse error */
    assert_int_equal(parse("page", "", "{\"watch\": true}", &out, err, sizeof(err)), -1);
    assert_string_equal(out.error_kind, "parse");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_options_checked_on_add),
        cmocka_unit_test(test_parse_and_error_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
