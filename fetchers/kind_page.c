/* kind_page — the `page` source kind: an HTML page read with XPath selectors from the source's
 * options ({"item": ..., "title": ..., "link": ..., "date": ..., "summary": ...}), or watched
 * ({"watch": XPath region, or true for the whole body}): a web_change item when the region's
 * text changed since the previous poll. The page functions are in page.h. */
#include "fetchers/kind.h"
#include "fetchers/page.h"
#include "util/vg_alloc.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

/* The options as the kind reads them; pointers into the parsed JSON. */
struct page_options {
    int watch;                  /* a watch source */
    const char *region;         /* its XPath region, NULL: the whole body */
    struct page_selectors sel;  /* an items source */
};

static const char *opt_str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* *root holds what the options point into (cJSON_Delete it). 0, or -1 with err. */
static int read_options(const char *options, cJSON **root, struct page_options *po, char *err, size_t errlen)
{
    memset(po, 0, sizeof(*po));
    *root = options ? cJSON_Parse(options) : NULL;
    const cJSON *watch = *root ? cJSON_GetObjectItemCaseSensitive(*root, "watch") : NULL;
    if (watch && !cJSON_IsFalse(watch)) {
        if (!cJSON_IsTrue(watch) && !cJSON_IsString(watch)) {
            snprintf(err, errlen, "a page source's \"watch\" is an XPath region or true (the whole page)");
            return -1;
        }
        po->watch = 1;
        po->region = cJSON_IsString(watch) ? watch->valuestring : NULL;
        return 0;
    }
    po->sel = (struct page_selectors){
        .item = opt_str(*root, "item"),
        .title = opt_str(*root, "title"),
        .link = opt_str(*root, "link"),
        .date = opt_str(*root, "date"),
        .summary = opt_str(*root, "summary"),
    };
    if (!po->sel.item) {
        snprintf(err, errlen, "a page source needs an \"item\" XPath selector or a \"watch\" region in its options");
        return -1;
    }
    return 0;
}

static int page_check_options(const char *options, char *err, size_t errlen)
{
    cJSON *root;
    struct page_options po;
    int rc = read_options(options, &root, &po, err, errlen);
    cJSON_Delete(root);
    return rc;
}

/* The watched region's text against the previous poll's: one web_change item when it changed. */
static int watch(const struct kind_input *in, const char *region, struct kind_output *out, char *err, size_t errlen)
{
    struct page_watch_result *res = NULL;
    int rc = page_watch_check(in->watch_text, in->body, in->len, in->url, in->charset, region, 0, in->now, &res,
                              err, errlen);
    if (rc < 0) {
        out->error_kind = page_error_kind(rc);
        return -1;
    }
    struct feed_item *it = NULL;
    if (!(out->doc = feed_doc_new(FEED_FORMAT_UNKNOWN)) || (res->item && !(it = feed_doc_add_item(out->doc)))) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    } else {
        if (it) {
            *it = *res->item; /* moves the item's strings into the document */
            memset(res->item, 0, sizeof(*res->item));
        }
        out->watch_text = res->text;
        res->text = NULL;
    }
    page_watch_result_free(res);
    return rc;
}

static int page_kind_parse(const struct kind_input *in, struct kind_output *out, char *err, size_t errlen)
{
    cJSON *root;
    struct page_options po;
    int rc = read_options(in->options, &root, &po, err, errlen);
    if (rc < 0)
        out->error_kind = "options";
    else if (po.watch)
        rc = watch(in, po.region, out, err, errlen);
    else if ((rc = page_extract(in->body, in->len, in->url, in->charset, &po.sel, &out->doc, err, errlen)) < 0)
        out->error_kind = page_error_kind(rc);
    if (rc < 0 && !out->error_kind)
        out->error_kind = "parse";
    rc = rc < 0 ? -1 : 0;
    cJSON_Delete(root);
    return rc;
}

const struct source_kind source_kind_page = {
    .name = "page",
    .accept = "text/html, application/xhtml+xml",
    .check_options = page_check_options,
    .parse = page_kind_parse,
};
