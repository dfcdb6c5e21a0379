/* test_email_mime — what a mail client makes of vigie's e-mails: accented names shown as
 * written (RFC 2047 encoded-words), a title with CR/LF unable to add a header, every line
 * within its limit (78 in headers, 76 in quoted-printable bodies) and the bodies decoded back
 * to what was rendered, a boundary found in neither body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sinks/email_mime.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"

static char *build(const char *from, const char *subject, const char *text, const char *html)
{
    struct email_mime m = {
        .from = from,
        .to = "claire.martin@example.com, paul@example.org",
        .subject = subject,
        .date_ms = 1767225600000LL, /* 2026-01-01T00:00:00Z, a Thursday */
        .id = "0123456789abcdef0123456789abcdef",
        .unsubscribe = "mailto:alerts@vigie.example?subject=silence%20claire",
        .text = text,
        .html = html,
    };
    size_t len = 0;
    char err[256] = "";
    char *out = email_mime_build(&m, &len, err, sizeof err);
    assert_non_null(out);
    assert_int_equal(strlen(out), len);
    return out;
}

/* The header section (up to the first empty line), NUL-terminated copy. */
static char *headers_of(const char *msg)
{
    const char *end = strstr(msg, "\r\n\r\n");
    assert_non_null(end);
    return vg_strndup(msg, (size_t)(end - msg) + 2);
}

/* Every line of s (CRLF-separated) at most max characters; no bare CR or LF. */
static void lines_within(const char *s, size_t max)
{
    for (const char *p = s; *p;) {
        const char *e = strstr(p, "\r\n");
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n > max)
            fail_msg("line of %zu > %zu: %.*s", n, max, (int)n, p);
        assert_null(memchr(p, '\n', n));
        assert_null(memchr(p, '\r', n));
        p += n + (e ? 2 : 0);
    }
}

/* Unfolds a header: the value of `name`, continuation lines joined. */
static char *header_value(const char *hdrs, const char *name)
{
    char key[64];
    snprintf(key, sizeof key, "\r\n%s:", name);
    char *tmp = vg_asprintf("\r\n%s", hdrs);
    char *at = strstr(tmp, key);
    if (!at) {
        vg_free(tmp);
        return NULL;
    }
    at += strlen(key);
    struct vg_buf b;
    vg_buf_init(&b, 0);
    for (;;) {
        char *e = strstr(at, "\r\n");
        vg_buf_append(&b, at, (size_t)(e - at));
        at = e + 2;
        if (*at != ' ' && *at != '\t')
            break;
    }
    vg_free(tmp);
    return vg_buf_steal(&b);
}

static void test_accented_names_are_encoded_words(void **state)
{
    (void)state;
    char *msg = build("Clémence Lefèvre <alerts@vigie.example>", "Lefèvre & fils: levée de fonds", "t", "<p>h</p>");
    char *h = headers_of(msg);
    lines_within(h, 78);
    for (const unsigned char *p = (const unsigned char *)h; *p; p++)
        assert_true(*p < 0x80); /* headers are ASCII */
    char *from = header_value(h, "From");
    assert_non_null(from);
    assert_non_null(strstr(from, "=?UTF-8?Q?Cl=C3=A9mence_Lef=C3=A8vre?="));
    assert_non_null(strstr(from, "<alerts@vigie.example>"));
    char *subj = header_value(h, "Subject");
    assert_non_null(strstr(subj, "=?UTF-8?Q?Lef=C3=A8vre"));
    assert_non_null(strstr(h, "Message-ID: <0123456789abcdef0123456789abcdef@vigie.example>\r\n"));
    assert_non_null(strstr(h, "Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n"));
    assert_non_null(strstr(h, "MIME-Version: 1.0\r\n"));
    assert_non_null(strstr(h, "List-Unsubscribe: <mailto:alerts@vigie.example?subject=silence%20claire>\r\n"));
    assert_non_null(strstr(h, "To: claire.martin@example.com, paul@example.org\r\n"));
    vg_free(h);
    vg_free(msg);
    /* a longer one folds before its '<' */
    struct email_mime m = {.from = "a@vigie.example", .to = "b@example.com", .subject = "s", .id = "1",
                           .unsubscribe = "https://vigie.example/unsubscribe?owner=clemence.lefevre%40example.com",
                           .text = "", .html = ""};
    size_t len;
    char err[64];
    msg = email_mime_build(&m, &len, err, sizeof err);
    h = headers_of(msg);
    lines_within(h, 78);
    assert_non_null(strstr(h, "List-Unsubscribe:\r\n <https://vigie.example/unsubscribe?owner=clemence.lefevre%40example.com>\r\n"));
    vg_free(from);
    vg_free(subj);
    vg_free(h);
    vg_free(msg);
}

