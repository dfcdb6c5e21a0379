/* seen_cache — the items this process has had recorded in Redis lately, per source, so that a
 * poll that brings them again (a 200 of an unchanged feed) sends Redis only what is new.
 *
 * An entry is a 64-bit tag of (source id, URL key, fingerprint) and the time until which Redis
 * is known to remember that item as seen: the poller puts it when Redis has recorded the poll
 * that brought the item (vigie_complete records every item it checks as seen at that time,
 * for dedup_ttl), with that time + dedup_ttl. So the cache only skips what Redis knows as
 * seen, whatever other processes do; a cold cache (a restart) only costs the Redis checks.
 *
 * Bounded: 4-way sets of 16-byte entries, doubled whenever a set overflows, up to
 * max_entries; then a full set gives up the entry that expires first. Pure: the caller passes
 * the time. */
#ifndef FETCH_SEEN_CACHE_H
#define FETCH_SEEN_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct seen_cache;

/* max_entries is rounded down to a power of two (at least 64). NULL when out of memory. */
struct seen_cache *seen_cache_new(size_t max_entries);
void seen_cache_free(struct seen_cache *c);

/* The tag of an item of a source: its keys as the poller sends them (16 hex digits each). */
uint64_t seen_cache_tag(const char *source_id, const char *url_key, const char *fp_key);
/* The tag of a whole response body of a source: a poll whose body is known needs no parse
 * when every item of it is known (the poller puts it with the first of their times). */
uint64_t seen_cache_body_tag(const char *source_id, const void *body, size_t len);
/* 1 when the item is known as seen in Redis at now_ms. */
int seen_cache_has(const struct seen_cache *c, uint64_t tag, int64_t now_ms);
/* Until when the tag is known as seen (ms), or 0 when it is not held. */
int64_t seen_cache_until(const struct seen_cache *c, uint64_t tag);
/* Redis remembers the item as seen until until_ms. */
void seen_cache_put(struct seen_cache *c, uint64_t tag, int64_t until_ms);
/* Entries held, and room for them now (bytes = room * 16). */
size_t seen_cache_count(const struct seen_cache *c);
size_t seen_cache_room(const struct seen_cache *c);

#endif
