/* email_mime — an e-mail's headers and quoted-printable multipart body (see email_mime.h). */
#include "sinks/email_mime.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_utf8.h"

#define LINE_MAX_HDR 78 /* RFC 5322 2.1.1: SHOULD be no more than 78 characters */
#define LINE_MAX_QP 76  /* RFC 2045 6.7 (5) */

/* ---- text cleaning ------------------------------------------------------------------- */

static int breaks_line(int32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029;
}

char *email_header_clean(const char *in, char *out, size_t outlen)
{
    size_t o = 0, len = in ? strlen(in) : 0;
    int blank = 1; /* at the start, or after a blank: another one is dropped */
    for (size_t i = 0; i < len;) {
        int32_t cp;
        size_t n = vg_utf8_next((const unsigned char *)in + i, len - i, &cp);
        char enc[4];
        size_t en;
        if (cp < 0) {
            cp = 0xfffd;
            n = 1;
        }
        if (breaks_line(cp) || cp == ' ') {
            i += n;
            if (blank)
                continue;
            blank = 1;
            enc[0] = ' ';
            en = 1;
        } else {
            blank = 0;
            en = vg_utf8_put(cp, enc);
            i += n;
        }
        if (o + en >= outlen)
            break;
        memcpy(out + o, enc, en);
        o += en;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    return out;
}

/* A cleaned copy of s, large enough for any replacement (every byte may become U+FFFD). */
static char *clean_dup(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    char *out = vg_malloc(len * 3 + 1);
    return out ? email_header_clean(s, out, len * 3 + 1) : NULL;
}

/* ---- addresses -------------------------------------------------------------------------- */

int email_address_ok(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    const char *at = s ? strchr(s, '@') : NULL;
    if (len == 0 || len > 254 || !at || at == s || strchr(at + 1, '@') || !at[1] || (size_t)(at - s) > 64)
        return 0;
    for (const char *p = s; p < at; p++)
        if (*p <= ' ' || *p >= 0x7f || strchr("\"<>(),;:\\[]", *p))
            return 0;
    const char *d = at + 1;
    if (*d == '.' || *d == '-' || d[strlen(d) - 1] == '.' || d[strlen(d) - 1] == '-' || strstr(d, ".."))
        return 0;
    for (const char *p = d; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
              *p == '-'))
            return 0;
    return 1;
}

int email_from_split(const char *from, char *name, size_t namelen, char *addr, size_t addrlen)
{
    if (!from || namelen == 0 || addrlen == 0)
        return -1;
    name[0] = addr[0] = '\0';
    const char *lt = strrchr(from, '<');
    if (!lt) {
        while (*from == ' ')
            from++;
        size_t n = strlen(from);
        while (n > 0 && from[n - 1] == ' ')
            n--;
        if (n >= addrlen)
            return -1;
        memcpy(addr, from, n);
        addr[n] = '\0';
        return email_address_ok(addr) ? 0 : -1;
    }
    const char *gt = strchr(lt, '>');
    if (!gt || gt[strspn(gt + 1, " ") + 1] != '\0' || (size_t)(gt - lt - 1) >= addrlen)
        return -1;
    memcpy(addr, lt + 1, (size_t)(gt - lt - 1));
    addr[gt - lt - 1] = '\0';
    if (!email_address_ok(addr))
        return -1;
    /* The display name: what comes before '<', blanks and one pair of quotes removed. */
    const char *b = from, *e = lt;
    while (b < e && *b == ' ')
        b++;
    while (e > b && e[-1] == ' ')
        e--;
    if (e - b >= 2 && *b == '"' && e[-1] == '"') {
        b++;
        e--;
    }
    size_t n = (size_t)(e - b) < namelen ? (size_t)(e - b) : namelen - 1;
    memcpy(name, b, n);
    name[n] = '\0';
    return 0;
}

/* ---- headers ---------------------------------------------------------------------------- */

/* A header being written: the column of the current line, to fold before LINE_MAX_HDR. */
struct hdr {
    struct vg_buf *b;
    size_t col;
};

