/* fetch_addr — the destination address policy of the HTTP client.
 *
 * vigie fetches URLs that come from the outside world, and a feed, a redirect or a DNS answer
 * can point it at the machine's own services (Redis, the admin endpoint, a cloud metadata
 * server). This file decides, for one resolved address, whether a connection may be opened:
 * public unicast addresses are allowed; loopback, private, shared (carrier-grade NAT),
 * link-local, unspecified, multicast and reserved ranges are refused unless a CIDR of the
 * configured allow-list covers them. IPv6 forms that embed an IPv4 address (::ffff:a.b.c.d,
 * ::a.b.c.d, 64:ff9b::/96, 2002::/16) are judged by the IPv4 address inside them.
 *
 * The check runs on binary addresses (a sockaddr from curl's open-socket callback, or the
 * numeric string curl reports), never on URL text, so spellings such as 0x7f.1 or 2130706433
 * cannot slip past it. The HTTP client is its only user (fetch_http.c holds the policy,
 * fetch_easy.c checks every connection against it); it has no I/O and no state beyond the
 * parsed allow-list, so it is unit-tested directly. */
#ifndef FETCH_ADDR_H
#define FETCH_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

enum fetch_addr_class {
    FETCH_ADDR_PUBLIC = 0,
    FETCH_ADDR_UNSPECIFIED,   /* 0.0.0.0/8, :: */
    FETCH_ADDR_LOOPBACK,      /* 127/8, ::1 */
    FETCH_ADDR_PRIVATE,       /* 10/8, 172.16/12, 192.168/16, fec0::/10 */
    FETCH_ADDR_SHARED,        /* 100.64/10 (carrier-grade NAT) */
    FETCH_ADDR_LINK_LOCAL,    /* 169.254/16, fe80::/10 */
    FETCH_ADDR_UNIQUE_LOCAL,  /* fc00::/7 */
    FETCH_ADDR_MULTICAST,     /* 224/4, ff00::/8 */
    FETCH_ADDR_BROADCAST,     /* 255.255.255.255 */
    FETCH_ADDR_RESERVED,      /* documentation, benchmarking, 240/4, IETF, discard ... */
};

/* "loopback", "private", ... ("public" for FETCH_ADDR_PUBLIC). */
const char *fetch_addr_class_name(enum fetch_addr_class c);

/* Classifies a binary address: family is AF_INET (4 bytes) or AF_INET6 (16 bytes). */
enum fetch_addr_class fetch_addr_classify(int family, const unsigned char *addr);

struct fetch_addr_policy;

/* Parses the allow-list: CIDRs or bare addresses separated by commas and/or white space,
 * e.g. "127.0.0.0/8, ::1 10.1.0.0/16". NULL or "" allows nothing beyond public addresses.
 * Host bits below the prefix are ignored. Returns NULL with a message in err on a malformed
 * entry or when memory runs out. The caller frees the result with fetch_addr_policy_free. */
struct fetch_addr_policy *fetch_addr_policy_new(const char *allow_list, char *err, size_t errlen);
void fetch_addr_policy_free(struct fetch_addr_policy *p);
/* Number of CIDRs in the allow-list. */
size_t fetch_addr_policy_count(const struct fetch_addr_policy *p);

/* The check itself. Returns 0 when a connection to the address may be opened, -1 when it is
 * refused; then `why` holds a sentence such as
 * "127.0.0.1 is a loopback address (not in allow_private)". */
int fetch_addr_check(const struct fetch_addr_policy *p, int family, const unsigned char *addr,
                     char *why, size_t whylen);
/* Same for a struct sockaddr (AF_INET or AF_INET6; anything else is refused). */
int fetch_addr_check_sockaddr(const struct fetch_addr_policy *p, const struct sockaddr *sa,
                              size_t salen, char *why, size_t whylen);
/* Same for a numeric address string as curl reports it ("10.0.0.1", "::1"); a string that
 * is not a numeric address is refused. */
int fetch_addr_check_string(const struct fetch_addr_policy *p, const char *ip, char *why,
                            size_t whylen);

#endif
