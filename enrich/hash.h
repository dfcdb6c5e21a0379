/* hash — the small non-cryptographic hashes enrich/ shares (ids, story SimHash). */
#ifndef ENRICH_HASH_H
#define ENRICH_HASH_H

#include <stdint.h>

/* A 64-bit finaliser (murmur3's): every input bit affects every output bit. */
static inline uint64_t enrich_mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

#endif