/* Writes a token preceded by a blank, or by a fold when it would pass the line's end. */
static void hdr_token(struct hdr *h, const char *tok, size_t n, int first)
{
    if (!first && h->col + 1 + n > LINE_MAX_HDR && h->col > 1) {
        vg_buf_puts(h->b, "\r\n ");
        h->col = 1;
    } else {
        vg_buf_putc(h->b, ' ');
        h->col++;
    }
    vg_buf_append(h->b, tok, n);
    h->col += n;
}

static int needs_encoding(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0x7f)
            return 1;
    /* Text that would read as an encoded-word is encoded itself, so it shows as written. */
    return strstr(s, "=?") != NULL;
}

/* Q-encoding (RFC 2047 4.2) limited to the characters allowed in a phrase (5 (3)): letters,
 * digits, "!*+-/"; a space is '_'. */
static size_t q_char(const unsigned char *p, size_t n, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("!*+-/", c)) {
            out[o++] = (char)c;
        } else if (c == ' ') {
            out[o++] = '_';
        } else {
            out[o++] = '=';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    return o;
}

/* The cleaned value as encoded-words, each on its own line after the first, none split
 * inside a character. */
static void hdr_encoded(struct hdr *h, const char *s)
{
    static const char open[] = "=?UTF-8?Q?", close[] = "?=";
    size_t len = strlen(s), i = 0;
    int first = 1;
    while (i < len) {
        char word[LINE_MAX_HDR + 1];
        size_t w = 0;
        /* room on this line: a blank, the word's open and close, the payload */
        size_t col = first ? h->col : 1;
        size_t room = LINE_MAX_HDR - col - 1 - (sizeof(open) - 1) - (sizeof(close) - 1);
        if (room > 75 - (sizeof(open) - 1) - (sizeof(close) - 1)) /* RFC 2047 2: a word is at most 75 */
            room = 75 - (sizeof(open) - 1) - (sizeof(close) - 1);
        memcpy(word, open, sizeof(open) - 1);
        w = sizeof(open) - 1;
        size_t payload = 0;
        while (i < len) {
            int32_t cp;
            size_t n = vg_utf8_next((const unsigned char *)s + i, len - i, &cp);
            char enc[12];
            size_t en = q_char((const unsigned char *)s + i, n, enc);
            if (payload + en > room && payload > 0)
                break;
            memcpy(word + w, enc, en);
            w += en;
            payload += en;
            i += n;
        }
        memcpy(word + w, close, sizeof(close) - 1);
        w += sizeof(close) - 1;
        if (!first) {
            vg_buf_puts(h->b, "\r\n");
            h->col = 0;
        }
        hdr_token(h, word, w, 1);
        first = 0;
    }
}

/* The cleaned ASCII value as words folded at blanks; a phrase with specials is quoted. */
static void hdr_words(struct hdr *h, const char *s, int phrase)
{
    char *quoted = NULL;
    if (phrase && strpbrk(s, "()<>[]:;@\\,.\"")) {
        quoted = vg_malloc(strlen(s) * 2 + 3);
        if (!quoted) {
            h->b->failed = 1;
            return;
        }
        size_t o = 0;
        quoted[o++] = '"';
        for (const char *p = s; *p; p++) {
            if (*p == '"' || *p == '\\')
                quoted[o++] = '\\';
            quoted[o++] = *p;
        }
        quoted[o++] = '"';
        quoted[o] = '\0';
        s = quoted;
    }
    int first = 1;
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, " ");
        hdr_token(h, p, n, first);
        first = 0;
        p += n;
        p += strspn(p, " ");
    }
    vg_free(quoted);
}

static void hdr_value(struct hdr *h, const char *clean, int phrase)
{
    if (needs_encoding(clean))
        hdr_encoded(h, clean);
    else
        hdr_words(h, clean, phrase);
}

