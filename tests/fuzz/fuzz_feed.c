/* fuzz_feed — libFuzzer harness for the feed parser: any bytes through feed_parse and the
 * JSON writer, plus the string helpers the parser relies on (dates, HTML text, URLs). What
 * comes out must keep the parser's promises (fuzz_check.h), else the harness aborts. The
 * corpus in tests/fuzz/corpus/feed/ holds one document per format and per known breakage. */
#include "util/vg_alloc.h"
#include "fetchers/feed.h"
#include "fetchers/feed_url.h"
#include "fuzz_check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct feed_doc *doc = NULL;
    char err[256];
    /* the first byte picks an HTTP charset, so the charset decisions get fuzzed too */
    static const char *const charsets[] = {NULL, "utf-8", "iso-8859-1", "windows-1252",
                                           "iso-8859-15", "utf-16", "shift_jis", "bogus"};
    const char *cs = size ? charsets[data[0] % 8] : NULL;
    int rc = feed_parse((const char *)data, size, "https://fuzz.example/dir/feed.xml", cs, &doc, err,
                        sizeof(err));
    if (rc == 0) {
        char *json = feed_doc_to_json(doc);
        fz_doc(doc, FEED_MAX_ITEMS, json);
        vg_free(json);
        feed_doc_free(doc);
    } else {
        if (doc)
            fz_fail("feed_parse", "a document left after a failure", NULL);
        if (!err[0] || fz_utf8_bad(err))
            fz_fail("feed_parse", "a failure without a readable message", err);
    }
    /* the helpers take NUL-terminated strings */
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    fz_date("feed_date_parse", feed_date_parse(s));
    char *text = feed_text_clean(s, size, 4096, FEED_TEXT_HTML | FEED_TEXT_MULTILINE);
    fz_text("feed_text_clean", text, 4096, 1);
    vg_free(text);
    text = feed_text_clean(s, size, 100, 0);
    fz_text("feed_text_clean (one line)", text, 100, 0);
    vg_free(text);
    vg_free(feed_url_resolve("https://a.example/b/c?d#e", s));
    vg_free(feed_url_unwrap(s));
    vg_free(feed_url_canonical(s));
    (void)feed_fingerprint(s, s);
    free(s);
    return 0;
}
