/* norm — one pass from original UTF-8 to normalised tokens (see norm.h).
 *
 * The same loop serves enrich_norm() (a string plus a byte map, for callers that compare
 * phrases) and enrich_tokenize() (token records with their original spans and case flags, for
 * the matcher). ASCII, the bulk of news text, takes a table path; other code points go through
 * utf8proc (compatibility decomposition, case folding, marks stripped, punctuation lumped),
 * which is what makes "é" equal "e" and "’" equal "'". */
#include "enrich/norm.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <utf8proc.h>

#include "util/vg_alloc.h"

/* Character classes: separator, letter/digit, joiner ('.', '@', '&' between alphanumerics),
 * sentence end, and transparent (only outside ASCII). */
enum { C_SEP, C_ALNUM, C_JOIN, C_SENT, C_SKIP };

static const unsigned char ascii_class[128] = {
    ['\n'] = C_SENT, ['\r'] = C_SENT, ['.'] = C_JOIN, ['@'] = C_JOIN, ['&'] = C_JOIN,
    ['!'] = C_SENT, ['?'] = C_SENT, ['|'] = C_SENT,
    ['0'] = C_ALNUM, ['1'] = C_ALNUM, ['2'] = C_ALNUM, ['3'] = C_ALNUM, ['4'] = C_ALNUM,
    ['5'] = C_ALNUM, ['6'] = C_ALNUM, ['7'] = C_ALNUM, ['8'] = C_ALNUM, ['9'] = C_ALNUM,
    ['a'] = C_ALNUM, ['b'] = C_ALNUM, ['c'] = C_ALNUM, ['d'] = C_ALNUM, ['e'] = C_ALNUM,
    ['f'] = C_ALNUM, ['g'] = C_ALNUM, ['h'] = C_ALNUM, ['i'] = C_ALNUM, ['j'] = C_ALNUM,
    ['k'] = C_ALNUM, ['l'] = C_ALNUM, ['m'] = C_ALNUM, ['n'] = C_ALNUM, ['o'] = C_ALNUM,
    ['p'] = C_ALNUM, ['q'] = C_ALNUM, ['r'] = C_ALNUM, ['s'] = C_ALNUM, ['t'] = C_ALNUM,
    ['u'] = C_ALNUM, ['v'] = C_ALNUM, ['w'] = C_ALNUM, ['x'] = C_ALNUM, ['y'] = C_ALNUM,
    ['z'] = C_ALNUM,
    ['A'] = C_ALNUM, ['B'] = C_ALNUM, ['C'] = C_ALNUM, ['D'] = C_ALNUM, ['E'] = C_ALNUM,
    ['F'] = C_ALNUM, ['G'] = C_ALNUM, ['H'] = C_ALNUM, ['I'] = C_ALNUM, ['J'] = C_ALNUM,
    ['K'] = C_ALNUM, ['L'] = C_ALNUM, ['M'] = C_ALNUM, ['N'] = C_ALNUM, ['O'] = C_ALNUM,
    ['P'] = C_ALNUM, ['Q'] = C_ALNUM, ['R'] = C_ALNUM, ['S'] = C_ALNUM, ['T'] = C_ALNUM,
    ['U'] = C_ALNUM, ['V'] = C_ALNUM, ['W'] = C_ALNUM, ['X'] = C_ALNUM, ['Y'] = C_ALNUM,
    ['Z'] = C_ALNUM,
};

/* Folded byte of an ASCII letter or digit, 0 for anything else (all bytes >= 0x80 too). */
static unsigned char ascii_fold[256];
/* 1 lower-case letter, 2 upper-case letter, 0 otherwise. */
static unsigned char ascii_case[256];

/* The token hash: word at a time, as tokens are short and this runs once per token of every
 * text. hash_padded() is the same function for bytes followed by at least 7 readable bytes. */
static inline uint64_t hash_mix(uint64_t h, uint64_t w, uint64_t k, int shift)
{
    h = (h ^ w) * k;
    return h ^ (h >> shift);
}

static inline uint32_t hash_final(uint64_t h)
{
    h *= 0xBF58476D1CE4E5B9ull;
    return (uint32_t)(h ^ (h >> 32));
}

