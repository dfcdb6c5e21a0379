/* seen_cache — a bounded cache of items known as seen in Redis (see seen_cache.h). */
#include "fetchers/seen_cache.h"
#include "util/vg_alloc.h"
#include "util/vg_hash.h"

#include <stdlib.h>
#include <string.h>

#define WAYS 4
#define MIN_ENTRIES 1024

struct entry {
    uint64_t tag;     /* 0: empty */
    int64_t until_ms;
};

struct seen_cache {
    struct entry *v;
    size_t nsets, count, max_sets;
};

/* The tags are hashes already; this spreads them over the sets whatever bits vary. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

struct seen_cache *seen_cache_new(size_t max_entries)
{
    struct seen_cache *c = vg_calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    size_t max_sets = MIN_ENTRIES / WAYS;
    while (max_sets * 2 * WAYS <= max_entries)
        max_sets *= 2;
    c->max_sets = max_sets;
    c->nsets = MIN_ENTRIES / WAYS < max_sets ? MIN_ENTRIES / WAYS : max_sets;
    c->v = vg_calloc(c->nsets * WAYS, sizeof(*c->v));
    if (!c->v) {
        vg_free(c);
        return NULL;
    }
    return c;
}

void seen_cache_free(struct seen_cache *c)
{
    if (!c)
        return;
    vg_free(c->v);
    vg_free(c);
}

uint64_t seen_cache_tag(const char *source_id, const char *url_key, const char *fp_key)
{
    uint64_t h = vg_fnv1a64_str(source_id);
    h = mix(h ^ strtoull(url_key, NULL, 16));
    h = mix(h ^ strtoull(fp_key, NULL, 16));
    return h ? h : 1;
}

uint64_t seen_cache_body_tag(const char *source_id, const void *body, size_t len)
{
    /* the constant keeps a body's tag apart from an item's of the same source */
    uint64_t h = mix(vg_fnv1a64_str(source_id) ^ 0x626f6479626f6479ULL);
    h = mix(h ^ vg_fnv1a64(body, len));
    h = mix(h ^ (uint64_t)len);
    return h ? h : 1;
}

static struct entry *set_of(const struct seen_cache *c, uint64_t tag)
{
    return &c->v[(mix(tag) & (c->nsets - 1)) * WAYS];
}

int seen_cache_has(const struct seen_cache *c, uint64_t tag, int64_t now_ms)
{
    return seen_cache_until(c, tag) > now_ms;
}

int64_t seen_cache_until(const struct seen_cache *c, uint64_t tag)
{
    const struct entry *s = set_of(c, tag);
    for (int i = 0; i < WAYS; i++)
        if (s[i].tag == tag)
            return s[i].until_ms;
    return 0;
}

/* Puts without growing: 1 when it took an empty way, 0 when it renewed the tag, -1 when the
 * set is full of other tags (nothing done, unless `evict`: then the one expiring first goes). */
static int place(struct seen_cache *c, uint64_t tag, int64_t until_ms, int evict)
{
    struct entry *s = set_of(c, tag), *victim = NULL;
    for (int i = 0; i < WAYS; i++) {
        if (s[i].tag == tag) {
            s[i].until_ms = until_ms;
            return 0;
        }
        if (!victim || (victim->tag && (!s[i].tag || s[i].until_ms < victim->until_ms)))
            victim = &s[i];
    }
    if (victim->tag && !evict)
        return -1;
    int took = victim->tag == 0;
    victim->tag = tag;
    victim->until_ms = until_ms;
    return took;
}

/* Twice the sets, when that fits the bound; the entries are placed again (one that finds its
 * new set full is dropped: rare, as the sets are half as full). 0, or -1 when it cannot grow
 * (at the bound, or out of memory: the cache then gives up entries sooner). */
static int grow(struct seen_cache *c)
{
    if (c->nsets >= c->max_sets)
        return -1;
    struct entry *old = c->v;
    size_t n = c->nsets * WAYS;
    struct entry *nv = vg_calloc(n * 2, sizeof(*nv));
    if (!nv)
        return -1;
    c->v = nv;
    c->nsets *= 2;
    c->count = 0;
    for (size_t i = 0; i < n; i++)
        if (old[i].tag)
            c->count += place(c, old[i].tag, old[i].until_ms, 0) == 1;
    vg_free(old);
    return 0;
}

/* The cache grows as soon as a set overflows, so that it gives up entries only at its bound. */
void seen_cache_put(struct seen_cache *c, uint64_t tag, int64_t until_ms)
{
    int r;
    while ((r = place(c, tag, until_ms, 0)) < 0 && grow(c) == 0)
        ;
    if (r < 0)
        r = place(c, tag, until_ms, 1);
    c->count += r == 1;
}

size_t seen_cache_count(const struct seen_cache *c) { return c->count; }
size_t seen_cache_room(const struct seen_cache *c) { return c->nsets * WAYS; }
