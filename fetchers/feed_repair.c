/* feed_repair — makes a broken XML feed safe to recover with libxml2 (see feed_xml_repair in
 * feed_int.h).
 *
 * Why: once libxml2 (2.9) has seen one well-formedness error, its recovery mode silently drops
 * every later entity reference, &amp; and &lt; included, so a single &nbsp; in a title would
 * mangle every escaped-HTML summary after it. Character references (&#38;) survive recovery,
 * so this pass rewrites all references into that form and fixes the other common breakages
 * (stray '&' and '<', control characters, unquoted attribute values) on the way. It only runs
 * on documents that failed to parse cleanly, and never invents entity expansions: a name that
 * is neither XML nor HTML becomes literal text, so DTD tricks (XXE, billion laughs) are inert. */
#include "fetchers/feed_int.h"

#include "util/vg_alloc.h"
#include "util/vg_buf.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int is_name_start(unsigned char c)
{
    return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_' || c == ':' || c >= 0x80;
}

static int is_name_char(unsigned char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static int is_ctrl(unsigned char c) { return c < 0x20 && c != '\t' && c != '\n' && c != '\r'; }

/* Copies n bytes, blanking the control characters XML forbids everywhere. */
static int copy_clean(struct vg_buf *b, const char *p, size_t n)
{
    const char *run = p, *end = p + n;
    int rc = 0;
    for (; p < end; p++) {
        if (!is_ctrl((unsigned char)*p))
            continue;
        rc |= vg_buf_append(b, run, (size_t)(p - run));
        rc |= vg_buf_putc(b, ' ');
        run = p + 1;
    }
    rc |= vg_buf_append(b, run, (size_t)(p - run));
    return rc;
}

static const char *find(const char *p, const char *end, const char *needle)
{
    return memmem(p, (size_t)(end - p), needle, strlen(needle));
}

static int valid_xml_char(uint32_t v)
{
    return v == 0x9 || v == 0xa || v == 0xd || (v >= 0x20 && v <= 0xd7ff) ||
           (v >= 0xe000 && v <= 0xfffd) || (v >= 0x10000 && v <= 0x10ffff);
}

/* Rewrites the reference at p ('&'); returns where to continue. */
static const char *amp(struct vg_buf *b, const char *p, const char *end, int *rc)
{
    const char *q = p + 1;
    char num[16];
    if (q < end && *q == '#') {
        q++;
        int hex = q < end && (*q == 'x' || *q == 'X');
        if (hex)
            q++;
        const char *d = q;
        uint32_t v = 0;
        while (q < end && q - d < 8) {
            char c = *q;
            int dv = (c >= '0' && c <= '9') ? c - '0'
                     : (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f') ? (c | 0x20) - 'a' + 10
                                                                      : -1;
            if (dv < 0)
                break;
            v = v * (hex ? 16 : 10) + (uint32_t)dv;
            q++;
        }
        if (q == d) {
            *rc |= vg_buf_append(b, "&#38;", 5);
            return p + 1;
        }
        while (q < end && ((*q >= '0' && *q <= '9') ||
                           (hex && (*q | 0x20) >= 'a' && (*q | 0x20) <= 'f'))) {
            q++;
            v = 0x110000; /* more digits than any code point needs */
        }
        if (q < end && *q == ';')
            q++;
        if (v >= 0x80 && v <= 0x9f && feed_cp1252_c1[v - 0x80])
            v = feed_cp1252_c1[v - 0x80]; /* &#146; means a right quote, as in browsers */
        if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) || v == 0xfffe || v == 0xffff)
            v = 0xfffd;
        if (valid_xml_char(v)) {
            snprintf(num, sizeof(num), "&#%u;", v);
            *rc |= vg_buf_puts(b, num);
        } else {
            *rc |= vg_buf_putc(b, ' ');
        }
        return q;
    }
    const char *n = q;
    while (q < end && q - n < 32 && ((*q | 0x20) >= 'a' && (*q | 0x20) <= 'z'))
        q++;
    while (q < end && q - n < 32 && (*q >= '0' && *q <= '9'))
        q++;
    size_t nl = (size_t)(q - n);
    int v = -1;
    if (nl && q < end && *q == ';') {
        v = feed_entity_lookup(n, nl);
        if (v >= 0)
            q++;
    } else if (nl) {
        /* HTML's legacy forms without ';' */
        static const char *const legacy[] = {"amp", "lt", "gt", "quot", "nbsp"};
        for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++)
            if (strlen(legacy[i]) == nl && memcmp(legacy[i], n, nl) == 0)
                v = feed_entity_lookup(n, nl);
    }
    if (v < 0) {
        *rc |= vg_buf_append(b, "&#38;", 5);
        return p + 1;
    }
    snprintf(num, sizeof(num), "&#%d;", v);
    *rc |= vg_buf_puts(b, num);
    return q;
}

/* Copies a start tag, quoting unquoted attribute values and escaping '<' and '&' inside
 * values. Returns where the text resumes. */
