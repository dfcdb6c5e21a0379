/* test_fetch_urls — parsed URLs kept for the next request (http/fetch_urls.c).
 *
 * What a user would notice if this went wrong: a request sent to another URL or host than its
 * source's (a mix-up between entries), a host's politeness limit keyed on the wrong name, or a
 * daemon whose memory grows with every URL it has ever polled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "http/fetch_urls.h"

static char *part(const struct fetch_url *e, CURLUPart what)
{
    char *s = NULL;
    assert_non_null(e->cu);
    assert_int_equal(curl_url_get(e->cu, what, &s, 0), CURLUE_OK);
    return s;
}

static void test_parsed_once_and_shared(void **state)
{
    (void)state;
    struct fetch_urls *u = fetch_urls_new(1 << 20);
    const struct fetch_url *a = fetch_urls_get(u, "https://News.Example.com/feed.xml?x=1");
    const struct fetch_url *b = fetch_urls_get(u, "https://News.Example.com/feed.xml?x=1");
    const struct fetch_url *c = fetch_urls_get(u, "https://news.example.com/other.xml");
    assert_ptr_equal(a, b);
    assert_ptr_not_equal(a, c);
    assert_int_equal(fetch_urls_hits(u), 1);
    assert_int_equal(fetch_urls_count(u), 2);
    char *path = part(a, CURLUPART_PATH), *query = part(a, CURLUPART_QUERY), *other = part(c, CURLUPART_PATH);
    assert_string_equal(path, "/feed.xml");
    assert_string_equal(query, "x=1");
    assert_string_equal(other, "/other.xml");
    curl_free(path);
    curl_free(query);
    curl_free(other);
    assert_string_equal(a->url, "https://News.Example.com/feed.xml?x=1");
    fetch_urls_release(u, a);
    fetch_urls_release(u, b);
    fetch_urls_release(u, c);
    /* Released, then asked for again: still there, not parsed anew. */
    assert_ptr_equal(fetch_urls_get(u, "https://News.Example.com/feed.xml?x=1"), a);
    assert_int_equal(fetch_urls_hits(u), 2);
    fetch_urls_release(u, a);
    fetch_urls_free(u);
}

static void test_host_keys(void **state)
{
    (void)state;
    struct fetch_urls *u = fetch_urls_new(1 << 20);
    static const struct {
        const char *url, *host;
        int parsed;
    } cases[] = {
        {"http://127.0.0.1:8080/a", "127.0.0.1", 1},
        {"news.example.com/rss", "news.example.com", 1},     /* no scheme: https */
        {"file:///etc/hostname", "", 1},                      /* no host: unthrottled */
        {"http://exa mple.com/", "", 0},                      /* curl refuses it */
        {"https://[::1]:8443/x", "[::1]", 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct fetch_url *e = fetch_urls_get(u, cases[i].url);
        assert_non_null(e);
        assert_string_equal(e->host, cases[i].host);
        assert_int_equal(e->cu != NULL, cases[i].parsed);
        fetch_urls_release(u, e);
    }
    fetch_urls_free(u);
}

static void test_idle_urls_are_bounded_held_ones_kept(void **state)
{
    (void)state;
    /* 64 KiB for idle URLs: an entry weighs at least 256 bytes besides its text, so at most
     * 256 idle URLs. */
    struct fetch_urls *u = fetch_urls_new(64 << 10);
    char url[64];
    const struct fetch_url *held[50];
    for (int i = 0; i < 50; i++) {
        snprintf(url, sizeof(url), "https://h%d.example/feed", i);
        assert_non_null(held[i] = fetch_urls_get(u, url));
    }
    /* 5,000 more URLs come and go: at most 256 stay idle, and the 50 held are untouched. */
    for (int i = 0; i < 5000; i++) {
        snprintf(url, sizeof(url), "https://other%d.example/feed", i);
        const struct fetch_url *e = fetch_urls_get(u, url);
        assert_non_null(e);
        fetch_urls_release(u, e);
        assert_true(fetch_urls_count(u) <= 50 + 256);
    }
    for (int i = 0; i < 50; i++) {
        snprintf(url, sizeof(url), "https://h%d.example/feed", i);
        assert_string_equal(held[i]->url, url);
        snprintf(url, sizeof(url), "h%d.example", i);
        assert_string_equal(held[i]->host, url);
        fetch_urls_release(u, held[i]);
    }
    size_t kept = fetch_urls_count(u);
    assert_true(kept > 100 && kept <= 256);
    /* The most recently used stay: the last URL is found, the first idle one is gone. */
    unsigned long long hits = fetch_urls_hits(u);
    fetch_urls_release(u, fetch_urls_get(u, "https://h49.example/feed"));
    assert_int_equal(fetch_urls_hits(u), hits + 1);
    fetch_urls_release(u, fetch_urls_get(u, "https://other0.example/feed"));
    assert_int_equal(fetch_urls_hits(u), hits + 1);
    fetch_urls_free(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parsed_once_and_shared),
        cmocka_unit_test(test_host_keys),
        cmocka_unit_test(test_idle_urls_are_bounded_held_ones_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
