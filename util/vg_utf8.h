/* vg_utf8 — reading and writing one UTF-8 character, for code that cleans or cuts text it
 * received from outside (utf8proc's checks: no overlong form, no surrogate, nothing past
 * U+10FFFF). */
#ifndef VG_UTF8_H
#define VG_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the character at s (len > 0 bytes left): returns the bytes it takes, and *cp its
 * code point, or -1 with 1 byte for a byte that does not start a valid sequence. */
size_t vg_utf8_next(const unsigned char *s, size_t len, int32_t *cp);
/* Encodes cp (a valid code point) into out (4 bytes of room); returns the bytes written. */
size_t vg_utf8_put(int32_t cp, char *out);

#endif
