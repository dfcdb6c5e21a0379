/* story — telling whether two items tell the same story: a 64-bit SimHash of an item's
 * normalised words and word pairs. Syndicated copies of one dispatch (a different headline
 * suffix, an edited sentence) land a few bits apart; unrelated items about half the bits
 * apart. The queue's story clustering compares them (queue/lua/vigie.lua: Hamming distance <= 3). */
#ifndef ENRICH_STORY_H
#define ENRICH_STORY_H

#include <stddef.h>
#include <stdint.h>

/* SimHash of title + summary (either may be NULL); 0 when they hold no word. */
uint64_t enrich_simhash(const char *title, const char *summary);
/* Number of differing bits. */
int enrich_simhash_distance(uint64_t a, uint64_t b);

#endif
