/* page — HTML page parsing and XPath extraction (see page.h): a newsroom page becomes a
 * struct feed_doc like a feed, and a page region becomes visible text for page_watch.c.
 *
 * Text comes from one walk over the selected node's subtree that writes its text (escaped) and
 * its bare tags into one growing buffer, which then goes through the same HTML-to-text step as
 * feed summaries (feed_text_clean), so a page item and a feed item with the same markup give
 * the same text. Attributes and comments are left out: they are never text.
 *
 * Pages come from the hostile web and can be as large as the body limit, so the work of one
 * page is counted (struct page_work) against the PAGE_MAX_* limits: the parser refuses more
 * than PAGE_MAX_BYTES and stops at PAGE_MAX_NODES, XPath at libxml2's operation limit, text
 * extraction at its visit and byte budgets, and the page is then refused with
 * PAGE_TOO_COMPLEX. */
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

const char *page_error_kind(int rc) { return rc == PAGE_TOO_COMPLEX ? "too_complex" : "parse"; }

/* Errors are normal in HTML pages; only the tree matters (the parse options silence the
 * parser, this silences XPath compilation). */
static void silent(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    (void)e;
}

/* libxml2 also reports some XPath failures (the operation limit among them) through its
 * generic handler, which would write to stderr. */
static void silent_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

/* One page being worked on: the document, its XPath context and the work counted so far. */
struct page_run {
    htmlDocPtr doc;
    xmlXPathContextPtr xp;
    struct vg_buf markup;   /* reused by every node_text */
    struct page_work work;
    int too_complex;        /* a limit was hit; why holds the message */
    int oom;
    char why[160];
    xmlGenericErrorFunc saved_generic;
    void *saved_generic_ctx;
};

static void over_limit(struct page_run *pr, const char *fmt, unsigned long limit)
{
    if (!pr->too_complex)
        snprintf(pr->why, sizeof(pr->why), fmt, limit);
    pr->too_complex = 1;
}

/* ---- parsing ------------------------------------------------------------------------- */

/* The parser's SAX callbacks, wrapped to count the nodes it builds and stop it at the limit
 * (so a page of a million empty tags costs at most PAGE_MAX_NODES nodes of memory). */
struct node_count {
    htmlSAXHandler orig;
    size_t nodes;
    int stopped;
};

static int count_node(void *ctx)
{
    htmlParserCtxtPtr c = ctx;
    struct node_count *nc = c->_private;
    if (++nc->nodes <= PAGE_MAX_NODES)
        return 1;
    if (!nc->stopped) {
        nc->stopped = 1;
        xmlStopParser(c);
    }
    return 0;
}

static void count_element(void *ctx, const xmlChar *name, const xmlChar **atts)
{
    struct node_count *nc = ((htmlParserCtxtPtr)ctx)->_private;
    if (count_node(ctx) && nc->orig.startElement)
        nc->orig.startElement(ctx, name, atts);
}

static void count_comment(void *ctx, const xmlChar *value)
{
    struct node_count *nc = ((htmlParserCtxtPtr)ctx)->_private;
    if (count_node(ctx) && nc->orig.comment)
        nc->orig.comment(ctx, value);
}

static void count_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
    struct node_count *nc = ((htmlParserCtxtPtr)ctx)->_private;
    if (count_node(ctx) && nc->orig.processingInstruction)
        nc->orig.processingInstruction(ctx, target, data);
}

/* Parses HTML bytes after charset repair into pr->doc; PAGE_ERR or PAGE_TOO_COMPLEX with err
 * on failure. */
