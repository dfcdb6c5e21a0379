/* rules_gates — the word gates that decide which patterns a sentence is worth running:
 * section keywords and the literal words each pattern cannot match without, in one index
 * looked up once per token. */
#include "enrich/rules_int.h"

#include "daemon/vg_alloc.h"

#include <string.h>

static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int ch36(char c)
{
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= '0' && c <= '9')
        return 26 + (c - '0');
    return -1;
}

static void set_bit(uint8_t *bits, size_t i) { bits[i >> 3] |= (uint8_t)(1u << (i & 7)); }
static int get_bit(const uint8_t *bits, size_t i) { return bits[i >> 3] >> (i & 7) & 1; }

/* Adds `w` (lower-case letters and digits) to the word index as an opener of gate g. */
static int index_word(struct enrich_rules *r, const char *w, size_t n, int g)
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
    }
    for (size_t i = 0; i < slot->n_gates; i++)
        if (slot->gates[i] == g)
            return 0;
    uint16_t *ng = vg_realloc(slot->gates, (slot->n_gates + 1) * sizeof(uint16_t));
    if (!ng)
        return -1;
    ng[slot->n_gates++] = (uint16_t)g;
    slot->gates = ng;
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
 * that simple gets no gate and always runs: the gate may only ever skip patterns that could
 * not have matched. */

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
            i++;
            if (i < b && re[i] == '^')
                i++;
            if (i < b && re[i] == ']')
                i++;
            while (i < b && re[i] != ']') {
                if (re[i] == '\\')
                    i++;
                i++;
            }
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
            k++;
            if (k < end && re[k] == '^')
                k++;
            if (k < end && re[k] == ']')
                k++;
            while (k < end && re[k] != ']') {
                if (re[k] == '\\')
                    k++;
                k++;
            }
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
    size_t pi = 0;
    for (size_t i = 0; i < r->n_secs; i++) {
        struct enrich_section *s = &r->secs[i];
        s->kw_bit = -1;
        if (s->n_keywords && gate < ENRICH_MAX_GATES) {
            s->kw_bit = gate++;
            for (size_t k = 0; k < s->n_keywords; k++)
                if (index_word(r, s->keywords[k], strlen(s->keywords[k]), s->kw_bit) < 0)
                    goto oom;
        }
        for (size_t k = 0; k < s->n_pats; k++, pi++) {
            struct enrich_pattern *p = &s->pats[k];
            struct lits lits;
            p->gate = p->gate2 = -1;
            if (gate >= ENRICH_MAX_GATES || pattern_literals(expanded[pi], &lits) < 0)
                continue;
            p->gate = gate++;
            for (size_t w = 0; w < lits.n; w++)
                if (index_word(r, lits.w[w], strlen(lits.w[w]), p->gate) < 0)
                    goto oom;
            if (gate >= ENRICH_MAX_GATES || pattern_second_literals(expanded[pi], &lits) < 0)
                continue;
            p->gate2 = gate++;
            for (size_t w = 0; w < lits.n; w++)
                if (index_word(r, lits.w[w], strlen(lits.w[w]), p->gate2) < 0)
                    goto oom;
        }
    }
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
        while (i < len && ch36(l[i]) < 0)
            i++;
        size_t s = i;
        while (i < len && ch36(l[i]) >= 0)
            i++;
        size_t n = i - s;
        if (n < r->kw_min || n < 2)
            continue;
        const char *t = l + s;
        if (!get_bit(r->pre2, (size_t)(ch36(t[0]) * 36 + ch36(t[1]))))
            continue;
        /* a 3+ byte token whose first three bytes start no word can only hit a 2-byte one */
        int three = n >= 3 && get_bit(r->pre3, (size_t)((ch36(t[0]) * 36 + ch36(t[1])) * 36 + ch36(t[2])));
        uint64_t h = 1469598103934665603ULL;
        size_t maxp = n < r->kw_max ? n : r->kw_max;
        for (size_t p = 0; p < maxp; p++) {
            h ^= (unsigned char)t[p];
            h *= 1099511628211ULL;
            size_t plen = p + 1;
            if (plen < r->kw_min)
                continue;
            if (plen >= 3 && !three)
                break;
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
