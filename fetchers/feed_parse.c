/* feed_parse — the entry point of the feed parser (feed_parse in feed.h): decodes the bytes
 * to UTF-8, tells XML from JSON, hands the text to feed_xml or feed_json, and turns "this is
 * not a feed" into a clear message. */
#include "fetchers/feed.h"
#include "fetchers/feed_int.h"

#include <stdio.h>
#include <string.h>

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int feed_parse(const char *buf, size_t len, const char *base_url, const char *http_charset,
               struct feed_doc **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!buf)
        len = 0;
    struct feed_utf8_doc u;
    if (feed_charset_to_utf8(buf ? buf : "", len, http_charset, FEED_SNIFF_XML, &u) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const char *s = u.data, *end = u.data + u.len;
    while (s < end && is_ws(*s))
        s++;
    int rc;
    if (s == end) {
        snprintf(err, errlen, "not a feed: the document is empty");
        rc = FEED_NOT_A_FEED;
    } else if (*s == '{') {
        rc = feed_json_parse(s, (size_t)(end - s), base_url, out, err, errlen);
    } else if (*s == '[') {
        snprintf(err, errlen, "not a feed: a JSON array (a JSON Feed is an object)");
        rc = FEED_NOT_A_FEED;
    } else if (*s == '<') {
        /* from the first '<': whitespace before the XML declaration is an error */
        rc = feed_xml_parse(s, (size_t)(end - s), base_url, out, err, errlen);
    } else {
        snprintf(err, errlen, "not a feed: neither XML nor JSON");
        rc = FEED_NOT_A_FEED;
    }
    if (rc == 0) {
        snprintf((*out)->charset, sizeof((*out)->charset), "%s", u.charset);
        if (u.fixed)
            (*out)->flags |= FEED_F_CHARSET_FIXED;
    }
    feed_utf8_doc_clear(&u);
    return rc;
}
