/* fetch_urls — URLs parsed once, for every request to them (see fetch_urls.h).
 *
 * A chained hash table of entries. An entry no request holds is also on the idle list, oldest
 * first; when the idle ones weigh more than the budget, the oldest go. An entry's weight is an
 * estimate of its memory: the URL twice (ours, and curl's parts of it), the host, and the
 * structures around them. */
#include "http/fetch_urls.h"
#include "util/vg_hash.h"
#include "util/vg_alloc.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

struct entry {
    struct fetch_url pub;           /* first member: what callers get */
    uint64_t hash;
    size_t weight;
    unsigned refs;
    struct entry *chain;            /* next in the bucket */
    struct entry *older, *newer;    /* the idle list, while refs == 0 */
};

struct fetch_urls {
    struct entry **buckets;
    size_t nbuckets, count, idle_bytes, max_idle_bytes;
    struct entry *oldest, *newest;
    unsigned long long hits;
};

static uint64_t hash_url(const char *s) { return vg_fnv1a64_str(s); }

struct fetch_urls *fetch_urls_new(size_t max_idle_bytes)
{
    struct fetch_urls *u = vg_calloc(1, sizeof(*u));
    if (!u)
        return NULL;
    u->nbuckets = 256;
    u->max_idle_bytes = max_idle_bytes;
    if (!(u->buckets = vg_calloc(u->nbuckets, sizeof(*u->buckets)))) {
        vg_free(u);
        return NULL;
    }
    return u;
}

static void entry_free(struct entry *e)
{
    curl_url_cleanup(e->pub.cu);
    vg_free((char *)e->pub.host);
    vg_free((char *)e->pub.url);
    vg_free(e);
}

void fetch_urls_free(struct fetch_urls *u)
{
    if (!u)
        return;
    for (size_t i = 0; i < u->nbuckets; i++)
        for (struct entry *e = u->buckets[i], *next; e; e = next) {
            next = e->chain;
            entry_free(e);
        }
    vg_free(u->buckets);
    vg_free(u);
}

static void idle_unlink(struct fetch_urls *u, struct entry *e)
{
    if (e->older)
        e->older->newer = e->newer;
    else
        u->oldest = e->newer;
    if (e->newer)
        e->newer->older = e->older;
    else
        u->newest = e->older;
    e->older = e->newer = NULL;
    u->idle_bytes -= e->weight;
}

static void remove_entry(struct fetch_urls *u, struct entry *e)
{
    struct entry **p = &u->buckets[e->hash & (u->nbuckets - 1)];
    while (*p != e)
        p = &(*p)->chain;
    *p = e->chain;
    u->count--;
    entry_free(e);
}

/* Doubles the table when it holds more entries than buckets; stays as is if that fails. */
static void grow(struct fetch_urls *u)
{
    size_t n = u->nbuckets * 2;
    struct entry **b = vg_calloc(n, sizeof(*b));
    if (!b)
        return;
    for (size_t i = 0; i < u->nbuckets; i++)
        for (struct entry *e = u->buckets[i], *next; e; e = next) {
            next = e->chain;
            e->chain = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
        }
    vg_free(u->buckets);
    u->buckets = b;
    u->nbuckets = n;
}

/* The host key, as fetch_http's per-host limits want it: "" for file:// and for a URL curl
 * cannot parse. (A URL without a scheme is https, as CURLOPT_DEFAULT_PROTOCOL says.) */
static int parse(struct entry *e)
{
    CURLU *cu = curl_url();
    if (!cu)
        return -1;
    char *scheme = NULL, *host = NULL;
    if (curl_url_set(cu, CURLUPART_URL, e->pub.url, CURLU_DEFAULT_SCHEME | CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
        curl_url_cleanup(cu);
        cu = NULL;
    }
    int hosted = cu && curl_url_get(cu, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
                 strcasecmp(scheme, "file") != 0 && curl_url_get(cu, CURLUPART_HOST, &host, 0) == CURLUE_OK;
    e->pub.cu = cu;
    e->pub.host = vg_strdup(hosted ? host : "");
    e->weight = sizeof(*e) + 2 * strlen(e->pub.url) + (hosted ? strlen(host) : 0) + 256;
    curl_free(scheme);
    curl_free(host);
    return e->pub.host ? 0 : -1;
}

const struct fetch_url *fetch_urls_get(struct fetch_urls *u, const char *url)
{
    uint64_t h = hash_url(url);
    for (struct entry *e = u->buckets[h & (u->nbuckets - 1)]; e; e = e->chain)
        if (e->hash == h && strcmp(e->pub.url, url) == 0) {
            if (e->refs++ == 0)
                idle_unlink(u, e);
            u->hits++;
            return &e->pub;
        }
    struct entry *e = vg_calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->hash = h;
    e->refs = 1;
    if (!(e->pub.url = vg_strdup(url)) || parse(e) < 0) {
        entry_free(e);
        return NULL;
    }
    if (u->count >= u->nbuckets)
        grow(u);
    struct entry **b = &u->buckets[h & (u->nbuckets - 1)];
    e->chain = *b;
    *b = e;
    u->count++;
    return &e->pub;
}

void fetch_urls_release(struct fetch_urls *u, const struct fetch_url *pub)
{
    if (!pub)
        return;
    struct entry *e = (struct entry *)pub;
    if (--e->refs > 0)
        return;
    e->older = u->newest;
    e->newer = NULL;
    if (u->newest)
        u->newest->newer = e;
    else
        u->oldest = e;
    u->newest = e;
    u->idle_bytes += e->weight;
    while (u->idle_bytes > u->max_idle_bytes) {
        struct entry *old = u->oldest;
        idle_unlink(u, old);
        remove_entry(u, old);
    }
}

size_t fetch_urls_count(const struct fetch_urls *u) { return u->count; }

unsigned long long fetch_urls_hits(const struct fetch_urls *u) { return u->hits; }