static const char *start_tag(struct vg_buf *b, const char *p, const char *end, int *rc)
{
    const char *q = p + 1;
    while (q < end && is_name_char((unsigned char)*q))
        q++;
    *rc |= vg_buf_append(b, p, (size_t)(q - p));
    while (q < end) {
        unsigned char c = (unsigned char)*q;
        if (c == '>') {
            *rc |= vg_buf_putc(b, '>');
            return q + 1;
        }
        if (c == '<') { /* unterminated tag */
            *rc |= vg_buf_putc(b, '>');
            return q;
        }
        if (c == '=') {
            *rc |= vg_buf_putc(b, '=');
            q++;
            while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
                q++;
            char quote = (q < end && (*q == '"' || *q == '\'')) ? *q++ : 0;
            *rc |= vg_buf_putc(b, quote ? quote : '"');
            while (q < end) {
                char v = *q;
                if (quote ? v == quote
                          : (v == ' ' || v == '\t' || v == '\n' || v == '\r' || v == '>' ||
                             (v == '/' && q + 1 < end && q[1] == '>')))
                    break;
                if (v == '&') {
                    q = amp(b, q, end, rc);
                    continue;
                }
                if (v == '<')
                    *rc |= vg_buf_append(b, "&#60;", 5);
                else if (v == '"' && !quote)
                    *rc |= vg_buf_append(b, "&#34;", 5);
                else if (is_ctrl((unsigned char)v))
                    *rc |= vg_buf_putc(b, ' ');
                else
                    *rc |= vg_buf_putc(b, v);
                q++;
            }
            *rc |= vg_buf_putc(b, quote ? quote : '"');
            if (quote && q < end)
                q++;
            continue;
        }
        if (is_ctrl(c))
            *rc |= vg_buf_putc(b, ' ');
        else
            *rc |= vg_buf_putc(b, (char)c);
        q++;
    }
    *rc |= vg_buf_putc(b, '>');
    return end;
}

/* Copies a construct that ends with `close` (comment, CDATA, PI), closing it at EOF. */
static const char *until(struct vg_buf *b, const char *p, const char *end, size_t skip,
                         const char *close, int *rc)
{
    const char *c = find(p + skip, end, close);
    const char *stop = c ? c + strlen(close) : end;
    *rc |= copy_clean(b, p, (size_t)(stop - p));
    if (!c)
        *rc |= vg_buf_puts(b, close);
    return stop;
}

/* The DOCTYPE with its internal subset ('[' ... ']'), quotes respected. */
static const char *doctype(struct vg_buf *b, const char *p, const char *end, int *rc)
{
    const char *q = p + 9;
    int depth = 0;
    char quote = 0;
    for (; q < end; q++) {
        char c = *q;
        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '[') {
            depth++;
        } else if (c == ']') {
            depth--;
        } else if (c == '>' && depth <= 0) {
            q++;
            break;
        }
    }
    *rc |= copy_clean(b, p, (size_t)(q - p));
    return q;
}

static const char *lt(struct vg_buf *b, const char *p, const char *end, int *rc)
{
    size_t left = (size_t)(end - p);
    if (left >= 4 && memcmp(p, "<!--", 4) == 0)
        return until(b, p, end, 4, "-->", rc);
    if (left >= 9 && memcmp(p, "<![CDATA[", 9) == 0)
        return until(b, p, end, 9, "]]>", rc);
    if (left >= 9 && strncasecmp(p, "<!DOCTYPE", 9) == 0)
        return doctype(b, p, end, rc);
    if (left >= 2 && p[1] == '?' && find(p, end, "?>"))
        return until(b, p, end, 2, "?>", rc);
    if (left >= 3 && p[1] == '/' && is_name_start((unsigned char)p[2])) {
        const char *q = p + 2;
        while (q < end && is_name_char((unsigned char)*q))
            q++;
        *rc |= vg_buf_append(b, p, (size_t)(q - p));
        while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
            q++;
        *rc |= vg_buf_putc(b, '>');
        return (q < end && *q == '>') ? q + 1 : q;
    }
    if (left >= 2 && is_name_start((unsigned char)p[1]))
        return start_tag(b, p, end, rc);
    *rc |= vg_buf_append(b, "&#60;", 5); /* "a < b" */
    return p + 1;
}

static int is_plain(unsigned char c) { return c != '<' && c != '&' && c != ']' && !is_ctrl(c); }

char *feed_xml_repair(const char *s, size_t len, size_t *outlen)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    int rc = 0;
    const char *p = s, *end = s + len;
    while (p < end && rc == 0) {
        const char *q = p;
        while (q < end && is_plain((unsigned char)*q))
            q++;
        rc |= vg_buf_append(&b, p, (size_t)(q - p));
        p = q;
        if (p >= end)
            break;
        if (*p == '<')
            p = lt(&b, p, end, &rc);
        else if (*p == '&')
            p = amp(&b, p, end, &rc);
        else if (*p == ']' && end - p >= 3 && p[1] == ']' && p[2] == '>') {
            rc |= vg_buf_append(&b, "]]&#62;", 7); /* "]]>" is not allowed in text */
            p += 3;
        } else if (*p == ']') {
            rc |= vg_buf_putc(&b, ']');
            p++;
        } else {
            rc |= vg_buf_putc(&b, ' ');
            p++;
        }
    }
    if (rc) {
        vg_buf_free(&b);
        return NULL;
    }
    *outlen = b.len;
    return vg_buf_steal(&b);
}
