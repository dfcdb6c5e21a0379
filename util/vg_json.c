/* vg_json — JSON parsing that forgives unpaired surrogate escapes (see vg_json.h). */
#include "util/vg_json.h"
#include "util/vg_hex.h"
#include "util/vg_alloc.h"

#include <string.h>

static size_t last_error_offset = (size_t)-1;

/* The code unit of a "\uXXXX" escape at s[i] (s[i] == '\\'), or -1. */
static long escape_at(const char *s, size_t len, size_t i)
{
    if (i + 6 > len || s[i] != '\\' || s[i + 1] != 'u')
        return -1;
    long v = 0;
    for (size_t k = 2; k < 6; k++) {
        int h = vg_hex_digit(s[i + k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Rewrites unpaired surrogate escapes of `s` in `out` (a copy of s, or NULL to only count).
 * Backslashes occur only inside strings in JSON, and "\\\\" is skipped as a pair, so every
 * "\u" seen here is an escape. Returns how many were found. */
static size_t fix_surrogates(const char *s, size_t len, char *out)
{
    size_t found = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        /* memchr: most texts hold few backslashes, and this runs before every parse */
        const char *bs = memchr(s + i, '\\', len - 1 - i);
        if (!bs)
            break;
        i = (size_t)(bs - s);
        long u = escape_at(s, len, i);
        if (u < 0) {
            i++; /* "\\", "\n", ...: the escaped character is not a new escape */
            continue;
        }
        if (u >= 0xD800 && u <= 0xDBFF) {
            long lo = escape_at(s, len, i + 6);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                i += 11;
                continue;
            }
        } else if (u < 0xDC00 || u > 0xDFFF) {
            i += 5;
            continue;
        }
        found++;
        if (out)
            memcpy(out + i + 2, "fffd", 4);
        i += 5;
    }
    return found;
}

cJSON *vg_json_parse(const char *s, size_t len)
{
    last_error_offset = (size_t)-1;
    if (!fix_surrogates(s, len, NULL)) {
        cJSON *root = cJSON_ParseWithLength(s, len);
        const char *ep = root ? NULL : cJSON_GetErrorPtr();
        if (ep && ep >= s && ep <= s + len)
            last_error_offset = (size_t)(ep - s);
        return root;
    }
    char *copy = vg_malloc(len ? len : 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, len);
    fix_surrogates(s, len, copy);
    cJSON *root = cJSON_ParseWithLength(copy, len);
    const char *ep = root ? NULL : cJSON_GetErrorPtr();
    if (ep && ep >= copy && ep <= copy + len)
        last_error_offset = (size_t)(ep - copy);
    vg_free(copy);
    return root;
}

size_t vg_json_error_offset(void)
{
    return last_error_offset;
}

const char *vg_json_str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

double vg_json_num(const cJSON *o, const char *k, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}
