/* The X-Hub-Signature check of a WebSub delivery (daemon/websub_sig.c), and the discovery of a
 * feed's hub and topic (feed_doc.hub/self). Expected digests are computed here with OpenSSL
 * over the same body, never copied from elsewhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "daemon/websub_link.h"
#include "daemon/websub_sig.h"
#include "util/vg_alloc.h"
#include "fetchers/feed.h"

static const char SECRET[] = "3f1c9a0b7e5d42c68a1f0e9d7c6b5a4938271605f4e3d2c1b0a99887766554433";
static const char BODY[] = "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title></feed>";

/* "method=hex" of BODY under key, as a hub computes it. */
static void sign(const EVP_MD *md, const char *method, const char *key, char *out, size_t len)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    HMAC(md, key, (int)strlen(key), (const unsigned char *)BODY, strlen(BODY), mac, &n);
    size_t off = (size_t)snprintf(out, len, "%s=", method);
    for (unsigned int i = 0; i < n && off + 3 <= len; i++)
        off += (size_t)snprintf(out + off, len - off, "%02x", mac[i]);
}

static void good_signatures_pass(void **state)
{
    (void)state;
    char h[200], why[160];
    sign(EVP_sha256(), "sha256", SECRET, h, sizeof(h));
    assert_int_equal(websub_signature_ok(h, BODY, strlen(BODY), SECRET, why, sizeof(why)), 1);
    sign(EVP_sha384(), "sha384", SECRET, h, sizeof(h));
    assert_int_equal(websub_signature_ok(h, BODY, strlen(BODY), SECRET, why, sizeof(why)), 1);
    sign(EVP_sha512(), "sha512", SECRET, h, sizeof(h));
    assert_int_equal(websub_signature_ok(h, BODY, strlen(BODY), SECRET, why, sizeof(why)), 1);
    /* hex digits in upper case are the same digest */
    sign(EVP_sha256(), "sha256", SECRET, h, sizeof(h));
    for (char *c = h + 7; *c; c++)
        if (*c >= 'a' && *c <= 'f')
            *c = (char)(*c - 32);
    assert_int_equal(websub_signature_ok(h, BODY, strlen(BODY), SECRET, why, sizeof(why)), 1);
}

static void bad_signatures_fail(void **state)
{
    (void)state;
    char h[200], why[160];
    assert_int_equal(websub_signature_ok(NULL, BODY, strlen(BODY), SECRET, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "missing"));
    assert_int_equal(websub_signature_ok("", BODY, strlen(BODY), SECRET, why, sizeof(why)), 0);
    /* another secret */
    sign(EVP_sha256(), "sha256", "not the secret", h, sizeof(h));
    assert_int_equal(websub_signature_ok(h, BODY, strlen(BODY), SECRET, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "bad signature"));
    /* a body changed after signing */
    sign(EVP_sha256(), "sha256", SECRET, h, sizeof(h));
    assert_int_equal(websub_signature_ok(h, BODY, strlen(BODY) - 1, SECRET, why, sizeof(why)), 0);
    /* cut short, or a non-hex digit */
    char cut[200];
    snprintf(cut, sizeof(cut), "%.*s", (int)strlen(h) - 2, h);
    assert_int_equal(websub_signature_ok(cut, BODY, strlen(BODY), SECRET, why, sizeof(why)), 0);
    h[10] = 'g';
    assert_int_equal(websub_signature_ok(h, BODY, strlen(BODY), SECRET, why, sizeof(why)), 0);
    /* the digest of one method labelled as another */
    sign(EVP_sha512(), "sha384", SECRET, h, sizeof(h));
    assert_int_equal(websub_signature_ok(h, BODY, strlen(BODY), SECRET, why, sizeof(why)), 0);
    /* unknown methods, no method */
    assert_int_equal(websub_signature_ok("md5=00", BODY, strlen(BODY), SECRET, why, sizeof(why)), 0);
    assert_int_equal(websub_signature_ok("abcdef", BODY, strlen(BODY), SECRET, why, sizeof(why)), 0);
}

