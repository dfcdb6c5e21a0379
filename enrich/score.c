/* score — priority and signal ids (see score.h). */
#include "enrich/score.h"
#include "util/vg_time.h"
#include "util/vg_hash.h"
#include "enrich/hash.h"

#include "util/vg_alloc.h"
#include "enrich/text.h"

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define FRESH_HALF_LIFE_DAYS 7.0
#define DEFAULT_RELIABILITY 0.6

static double clamp01(double x) { return x < 0 ? 0 : x > 1 ? 1 : x; }

double enrich_account_weight(const char *tier, double revenue, double margin,
                             double growth_potential, double strategic_fit, double image)
{
    double tier_w = 0.6;
    if (tier && strcmp(tier, "key") == 0)
        tier_w = 1.0;
    else if (tier && strcmp(tier, "candidate") == 0)
        tier_w = 0.8;
    /* Axes on one 0..1 scale: revenue on a log scale (10 M and more is full), margin full at
     * 30 %. Absent axes (0) are left out rather than counted as bad. */
    double sum = 0;
    int n = 0;
    if (revenue > 0) {
        sum += clamp01(log10(1 + revenue) / 7.0);
        n++;
    }
    if (margin > 0) {
        sum += clamp01(margin / 0.3);
        n++;
    }
    double axes[] = {growth_potential, strategic_fit, image};
    for (int i = 0; i < 3; i++)
        if (axes[i] > 0) {
            sum += clamp01(axes[i]);
            n++;
        }
    double kam = n ? sum / n : 0.5;
    return tier_w * (0.5 + 0.5 * kam);
}

int enrich_priority(const struct enrich_score_input *in)
{
    double type_w = clamp01(in->type_weight / 100.0);
    double conf = clamp01(in->confidence);
    double age = in->age_days > 0 ? in->age_days : 0;
    double fresh = pow(0.5, age / FRESH_HALF_LIFE_DAYS);
    double rel = in->source_reliability < 0 ? DEFAULT_RELIABILITY : clamp01(in->source_reliability);
    double acc = enrich_account_weight(in->tier, in->revenue, in->margin, in->growth_potential,
                                       in->strategic_fit, in->image);
    /* Freshness and reliability shade the score rather than zero it: a week-old certain
     * signal still matters, an unknown blog still counts for something. */
    double p = type_w * conf * (0.4 + 0.6 * fresh) * (0.6 + 0.4 * rel) * acc;
    /* Scale so that a fresh, certain, top-weight signal from a reliable source about a
     * strong key account reaches 100. */
    int r = (int)lround(100.0 * p);
    return r < 0 ? 0 : r > 100 ? 100 : r;
}

/* Two independent 64-bit lanes of a multiply-xorshift hash over length-prefixed fields, so
 * ("ab", "c") and ("a", "bc") never collide by construction. */

static void hash_field(uint64_t *a, uint64_t *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    *a = enrich_mix64(*a ^ (uint64_t)n);
    *b = enrich_mix64(*b + (uint64_t)n * 0x9e3779b97f4a7c15ULL);
    for (size_t i = 0; i < n; i++) {
        uint64_t c = (unsigned char)s[i];
        *a = vg_fnv1a64_step(*a, (unsigned char)c);
        *b = (*b + c) * 0xc6a4a7935bd1e995ULL + 0x2d;   /* a second, independent lane */
    }
    *a = enrich_mix64(*a);
    *b = enrich_mix64(*b);
}

void enrich_signal_id(const char *account_id, const char *story_key, const char *type,
                      char out[33])
{
    uint64_t a = 0x6a09e667f3bcc908ULL, b = 0xbb67ae8584caa73bULL;
    hash_field(&a, &b, account_id);
    hash_field(&a, &b, story_key);
    hash_field(&a, &b, type);
    /* "%016llx%016llx", written by hand: snprintf took 40% of the id */
    static const char hex[] = "0123456789abcdef";
    uint64_t v[2] = {enrich_mix64(a ^ b), enrich_mix64(b + a)};
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 16; i++)
            out[k * 16 + i] = hex[(v[k] >> (60 - 4 * i)) & 15];
    out[32] = '\0';
}

char *enrich_story_key(const char *title)
{
    char *l = enrich_fold_str(title ? title : "", 1);
    if (!l)
        return NULL;
    size_t n = 0;
    int gap = 0;
    for (size_t i = 0; l[i]; i++) {
        char c = l[i];
        int word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (unsigned char)c >= 0x80;
        if (!word) {
            gap = 1;
            continue;
        }
        if (gap && n)
            l[n++] = ' ';
        gap = 0;
        l[n++] = c;
    }
    l[n] = '\0';
    return l;
}

int enrich_parse_time(const char *s, double *out)
{
    int64_t ms;
    if (vg_parse_rfc3339_ms(s, &ms) < 0)
        return -1;
    *out = (double)ms / 1000.0;
    return 0;
}
