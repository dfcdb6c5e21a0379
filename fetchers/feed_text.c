/* feed_text — HTML to plain text, entity decoding and whitespace normalisation for titles and
 * summaries (see feed_text_clean in feed.h).
 *
 * One pass, no DOM: summaries are small HTML fragments and often broken, and the parse speed
 * of a whole feed is dominated by this loop, so runs of ordinary characters are copied in
 * bulk and everything else goes through a byte-class table. Separators (spaces, paragraph
 * breaks) are held back until the next visible character, which is what collapses runs of
 * whitespace and leaves nothing at either end. */
#include "fetchers/feed.h"
#include "fetchers/feed_int.h"

#include "util/vg_alloc.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>

/* Byte classes: plain ASCII is copied in runs; the rest needs a look. */
enum { C_PLAIN = 0, C_SPACE, C_CTRL, C_LT, C_AMP, C_HIGH };

static unsigned char cls_html[256];
static unsigned char cls_text[256];

static pthread_once_t classes_once = PTHREAD_ONCE_INIT;

static void classes_build(void)
{
    for (int c = 0; c < 256; c++) {
        unsigned char k;
        if (c >= 0x80)
            k = C_HIGH;
        else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
            k = C_SPACE;
        else if (c < 0x20 || c == 0x7f)
            k = C_CTRL;
        else
            k = C_PLAIN;
        cls_text[c] = k;
        cls_html[c] = k;
    }
    cls_html['<'] = C_LT;
    cls_html['&'] = C_AMP;
}

/* ------------------------------------------------------------------------------------------
 * Output builder
 * ------------------------------------------------------------------------------------------ */

struct tb {
    char *out;
    size_t len;
    size_t max;        /* never write past this (also <= the allocation) */
    int pend_space;
    int pend_nl;
    int multiline;
    int full;
};

static inline int tb_sep(struct tb *b, size_t need)
{
    if (b->pend_nl || b->pend_space) {
        if (b->len + 1 + need > b->max) {
            b->full = 1;
            return -1;
        }
        b->out[b->len++] = (b->pend_nl && b->multiline) ? '\n' : ' ';
        b->pend_nl = b->pend_space = 0;
    }
    if (b->len + need > b->max) {
        b->full = 1;
        return -1;
    }
    return 0;
}

static inline void tb_run(struct tb *b, const char *p, size_t n)
{
    if (b->full || n == 0)
        return;
    /* room for the separator and the first character, or nothing is written */
    unsigned char c0 = (unsigned char)*p;
    if (tb_sep(b, c0 < 0x80 ? 1 : c0 < 0xE0 ? 2 : c0 < 0xF0 ? 3 : 4) < 0)
        return;
    if (b->len + n > b->max) {
        n = b->max - b->len; /* a cut never splits a character, nor ends on a space */
        while (n && ((unsigned char)p[n] & 0xC0) == 0x80)
            n--;
        while (n && p[n - 1] == ' ')
            n--;
        b->full = 1;
    }
    memcpy(b->out + b->len, p, n);
    b->len += n;
}

static inline void tb_space(struct tb *b)
{
    if (b->len)
        b->pend_space = 1;
}

static inline void tb_newline(struct tb *b)
{
    if (b->len)
        b->pend_nl = 1;
}

/* Emits one code point, mapping the characters feeds misuse: C1 controls are windows-1252
 * bytes decoded as latin-1, the Unicode spaces are spaces, zero-width ones disappear. */