static int parse_html(struct page_run *pr, const char *html, size_t len, const char *url,
                      const char *cs, char *err, size_t errlen)
{
    if (html && len > PAGE_MAX_BYTES) {
        snprintf(err, errlen, "page too complex: more than %u bytes of HTML", PAGE_MAX_BYTES);
        return PAGE_TOO_COMPLEX;
    }
    struct feed_utf8_doc u;
    if (feed_charset_to_utf8(html ? html : "", html ? len : 0, cs, FEED_SNIFF_HTML, &u) < 0) {
        snprintf(err, errlen, "out of memory");
        return PAGE_ERR;
    }
    if (u.len == 0 || u.len > 0x7fffffff) {
        feed_utf8_doc_clear(&u);
        snprintf(err, errlen, "not an HTML page: %s", u.len ? "too large" : "empty");
        return PAGE_ERR;
    }
    htmlParserCtxtPtr ctxt = htmlNewParserCtxt();
    if (!ctxt || !ctxt->sax) {
        htmlFreeParserCtxt(ctxt);
        feed_utf8_doc_clear(&u);
        snprintf(err, errlen, "out of memory");
        return PAGE_ERR;
    }
    struct node_count nc = {.orig = *ctxt->sax};
    ctxt->_private = &nc;
    ctxt->sax->startElement = count_element;
    ctxt->sax->comment = count_comment;
    ctxt->sax->processingInstruction = count_pi;
    htmlDocPtr doc = htmlCtxtReadMemory(ctxt, u.data, (int)u.len, url, "UTF-8",
                                        HTML_PARSE_RECOVER | HTML_PARSE_NONET |
                                            HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                            HTML_PARSE_IGNORE_ENC);
    htmlFreeParserCtxt(ctxt);
    feed_utf8_doc_clear(&u);
    pr->work.nodes = nc.nodes < PAGE_MAX_NODES ? nc.nodes : PAGE_MAX_NODES;
    if (nc.stopped) {
        if (doc)
            xmlFreeDoc(doc);
        snprintf(err, errlen, "page too complex: more than %u HTML nodes", PAGE_MAX_NODES);
        return PAGE_TOO_COMPLEX;
    }
    if (!doc || !xmlDocGetRootElement(doc)) {
        if (doc)
            xmlFreeDoc(doc);
        snprintf(err, errlen, "not an HTML page: nothing could be parsed");
        return PAGE_ERR;
    }
    pr->doc = doc;
    return 0;
}

/* Parses the page and prepares XPath with the page's operation budget. */
static int run_open(struct page_run *pr, const char *html, size_t len, const char *url,
                    const char *cs, char *err, size_t errlen)
{
    memset(pr, 0, sizeof(*pr));
    vg_buf_init(&pr->markup, 0);
    pr->saved_generic = xmlGenericError;
    pr->saved_generic_ctx = xmlGenericErrorContext;
    int rc = parse_html(pr, html, len, url, cs, err, errlen);
    if (rc < 0)
        return rc;
    pr->xp = xmlXPathNewContext(pr->doc);
    if (!pr->xp) {
        snprintf(err, errlen, "out of memory");
        return PAGE_ERR;
    }
    pr->xp->error = silent;
    pr->xp->opLimit = PAGE_MAX_XPATH_OPS;
    xmlSetGenericErrorFunc(NULL, silent_generic);
    return 0;
}

static void run_close(struct page_run *pr, struct page_work *work)
{
    if (pr->xp)
        pr->work.xpath_ops = pr->xp->opCount;
    if (work)
        *work = pr->work;
    xmlSetGenericErrorFunc(pr->saved_generic_ctx, pr->saved_generic);
    vg_buf_free(&pr->markup);
    xmlXPathFreeContext(pr->xp);
    if (pr->doc)
        xmlFreeDoc(pr->doc);
}

/* After an XPath evaluation: did it stop on the operation limit? */
static int xpath_spent(struct page_run *pr)
{
    if (pr->xp->opCount < pr->xp->opLimit)
        return 0;
    over_limit(pr, "page too complex: the selectors need more than %lu XPath steps",
               PAGE_MAX_XPATH_OPS);
    return 1;
}

/* The error code and message once a step failed: too complex, or out of memory. */
static int run_fail(struct page_run *pr, char *err, size_t errlen)
{
    if (pr->too_complex) {
        snprintf(err, errlen, "%s", pr->why);
        return PAGE_TOO_COMPLEX;
    }
    snprintf(err, errlen, "out of memory");
    return PAGE_ERR;
}

