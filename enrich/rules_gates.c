/* rules_gates — the word gates that decide which patterns a sentence is worth running:
 * section keywords and the literal words each pattern cannot match without, in one index
 * looked up once per token. */
#include "enrich/rules_int.h"
#include "util/vg_hash.h"

#include "util/vg_alloc.h"
#include "util/vg_log.h"

#include <string.h>

static uint64_t fnv(const char *s, size_t n) { return vg_fnv1a64(s, n); }

static int ch36(char c)
{
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= '0' && c <= '9')
        return 26 + (c - '0');
    return -1;
}

/* ch36 as a table, for the per-byte loop of enrich_rules_gates. */
static const signed char ch36_tab[256] = {
#define R8(x) x, x, x, x, x, x, x, x
    R8(-1), R8(-1), R8(-1), R8(-1), R8(-1), R8(-1),
    26, 27, 28, 29, 30, 31, 32, 33, 34, 35, -1, -1, -1, -1, -1, -1,
    R8(-1), R8(-1), R8(-1), R8(-1),
    -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
    R8(-1), R8(-1), R8(-1), R8(-1), R8(-1), R8(-1), R8(-1), R8(-1),
    R8(-1), R8(-1), R8(-1), R8(-1), R8(-1), R8(-1), R8(-1), R8(-1),
#undef R8
};
#define CH36(c) ch36_tab[(unsigned char)(c)]

static size_t bloom_bit(uint64_t h) { return (size_t)(h >> 40) & (RULES_BLOOM_BITS - 1); }

static void set_bit(uint8_t *bits, size_t i) { bits[i >> 3] |= (uint8_t)(1u << (i & 7)); }
static int get_bit(const uint8_t *bits, size_t i) { return bits[i >> 3] >> (i & 7) & 1; }

/* Index of the ']' closing the character class that opens at re[i] ('['): a leading '^' and
 * a ']' right after it are members, escapes are skipped. end (or more) when it is not closed. */
static size_t class_end(const char *re, size_t i, size_t end)
{
    size_t k = i + 1;
    if (k < end && re[k] == '^')
        k++;
    if (k < end && re[k] == ']')
        k++;
    while (k < end && re[k] != ']') {
        if (re[k] == '\\')
            k++;
        k++;
    }
    return k;
}

/* Adds `w` (lower-case letters and digits) to the word index as an opener of gate g. */
static int index_word(struct enrich_rules *r, const char *w, size_t n, int g, size_t *used)
{
    size_t h = (size_t)fnv(w, n) & (r->kw_cap - 1);
    while (r->kw[h].kw && !(r->kw[h].len == n && memcmp(r->kw[h].kw, w, n) == 0))
        h = (h + 1) & (r->kw_cap - 1);
    struct kw_slot *slot = &r->kw[h];
    if (!slot->kw) {
        slot->kw = vg_strndup(w, n);
        if (!slot->kw)
            return -1;
        slot->len = n;
        (*used)++;
    }
    for (size_t i = 0; i < slot->n_gates; i++)
        if (slot->gates[i] == g)
            return 0;
    uint16_t *ng = vg_realloc(slot->gates, (slot->n_gates + 1) * sizeof(uint16_t));
    if (!ng)
        return -1;
    ng[slot->n_gates++] = (uint16_t)g;
    slot->gates = ng;
    r->bloom[bloom_bit(fnv(w, n)) >> 6] |= 1ULL << (bloom_bit(fnv(w, n)) & 63);
    r->kw_lens |= 1ULL << n;
    if (n < r->kw_min)
        r->kw_min = n;
    if (n > r->kw_max)
        r->kw_max = n;
    set_bit(r->pre2, (size_t)(ch36(w[0]) * 36 + ch36(w[1])));
    if (n >= 3)
        set_bit(r->pre3, (size_t)((ch36(w[0]) * 36 + ch36(w[1])) * 36 + ch36(w[2])));
    return 0;
}

