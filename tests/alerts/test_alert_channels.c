/* Unit tests of the alert channels' pure parts: the Standard Webhooks signature
 * (sinks/webhook_sign.c over util/vg_hmac.c: the spec's libraries' own test vector, the secret
 * format, base64 both ways with RFC 4648's vectors) and the Teams card (sinks/teams_render.c:
 * markdown made inert, the size limit met by leaving signals out, then by cutting the
 * evidence). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <string.h>

#include "sinks/teams_render.h"
#include "sinks/webhook_sign.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_hmac.h"

/* The vector the Standard Webhooks libraries test against (standard-webhooks/standard-webhooks,
 * libraries/ in every language: secret, id, timestamp, payload -> signature). */
#define V_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define V_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define V_TS "1614265330"
#define V_BODY "{\"test\": 2432232314}"
#define V_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

static void test_spec_vector(void **state)
{
    unsigned char *key;
    size_t n;
    char err[200];
    assert_int_equal(webhook_secret_key(V_SECRET, &key, &n, err, sizeof err), 0);
    assert_int_equal(n, 24);
    char *sig = webhook_signature(key, n, V_ID, V_TS, V_BODY, strlen(V_BODY));
    assert_string_equal(sig, V_SIG);
    vg_free(sig);
    /* One byte of the body changed: another signature. */
    sig = webhook_signature(key, n, V_ID, V_TS, "{\"test\": 2432232315}", strlen(V_BODY));
    assert_string_not_equal(sig, V_SIG);
    vg_free(sig);
    /* A '.' in the id or timestamp would make two messages sign alike: refused. */
    assert_null(webhook_signature(key, n, "msg.1", V_TS, V_BODY, strlen(V_BODY)));
    assert_null(webhook_signature(key, n, V_ID, "1614265330.5", V_BODY, strlen(V_BODY)));
    vg_free(key);
}

static void test_secret_format(void **state)
{
    unsigned char *key;
    size_t n;
    char err[200];
    assert_int_equal(webhook_secret_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &key, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "whsec_"));
    assert_int_equal(webhook_secret_key("whsec_not base64!", &key, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "not base64"));
    assert_null(strstr(err, "not base64!")); /* the secret is never quoted */
    /* 12 bytes: shorter than the spec's 24. */
    assert_int_equal(webhook_secret_key("whsec_AAAAAAAAAAAAAAAA", &key, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "12 bytes"));
    assert_int_equal(webhook_secret_key("", &key, &n, err, sizeof err), -1);
}

static void test_base64(void **state)
{
    /* RFC 4648 section 10. */
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        char *e = vg_base64(plain[i], strlen(plain[i]));
        assert_string_equal(e, enc[i]);
        vg_free(e);
        size_t n = 99;
        unsigned char *d = vg_base64_decode(enc[i], strlen(enc[i]), &n);
        assert_non_null(d);
        assert_int_equal(n, strlen(plain[i]));
        assert_memory_equal(d, plain[i], n);
        vg_free(d);
    }
    size_t n;
    assert_null(vg_base64_decode("Zg=", 3, &n));
    assert_null(vg_base64_decode("Z===", 4, &n));
    assert_null(vg_base64_decode("Zg=a", 4, &n));
    assert_null(vg_base64_decode("Zm9v YmFy", 9, &n));
    assert_null(vg_base64_decode("Zm9-", 4, &n)); /* base64url's alphabet is another */
}

static char *md(const char *s, size_t max)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    teams_text(&b, s, strlen(s), max);
    vg_buf_putc(&b, '\0');
    return vg_buf_steal(&b);
}

static void test_markdown_inert(void **state)
{
    char *t = md("**Bold** _it_ [click](https://evil.example/) `code` ~~x~~ # h \\*", 200);
    assert_null(strpbrk(t, "*_[]`~#\\"));
    assert_non_null(strstr(t, "Bold"));
    assert_non_null(strstr(t, "https://evil.example/")); /* the text stays, no link syntax */
    vg_free(t);
    /* A leading list, quote or numbered item; the same characters inside a line stay. */
    t = md("- item", 50);
    assert_string_equal(t, "\xe2\x80\x90 item");
    vg_free(t);
    t = md("> quoted - and + here", 50);
    assert_string_equal(t, "\xef\xbc\x9e quoted - and + here");
    vg_free(t);
    t = md("12. point 3.5", 50);
    assert_string_equal(t, "12\xe2\x80\xa4 point 3.5");
    vg_free(t);
    /* Line breaks and controls become one space; invalid UTF-8 U+FFFD; a long text is cut. */
    t = md("a\r\n\n\tb\x01 c \xff", 50);
    assert_string_equal(t, "a b c \xef\xbf\xbd");
    vg_free(t);
    t = md("abcdefghij", 4);
    assert_string_equal(t, "abcd\xe2\x80\xa6");
    vg_free(t);
    t = md("<script>alert(1)</script>", 50);
    assert_string_equal(t, "<script>alert(1)</script>"); /* TextBlock shows no HTML: it stays text */
    vg_free(t);
}