uint32_t enrich_token_hash(const char *s, size_t len)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ len, w;
    for (; len >= 8; s += 8, len -= 8) {
        memcpy(&w, s, 8);
        h = hash_mix(h, w, 0xBF58476D1CE4E5B9ull, 31);
    }
    if (len) {
        w = 0;
        for (size_t i = 0; i < len; i++)
            w |= (uint64_t)(unsigned char)s[i] << (8 * i);
        h = hash_mix(h, w, 0x94D049BB133111EBull, 29);
    }
    return hash_final(h);
}

static uint32_t hash_padded(const char *s, size_t len)
{
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    return enrich_token_hash(s, len);
#endif
    uint64_t h = 0x9E3779B97F4A7C15ull ^ len, w;
    for (; len >= 8; s += 8, len -= 8) {
        memcpy(&w, s, 8);
        h = hash_mix(h, w, 0xBF58476D1CE4E5B9ull, 31);
    }
    if (len) {
        memcpy(&w, s, 8);
        w &= ~0ull >> (64 - 8 * len);   /* little-endian: keep the first len bytes */
        h = hash_mix(h, w, 0x94D049BB133111EBull, 29);
    }
    return hash_final(h);
}

/* Output under construction. `map` and `toks` are optional. */
struct norm_out {
    char *buf;
    size_t len, cap;
    size_t *map;            /* parallel to buf when wanted */
    int want_map;
    struct enrich_toks *toks;
    int failed;
};

/* The buffer keeps 8 spare bytes past what is asked so hash_padded() may read a whole word. */
static int out_reserve(struct norm_out *o, size_t extra)
{
    if (o->len + extra + 8 <= o->cap)
        return 0;
    size_t ncap = o->cap ? o->cap : 64;
    while (ncap < o->len + extra + 8)
        ncap *= 2;
    char *nb = vg_realloc(o->buf, ncap);
    if (!nb)
        return -1;
    o->buf = nb;
    if (o->want_map) {
        size_t *nm = vg_realloc(o->map, ncap * sizeof(*nm));
        if (!nm)
            return -1;
        o->map = nm;
    }
    o->cap = ncap;
    return 0;
}

/* Maps one non-ASCII code point. Writes up to `cap` folded alphanumeric code points into
 * `dst` and returns their number; 0 means separator. *cls receives C_SEP/C_SENT for
 * separators. *upper / *lower say whether the original was an upper or lower case letter. */
static int map_cp(int32_t cp, int32_t *dst, int cap, int *cls, int *upper, int *lower)
{
    utf8proc_category_t cat = utf8proc_category(cp);
    *upper = (cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT);
    *lower = (cat == UTF8PROC_CATEGORY_LL);
    *cls = C_SEP;
    /* Combining marks (a decomposed accent) and format characters (soft hyphen, zero-width
     * joiner) vanish without splitting the word they sit in. */
    if (cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC ||
        cat == UTF8PROC_CATEGORY_ME || cat == UTF8PROC_CATEGORY_CF) {
        *cls = C_SKIP;
        return 0;
    }
    if (cp == 0x2026 || cp == 0x2028 || cp == 0x2029 || cp == 0x0085)
        *cls = C_SENT;   /* ellipsis, line/paragraph separators, NEL */
    /* Ligatures and letters NFKC leaves alone but a French or Nordic reader equates. */
    switch (cp) {
    case 0x0152: case 0x0153: dst[0] = 'o'; dst[1] = 'e'; return 2;   /* Œ œ */
    case 0x00C6: case 0x00E6: dst[0] = 'a'; dst[1] = 'e'; return 2;   /* Æ æ */
    case 0x00D8: case 0x00F8: dst[0] = 'o'; return 1;                 /* Ø ø */
    case 0x0141: case 0x0142: dst[0] = 'l'; return 1;                 /* Ł ł */
    case 0x0110: case 0x0111: dst[0] = 'd'; return 1;                 /* Đ đ */
    default: break;
    }
    int32_t tmp[32];
    utf8proc_int32_t last = 0;
    utf8proc_ssize_t n = utf8proc_decompose_char(cp, tmp, 32,
        (utf8proc_option_t)(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK |
                            UTF8PROC_IGNORE | UTF8PROC_LUMP), &last);
    if (n <= 0 || n > 32)
        return 0;
    int k = 0;
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        int32_t c = tmp[i];
        utf8proc_category_t cc = utf8proc_category(c);
        int alnum = (cc >= UTF8PROC_CATEGORY_LU && cc <= UTF8PROC_CATEGORY_LO) ||
                    (cc >= UTF8PROC_CATEGORY_ND && cc <= UTF8PROC_CATEGORY_NO);
        if (!alnum) {
            /* A compatibility decomposition can mix letters and punctuation ("⒜" = "(a)");
             * keep the letters, drop the rest. */
            continue;
        }
        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        if (k < cap)
            dst[k++] = c;
    }
    return k;
}