/* ---- literal gates: the words a pattern cannot match without ----
 *
 * Most patterns read "\b(?:raises?|raised|secures?)..." or "\bjob cuts...": whatever they
 * match starts, at a word boundary, with one of a few literal words. Those words (cut before
 * an optional last letter: "raises?" gives "raise") become the pattern's gate, so it only runs
 * on sentences holding a token that starts with one of them. A pattern whose shape is not
 * that simple falls back on the required words further on (below), or gets no gate and
 * always runs: the gate may only ever skip patterns that could not have matched. */

struct lits {
    char w[64][33];
    size_t n;
};

/* Splits re[a, b) at top-level '|' into at most max alternatives. -1 on odd syntax. */
static int split_alts(const char *re, size_t a, size_t b, size_t *starts, size_t *ends, size_t max,
                      size_t *n)
{
    int depth = 0;
    size_t s = a;
    *n = 0;
    for (size_t i = a; i < b; i++) {
        char c = re[i];
        if (c == '\\') {
            i++;
            continue;
        }
        if (c == '[') {
            i = class_end(re, i, b);
            if (i >= b)
                return -1;
            continue;
        }
        if (c == '(')
            depth++;
        else if (c == ')')
            depth--;
        else if (c == '|' && depth == 0) {
            if (*n >= max)
                return -1;
            starts[*n] = s;
            ends[(*n)++] = i;
            s = i + 1;
        }
        if (depth < 0)
            return -1;
    }
    if (depth != 0 || *n >= max)
        return -1;
    starts[*n] = s;
    ends[(*n)++] = b;
    return 0;
}

/* The literal text at re[i..end) (letters, digits, blanks, apostrophes, hyphens; a last
 * character made optional is dropped), and from it the longest word that must start a token:
 * the first word only when a \b bounds it, any later word always (a blank, apostrophe or
 * hyphen precedes it, and the tokeniser splits there). */
static int leading_literal(const char *re, size_t i, size_t end, int bounded, struct lits *out)
{
    size_t n = 0;
    char w[64];
    while (i + n < end && n < 63) {
        char c = re[i + n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ' || c == '\'' ||
              c == '-'))
            break;
        w[n] = c, n++;
    }
    if (n && i + n < end && (re[i + n] == '?' || re[i + n] == '*' || re[i + n] == '{'))
        n--;  /* the last character is optional */
    w[n] = '\0';
    size_t best_s = 0, best_n = 0, ws = 0, word = 0;
    for (size_t k = 0; k <= n; k++) {
        if (k < n && w[k] != ' ' && w[k] != '\'' && w[k] != '-')
            continue;
        size_t len = k - ws;
        if (len >= 2 && len <= 32 && (word > 0 || bounded) && len > best_n) {
            best_s = ws;
            best_n = len;
        }
        ws = k + 1;
        word++;
    }
    if (!best_n || out->n >= 64)
        return -1;
    memcpy(out->w[out->n], w + best_s, best_n);
    out->w[out->n][best_n] = '\0';
    out->n++;
    return 0;
}

/* Offset of the ')' closing the group that opens at re[i], or `end`. */
static size_t closing_paren(const char *re, size_t i, size_t end)
{
    int depth = 0;
    for (size_t k = i; k < end; k++) {
        if (re[k] == '\\') {
            k++;
            continue;
        }
        if (re[k] == '[') {
            k = class_end(re, k, end);
            continue;
        }
        if (re[k] == '(')
            depth++;
        else if (re[k] == ')' && --depth == 0)
            return k;
    }
    return end;
}

