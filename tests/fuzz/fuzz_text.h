/* fuzz_text — the checks every harness makes on text a parser hands on: a broken promise
 * prints what broke and aborts, so libFuzzer reports the input and the corpus replay fails. */
#ifndef VG_FUZZ_TEXT_H
#define VG_FUZZ_TEXT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fz_fail(const char *what, const char *why, const char *s)
{
    fprintf(stderr, "invariant broken: %s: %s\n", what, why);
    if (s)
        fprintf(stderr, "value (%zu bytes): \"%.*s\"\n", strlen(s), 400, s);
    abort();
}

/* Strict UTF-8: shortest forms only, no surrogates, nothing above U+10FFFF. Returns the
 * position of the first bad byte, or NULL when the string is valid. */
static const char *fz_utf8_bad(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        size_t n;
        uint32_t cp, min;
        if (c < 0x80) {
            p++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 2, cp = c & 0x1f, min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 3, cp = c & 0x0f, min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return (const char *)p;
        }
        for (size_t i = 1; i < n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return (const char *)p;
            cp = cp << 6 | (p[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return (const char *)p;
        p += n;
    }
    return NULL;
}

/* Any string: valid UTF-8, no C0 control (but '\n' where allowed), no DEL, no C1 control. */

/* A message for a log line: NUL-terminated within cap, valid UTF-8, no C0, DEL or C1 control
 * character. */
static inline void fz_line_text(const char *what, const char *s, size_t cap)
{
    if (!memchr(s, '\0', cap))
        fz_fail(what, "not NUL-terminated within its buffer", NULL);
    if (fz_utf8_bad(s))
        fz_fail(what, "not valid UTF-8", s);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            fz_fail(what, "control character", s);
        if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            fz_fail(what, "C1 control character", s);
    }
}

#endif