/* Two-byte UTF-8 (U+0080..U+07FF: accented Latin, Greek, Cyrillic...) is common enough in
 * French news to deserve a table: filled once from map_cp(), so it cannot disagree with it. */
struct cp2 {
    unsigned char out[10];   /* folded UTF-8 */
    unsigned char n;         /* bytes in out; 0: not alphanumeric */
    unsigned char cls, up, low;
};
static struct cp2 cp2_table[0x800];
static pthread_once_t cp2_once = PTHREAD_ONCE_INIT;

static void cp2_init(void)
{
    for (int c = 0; c < 128; c++) {
        if (ascii_class[c] != C_ALNUM)
            continue;
        int up = c >= 'A' && c <= 'Z';
        ascii_fold[c] = (unsigned char)(up ? c + ('a' - 'A') : c);
        ascii_case[c] = (unsigned char)(up ? 2 : (c >= 'a' && c <= 'z') ? 1 : 0);
    }
    for (int32_t cp = 0x80; cp < 0x800; cp++) {
        int32_t cps[8];
        int cls, up, low;
        int n = map_cp(cp, cps, 8, &cls, &up, &low);
        struct cp2 *e = &cp2_table[cp];
        e->cls = (unsigned char)(n > 0 ? C_ALNUM : cls);
        e->up = (unsigned char)up;
        e->low = (unsigned char)low;
        size_t len = 0;
        for (int k = 0; k < n; k++) {
            uint8_t enc[4];
            utf8proc_ssize_t el = utf8proc_encode_char(cps[k], enc);
            if (el <= 0 || len + (size_t)el > sizeof(e->out)) {
                len = 0;   /* never for this range; fall back to the slow path if it were */
                e->cls = 0xFF;
                break;
            }
            memcpy(e->out + len, enc, (size_t)el);
            len += (size_t)el;
        }
        e->n = (unsigned char)len;
    }
}

/* Appends already-encoded folded bytes of the character at original offset orig. */
static int put_bytes(struct norm_out *o, const unsigned char *b, size_t n, size_t orig)
{
    if (out_reserve(o, n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (o->want_map)
            o->map[o->len] = orig;
        o->buf[o->len++] = (char)b[i];
    }
    return 0;
}

static int put_cp(struct norm_out *o, int32_t c, size_t orig)
{
    uint8_t enc[4];
    utf8proc_ssize_t n = utf8proc_encode_char(c, enc);
    if (n <= 0)
        return 0;
    if (out_reserve(o, (size_t)n) < 0)
        return -1;
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        if (o->want_map)
            o->map[o->len] = orig;
        o->buf[o->len++] = (char)enc[i];
    }
    return 0;
}

static int tok_push(struct enrich_toks *t, const struct enrich_tok *tk)
{
    if (t->n == t->vcap) {
        size_t ncap = t->vcap ? t->vcap * 2 : 64;
        struct enrich_tok *nv = vg_realloc(t->v, ncap * sizeof(*nv));
        if (!nv)
            return -1;
        t->v = nv;
        t->vcap = ncap;
    }
    t->v[t->n++] = *tk;
    return 0;
}

/* Token being built by norm_run. */
struct tok_state {
    int in_tok, sent;
    int n_lower, n_letters, first_upper;
    size_t off, start, end;
    size_t pending_join;   /* joiner byte offset + 1 while a '.', '@' or '&' waits for an alnum */
    int joined;            /* the token holds a joiner */
    char pending_join_c;
};