static int alt_literals(const char *re, size_t a, size_t b, int bounded, struct lits *out)
{
    size_t i = a;
    if (i + 1 < b && re[i] == '\\' && re[i + 1] == 'b') {
        bounded = 1;
        i += 2;
    }
    if (i + 2 < b && re[i] == '(' && re[i + 1] == '?' && re[i + 2] == ':') {
        size_t close = closing_paren(re, i, b);
        if (close >= b)
            return -1;
        char q = close + 1 < b ? re[close + 1] : '\0';
        size_t mark = out->n;
        size_t st[64], en[64], n;
        int ok = q != '?' && q != '*' && q != '{' &&  /* an optional group requires nothing */
                 split_alts(re, i + 3, close, st, en, 64, &n) == 0;
        for (size_t k = 0; ok && k < n; k++)
            ok = alt_literals(re, st[k], en[k], bounded, out) == 0;
        if (ok)
            return 0;
        /* "(?:a|the|new) collaboration": the word after the group is required instead */
        out->n = mark;
        size_t after = close + 1;
        if (q == '?' || q == '*')
            after++;
        if (after < b && re[after] == ' ')
            return leading_literal(re, after, b, 0, out);
        return -1;
    }
    return leading_literal(re, i, b, bounded, out);
}

static int pattern_literals(const char *re, struct lits *out)
{
    size_t st[64], en[64], n;
    out->n = 0;
    if (split_alts(re, 0, strlen(re), st, en, 64, &n) < 0)
        return -1;
    for (size_t k = 0; k < n; k++)
        if (alt_literals(re, st[k], en[k], 0, out) < 0)
            return -1;
    return out->n ? 0 : -1;
}

/* For a pattern of one alternative shaped "FIRST .{0,N} \b(?:second|words)...": the words
 * it needs after the gap. Such patterns are the costly ones (the gap is tried at every
 * position after each first word), and often the second word is simply absent. */
static int pattern_second_literals(const char *re, struct lits *out)
{
    size_t st[2], en[2], n;
    out->n = 0;
    size_t len = strlen(re);
    if (split_alts(re, 0, len, st, en, 2, &n) < 0 || n != 1)
        return -1;
    size_t i = 0;
    if (i + 1 < len && re[i] == '\\' && re[i + 1] == 'b')
        i += 2;
    if (i + 2 < len && re[i] == '(' && re[i + 1] == '?' && re[i + 2] == ':') {
        i = closing_paren(re, i, len);
        if (i >= len)
            return -1;
        i++;
    } else {
        while (i < len && ((re[i] >= 'a' && re[i] <= 'z') || re[i] == ' '))
            i++;
    }
    if (i + 1 < len && re[i] == '\\' && re[i + 1] == 'b')
        i += 2;
    /* the gap: .{0,N} or .{0,N}? */
    if (!(i + 4 < len && re[i] == '.' && re[i + 1] == '{' && re[i + 2] == '0' && re[i + 3] == ','))
        return -1;
    i += 4;
    while (i < len && re[i] >= '0' && re[i] <= '9')
        i++;
    if (i >= len || re[i] != '}')
        return -1;
    i++;
    if (i < len && re[i] == '?')
        i++;
    if (!(i + 1 < len && re[i] == '\\' && re[i + 1] == 'b'))
        return -1;
    return alt_literals(re, i, len, 0, out) == 0 && out->n ? 0 : -1;
}

/* ---- required words: a word the pattern cannot match without, wherever it stands ----
 *
 * Patterns that start with a name, a role or an organisation ("{NAME} ... will step down")
 * have no leading literal, yet most of them need some literal word further on. This walks
 * the expanded regex as a sequence of atoms and collects the words that every match must
 * contain at the start of a token: a run of mandatory literal letters and digits preceded by
 * something that cannot be a letter or digit (\b, \s, a blank, an apostrophe, a hyphen,
 * punctuation), or a mandatory group each of whose alternatives needs such a word. Of all
 * those candidates it keeps the most selective (longest shortest word, then fewest words).
 * Anything it does not understand either ends the current word (an unknown atom) or gives
 * up on the whole pattern (syntax it cannot skip reliably): never a gate that could close on
 * a sentence the pattern matches. Case is ignored: the gates see lower-cased text. */

#define REQ_BAIL (-2)

static int is_alnum(char c) { return ch36((char)(c >= 'A' && c <= 'Z' ? c + 32 : c)) >= 0; }

/* Minimum repeat count of the quantifier at re[*i] (1 when none), and *i moved past it
 * (with a lazy or possessive suffix). -1 on a '{' that is not a quantifier. */