static xmlXPathCompExprPtr compile(xmlXPathContextPtr xp, const char *what, const char *expr,
                                   char *err, size_t errlen)
{
    xmlXPathCompExprPtr c = xmlXPathCtxtCompile(xp, (const xmlChar *)expr);
    if (!c)
        snprintf(err, errlen, "invalid XPath for %s: %s", what, expr);
    return c;
}

/* ---- text ---------------------------------------------------------------------------- */

static int put_markup(struct page_run *pr, const char *s, size_t n)
{
    if (pr->work.markup + n > PAGE_MAX_MARKUP) {
        over_limit(pr, "page too complex: more than %lu bytes of text to extract",
                   (unsigned long)PAGE_MAX_MARKUP);
        return -1;
    }
    pr->work.markup += n;
    if (vg_buf_append(&pr->markup, s, n) < 0) {
        pr->oom = 1;
        return -1;
    }
    return 0;
}

/* Text content, escaped so that feed_text_clean reads it back as the same characters. */
static int put_text(struct page_run *pr, const char *s)
{
    for (;;) {
        size_t n = strcspn(s, "<&");
        if (n && put_markup(pr, s, n) < 0)
            return -1;
        if (!s[n])
            return 0;
        if (put_markup(pr, s[n] == '<' ? "&lt;" : "&amp;", s[n] == '<' ? 4 : 5) < 0)
            return -1;
        s += n + 1;
    }
}

/* A bare tag; names that cannot start a tag are inline to feed_text_clean anyway. */
static int put_tag(struct page_run *pr, const xmlChar *name, int closing)
{
    if (!name || !((name[0] | 0x20) >= 'a' && (name[0] | 0x20) <= 'z'))
        return 0;
    size_t n = strlen((const char *)name);
    return put_markup(pr, closing ? "</" : "<", closing ? 2 : 1) < 0 ||
                   put_markup(pr, (const char *)name, n) < 0 || put_markup(pr, ">", 1) < 0
               ? -1
               : 0;
}

/* Writes the children of `top` as text and bare tags into pr->markup: one walk in document
 * order, without recursion (pages nest deeply), each node once. */
static int walk_children(struct page_run *pr, xmlNodePtr top)
{
    for (xmlNodePtr n = top->children; n;) {
        if (++pr->work.visits > PAGE_MAX_VISITS) {
            over_limit(pr, "page too complex: more than %lu nodes to extract text from",
                       (unsigned long)PAGE_MAX_VISITS);
            return -1;
        }
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content && put_text(pr, (const char *)n->content) < 0)
                return -1;
        } else if (n->type == XML_ELEMENT_NODE) {
            if (put_tag(pr, n->name, 0) < 0)
                return -1;
            if (n->children) {
                n = n->children;
                continue;
            }
            if (put_tag(pr, n->name, 1) < 0)
                return -1;
        }
        /* next in document order, closing the elements left on the way up */
        while (!n->next) {
            n = n->parent;
            if (!n || n == top)
                return 0;
            if (put_tag(pr, n->name, 1) < 0)
                return -1;
        }
        n = n->next;
    }
    return 0;
}

/* Visible text of a node (HTML to text, like a feed summary); NULL when out of memory or over
 * a limit (pr says which). */
static char *node_text(struct page_run *pr, xmlNodePtr n, size_t max, unsigned flags)
{
    if (n->type == XML_ATTRIBUTE_NODE || n->type == XML_TEXT_NODE ||
        n->type == XML_CDATA_SECTION_NODE) {
        xmlChar *c = xmlNodeGetContent(n);
        char *t = feed_text_clean((const char *)(c ? c : (const xmlChar *)""),
                                  c ? strlen((const char *)c) : 0, max, flags & ~FEED_TEXT_HTML);
        xmlFree(c);
        if (!t)
            pr->oom = 1;
        return t;
    }
    /* the children only: the node itself may be one whose content the HTML-to-text step
     * skips (<title>, or a <script> a selector points at on purpose) */
    vg_buf_reset(&pr->markup);
    if (walk_children(pr, n) < 0)
        return NULL;
    char *t = feed_text_clean(pr->markup.data ? pr->markup.data : "", pr->markup.len, max,
                              flags | FEED_TEXT_HTML);
    if (!t)
        pr->oom = 1;
    return t;
}

