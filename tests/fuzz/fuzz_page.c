/* fuzz_page — libFuzzer harness for page sources: hostile HTML through XPath extraction and
 * through page watch (region text and diff against a fixed older text). */
#include "util/vg_alloc.h"
#include "fetchers/page.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct page_selectors sel = {
        .item = "//div[@class='news'] | //li | //article",
        .title = "(.//h2 | .//a)[1]",
        .date = "(.//time | .//span[@class='date'])[1]",
        .summary = ".//p",
    };
    struct feed_doc *doc = NULL;
    char err[256];
    if (page_extract((const char *)data, size, "https://fuzz.example/news/", NULL, &sel, &doc,
                     err, sizeof(err)) == 0)
        feed_doc_free(doc);
    struct page_watch_result *r = NULL;
    if (page_watch_check("Executive team\nBill Lumbergh\nold line", (const char *)data, size,
                         "https://fuzz.example/", NULL, NULL, 300, 0, &r, err, sizeof(err)) == 0)
        page_watch_result_free(r);
    return 0;
}
