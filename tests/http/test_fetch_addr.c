/* test_fetch_addr — the destination address policy (http/fetch_addr.c).
 *
 * The policy is what stands between a hostile feed or redirect and the machine's own services,
 * so these tests walk the special ranges one by one, the IPv6 spellings of IPv4 addresses, the
 * allow-list syntax and its errors, and the exact sentences the scheduler shows to users. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "util/vg_alloc.h"
#include "http/fetch_addr.h"

static enum fetch_addr_class classify(const char *ip)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, ip, a) == 1)
        return fetch_addr_classify(AF_INET, a);
    assert_int_equal(inet_pton(AF_INET6, ip, a), 1);
    return fetch_addr_classify(AF_INET6, a);
}

static void test_ipv4_ranges(void **state)
{
    (void)state;
    static const struct {
        const char *ip;
        enum fetch_addr_class cls;
    } cases[] = {
        {"8.8.8.8", FETCH_ADDR_PUBLIC},
        {"1.1.1.1", FETCH_ADDR_PUBLIC},
        {"93.184.216.34", FETCH_ADDR_PUBLIC},
        {"0.0.0.0", FETCH_ADDR_UNSPECIFIED},
        {"0.1.2.3", FETCH_ADDR_UNSPECIFIED},
        {"127.0.0.1", FETCH_ADDR_LOOPBACK},
        {"127.255.255.254", FETCH_ADDR_LOOPBACK},
        {"10.0.0.1", FETCH_ADDR_PRIVATE},
        {"10.255.255.1", FETCH_ADDR_PRIVATE},
        {"172.16.0.1", FETCH_ADDR_PRIVATE},
        {"172.31.255.255", FETCH_ADDR_PRIVATE},
        {"172.32.0.1", FETCH_ADDR_PUBLIC},     /* just past 172.16/12 */
        {"172.15.255.255", FETCH_ADDR_PUBLIC},
        {"192.168.1.1", FETCH_ADDR_PRIVATE},
        {"100.64.0.1", FETCH_ADDR_SHARED},
        {"100.127.255.255", FETCH_ADDR_SHARED},
        {"100.128.0.1", FETCH_ADDR_PUBLIC},    /* just past 100.64/10 */
        {"169.254.169.254", FETCH_ADDR_LINK_LOCAL},
        {"224.0.0.1", FETCH_ADDR_MULTICAST},
        {"239.255.255.250", FETCH_ADDR_MULTICAST},
        {"255.255.255.255", FETCH_ADDR_BROADCAST},
        {"240.0.0.1", FETCH_ADDR_RESERVED},
        {"192.0.2.1", FETCH_ADDR_RESERVED},
        {"198.18.0.1", FETCH_ADDR_RESERVED},
        {"198.51.100.7", FETCH_ADDR_RESERVED},
        {"203.0.113.9", FETCH_ADDR_RESERVED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum fetch_addr_class got = classify(cases[i].ip);
        if (got != cases[i].cls)
            fail_msg("%s: got %s, want %s", cases[i].ip, fetch_addr_class_name(got),
                     fetch_addr_class_name(cases[i].cls));
    }
}

