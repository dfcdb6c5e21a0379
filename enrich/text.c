/* text — folding and sentence splitting (see text.h). */
#include "enrich/text.h"

#include "util/vg_alloc.h"

#include <string.h>
#include <utf8proc.h>

/* ------------------------------------------------------------------------------------------ */
/* Folding one code point                                                                     */

/* Letters that NFKD does not decompose but that readers treat as plain Latin letters. */
static const char *latin_extra(int32_t cp)
{
    switch (cp) {
    case 0x00C6: return "AE";
    case 0x00E6: return "ae";
    case 0x0152: return "OE";
    case 0x0153: return "oe";
    case 0x00D8: return "O";
    case 0x00F8: return "o";
    case 0x00DF: return "ss";
    case 0x1E9E: return "SS";
    case 0x0141: return "L";
    case 0x0142: return "l";
    case 0x0110: return "D";
    case 0x0111: return "d";
    case 0x00D0: return "D";
    case 0x00F0: return "d";
    case 0x00DE: return "Th";
    case 0x00FE: return "th";
    case 0x0131: return "i";
    default: return NULL;
    }
}

/* Typography that would otherwise make the same phrase look different. "" drops the code
 * point (zero-width characters), NULL means "not punctuation we unify". */
static const char *punct_fold(int32_t cp)
{
    switch (cp) {
    case 0x2018: case 0x2019: case 0x201B: case 0x02BC: case 0x00B4: case 0x2032:
        return "'";
    case 0x201C: case 0x201D: case 0x201E: case 0x00AB: case 0x00BB: case 0x2033:
        return "\"";
    case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2015: case 0x2212:
        return "-";
    case 0x2026:
        return "...";
    case 0x00A0: case 0x202F: case 0x2000: case 0x2001: case 0x2002: case 0x2003: case 0x2004:
    case 0x2005: case 0x2006: case 0x2007: case 0x2008: case 0x2009: case 0x200A: case 0x3000:
        return " ";
    case 0x2028: case 0x2029: case 0x0085:
        return "\n";
    case 0x200B: case 0x200C: case 0x200D: case 0x2060: case 0xFEFF: case 0x00AD:
        return "";
    default:
        return NULL;
    }
}

struct folder {
    char *f;
    size_t *map;
    size_t len, cap;
};

static void put_byte(struct folder *w, char c, size_t orig)
{
    /* Collapse runs of blanks; a newline absorbs the blanks around it. */
    if (c == ' ' || c == '\n') {
        if (w->len == 0)
            return;
        char prev = w->f[w->len - 1];
        if (prev == '\n')
            return;
        if (prev == ' ') {
            if (c == '\n') {
                w->f[w->len - 1] = '\n';
            }
            return;
        }
    }
    if (w->len < w->cap) {
        w->f[w->len] = c;
        w->map[w->len] = orig;
        w->len++;
    }
}

static void put_str(struct folder *w, const char *s, size_t orig)
{
    for (; *s; s++)
        put_byte(w, *s, orig);
}

static void put_cp(struct folder *w, int32_t cp, size_t orig)
{
    utf8proc_uint8_t enc[4];
    utf8proc_ssize_t n = utf8proc_encode_char(cp, enc);
    for (utf8proc_ssize_t i = 0; i < n; i++)
        put_byte(w, (char)enc[i], orig);
}

static void fold_cp(struct folder *w, int32_t cp, size_t orig)
{
    const char *s = punct_fold(cp);
    if (!s)
        s = latin_extra(cp);
    if (s) {
        put_str(w, s, orig);
        return;
    }
    utf8proc_int32_t dec[18];
    int bound = 0;
    utf8proc_ssize_t n = utf8proc_decompose_char(
        cp, dec, 18, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_STRIPMARK, &bound);
    if (n < 0 || n > 18) {
        put_cp(w, cp, orig);
        return;
    }
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        const char *x = latin_extra(dec[i]);
        if (x)
            put_str(w, x, orig);
        else if (dec[i] < 0x20 || (dec[i] >= 0x7F && dec[i] < 0xA0))
            put_byte(w, ' ', orig);
        else
            put_cp(w, dec[i], orig);
    }
}

/* ------------------------------------------------------------------------------------------ */

int enrich_text_fold(const char *in, size_t len, struct enrich_text *t)
{
    memset(t, 0, sizeof(*t));
    if (len > ENRICH_TEXT_MAX) {
        len = ENRICH_TEXT_MAX;
        /* Do not cut in the middle of a UTF-8 sequence. */
        while (len > 0 && ((unsigned char)in[len] & 0xC0) == 0x80)
            len--;
    }
    /* A code point expands to at most 18 decomposed code points of up to 4 bytes each, but
     * in practice folding shrinks text; 3 bytes per input byte plus slack covers everything
     * the folder writes (it drops bytes rather than overflow). */
    struct folder w = {0};
    w.cap = len * 3 + 16;
    w.f = vg_malloc(w.cap + 1);
    w.map = vg_malloc((w.cap + 1) * sizeof(size_t));
    if (!w.f || !w.map)
        goto fail;
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)in[i];
        if (c > 0x20 && c < 0x7F) {
            /* most bytes: printable ASCII, copied as they are (what put_byte does with them,
             * without its blank handling) */
            if (w.len < w.cap) {
                w.f[w.len] = (char)c;
                w.map[w.len] = i;
                w.len++;
            }
            i++;
            continue;
        }
        if (c < 0x80) {
            if (c == '\n' || c == '\r')
                put_byte(&w, '\n', i);
            else if (c < 0x20 || c == 0x7F)
                put_byte(&w, ' ', i);
            else
                put_byte(&w, (char)c, i);
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)in + i,
                                              (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0) {
            put_byte(&w, ' ', i);  /* invalid UTF-8: one byte becomes a blank */
            i++;
            continue;
        }
        fold_cp(&w, cp, i);
        i += (size_t)n;
    }
    while (w.len > 0 && (w.f[w.len - 1] == ' ' || w.f[w.len - 1] == '\n'))
        w.len--;
    w.f[w.len] = '\0';
    w.map[w.len] = len;
    t->f = w.f;
    t->map = w.map;
    t->len = w.len;
    t->orig_len = len;
    t->l = vg_malloc(w.len + 1);
    if (!t->l)
        goto fail_t;
    for (size_t k = 0; k <= w.len; k++) {
        char ch = w.f[k];
        t->l[k] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
    }
    return 0;