static void tb_cp(struct tb *b, uint32_t cp)
{
    if (b->full)
        return;
    if (cp >= 0x80 && cp <= 0x9f)
        cp = feed_cp1252_c1[cp - 0x80] ? feed_cp1252_c1[cp - 0x80] : 0xfffd;
    if (cp <= 0x20 || cp == 0x7f) {
        if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v')
            tb_space(b);
        return;
    }
    if (cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x202f ||
        cp == 0x205f || cp == 0x3000) {
        tb_space(b);
        return;
    }
    if (cp == 0x2028 || cp == 0x2029) {
        tb_newline(b);
        return;
    }
    if (cp == 0xad || cp == 0x200b || cp == 0x2060 || cp == 0xfeff || cp == 0xfffe ||
        cp == 0xffff || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return;
    char tmp[4];
    size_t n = feed_utf8_put(tmp, cp);
    if (tb_sep(b, n) < 0)
        return;
    memcpy(b->out + b->len, tmp, n);
    b->len += n;
}

/* ------------------------------------------------------------------------------------------
 * Entities
 * ------------------------------------------------------------------------------------------ */

static int is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alnum(unsigned char c) { return is_alpha(c) || is_digit(c); }

/* Reads the character reference at p ('&' included). Returns the bytes consumed and the code
 * point, or 0 when p is a literal '&'. Names without ';' are accepted only for the few that
 * HTML pages commonly write that way, so "R&D" and "?a=1&b=2" stay as they are. */
static size_t entity_at(const char *p, const char *end, uint32_t *cp)
{
    const char *q = p + 1;
    if (q < end && *q == '#') {
        q++;
        int hex = 0;
        if (q < end && (*q == 'x' || *q == 'X')) {
            hex = 1;
            q++;
        }
        const char *d = q;
        uint32_t v = 0;
        int over = 0;
        while (q < end) {
            unsigned char c = (unsigned char)*q;
            int dv;
            if (is_digit(c))
                dv = c - '0';
            else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                dv = (c | 0x20) - 'a' + 10;
            else
                break;
            if (v > 0x10ffff)
                over = 1;
            else
                v = v * (hex ? 16 : 10) + (uint32_t)dv;
            q++;
        }
        if (q == d)
            return 0;
        if (q < end && *q == ';')
            q++;
        if (over || v > 0x10ffff || v == 0 || (v >= 0xd800 && v <= 0xdfff))
            v = 0xfffd;
        *cp = v;
        return (size_t)(q - p);
    }
    const char *n = q;
    while (q < end && q - n < 32 && is_alnum((unsigned char)*q))
        q++;
    size_t nl = (size_t)(q - n);
    if (nl == 0)
        return 0;
    if (q < end && *q == ';') {
        int v = feed_entity_lookup(n, nl);
        if (v < 0)
            return 0;
        *cp = (uint32_t)v;
        return (size_t)(q + 1 - p);
    }
    static const struct {
        const char *name;
        uint32_t cp;
    } legacy[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"nbsp", 0xa0},
                  {"copy", 0xa9}, {"reg", 0xae}, {"AMP", '&'}, {"LT", '<'}, {"GT", '>'}};
    for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++)
        if (strlen(legacy[i].name) == nl && memcmp(legacy[i].name, n, nl) == 0) {
            *cp = legacy[i].cp;
            return (size_t)(q - p);
        }
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * Tags
 * ------------------------------------------------------------------------------------------ */

enum tag_kind { TAG_INLINE, TAG_BLOCK, TAG_CELL, TAG_SKIP };

/* Block elements end a line; cells are separated by a space; the content of script-like
 * elements is not text at all. Everything else is inline and vanishes. Looked up for every
 * tag of every summary, hence the lengths stored next to the names. */
/* An <iframe> or an <object> is not text, but what it holds is the fallback a reader without
 * them sees: it stays, as feedparser's sanitiser keeps it. */
static const struct {
    const char *name;
    unsigned char len;
    unsigned char kind;
} tag_table[] = {
#define T(n, k) {n, sizeof(n) - 1, k}
    T("p", TAG_BLOCK), T("br", TAG_BLOCK), T("li", TAG_BLOCK), T("div", TAG_BLOCK),
    T("td", TAG_CELL), T("th", TAG_CELL), T("tr", TAG_BLOCK), T("h1", TAG_BLOCK),
    T("h2", TAG_BLOCK), T("h3", TAG_BLOCK), T("h4", TAG_BLOCK), T("h5", TAG_BLOCK),
    T("h6", TAG_BLOCK), T("ul", TAG_BLOCK), T("ol", TAG_BLOCK), T("dd", TAG_BLOCK),
    T("dl", TAG_BLOCK), T("dt", TAG_BLOCK), T("hr", TAG_BLOCK), T("nav", TAG_BLOCK),
    T("pre", TAG_BLOCK), T("main", TAG_BLOCK), T("form", TAG_BLOCK), T("head", TAG_SKIP),
    T("aside", TAG_BLOCK), T("table", TAG_BLOCK), T("tbody", TAG_BLOCK), T("thead", TAG_BLOCK),
    T("tfoot", TAG_BLOCK), T("title", TAG_SKIP), T("style", TAG_SKIP), T("header", TAG_BLOCK),
    T("footer", TAG_BLOCK), T("figure", TAG_BLOCK), T("center", TAG_BLOCK),
    T("dialog", TAG_BLOCK), T("legend", TAG_BLOCK), T("script", TAG_SKIP), T("select", TAG_SKIP),
    T("section", TAG_BLOCK), T("article", TAG_BLOCK), T("address", TAG_BLOCK),
    T("caption", TAG_BLOCK), T("details", TAG_BLOCK), T("summary", TAG_BLOCK),
    T("noscript", TAG_SKIP), T("template", TAG_SKIP), T("fieldset", TAG_BLOCK),
    T("blockquote", TAG_BLOCK), T("figcaption", TAG_BLOCK),
#undef T
};