static void test_ipv6_ranges_and_embedded_ipv4(void **state)
{
    (void)state;
    static const struct {
        const char *ip;
        enum fetch_addr_class cls;
    } cases[] = {
        {"2606:4700:4700::1111", FETCH_ADDR_PUBLIC},
        {"2a00:1450:4007:80e::200e", FETCH_ADDR_PUBLIC},
        {"::", FETCH_ADDR_UNSPECIFIED},
        {"::1", FETCH_ADDR_LOOPBACK},
        {"::2", FETCH_ADDR_RESERVED},
        {"fe80::1", FETCH_ADDR_LINK_LOCAL},
        {"febf::1", FETCH_ADDR_LINK_LOCAL},
        {"fec0::1", FETCH_ADDR_PRIVATE},
        {"fc00::1", FETCH_ADDR_UNIQUE_LOCAL},
        {"fd12:3456::1", FETCH_ADDR_UNIQUE_LOCAL},
        {"ff02::1", FETCH_ADDR_MULTICAST},
        {"2001:db8::1", FETCH_ADDR_RESERVED},
        {"100::1", FETCH_ADDR_RESERVED},
        /* IPv4 inside IPv6: judged by the IPv4 address. */
        {"::ffff:127.0.0.1", FETCH_ADDR_LOOPBACK},
        {"::ffff:7f00:1", FETCH_ADDR_LOOPBACK},
        {"::ffff:10.0.0.1", FETCH_ADDR_PRIVATE},
        {"::ffff:169.254.169.254", FETCH_ADDR_LINK_LOCAL},
        {"::ffff:0.0.0.0", FETCH_ADDR_UNSPECIFIED},
        {"::ffff:8.8.8.8", FETCH_ADDR_PUBLIC},
        {"::127.0.0.1", FETCH_ADDR_LOOPBACK},      /* deprecated compatible form */
        {"::8.8.8.8", FETCH_ADDR_RESERVED},        /* ... which reaches nothing public */
        {"64:ff9b::7f00:1", FETCH_ADDR_LOOPBACK},  /* NAT64 */
        {"64:ff9b::808:808", FETCH_ADDR_PUBLIC},
        {"64:ff9b:1::1", FETCH_ADDR_PRIVATE},      /* local-use NAT64 */
        {"2002:a00:1::1", FETCH_ADDR_PRIVATE},     /* 6to4 of 10.0.0.1 */
        {"2002:c0a8:101::", FETCH_ADDR_PRIVATE},   /* 6to4 of 192.168.1.1 */
        {"2002:808:808::1", FETCH_ADDR_PUBLIC},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum fetch_addr_class got = classify(cases[i].ip);
        if (got != cases[i].cls)
            fail_msg("%s: got %s, want %s", cases[i].ip, fetch_addr_class_name(got),
                     fetch_addr_class_name(cases[i].cls));
    }
}

static void test_refusal_sentences(void **state)
{
    (void)state;
    char err[128], why[192];
    struct fetch_addr_policy *p = fetch_addr_policy_new(NULL, err, sizeof(err));
    assert_non_null(p);
    assert_int_equal(fetch_addr_policy_count(p), 0);

    assert_int_equal(fetch_addr_check_string(p, "127.0.0.1", why, sizeof(why)), -1);
    assert_string_equal(why, "127.0.0.1 is a loopback address (not in allow_private)");
    assert_int_equal(fetch_addr_check_string(p, "::ffff:127.0.0.1", why, sizeof(why)), -1);
    assert_string_equal(why, "::ffff:127.0.0.1 is a loopback address (not in allow_private)");
    assert_int_equal(fetch_addr_check_string(p, "10.255.255.1", why, sizeof(why)), -1);
    assert_string_equal(why, "10.255.255.1 is a private address (not in allow_private)");
    assert_int_equal(fetch_addr_check_string(p, "0.0.0.0", why, sizeof(why)), -1);
    assert_string_equal(why, "0.0.0.0 is an unspecified address (not in allow_private)");
    assert_int_equal(fetch_addr_check_string(p, "::", why, sizeof(why)), -1);
    assert_string_equal(why, ":: is an unspecified address (not in allow_private)");
    assert_int_equal(fetch_addr_check_string(p, "100.64.1.2", why, sizeof(why)), -1);
    assert_string_equal(why,
                        "100.64.1.2 is a shared (carrier-grade NAT) address (not in allow_private)");
    assert_int_equal(fetch_addr_check_string(p, "fe80::1", why, sizeof(why)), -1);
    assert_string_equal(why, "fe80::1 is a link-local address (not in allow_private)");
    assert_int_equal(fetch_addr_check_string(p, "ff02::1", why, sizeof(why)), -1);
    assert_string_equal(why, "ff02::1 is a multicast address (not in allow_private)");

    /* Public addresses pass, and leave `why` alone. */
    strcpy(why, "untouched");
    assert_int_equal(fetch_addr_check_string(p, "93.184.216.34", why, sizeof(why)), 0);
    assert_int_equal(fetch_addr_check_string(p, "2606:4700:4700::1111", why, sizeof(why)), 0);
    assert_string_equal(why, "untouched");

    /* Only numeric addresses: names, scoped and odd IPv4 spellings are refused. */
    assert_int_equal(fetch_addr_check_string(p, "localhost", why, sizeof(why)), -1);
    assert_int_equal(fetch_addr_check_string(p, "fe80::1%eth0", why, sizeof(why)), -1);
    assert_int_equal(fetch_addr_check_string(p, "0x7f.1", why, sizeof(why)), -1);
    assert_int_equal(fetch_addr_check_string(p, "", why, sizeof(why)), -1);
    assert_int_equal(fetch_addr_check_string(p, NULL, why, sizeof(why)), -1);

    /* A tiny buffer truncates the sentence but never overflows. */
    char tiny[8];
    assert_int_equal(fetch_addr_check_string(p, "127.0.0.1", tiny, sizeof(tiny)), -1);
    assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
    fetch_addr_policy_free(p);
}

