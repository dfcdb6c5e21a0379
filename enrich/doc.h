/* doc — one item prepared for the classifier and the extractors: its text folded once, cut
 * into sentences, and each sentence's keyword mask computed once, so every stage that follows
 * (classify, people, parties, places, amounts) only visits the sentences that can matter. */
#ifndef ENRICH_DOC_H
#define ENRICH_DOC_H

#include "enrich/rules.h"
#include "enrich/text.h"

#include <stdint.h>

#define ENRICH_MAX_SENTENCES 256

struct enrich_doc {
    char *orig;                 /* title "\n" summary, as given (the map points here) */
    size_t orig_len;
    size_t title_end;           /* bytes of orig that belong to the title */
    const char *lang;           /* "fr", "en", ... or "" */
    struct enrich_text t;
    size_t n_sent;
    size_t n_title;             /* the first n_title sentences are the title's */
    int title_named;            /* the title names someone (see enrich_title_named) */
    const struct enrich_rules *rules;
    pcre2_match_data *md;
    /* Last, and only valid below n_sent: init and release clear the fields above, not these
     * 20 KB, which each item would otherwise zero twice. */
    struct enrich_span sent[ENRICH_MAX_SENTENCES];
    uint64_t gates[ENRICH_MAX_SENTENCES][ENRICH_GATE_WORDS];
};

/* Prepares `d` (title and summary may be NULL). Returns 0, or -1 when out of memory. */
int enrich_doc_init(struct enrich_doc *d, const struct enrich_rules *r, const char *title,
                    const char *summary, const char *lang);
void enrich_doc_release(struct enrich_doc *d);

/* Does the title f[0..len) (folded, case kept) name someone? Headlines are written in sentence
 * case in French ("Méga-contrat pour Naval Group") and in title case in English, so a word with
 * a capital that does not start the title or a part of it (after ':', '?', '!', '|', ' - ') is
 * a name; so is a short run of capitalised words before ':' ("Sanofi et Owkin : un
 * partenariat"), unless it is one word and ends the title's text before the colon ("Guide :").
 * A definition or a how-to ("Levée de fonds : définition") names no one. */
int enrich_title_named(const char *f, size_t len);

/* Offsets in d->orig of the folded span [a, b). */
size_t enrich_doc_orig(const struct enrich_doc *d, size_t folded);
/* A fresh copy of the original text behind the folded span [a, b), blanks collapsed;
 * NULL when out of memory. */
char *enrich_doc_copy(const struct enrich_doc *d, size_t a, size_t b);
/* Index of the sentence holding folded offset `off`, or d->n_sent. */
size_t enrich_doc_sentence_at(const struct enrich_doc *d, size_t off);

#endif
