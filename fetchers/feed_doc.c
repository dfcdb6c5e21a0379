/* feed_doc — the struct feed_doc / feed_item life cycle, plus the small field helpers every
 * producer (XML, JSON Feed, HTML pages) shares so that they normalise fields the same way. */
#include "fetchers/feed.h"
#include "fetchers/feed_int.h"
#include "fetchers/feed_url.h"

#include "util/vg_alloc.h"

#include <string.h>

struct feed_doc *feed_doc_new(enum feed_format format)
{
    struct feed_doc *d = vg_calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->format = format;
    d->updated = FEED_DATE_NONE;
    return d;
}

void feed_item_clear(struct feed_item *it)
{
    if (!it)
        return;
    vg_free(it->id);
    vg_free(it->title);
    vg_free(it->link);
    vg_free(it->author);
    vg_free(it->summary);
    for (size_t i = 0; i < it->ncategories; i++)
        vg_free(it->categories[i]);
    vg_free(it->categories);
    vg_free(it->structured);
    memset(it, 0, sizeof(*it));
    it->published = it->updated = FEED_DATE_NONE;
}

void feed_doc_free(struct feed_doc *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nitems; i++)
        feed_item_clear(&d->items[i]);
    vg_free(d->items);
    vg_free(d->title);
    vg_free(d->link);
    vg_free(d->language);
    vg_free(d->hub);
    vg_free(d->self);
    vg_free(d);
}

struct feed_item *feed_doc_add_item(struct feed_doc *d)
{
    if (d->nitems >= FEED_MAX_ITEMS) {
        d->flags |= FEED_F_ITEMS_CAPPED;
        return NULL;
    }
    if (d->nitems == d->items_cap) {
        size_t ncap = d->items_cap ? d->items_cap * 2 : 16;
        if (ncap > FEED_MAX_ITEMS)
            ncap = FEED_MAX_ITEMS;
        struct feed_item *n = vg_realloc(d->items, ncap * sizeof(*n));
        if (!n)
            return NULL;
        d->items = n;
        d->items_cap = ncap;
    }
    struct feed_item *it = &d->items[d->nitems++];
    memset(it, 0, sizeof(*it));
    it->published = it->updated = FEED_DATE_NONE;
    return it;
}

int feed_item_add_category(struct feed_item *it, const char *cat)
{
    if (!cat || !*cat || it->ncategories >= FEED_MAX_CATEGORIES)
        return 0;
    for (size_t i = 0; i < it->ncategories; i++)
        if (strcmp(it->categories[i], cat) == 0)
            return 0;
    char **n = vg_realloc(it->categories, (it->ncategories + 1) * sizeof(*n));
    if (!n)
        return -1;
    it->categories = n;
    char *c = vg_strdup(cat);
    if (!c)
        return -1;
    it->categories[it->ncategories++] = c;
    return 0;
}

const char *feed_format_name(enum feed_format f)
{
    switch (f) {
    case FEED_FORMAT_RSS20: return "rss20";
    case FEED_FORMAT_RSS10: return "rss10";
    case FEED_FORMAT_RSS09X: return "rss09x";
    case FEED_FORMAT_ATOM10: return "atom10";
    case FEED_FORMAT_ATOM03: return "atom03";
    case FEED_FORMAT_JSONFEED: return "jsonfeed";
    default: return "unknown";
    }
}

int feed_join_append(char **list, const char *text, size_t max)
{
    if (!text || !*text)
        return 0;
    if (!*list) {
        *list = vg_strdup(text);
        return *list ? 0 : -1;
    }
    /* the same name twice (dc:creator and author) is one author */
    const char *p = *list;
    size_t tl = strlen(text);
    while (p) {
        if (strncmp(p, text, tl) == 0 && (p[tl] == '\0' || p[tl] == ','))
            return 0;
        p = strstr(p, ", ");
        if (p)
            p += 2;
    }
    size_t ol = strlen(*list);
    if (ol + 2 + tl > max)
        return 0;
    char *n = vg_realloc(*list, ol + 2 + tl + 1);
    if (!n)
        return -1;
    memcpy(n + ol, ", ", 2);
    memcpy(n + ol + 2, text, tl + 1);
    *list = n;
    return 0;
}

char *feed_link_finish(const char *base, const char *raw, size_t len)
{
    if (!raw || len == 0 || len > FEED_MAX_URL)
        return NULL;
    char *tmp = vg_strndup(raw, len);
    if (!tmp)
        return NULL;
    char *abs = feed_url_resolve(base, tmp);
    vg_free(tmp);
    if (!abs)
        return NULL;
    char *real = feed_url_unwrap(abs);
    vg_free(abs);
    if (real && strlen(real) > FEED_MAX_URL) {
        vg_free(real);
        return NULL;
    }
    return real;
}
