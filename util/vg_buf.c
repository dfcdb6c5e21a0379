/* vg_buf — growable byte buffer (see vg_buf.h). */
#include "util/vg_buf.h"
#include "util/vg_alloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void vg_buf_init(struct vg_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

static int reserve(struct vg_buf *b, size_t extra)
{
    if (b->failed)
        return -1;
    if ((b->max && b->len + extra > b->max) || extra > SIZE_MAX / 4 - b->len) {
        b->failed = 1;
        return -1;
    }
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < b->len + extra + 1)
        ncap *= 2;
    char *nd = vg_realloc(b->data, ncap);
    if (!nd) {
        b->failed = 1;
        return -1;
    }
    b->data = nd;
    b->cap = ncap;
    return 0;
}

int vg_buf_append(struct vg_buf *b, const void *p, size_t n)
{
    if (reserve(b, n) < 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int vg_buf_puts(struct vg_buf *b, const char *s) { return vg_buf_append(b, s, strlen(s)); }

int vg_buf_putc(struct vg_buf *b, char c) { return vg_buf_append(b, &c, 1); }

int vg_buf_printf(struct vg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        b->failed = 1;
    if (n < 0 || reserve(b, (size_t)n) < 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int vg_buf_json_str(struct vg_buf *b, const char *s)
{
    if (vg_buf_putc(b, '"') < 0)
        return -1;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        /* The characters that need no escape go out as one run: most of a text. */
        const unsigned char *run = p;
        while (*p >= 0x20 && *p != '"' && *p != '\\')
            p++;
        if (p > run && vg_buf_append(b, run, (size_t)(p - run)) < 0)
            return -1;
        if (!*p)
            break;
        int rc;
        switch (*p) {
        case '"': rc = vg_buf_puts(b, "\\\""); break;
        case '\\': rc = vg_buf_puts(b, "\\\\"); break;
        case '\n': rc = vg_buf_puts(b, "\\n"); break;
        case '\r': rc = vg_buf_puts(b, "\\r"); break;
        case '\t': rc = vg_buf_puts(b, "\\t"); break;
        default:
            if (*p < 0x20)
                rc = vg_buf_printf(b, "\\u%04x", *p);
            else
                rc = vg_buf_putc(b, (char)*p);
        }
        if (rc < 0)
            return -1;
    }
    return vg_buf_putc(b, '"');
}

void vg_buf_reset(struct vg_buf *b)
{
    b->len = 0;
    b->failed = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *vg_buf_steal(struct vg_buf *b)
{
    char *d = b->data;
    if (b->failed) {
        vg_free(d);
        d = NULL;
    } else if (!d) {
        d = vg_strdup("");
    }
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
    return d;
}

void vg_buf_free(struct vg_buf *b)
{
    vg_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}
