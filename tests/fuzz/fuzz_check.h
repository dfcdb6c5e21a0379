/* fuzz_check — the promises of the feed and page parsers, checked on whatever they produce, for
 * the fuzz harnesses (fuzz_feed, fuzz_feed_scan, fuzz_page). A broken promise prints what broke
 * and aborts, so libFuzzer reports the input and the corpus replay test fails.
 *
 * The promises (fetchers/feed.h and the `vigie parse` contract in docs/design.md): every string is
 * valid UTF-8 without control characters; titles and summaries are plain text with whitespace
 * normalised (no run of separators, none at either end; only summaries keep line breaks); links
 * are absolute (the harnesses always give a base URL); an item with a link has an id (its guid,
 * else the link); dates are RFC 3339 UTC (YYYY-MM-DDTHH:MM:SSZ) or null; the documented caps
 * hold; the JSON is one object with every key present. */
#ifndef VG_FUZZ_CHECK_H
#define VG_FUZZ_CHECK_H

#include "util/vg_alloc.h"
#include "fetchers/feed.h"
#include "fetchers/feed_url.h"
#include "fuzz_text.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fz_string(const char *what, const char *s, size_t max, int newlines)
{
    if (!s)
        return;
    if (fz_utf8_bad(s))
        fz_fail(what, "not valid UTF-8", s);
    if (max && strlen(s) > max)
        fz_fail(what, "longer than its cap", s);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p < 0x20 && !(newlines && *p == '\n')) || *p == 0x7f)
            fz_fail(what, "control character", s);
        if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            fz_fail(what, "C1 control character", s);
    }
}