static enum tag_kind tag_kind(const char *name, size_t n)
{
    /* the most frequent tags first, without a table walk */
    if (n == 1)
        return name[0] == 'p' ? TAG_BLOCK : TAG_INLINE;
    if (n == 2) {
        char a = name[0], b = name[1];
        if (a == 'h' && b >= '1' && b <= '6')
            return TAG_BLOCK;
        if (a == 't' && (b == 'd' || b == 'h'))
            return TAG_CELL;
        if ((a == 'b' && b == 'r') || (a == 'l' && b == 'i') || (a == 't' && b == 'r') ||
            (b == 'l' && (a == 'u' || a == 'o' || a == 'd')) || (a == 'd' && (b == 'd' || b == 't')) ||
            (a == 'h' && b == 'r'))
            return TAG_BLOCK;
        return TAG_INLINE;
    }
    for (size_t i = 0; i < sizeof(tag_table) / sizeof(tag_table[0]); i++)
        if (tag_table[i].len == n && memcmp(tag_table[i].name, name, n) == 0)
            return (enum tag_kind)tag_table[i].kind;
    return TAG_INLINE;
}

/* Reads a lower-cased tag name (letters and digits, at most 15 bytes kept). */
static size_t tag_name(const char *p, const char *end, char *name, size_t *nlen)
{
    const char *q = p;
    size_t k = 0;
    while (q < end && (is_alnum((unsigned char)*q) || *q == '-' || *q == ':')) {
        if (k < 15)
            name[k] = (char)(*q | ((*q >= 'A' && *q <= 'Z') ? 0x20 : 0));
        k++;
        q++;
    }
    *nlen = k < 16 ? k : 16; /* 16: longer than any name we know */
    return (size_t)(q - p);
}

/* End of the tag starting at p (after its name): the byte after '>', or end. Quotes count only
 * right after '=', so a stray apostrophe in a broken tag cannot swallow the rest of the text. */
static const char *tag_end(const char *p, const char *end)
{
    while (p < end) {
        char c = *p++;
        if (c == '>')
            return p;
        if (c == '=') {
            while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
                p++;
            if (p < end && (*p == '"' || *p == '\'')) {
                const char *close = memchr(p + 1, *p, (size_t)(end - p - 1));
                if (!close)
                    return end;
                p = close + 1;
            }
        }
    }
    return end;
}

static const char *find_ci(const char *p, const char *end, const char *needle, size_t n)
{
    while ((size_t)(end - p) >= n) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt || (size_t)(end - lt) < n)
            return NULL;
        if (strncasecmp(lt, needle, n) == 0)
            return lt;
        p = lt + 1;
    }
    return NULL;
}

static const char *find_str(const char *p, const char *end, const char *needle)
{
    return memmem(p, (size_t)(end - p), needle, strlen(needle));
}

