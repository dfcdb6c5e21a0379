/* story — SimHash of an item's text (see story.h). */
#include "enrich/story.h"
#include "util/vg_hash.h"
#include "enrich/hash.h"
#include "enrich/norm.h"
#include "util/vg_alloc.h"

#include <string.h>

/* A 64-bit hash of a feature (FNV-1a, then a finaliser so nearby features spread over every
 * bit: SimHash needs independent bits). The legacy basis: SimHash bands are stored in Redis. */
static uint64_t feature_hash(const char *s, size_t len, uint64_t seed)
{
    return enrich_mix64(vg_fnv1a64_from(VG_FNV64_LEGACY_BASIS ^ seed, s, len));
}

static void add(int *w, uint64_t h, int weight)
{
    for (int b = 0; b < 64; b++)
        w[b] += (h >> b) & 1 ? weight : -weight;
}

/* Words of one or two letters ("le", "of", "a") say little about the story. */
static int meaningful(size_t len) { return len > 2; }

static void add_text(int *w, const char *text)
{
    if (!text || !*text)
        return;
    size_t n = 0;
    char *norm = enrich_norm(text, strlen(text), NULL, &n);
    if (!norm)
        return;
    const char *prev = NULL;
    size_t prev_len = 0;
    for (size_t i = 0; i < n;) {
        while (i < n && norm[i] == ' ')
            i++;
        size_t start = i;
        while (i < n && norm[i] != ' ')
            i++;
        size_t len = i - start;
        if (!len || !meaningful(len))
            continue;
        const char *word = norm + start;
        add(w, feature_hash(word, len, 0), 1);
        if (prev) {
            /* The pair, as "prev word", keeps some word order in the hash. */
            uint64_t h = feature_hash(prev, prev_len, 0x9e3779b97f4a7c15ULL);
            h ^= feature_hash(word, len, 0x7f4a7c159e3779b9ULL);
            add(w, feature_hash((const char *)&h, sizeof(h), 1), 1);
        }
        prev = word;
        prev_len = len;
    }
    vg_free(norm);
}

/* Republished headlines carry the publisher at the end ("... - Le Journal", "... | Site",
 * "... (AFP)"): cut one such short tail so that copies hash alike. */
static char *strip_publisher(const char *title)
{
    if (!title)
        return NULL;
    char *t = vg_strdup(title);
    if (!t)
        return NULL;
    size_t n = strlen(t);
    while (n && t[n - 1] == ' ')
        t[--n] = '\0';
    char *cut = NULL;
    if (n && t[n - 1] == ')') {
        cut = strrchr(t, '(');
    } else {
        static const char *const seps[] = {" - ", " | ", " \xe2\x80\x94 ", " \xe2\x80\x93 ", " :: "};
        for (size_t i = 0; i < sizeof(seps) / sizeof(seps[0]); i++) {
            char *p = NULL, *q = t;
            while ((q = strstr(q, seps[i]))) /* the last one */
                p = q++;
            if (p && (!cut || p > cut))
                cut = p;
        }
    }
    /* Only a short tail is a publisher; a long one is part of the headline. */
    if (cut && cut > t && strlen(cut) <= 40)
        *cut = '\0';
    return t;
}

uint64_t enrich_simhash(const char *title, const char *summary)
{
    int w[64] = {0};
    char *headline = strip_publisher(title);
    add_text(w, headline ? headline : title);
    vg_free(headline);
    add_text(w, summary);
    uint64_t h = 0;
    int any = 0;
    for (int b = 0; b < 64; b++) {
        any |= w[b] != 0;
        if (w[b] > 0)
            h |= 1ULL << b;
    }
    return any ? h : 0;
}

int enrich_simhash_distance(uint64_t a, uint64_t b) { return __builtin_popcountll(a ^ b); }
