/* feed_json — JSON Feed 1.0 and 1.1 (https://www.jsonfeed.org/version/1.1/) with cJSON.
 *
 * The fields map onto struct feed_item like their RSS/Atom counterparts: summary, else
 * content_text, else content_html as text; author (1.0) or authors (1.1); tags as categories.
 * Real feeds stray from the spec in small ways (numeric ids, a missing version, relative
 * URLs) and those are accepted; a JSON document without an items array is not a feed. */
#include "fetchers/feed.h"
#include "fetchers/feed_int.h"
#include "fetchers/feed_url.h"

#include "util/vg_alloc.h"
#include "util/vg_json.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

/* Plain or HTML text into a capped, normalised copy; NULL when absent or empty. */
static char *text_of(const char *s, size_t max, unsigned flags, int *oom)
{
    if (!s)
        return NULL;
    char *t = feed_text_clean(s, strlen(s), max, flags);
    if (!t) {
        *oom = 1;
        return NULL;
    }
    if (!*t) {
        vg_free(t);
        return NULL;
    }
    return t;
}

static int add_author(char **dst, const cJSON *a, int *oom)
{
    if (!cJSON_IsObject(a))
        return 0;
    char *n = text_of(str_of(a, "name"), FEED_MAX_SHORT, 0, oom);
    if (!n)
        return 0;
    if (feed_join_append(dst, n, FEED_MAX_SHORT) < 0)
        *oom = 1;
    vg_free(n);
    return 0;
}

/* "authors" (1.1) or "author" (1.0) of an item or of the feed, joined. */
static void authors_of(char **dst, const cJSON *o, int *oom)
{
    const cJSON *authors = cJSON_GetObjectItemCaseSensitive(o, "authors");
    const cJSON *a;
    if (cJSON_IsArray(authors)) {
        int k = 0;
        cJSON_ArrayForEach(a, authors) {
            if (k++ >= 32)
                break;
            add_author(dst, a, oom);
        }
    }
    if (!*dst)
        add_author(dst, cJSON_GetObjectItemCaseSensitive(o, "author"), oom);
}

static void parse_item(struct feed_item *it, const cJSON *o, const char *base,
                       const char *feed_author, int *oom)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
    if (cJSON_IsString(id) && id->valuestring) {
        it->id = text_of(id->valuestring, FEED_MAX_SHORT, 0, oom);
    } else if (cJSON_IsNumber(id)) { /* 1.0 feeds in the wild use numbers */
        char num[32];
        snprintf(num, sizeof(num), "%.17g", id->valuedouble);
        it->id = vg_strdup(num);
        if (!it->id)
            *oom = 1;
    }
    const char *url = str_of(o, "url");
    if (url)
        it->link = feed_link_finish(base, url, strlen(url));
    if (!it->link && (url = str_of(o, "external_url")))
        it->link = feed_link_finish(base, url, strlen(url));
    it->title = text_of(str_of(o, "title"), FEED_MAX_TITLE, 0, oom);
    it->summary = text_of(str_of(o, "summary"), FEED_MAX_SUMMARY, FEED_TEXT_MULTILINE, oom);
    if (!it->summary)
        it->summary = text_of(str_of(o, "content_text"), FEED_MAX_SUMMARY, FEED_TEXT_MULTILINE, oom);
    if (!it->summary)
        it->summary = text_of(str_of(o, "content_html"), FEED_MAX_SUMMARY,
                              FEED_TEXT_HTML | FEED_TEXT_MULTILINE, oom);
    it->published = feed_date_parse(str_of(o, "date_published"));
    it->updated = feed_date_parse(str_of(o, "date_modified"));
    authors_of(&it->author, o, oom);
    /* JSON Feed 1.1: an item without authors has the feed's */
    if (!it->author && feed_author && !(it->author = vg_strdup(feed_author)))
        *oom = 1;
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(o, "tags");
    const cJSON *t;
    if (cJSON_IsArray(tags)) {
        cJSON_ArrayForEach(t, tags) {
            if (it->ncategories >= FEED_MAX_CATEGORIES)
                break;
            if (!cJSON_IsString(t))
                continue;
            char *c = text_of(t->valuestring, FEED_MAX_SHORT, 0, oom);
            if (c && feed_item_add_category(it, c) < 0)
                *oom = 1;
            vg_free(c);
        }
    }
    if (!it->id && it->link) {
        it->id = vg_strdup(it->link);
        if (!it->id)
            *oom = 1;
    }
}

int feed_json_parse(const char *s, size_t len, const char *base_url, struct feed_doc **out,
                    char *err, size_t errlen)
{
    *out = NULL;
    cJSON *root = vg_json_parse(s, len);
    if (!root) {
        snprintf(err, errlen, "not a feed: invalid JSON");
        return FEED_NOT_A_FEED;
    }
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "items");
    if (!cJSON_IsObject(root) || !cJSON_IsArray(items)) {
        snprintf(err, errlen, "not a feed: JSON without a JSON Feed \"items\" array");
        cJSON_Delete(root);
        return FEED_NOT_A_FEED;
    }
    int oom = 0;
    struct feed_doc *doc = feed_doc_new(FEED_FORMAT_JSONFEED);
    if (!doc) {
        cJSON_Delete(root);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    doc->title = text_of(str_of(root, "title"), FEED_MAX_TITLE, 0, &oom);
    const char *home = str_of(root, "home_page_url");
    const char *self = str_of(root, "feed_url");
    const char *base = base_url ? base_url : (self && feed_url_is_absolute(self)) ? self : home;
    if (home)
        doc->link = feed_link_finish(base, home, strlen(home));
    doc->language = text_of(str_of(root, "language"), FEED_MAX_SHORT, 0, &oom);
    if (!base_url && doc->link)
        base = doc->link;
    char *feed_author = NULL;
    authors_of(&feed_author, root, &oom);
    const cJSON *o;
    cJSON_ArrayForEach(o, items) {
        if (oom)
            break;
        if (!cJSON_IsObject(o))
            continue;
        struct feed_item *it = feed_doc_add_item(doc);
        if (!it) {
            if (!(doc->flags & FEED_F_ITEMS_CAPPED))
                oom = 1;
            break;
        }
        parse_item(it, o, base, feed_author, &oom);
    }
    vg_free(feed_author);
    cJSON_Delete(root);
    if (oom) {
        feed_doc_free(doc);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *out = doc;
    return 0;
}