enum want { W_TEXT, W_LINK, W_DATE };

/* Evaluates a compiled selector relative to `ctx` and returns the string it designates (NULL
 * when none; then pr->too_complex or pr->oom tell a failure from an empty answer). */
static char *select_string(struct page_run *pr, xmlXPathCompExprPtr c, xmlNodePtr ctx,
                           enum want w, size_t max, unsigned flags)
{
    pr->xp->node = ctx;
    xmlXPathObjectPtr r = xmlXPathCompiledEval(c, pr->xp);
    if (!r) {
        xpath_spent(pr);
        return NULL;
    }
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
                if (!out)
                    pr->oom = 1;
            } else {
                out = node_text(pr, n, max, flags);
            }
        }
    } else {
        xmlChar *s = xmlXPathCastToString(r);
        if (s)
            out = feed_text_clean((const char *)s, strlen((const char *)s), max, 0);
        if (!out)
            pr->oom = 1;
        xmlFree(s);
    }
    xmlXPathFreeObject(r);
    if (out && !*out) {
        vg_free(out);
        out = NULL;
    }
    return out;
}

#define RUN_FAILED(pr) ((pr)->too_complex || (pr)->oom)

/* <title> text and the <base href> resolved against the page URL; -1 when over a limit or out
 * of memory. */
static int page_meta(struct page_run *pr, const char *page_url, char **title, char **base)
{
    xmlXPathCompExprPtr t = xmlXPathCtxtCompile(pr->xp, (const xmlChar *)"(//title)[1]");
    xmlXPathCompExprPtr b = xmlXPathCtxtCompile(pr->xp, (const xmlChar *)"(//base/@href)[1]");
    xmlNodePtr root = xmlDocGetRootElement(pr->doc);
    if (!t || !b)
        pr->oom = 1;
    if (title && t && !RUN_FAILED(pr))
        *title = select_string(pr, t, root, W_TEXT, FEED_MAX_TITLE, 0);
    if (base && b && !RUN_FAILED(pr)) {
        char *href = select_string(pr, b, root, W_TEXT, FEED_MAX_URL, 0);
        *base = href ? feed_url_resolve(page_url, href) : NULL;
        vg_free(href);
    }
    xmlXPathFreeCompExpr(t);
    xmlXPathFreeCompExpr(b);
    return RUN_FAILED(pr) ? -1 : 0;
}