static void test_allow_list(void **state)
{
    (void)state;
    char err[128], why[192];
    struct fetch_addr_policy *p =
        fetch_addr_policy_new(" 127.0.0.0/8,::1\t10.1.2.3/16 ,, 192.168.7.7", err, sizeof(err));
    assert_non_null(p);
    assert_int_equal(fetch_addr_policy_count(p), 4);

    assert_int_equal(fetch_addr_check_string(p, "127.0.0.1", why, sizeof(why)), 0);
    assert_int_equal(fetch_addr_check_string(p, "127.45.6.7", why, sizeof(why)), 0);
    assert_int_equal(fetch_addr_check_string(p, "::1", why, sizeof(why)), 0);
    /* An allowed IPv4 network covers its IPv6 spellings. */
    assert_int_equal(fetch_addr_check_string(p, "::ffff:127.0.0.1", why, sizeof(why)), 0);
    /* Host bits in a CIDR are ignored: 10.1.2.3/16 is 10.1.0.0/16. */
    assert_int_equal(fetch_addr_check_string(p, "10.1.200.9", why, sizeof(why)), 0);
    assert_int_equal(fetch_addr_check_string(p, "10.2.0.1", why, sizeof(why)), -1);
    assert_string_equal(why, "10.2.0.1 is a private address (not in allow_private)");
    /* A bare address is a /32. */
    assert_int_equal(fetch_addr_check_string(p, "192.168.7.7", why, sizeof(why)), 0);
    assert_int_equal(fetch_addr_check_string(p, "192.168.7.8", why, sizeof(why)), -1);
    /* Other ranges stay refused. */
    assert_int_equal(fetch_addr_check_string(p, "169.254.169.254", why, sizeof(why)), -1);
    assert_int_equal(fetch_addr_check_string(p, "::2", why, sizeof(why)), -1);
    assert_int_equal(fetch_addr_check_string(p, "fd00::1", why, sizeof(why)), -1);
    fetch_addr_policy_free(p);

    /* Odd prefix lengths match bit by bit. */
    p = fetch_addr_policy_new("100.64.0.0/10 fd00::/9", err, sizeof(err));
    assert_non_null(p);
    assert_int_equal(fetch_addr_check_string(p, "100.127.1.1", why, sizeof(why)), 0);
    assert_int_equal(fetch_addr_check_string(p, "fd7f::1", why, sizeof(why)), 0);
    assert_int_equal(fetch_addr_check_string(p, "fd80::1", why, sizeof(why)), -1);
    fetch_addr_policy_free(p);

    p = fetch_addr_policy_new("0.0.0.0/0", err, sizeof(err));
    assert_non_null(p);
    assert_int_equal(fetch_addr_check_string(p, "10.9.8.7", why, sizeof(why)), 0);
    assert_int_equal(fetch_addr_check_string(p, "fe80::1", why, sizeof(why)), -1);
    fetch_addr_policy_free(p);

    p = fetch_addr_policy_new("", err, sizeof(err));
    assert_non_null(p);
    assert_int_equal(fetch_addr_policy_count(p), 0);
    fetch_addr_policy_free(p);
    fetch_addr_policy_free(NULL);
}

