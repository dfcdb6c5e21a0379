/* norm — the text normalisation every enrich/ comparison goes through.
 *
 * Account names, aliases, keywords and article text are all reduced to the same form before
 * they are compared, so "L’Oréal", "l'oreal" and "L'OREAL" meet, and so do "Saint-Gobain" and
 * "Saint Gobain". The byte map lets a match found in normalised text be reported at its
 * offsets in the original UTF-8. Also home of the legal-form, common-word and first-name
 * tables the matcher uses to decide which names need evidence. */
#ifndef ENRICH_NORM_H
#define ENRICH_NORM_H

#include <stddef.h>
#include <stdint.h>

/* NFKC + case fold + accents stripped + apostrophes/hyphens/punctuation unified to spaces,
 * collapsed whitespace (no leading or trailing space). Returns a new NUL-terminated string
 * (caller frees with vg_free), NULL on failure (allocation only: invalid UTF-8 bytes are
 * treated as separators, never an error). If `map` is not NULL, *map receives a vg_malloc'd
 * array of out_len + 1 entries: map[i] is the byte offset in `text` of the character output
 * byte i came from, and map[out_len] is `len`. enrich_norm_span() turns output bytes [i, j)
 * into the original span, ending after the last character used.
 * Characters kept: letters and digits (after folding), and '.', '@' and '&' between two
 * alphanumerics ("se.com", "AT&T") so domains and such names survive as one token. */
char *enrich_norm(const char *text, size_t len, size_t **map, size_t *out_len);

/* Original byte span [*start, *end) covering normalised bytes [i, j): *end is the end of the
 * original character that produced byte j - 1. `text`/`len` are the original text. */
void enrich_norm_span(const char *text, size_t len, const size_t *map, size_t i, size_t j,
                      size_t *start, size_t *end);

/* Copies `name` normalised, with legal-form tokens removed from its end (and from its start for
 * "Groupe X", "Compagnie de X"), e.g. "Compagnie de Saint-Gobain SA" -> "saint gobain",
 * "The Sage Group plc" -> "sage". Never removes every token: "Groupe SEB" keeps "seb", and a
 * name made only of legal forms is returned whole. Caller frees with vg_free; NULL on failure. */
char *enrich_norm_name(const char *name, size_t len);

/* Tokens: the matcher's view of a text, produced by the same loop as enrich_norm(). Each token's normalised bytes sit in `buf` at
 * [off, off + len) (tokens separated by one space, so buf equals enrich_norm's output) and
 * came from original bytes [start, end). Texts are limited to 4 GiB - 1 (offsets are 32-bit). */
enum {
    ENRICH_TOK_CAP = 1,       /* first letter upper case in the original */
    ENRICH_TOK_ALLCAPS = 2,   /* two characters or more, letters, none lower case ("SEB", "3M") */
    ENRICH_TOK_LOWER = 4,     /* has a lower-case letter */
    ENRICH_TOK_SENT = 8,      /* first token of the text or after . ! ? … | or a line break */
    ENRICH_TOK_DOLLAR = 16,   /* immediately preceded by '$' ("$AAPL") */
    ENRICH_TOK_JOINED = 32,   /* holds a '.', '@' or '&' ("orange.com", "AT&T") */
};
struct enrich_tok {
    uint32_t off, len;        /* normalised bytes in enrich_toks.buf */
    uint32_t start, end;      /* original byte span */
    uint32_t hash;            /* FNV-1a of the normalised bytes */
    uint32_t flags;
};
struct enrich_toks {
    char *buf; size_t len, cap;
    struct enrich_tok *v; size_t n, vcap;
};
/* Tokenises `text` into `t`, reusing its buffers (zero-initialise before first use). 0 or -1
 * on allocation failure. */
int enrich_tokenize(const char *text, size_t len, struct enrich_toks *t);
void enrich_toks_free(struct enrich_toks *t);
/* FNV-1a over bytes, the hash enrich_tok.hash carries. */
uint32_t enrich_token_hash(const char *s, size_t len);

/* The tokens [*first, *last) of a tokenised company name that make up its usual name: the
 * rule enrich_norm_name() applies, for callers that already hold the tokens. */
void enrich_name_bounds(const struct enrich_toks *t, size_t *first, size_t *last);

/* Token-level tables, on normalised tokens (lower case, no accents). */
/* 0: not a legal form; 1: a legal form ("gmbh", "plc", "inc", "sarl"); 2: a legal form that
 * is also an everyday word or too short to trust in lower case ("sa", "se", "as", "group"):
 * callers treat it as evidence only when written with a capital. */
int enrich_is_legal_form(const char *tok, size_t len);
int enrich_is_common_word(const char *tok, size_t len);    /* French or English everyday word */
int enrich_is_first_name(const char *tok, size_t len);     /* common given name */
/* The sorted tables behind the three predicates, for tests (legal forms: NULL past the end). */
const char *enrich_legal_form_name(size_t i);
const char *const *enrich_common_words_table(size_t *n);
const char *const *enrich_first_names_table(size_t *n);
/* Given names besides those (a rarer name before a surname), for the matcher's surname rule only. */
const char *const *enrich_more_given_names_table(size_t *n);

#endif