int email_header_put(struct vg_buf *out, const char *name, const char *value, int phrase)
{
    char *clean = clean_dup(value);
    if (!clean)
        return -1;
    struct hdr h = {out, 0};
    vg_buf_printf(out, "%s:", name);
    h.col = strlen(name) + 1;
    if (*clean)
        hdr_value(&h, clean, phrase);
    vg_buf_puts(out, "\r\n");
    vg_free(clean);
    return vg_buf_check(out);
}

/* "From: Name <addr>" with the name encoded or quoted as needed. */
static int put_from(struct vg_buf *out, const char *name, const char *addr)
{
    char *clean = clean_dup(name);
    if (!clean)
        return -1;
    struct hdr h = {out, 5};
    vg_buf_puts(out, "From:");
    char angle[300];
    int n = snprintf(angle, sizeof angle, "<%s>", addr);
    if (*clean) {
        hdr_value(&h, clean, 1);
        hdr_token(&h, angle, (size_t)n, 0);
    } else {
        hdr_token(&h, addr, strlen(addr), 1);
    }
    vg_buf_puts(out, "\r\n");
    vg_free(clean);
    return vg_buf_check(out);
}

/* "To: a@x, b@y", every address checked. */
static int put_to(struct vg_buf *out, const char *list, char *err, size_t errlen)
{
    struct hdr h = {out, 3};
    vg_buf_puts(out, "To:");
    int first = 1;
    for (const char *p = list; p && *p;) {
        size_t n = strcspn(p, ",");
        char addr[300];
        const char *b = p, *e = p + n;
        while (b < e && *b == ' ')
            b++;
        while (e > b && e[-1] == ' ')
            e--;
        if ((size_t)(e - b) >= sizeof addr) {
            snprintf(err, errlen, "an address is too long");
            return -1;
        }
        memcpy(addr, b, (size_t)(e - b));
        addr[e - b] = '\0';
        if (*addr) {
            if (!email_address_ok(addr)) {
                char shown[64];
                snprintf(err, errlen, "not an e-mail address: \"%s\"", email_header_clean(addr, shown, sizeof shown));
                return -1;
            }
            if (!first) { /* the comma goes right after the previous address */
                vg_buf_putc(out, ',');
                h.col++;
            }
            hdr_token(&h, addr, strlen(addr), first);
            first = 0;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    if (first) {
        snprintf(err, errlen, "no recipient");
        return -1;
    }
    vg_buf_puts(out, "\r\n");
    return vg_buf_check(out);
}

static void put_date(struct vg_buf *out, int64_t ms)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    vg_buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday], tm.tm_mday,
                  months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* A URL inside <...>: whatever could end it or the line is percent-encoded. */
static void put_url(struct vg_buf *out, const char *url)
{
    for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
        if (*p <= ' ' || *p >= 0x7f || *p == '<' || *p == '>' || *p == '"')
            vg_buf_printf(out, "%%%02X", *p);
        else
            vg_buf_putc(out, (char)*p);
    }
}

/* ---- bodies ----------------------------------------------------------------------------- */

int email_qp_encode(struct vg_buf *out, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *p = text ? text : "";
    while (*p) {
        size_t n = strcspn(p, "\n");
        size_t end = n;
        if (end > 0 && p[end - 1] == '\r')
            end--;
        size_t col = 0;
        for (size_t i = 0; i < end; i++) {
            unsigned char c = (unsigned char)p[i];
            char tok[3];
            size_t tn;
            int last = i + 1 == end;
            if ((c > ' ' && c < 0x7f && c != '=' && !(c == '.' && col == 0)) || ((c == ' ' || c == '\t') && !last)) {
                tok[0] = (char)c;
                tn = 1;
            } else {
                tok[0] = '=';
                tok[1] = hex[c >> 4];
                tok[2] = hex[c & 15];
                tn = 3;
            }
            /* A soft break ('=' at the line's end) keeps every line within 76; the line's
             * last token may use the 76th column itself. */
            if (col + tn > (last ? LINE_MAX_QP : LINE_MAX_QP - 1)) {
                vg_buf_puts(out, "=\r\n");
                col = 0;
                if (c == '.') { /* now at the start of a line */
                    tok[0] = '=';
                    tok[1] = '2';
                    tok[2] = 'E';
                    tn = 3;
                }
            }
            vg_buf_append(out, tok, tn);
            col += tn;
        }
        p += n;
        if (*p == '\n') {
            p++;
            vg_buf_puts(out, "\r\n");
        }
    }
    return vg_buf_check(out);
}