/* Handles the markup at p ('<'); returns where the text resumes. */
static const char *markup(struct tb *b, const char *p, const char *end)
{
    const char *q = p + 1;
    if (q >= end) {
        tb_run(b, "<", 1);
        return end;
    }
    if (*q == '!') {
        if (end - q >= 3 && q[1] == '-' && q[2] == '-') {
            const char *c = find_str(q + 3, end, "-->");
            if (c)
                return c + 3;
            /* never closed: it ends at the next '>', so the text after it is not lost */
            const char *gt = memchr(q + 3, '>', (size_t)(end - q - 3));
            return gt ? gt + 1 : end;
        }
        if (end - q >= 8 && memcmp(q, "![CDATA[", 8) == 0) {
            const char *s = q + 8;
            const char *c = find_str(s, end, "]]>");
            const char *e = c ? c : end;
            /* CDATA inside HTML is literal text: emit it without markup handling */
            for (const char *r = s; r < e;) {
                uint32_t cp;
                size_t n = feed_utf8_decode((const unsigned char *)r, (size_t)(e - r), &cp);
                if (n == 0) { /* stray byte: latin-1, C1 remapped by tb_cp */
                    cp = (unsigned char)*r;
                    n = 1;
                }
                tb_cp(b, cp);
                r += n;
            }
            return c ? c + 3 : end;
        }
        const char *gt = memchr(q, '>', (size_t)(end - q));
        return gt ? gt + 1 : end;
    }
    if (*q == '?') {
        const char *gt = memchr(q, '>', (size_t)(end - q));
        return gt ? gt + 1 : end;
    }
    int closing = 0;
    if (*q == '/') {
        closing = 1;
        q++;
    }
    if (q >= end || !is_alpha((unsigned char)*q)) {
        if (closing) { /* "</ " or "</>": a bogus comment in HTML */
            const char *gt = memchr(q, '>', (size_t)(end - q));
            return gt ? gt + 1 : end;
        }
        tb_run(b, "<", 1);
        return p + 1;
    }
    char name[16];
    size_t nlen;
    q += tag_name(q, end, name, &nlen);
    const char *after = tag_end(q, end);
    enum tag_kind k = tag_kind(name, nlen);
    if (k == TAG_BLOCK)
        tb_newline(b);
    else if (k == TAG_CELL)
        tb_space(b);
    else if (k == TAG_SKIP && !closing && !(after - p >= 2 && after[-2] == '/')) {
        char close[18] = "</";
        memcpy(close + 2, name, nlen);
        const char *c = find_ci(after, end, close, nlen + 2);
        if (!c) /* never closed: the rest is code for a script or a style, text otherwise (an
                 * <object> or <iframe> left open must not take the summary's end with it) */
            return (nlen == 6 && memcmp(name, "script", 6) == 0) || (nlen == 5 && memcmp(name, "style", 5) == 0)
                       ? end
                       : after;
        return tag_end(c + 2 + nlen, end);
    }
    return after;
}

/* ------------------------------------------------------------------------------------------
 * The pass
 * ------------------------------------------------------------------------------------------ */

/* The length of the UTF-8 character at q when it needs nothing from tb_cp (it is neither a
 * C1 control, a space, a zero-width character nor a line separator), so it can stay in a
 * plain run: the letters of U+00C0-U+07FF (accented Latin, Greek, Cyrillic ...) and the
 * punctuation of U+2000-U+20FF other than the spaces (dashes, quotes, the euro sign).
 * 0 for anything else, which then goes through tb_cp. */
static size_t plain_multibyte(const unsigned char *q, const char *end)
{
    size_t left = (size_t)((const unsigned char *)end - q);
    if (left >= 2 && q[0] >= 0xC3 && q[0] <= 0xDF && (q[1] & 0xC0) == 0x80)
        return 2;
    if (left >= 3 && q[0] == 0xE2 && (q[1] & 0xFC) == 0x80 && (q[2] & 0xC0) == 0x80) {
        unsigned cp = 0x2000u | (q[1] & 0x3Fu) << 6 | (q[2] & 0x3Fu);
        if (cp <= 0x200B || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
            cp == 0x2060)
            return 0;
        return 3;
    }
    return 0;
}

/* The end of a plain run from q: plain characters, and single spaces between two of them
 * (runs then span sentences instead of words). */
static const char *plain_run(const unsigned char *cls, const char *q, const char *end)
{
    const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
    for (;;) {
        size_t k;
        if (end - q >= 9) {
            /* Eight bytes at once when they are printable ASCII other than '<' and '&', with
             * single spaces between them and none last: exact per-byte masks (each byte is
             * below 0x80, so the additions never carry into the next byte). */
            uint64_t w;
            memcpy(&w, q, 8);
            if (!(w & high)) {
                uint64_t printable = (w + ones * (0x80 - 0x21)) & high;
                uint64_t sp = ~((w ^ ones * ' ') + ones * 0x7F) & high;
                uint64_t lt = ~((w ^ ones * '<') + ones * 0x7F) & high;
                uint64_t amp = ~((w ^ ones * '&') + ones * 0x7F) & high;
                uint64_t del = ~((w ^ ones * 0x7F) + ones * 0x7F) & high;
                uint64_t bad = (~printable & high & ~sp) | lt | amp | del;
                if (!bad && !(sp & (sp >> 8)) && !(sp >> 56)) {
                    q += 8;
                    continue;
                }
            }
        }
        if (q < end && cls[(unsigned char)*q] == C_PLAIN)
            q++;
        else if (q + 1 < end && *q == ' ' && cls[(unsigned char)q[1]] == C_PLAIN)
            q += 2;
        else if (q + 1 < end && *q == ' ' &&
                 (k = plain_multibyte((const unsigned char *)q + 1, end)) > 0)
            q += 1 + k;
        else if ((k = plain_multibyte((const unsigned char *)q, end)) > 0)
            q += k;
        else
            return q;
    }
}