static void test_ascii_name_with_specials_is_quoted(void **state)
{
    (void)state;
    char *msg = build("\"Vigie, alerts\" <alerts@vigie.example>", "plain", "t", "h");
    assert_non_null(strstr(msg, "From: \"Vigie, alerts\" <alerts@vigie.example>\r\n"));
    vg_free(msg);
    /* an encoded-word written by a web page is shown as written, not decoded */
    msg = build("alerts@vigie.example", "=?UTF-8?B?QmNjOiBldmls?= news", "t", "h");
    char *h = headers_of(msg);
    char *subj = header_value(h, "Subject");
    assert_null(strstr(subj, "=?UTF-8?B?QmNj"));
    vg_free(subj);
    vg_free(h);
    vg_free(msg);
}

static void test_crlf_in_a_title_adds_no_header(void **state)
{
    (void)state;
    const char *attacks[] = {
        "Acme buys X\r\nBcc: victim@example.com",
        "Acme\nBcc: victim@example.com",
        "Acme\rBcc: victim@example.com",
        "Acme\r\n\r\n<html>body injected",
        "Acme\xc2\x85" "Bcc: victim@example.com", /* NEL */
        "Acme\xe2\x80\xa8" "Bcc: victim@example.com", /* LINE SEPARATOR */
        "Acmé\r\nBcc: victim@example.com", /* the encoded path too */
    };
    for (size_t i = 0; i < sizeof attacks / sizeof *attacks; i++) {
        char *msg = build("Vigie <alerts@vigie.example>", attacks[i], "t", "h");
        char *h = headers_of(msg);
        lines_within(h, 78);
        /* every header line is a known header or a continuation */
        static const char *const known[] = {"From:", "To:", "Subject:", "Date:", "Message-ID:", "MIME-Version:",
                                            "List-Unsubscribe:", "Auto-Submitted:", "Content-Type:", " ", NULL};
        for (const char *p = h; *p;) {
            int ok = 0;
            for (size_t k = 0; known[k]; k++)
                ok |= strncmp(p, known[k], strlen(known[k])) == 0;
            if (!ok)
                fail_msg("attack %zu: unexpected header line: %.40s", i, p);
            p = strstr(p, "\r\n") + 2;
        }
        assert_null(strstr(h, "\r\nBcc:"));
        char *subj = header_value(h, "Subject");
        if (i < 6 && !strstr(subj, "Bcc: victim@example.com") && !strstr(subj, "body injected"))
            fail_msg("attack %zu: the title's text is lost: %s", i, subj);
        vg_free(subj);
        vg_free(h);
        vg_free(msg);
    }
    char clean[64];
    assert_string_equal(email_header_clean("  a\r\n\tb\x01 c  ", clean, sizeof clean), "a b c");
}

/* Decodes quoted-printable (the receiving side). */
static char *qp_decode(const char *s, size_t n)
{
    char *out = vg_malloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] == '=' && i + 2 < n + 1 && s[i + 1] == '\r' && s[i + 2] == '\n') {
            i += 3;
        } else if (s[i] == '=') {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            out[o++] = (char)strtol(hex, NULL, 16);
            i += 3;
        } else {
            out[o++] = s[i++];
        }
    }
    out[o] = '\0';
    return out;
}

static void test_quoted_printable_lines_and_round_trip(void **state)
{
    (void)state;
    struct vg_buf text;
    vg_buf_init(&text, 0);
    for (int i = 0; i < 40; i++)
        vg_buf_puts(&text, "é");
    vg_buf_puts(&text, "\n");
    for (int i = 0; i < 300; i++)
        vg_buf_putc(&text, (char)('a' + i % 26));
    vg_buf_puts(&text, "\n.leading dot\nends with blanks   \nx=1 and 100% = all\n");
    for (int i = 0; i < 75; i++)
        vg_buf_putc(&text, '.');
    vg_buf_puts(&text, "\n\n\xf0\x9f\x9a\x80 rocket\n");
    struct vg_buf qp;
    vg_buf_init(&qp, 0);
    assert_int_equal(email_qp_encode(&qp, text.data), 0);
    lines_within(qp.data, 76);
    /* no line starts with '.', none ends with a blank */
    for (const char *p = qp.data; *p;) {
        const char *e = strstr(p, "\r\n");
        size_t n = e ? (size_t)(e - p) : strlen(p);
        assert_true(n == 0 || p[0] != '.');
        assert_true(n == 0 || (p[n - 1] != ' ' && p[n - 1] != '\t'));
        for (size_t k = 0; k < n; k++)
            assert_true((unsigned char)p[k] < 0x7f && (unsigned char)p[k] >= 0x20);
        p += n + (e ? 2 : 0);
    }
    char *back = qp_decode(qp.data, qp.len);
    /* the text with CRLF line ends */
    struct vg_buf crlf;
    vg_buf_init(&crlf, 0);
    for (const char *p = text.data; *p; p++) {
        if (*p == '\n')
            vg_buf_putc(&crlf, '\r');
        vg_buf_putc(&crlf, *p);
    }
    assert_string_equal(back, crlf.data);
    vg_free(back);
    vg_buf_free(&crlf);
    vg_buf_free(&qp);
    vg_buf_free(&text);
}