static void test_allow_list_errors(void **state)
{
    (void)state;
    static const struct {
        const char *list;
        const char *message;
    } cases[] = {
        {"127.0.0.0/33", "allow_private: '127.0.0.0/33' has a prefix longer than /32"},
        {"::1/129", "allow_private: '::1/129' has a prefix longer than /128"},
        {"10.0.0.0/8 localhost", "allow_private: 'localhost' is not an address or CIDR"},
        {"10.0.0.0/", "allow_private: '10.0.0.0/' is not an address or CIDR"},
        {"10.0.0.0/8x", "allow_private: '10.0.0.0/8x' is not an address or CIDR"},
        {"10.0.0.0/-1", "allow_private: '10.0.0.0/-1' is not an address or CIDR"},
        {"10.0.0.0/99999999999", "allow_private: '10.0.0.0/99999999999' is not an address or "
                                 "CIDR"},
        {"1.2.3", "allow_private: '1.2.3' is not an address or CIDR"},
        {"0x7f.0.0.1/8", "allow_private: '0x7f.0.0.1/8' is not an address or CIDR"},
        {"127.0.0.1;rm", "allow_private: '127.0.0.1;rm' is not an address or CIDR"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[128] = "";
        struct fetch_addr_policy *p = fetch_addr_policy_new(cases[i].list, err, sizeof(err));
        if (p)
            fail_msg("'%s' was accepted", cases[i].list);
        assert_string_equal(err, cases[i].message);
    }
    /* A very long token is refused without overflowing anything. */
    char longtok[600];
    memset(longtok, '1', sizeof(longtok) - 1);
    longtok[sizeof(longtok) - 1] = '\0';
    char err[128];
    assert_null(fetch_addr_policy_new(longtok, err, sizeof(err)));
    assert_non_null(strstr(err, "is not an address or CIDR"));
}

static void test_sockaddr_check(void **state)
{
    (void)state;
    char err[128], why[192];
    struct fetch_addr_policy *p = fetch_addr_policy_new("127.0.0.0/8", err, sizeof(err));
    assert_non_null(p);

    struct sockaddr_in in4;
    memset(&in4, 0, sizeof(in4));
    in4.sin_family = AF_INET;
    in4.sin_port = htons(80);
    inet_pton(AF_INET, "169.254.169.254", &in4.sin_addr);
    assert_int_equal(fetch_addr_check_sockaddr(p, (struct sockaddr *)&in4, sizeof(in4), why,
                                               sizeof(why)),
                     -1);
    assert_string_equal(why, "169.254.169.254 is a link-local address (not in allow_private)");
    inet_pton(AF_INET, "127.0.0.1", &in4.sin_addr);
    assert_int_equal(fetch_addr_check_sockaddr(p, (struct sockaddr *)&in4, sizeof(in4), why,
                                               sizeof(why)),
                     0);
    /* A truncated sockaddr is refused, not read past its end. */
    assert_int_equal(fetch_addr_check_sockaddr(p, (struct sockaddr *)&in4, 4, why, sizeof(why)),
                     -1);

    struct sockaddr_in6 in6;
    memset(&in6, 0, sizeof(in6));
    in6.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "::ffff:10.0.0.1", &in6.sin6_addr);
    assert_int_equal(fetch_addr_check_sockaddr(p, (struct sockaddr *)&in6, sizeof(in6), why,
                                               sizeof(why)),
                     -1);
    assert_string_equal(why, "::ffff:10.0.0.1 is a private address (not in allow_private)");
    inet_pton(AF_INET6, "::ffff:127.0.0.2", &in6.sin6_addr);
    assert_int_equal(fetch_addr_check_sockaddr(p, (struct sockaddr *)&in6, sizeof(in6), why,
                                               sizeof(why)),
                     0);
    inet_pton(AF_INET6, "2606:4700:4700::1111", &in6.sin6_addr);
    assert_int_equal(fetch_addr_check_sockaddr(p, (struct sockaddr *)&in6, sizeof(in6), why,
                                               sizeof(why)),
                     0);

    struct sockaddr_un un;
    memset(&un, 0, sizeof(un));
    un.sun_family = AF_UNIX;
    assert_int_equal(fetch_addr_check_sockaddr(p, (struct sockaddr *)&un, sizeof(un), why,
                                               sizeof(why)),
                     -1);
    assert_string_equal(why, "address family 1 is not allowed");
    assert_int_equal(fetch_addr_check_sockaddr(p, NULL, 0, why, sizeof(why)), -1);
    fetch_addr_policy_free(p);
}

static void test_out_of_memory(void **state)
{
    (void)state;
    /* Every allocation of the parser can fail; each failure is reported, nothing leaks. */
    for (long n = 0; n < 2; n++) {
        char err[128] = "";
        vg_alloc_fail_after(n);
        struct fetch_addr_policy *p = fetch_addr_policy_new("127.0.0.0/8", err, sizeof(err));
        vg_alloc_fail_after(-1);
        assert_null(p);
        assert_string_equal(err, "allow_private: out of memory");
    }
    char err[128];
    vg_alloc_fail_after(2);
    struct fetch_addr_policy *p = fetch_addr_policy_new("127.0.0.0/8", err, sizeof(err));
    vg_alloc_fail_after(-1);
    assert_non_null(p);
    fetch_addr_policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_ranges),
        cmocka_unit_test(test_ipv6_ranges_and_embedded_ipv4),
        cmocka_unit_test(test_refusal_sentences),
        cmocka_unit_test(test_allow_list),
        cmocka_unit_test(test_allow_list_errors),
        cmocka_unit_test(test_sockaddr_check),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
