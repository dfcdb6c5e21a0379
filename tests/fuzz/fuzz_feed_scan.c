/* fuzz_feed_scan — differential harness for the fast pass of the RSS/Atom parser
 * (fetchers/feed_xml_scan.c): every input is parsed with the fast pass tried first and with
 * libxml2 alone, and the two results must be the same document (or the same error). Any
 * difference aborts, with both JSON outputs on stderr, and so does a document that breaks the
 * parser's promises (fuzz_check.h). The corpus in
 * tests/fuzz/corpus/feed_scan/ holds well-formed feeds with namespaces, attributes,
 * references, CDATA, comments and processing instructions, and near misses of each. */
#include "util/vg_alloc.h"
#include "fetchers/feed.h"
#include "fetchers/feed_int.h"
#include "fuzz_check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The parse's result as text: the JSON of the document, or the error. */
static char *result(const char *s, size_t len, int scan)
{
    struct feed_doc *doc = NULL;
    char err[256];
    if (feed_xml_parse_opt(s, len, "https://fuzz.example/dir/feed.xml", scan, &doc, err,
                           sizeof(err)) < 0) {
        return vg_asprintf("error: %s", err);
    }
    char *json = feed_doc_to_json(doc);
    fz_doc(doc, FEED_MAX_ITEMS, json);
    feed_doc_free(doc);
    return json;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct feed_utf8_doc u;
    if (feed_charset_to_utf8((const char *)data, size, NULL, FEED_SNIFF_XML, &u) < 0)
        return 0;
    const char *s = u.data, *end = u.data + u.len;
    while (s < end && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
        s++;
    if (s < end && *s == '<') {
        char *a = result(s, (size_t)(end - s), 1);
        char *b = result(s, (size_t)(end - s), 0);
        if (a && b && strcmp(a, b) != 0) {
            fprintf(stderr, "fast pass:\n%s\nlibxml2:\n%s\n", a, b);
            abort();
        }
        vg_free(a);
        vg_free(b);
    }
    feed_utf8_doc_clear(&u);
    return 0;
}