static long quant_min(const char *re, size_t *i, size_t end)
{
    size_t k = *i;
    long min = 1;
    if (k >= end)
        return 1;
    if (re[k] == '?' || re[k] == '*') {
        min = 0;
        k++;
    } else if (re[k] == '+') {
        k++;
    } else if (re[k] == '{') {
        size_t j = k + 1;
        long n = 0;
        size_t digits = 0;
        while (j < end && re[j] >= '0' && re[j] <= '9' && digits < 6) {
            n = n * 10 + (re[j] - '0');
            j++, digits++;
        }
        if (!digits)
            return -1;
        if (j < end && re[j] == ',') {
            j++;
            while (j < end && re[j] >= '0' && re[j] <= '9')
                j++;
        }
        if (j >= end || re[j] != '}')
            return -1;
        min = n;
        k = j + 1;
    } else {
        return 1;
    }
    if (k < end && (re[k] == '?' || re[k] == '+'))
        k++;
    *i = k;
    return min;
}

static int lits_has(const struct lits *l, const char *w)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->w[i], w) == 0)
            return 1;
    return 0;
}

static int lits_equal(const struct lits *a, const struct lits *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (!lits_has(b, a->w[i]))
            return 0;
    return 1;
}

static size_t lits_minlen(const struct lits *l)
{
    size_t m = SIZE_MAX;
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->w[i]) < m)
            m = strlen(l->w[i]);
    return m;
}

/* Keeps `cand` in `best` when it is more selective (and not the set to avoid). */
static void consider(struct lits *best, const struct lits *cand, const struct lits *avoid)
{
    if (!cand->n || (avoid && lits_equal(cand, avoid)))
        return;
    if (best->n) {
        size_t mb = lits_minlen(best), mc = lits_minlen(cand);
        if (mc < mb || (mc == mb && cand->n >= best->n))
            return;
    }
    *best = *cand;
}

static int req_alts(const char *re, size_t a, size_t b, int tstart, int depth, struct lits *best,
                    const struct lits *avoid, int *tend);

/* The word w[0..n) as a candidate of its own, when it starts a token and is long enough. */
static void req_word(const char *w, size_t n, int ok, struct lits *best, const struct lits *avoid)
{
    if (!ok || n < 2)
        return;
    struct lits one;
    one.n = 1;
    if (n > 32)
        n = 32;
    memcpy(one.w[0], w, n);
    one.w[0][n] = '\0';
    consider(best, &one, avoid);
}

/* Best required set of the sequence re[a, b) (no top-level '|'). 0, -1 (none) or REQ_BAIL.
 * *tend: whether the character before whatever follows the sequence is sure not to be a
 * letter or digit (as tstart is for the one before it). */
