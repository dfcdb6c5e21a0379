/* fetch_addr — destination address policy (see fetch_addr.h).
 *
 * The special ranges come from the IANA IPv4 and IPv6 special-purpose address registries
 * (RFC 6890 and its updates). Only ranges that can reach something other than the public
 * Internet are refused; global unicast space, including NAT64's 64:ff9b::/96 when the IPv4
 * address inside is public, stays allowed. */
#include "http/fetch_addr.h"
#include "util/vg_alloc.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

struct cidr {
    int family;              /* AF_INET or AF_INET6 */
    unsigned char net[16];   /* network address, host bits cleared */
    unsigned prefix;         /* 0..32 or 0..128 */
};

struct fetch_addr_policy {
    struct cidr *v;
    size_t n;
};

/* ------------------------------------------------------------------------------------------ */
/* Classification                                                                             */

struct range {
    unsigned char net[16];
    unsigned prefix;
    enum fetch_addr_class cls;
};

/* First match wins, so the broadcast address precedes 240.0.0.0/4. */
static const struct range v4_ranges[] = {
    {{0, 0, 0, 0}, 8, FETCH_ADDR_UNSPECIFIED},
    {{10, 0, 0, 0}, 8, FETCH_ADDR_PRIVATE},
    {{100, 64, 0, 0}, 10, FETCH_ADDR_SHARED},
    {{127, 0, 0, 0}, 8, FETCH_ADDR_LOOPBACK},
    {{169, 254, 0, 0}, 16, FETCH_ADDR_LINK_LOCAL},
    {{172, 16, 0, 0}, 12, FETCH_ADDR_PRIVATE},
    {{192, 0, 0, 0}, 24, FETCH_ADDR_RESERVED},      /* IETF protocol assignments */
    {{192, 0, 2, 0}, 24, FETCH_ADDR_RESERVED},      /* TEST-NET-1 */
    {{192, 88, 99, 0}, 24, FETCH_ADDR_RESERVED},    /* deprecated 6to4 relay anycast */
    {{192, 168, 0, 0}, 16, FETCH_ADDR_PRIVATE},
    {{198, 18, 0, 0}, 15, FETCH_ADDR_RESERVED},     /* benchmarking */
    {{198, 51, 100, 0}, 24, FETCH_ADDR_RESERVED},   /* TEST-NET-2 */
    {{203, 0, 113, 0}, 24, FETCH_ADDR_RESERVED},    /* TEST-NET-3 */
    {{224, 0, 0, 0}, 4, FETCH_ADDR_MULTICAST},
    {{255, 255, 255, 255}, 32, FETCH_ADDR_BROADCAST},
    {{240, 0, 0, 0}, 4, FETCH_ADDR_RESERVED},
};

/* IPv6 ranges that do not embed an IPv4 address (those are handled in v6_embedded()). First
 * match wins: 64:ff9b:1::/48 sits inside ::/8. */
static const struct range v6_ranges[] = {
    {{0}, 128, FETCH_ADDR_UNSPECIFIED},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, FETCH_ADDR_LOOPBACK},
    {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48, FETCH_ADDR_PRIVATE},  /* local-use NAT64 */
    {{0}, 8, FETCH_ADDR_RESERVED},                                   /* rest of ::/8 */
    {{0x01, 0x00}, 64, FETCH_ADDR_RESERVED},                         /* discard-only */
    {{0x20, 0x01, 0x0d, 0xb8}, 32, FETCH_ADDR_RESERVED},             /* documentation */
    {{0x3f, 0xff}, 20, FETCH_ADDR_RESERVED},                         /* documentation */
    {{0xfc}, 7, FETCH_ADDR_UNIQUE_LOCAL},
    {{0xfe, 0x80}, 10, FETCH_ADDR_LINK_LOCAL},
    {{0xfe, 0xc0}, 10, FETCH_ADDR_PRIVATE},                          /* old site-local */
    {{0xff}, 8, FETCH_ADDR_MULTICAST},
};

static const struct {
    const char *name;
    const char *phrase;
} class_text[] = {
    [FETCH_ADDR_PUBLIC] = {"public", "a public address"},
    [FETCH_ADDR_UNSPECIFIED] = {"unspecified", "an unspecified address"},
    [FETCH_ADDR_LOOPBACK] = {"loopback", "a loopback address"},
    [FETCH_ADDR_PRIVATE] = {"private", "a private address"},
    [FETCH_ADDR_SHARED] = {"shared", "a shared (carrier-grade NAT) address"},
    [FETCH_ADDR_LINK_LOCAL] = {"link-local", "a link-local address"},
    [FETCH_ADDR_UNIQUE_LOCAL] = {"unique-local", "a unique local address"},
    [FETCH_ADDR_MULTICAST] = {"multicast", "a multicast address"},
    [FETCH_ADDR_BROADCAST] = {"broadcast", "a broadcast address"},
    [FETCH_ADDR_RESERVED] = {"reserved", "a reserved address"},
};