/* Plain text from the HTML-to-text step: also no separator at either end, none doubled. */
static void fz_text(const char *what, const char *s, size_t max, int multiline)
{
    if (!s)
        return;
    fz_string(what, s, max, multiline);
    size_t n = strlen(s);
    if (n && (s[0] == ' ' || s[0] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\n'))
        fz_fail(what, "separator at an end", s);
    if (strstr(s, "  ") || strstr(s, " \n") || strstr(s, "\n ") || strstr(s, "\n\n"))
        fz_fail(what, "doubled separator", s);
}

/* A link: absolute, no whitespace. */
static void fz_link(const char *what, const char *s)
{
    if (!s)
        return;
    fz_string(what, s, FEED_MAX_URL, 0);
    if (!feed_url_is_absolute(s))
        fz_fail(what, "not an absolute URL", s);
    if (strchr(s, ' '))
        fz_fail(what, "space in a URL", s);
}

static int fz_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* "YYYY-MM-DDTHH:MM:SSZ" */
static int fz_rfc3339(const char *s)
{
    return strlen(s) == 20 && fz_digits(s, 4) && s[4] == '-' && fz_digits(s + 5, 2) && s[7] == '-' &&
           fz_digits(s + 8, 2) && s[10] == 'T' && fz_digits(s + 11, 2) && s[13] == ':' &&
           fz_digits(s + 14, 2) && s[16] == ':' && fz_digits(s + 17, 2) && s[19] == 'Z';
}

/* A date the parser kept: none, or one that formats as RFC 3339 UTC. */
static void fz_date(const char *what, int64_t t)
{
    char d[21];
    if (t == FEED_DATE_NONE)
        return;
    if (feed_date_format(t, d) < 0)
        fz_fail(what, "a date that cannot be written as RFC 3339", NULL);
    if (!fz_rfc3339(d))
        fz_fail(what, "badly formatted date", d);
}

static void fz_item(const struct feed_item *it)
{
    fz_string("item id", it->id, 0, 0);
    if (it->id && !*it->id)
        fz_fail("item id", "empty", it->id);
    if (it->link && !it->id)
        fz_fail("item id", "an item with a link has no id", it->link);
    fz_text("item title", it->title, FEED_MAX_TITLE, 0);
    fz_link("item link", it->link);
    fz_string("item author", it->author, 0, 0);
    fz_text("item summary", it->summary, FEED_MAX_SUMMARY, 1);
    fz_date("item published", it->published);
    fz_date("item updated", it->updated);
    if (it->ncategories > FEED_MAX_CATEGORIES)
        fz_fail("item categories", "more than FEED_MAX_CATEGORIES", NULL);
    for (size_t i = 0; i < it->ncategories; i++) {
        fz_string("item category", it->categories[i], FEED_MAX_SHORT, 0);
        if (!it->categories[i] || !*it->categories[i])
            fz_fail("item category", "empty", NULL);
        for (size_t j = 0; j < i; j++)
            if (strcmp(it->categories[i], it->categories[j]) == 0)
                fz_fail("item category", "listed twice", it->categories[i]);
    }
}

static void fz_json_date(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        fz_fail("JSON", "a key is missing", key);
    if (!cJSON_IsNull(v) && !(cJSON_IsString(v) && fz_rfc3339(v->valuestring)))
        fz_fail("JSON date", "neither null nor RFC 3339 UTC", cJSON_IsString(v) ? v->valuestring : key);
}

static void fz_json_strings(const cJSON *o, const char *const *keys)
{
    for (; *keys; keys++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, *keys);
        if (!v)
            fz_fail("JSON", "a key is missing", *keys);
        if (!cJSON_IsNull(v) && !cJSON_IsString(v))
            fz_fail("JSON", "neither a string nor null", *keys);
        if (cJSON_IsString(v) && fz_utf8_bad(v->valuestring))
            fz_fail("JSON", "string not valid UTF-8", v->valuestring);
    }
}

/* The `vigie parse` JSON of a document. */
static void fz_json(const struct feed_doc *doc, const char *json)
{
    if (fz_utf8_bad(json))
        fz_fail("JSON", "not valid UTF-8", json);
    cJSON *root = cJSON_Parse(json);
    if (!root || !cJSON_IsObject(root))
        fz_fail("JSON", "not a JSON object", json);
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(root, "format");
    static const char *const formats[] = {"rss20", "rss10", "rss09x", "atom10", "atom03", "jsonfeed",
                                          "unknown"};
    int known = 0;
    for (size_t i = 0; cJSON_IsString(format) && i < sizeof(formats) / sizeof(formats[0]); i++)
        known |= strcmp(format->valuestring, formats[i]) == 0;
    if (!known)
        fz_fail("JSON format", "not one of the contract's names", json);
    const cJSON *feed = cJSON_GetObjectItemCaseSensitive(root, "feed");
    if (!cJSON_IsObject(feed))
        fz_fail("JSON feed", "not an object", json);
    static const char *const feed_keys[] = {"title", "link", "language", NULL};
    fz_json_strings(feed, feed_keys);
    fz_json_date(feed, "updated");
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "items");
    if (!cJSON_IsArray(items) || (size_t)cJSON_GetArraySize(items) != doc->nitems)
        fz_fail("JSON items", "not an array of every item", json);
    const cJSON *it;
    cJSON_ArrayForEach(it, items) {
        static const char *const item_keys[] = {"id", "title", "link", "author", "summary", NULL};
        fz_json_strings(it, item_keys);
        fz_json_date(it, "published");
        fz_json_date(it, "updated");
        const cJSON *cats = cJSON_GetObjectItemCaseSensitive(it, "categories");
        if (!cJSON_IsArray(cats))
            fz_fail("JSON categories", "not an array", json);
        const cJSON *c;
        cJSON_ArrayForEach(c, cats) {
            if (!cJSON_IsString(c))
                fz_fail("JSON categories", "not a string", json);
        }
    }
    cJSON_Delete(root);
}

/* A parsed document, and its JSON when json is not NULL. */
static void fz_doc(const struct feed_doc *doc, size_t max_items, const char *json)
{
    if (!doc)
        fz_fail("document", "success without a document", NULL);
    if (doc->nitems > max_items)
        fz_fail("document", "more items than the cap", NULL);
    fz_text("feed title", doc->title, FEED_MAX_TITLE, 0);
    fz_link("feed link", doc->link);
    fz_string("feed language", doc->language, FEED_MAX_SHORT, 0);
    fz_date("feed updated", doc->updated);
    for (size_t i = 0; i < doc->nitems; i++)
        fz_item(&doc->items[i]);
    if (json)
        fz_json(doc, json);
}

#endif