/* ---- the message ---------------------------------------------------------------------- */

static uint64_t fnv(const char *s, uint64_t h)
{
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

char *email_mime_build(const struct email_mime *m, size_t *len, char *err, size_t errlen)
{
    char name[256], addr[256], id[128];
    struct vg_buf out, text, html;
    vg_buf_init(&out, 0);
    vg_buf_init(&text, 0);
    vg_buf_init(&html, 0);
    char *res = NULL;
    if (email_from_split(m->from, name, sizeof name, addr, sizeof addr) < 0) {
        snprintf(err, errlen, "the sender is not an address");
        goto done;
    }
    size_t k = 0;
    for (const char *p = m->id ? m->id : ""; *p && k + 1 < sizeof id; p++)
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
            *p == '-' || *p == '_')
            id[k++] = *p;
    id[k] = '\0';
    if (!k) {
        snprintf(err, errlen, "the message has no id");
        goto done;
    }
    if (email_qp_encode(&text, m->text) < 0 || email_qp_encode(&html, m->html) < 0) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    /* "=_" never occurs in quoted-printable output ('=' is followed by hex digits or a line
     * end); the check below holds whatever the encoder does. */
    char boundary[64];
    uint64_t h = fnv(m->text, fnv(m->html, 1469598103934665603ULL));
    for (unsigned i = 0;; i++) {
        snprintf(boundary, sizeof boundary, "=_vigie_%016llx_%u", (unsigned long long)h, i);
        if ((!text.data || !strstr(text.data, boundary)) && (!html.data || !strstr(html.data, boundary)))
            break;
    }
    if (put_from(&out, name, addr) < 0 || put_to(&out, m->to, err, errlen) < 0) {
        if (!*err)
            snprintf(err, errlen, "out of memory");
        goto done;
    }
    email_header_put(&out, "Subject", m->subject, 0);
    put_date(&out, m->date_ms);
    vg_buf_printf(&out, "Message-ID: <%s@%s>\r\n", id, strchr(addr, '@') + 1);
    vg_buf_puts(&out, "MIME-Version: 1.0\r\n");
    if (m->unsubscribe && *m->unsubscribe) {
        struct vg_buf url;
        vg_buf_init(&url, 0);
        put_url(&url, m->unsubscribe);
        /* folded before the '<' when the line would pass 78 (a URL itself cannot be folded) */
        vg_buf_printf(&out, "List-Unsubscribe:%s<%s>\r\n", url.len + 19 > LINE_MAX_HDR ? "\r\n " : " ",
                      url.data ? url.data : "");
        if (vg_buf_check(&url) < 0)
            out.failed = 1;
        vg_buf_free(&url);
    }
    /* RFC 3834: an automatic message; out-of-office replies are not sent back to it. */
    vg_buf_puts(&out, "Auto-Submitted: auto-generated\r\n");
    vg_buf_printf(&out, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n", boundary);
    vg_buf_printf(&out, "--%s\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                        "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                  boundary);
    vg_buf_append(&out, text.data ? text.data : "", text.len);
    vg_buf_printf(&out, "\r\n--%s\r\nContent-Type: text/html; charset=UTF-8\r\n"
                        "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                  boundary);
    vg_buf_append(&out, html.data ? html.data : "", html.len);
    vg_buf_printf(&out, "\r\n--%s--\r\n", boundary);
    if (vg_buf_check(&out) < 0) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    *len = out.len;
    res = vg_buf_steal(&out);
    if (!res)
        snprintf(err, errlen, "out of memory");
done:
    vg_buf_free(&out);
    vg_buf_free(&text);
    vg_buf_free(&html);
    return res;
}
