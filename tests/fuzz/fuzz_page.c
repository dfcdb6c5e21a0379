/* fuzz_page — libFuzzer harness for page sources: hostile HTML through XPath extraction and
 * through page watch (region text and diff against a fixed older text). What comes out must
 * keep the promises of page.h and of the feed parser's documents (fuzz_check.h), else the
 * harness aborts. */
#include "util/vg_alloc.h"
#include "fetchers/page.h"
#include "fuzz_check.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

#define NOW 1700000000
#define MAX_DIFF 300

static void check_rc(const char *what, int rc, const char *err)
{
    if (rc != 0 && rc != PAGE_ERR && rc != PAGE_TOO_COMPLEX)
        fz_fail(what, "an undocumented return code", NULL);
    if (rc < 0 && (!err[0] || fz_utf8_bad(err)))
        fz_fail(what, "a failure without a readable message", err);
}

static void check_watch(const char *old_text, const struct page_watch_result *r)
{
    /* region text: lines of plain text (an empty region node leaves an empty line) */
    fz_string("watch text", r->text, PAGE_MAX_TEXT, 1);
    if (!r->text)
        fz_fail("watch text", "missing", NULL);
    if (r->fingerprint != page_text_fingerprint(r->text))
        fz_fail("watch fingerprint", "not the text's", r->text);
    if (!r->changed) {
        if (r->item || r->diff)
            fz_fail("watch", "an item or a diff without a change", r->diff);
        return;
    }
    if (!old_text || !r->diff || !r->item)
        fz_fail("watch", "a change without a previous text, a diff or an item", r->diff);
    fz_string("watch diff", r->diff, MAX_DIFF, 1);
    const struct feed_item *it = r->item;
    fz_item(it);
    char id[128];
    snprintf(id, sizeof(id), "https://fuzz.example/#%016" PRIx64, r->fingerprint);
    if (!it->kind || strcmp(it->kind, "web_change") != 0 || !it->id || strcmp(it->id, id) != 0 ||
        !it->title || strncmp(it->title, "Page changed: ", 14) != 0 || !it->summary ||
        strcmp(it->summary, r->diff) != 0 || it->published != NOW)
        fz_fail("web_change item", "not as page.h describes it", it->title);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct page_selectors sel = {
        .item = "//div[@class='news'] | //li | //article",
        .title = "(.//h2 | .//a)[1]",
        .date = "(.//time | .//span[@class='date'])[1]",
        .summary = ".//p",
    };
    struct feed_doc *doc = NULL;
    char err[256] = "";
    int rc = page_extract((const char *)data, size, "https://fuzz.example/news/", NULL, &sel, &doc,
                          err, sizeof(err));
    check_rc("page_extract", rc, err);
    if (rc == 0) {
        char *json = feed_doc_to_json(doc);
        fz_doc(doc, 1000, json);
        for (size_t i = 0; i < doc->nitems; i++)
            if (doc->items[i].link && strcmp(doc->items[i].id, doc->items[i].link) != 0)
                fz_fail("page item id", "not its link", doc->items[i].id);
        vg_free(json);
        feed_doc_free(doc);
    } else if (doc) {
        fz_fail("page_extract", "a document left after a failure", NULL);
    }
    static const char *const old_texts[] = {NULL, "Executive team\nBill Lumbergh\nold line"};
    for (size_t k = 0; k < 2; k++) {
        struct page_watch_result *r = NULL;
        err[0] = '\0';
        rc = page_watch_check(old_texts[k], (const char *)data, size, "https://fuzz.example/", NULL,
                              NULL, MAX_DIFF, NOW, &r, err, sizeof(err));
        check_rc("page_watch_check", rc, err);
        if (rc == 0)
            check_watch(old_texts[k], r);
        else if (r)
            fz_fail("page_watch_check", "a result left after a failure", NULL);
        page_watch_result_free(r);
    }
    return 0;
}