static int req_seq(const char *re, size_t a, size_t b, int tstart, int depth, struct lits *best,
                   const struct lits *avoid, int *tend)
{
    char w[64];
    size_t wn = 0;
    int wok = 0;
    best->n = 0;
    size_t i = a;
#define FLUSH() (req_word(w, wn, wok, best, avoid), wn = 0)
    while (i < b) {
        char c = re[i];
        if (c == '(') {
            size_t close = closing_paren(re, i, b);
            if (close >= b)
                return REQ_BAIL;
            size_t in = i + 1;
            int look = 0;
            if (re[in] == '?') {
                in++;
                if (in < close && re[in] == ':') {
                    in++;
                } else if (in < close && (re[in] == '=' || re[in] == '!')) {
                    look = 1;
                } else if (in + 1 < close && re[in] == '<' && (re[in + 1] == '=' || re[in + 1] == '!')) {
                    look = 1;
                } else if (in < close && (re[in] == '<' || re[in] == 'P' || re[in] == '\'')) {
                    if (re[in] == 'P')
                        in++;
                    if (in >= close || (re[in] != '<' && re[in] != '\''))
                        return REQ_BAIL;
                    char endc = re[in] == '<' ? '>' : '\'';
                    in++;
                    while (in < close && re[in] != endc) {
                        if (!is_alnum(re[in]) && re[in] != '_')
                            return REQ_BAIL;
                        in++;
                    }
                    if (in >= close)
                        return REQ_BAIL;
                    in++;
                } else {
                    /* option letters: only case, which the gates ignore */
                    while (in < close && (re[in] == 'i' || re[in] == '-'))
                        in++;
                    if (in >= close || re[in] != ':')
                        return REQ_BAIL;
                    in++;
                }
            }
            size_t k = close + 1;
            long min = quant_min(re, &k, b);
            if (min < 0)
                return REQ_BAIL;
            FLUSH();
            if (look) {
                tstart = 0;
                i = k;
                continue;
            }
            struct lits g;
            int gend = 0;
            int rc = req_alts(re, in, close, tstart, depth + 1, &g, NULL, &gend);
            if (rc == REQ_BAIL)
                return REQ_BAIL;
            if (rc == 0 && min > 0)
                consider(best, &g, avoid);
            /* after a group: its own end, once repeated or not there at all the one before
             * it too (a single mandatory pass ends as the group ends) */
            if (min == 1 && k == close + 1)
                tstart = gend;
            else
                tstart = gend && (min > 0 || tstart);
            i = k;
            continue;
        }
        if (c == '[') {
            size_t k = class_end(re, i, b);
            if (k >= b)
                return REQ_BAIL;
            k++;
            if (quant_min(re, &k, b) < 0)
                return REQ_BAIL;
            FLUSH();
            tstart = 0;
            i = k;
            continue;
        }
        if (c == ')' || c == '|' || c == '?' || c == '*' || c == '+' || c == '{')
            return REQ_BAIL;
        /* atom classes: 0 unknown char, 1 non-alnum char, 2 zero-width boundary, 3 literal
         * letter or digit, 4 start of subject, 5 other zero-width */
        int cls;
        char lit = 0;
        size_t k = i + 1;
        if (c == '\\') {
            if (k >= b)
                return REQ_BAIL;
            char e = re[k++];
            if (e == 'b')
                cls = 2;
            else if (e == 's' || e == 'W')
                cls = 1;
            else if (e == 'S' || e == 'd' || e == 'D' || e == 'w' || e == 'B')
                cls = e == 'B' ? 5 : 0;
            else if (e == 'p' || e == 'P') {
                if (k < b && re[k] == '{') {
                    while (k < b && re[k] != '}')
                        k++;
                    if (k >= b)
                        return REQ_BAIL;
                    k++;
                } else {
                    k++;
                }
                cls = 0;
            } else if (e == 'x') {
                if (k < b && re[k] == '{') {
                    while (k < b && re[k] != '}')
                        k++;
                    if (k >= b)
                        return REQ_BAIL;
                    k++;
                } else {
                    for (int h = 0; h < 2 && k < b && ch36(re[k]) >= 0; h++)
                        k++;
                }
                cls = 0;
            } else if (!is_alnum(e) && e != '_' && (unsigned char)e < 0x80)
                cls = 1;  /* an escaped punctuation character */
            else
                return REQ_BAIL;
        } else if (c == '.') {
            cls = 0;
        } else if (c == '^') {
            cls = 4;
        } else if (c == '$') {
            cls = 5;
        } else if ((unsigned char)c >= 0x80 || c == '_') {
            cls = 0;
        } else if (is_alnum(c)) {
            cls = 3;
            lit = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        } else {
            cls = 1;
        }
        long min = 1;
        if (cls != 2 && cls != 4 && cls != 5) {
            min = quant_min(re, &k, b);
            if (min < 0)
                return REQ_BAIL;
        }
        switch (cls) {
        case 3:
            if (min > 0) {
                if (wn == 0)
                    wok = tstart;
                if (wn < sizeof(w))
                    w[wn++] = lit;
                if (k != i + 1)
                    FLUSH();  /* repeated: what follows is not known */
            } else {
                FLUSH();
            }
            tstart = 0;
            break;
        case 1:
            FLUSH();
            if (min > 0)
                tstart = 1;
            break;
        case 2:
        case 4:
            FLUSH();
            tstart = 1;
            break;
        case 5:
            FLUSH();
            tstart = 0;
            break;
        default:
            FLUSH();
            tstart = 0;
            break;
        }
        i = k;
    }
    FLUSH();
#undef FLUSH
    *tend = tstart;
    return best->n ? 0 : -1;
}