fail:
    vg_free(w.f);
    vg_free(w.map);
    return -1;
fail_t:
    enrich_text_release(t);
    return -1;
}

void enrich_text_release(struct enrich_text *t)
{
    if (!t)
        return;
    vg_free(t->f);
    vg_free(t->l);
    vg_free(t->map);
    memset(t, 0, sizeof(*t));
}

char *enrich_fold_str(const char *s, int lower)
{
    struct enrich_text t;
    if (enrich_text_fold(s, strlen(s), &t) < 0)
        return NULL;
    char *r = lower ? t.l : t.f;
    if (lower)
        t.l = NULL;
    else
        t.f = NULL;
    enrich_text_release(&t);
    return r;
}

char *enrich_squash_name(const char *s)
{
    char *l = enrich_fold_str(s, 1);
    if (!l)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; l[i]; i++)
        if ((l[i] >= 'a' && l[i] <= 'z') || (l[i] >= '0' && l[i] <= '9'))
            l[n++] = l[i];
    l[n] = '\0';
    return l;
}

/* ------------------------------------------------------------------------------------------ */
/* Sentences                                                                                  */

static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || is_upper(c); }

/* Words after which a period does not end a sentence: titles and abbreviations that are
 * followed by a capitalised word in running text. */
static int abbreviation_before(const char *f, size_t dot)
{
    static const char *const abbr[] = {
        "M", "Mr", "Mrs", "Ms", "Mme", "Mmes", "Mlle", "MM", "Dr", "Pr", "Prof", "Me", "St",
        "Ste", "Sr", "Jr", "Gen", "Gov", "Sen", "Rep", "Lt", "Col", "Capt", "Mgr", "No", "Nos",
        "vs", "cf", "ex", "Co", "approx", "env", "av", "bd", "U.S", "U.K", "S.A", "N.V",
        NULL,
    };
    size_t s = dot;
    while (s > 0 && (is_alpha(f[s - 1]) || (f[s - 1] == '.' && s >= 2 && is_alpha(f[s - 2]))))
        s--;
    size_t n = dot - s;
    if (n == 0)
        return 0;
    if (n == 1 && is_upper(f[s]))
        return 1;  /* an initial: "John F. Kennedy" */
    for (int i = 0; abbr[i]; i++)
        if (strlen(abbr[i]) == n && memcmp(abbr[i], f + s, n) == 0)
            return 1;
    return 0;
}

static void add_span(const char *f, size_t a, size_t b, struct enrich_span *out, size_t max,
                     size_t *n)
{
    while (a < b && (f[a] == ' ' || f[a] == '\n'))
        a++;
    while (b > a && (f[b - 1] == ' ' || f[b - 1] == '\n'))
        b--;
    /* Cut overlong sentences at a blank so that every regex subject stays small. */
    while (b - a > ENRICH_SENTENCE_MAX && *n < max) {
        size_t cut = a + ENRICH_SENTENCE_MAX;
        while (cut > a + ENRICH_SENTENCE_MAX / 2 && f[cut] != ' ')
            cut--;
        if (f[cut] != ' ')
            cut = a + ENRICH_SENTENCE_MAX;
        /* never split a UTF-8 sequence */
        while (cut > a && ((unsigned char)f[cut] & 0xC0) == 0x80)
            cut--;
        out[(*n)++] = (struct enrich_span){a, cut};
        a = cut;
        while (a < b && f[a] == ' ')
            a++;
    }
    if (a < b && *n < max)
        out[(*n)++] = (struct enrich_span){a, b};
}

size_t enrich_sentences(const char *f, size_t len, struct enrich_span *out, size_t max)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i < len && n < max; i++) {
        char c = f[i];
        if (c == '\n') {
            add_span(f, start, i, out, max, &n);
            start = i + 1;
            continue;
        }
        if (c != '.' && c != '!' && c != '?')
            continue;
        size_t j = i + 1;
        while (j < len && (f[j] == '.' || f[j] == '!' || f[j] == '?' || f[j] == '"' ||
                           f[j] == ')'))
            j++;
        if (j >= len || f[j] != ' ')
            continue;
        size_t k = j + 1;
        if (k < len && !(is_upper(f[k]) || (f[k] >= '0' && f[k] <= '9') || f[k] == '"' ||
                         f[k] == '\'' || f[k] == '(' || (unsigned char)f[k] >= 0x80))
            continue;
        if (c == '.' && abbreviation_before(f, i))
            continue;
        add_span(f, start, j, out, max, &n);
        start = j;
        i = j - 1;
    }
    if (start < len && n < max)
        add_span(f, start, len, out, max, &n);
    return n;
}
