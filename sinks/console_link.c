/* console_link — links to the web console's pages (see console_link.h). */
#include "sinks/console_link.h"

#include <string.h>
#include <strings.h>

#include "util/vg_alloc.h"
#include "util/vg_buf.h"

int console_link_ok(const char *url)
{
    if (!url)
        return 0;
    size_t skip = strncasecmp(url, "http://", 7) == 0 ? 7 : strncasecmp(url, "https://", 8) == 0 ? 8 : 0;
    if (!skip || !url[skip] || url[skip] == '/')
        return 0;
    /* nothing a message's markup would end the link at (what the renders refuse too) */
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= ' ' || *p >= 0x7f || strchr("\"'<>\\`|{}^", *p))
            return 0;
    return 1;
}

/* RFC 3986 unreserved characters stay; every other byte is %XX, so that '/', '?', '#' and
 * spaces in an id cannot leave its path segment. */
static void segment(struct vg_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '.' || *p == '_' || *p == '~') {
            vg_buf_putc(b, (char)*p);
        } else {
            vg_buf_putc(b, '%');
            vg_buf_putc(b, hex[*p >> 4]);
            vg_buf_putc(b, hex[*p & 15]);
        }
    }
}

char *console_link(const char *base, const char *page, const char *id)
{
    if (!console_link_ok(base) || !id || !*id)
        return NULL;
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    struct vg_buf b;
    vg_buf_init(&b, 0);
    vg_buf_append(&b, base, n);
    vg_buf_puts(&b, "/ui/");
    vg_buf_puts(&b, page);
    vg_buf_putc(&b, '/');
    segment(&b, id);
    if (vg_buf_check(&b) < 0) {
        vg_buf_free(&b);
        return NULL;
    }
    return vg_buf_steal(&b);
}