/* Best required set of re[a, b), '|' included: one word from each alternative's best set. */
static int req_alts(const char *re, size_t a, size_t b, int tstart, int depth, struct lits *best,
                    const struct lits *avoid, int *tend)
{
    size_t st[64], en[64], n;
    best->n = 0;
    if (depth > 32 || split_alts(re, a, b, st, en, 64, &n) < 0)
        return REQ_BAIL;
    *tend = 0;
    if (n == 1)
        return req_seq(re, st[0], en[0], tstart, depth, best, avoid, tend);
    struct lits one;
    int missing = 0, all_end = 1;
    for (size_t k = 0; k < n; k++) {
        int e = 0;
        int rc = req_seq(re, st[k], en[k], tstart, depth, &one, NULL, &e);
        if (rc == REQ_BAIL)
            return REQ_BAIL;
        all_end &= e;
        if (rc < 0) {
            missing = 1;
            continue;
        }
        for (size_t j = 0; j < one.n && !missing; j++) {
            if (lits_has(best, one.w[j]))
                continue;
            if (best->n >= 64)
                missing = 1;
            else
                memcpy(best->w[best->n++], one.w[j], sizeof(one.w[j]));
        }
    }
    *tend = all_end;
    if (missing || !best->n || (avoid && lits_equal(best, avoid))) {
        best->n = 0;
        return -1;
    }
    return 0;
}

static int pattern_required(const char *re, const struct lits *avoid, struct lits *out)
{
    int tend;
    return req_alts(re, 0, strlen(re), 0, 0, out, avoid, &tend) == 0 ? 0 : -1;
}

/* Indexes the words of gate g. 1 done, 0 skipped (the index is kept at most half full, as
 * it never grows; no gate is always safe), -1 out of memory. */
static int add_gate(struct enrich_rules *r, const struct lits *l, int g, size_t *used, size_t cap)
{
    if ((*used + l->n) * 2 > cap)
        return 0;
    for (size_t w = 0; w < l->n; w++)
        if (index_word(r, l->w[w], strlen(l->w[w]), g, used) < 0)
            return -1;
    return 1;
}

