/* vg_utf8 — one UTF-8 character at a time, on utf8proc (see vg_utf8.h). */
#include "util/vg_utf8.h"

#include <utf8proc.h>

size_t vg_utf8_next(const unsigned char *s, size_t len, int32_t *cp)
{
    utf8proc_int32_t c = -1;
    utf8proc_ssize_t n = utf8proc_iterate(s, (utf8proc_ssize_t)(len < 4 ? len : 4), &c);
    if (n <= 0 || c < 0) {
        *cp = -1;
        return 1;
    }
    *cp = c;
    return (size_t)n;
}

size_t vg_utf8_put(int32_t cp, char *out)
{
    utf8proc_ssize_t n = utf8proc_encode_char(cp, (utf8proc_uint8_t *)out);
    return n > 0 ? (size_t)n : 0;
}
