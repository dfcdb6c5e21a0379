/* feed_json_out — writes a struct feed_doc as the JSON object of `vigie parse` (docs/design.md):
 * {"format", "feed": {title, link, language, updated}, "items": [{id, title, link, published,
 * updated, author, summary, categories}]}, keys always present, missing strings as null.
 *
 * Strings are escaped in runs rather than byte by byte: summaries are most of the output and
 * this is on the path `bench/run parse` measures. */
#include "fetchers/feed.h"

#include "util/vg_alloc.h"
#include "util/vg_buf.h"

#include <stdint.h>
#include <string.h>

/* Is any of the eight bytes in w below 0x20, '"' or '\\'? (exact "has zero byte" tests) */
static inline int word_needs_escape(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
    return (((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((bs - ones) & ~bs)) & high ? 1 : 0;
}

static int put_str(struct vg_buf *b, const char *s)
{
    if (!s)
        return vg_buf_append(b, "null", 4);
    static const char hex[] = "0123456789abcdef";
    int rc = vg_buf_putc(b, '"');
    const unsigned char *p = (const unsigned char *)s, *run = p;
    const unsigned char *end = p + strlen(s);
    while (p < end) {
        if (end - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            if (!word_needs_escape(w)) {
                p += 8;
                continue;
            }
        }
        unsigned char c = *p;
        if (c >= 0x20 && c != '"' && c != '\\') {
            p++;
            continue;
        }
        rc |= vg_buf_append(b, run, (size_t)(p - run));
        switch (c) {
        case '"': rc |= vg_buf_append(b, "\\\"", 2); break;
        case '\\': rc |= vg_buf_append(b, "\\\\", 2); break;
        case '\n': rc |= vg_buf_append(b, "\\n", 2); break;
        case '\r': rc |= vg_buf_append(b, "\\r", 2); break;
        case '\t': rc |= vg_buf_append(b, "\\t", 2); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            rc |= vg_buf_append(b, u, 6);
        }
        }
        run = ++p;
    }
    rc |= vg_buf_append(b, run, (size_t)(p - run));
    rc |= vg_buf_putc(b, '"');
    return rc ? -1 : 0;
}

static int put_date(struct vg_buf *b, int64_t t)
{
    char d[21];
    if (t == FEED_DATE_NONE || feed_date_format(t, d) < 0)
        return vg_buf_append(b, "null", 4);
    return put_str(b, d);
}

static int put_key(struct vg_buf *b, const char *k)
{
    return vg_buf_puts(b, k);
}

char *feed_doc_to_json(const struct feed_doc *d)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    int rc = put_key(&b, "{\"format\":");
    rc |= put_str(&b, feed_format_name(d->format));
    rc |= put_key(&b, ",\"feed\":{\"title\":");
    rc |= put_str(&b, d->title);
    rc |= put_key(&b, ",\"link\":");
    rc |= put_str(&b, d->link);
    rc |= put_key(&b, ",\"language\":");
    rc |= put_str(&b, d->language);
    rc |= put_key(&b, ",\"updated\":");
    rc |= put_date(&b, d->updated);
    rc |= put_key(&b, "},\"items\":[");
    for (size_t i = 0; i < d->nitems && rc == 0; i++) {
        const struct feed_item *it = &d->items[i];
        rc |= put_key(&b, i ? ",{\"id\":" : "{\"id\":");
        rc |= put_str(&b, it->id);
        rc |= put_key(&b, ",\"title\":");
        rc |= put_str(&b, it->title);
        rc |= put_key(&b, ",\"link\":");
        rc |= put_str(&b, it->link);
        rc |= put_key(&b, ",\"published\":");
        rc |= put_date(&b, it->published);
        rc |= put_key(&b, ",\"updated\":");
        rc |= put_date(&b, it->updated);
        rc |= put_key(&b, ",\"author\":");
        rc |= put_str(&b, it->author);
        rc |= put_key(&b, ",\"summary\":");
        rc |= put_str(&b, it->summary);
        rc |= put_key(&b, ",\"categories\":[");
        for (size_t c = 0; c < it->ncategories; c++) {
            if (c)
                rc |= vg_buf_putc(&b, ',');
            rc |= put_str(&b, it->categories[c]);
        }
        rc |= put_key(&b, "]}");
    }
    rc |= put_key(&b, "]}");
    if (rc) {
        vg_buf_free(&b);
        return NULL;
    }
    return vg_buf_steal(&b);
}
