/* feed_mojibake — UTF-8 that was encoded twice ("CafÃ©" for "Café", "Itâ€™s" for "It’s"),
 * common in real feeds whose publisher read UTF-8 as windows-1252 or ISO-8859-1 and wrote it
 * out again. Repaired only when the evidence is unambiguous: every non-ASCII character of the
 * text belongs to a sequence that, read back as windows-1252/ISO-8859-1 bytes, is one valid
 * UTF-8 character. A text that mixes such sequences with any other non-ASCII character (a real
 * "São Paulo" next to a stray "Ã©") is left as it is. */
#include "fetchers/feed_int.h"

#include <stdint.h>
#include <string.h>

/* The byte a character stood for when UTF-8 was misread as windows-1252 (or ISO-8859-1);
 * -1 when it cannot have come from one byte. */
static int byte_of(uint32_t cp)
{
    if (cp < 0x100)
        return (int)cp;
    for (int i = 0; i < 32; i++)
        if (feed_cp1252_c1[i] == cp)
            return 0x80 + i;
    return -1;
}

/* At s: the length in s of one double-encoded character and the bytes it stood for in
 * out[0..*olen), or 0 when s does not start one. */
static size_t sequence(const unsigned char *s, size_t n, unsigned char out[4], size_t *olen)
{
    uint32_t cp;
    size_t used = feed_utf8_decode(s, n, &cp);
    int lead = used ? byte_of(cp) : -1;
    size_t need = lead >= 0xC2 && lead <= 0xDF ? 1 : lead >= 0xE0 && lead <= 0xEF ? 2
                  : lead >= 0xF0 && lead <= 0xF4                                  ? 3
                                                                                  : 0;
    if (!need)
        return 0;
    out[0] = (unsigned char)lead;
    size_t at = used;
    for (size_t k = 1; k <= need; k++) {
        size_t l = feed_utf8_decode(s + at, n - at, &cp);
        int b = l ? byte_of(cp) : -1;
        if (b < 0x80 || b > 0xBF)
            return 0;
        out[k] = (unsigned char)b;
        at += l;
    }
    uint32_t orig;
    if (feed_utf8_decode(out, need + 1, &orig) != need + 1)
        return 0; /* overlong, a surrogate, past U+10FFFF */
    *olen = need + 1;
    return at;
}

size_t feed_mojibake_repair(char *text, size_t len)
{
    unsigned char *s = (unsigned char *)text;
    /* Cheap test first: every double-encoded character starts with one of U+00C2-U+00F4,
     * which UTF-8 writes with the byte C3. */
    if (!memchr(s, 0xC3, len))
        return len;
    size_t found = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        unsigned char b[4];
        size_t bl, l = sequence(s + i, len - i, b, &bl);
        if (!l)
            return len; /* a non-ASCII character that is not part of one: ambiguous */
        found++;
        i += l;
    }
    if (!found)
        return len;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] < 0x80) {
            s[o++] = s[i++];
            continue;
        }
        unsigned char b[4];
        size_t bl, l = sequence(s + i, len - i, b, &bl);
        memcpy(s + o, b, bl); /* bl < l: the repair only shrinks the text */
        o += bl;
        i += l;
    }
    s[o] = '\0';
    return o;
}
