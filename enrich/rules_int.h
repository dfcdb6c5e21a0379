/* rules_int — what the three rules files share (rules.c parses and answers queries,
 * rules_compile.c expands macros and compiles, rules_gates.c builds the word gates); not for
 * use outside them. */
#ifndef ENRICH_RULES_INT_H
#define ENRICH_RULES_INT_H

#include "enrich/rules.h"

#include <stddef.h>
#include <stdint.h>

/* Work limits for one regex run: far above what a rule needs on a 600-byte sentence, far
 * below what a catastrophic pattern could burn. */
#define MATCH_LIMIT 200000
#define DEPTH_LIMIT 2000
#define MACRO_DEPTH 6
#define RULES_BLOOM_BITS 65536

struct role_phrase {
    char *text;   /* folded, lower-cased */
    size_t role;  /* index in roles */
};

struct macro {
    char *name, *body, *where;
};

struct kw_slot {
    char *kw;       /* NULL: empty */
    size_t len;
    uint16_t *gates; /* gates this word opens */
    size_t n_gates;
};

struct enrich_rules {
    struct enrich_section *secs;
    size_t n_secs;
    struct enrich_role *roles;
    size_t n_roles;
    struct role_phrase *phrases;
    size_t n_phrases;
    struct macro *macros;
    size_t n_macros;
    /* keyword index: open addressing on the keyword text */
    struct kw_slot *kw;
    size_t kw_cap;
    size_t kw_min, kw_max;
    uint8_t pre2[36 * 36 / 8 + 1];       /* 2-byte prefixes of keywords */
    uint8_t pre3[36 * 36 * 36 / 8 + 1];  /* 3-byte prefixes of keywords of 3+ bytes */
    /* Most token prefixes are no word: a bit per hash of every word, and a bit per word
     * length, let enrich_rules_gates skip the probe of the table for them. */
    uint64_t bloom[RULES_BLOOM_BITS / 64];
    uint64_t kw_lens;  /* bit n: some word is n bytes long (n <= 32) */
    pcre2_match_context *mctx;
    int compiled;
};

/* printf into err (when not NULL). */
void rules_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* 1 when s[0..n) is a name of a-z, 0-9 and _ (1 to 40 bytes). */
int rules_is_ident(const char *s, size_t n);
/* (Re)builds the word index and every section's and pattern's gates; `expanded` holds each
 * pattern's regex after macro expansion, in section order. */
int rules_build_gates(struct enrich_rules *r, char **expanded, char *err, size_t errlen);

#endif
