/* feed_xml_scan — a fast first pass for the common case: a well-formed UTF-8 feed without a
 * DOCTYPE. It reads the document itself and calls the same SAX2 callbacks libxml2 would, with
 * the same arguments, so the field code (feed_xml.c, feed_xml_fields.c) cannot tell the two
 * apart. Anything it is not sure about, it does not guess: it gives up and the caller starts
 * over with libxml2, which then decides (and repairs) exactly as before.
 *
 * Why: feeds carry their HTML summaries escaped ("&lt;p&gt;..."), and libxml2 spends most of
 * its time on those references, one callback per reference (BENCHMARKS.md, parse). Here a text
 * node is decoded into one buffer and handed over in one call.
 *
 * What it accepts, and what libxml2 makes of it, is kept identical: the differential test
 * (tests/fetch/test_feed.c) and the fuzz harness (tests/fuzz/fuzz_feed_scan.c) parse every
 * document both ways and compare the results. What makes it give up:
 *   - a DOCTYPE, a character XML forbids, a non-ASCII name, a reference
 *     other than the five predefined entities and character references;
 *   - anything that is not well-formed: a mismatched or missing end tag, a duplicate
 *     attribute, text outside the root element, "]]>" in text, "--" in a comment ...;
 *   - an undeclared attribute prefix, a declaration of the xml or xmlns prefixes;
 *   - depths, names and values near libxml2's own limits.
 * Input: valid UTF-8 (feed_charset_to_utf8 guarantees it), starting at the first '<'. */
#include "fetchers/feed_xml_scan.h"

#include "util/vg_alloc.h"
#include "util/vg_buf.h"

#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define SCAN_MAX_DEPTH 200          /* libxml2 stops at 256 */
#define SCAN_MAX_NAME 1000          /* libxml2 stops at 50,000 */
#define SCAN_MAX_VALUE 1000000      /* attribute values; libxml2 stops at 10,000,000 */
/* Attributes per element and namespace bindings in scope: feeds use a handful. The bounds
 * keep the duplicate checks and prefix lookups (quadratic) cheap on hostile input. */
#define SCAN_MAX_ATTRS 64
#define SCAN_MAX_BINDINGS 256

static const char xml_ns[] = "http://www.w3.org/XML/1998/namespace";

/* Bytes that end a run of plain text: markup, references, what must be checked ("]]>", the
 * non-characters U+FFFE/U+FFFF and surrogates behind 0xEF and 0xED), and what XML forbids
 * or rewrites (control characters; CR, a line end read as LF). */
static const unsigned char text_stop[256] = {
    [0x00 ... 0x08] = 1, [0x0B ... 0x1F] = 1, ['<'] = 1, ['&'] = 1, [']'] = 1,
    [0xED] = 1, [0xEF] = 1,
};
/* 2: NameStartChar, 1: NameChar only. ASCII only, and no ':' (QNames are read apart). */
static const unsigned char name_char[256] = {
    ['a' ... 'z'] = 2, ['A' ... 'Z'] = 2, ['_'] = 2, ['0' ... '9'] = 1, ['.'] = 1, ['-'] = 1,
};

/* An attribute as read from the start tag, before its namespace is known. */
struct rawattr {
    const unsigned char *name, *value; /* in the input */
    size_t nlen, vlen, colon;          /* colon: offset of ':' in the name, 0 when none */
    int rewrite;                       /* the value has references or whitespace to rewrite */
    int decl;                          /* xmlns or xmlns:prefix */
    size_t local_off, prefix_off, value_off; /* in the per-tag buffer, once copied */
    long uri_off;                      /* in the arena; URI_NONE or URI_XML */
};

enum { URI_NONE = -1, URI_XML = -2 };

/* A namespace binding in effect; prefix and uri are offsets into the arena. */
struct binding {
    int depth;
    long prefix; /* -1: the default namespace */
    size_t uri;
};

/* An open element: its name in the input (to match the end tag) and in the arena. */
struct open {
    const unsigned char *qname;
    size_t qlen;
    size_t mark;   /* arena length before this element: restored when it ends */
    long prefix;   /* arena offsets; -1 when none */
    size_t local;
    long uri;
};

