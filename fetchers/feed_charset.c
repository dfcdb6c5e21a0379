/* feed_charset — decides what a feed or page is encoded in and hands the parsers UTF-8.
 *
 * libxml2 could decode most charsets itself, but feeds lie about their encoding in a few
 * well-known ways that it cannot repair: ISO-8859-1 declared for windows-1252 text (curly
 * quotes in the 0x80-0x9F range), latin-1 declared for UTF-8 bytes, UTF-8 declared (or
 * assumed) for latin-1 bytes. Deciding here, once, and always giving the parser UTF-8 keeps
 * the parsers simple and the repairs in one place. The order is the one browsers use: a BOM
 * wins, then the HTTP charset, then the document's own declaration, then UTF-8; and bytes that
 * contradict the label win over the label when the evidence is unambiguous. */
#include "fetchers/feed_int.h"

#include "util/vg_alloc.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const uint16_t feed_cp1252_c1[32] = {
    0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
    0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
};

size_t feed_utf8_put(char *dst, uint32_t cp)
{
    unsigned char *d = (unsigned char *)dst;
    if (cp < 0x80) {
        d[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (unsigned char)(0xc0 | (cp >> 6));
        d[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (unsigned char)(0xe0 | (cp >> 12));
        d[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        d[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    d[0] = (unsigned char)(0xf0 | (cp >> 18));
    d[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
    d[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
    d[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

size_t feed_utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    uint32_t v, min;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        v = c & 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        v = c & 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        v = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n;
}

/* 1 when s is valid UTF-8; *high tells whether any byte was not ASCII. ASCII is checked eight
 * bytes at a time because most feeds are mostly ASCII and this runs over every byte. */
static int utf8_valid(const unsigned char *s, size_t len, int *high)
{
    size_t i = 0;
    *high = 0;
    while (i < len) {
        if (i + 8 <= len) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if ((w & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = feed_utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            return 0;
        *high = 1;
        i += n;
    }
    return 1;
}

/* ------------------------------------------------------------------------------------------
 * Labels and sniffing
 * ------------------------------------------------------------------------------------------ */

enum cs_kind { CS_NONE, CS_UTF8, CS_CP1252, CS_UTF16, CS_UTF16LE, CS_UTF16BE, CS_OTHER };

static enum cs_kind label_kind(const char *l)
{
    static const char *const latin[] = {
        "iso-8859-1", "iso8859-1", "iso_8859-1", "iso-8859-1:1987", "latin1", "latin-1", "l1",
        "cp819", "ibm819", "us-ascii", "ascii", "ansi_x3.4-1968", "windows-1252", "cp1252",
        "x-cp1252", "iso-ir-100", "csisolatin1"};
    if (!l || !*l)
        return CS_NONE;
    if (!strcasecmp(l, "utf-8") || !strcasecmp(l, "utf8") || !strcasecmp(l, "unicode-1-1-utf-8"))
        return CS_UTF8;
    for (size_t i = 0; i < sizeof(latin) / sizeof(latin[0]); i++)
        if (!strcasecmp(l, latin[i]))
            return CS_CP1252;
    if (!strcasecmp(l, "utf-16le"))
        return CS_UTF16LE;
    if (!strcasecmp(l, "utf-16be"))
        return CS_UTF16BE;
    if (!strcasecmp(l, "utf-16") || !strcasecmp(l, "ucs-2") || !strcasecmp(l, "unicode"))
        return CS_UTF16;
    return CS_OTHER;
}

/* Copies a charset token (letters, digits, - _ . :) from p into out. */
static void read_label(const char *p, const char *end, char *out, size_t outlen)
{
    size_t k = 0;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '"' || *p == '\''))
        p++;
    while (p < end && k + 1 < outlen) {
        char c = *p++;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':'))
            break;
        out[k++] = c;
    }
    out[k] = '\0';
}

static const char *memmem_ci(const char *h, size_t hl, const char *n)
{
    size_t nl = strlen(n);
    for (size_t i = 0; i + nl <= hl; i++)
        if (strncasecmp(h + i, n, nl) == 0)
            return h + i;
    return NULL;
}

/* encoding="..." of an XML declaration at the start of s. */
static void sniff_xml(const char *s, size_t len, char *out, size_t outlen)
{
    out[0] = '\0';
    if (len < 6 || memcmp(s, "<?xml", 5) != 0)
        return;
    size_t lim = len < 512 ? len : 512;
    const char *end = memchr(s, '>', lim);
    if (!end)
        return;
    const char *e = memmem_ci(s, (size_t)(end - s), "encoding");
    if (!e)
        return;
    e += 8;
    while (e < end && (*e == ' ' || *e == '\t' || *e == '\n' || *e == '\r' || *e == '='))
        e++;
    read_label(e, end, out, outlen);
}

/* <meta charset=...> or <meta http-equiv content="...; charset=..."> in the first 2 KiB. */
static void sniff_html(const char *s, size_t len, char *out, size_t outlen)
{
    out[0] = '\0';
    size_t lim = len < 2048 ? len : 2048;
    const char *p = s, *end = s + lim;
    while (p < end) {
        const char *m = memmem_ci(p, (size_t)(end - p), "<meta");
        if (!m)
            return;
        const char *gt = memchr(m, '>', (size_t)(end - m));
        const char *tend = gt ? gt : end;
        const char *c = memmem_ci(m, (size_t)(tend - m), "charset");
        if (c) {
            c += 7;
            while (c < tend && (*c == ' ' || *c == '='))
                c++;
            read_label(c, tend, out, outlen);
            if (out[0])
                return;
        }
        p = m + 5;
    }
}

/* ------------------------------------------------------------------------------------------
 * Decoders
 * ------------------------------------------------------------------------------------------ */

static uint32_t cp1252(unsigned char c)
{
    if (c >= 0x80 && c <= 0x9f)
        return feed_cp1252_c1[c - 0x80] ? feed_cp1252_c1[c - 0x80] : 0xfffd;
    return c;
}

/* UTF-8 with stray bytes read as windows-1252 (also plain windows-1252 when `as_utf8` is 0). */
static char *decode_8bit(const unsigned char *s, size_t len, int as_utf8, size_t *outlen)
{
    char *out = vg_malloc(len * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        if (i + 8 <= len) { /* ASCII eight bytes at a time, as in utf8_valid */
            uint64_t w;
            memcpy(&w, s + i, 8);
            if ((w & 0x8080808080808080ULL) == 0) {
                memcpy(out + o, &w, 8);
                o += 8;
                i += 8;
                continue;
            }
        }
        unsigned char c = s[i];
        if (c < 0x80) {
            out[o++] = (char)c;
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = as_utf8 ? feed_utf8_decode(s + i, len - i, &cp) : 0;
        if (n) {
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        } else {
            o += feed_utf8_put(out + o, cp1252(c));
            i++;
        }
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}

static char *decode_utf16(const unsigned char *s, size_t len, int be, size_t *outlen)
{
    char *out = vg_malloc(len / 2 * 3 + 4);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i + 1 < len; i += 2) {
        uint32_t u = be ? (uint32_t)(s[i] << 8 | s[i + 1]) : (uint32_t)(s[i + 1] << 8 | s[i]);
        if (u >= 0xd800 && u <= 0xdbff && i + 3 < len) {
            uint32_t u2 = be ? (uint32_t)(s[i + 2] << 8 | s[i + 3])
                             : (uint32_t)(s[i + 3] << 8 | s[i + 2]);
            if (u2 >= 0xdc00 && u2 <= 0xdfff) {
                u = 0x10000 + ((u - 0xd800) << 10) + (u2 - 0xdc00);
                i += 2;
            } else {
                u = 0xfffd;
            }
        } else if (u >= 0xd800 && u <= 0xdfff) {
            u = 0xfffd;
        }
        o += feed_utf8_put(out + o, u);
    }
    out[o] = '\0';
    *outlen = o;
    return out;
}

/* Any other charset through iconv; undecodable bytes become U+FFFD. NULL when iconv does not
 * know the label (the caller then falls back to UTF-8/windows-1252). */
static char *decode_iconv(const char *label, const char *s, size_t len, size_t *outlen,
                          int *unknown)
{
    *unknown = 0;
    iconv_t cd = iconv_open("UTF-8", label);
    if (cd == (iconv_t)-1) {
        *unknown = 1;
        return NULL;
    }
    size_t cap = len * 4 + 16, o = 0;
    char *out = vg_malloc(cap);
    if (!out) {
        iconv_close(cd);
        return NULL;
    }
    char *in = (char *)s;
    size_t inleft = len;
    while (inleft > 0) {
        char *op = out + o;
        size_t oleft = cap - o - 4;
        size_t r = iconv(cd, &in, &inleft, &op, &oleft);
        o = (size_t)(op - out);
        if (r != (size_t)-1)
            break;
        /* E2BIG: more room. EILSEQ or EINVAL: one undecodable byte, replaced below. */
        int full = errno == E2BIG;
        if (full || cap - o < 8) {
            char *n = vg_realloc(out, cap * 2);
            if (!n) {
                vg_free(out);
                iconv_close(cd);
                return NULL;
            }
            out = n;
            cap *= 2;
        }
        if (full)
            continue;
        o += feed_utf8_put(out + o, 0xfffd);
        in++;
        inleft--;
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    iconv_close(cd);
    out[o] = '\0';
    *outlen = o;
    return out;
}

/* ------------------------------------------------------------------------------------------
 * Decision
 * ------------------------------------------------------------------------------------------ */

static void set_cs(struct feed_utf8_doc *d, const char *name)
{
    snprintf(d->charset, sizeof(d->charset), "%s", name);
}

int feed_charset_to_utf8(const char *buf, size_t len, const char *http_charset,
                         enum feed_cs_sniff sniff, struct feed_utf8_doc *out)
{
    const unsigned char *s = (const unsigned char *)buf;
    memset(out, 0, sizeof(*out));
    out->data = buf;
    out->len = len;
    int be = -1; /* UTF-16 byte order when found */
    if (len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) {
        s += 3;
        len -= 3;
        int high;
        set_cs(out, "utf-8");
        if (utf8_valid(s, len, &high)) {
            out->data = (const char *)s;
            out->len = len;
            return 0;
        }
        out->fixed = 1;
        out->owned = decode_8bit(s, len, 1, &out->len);
        out->data = out->owned;
        return out->owned ? 0 : -1;
    }
    /* UTF-32 (with its BOM or from how "<" is written) and EBCDIC ("<?xm" in code page 037),
     * which feedparser recognises the same way, before UTF-16 (whose BOM starts UTF-32LE's) */
    const char *wide = NULL;
    size_t skip = 0;
    if (len >= 4 && s[0] == 0 && s[1] == 0 && s[2] == 0xfe && s[3] == 0xff)
        wide = "UTF-32BE", skip = 4;
    else if (len >= 4 && s[0] == 0xff && s[1] == 0xfe && s[2] == 0 && s[3] == 0)
        wide = "UTF-32LE", skip = 4;
    else if (len >= 4 && s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == '<')
        wide = "UTF-32BE";
    else if (len >= 4 && s[0] == '<' && s[1] == 0 && s[2] == 0 && s[3] == 0)
        wide = "UTF-32LE";
    else if (len >= 4 && s[0] == 0x4c && s[1] == 0x6f && s[2] == 0xa7 && s[3] == 0x94)
        wide = "IBM037";
    if (wide) {
        int unknown;
        out->owned = decode_iconv(wide, (const char *)s + skip, len - skip, &out->len, &unknown);
        if (!unknown) { /* else (an iconv without it) read as below */
            set_cs(out, !strcmp(wide, "UTF-32BE") ? "utf-32be"
                        : !strcmp(wide, "UTF-32LE") ? "utf-32le" : "ibm037");
            out->data = out->owned;
            return out->owned ? 0 : -1;
        }
    }
    if (len >= 2 && s[0] == 0xff && s[1] == 0xfe) {
        be = 0;
        s += 2;
        len -= 2;
    } else if (len >= 2 && s[0] == 0xfe && s[1] == 0xff) {
        be = 1;
        s += 2;
        len -= 2;
    } else if (len >= 4 && s[0] == '<' && s[1] == 0 && s[2] != 0 && s[3] == 0) {
        be = 0;
    } else if (len >= 4 && s[0] == 0 && s[1] == '<' && s[2] == 0 && s[3] != 0) {
        be = 1;
    }
    if (be >= 0) {
        set_cs(out, be ? "utf-16be" : "utf-16le");
        out->owned = decode_utf16(s, len, be, &out->len);
        out->data = out->owned;
        return out->owned ? 0 : -1;
    }

    char declared[32] = "";
    if (http_charset && *http_charset)
        read_label(http_charset, http_charset + strlen(http_charset), declared,
                   sizeof(declared));
    if (!declared[0] && sniff == FEED_SNIFF_XML)
        sniff_xml(buf, len, declared, sizeof(declared));
    else if (!declared[0] && sniff == FEED_SNIFF_HTML)
        sniff_html(buf, len, declared, sizeof(declared));
    enum cs_kind k = label_kind(declared);

    int high;
    int valid = utf8_valid(s, len, &high);
    if (valid && !high) {
        /* Pure ASCII reads the same under every ASCII-compatible label. */
        set_cs(out, k == CS_CP1252 ? "windows-1252" : k == CS_OTHER ? declared : "utf-8");
        out->fixed = (k == CS_UTF16 || k == CS_UTF16LE || k == CS_UTF16BE);
        return 0;
    }
    if (valid && (k == CS_NONE || k == CS_UTF8)) {
        set_cs(out, "utf-8");
        return 0;
    }
    if (valid) {
        /* Non-ASCII text that is valid UTF-8 under a single-byte label: in practice always a
         * mislabelled UTF-8 feed (real latin-1 text almost never forms valid sequences). */
        set_cs(out, "utf-8");
        out->fixed = 1;
        return 0;
    }
    if (k == CS_CP1252) {
        set_cs(out, "windows-1252");
        out->owned = decode_8bit(s, len, 0, &out->len);
    } else if (k == CS_OTHER) {
        int unknown;
        set_cs(out, declared);
        out->owned = decode_iconv(declared, (const char *)s, len, &out->len, &unknown);
        if (unknown) {
            set_cs(out, "utf-8");
            out->fixed = 1;
            out->owned = decode_8bit(s, len, 1, &out->len);
        }
    } else {
        /* Declared (or assumed) UTF-8 with stray bytes: keep the valid sequences, read the
         * rest as windows-1252, which is what those bytes nearly always are. */
        set_cs(out, "utf-8");
        out->fixed = 1;
        out->owned = decode_8bit(s, len, 1, &out->len);
    }
    out->data = out->owned;
    return out->owned ? 0 : -1;
}

void feed_utf8_doc_clear(struct feed_utf8_doc *d)
{
    if (!d)
        return;
    vg_free(d->owned);
    memset(d, 0, sizeof(*d));
}
