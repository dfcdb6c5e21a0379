/* Unit tests of the console's escaping (daemon/console_html.c): hostile titles, quotes in
 * attributes, javascript: and other links that must not become links, invalid UTF-8 and
 * control characters, URL parts and query parameters; the UI's strings in French; the
 * sparkline's title escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "daemon/console_html.h"

static char out[4096];

static const char *text(const char *s)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    console_html_text(&b, s);
    snprintf(out, sizeof(out), "%s", b.data ? b.data : "");
    vg_buf_free(&b);
    return out;
}

static const char *url(const char *s, int *rc)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    *rc = console_html_url(&b, s);
    snprintf(out, sizeof(out), "%s", b.data ? b.data : "");
    vg_buf_free(&b);
    return out;
}

static void element_and_attribute_text(void **state)
{
    (void)state;
    assert_string_equal(text("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
    assert_string_equal(text("\"><img src=x onerror=alert(1)>"), "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
    assert_string_equal(text("O'Neil & Sons"), "O&#39;Neil &amp; Sons");
    assert_string_equal(text("&amp;"), "&amp;amp;");
    assert_string_equal(text("Société Générale — 5 M€"), "Société Générale — 5 M€");
    assert_string_equal(text(""), "");
    assert_string_equal(text(NULL), "");
}

static void invalid_utf8_and_controls(void **state)
{
    (void)state;
    /* a lone continuation byte, a truncated sequence, an overlong '<', a surrogate */
    assert_string_equal(text("a\x80z"), "a\xef\xbf\xbdz");
    assert_string_equal(text("a\xe2\x82"), "a\xef\xbf\xbd\xef\xbf\xbd");
    assert_string_equal(text("\xc0\xbcscript\xc0\xbe"), "\xef\xbf\xbd\xef\xbf\xbdscript\xef\xbf\xbd\xef\xbf\xbd");
    assert_string_equal(text("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    /* control characters dropped, blanks made spaces, C1 controls dropped */
    assert_string_equal(text("a\x01\x1b[31mb\x7f"), "a[31mb");
    assert_string_equal(text("line\none\ttab\r"), "line one tab ");
    assert_string_equal(text("x\xc2\x85y"), "xy");
}

static void links(void **state)
{
    (void)state;
    int rc;
    assert_string_equal(url("https://news.example/a?b=1&c=\"2\"", &rc), "https://news.example/a?b=1&amp;c=&quot;2&quot;");
    assert_int_equal(rc, 0);
    assert_string_equal(url("HTTP://Example.com/x", &rc), "HTTP://Example.com/x");
    assert_int_equal(rc, 0);
    const char *refused[] = {"javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)",
                             "\tjavascript:alert(1)", "java\nscript:alert(1)", "data:text/html,<script>",
                             "vbscript:x", "//evil.example/x", "/ui/relative", "http://", "https://a b",
                             "https://a\x01b", "https://a\x80", "", "file:///etc/passwd"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        assert_string_equal(url(refused[i], &rc), "");
        assert_int_equal(rc, -1);
    }
    assert_int_equal(url(NULL, &rc)[0], '\0');
    assert_int_equal(rc, -1);
}

static void url_parts_and_params(void **state)
{
    (void)state;
    struct vg_buf b;
    vg_buf_init(&b, 0);
    console_html_urlpart(&b, "a/b c?d&e=f\"<é");
    assert_string_equal(b.data, "a%2Fb%20c%3Fd%26e%3Df%22%3C%C3%A9");
    vg_buf_free(&b);

    char v[64];
    assert_int_equal(console_html_param("owner=claire%40example.com&tier=key", "owner", v, sizeof(v)), 1);
    assert_string_equal(v, "claire@example.com");
    assert_int_equal(console_html_param("owner=a&tier=key", "tier", v, sizeof(v)), 1);
    assert_string_equal(v, "key");
    assert_int_equal(console_html_param("tiers=x&tier=y+z", "tier", v, sizeof(v)), 1);
    assert_string_equal(v, "y z");
    assert_int_equal(console_html_param("flag&x=1", "flag", v, sizeof(v)), 1);
    assert_string_equal(v, "");
    assert_int_equal(console_html_param("x=1", "tier", v, sizeof(v)), 0);
    assert_int_equal(console_html_param("", "tier", v, sizeof(v)), 0);
    /* a bad escape stays as it is, a %00 is dropped, an overlong value is cut */
    assert_int_equal(console_html_param("q=%zz%4", "q", v, sizeof(v)), 1);
    assert_string_equal(v, "%zz%4");
    assert_int_equal(console_html_param("q=a%00b", "q", v, sizeof(v)), 1);
    assert_string_equal(v, "ab");
    char small[4];
    assert_int_equal(console_html_param("q=abcdef", "q", small, sizeof(small)), 1);
    assert_string_equal(small, "abc");
}

static void frame_and_strings(void **state)
{
    (void)state;
    struct console_req fr = {.path = "/ui/", .query = "", .lang = CONSOLE_FR};
    struct console_req en = {.path = "/ui/", .query = "", .lang = CONSOLE_EN};
    assert_string_equal(console_tr(&fr, "Accounts"), "Comptes");
    assert_string_equal(console_tr(&en, "Accounts"), "Accounts");
    assert_string_equal(console_tr(&fr, "no such key"), "no such key");
    struct vg_buf b;
    vg_buf_init(&b, 0);
    console_html_begin(&b, &fr, "<b>x</b>", "portfolio");
    console_html_end(&b, &fr);
    assert_non_null(strstr(b.data, "<html lang=\"fr\">"));
    assert_non_null(strstr(b.data, "<title>&lt;b&gt;x&lt;/b&gt;"));
    assert_non_null(strstr(b.data, "name=\"viewport\""));
    assert_non_null(strstr(b.data, "<script src=\"/ui/static/console.js\" defer></script>"));
    assert_non_null(strstr(b.data, "class=\"active\" aria-current=\"page\">Portefeuille</a>"));
    /* no inline script or style: the Content-Security-Policy allows none */
    assert_null(strstr(b.data, "<script>"));
    assert_null(strstr(b.data, "style="));
    vg_buf_free(&b);

    vg_buf_init(&b, 0);
    double v[] = {0, 1, 3};
    console_html_sparkline(&b, v, 3, 60, 20, "</title><script>");
    assert_non_null(strstr(b.data, "<title>&lt;/title&gt;&lt;script&gt;</title>"));
    assert_non_null(strstr(b.data, "points=\"1.0,19.0 30.0,13.0 59.0,1.0\""));
    vg_buf_free(&b);

    const char *ctype;
    size_t len;
    assert_non_null(console_static("/ui/static/console.css", &ctype, &len));
    assert_string_equal(ctype, "text/css; charset=utf-8");
    assert_non_null(console_static("/ui/static/console.js", &ctype, &len));
    assert_null(console_static("/ui/static/../console.js", &ctype, &len));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(element_and_attribute_text), cmocka_unit_test(invalid_utf8_and_controls),
        cmocka_unit_test(links), cmocka_unit_test(url_parts_and_params), cmocka_unit_test(frame_and_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