int rules_build_gates(struct enrich_rules *r, char **expanded, char *err, size_t errlen)
{
    for (size_t i = 0; i < r->kw_cap; i++) {
        vg_free(r->kw[i].kw);
        vg_free(r->kw[i].gates);
    }
    vg_free(r->kw);
    r->kw = NULL;
    r->kw_cap = 0;
    memset(r->pre2, 0, sizeof(r->pre2));
    memset(r->pre3, 0, sizeof(r->pre3));
    memset(r->bloom, 0, sizeof(r->bloom));
    r->kw_lens = 0;
    size_t total = 0, n_pats = 0;
    for (size_t i = 0; i < r->n_secs; i++) {
        total += r->secs[i].n_keywords;
        n_pats += r->secs[i].n_pats;
    }
    size_t cap = 16;
    while (cap < (total + n_pats * 16) * 2)
        cap *= 2;
    r->kw = vg_calloc(cap, sizeof(*r->kw));
    if (!r->kw)
        goto oom;
    r->kw_cap = cap;
    r->kw_min = 32;
    r->kw_max = 0;
    int gate = 0;
    size_t pi = 0, used = 0, ungated = 0;
    for (size_t i = 0; i < r->n_secs; i++) {
        struct enrich_section *s = &r->secs[i];
        s->kw_bit = -1;
        ungated += s->n_keywords && gate >= ENRICH_MAX_GATES;
        if (s->n_keywords && gate < ENRICH_MAX_GATES) {
            s->kw_bit = gate++;
            for (size_t k = 0; k < s->n_keywords; k++)
                if (index_word(r, s->keywords[k], strlen(s->keywords[k]), s->kw_bit, &used) < 0)
                    goto oom;
        }
        for (size_t k = 0; k < s->n_pats; k++, pi++) {
            struct enrich_pattern *p = &s->pats[k];
            struct lits lits;
            struct lits first;
            p->gate = p->gate2 = -1;
            if (gate >= ENRICH_MAX_GATES) {
                ungated++;
                continue;
            }
            if (pattern_literals(expanded[pi], &lits) < 0) {
                /* no leading literal: a required word elsewhere, when there is one */
                if (pattern_required(expanded[pi], NULL, &lits) < 0)
                    continue;
            }
            int rc = add_gate(r, &lits, gate, &used, cap);
            if (rc < 0)
                goto oom;
            if (rc == 0)
                continue;
            p->gate = gate++;
            first = lits;
            if (gate >= ENRICH_MAX_GATES)
                continue;
            if (pattern_second_literals(expanded[pi], &lits) < 0 &&
                pattern_required(expanded[pi], &first, &lits) < 0)
                continue;
            rc = add_gate(r, &lits, gate, &used, cap);
            if (rc < 0)
                goto oom;
            if (rc == 1)
                p->gate2 = gate++;
        }
    }
    /* Nothing is wrong with the results, but every section or pattern past the budget runs on
     * every sentence: say so, since it shows only as a slower extract. */
    if (ungated)
        vg_warn("rules", "the %d word gates are all taken: %zu sections or patterns run on every "
                "sentence (slower); raise ENRICH_GATE_WORDS in enrich/rules.h", ENRICH_MAX_GATES, ungated);
    return 0;
oom:
    rules_fail(err, errlen, "rules: out of memory");
    return -1;
}

void enrich_rules_gates(const struct enrich_rules *r, const char *l, size_t len, uint64_t *gates)
{
    memset(gates, 0, ENRICH_GATE_WORDS * sizeof(uint64_t));
    if (!r->kw_cap || r->kw_max == 0)
        return;
    size_t i = 0;
    while (i < len) {
        while (i < len && CH36(l[i]) < 0)
            i++;
        size_t s = i;
        while (i < len && CH36(l[i]) >= 0)
            i++;
        size_t n = i - s;
        if (n < r->kw_min || n < 2)
            continue;
        const char *t = l + s;
        if (!get_bit(r->pre2, (size_t)(CH36(t[0]) * 36 + CH36(t[1]))))
            continue;
        /* a 3+ byte token whose first three bytes start no word can only hit a 2-byte one */
        int three = n >= 3 && get_bit(r->pre3, (size_t)((CH36(t[0]) * 36 + CH36(t[1])) * 36 + CH36(t[2])));
        uint64_t h = VG_FNV64_BASIS; /* fnv() of each prefix, one byte at a time */
        size_t maxp = n < r->kw_max ? n : r->kw_max;
        for (size_t p = 0; p < maxp; p++) {
            h = vg_fnv1a64_step(h, (unsigned char)t[p]);
            size_t plen = p + 1;
            if (plen < r->kw_min)
                continue;
            if (plen >= 3 && !three)
                break;
            if (!(r->kw_lens >> plen & 1) || !(r->bloom[bloom_bit(h) >> 6] >> (bloom_bit(h) & 63) & 1))
                continue;
            size_t slot = (size_t)h & (r->kw_cap - 1);
            while (r->kw[slot].kw) {
                if (r->kw[slot].len == plen && memcmp(r->kw[slot].kw, t, plen) == 0) {
                    for (size_t g = 0; g < r->kw[slot].n_gates; g++)
                        gates[r->kw[slot].gates[g] >> 6] |= 1ULL << (r->kw[slot].gates[g] & 63);
                    break;
                }
                slot = (slot + 1) & (r->kw_cap - 1);
            }
        }
    }
}