const char *fetch_addr_class_name(enum fetch_addr_class c)
{
    if ((unsigned)c >= sizeof(class_text) / sizeof(class_text[0]))
        return "unknown";
    return class_text[c].name;
}

static int prefix_match(const unsigned char *addr, const unsigned char *net, unsigned prefix)
{
    unsigned whole = prefix / 8, bits = prefix % 8;
    if (memcmp(addr, net, whole) != 0)
        return 0;
    if (bits == 0)
        return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - bits));
    return (addr[whole] & mask) == (net[whole] & mask);
}

static enum fetch_addr_class classify_v4(const unsigned char *a)
{
    for (size_t i = 0; i < sizeof(v4_ranges) / sizeof(v4_ranges[0]); i++)
        if (prefix_match(a, v4_ranges[i].net, v4_ranges[i].prefix))
            return v4_ranges[i].cls;
    return FETCH_ADDR_PUBLIC;
}

/* Finds an IPv4 address carried inside an IPv6 one, in the forms a connection to the IPv6
 * address can actually end up at that IPv4 host: mapped (::ffff:a.b.c.d), the deprecated
 * compatible form (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::).
 * Returns 1 and fills v4 when there is one. */
static int v6_embedded(const unsigned char *a, unsigned char v4[4])
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char compat[12] = {0};
    static const unsigned char nat64[12] = {0x00, 0x64, 0xff, 0x9b};
    if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0) {
        memcpy(v4, a + 12, 4);
        return 1;
    }
    /* ::a.b.c.d, but not :: and ::1 which have their own meaning. */
    if (memcmp(a, compat, 12) == 0 && (a[12] | a[13]) != 0) {
        memcpy(v4, a + 12, 4);
        return 1;
    }
    if (a[0] == 0x20 && a[1] == 0x02) {
        memcpy(v4, a + 2, 4);
        return 1;
    }
    return 0;
}

static enum fetch_addr_class classify_v6(const unsigned char *a)
{
    unsigned char v4[4];
    if (v6_embedded(a, v4)) {
        enum fetch_addr_class c = classify_v4(v4);
        /* The compatible form (::a.b.c.d) is deprecated: nothing public is reached through
         * it, so only its non-public meanings are worth naming. */
        static const unsigned char compat[12] = {0};
        if (c == FETCH_ADDR_PUBLIC && memcmp(a, compat, 12) == 0)
            return FETCH_ADDR_RESERVED;
        return c;
    }
    for (size_t i = 0; i < sizeof(v6_ranges) / sizeof(v6_ranges[0]); i++)
        if (prefix_match(a, v6_ranges[i].net, v6_ranges[i].prefix))
            return v6_ranges[i].cls;
    return FETCH_ADDR_PUBLIC;
}

enum fetch_addr_class fetch_addr_classify(int family, const unsigned char *addr)
{
    if (family == AF_INET)
        return classify_v4(addr);
    if (family == AF_INET6)
        return classify_v6(addr);
    return FETCH_ADDR_RESERVED;
}

/* ------------------------------------------------------------------------------------------ */
/* Allow-list                                                                                 */

static int parse_cidr(const char *tok, size_t len, struct cidr *out, char *err, size_t errlen)
{
    char text[INET6_ADDRSTRLEN + 8];
    if (len >= sizeof(text)) {
        snprintf(err, errlen, "allow_private: '%.*s...' is not an address or CIDR", 40, tok);
        return -1;
    }
    memcpy(text, tok, len);
    text[len] = '\0';

    long prefix = -1;
    char *slash = strchr(text, '/');
    if (slash) {
        *slash = '\0';
        const char *p = slash + 1;
        if (!*p)
            goto bad;
        prefix = 0;
        for (; *p; p++) {
            if (*p < '0' || *p > '9' || prefix > 128)
                goto bad;
            prefix = prefix * 10 + (*p - '0');
        }
    }
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, text, out->net) == 1)
        out->family = AF_INET;
    else if (inet_pton(AF_INET6, text, out->net) == 1)
        out->family = AF_INET6;
    else
        goto bad;
    long max = out->family == AF_INET ? 32 : 128;
    if (prefix > max) {
        snprintf(err, errlen, "allow_private: '%.*s' has a prefix longer than /%ld", (int)len, tok,
                 max);
        return -1;
    }
    out->prefix = (unsigned)(prefix < 0 ? max : prefix);
    /* Clear host bits so matching compares networks only. */
    for (unsigned i = 0; i < 16; i++) {
        unsigned first = i * 8;
        if (first >= out->prefix)
            out->net[i] = 0;
        else if (out->prefix - first < 8)
            out->net[i] &= (unsigned char)(0xff << (8 - (out->prefix - first)));
    }
    return 0;
