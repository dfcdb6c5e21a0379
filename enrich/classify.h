/* classify — which signal types an item carries, with the sentence that says so.
 *
 * Each sentence is tried against the [signal] sections whose keywords it holds; the best
 * matching pattern gives the confidence, an `exclude` vetoes the type for that sentence. The
 * [modifier] sections then adjust it: denials veto the type for the whole item ("X denies
 * acquisition talks"), rumours lower it, plans and intentions only flag it. A type found in
 * several sentences keeps its best sentence as evidence and gains a little confidence. */
#ifndef ENRICH_CLASSIFY_H
#define ENRICH_CLASSIFY_H

#include "enrich/doc.h"

#include <stddef.h>
#include <stdint.h>

struct enrich_class {
    int section;         /* index of the [signal] section (see enrich_rules_sections) */
    double confidence;   /* 0..1 after modifiers */
    size_t sentence;     /* evidence: index into doc->sent */
    uint32_t modifiers;  /* bit k: the k-th [modifier] section hit the evidence sentence */
    unsigned support;    /* sentences that carried the type */
    uint64_t carried;    /* bit i: sentence i (i < 64) carried the type (the evidence too) */
};

/* Classifies `d`. Writes at most `max` types with confidence >= min_conf to out, in the
 * order of the rule sections, and returns how many. */
size_t enrich_classify(const struct enrich_doc *d, double min_conf, struct enrich_class *out,
                       size_t max);

/* Name of the k-th [modifier] section of `r`, or NULL. */
const char *enrich_modifier_name(const struct enrich_rules *r, unsigned k);

#endif
