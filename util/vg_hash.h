/* vg_hash — FNV-1a, the one small non-cryptographic hash of the code base: hash tables, ids,
 * fingerprints. Inline, so a hash table's loop costs no call.
 *
 * Two offset bases. vg_fnv1a64 is FNV-1a as specified (offset basis 14695981039346656037).
 * vg_fnv1a64_legacy starts from 1469598103934665603, the standard basis with a digit lost,
 * which earlier versions used by mistake; the ids they stored in Redis depend on it (item ids
 * and so the items' dedup keys, default source ids, the story SimHash bands), so those keep
 * it to stay stable for data already there. Anything that lives in memory only uses the
 * standard one. */
#ifndef VG_HASH_H
#define VG_HASH_H

#include <stddef.h>
#include <stdint.h>

#define VG_FNV64_BASIS 14695981039346656037ULL
#define VG_FNV64_LEGACY_BASIS 1469598103934665603ULL
#define VG_FNV64_PRIME 1099511628211ULL

/* One byte into a running hash (for hashes built incrementally or with a seed). */
static inline uint64_t vg_fnv1a64_step(uint64_t h, unsigned char c) { return (h ^ c) * VG_FNV64_PRIME; }

static inline uint64_t vg_fnv1a64_from(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = vg_fnv1a64_step(h, p[i]);
    return h;
}

static inline uint64_t vg_fnv1a64_str_from(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = vg_fnv1a64_step(h, *p);
    return h;
}

static inline uint64_t vg_fnv1a64(const void *data, size_t len) { return vg_fnv1a64_from(VG_FNV64_BASIS, data, len); }
static inline uint64_t vg_fnv1a64_str(const char *s) { return vg_fnv1a64_str_from(VG_FNV64_BASIS, s); }
/* Only for ids already stored by earlier versions (see above). */
static inline uint64_t vg_fnv1a64_legacy_str(const char *s) { return vg_fnv1a64_str_from(VG_FNV64_LEGACY_BASIS, s); }

#endif