int page_extract(const char *html, size_t len, const char *page_url, const char *http_charset,
                 const struct page_selectors *sel, struct feed_doc **out, char *err,
                 size_t errlen)
{
    *out = NULL;
    if (!sel || !sel->item || !*sel->item) {
        snprintf(err, errlen, "page source: an item selector is required");
        return PAGE_ERR;
    }
    struct page_run pr;
    int rc = run_open(&pr, html, len, page_url, http_charset, err, errlen);
    if (rc < 0) {
        run_close(&pr, NULL);
        return rc;
    }
    rc = PAGE_ERR;
    struct feed_doc *fd = NULL;
    char *base = NULL;
    xmlXPathObjectPtr items = NULL;
    xmlXPathCompExprPtr ci = NULL, ct = NULL, cl = NULL, cd = NULL, cs = NULL;
    xmlXPathContextPtr xp = pr.xp;
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
    if (page_meta(&pr, page_url, &fd->title, &base) < 0)
        goto failed;
    const char *resolve_base = base ? base : page_url;
    if (page_url)
        fd->link = feed_link_finish(NULL, page_url, strlen(page_url));
    xp->node = xmlDocGetRootElement(pr.doc);
    items = xmlXPathCompiledEval(ci, xp);
    if (!items && xpath_spent(&pr))
        goto failed;
    if (!items || items->type != XPATH_NODESET) {
        snprintf(err, errlen, "the item selector does not select nodes: %s", sel->item);
        goto done;
    }
    int n = items->nodesetval ? items->nodesetval->nodeNr : 0;
    for (int i = 0; i < n && fd->nitems < PAGE_MAX_ITEMS; i++) {
        xmlNodePtr node = items->nodesetval->nodeTab[i];
        char *title = select_string(&pr, ct, node, W_TEXT, FEED_MAX_TITLE, 0);
        char *href = RUN_FAILED(&pr) ? NULL
                                     : select_string(&pr, cl, node, W_LINK, FEED_MAX_URL, 0);
        char *link = href ? feed_link_finish(resolve_base, href, strlen(href)) : NULL;
        vg_free(href);
        if (RUN_FAILED(&pr)) {
            vg_free(title);
            vg_free(link);
            goto failed;
        }
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
        char *date = select_string(&pr, cd, node, W_DATE, 128, 0);
        it->published = feed_date_parse(date);
        vg_free(date);
        if (cs && !RUN_FAILED(&pr))
            it->summary = select_string(&pr, cs, node, W_TEXT, FEED_MAX_SUMMARY,
                                        FEED_TEXT_MULTILINE);
        if (RUN_FAILED(&pr) || (link && !it->id))
            goto failed;
    }
    rc = 0;
    goto done;
failed:
    rc = run_fail(&pr, err, errlen);
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
    run_close(&pr, NULL);
    return rc;
}

int page_region_text(const char *html, size_t len, const char *http_charset, const char *region,
                     char **text, char **title, struct page_work *work, char *err,
                     size_t errlen)
{
    *text = NULL;
    if (title)
        *title = NULL;
    struct page_run pr;
    int rc = run_open(&pr, html, len, NULL, http_charset, err, errlen);
    if (rc < 0) {
        run_close(&pr, work);
        return rc;
    }
    rc = PAGE_ERR;
    xmlXPathObjectPtr r = NULL;
    xmlXPathCompExprPtr c = NULL;
    struct vg_buf acc;
    vg_buf_init(&acc, 0);
    if (!(c = compile(pr.xp, "region", region ? region : PAGE_DEFAULT_REGION, err, errlen)))
        goto done;
    if (page_meta(&pr, NULL, title, NULL) < 0)
        goto failed;
    pr.xp->node = xmlDocGetRootElement(pr.doc);
    r = xmlXPathCompiledEval(c, pr.xp);
    if (!r && xpath_spent(&pr))
        goto failed;
    if (!r || r->type != XPATH_NODESET) {
        snprintf(err, errlen, "the region selector does not select nodes");
        goto done;
    }
    /* Several matching nodes are one region, in document order; none is an empty region
     * (a page whose watched block vanished has changed). */
    int n = r->nodesetval ? r->nodesetval->nodeNr : 0;
    for (int i = 0; i < n; i++) {
        char *t = node_text(&pr, r->nodesetval->nodeTab[i], PAGE_MAX_TEXT + 1,
                            FEED_TEXT_MULTILINE);
        if (!t)
            goto failed;
        if ((acc.len && vg_buf_putc(&acc, '\n') < 0) || vg_buf_puts(&acc, t) < 0)
            pr.oom = 1;
        vg_free(t);
        if (pr.oom)
            goto failed;
        if (acc.len > PAGE_MAX_TEXT) {
            over_limit(&pr, "page too complex: the region's text is over %lu bytes",
                       (unsigned long)PAGE_MAX_TEXT);
            goto failed;
        }
    }
    *text = vg_buf_steal(&acc);
    if (!*text)
        goto failed;
    rc = 0;
    goto done;
failed:
    rc = run_fail(&pr, err, errlen);
done:
    if (rc < 0 && title) {
        vg_free(*title);
        *title = NULL;
    }
    vg_buf_free(&acc);
    xmlXPathFreeObject(r);
    xmlXPathFreeCompExpr(c);
    run_close(&pr, work);
    return rc;
}