static int end_token(const unsigned char *s, struct norm_out *o, struct tok_state *ts)
{
    if (!ts->in_tok)
        return 0;
    if (o->toks) {
        struct enrich_tok tk;
        tk.off = (uint32_t)ts->off;
        tk.len = (uint32_t)(o->len - ts->off);
        tk.start = (uint32_t)ts->start;
        tk.end = (uint32_t)ts->end;
        tk.hash = hash_padded(o->buf + ts->off, tk.len);
        tk.flags = (ts->first_upper ? ENRICH_TOK_CAP : 0) |
                   (ts->n_letters >= 1 && ts->n_lower == 0 && tk.len >= 2 ? ENRICH_TOK_ALLCAPS : 0) |
                   (ts->n_lower ? ENRICH_TOK_LOWER : 0) | (ts->sent ? ENRICH_TOK_SENT : 0) |
                   (ts->start > 0 && s[ts->start - 1] == '$' ? ENRICH_TOK_DOLLAR : 0) |
                   (ts->joined ? ENRICH_TOK_JOINED : 0);
        if (tok_push(o->toks, &tk) < 0)
            return -1;
    }
    ts->in_tok = 0;
    ts->sent = 0;
    ts->pending_join = 0;
    return 0;
}

/* Opens a token at original offset i, or continues one across a waiting joiner. */
static int begin_or_join(struct norm_out *o, struct tok_state *ts, size_t i, int upper)
{
    if (!ts->in_tok) {
        if (o->len > 0) {
            if (out_reserve(o, 1) < 0)
                return -1;
            if (o->want_map)
                o->map[o->len] = i;
            o->buf[o->len++] = ' ';
        }
        ts->in_tok = 1;
        ts->off = o->len;
        ts->start = i;
        ts->n_lower = ts->n_letters = 0;
        ts->joined = 0;
        ts->first_upper = upper;
    } else if (ts->pending_join) {
        if (put_cp(o, ts->pending_join_c, ts->pending_join - 1) < 0)
            return -1;
        ts->pending_join = 0;
        ts->joined = 1;
    }
    return 0;
}

/* The single normalisation loop. Tokens are separated by one space in o->buf. Runs of ASCII
 * letters and digits, most of any text, are copied by a tight inner loop. */
