/* page — HTML page parsing and XPath extraction (see page.h): a newsroom page becomes a
 * struct feed_doc like a feed, and a page region becomes visible text for page_watch.c.
 *
 * Text is obtained by serialising the selected node back to HTML and running it through the
 * same HTML-to-text step as feed summaries (feed_text_clean), so a page item and a feed item
 * with the same markup give the same text. */
#include "fetchers/page.h"
#include "fetchers/feed_int.h"
#include "fetchers/feed_url.h"

#include "util/vg_alloc.h"
#include "util/vg_buf.h"

#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdio.h>
#include <string.h>

#define PAGE_MAX_ITEMS 1000

/* Errors are normal in HTML pages; only the tree matters (the parse options silence the
 * parser, this silences XPath compilation). */
static void silent(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    (void)e;
}

/* Parses HTML bytes after charset repair; NULL with err on failure. */
static htmlDocPtr parse_html(const char *html, size_t len, const char *url, const char *cs,
                             char *err, size_t errlen)
{
    struct feed_utf8_doc u;
    if (feed_charset_to_utf8(html ? html : "", html ? len : 0, cs, FEED_SNIFF_HTML, &u) < 0) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (u.len == 0 || u.len > 0x7fffffff) {
        feed_utf8_doc_clear(&u);
        snprintf(err, errlen, "not an HTML page: %s", u.len ? "too large" : "empty");
        return NULL;
    }
    htmlParserCtxtPtr ctxt = htmlNewParserCtxt();
    if (!ctxt) {
        feed_utf8_doc_clear(&u);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    htmlDocPtr doc = htmlCtxtReadMemory(ctxt, u.data, (int)u.len, url, "UTF-8",
                                        HTML_PARSE_RECOVER | HTML_PARSE_NONET |
                                            HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                            HTML_PARSE_IGNORE_ENC);
    htmlFreeParserCtxt(ctxt);
    feed_utf8_doc_clear(&u);
    if (!doc || !xmlDocGetRootElement(doc)) {
        if (doc)
            xmlFreeDoc(doc);
        snprintf(err, errlen, "not an HTML page: nothing could be parsed");
        return NULL;
    }
    return doc;
}

static xmlXPathCompExprPtr compile(xmlXPathContextPtr xp, const char *what, const char *expr,
                                   char *err, size_t errlen)
{
    xmlXPathCompExprPtr c = xmlXPathCtxtCompile(xp, (const xmlChar *)expr);
    if (!c)
        snprintf(err, errlen, "invalid XPath for %s: %s", what, expr);
    return c;
}

/* Visible text of a node (HTML to text, like a feed summary). */
static char *node_text(htmlDocPtr doc, xmlNodePtr n, size_t max, unsigned flags)
{
    if (n->type == XML_ATTRIBUTE_NODE || n->type == XML_TEXT_NODE ||
        n->type == XML_CDATA_SECTION_NODE) {
        xmlChar *c = xmlNodeGetContent(n);
        char *t = feed_text_clean((const char *)(c ? c : (const xmlChar *)""),
                                  c ? strlen((const char *)c) : 0, max, flags & ~FEED_TEXT_HTML);
        xmlFree(c);
        return t;
    }
    xmlBufferPtr b = xmlBufferCreate();
    if (!b)
        return NULL;
    /* the children only: the node itself may be one whose content the HTML-to-text step
     * skips (<title>, or a <script> a selector points at on purpose) */
    for (xmlNodePtr c = n->children; c; c = c->next)
        htmlNodeDump(b, doc, c);
    char *t = feed_text_clean((const char *)xmlBufferContent(b), (size_t)xmlBufferLength(b), max,
                              flags | FEED_TEXT_HTML);
    xmlBufferFree(b);
    return t;
}

enum want { W_TEXT, W_LINK, W_DATE };

/* Evaluates a compiled selector relative to `ctx` and returns the string it designates. */
static char *select_string(htmlDocPtr doc, xmlXPathContextPtr xp, xmlXPathCompExprPtr c,
                           xmlNodePtr ctx, enum want w, size_t max, unsigned flags)
{
    xp->node = ctx;
    xmlXPathObjectPtr r = xmlXPathCompiledEval(c, xp);
    if (!r)
        return NULL;
    char *out = NULL;
    if (r->type == XPATH_NODESET) {
        if (r->nodesetval && r->nodesetval->nodeNr > 0) {
            xmlNodePtr n = r->nodesetval->nodeTab[0];
            const char *attr = w == W_LINK ? "href" : w == W_DATE ? "datetime" : NULL;
            xmlChar *v = (n->type == XML_ELEMENT_NODE && attr) ? xmlGetProp(n, (const xmlChar *)attr)
                                                             : NULL;
            if (v) {
                out = feed_text_clean((const char *)v, strlen((const char *)v), max, 0);
                xmlFree(v);
            } else {
                out = node_text(doc, n, max, flags);
            }
        }
    } else {
        xmlChar *s = xmlXPathCastToString(r);
        if (s)
            out = feed_text_clean((const char *)s, strlen((const char *)s), max, 0);
        xmlFree(s);
    }
    xmlXPathFreeObject(r);
    if (out && !*out) {
        vg_free(out);
        out = NULL;
    }
    return out;
}

/* <title> text and the <base href> resolved against the page URL. */
static void page_meta(htmlDocPtr doc, xmlXPathContextPtr xp, const char *page_url, char **title,
                      char **base)
{
    xmlXPathCompExprPtr t = xmlXPathCtxtCompile(xp, (const xmlChar *)"(//title)[1]");
    xmlXPathCompExprPtr b = xmlXPathCtxtCompile(xp, (const xmlChar *)"(//base/@href)[1]");
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (title && t)
        *title = select_string(doc, xp, t, root, W_TEXT, FEED_MAX_TITLE, 0);
    if (base && b) {
        char *href = select_string(doc, xp, b, root, W_TEXT, FEED_MAX_URL, 0);
        *base = href ? feed_url_resolve(page_url, href) : NULL;
        vg_free(href);
    }
    xmlXPathFreeCompExpr(t);
    xmlXPathFreeCompExpr(b);
}

int page_extract(const char *html, size_t len, const char *page_url, const char *http_charset,
                 const struct page_selectors *sel, struct feed_doc **out, char *err,
                 size_t errlen)
{
    *out = NULL;
    if (!sel || !sel->item || !*sel->item) {
        snprintf(err, errlen, "page source: an item selector is required");
        return -1;
    }
    htmlDocPtr doc = parse_html(html, len, page_url, http_charset, err, errlen);
    if (!doc)
        return -1;
    int rc = -1;
    struct feed_doc *fd = NULL;
    char *base = NULL;
    xmlXPathObjectPtr items = NULL;
    xmlXPathCompExprPtr ci = NULL, ct = NULL, cl = NULL, cd = NULL, cs = NULL;
    xmlXPathContextPtr xp = xmlXPathNewContext(doc);
    if (!xp) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    xp->error = silent;
    if (!(ci = compile(xp, "item", sel->item, err, errlen)) ||
        !(ct = compile(xp, "title", sel->title ? sel->title : ".", err, errlen)) ||
        !(cl = compile(xp, "link", sel->link ? sel->link : "(.//a/@href)[1]", err, errlen)) ||
        !(cd = compile(xp, "date", sel->date ? sel->date : "(.//time)[1]", err, errlen)) ||
        (sel->summary && !(cs = compile(xp, "summary", sel->summary, err, errlen))))
        goto done;
    fd = feed_doc_new(FEED_FORMAT_UNKNOWN);
    if (!fd) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    page_meta(doc, xp, page_url, &fd->title, &base);
    const char *resolve_base = base ? base : page_url;
    if (page_url)
        fd->link = feed_link_finish(NULL, page_url, strlen(page_url));
    xp->node = xmlDocGetRootElement(doc);
    items = xmlXPathCompiledEval(ci, xp);
    if (!items || items->type != XPATH_NODESET) {
        snprintf(err, errlen, "the item selector does not select nodes: %s", sel->item);
        goto done;
    }
    int n = items->nodesetval ? items->nodesetval->nodeNr : 0;
    for (int i = 0; i < n && fd->nitems < PAGE_MAX_ITEMS; i++) {
        xmlNodePtr node = items->nodesetval->nodeTab[i];
        char *title = select_string(doc, xp, ct, node, W_TEXT, FEED_MAX_TITLE, 0);
        char *href = select_string(doc, xp, cl, node, W_LINK, FEED_MAX_URL, 0);
        char *link = href ? feed_link_finish(resolve_base, href, strlen(href)) : NULL;
        vg_free(href);
        if (!title && !link)
            continue;
        struct feed_item *it = feed_doc_add_item(fd);
        if (!it) {
            vg_free(title);
            vg_free(link);
            snprintf(err, errlen, "out of memory");
            goto done;
        }
        it->title = title;
        it->link = link;
        it->id = link ? vg_strdup(link) : NULL;
        char *date = select_string(doc, xp, cd, node, W_DATE, 128, 0);
        it->published = feed_date_parse(date);
        vg_free(date);
        if (cs)
            it->summary = select_string(doc, xp, cs, node, W_TEXT, FEED_MAX_SUMMARY,
                                        FEED_TEXT_MULTILINE);
    }
    rc = 0;
done:
    if (rc == 0) {
        *out = fd;
        fd = NULL;
    }
    feed_doc_free(fd);
    vg_free(base);
    xmlXPathFreeObject(items);
    xmlXPathFreeCompExpr(ci);
    xmlXPathFreeCompExpr(ct);
    xmlXPathFreeCompExpr(cl);
    xmlXPathFreeCompExpr(cd);
    xmlXPathFreeCompExpr(cs);
    xmlXPathFreeContext(xp);
    xmlFreeDoc(doc);
    return rc;
}

int page_region_text(const char *html, size_t len, const char *http_charset, const char *region,
                     char **text, char **title, char *err, size_t errlen)
{
    *text = NULL;
    if (title)
        *title = NULL;
    htmlDocPtr doc = parse_html(html, len, NULL, http_charset, err, errlen);
    if (!doc)
        return -1;
    int rc = -1;
    xmlXPathObjectPtr r = NULL;
    xmlXPathCompExprPtr c = NULL;
    xmlXPathContextPtr xp = xmlXPathNewContext(doc);
    if (!xp) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    xp->error = silent;
    if (!(c = compile(xp, "region", region ? region : PAGE_DEFAULT_REGION, err, errlen)))
        goto done;
    page_meta(doc, xp, NULL, title, NULL);
    xp->node = xmlDocGetRootElement(doc);
    r = xmlXPathCompiledEval(c, xp);
    if (!r || r->type != XPATH_NODESET) {
        snprintf(err, errlen, "the region selector does not select nodes");
        goto done;
    }
    /* Several matching nodes are one region, in document order; none is an empty region
     * (a page whose watched block vanished has changed). */
    struct vg_buf acc;
    vg_buf_init(&acc, 0);
    int n = r->nodesetval ? r->nodesetval->nodeNr : 0;
    for (int i = 0; i < n; i++) {
        char *t = node_text(doc, r->nodesetval->nodeTab[i], 1u << 20, FEED_TEXT_MULTILINE);
        if (!t || (acc.len && vg_buf_putc(&acc, '\n') < 0) || vg_buf_puts(&acc, t) < 0) {
            vg_free(t);
            vg_buf_free(&acc);
            snprintf(err, errlen, "out of memory");
            goto done;
        }
        vg_free(t);
    }
    *text = vg_buf_steal(&acc);
    if (!*text) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    rc = 0;
done:
    if (rc < 0 && title) {
        vg_free(*title);
        *title = NULL;
    }
    xmlXPathFreeObject(r);
    xmlXPathFreeCompExpr(c);
    xmlXPathFreeContext(xp);
    xmlFreeDoc(doc);
    return rc;
}