struct scan {
    const unsigned char *p, *end;
    const xmlSAXHandler *sax;
    void *ctx;
    const int *stop;
    int oom;
    struct vg_buf arena;  /* element names and namespace URIs, popped as elements end */
    struct vg_buf tag;    /* names and rewritten values of the current start tag */
    unsigned char *tbuf;  /* decoded text, when it had references */
    size_t tcap;
    struct open open[SCAN_MAX_DEPTH + 1];
    int depth;
    struct binding *ns;
    size_t nns, ns_cap;
    struct rawattr attrs[SCAN_MAX_ATTRS];
    const xmlChar *attr_ptrs[SCAN_MAX_ATTRS * 5];
    const xmlChar *ns_ptrs[SCAN_MAX_ATTRS * 2];
};

enum { GIVE_UP = 0, OK = 1 };

static int is_space(unsigned c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static void skip_space(struct scan *s)
{
    while (s->p < s->end && is_space(*s->p))
        s->p++;
}

static int starts(const struct scan *s, const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)(s->end - s->p) >= n && memcmp(s->p, lit, n) == 0;
}

/* The first byte from p (before e) that needs a look: with `markup`, any byte text_stop
 * marks; without, only control characters, 0xED and 0xEF (what chars_ok checks). Sixteen
 * bytes at a time where SSE2 is there: most of a feed is text between those bytes. */
static const unsigned char *find_stop(const unsigned char *p, const unsigned char *e,
                                      int markup)
{
#ifdef __SSE2__
    const __m128i lt = _mm_set1_epi8('<'), amp = _mm_set1_epi8('&'), rb = _mm_set1_epi8(']');
    const __m128i ed = _mm_set1_epi8((char)0xED), ef = _mm_set1_epi8((char)0xEF);
    const __m128i ctl = _mm_set1_epi8(0x1F);
    while (e - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i m = _mm_or_si128(_mm_cmpeq_epi8(x, ed), _mm_cmpeq_epi8(x, ef));
        m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_max_epu8(x, ctl), ctl)); /* x <= 0x1F */
        if (markup)
            m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(x, lt),
                                             _mm_or_si128(_mm_cmpeq_epi8(x, amp),
                                                          _mm_cmpeq_epi8(x, rb))));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        while (bits) {
            const unsigned char *q = p + __builtin_ctz(bits);
            if (*q != '\t' && *q != '\n')
                return q; /* tab and newline share the control test but are text */
            bits &= bits - 1;
        }
        p += 16;
    }
#endif
    for (; p < e; p++)
        if (markup ? text_stop[*p] : (*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0xED ||
                                         *p == 0xEF)
            return p;
    return e;
}

/* Checks the bytes XML forbids from p to e (comments, PIs, CDATA): 1 when all are allowed. */
static int chars_ok(const unsigned char *p, const unsigned char *e)
{
    for (; (p = find_stop(p, e, 0)) < e; p++) {
        unsigned c = *p;
        if (c < 0x20 && c != '\r')
            return 0;
        if (c == 0xED && p + 1 < e && p[1] >= 0xA0)
            return 0; /* a surrogate */
        if (c == 0xEF && p + 2 < e && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF))
            return 0; /* U+FFFE, U+FFFF */
    }
    return 1;
}

/* A QName: NCName (':' NCName)?, ASCII only. Sets *colon to the offset of ':' (0: none). */
static int read_qname(struct scan *s, size_t *len, size_t *colon)
{
    const unsigned char *b = s->p, *q = b;
    *colon = 0;
    if (q >= s->end || name_char[*q] != 2)
        return GIVE_UP;
    q++;
    while (q < s->end) {
        if (name_char[*q]) {
            q++;
        } else if (*q == ':' && !*colon && q + 1 < s->end && name_char[q[1]] == 2) {
            *colon = (size_t)(q - b);
            q += 2;
        } else {
            break;
        }
    }
    if (q >= s->end || *q == ':' || *q >= 0x80 || (size_t)(q - b) > SCAN_MAX_NAME)
        return GIVE_UP;
    *len = (size_t)(q - b);
    s->p = q;
    return OK;
}