static int norm_run(const char *text, size_t len, struct norm_out *o)
{
    const unsigned char *s = (const unsigned char *)text;
    struct tok_state ts = {0};
    ts.sent = 1;
    size_t i = 0;
    pthread_once(&cp2_once, cp2_init);

    while (i < len) {
        unsigned char b = s[i];
        if (b < 0x80 && ascii_class[b] == C_ALNUM) {
            if (begin_or_join(o, &ts, i, b >= 'A' && b <= 'Z') < 0)
                return -1;
            /* ASCII never grows: the rest of the input bounds this run. */
            if (out_reserve(o, len - i) < 0)
                return -1;
            char *dst = o->buf + o->len;
            size_t j = i;
            int lower = 0, letters = 0;
            unsigned char f;
            for (;;) {
                /* Eight bytes at a time while they are lower-case ASCII letters, the bulk of
                 * any text: a byte b is one iff b + 0x1F reaches 0x80 and b + 0x05 does not
                 * (computed on the low 7 bits so no carry crosses bytes). The output buffer
                 * has room for the whole word even when fewer bytes are kept. */
                if (j + 8 <= len) {
                    uint64_t w, w7, hi = 0x8080808080808080ull;
                    memcpy(&w, s + j, 8);
                    w7 = w & 0x7F7F7F7F7F7F7F7Full;
                    uint64_t lc = (w7 + 0x1F1F1F1F1F1F1F1Full) & ~(w7 + 0x0505050505050505ull) & ~w & hi;
                    size_t n = lc == hi ? 8 : (size_t)__builtin_ctzll(~lc & hi) / 8;
                    if (n) {
                        memcpy(dst, &w, 8);
                        dst += n;
                        j += n;
                        lower += (int)n;
                        letters += (int)n;
                        if (n == 8)
                            continue;
                    }
                }
                if (j >= len || (f = ascii_fold[s[j]]) == 0)
                    break;
                unsigned k = ascii_case[s[j]];
                lower += k & 1;
                letters += k != 0;
                *dst++ = (char)f;
                j++;
            }
            if (o->want_map)
                for (size_t k = i; k < j; k++)
                    o->map[o->len + (k - i)] = k;
            o->len += j - i;
            ts.n_lower += lower;
            ts.n_letters += letters;
            ts.end = j;
            i = j;
            continue;
        }
        int32_t cps[8];
        int ncp = 0, cls, up = 0, low = 0;
        size_t clen = 1;
        if (b >= 0xC2 && b <= 0xDF && i + 1 < len && (s[i + 1] & 0xC0) == 0x80) {
            const struct cp2 *e = &cp2_table[((b & 0x1F) << 6) | (s[i + 1] & 0x3F)];
            if (e->cls == C_ALNUM) {
                if (begin_or_join(o, &ts, i, e->up) < 0 || put_bytes(o, e->out, e->n, i) < 0)
                    return -1;
                ts.n_lower += e->low;
                ts.n_letters += (e->up || e->low);
                ts.end = i + 2;
                i += 2;
                continue;
            }
        }
        if (b < 0x80) {
            cls = ascii_class[b];
        } else {
            utf8proc_int32_t cp;
            utf8proc_ssize_t r = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
            if (r <= 0) {
                cls = C_SEP;   /* invalid UTF-8: one byte becomes a separator, never an error */
            } else {
                clen = (size_t)r;
                ncp = map_cp(cp, cps, 8, &cls, &up, &low);
                if (ncp > 0)
                    cls = C_ALNUM;
            }
        }
        if (cls == C_ALNUM) {
            if (begin_or_join(o, &ts, i, up) < 0)
                return -1;
            for (int k = 0; k < ncp; k++)
                if (put_cp(o, cps[k], i) < 0)
                    return -1;
            ts.n_lower += low;
            ts.n_letters += (up || low);
            ts.end = i + clen;
        } else if (cls == C_SKIP) {
            if (ts.in_tok)
                ts.end = i + clen;
        } else if (cls == C_JOIN && ts.in_tok && !ts.pending_join) {
            /* Kept only when an alphanumeric follows at once ("se.com", "AT&T"). */
            ts.pending_join = i + 1;
            ts.pending_join_c = (char)b;
        } else {
            /* A '.' that turned out not to join two alphanumerics ended a sentence. */
            int dot = (ts.pending_join && ts.pending_join_c == '.') || (cls == C_JOIN && b == '.');
            if (end_token(s, o, &ts) < 0)
                return -1;
            if (cls == C_SENT || dot)
                ts.sent = 1;
        }
        i += clen;
    }
    if (end_token(s, o, &ts) < 0)
        return -1;
    if (out_reserve(o, 0) < 0)
        return -1;
    o->buf[o->len] = '\0';
    if (o->want_map)
        o->map[o->len] = len;
    return 0;
}

char *enrich_norm(const char *text, size_t len, size_t **map, size_t *out_len)
{
    struct norm_out o = {0};
    o.want_map = (map != NULL);
    if (map)
        *map = NULL;
    if (out_len)
        *out_len = 0;
    if (!text)
        len = 0;
    if (norm_run(text ? text : "", len, &o) < 0) {
        vg_free(o.buf);
        vg_free(o.map);
        return NULL;
    }
    if (map)
        *map = o.map;
    if (out_len)
        *out_len = o.len;
    return o.buf;
}

void enrich_norm_span(const char *text, size_t len, const size_t *map, size_t i, size_t j,
                      size_t *start, size_t *end)
{
    *start = map[i];
    if (j == 0 || j <= i) {
        *end = *start;
        return;
    }
    /* The last output byte came from the character starting at map[j-1]; its end is the
     * start of the next UTF-8 character. */
    size_t e = map[j - 1];
    if (e < len) {
        e++;
        while (e < len && ((unsigned char)text[e] & 0xC0) == 0x80)
            e++;
    }
    *end = e;
}