static void sha1_is_refused_even_when_right(void **state)
{
    (void)state;
    char h[200], why[160];
    sign(EVP_sha1(), "sha1", SECRET, h, sizeof(h));
    assert_int_equal(websub_signature_ok(h, BODY, strlen(BODY), SECRET, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "sha1"));
}

static void feed_hub_and_self_are_read(void **state)
{
    (void)state;
    static const char rss[] =
        "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\"><channel>"
        "<title>News</title><link>https://news.example/</link>"
        "<atom:link rel=\"hub\" href=\"https://hub.example/\"/>"
        "<atom:link rel=\"self\" href=\"/feed.xml\" type=\"application/rss+xml\"/>"
        "<atom:link rel=\"hub\" href=\"https://second-hub.example/\"/>"
        "<item><title>A</title><link>https://news.example/a</link></item></channel></rss>";
    struct feed_doc *doc = NULL;
    char err[200];
    assert_int_equal(feed_parse(rss, strlen(rss), "https://news.example/feed.xml", NULL, &doc, err, sizeof(err)), 0);
    assert_string_equal(doc->hub, "https://hub.example/");
    assert_string_equal(doc->self, "https://news.example/feed.xml");
    assert_string_equal(doc->link, "https://news.example/"); /* the page link is not taken over */
    assert_int_equal(doc->nitems, 1);
    feed_doc_free(doc);
    static const char atom[] =
        "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>T</title>"
        "<link rel=\"self\" href=\"https://blog.example/atom\"/><link href=\"https://blog.example/\"/>"
        "<entry><title>E</title><id>urn:e</id><link rel=\"hub\" href=\"https://not-a-feed-hub.example/\"/></entry>"
        "</feed>";
    assert_int_equal(feed_parse(atom, strlen(atom), NULL, NULL, &doc, err, sizeof(err)), 0);
    assert_null(doc->hub); /* an entry's link is not the feed's hub */
    assert_string_equal(doc->self, "https://blog.example/atom");
    assert_string_equal(doc->link, "https://blog.example/");
    feed_doc_free(doc);
}

static void link_header_hub_and_self(void **state)
{
    (void)state;
    char *hub, *self;
    /* two headers joined by ", ", a relative self, a quoted and an unquoted rel */
    websub_link_parse("<https://hub.example/sub>; rel=\"hub\", </feeds/news.xml>; rel=self; type=\"application/rss+xml\"",
                      "https://www.example.com/feeds/old.xml", &hub, &self);
    assert_string_equal(hub, "https://hub.example/sub");
    assert_string_equal(self, "https://www.example.com/feeds/news.xml");
    vg_free(hub);
    vg_free(self);
    /* other relations, a relation list, the first of each wins, a javascript: target is no hub */
    websub_link_parse("<javascript:alert(1)>; rel=hub, <https://example.com/>; rel=\"alternate\", "
                      "<https://h1.example/>; rel=\"preload hub\", <https://h2.example/>; rel=hub",
                      "https://example.com/feed", &hub, &self);
    assert_string_equal(hub, "https://h1.example/");
    assert_null(self);
    vg_free(hub);
    /* nothing, or broken */
    websub_link_parse("", "https://example.com/", &hub, &self);
    assert_null(hub);
    assert_null(self);
    websub_link_parse("<https://hub.example/; rel=hub", "https://example.com/", &hub, &self);
    assert_null(hub);
    websub_link_parse("<https://hub.example/>; relation=hub", "https://example.com/", &hub, &self);
    assert_null(hub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_signatures_pass),
        cmocka_unit_test(bad_signatures_fail),
        cmocka_unit_test(sha1_is_refused_even_when_right),
        cmocka_unit_test(feed_hub_and_self_are_read),
        cmocka_unit_test(link_header_hub_and_self),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