static void test_boundary_in_no_body(void **state)
{
    (void)state;
    const char *text = "--=_vigie_0000000000000000_0\n=_vigie_ boundary lookalike\n--\n";
    const char *html = "<p>--=_vigie_ffffffffffffffff_0</p>";
    char *msg = build("alerts@vigie.example", "s", text, html);
    char *ct = header_value(msg, "Content-Type");
    assert_non_null(ct);
    const char *b = strstr(ct, "boundary=\"");
    assert_non_null(b);
    b += 10;
    char boundary[80];
    size_t n = strcspn(b, "\"");
    memcpy(boundary, b, n);
    boundary[n] = '\0';
    char delim[100];
    snprintf(delim, sizeof delim, "\r\n--%s", boundary);
    /* exactly three delimiters: two parts and the close */
    int count = 0;
    for (const char *p = msg; (p = strstr(p, delim)); p++)
        count++;
    assert_int_equal(count, 3);
    snprintf(delim, sizeof delim, "\r\n--%s--\r\n", boundary);
    assert_non_null(strstr(msg, delim));
    assert_non_null(strstr(msg, "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable"));
    assert_non_null(strstr(msg, "Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable"));
    lines_within(msg, 998);
    vg_free(ct);
    vg_free(msg);
}

static void test_long_subject_folds_within_78(void **state)
{
    (void)state;
    struct vg_buf s;
    vg_buf_init(&s, 0);
    for (int i = 0; i < 20; i++)
        vg_buf_puts(&s, "Électricité de France annonce ");
    char *msg = build("alerts@vigie.example", s.data, "t", "h");
    char *h = headers_of(msg);
    lines_within(h, 78);
    char *subj = header_value(h, "Subject");
    /* every encoded-word at most 75 characters */
    for (const char *p = subj; (p = strstr(p, "=?UTF-8?Q?"));) {
        const char *e = strstr(p + 10, "?=");
        assert_non_null(e);
        assert_true(e + 2 - p <= 75);
        p = e + 2;
    }
    vg_free(subj);
    vg_free(h);
    vg_free(msg);
    vg_buf_reset(&s);
    for (int i = 0; i < 30; i++)
        vg_buf_puts(&s, "Airbus wins an order ");
    msg = build("alerts@vigie.example", s.data, "t", "h");
    h = headers_of(msg);
    lines_within(h, 78);
    subj = header_value(h, "Subject");
    assert_non_null(strstr(subj, "Airbus wins an order Airbus"));
    vg_free(subj);
    vg_free(h);
    vg_free(msg);
    vg_buf_free(&s);
}

static void test_addresses(void **state)
{
    (void)state;
    assert_true(email_address_ok("claire.martin+vigie@example.co.uk"));
    assert_false(email_address_ok("claire"));
    assert_false(email_address_ok("a@b@c"));
    assert_false(email_address_ok("a b@example.com"));
    assert_false(email_address_ok("a@example.com\r\nBcc: x@y"));
    assert_false(email_address_ok("<a@example.com>"));
    assert_false(email_address_ok("a@exa_mple.com"));
    assert_false(email_address_ok("a@.example.com"));
    char name[64], addr[64];
    assert_int_equal(email_from_split("Vigie <alerts@vigie.example>", name, sizeof name, addr, sizeof addr), 0);
    assert_string_equal(name, "Vigie");
    assert_string_equal(addr, "alerts@vigie.example");
    assert_int_equal(email_from_split("\"A, B\" <x@y.z>", name, sizeof name, addr, sizeof addr), 0);
    assert_string_equal(name, "A, B");
    assert_int_equal(email_from_split(" x@y.z ", name, sizeof name, addr, sizeof addr), 0);
    assert_string_equal(name, "");
    assert_int_equal(email_from_split("Vigie <x@y.z> trailing", name, sizeof name, addr, sizeof addr), -1);
    /* a bad recipient fails the build, naming it */
    struct email_mime m = {.from = "a@b.c", .to = "ok@x.y, not an address", .subject = "s", .id = "1", .text = "", .html = ""};
    size_t len;
    char err[128] = "";
    assert_null(email_mime_build(&m, &len, err, sizeof err));
    assert_non_null(strstr(err, "not an address"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accented_names_are_encoded_words),
        cmocka_unit_test(test_ascii_name_with_specials_is_quoted),
        cmocka_unit_test(test_crlf_in_a_title_adds_no_header),
        cmocka_unit_test(test_quoted_printable_lines_and_round_trip),
        cmocka_unit_test(test_boundary_in_no_body),
        cmocka_unit_test(test_long_subject_folds_within_78),
        cmocka_unit_test(test_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