bad:
    snprintf(err, errlen, "allow_private: '%.*s' is not an address or CIDR", (int)len, tok);
    return -1;
}

static int is_sep(char c) { return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

struct fetch_addr_policy *fetch_addr_policy_new(const char *allow_list, char *err, size_t errlen)
{
    struct fetch_addr_policy *p = vg_calloc(1, sizeof(*p));
    if (!p)
        goto oom;
    if (!allow_list)
        return p;
    size_t count = 0;
    for (const char *s = allow_list; *s;) {
        while (*s && is_sep(*s))
            s++;
        if (!*s)
            break;
        count++;
        while (*s && !is_sep(*s))
            s++;
    }
    if (count == 0)
        return p;
    p->v = vg_calloc(count, sizeof(*p->v));
    if (!p->v)
        goto oom;
    for (const char *s = allow_list; *s;) {
        while (*s && is_sep(*s))
            s++;
        if (!*s)
            break;
        const char *start = s;
        while (*s && !is_sep(*s))
            s++;
        if (parse_cidr(start, (size_t)(s - start), &p->v[p->n], err, errlen) < 0)
            goto fail;
        p->n++;
    }
    return p;
oom:
    snprintf(err, errlen, "allow_private: out of memory");
fail:
    fetch_addr_policy_free(p);
    return NULL;
}

void fetch_addr_policy_free(struct fetch_addr_policy *p)
{
    if (!p)
        return;
    vg_free(p->v);
    vg_free(p);
}

size_t fetch_addr_policy_count(const struct fetch_addr_policy *p) { return p ? p->n : 0; }

static int listed(const struct fetch_addr_policy *p, int family, const unsigned char *addr)
{
    for (size_t i = 0; p && i < p->n; i++)
        if (p->v[i].family == family && prefix_match(addr, p->v[i].net, p->v[i].prefix))
            return 1;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Checks                                                                                     */

int fetch_addr_check(const struct fetch_addr_policy *p, int family, const unsigned char *addr,
                     char *why, size_t whylen)
{
    if (family != AF_INET && family != AF_INET6) {
        snprintf(why, whylen, "address family %d is not allowed", family);
        return -1;
    }
    enum fetch_addr_class c = fetch_addr_classify(family, addr);
    if (c == FETCH_ADDR_PUBLIC)
        return 0;
    if (listed(p, family, addr))
        return 0;
    /* An allow-listed IPv4 network also covers its IPv6 spellings (::ffff:127.0.0.1). */
    unsigned char v4[4];
    if (family == AF_INET6 && v6_embedded(addr, v4) && listed(p, AF_INET, v4))
        return 0;
    char text[INET6_ADDRSTRLEN];
    if (!inet_ntop(family, addr, text, sizeof(text)))
        snprintf(text, sizeof(text), "?");
    snprintf(why, whylen, "%s is %s (not in allow_private)", text, class_text[c].phrase);
    return -1;
}

int fetch_addr_check_sockaddr(const struct fetch_addr_policy *p, const struct sockaddr *sa,
                              size_t salen, char *why, size_t whylen)
{
    if (sa && sa->sa_family == AF_INET && salen >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return fetch_addr_check(p, AF_INET, (const unsigned char *)&in->sin_addr, why, whylen);
    }
    if (sa && sa->sa_family == AF_INET6 && salen >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        return fetch_addr_check(p, AF_INET6, (const unsigned char *)&in6->sin6_addr, why,
                                whylen);
    }
    snprintf(why, whylen, "address family %d is not allowed", sa ? sa->sa_family : -1);
    return -1;
}

int fetch_addr_check_string(const struct fetch_addr_policy *p, const char *ip, char *why,
                            size_t whylen)
{
    unsigned char a[16];
    if (ip && inet_pton(AF_INET, ip, a) == 1)
        return fetch_addr_check(p, AF_INET, a, why, whylen);
    if (ip && inet_pton(AF_INET6, ip, a) == 1)
        return fetch_addr_check(p, AF_INET6, a, why, whylen);
    snprintf(why, whylen, "'%.60s' is not a numeric address", ip ? ip : "(none)");
    return -1;
}
