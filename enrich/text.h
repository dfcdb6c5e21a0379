/* text — the folded views of an item's text that the classifier and extractors work on.
 *
 * Rules are written in plain ASCII ("nomme", "leve", "acquiert") and must match "nommée",
 * "lève" or "a acquis" whatever the typography of the source, so every item is folded once:
 * accents stripped (NFKD + marks removed, plus œ/æ/ø/ß and friends spelled out), typographic
 * apostrophes, quotes, dashes and non-breaking spaces unified, control bytes and invalid UTF-8
 * turned into spaces, runs of blanks collapsed. Case is kept in `f` (names need it) and an
 * ASCII lower-cased twin `l` has the very same byte layout, so a span found in one is valid in
 * the other. `map` takes any folded offset back to the original text, which is how evidence
 * sentences, names and roles are reported with their accents. Punctuation and digits are kept:
 * amounts ("1,5 Md€") and sentence boundaries depend on them. */
#ifndef ENRICH_TEXT_H
#define ENRICH_TEXT_H

#include <stddef.h>

/* Work on one item is bounded: longer text is cut (at a character boundary). */
#define ENRICH_TEXT_MAX 65536
/* Sentences longer than this are cut at a blank, so no regex sees a huge subject. */
#define ENRICH_SENTENCE_MAX 600

struct enrich_text {
    char *f;      /* folded, case kept, NUL-terminated */
    char *l;      /* f with ASCII letters lower-cased (same length and layout) */
    size_t len;   /* bytes in f and l */
    size_t *map;  /* len + 1 entries: offset in the original text of each folded byte */
    size_t orig_len;
};

/* Folds `len` bytes of UTF-8 (invalid sequences tolerated) into `t`. Returns 0, or -1 when out
 * of memory (t is then empty). Release with enrich_text_release. */
int enrich_text_fold(const char *in, size_t len, struct enrich_text *t);
void enrich_text_release(struct enrich_text *t);

/* Folds a short string (a rule pattern, a role phrase, a name) into a fresh NUL-terminated
 * string, optionally lower-cased. Caller frees with vg_free. NULL on allocation failure. */
char *enrich_fold_str(const char *s, int lower);
/* Only the letters and digits of the folded, lower-cased string: how names are compared
 * ("Jean-Dominique Sénard" and "JEAN DOMINIQUE SENARD" give the same). Caller frees with
 * vg_free; NULL on allocation failure. */
char *enrich_squash_name(const char *s);

struct enrich_span {
    size_t start, end;  /* byte offsets in the folded text, end exclusive */
};

/* Splits folded text into sentences: at newlines, and at . ! ? followed by a blank and a
 * capital, digit or quote, except after titles and initials ("M.", "Dr.", "J."). Leading and
 * trailing blanks are trimmed; empty sentences skipped. Writes at most `max` spans and returns
 * how many; text beyond the last one is ignored (bounded work on hostile input). */
size_t enrich_sentences(const char *f, size_t len, struct enrich_span *out, size_t max);

#endif