/* Reads the reference at *pp ('&'), moving *pp past it; writes its UTF-8 into out (at most 4
 * bytes) and returns the length, 0 to give up. Sets *amp when it stands for '&'. */
static size_t read_ref(const unsigned char **pp, const unsigned char *end, char out[4], int *amp)
{
    const unsigned char *q = *pp + 1;
    *amp = 0;
    uint32_t cp = 0;
    if (q < end && *q == '#') {
        q++;
        int hex = q < end && *q == 'x';
        q += hex;
        const unsigned char *digits = q;
        while (q < end && *q != ';') {
            unsigned c = *q, v;
            if (c >= '0' && c <= '9')
                v = c - '0';
            else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                v = (c | 0x20) - 'a' + 10;
            else
                return 0;
            cp = cp * (hex ? 16 : 10) + v;
            if (cp > 0x10FFFF)
                return 0;
            q++;
        }
        if (q >= end || q == digits)
            return 0;
        /* a Char of XML 1.0 */
        if (cp < 0x20 ? !(cp == 0x9 || cp == 0xA || cp == 0xD)
                      : (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
            return 0;
    } else {
        /* the five predefined entities; q is left on the ';' */
        size_t left = (size_t)(end - q);
#define IS(lit) (left >= sizeof(lit) - 1 && memcmp(q, lit, sizeof(lit) - 1) == 0)
        if (IS("lt;"))
            cp = '<', q += 2;
        else if (IS("gt;"))
            cp = '>', q += 2;
        else if (IS("amp;"))
            cp = '&', q += 3;
        else if (IS("quot;"))
            cp = '"', q += 4;
        else if (IS("apos;"))
            cp = '\'', q += 4;
        else
            return 0;
#undef IS
    }
    *pp = q + 1;
    *amp = cp == '&';
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static int put(struct scan *s, struct vg_buf *b, const void *p, size_t n)
{
    if (vg_buf_append(b, p, n) < 0) {
        s->oom = 1;
        return -1;
    }
    return 0;
}

/* A NUL-terminated copy in b; returns its offset, or -1. */
static long put_str(struct scan *s, struct vg_buf *b, const unsigned char *p, size_t n)
{
    size_t off = b->len;
    if (put(s, b, p, n) < 0 || put(s, b, "", 1) < 0)
        return -1;
    return (long)off;
}

/* An attribute value as libxml2's SAX2 interface gives it: references decoded, each
 * whitespace character or line end (CR LF, CR, LF) a space (a character reference keeps its
 * character), and every '&' written "&#38;" (libxml2 leaves it for a tree builder to
 * re-parse). */
static int rewrite_value(struct scan *s, struct vg_buf *b, const unsigned char *v, size_t n)
{
    const unsigned char *e = v + n, *run = v;
    for (const unsigned char *q = v; q < e;) {
        if (*q != '&' && *q != '\t' && *q != '\n' && *q != '\r') {
            q++;
            continue;
        }
        if (put(s, b, run, (size_t)(q - run)) < 0)
            return -1;
        if (*q != '&') {
            if (put(s, b, " ", 1) < 0)
                return -1;
            q += *q == '\r' && q + 1 < e && q[1] == '\n' ? 2 : 1; /* CR LF is one line end */
            run = q;
            continue;
        }
        char u[4];
        int amp;
        size_t k = read_ref(&q, e, u, &amp);
        if (!k)
            return 0;
        if (put(s, b, amp ? "&#38;" : u, amp ? 5 : k) < 0)
            return -1;
        run = q;
    }
    if (put(s, b, run, (size_t)(e - run)) < 0)
        return -1;
    return 1;
}

/* The URI bound to a prefix (NULL: the default namespace); NULL when none. */
static const char *lookup(struct scan *s, const unsigned char *prefix, size_t plen, long *off)
{
    *off = -1;
    for (size_t i = s->nns; i-- > 0;) {
        struct binding *b = &s->ns[i];
        if (prefix ? b->prefix < 0 || strlen(s->arena.data + b->prefix) != plen ||
                         memcmp(s->arena.data + b->prefix, prefix, plen) != 0
                   : b->prefix >= 0)
            continue;
        const char *u = s->arena.data + b->uri;
        if (!prefix && !*u)
            return NULL; /* xmlns="" undeclares the default namespace */
        *off = (long)b->uri;
        return u;
    }
    return NULL;
}

static int bind(struct scan *s, int depth, long prefix, size_t uri)
{
    if (s->nns == SCAN_MAX_BINDINGS)
        return -1;
    if (s->nns == s->ns_cap) {
        size_t cap = s->ns_cap ? s->ns_cap * 2 : 16;
        struct binding *n = vg_realloc(s->ns, cap * sizeof(*n));
        if (!n) {
            s->oom = 1;
            return -1;
        }
        s->ns = n;
        s->ns_cap = cap;
    }
    s->ns[s->nns++] = (struct binding){depth, prefix, uri};
    return 0;
}

static int stopped(const struct scan *s) { return s->oom || *s->stop; }

static void end_element(struct scan *s)
{
    struct open *o = &s->open[s->depth];
    const char *a = s->arena.data;
    s->sax->endElementNs(s->ctx, (const xmlChar *)a + o->local,
                         o->prefix >= 0 ? (const xmlChar *)a + o->prefix : NULL,
                         o->uri >= 0 ? (const xmlChar *)a + o->uri : NULL);
    while (s->nns && s->ns[s->nns - 1].depth == s->depth)
        s->nns--;
    s->arena.len = o->mark;
    s->depth--;
}

/* The value of one attribute, from its opening quote: checks what it holds and whether it
 * must be rewritten. */
static int attr_value(struct scan *s, struct rawattr *a)
{
    if (s->p >= s->end || (*s->p != '"' && *s->p != '\''))
        return GIVE_UP;
    unsigned char quote = *s->p++;
    a->value = s->p;
    a->rewrite = 0;
    for (; s->p < s->end && *s->p != quote; s->p++) {
        unsigned c = *s->p;
        if (c == '<')
            return GIVE_UP;
        if (!text_stop[c] && c != '\t' && c != '\n')
            continue;
        if (c == '&' || c == '\t' || c == '\n' || c == '\r')
            a->rewrite = 1;
        else if (c >= 0x80 ? !chars_ok(s->p, s->end - s->p < 3 ? s->end : s->p + 3)
                           : c != ']')
            return GIVE_UP; /* a control character, a non-character */
    }
    if (s->p >= s->end)
        return GIVE_UP;
    a->vlen = (size_t)(s->p - a->value);
    s->p++;
    return a->vlen <= SCAN_MAX_VALUE;
}

/* Reads the attributes of a start tag up to its '>' or "/>". Returns their number, -1 to
 * give up; *empty tells "/>". */
static long read_attrs(struct scan *s, int *empty)
{
    size_t na = 0;
    *empty = 0;
    for (;;) {
        const unsigned char *before = s->p;
        skip_space(s);
        if (s->p >= s->end)
            return -1;
        if (*s->p == '>') {
            s->p++;
            return (long)na;
        }
        if (*s->p == '/') {
            if (s->p + 1 >= s->end || s->p[1] != '>')
                return -1;
            s->p += 2;
            *empty = 1;
            return (long)na;
        }
        if (s->p == before || na == SCAN_MAX_ATTRS)
            return -1; /* attributes must be separated by whitespace */
        struct rawattr *a = &s->attrs[na];
        a->name = s->p;
        if (!read_qname(s, &a->nlen, &a->colon))
            return -1;
        skip_space(s);
        if (s->p >= s->end || *s->p != '=')
            return -1;
        s->p++;
        skip_space(s);
        if (!attr_value(s, a))
            return -1;
        for (size_t i = 0; i < na; i++)
            if (s->attrs[i].nlen == a->nlen && memcmp(s->attrs[i].name, a->name, a->nlen) == 0)
                return -1; /* the same attribute twice */
        a->decl = (a->nlen == 5 || a->colon == 5) && memcmp(a->name, "xmlns", 5) == 0;
        na++;
    }
}

/* Binds the namespaces the element declares, in the order given (libxml2's order). */
static int declare(struct scan *s, int d, size_t na, size_t *ndecl)
{
    *ndecl = 0;
    for (size_t i = 0; i < na; i++) {
        struct rawattr *a = &s->attrs[i];
        if (!a->decl)
            continue;
        long prefix = -1;
        if (a->colon) {
            const unsigned char *p = a->name + 6;
            size_t n = a->nlen - 6;
            if ((n == 3 && memcmp(p, "xml", 3) == 0) || (n == 5 && memcmp(p, "xmlns", 5) == 0) ||
                a->vlen == 0)
                return GIVE_UP; /* reserved prefixes; xmlns:p="" is an error */
            if ((prefix = put_str(s, &s->arena, p, n)) < 0)
                return GIVE_UP;
        }
        size_t uri = s->arena.len;
        int r = a->rewrite ? rewrite_value(s, &s->arena, a->value, a->vlen)
                           : put(s, &s->arena, a->value, a->vlen) == 0;
        if (r <= 0 || put(s, &s->arena, "", 1) < 0)
            return GIVE_UP;
        const char *u = s->arena.data + uri;
        if (strcmp(u, xml_ns) == 0 || strcmp(u, "http://www.w3.org/2000/xmlns/") == 0)
            return GIVE_UP; /* libxml2 refuses to bind these */
        if (bind(s, d, prefix, uri) < 0)
            return GIVE_UP;
        (*ndecl)++;
    }
    return OK;
}

/* Copies the names and rewritten values of the attributes into the per-tag buffer and
 * checks that the prefixes are declared. Returns the number of attributes, -1 to give up. */
static long copy_attrs(struct scan *s, size_t na)
{
    s->tag.len = 0;
    long n = 0;
    for (size_t i = 0; i < na; i++) {
        struct rawattr *a = &s->attrs[i];
        if (a->decl)
            continue;
        a->uri_off = URI_NONE;
        if (a->colon == 3 && memcmp(a->name, "xml", 3) == 0)
            a->uri_off = URI_XML;
        else if (a->colon && !lookup(s, a->name, a->colon, &a->uri_off))
            return -1; /* an undeclared attribute prefix */
        size_t skip = a->colon ? a->colon + 1 : 0;
        long lo = put_str(s, &s->tag, a->name + skip, a->nlen - skip);
        long po = a->colon ? put_str(s, &s->tag, a->name, a->colon) : 0;
        if (lo < 0 || po < 0)
            return -1;
        a->local_off = (size_t)lo;
        a->prefix_off = (size_t)po;
        if (a->rewrite) {
            a->value_off = s->tag.len;
            if (rewrite_value(s, &s->tag, a->value, a->vlen) <= 0)
                return -1;
            a->vlen = s->tag.len - a->value_off;
        }
        n++;
    }
    return n;
}

/* A start tag from its name (s->p just after '<'). */
static int start_tag(struct scan *s)
{
    const unsigned char *qname = s->p;
    size_t qlen, colon, ndecl;
    int empty;
    if (!read_qname(s, &qlen, &colon))
        return GIVE_UP;
    long na = read_attrs(s, &empty);
    if (na < 0 || s->depth == SCAN_MAX_DEPTH)
        return GIVE_UP;
    int d = ++s->depth;
    struct open *o = &s->open[d];
    o->qname = qname;
    o->qlen = qlen;
    o->mark = s->arena.len;
    /* Declarations first: they apply to the element's own name and to its attributes. */
    if (!declare(s, d, (size_t)na, &ndecl))
        return GIVE_UP;
    o->prefix = -1;
    if (colon) {
        if ((colon == 3 && memcmp(qname, "xml", 3) == 0) ||
            (colon == 5 && memcmp(qname, "xmlns", 5) == 0))
            return GIVE_UP;
        if ((o->prefix = put_str(s, &s->arena, qname, colon)) < 0)
            return GIVE_UP;
    }
    size_t skip = colon ? colon + 1 : 0;
    long local = put_str(s, &s->arena, qname + skip, qlen - skip);
    if (local < 0)
        return GIVE_UP;
    o->local = (size_t)local;
    /* An undeclared element prefix is a namespace error that libxml2 reports and goes past:
     * the element keeps its prefix and has no URI. The field code reads such prefixes. */
    lookup(s, colon ? qname : NULL, colon, &o->uri);
    long nattr = copy_attrs(s, (size_t)na);
    if (nattr < 0)
        return GIVE_UP;

    /* Pointers, now that the buffers no longer move. */
    const char *ar = s->arena.data, *tg = s->tag.data;
    size_t j = 0;
    for (size_t i = 0; i < s->nns; i++)
        if (s->ns[i].depth == d) {
            s->ns_ptrs[2 * j] = s->ns[i].prefix >= 0 ? (const xmlChar *)ar + s->ns[i].prefix
                                                     : NULL;
            s->ns_ptrs[2 * j + 1] = (const xmlChar *)ar + s->ns[i].uri;
            j++;
        }
    size_t k = 0;
    for (long i = 0; i < na; i++) {
        struct rawattr *a = &s->attrs[i];
        if (a->decl)
            continue;
        const char *uri = a->uri_off == URI_XML    ? xml_ns
                          : a->uri_off == URI_NONE ? NULL
                                                   : ar + a->uri_off;
        const xmlChar **e = &s->attr_ptrs[5 * k];
        e[0] = (const xmlChar *)tg + a->local_off;
        e[1] = a->colon ? (const xmlChar *)tg + a->prefix_off : NULL;
        e[2] = (const xmlChar *)uri;
        e[3] = a->rewrite ? (const xmlChar *)tg + a->value_off : (const xmlChar *)a->value;
        e[4] = e[3] + a->vlen;
        /* two attributes may share a local name only in different namespaces */
        for (size_t m = 0; m < k; m++) {
            const xmlChar **f = &s->attr_ptrs[5 * m];
            if (strcmp((const char *)f[0], (const char *)e[0]) == 0 &&
                (f[2] == e[2] ||
                 (f[2] && e[2] && strcmp((const char *)f[2], (const char *)e[2]) == 0)))
                return GIVE_UP;
        }
        k++;
    }
    s->sax->startElementNs(s->ctx, (const xmlChar *)ar + o->local,
                           o->prefix >= 0 ? (const xmlChar *)ar + o->prefix : NULL,
                           o->uri >= 0 ? (const xmlChar *)ar + o->uri : NULL, (int)ndecl,
                           s->ns_ptrs, (int)k, 0, s->attr_ptrs);
    if (empty && !stopped(s))
        end_element(s);
    return OK;
}

/* An end tag (s->p just after "</"). */
static int end_tag(struct scan *s)
{
    if (!s->depth)
        return GIVE_UP;
    struct open *o = &s->open[s->depth];
    if ((size_t)(s->end - s->p) < o->qlen || memcmp(s->p, o->qname, o->qlen) != 0)
        return GIVE_UP;
    s->p += o->qlen;
    skip_space(s);
    if (s->p >= s->end || *s->p != '>')
        return GIVE_UP;
    s->p++;
    end_element(s);
    return OK;
}

/* Room for n bytes in tbuf; 0 when out of memory. */
static int tbuf_reserve(struct scan *s, size_t n)
{
    if (n <= s->tcap)
        return 1;
    unsigned char *nb = vg_realloc(s->tbuf, n);
    if (!nb) {
        s->oom = 1;
        return 0;
    }
    s->tbuf = nb;
    s->tcap = n;
    return 1;
}

/* Text up to the next '<'. Outside the root element only whitespace is allowed. Text without
 * references is handed over where it lies; otherwise it is decoded into s->tbuf, which the
 * text always fits in (a reference is longer than what it stands for). */
static int text(struct scan *s)
{
    const unsigned char *b = s->p, *q = find_stop(b, s->end, 1), *lt = q;
    if (q < s->end && *q != '<') {
        /* references or bytes to check: decode into tbuf */
        lt = memchr(q, '<', (size_t)(s->end - q));
        if (!lt)
            lt = s->end;
    }
    const unsigned char *t = b;
    size_t n = (size_t)(lt - b);
    if (q < lt) {
        if (!tbuf_reserve(s, n))
            return GIVE_UP;
        unsigned char *o = s->tbuf;
        memcpy(o, b, (size_t)(q - b));
        o += q - b;
        while (q < lt) {
            const unsigned char *run = q;
            q = find_stop(q, lt, 1);
            memcpy(o, run, (size_t)(q - run));
            o += q - run;
            if (q >= lt)
                break;
            unsigned c = *q;
            if (c == '&') {
                int amp;
                size_t k = read_ref(&q, lt, (char *)o, &amp);
                if (!k)
                    return GIVE_UP;
                o += k;
                continue;
            }
            if (c == '\r') { /* a line end: CR LF or CR alone, read as LF */
                *o++ = '\n';
                q += lt - q >= 2 && q[1] == '\n' ? 2 : 1;
                continue;
            }
            if (c == ']' ? lt - q >= 3 && q[1] == ']' && q[2] == '>'
                         : c < 0x80 || !chars_ok(q, lt - q < 3 ? lt : q + 3))
                return GIVE_UP; /* "]]>", a control character, a non-character */
            *o++ = *q++;
        }
        t = s->tbuf;
        n = (size_t)(o - s->tbuf);
    }
    s->p = lt;
    if (!s->depth) {
        for (size_t i = 0; i < n; i++)
            if (!is_space(t[i]))
                return GIVE_UP;
        return OK;
    }
    if (n)
        s->sax->characters(s->ctx, t, (int)n);
    return OK;
}

/* The first occurrence of lit from p (before e), or NULL. */
static const unsigned char *find_seq(const unsigned char *p, const unsigned char *e,
                                     const char *lit)
{
    return memmem(p, (size_t)(e - p), lit, strlen(lit));
}

/* <!-- ... --> (s->p at "<!--"): the first "--" must end it. */
static int comment(struct scan *s)
{
    const unsigned char *b = s->p + 4, *q = find_seq(b, s->end, "--");
    if (!q || s->end - q < 3 || q[2] != '>' || !chars_ok(b, q))
        return GIVE_UP;
    s->p = q + 3;
    return OK;
}

/* <![CDATA[ ... ]]> inside an element (s->p at "<![CDATA["). */
static int cdata(struct scan *s)
{
    const unsigned char *b = s->p + 9, *q = find_seq(b, s->end, "]]>");
    if (!q || !chars_ok(b, q))
        return GIVE_UP;
    s->p = q + 3;
    const unsigned char *t = b;
    size_t n = (size_t)(q - b);
    if (memchr(b, '\r', n)) { /* line ends read as LF, as everywhere in XML */
        if (!tbuf_reserve(s, n))
            return GIVE_UP;
        unsigned char *o = s->tbuf;
        for (const unsigned char *r = b; r < q; r++) {
            *o++ = *r == '\r' ? '\n' : *r;
            if (*r == '\r' && r + 1 < q && r[1] == '\n')
                r++;
        }
        t = s->tbuf;
        n = (size_t)(o - s->tbuf);
    }
    if (n)
        s->sax->cdataBlock(s->ctx, t, (int)n);
    return OK;
}

/* <?target ...?>, never the XML declaration (s->p at "<?"). */
static int pi(struct scan *s)
{
    s->p += 2;
    const unsigned char *t = s->p;
    size_t n, colon;
    if (!read_qname(s, &n, &colon) || colon)
        return GIVE_UP;
    if (n == 3 && (t[0] | 0x20) == 'x' && (t[1] | 0x20) == 'm' && (t[2] | 0x20) == 'l')
        return GIVE_UP;
    const unsigned char *b = s->p;
    if (s->end - b >= 2 && b[0] == '?' && b[1] == '>') {
        s->p += 2;
        return OK;
    }
    if (b >= s->end || !is_space(*b))
        return GIVE_UP;
    const unsigned char *q = find_seq(b, s->end, "?>");
    if (!q || !chars_ok(b, q))
        return GIVE_UP;
    s->p = q + 2;
    return OK;
}

/* name="value" in the XML declaration; value must satisfy ok(). */
static int decl_attr(struct scan *s, const char *name, int (*ok)(const unsigned char *, size_t))
{
    const unsigned char *before = s->p;
    skip_space(s);
    if (s->p == before || !starts(s, name))
        return GIVE_UP;
    s->p += strlen(name);
    skip_space(s);
    if (s->p >= s->end || *s->p != '=')
        return GIVE_UP;
    s->p++;
    skip_space(s);
    if (s->p >= s->end || (*s->p != '"' && *s->p != '\''))
        return GIVE_UP;
    unsigned char quote = *s->p++;
    const unsigned char *v = s->p;
    while (s->p < s->end && *s->p != quote)
        s->p++;
    if (s->p >= s->end || !ok(v, (size_t)(s->p - v)))
        return GIVE_UP;
    s->p++;
    return OK;
}

static int version_ok(const unsigned char *v, size_t n) { return n == 3 && !memcmp(v, "1.0", 3); }

static int encoding_ok(const unsigned char *v, size_t n)
{
    if (!n || !((v[0] | 0x20) >= 'a' && (v[0] | 0x20) <= 'z'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(name_char[v[i]] || v[i] == '.'))
            return 0;
    return 1;
}

static int standalone_ok(const unsigned char *v, size_t n)
{
    return (n == 3 && !memcmp(v, "yes", 3)) || (n == 2 && !memcmp(v, "no", 2));
}

/* <?xml version="1.0" encoding="..." standalone="..."?> at the very start. */
static int xml_decl(struct scan *s)
{
    s->p += 5;
    if (!decl_attr(s, "version", version_ok))
        return GIVE_UP;
    const unsigned char *save = s->p;
    skip_space(s);
    int enc = starts(s, "encoding");
    s->p = save;
    if (enc && !decl_attr(s, "encoding", encoding_ok))
        return GIVE_UP;
    save = s->p;
    skip_space(s);
    int sa = starts(s, "standalone");
    s->p = save;
    if (sa && !decl_attr(s, "standalone", standalone_ok))
        return GIVE_UP;
    skip_space(s);
    if (!starts(s, "?>"))
        return GIVE_UP;
    s->p += 2;
    return OK;
}

static int run(struct scan *s)
{
    int root_done = 0;
    if (starts(s, "<?xml") && s->end - s->p > 5 && is_space(s->p[5]) && !xml_decl(s))
        return GIVE_UP;
    while (s->p < s->end) {
        if (stopped(s))
            return OK;
        if (*s->p != '<') {
            if (!text(s))
                return GIVE_UP;
            continue;
        }
        if (s->end - s->p < 2)
            return GIVE_UP;
        unsigned c = s->p[1];
        int r;
        if (name_char[c] == 2) {
            if (root_done)
                return GIVE_UP; /* a second root element */
            s->p++;
            r = start_tag(s);
            root_done = r && !s->depth;
        } else if (c == '/') {
            s->p += 2;
            r = end_tag(s);
            root_done = r && !s->depth;
        } else if (starts(s, "<!--")) {
            r = comment(s);
        } else if (starts(s, "<![CDATA[") && s->depth) {
            r = cdata(s);
        } else if (c == '?') {
            r = pi(s);
        } else {
            r = GIVE_UP; /* a DOCTYPE, or not well-formed */
        }
        if (!r)
            return GIVE_UP;
    }
    return stopped(s) || (root_done && !s->depth) ? OK : GIVE_UP;
}

int feed_xml_scan(const char *doc, size_t len, const xmlSAXHandler *sax, void *ctx,
                  const int *stop)
{
    struct scan *s = vg_calloc(1, sizeof(*s));
    if (!s)
        return -1;
    s->p = (const unsigned char *)doc;
    s->end = s->p + len;
    s->sax = sax;
    s->ctx = ctx;
    s->stop = stop;
    vg_buf_init(&s->arena, 0);
    vg_buf_init(&s->tag, 0);
    int r = run(s);
    int oom = s->oom;
    vg_buf_free(&s->arena);
    vg_buf_free(&s->tag);
    vg_free(s->tbuf);
    vg_free(s->ns);
    vg_free(s);
    return oom ? -1 : r;
}