int enrich_tokenize(const char *text, size_t len, struct enrich_toks *t)
{
    struct norm_out o = {0};
    t->n = 0;
    /* Size both arrays for the usual case at once (ASCII: output <= input; a token per two
     * bytes at most), instead of growing them a few times per text. */
    if (t->cap < len + 16) {
        char *nb = vg_realloc(t->buf, len + 16);
        if (!nb)
            return -1;
        t->buf = nb;
        t->cap = len + 16;
    }
    size_t want = len / 6 + 16;
    if (t->vcap < want) {
        struct enrich_tok *nv = vg_realloc(t->v, want * sizeof(*nv));
        if (!nv)
            return -1;
        t->v = nv;
        t->vcap = want;
    }
    o.buf = t->buf;
    o.cap = t->cap;
    o.toks = t;
    if (!text)
        len = 0;
    if (len > UINT32_MAX - 1)
        len = UINT32_MAX - 1;   /* token offsets are 32-bit; callers cap far below this */
    int rc = norm_run(text ? text : "", len, &o);
    t->buf = o.buf;
    t->cap = o.cap;
    t->len = o.len;
    return rc;
}

void enrich_toks_free(struct enrich_toks *t)
{
    if (!t)
        return;
    vg_free(t->buf);
    vg_free(t->v);
    memset(t, 0, sizeof(*t));
}

/* ---------------------------------------------------------------------------------------
 * Names: legal forms removed when building match patterns. */

/* Leading words that introduce a company name without being part of how people say it. */
static int is_lead_word(const char *tok, size_t len)
{
    static const char *const lead[] = {"the", "groupe", "group", "societe", "ste", "compagnie",
                                       "cie", "ets", "etablissements"};
    for (size_t k = 0; k < sizeof(lead) / sizeof(lead[0]); k++)
        if (strlen(lead[k]) == len && memcmp(lead[k], tok, len) == 0)
            return 1;
    return 0;
}

static int is_particle(const char *tok, size_t len)
{
    return (len == 2 && (memcmp(tok, "de", 2) == 0 || memcmp(tok, "du", 2) == 0)) ||
           (len == 3 && memcmp(tok, "des", 3) == 0) || (len == 1 && tok[0] == 'd') ||
           (len == 2 && memcmp(tok, "of", 2) == 0);
}

void enrich_name_bounds(const struct enrich_toks *t, size_t *first_out, size_t *last_out)
{
    size_t first = 0, last = t->n;   /* [first, last) kept */
    while (last - first > 1 && enrich_is_legal_form(t->buf + t->v[last - 1].off, t->v[last - 1].len))
        last--;
    /* "Compagnie de Saint-Gobain" -> "saint gobain"; "Société Générale" stays: dropping the
     * lead word must not leave a single everyday word behind. */
    size_t f = first;
    while (last > f && last - f > 1 && is_lead_word(t->buf + t->v[f].off, t->v[f].len)) {
        size_t g = f + 1;
        while (last - g > 1 && is_particle(t->buf + t->v[g].off, t->v[g].len))
            g++;
        const char *lw = t->buf + t->v[f].off;
        size_t ll = t->v[f].len;
        int always = (ll == 3 && memcmp(lw, "the", 3) == 0) ||
                     ((ll == 5 || ll == 6) && memcmp(lw, "group", 5) == 0);
        if (!always && last - g == 1 && enrich_is_common_word(t->buf + t->v[g].off, t->v[g].len))
            break;
        f = g;
    }
    *first_out = f;
    *last_out = last;
}

char *enrich_norm_name(const char *name, size_t len)
{
    struct enrich_toks t = {0};
    if (enrich_tokenize(name, len, &t) < 0) {
        enrich_toks_free(&t);
        return NULL;
    }
    char *out;
    if (t.n == 0) {
        out = vg_strdup("");
    } else {
        size_t first, last;
        enrich_name_bounds(&t, &first, &last);
        size_t a = t.v[first].off, b = t.v[last - 1].off + t.v[last - 1].len;
        out = vg_strndup(t.buf + a, b - a);
    }
    enrich_toks_free(&t);
    return out;
}