/* An alert of n signals (priorities 10, 11, ...), each with an evidence of ev_len bytes. */
static cJSON *big_alert(int n, size_t ev_len)
{
    cJSON *a = cJSON_CreateObject();
    cJSON *acct = cJSON_AddObjectToObject(a, "account");
    cJSON_AddStringToObject(acct, "id", "airbus");
    cJSON_AddStringToObject(acct, "name", "Airbus");
    cJSON *sigs = cJSON_AddArrayToObject(a, "signals");
    char *ev = vg_malloc(ev_len + 1);
    memset(ev, '*', ev_len);
    ev[ev_len] = '\0';
    for (int i = 0; i < n; i++) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "type", "funding");
        cJSON_AddNumberToObject(s, "priority", 10 + i);
        cJSON_AddStringToObject(s, "title", "A title");
        cJSON_AddStringToObject(s, "evidence", ev);
        cJSON_AddStringToObject(s, "url", "https://news.example.com/a");
        cJSON_AddItemToArray(sigs, s);
    }
    vg_free(ev);
    return a;
}

static void test_card_fits(void **state)
{
    size_t len, shown;
    char err[200];
    /* Five signals of 1000 escaped asterisks (3 bytes each): 4 KiB holds one of them, the
     * highest priority, and says how many more there are. */
    cJSON *a = big_alert(5, 1000);
    char *out = teams_render(a, 4096, &len, &shown, err, sizeof err);
    assert_non_null(out);
    assert_true(len <= 4096);
    assert_int_equal(len, strlen(out));
    assert_int_equal(shown, 1);
    assert_non_null(strstr(out, "priority 14"));
    assert_null(strstr(out, "priority 13"));
    assert_non_null(strstr(out, "4 more signals"));
    vg_free(out);
    cJSON_Delete(a);
    /* One signal too big alone: its evidence is cut (ends with "…"). */
    a = big_alert(1, 5000);
    out = teams_render(a, 4096, &len, &shown, err, sizeof err);
    assert_non_null(out);
    assert_true(len <= 4096);
    assert_int_equal(shown, 1);
    assert_non_null(strstr(out, "\xe2\x80\xa6\xe2\x80\x9d")); /* …” */
    vg_free(out);
    cJSON_Delete(a);
    /* Under the limit nothing is cut. */
    a = big_alert(3, 100);
    out = teams_render(a, 28 * 1024, &len, &shown, err, sizeof err);
    assert_non_null(out);
    assert_int_equal(shown, 3);
    assert_null(strstr(out, "more signal"));
    vg_free(out);
    cJSON_Delete(a);
    /* No signals: refused with a reason. */
    a = big_alert(0, 1);
    assert_null(teams_render(a, 4096, &len, &shown, err, sizeof err));
    assert_non_null(strstr(err, "no signals"));
    cJSON_Delete(a);
}

/* The Action.OpenUrl buttons of a card, "title=url;" each, in order. */
static void open_urls(const cJSON *node, struct vg_buf *b)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(node, "type");
    if (cJSON_IsString(type) && strcmp(type->valuestring, "Action.OpenUrl") == 0)
        vg_buf_printf(b, "%s=%s;", cJSON_GetObjectItemCaseSensitive(node, "title")->valuestring,
                      cJSON_GetObjectItemCaseSensitive(node, "url")->valuestring);
    const cJSON *c;
    cJSON_ArrayForEach(c, node) open_urls(c, b);
}

static char *buttons(const cJSON *a)
{
    size_t len, shown;
    char err[200];
    char *out = teams_render(a, 28 * 1024, &len, &shown, err, sizeof err);
    assert_non_null(out);
    cJSON *card = cJSON_Parse(out);
    vg_free(out);
    struct vg_buf b;
    vg_buf_init(&b, 0);
    vg_buf_puts(&b, "");
    open_urls(card, &b);
    cJSON_Delete(card);
    return vg_buf_steal(&b);
}

/* [console] public_url set (the account's console_url and console_base): each signal has an
 * "Open in vigie" button to its page, the card one to the account's; not set: neither. */
static void test_card_console_buttons(void **state)
{
    (void)state;
    cJSON *a = big_alert(2, 10);
    cJSON *s;
    int i = 0;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(a, "signals"))
        cJSON_AddStringToObject(s, "id", i++ ? "bbbb" : "aaaa");
    char *b = buttons(a);
    assert_string_equal(b, "Open the article=https://news.example.com/a;Open the article=https://news.example.com/a;");
    vg_free(b);
    cJSON *acct = cJSON_GetObjectItemCaseSensitive(a, "account");
    cJSON_AddStringToObject(acct, "console_url", "https://vigie.example.com/ui/accounts/airbus");
    cJSON_AddStringToObject(acct, "console_base", "https://vigie.example.com");
    b = buttons(a);
    /* highest priority first (bbbb), then the card's own action */
    assert_string_equal(b, "Open the article=https://news.example.com/a;"
                           "Open in vigie=https://vigie.example.com/ui/signals/bbbb;"
                           "Open the article=https://news.example.com/a;"
                           "Open in vigie=https://vigie.example.com/ui/signals/aaaa;"
                           "Open the account in vigie=https://vigie.example.com/ui/accounts/airbus;");
    vg_free(b);
    cJSON_ReplaceItemInObject(acct, "console_url", cJSON_CreateString("javascript:alert(1)"));
    cJSON_ReplaceItemInObject(acct, "console_base", cJSON_CreateString("javascript:alert(1)"));
    b = buttons(a);
    assert_null(strstr(b, "vigie"));
    vg_free(b);
    cJSON_Delete(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_vector),
        cmocka_unit_test(test_secret_format),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_markdown_inert),
        cmocka_unit_test(test_card_fits),
        cmocka_unit_test(test_card_console_buttons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