static void run_pass(struct tb *b, const char *s, size_t len, int html)
{
    const unsigned char *cls = html ? cls_html : cls_text;
    const char *p = s, *end = s + len;
    while (p < end && !b->full) {
        unsigned char c = (unsigned char)*p;
        switch (cls[c]) {
        case C_PLAIN: {
            const char *q = plain_run(cls, p + 1, end);
            tb_run(b, p, (size_t)(q - p));
            p = q;
            break;
        }
        case C_SPACE:
            if (c == '\n' && !html && b->multiline) {
                /* plain text: a blank line is a paragraph break, a single newline a wrap */
                const char *q = p + 1;
                while (q < end && (*q == ' ' || *q == '\t' || *q == '\r'))
                    q++;
                if (q < end && *q == '\n') {
                    tb_newline(b);
                    p = q + 1;
                    break;
                }
            }
            tb_space(b);
            p++;
            break;
        case C_CTRL:
            p++;
            break;
        case C_LT:
            p = markup(b, p, end);
            break;
        case C_AMP: {
            uint32_t cp;
            size_t n = entity_at(p, end, &cp);
            if (n) {
                tb_cp(b, cp);
                p += n;
            } else {
                tb_run(b, "&", 1);
                p++;
            }
            break;
        }
        default: { /* C_HIGH */
            size_t k = plain_multibyte((const unsigned char *)p, end);
            if (k) {
                const char *q = plain_run(cls, p + k, end);
                tb_run(b, p, (size_t)(q - p));
                p = q;
                break;
            }
            uint32_t cp;
            size_t n = feed_utf8_decode((const unsigned char *)p, (size_t)(end - p), &cp);
            if (n == 0) { /* a stray byte: windows-1252 as browsers do (C1 via tb_cp) */
                cp = c;
                n = 1;
            }
            tb_cp(b, cp);
            p += n;
        }
        }
    }
}

/* Does text decoded once still hold markup or a character reference? Then the feed escaped
 * its HTML twice (&amp;lt;p&amp;gt;, &amp;eacute;) and one more pass gives the real text. */
static int still_escaped(const char *s, size_t len)
{
    static const char *const tags[] = {"p", "br", "a", "b", "i", "u", "em", "strong", "div",
                                       "span", "img", "ul", "ol", "li", "h1", "h2", "h3",
                                       "h4", "table", "tr", "td", "blockquote", "font", "hr",
                                       "pre", "code", "small", "sup", "sub"};
    const char *end = s + len;
    for (const char *p = s; p < end; p++) {
        p += strcspn(p, "&<"); /* s is NUL-terminated at end */
        if (p >= end)
            break;
        if (*p == '&') {
            uint32_t cp;
            if (entity_at(p, end, &cp) > 2)
                return 1;
        } else if (*p == '<') {
            const char *q = p + 1;
            if (q < end && *q == '/')
                q++;
            char name[16];
            size_t nlen;
            size_t n = tag_name(q, end, name, &nlen);
            if (n == 0 || (q + n < end && q[n] != '>' && q[n] != ' ' && q[n] != '/'))
                continue;
            for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
                if (strlen(tags[i]) == nlen && memcmp(tags[i], name, nlen) == 0)
                    return 1;
        }
    }
    return 0;
}

char *feed_text_clean(const char *s, size_t len, size_t max, unsigned flags)
{
    pthread_once(&classes_once, classes_build);
    if (!s)
        len = 0;
    /* Output never exceeds 3 bytes per input byte (a stray byte becomes a 3-byte character). */
    size_t cap = len > max / 3 ? max : len * 3;
    struct tb b = {.max = cap, .multiline = (flags & FEED_TEXT_MULTILINE) != 0};
    b.out = vg_malloc(cap + 1);
    if (!b.out)
        return NULL;
    int html = (flags & FEED_TEXT_HTML) != 0;
    run_pass(&b, s ? s : "", len, html);
    b.out[b.len] = '\0';
    if (html && !b.full && still_escaped(b.out, b.len)) {
        struct tb b2 = {.max = b.len, .multiline = b.multiline};
        b2.out = vg_malloc(b.len + 1);
        if (!b2.out) {
            vg_free(b.out);
            return NULL;
        }
        run_pass(&b2, b.out, b.len, 1);
        vg_free(b.out);
        b = b2;
    }
    /* tb_cp and tb_run write whole characters only, so a cut never splits one. */
    b.out[b.len] = '\0';
    b.len = feed_mojibake_repair(b.out, b.len);
    return b.out;
}
