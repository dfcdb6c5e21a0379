/* feed_xml_fields — the field side of the RSS/Atom parser (feed_xml.c walks the document):
 * collecting the text of one field element, turning it into a clean value when the element
 * ends (plain text, absolute link, UTC date), choosing between competing sources of the same
 * field, and finishing an item (guid as permalink, link as id). */
#include "fetchers/feed_int.h"
#include "fetchers/feed_url.h"
#include "fetchers/feed_xml_int.h"

#include "util/vg_alloc.h"

#include <stdio.h>
#include <string.h>

const char *const feed_xml_ns = "http://www.w3.org/XML/1998/namespace";

struct feed_item *fx_cur_item(struct px *px)
{
    return px->cur >= 0 ? &px->doc->items[px->cur] : NULL;
}

void fx_stop(struct px *px)
{
    px->stopped = 1;
    if (px->ctxt)
        xmlStopParser(px->ctxt);
}

/* The depth of the element at stack index k, not counting the fields above it that were never
 * closed (libxml2 nests everything that follows an unclosed tag inside it). */
int fx_edepth(const struct px *px, int k)
{
    int e = k;
    for (int i = k - 1; px->ntransparent && i > 0; i--)
        e -= px->stack[i].transparent;
    return e;
}

/* Value of attribute `local` (no namespace, or namespace `uri`), copied into out. */
int fx_attr(const xmlChar **a, int n, const char *local, const char *uri, char *out,
                size_t outlen)
{
    for (int i = 0; i < n; i++, a += 5) {
        if (strcmp((const char *)a[0], local) != 0)
            continue;
        if (uri ? (!a[2] || strcmp((const char *)a[2], uri) != 0) : a[2] != NULL)
            continue;
        /* libxml2 hands SAX2 every '&' of an attribute value as "&#38;" (to be re-parsed by
         * a tree builder when entities are not substituted); every other reference is
         * already decoded. */
        const char *v = (const char *)a[3], *end = (const char *)a[4];
        size_t k = 0;
        while (v < end && k + 1 < outlen) {
            if (*v == '&' && end - v >= 5 && memcmp(v, "&#38;", 5) == 0) {
                out[k++] = '&';
                v += 5;
            } else {
                out[k++] = *v++;
            }
        }
        out[k] = '\0';
        return 1;
    }
    return 0;
}

/* The base that relative links resolve against: xml:base, the feed URL, else the feed's own
 * link when that is absolute (a feed saved to disk still has usable links). */
const char *fx_base_for(struct px *px, const char *frame_base)
{
    if (frame_base && feed_url_is_absolute(frame_base))
        return frame_base;
    if (px->doc->link && feed_url_is_absolute(px->doc->link))
        return px->doc->link;
    return frame_base;
}

/* Stores v (owned) into *dst when prio beats *cur; frees it otherwise. */
/* A language tag as BCP 47 writes it: "en_US" (a locale name, common in feeds) is "en-US". */
void fx_lang_tag(char *l)
{
    for (; l && *l; l++)
        if (*l == '_')
            *l = '-';
}

void fx_put_field(char **dst, int *cur, int prio, char *v)
{
    if (v && *v && prio > *cur) {
        vg_free(*dst);
        *dst = v;
        *cur = prio;
    } else {
        vg_free(v);
    }
}

/* ------------------------------------------------------------------------------------------
 * Capture: the text of one field element
 * ------------------------------------------------------------------------------------------ */

static int field_prio(const struct prios *p, enum field f)
{
    switch (f) {
    case F_TITLE: return p->title;
    case F_SUMMARY: return p->summary;
    case F_LINK: return p->link;
    case F_ID: return p->id;
    case F_PUB: return p->pub;
    case F_UPD: return p->upd;
    case F_LANG: return p->lang;
    default: return -1; /* lists (authors, categories) always take more */
    }
}

void fx_cap_begin(struct px *px, enum field f, enum mode m, int prio, int on_item)
{
    /* content:encoded after a description, dc:date after pubDate...: the text would be
     * thrown away, so do not even collect it (most of a feed's bytes are in these). */
    enum field slot = (f == F_PUB && !on_item) ? F_UPD : f; /* feed pubDate is its update */
    int have = field_prio(on_item ? &px->ip : &px->fp, slot);
    /* a date of the same rank as the one kept replaces it (feedparser keeps the last) */
    px->cap_discard = (f == F_PUB || f == F_UPD) ? prio < have : prio <= have;
    px->cap_depth = px->depth;
    px->cap_field = f;
    px->cap_mode = m;
    px->cap_prio = prio;
    px->cap_item = on_item;
    px->cap_base = px->stack[px->depth].base;
    px->cap_max = f == F_SUMMARY ? FX_RAW_BIG : f == F_TITLE ? FX_RAW_TITLE : FX_RAW_SMALL;
    px->cap_flags = (m != M_TEXT ? FEED_TEXT_HTML : 0) | (f == F_SUMMARY ? FEED_TEXT_MULTILINE : 0);
    px->cap_base64 = 0;
    vg_buf_reset(&px->cap);
}

/* Decodes base64 in place (white space skipped, stops at '=' or any other byte); returns the
 * decoded length, never more than n. */
static size_t base64_decode(char *s, size_t n)
{
    size_t out = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26
              : c >= '0' && c <= '9' ? c - '0' + 52 : c == '+' || c == '-' ? 62
              : c == '/' || c == '_' ? 63 : -1;
        if (v < 0) {
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
                continue;
            break;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            s[out++] = (char)((acc >> bits) & 0xff);
        }
    }
    return out;
}

/* Appends at most what the raw cap allows, cutting on a character boundary. */
void fx_cap_add(struct px *px, const char *s, size_t n)
{
    if (px->cap_discard)
        return;
    size_t room = px->cap_max > px->cap.len ? px->cap_max - px->cap.len : 0;
    if (n > room) {
        n = room;
        while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
        /* Full: nothing more goes in, however the text was split into calls. */
        px->cap_max = px->cap.len + n;
    }
    if (n && vg_buf_append(&px->cap, s, n) < 0)
        px->oom = 1;
}

/* XHTML text is plain text: escape it so the HTML-to-text step reads it back unchanged. */
void fx_cap_add_escaped(struct px *px, const char *s, size_t n)
{
    const char *run = s, *end = s + n;
    for (const char *p = s; p < end; p++) {
        if (*p != '<' && *p != '&')
            continue;
        fx_cap_add(px, run, (size_t)(p - run));
        fx_cap_add(px, *p == '<' ? "&lt;" : "&amp;", *p == '<' ? 4 : 5);
        run = p + 1;
    }
    fx_cap_add(px, run, (size_t)(end - run));
}

/* "jdoe@example.com (John Doe)" is how RSS 2.0 spells an author: keep the name. */
static void rss_author_name(char *s)
{
    char *open = strchr(s, '(');
    size_t n = strlen(s);
    if (!open || n < 3 || s[n - 1] != ')' || !memchr(s, '@', (size_t)(open - s)))
        return;
    memmove(s, open + 1, (size_t)(s + n - 1 - (open + 1)));
    s[s + n - 1 - (open + 1)] = '\0';
    /* trim what the parenthesis held */
    size_t k = strlen(s);
    while (k && s[k - 1] == ' ')
        s[--k] = '\0';
    size_t lead = strspn(s, " ");
    memmove(s, s + lead, strlen(s + lead) + 1);
}

void fx_cap_end(struct px *px)
{
    enum field f = px->cap_field;
    px->cap_depth = 0;
    if (px->cap_discard)
        return;
    size_t max = f == F_TITLE ? FEED_MAX_TITLE : f == F_SUMMARY ? FEED_MAX_SUMMARY
               : f == F_LINK ? FEED_MAX_URL : FEED_MAX_SHORT;
    if (px->cap_base64 && px->cap.data)
    {
        px->cap.len = base64_decode(px->cap.data, px->cap.len);
        px->cap.data[px->cap.len] = '\0';
    }
    char *text = feed_text_clean(px->cap.data ? px->cap.data : "", px->cap.len,
                                 f == F_LINK ? FEED_MAX_URL + 1 : max, px->cap_flags);
    if (!text) {
        px->oom = 1;
        return;
    }
    struct feed_doc *d = px->doc;
    struct feed_item *it = px->cap_item ? fx_cur_item(px) : NULL;
    if ((px->cap_item && !it) ||
        (!it && (f == F_SUMMARY || f == F_ID || f == F_CATEGORY))) {
        vg_free(text); /* not part of the output at this level */
        return;
    }
    struct prios *pr = it ? &px->ip : &px->fp;
    int64_t t;
    switch (f) {
    case F_TITLE:
        fx_put_field(it ? &it->title : &d->title, &pr->title, px->cap_prio, text);
        return;
    case F_SUMMARY:
        fx_put_field(&it->summary, &pr->summary, px->cap_prio, text);
        return;
    case F_ID:
        fx_put_field(&it->id, &pr->id, px->cap_prio, text);
        return;
    case F_LINK: {
        char *l = feed_link_finish(fx_base_for(px, px->cap_base), text, strlen(text));
        vg_free(text);
        if (it && l)
            px->item_link_score = 100; /* an explicit <link> beats any atom:link */
        fx_put_field(it ? &it->link : &d->link, &pr->link, px->cap_prio, l);
        return;
    }
    case F_PUB:
    case F_UPD:
        t = feed_date_parse(text);
        vg_free(text);
        if (t == FEED_DATE_NONE)
            return;
        /* of two dates of the same rank the later element wins, as in feedparser */
        if (it && f == F_PUB) {
            if (px->cap_prio >= pr->pub) {
                it->published = t;
                pr->pub = px->cap_prio;
            }
        } else if (px->cap_prio >= pr->upd) {
            /* at feed level every date (lastBuildDate, pubDate, dc:date) is an update time */
            if (it)
                it->updated = t;
            else
                d->updated = t;
            pr->upd = px->cap_prio;
        }
        return;
    case F_AUTHOR:
        rss_author_name(text);
        if (it) {
            if (feed_join_append(&it->author, text, FEED_MAX_SHORT) < 0)
                px->oom = 1;
        } else if (feed_join_append(&px->feed_author, text, FEED_MAX_SHORT) < 0) {
            px->oom = 1;
        }
        vg_free(text);
        return;
    case F_CATEGORY:
        if (it && feed_item_add_category(it, text) < 0)
            px->oom = 1;
        vg_free(text);
        return;
    case F_LANG:
        fx_lang_tag(text);
        fx_put_field(&d->language, &pr->lang, px->cap_prio, text);
        return;
    default:
        vg_free(text);
    }
}

/* ------------------------------------------------------------------------------------------
 * Items
 * ------------------------------------------------------------------------------------------ */

void fx_item_end(struct px *px)
{
    struct feed_item *it = fx_cur_item(px);
    if (!it)
        return;
    if (!it->id && px->about)
        it->id = px->about, px->about = NULL;
    /* RSS 2.0: a guid is the item's permalink unless isPermaLink="false" */
    if (!it->link && it->id && px->permalink && feed_url_is_absolute(it->id))
        it->link = feed_link_finish(NULL, it->id, strlen(it->id));
    if (!it->id && it->link)
        it->id = vg_strdup(it->link);
    vg_free(px->about);
    px->about = NULL;
    px->cur = -1;
    px->item_depth = 0;
}

void fx_item_begin(struct px *px, const xmlChar **attrs, int nattrs)
{
    if (px->cur >= 0)
        fx_item_end(px); /* an unclosed item: the next one starts here */
    struct feed_item *it = feed_doc_add_item(px->doc);
    if (!it) {
        if (px->doc->flags & FEED_F_ITEMS_CAPPED) {
            px->capped = 1;
            fx_stop(px);
        } else {
            px->oom = 1;
        }
        return;
    }
    px->cur = (long)(it - px->doc->items);
    px->item_depth = px->depth;
    memset(&px->ip, 0, sizeof(px->ip));
    px->permalink = 1;
    px->item_link_score = 0;
    char about[FEED_MAX_URL];
    if (fx_attr(attrs, nattrs, "about", "http://www.w3.org/1999/02/22-rdf-syntax-ns#", about,
             sizeof(about)) && about[0]) {
        vg_free(px->about);
        px->about = feed_text_clean(about, strlen(about), FEED_MAX_SHORT, 0);
    }
}

/* Atom <link>: rel="alternate" (or no rel) wins, text/html over other types, first wins.
 * At feed level (RSS channels carry atom:link too), rel="hub" and rel="self" are kept for
 * WebSub discovery (daemon/websub_subs.c), the first of each. */
void fx_atom_link(struct px *px, const xmlChar **a, int n, int on_item)
{
    char rel[32] = "", type[64] = "", href[FEED_MAX_URL + 1];
    if (!fx_attr(a, n, "href", NULL, href, sizeof(href)) || !href[0])
        return;
    fx_attr(a, n, "rel", NULL, rel, sizeof(rel));
    fx_attr(a, n, "type", NULL, type, sizeof(type));
    if (!on_item && (strcmp(rel, "hub") == 0 || strcmp(rel, "self") == 0)) {
        char **dst = rel[0] == 'h' ? &px->doc->hub : &px->doc->self;
        if (!*dst) /* NULL when unusable (or out of memory): no push then, polls go on */
            *dst = feed_link_finish(fx_base_for(px, px->stack[px->depth].base), href, strlen(href));
        return;
    }
    if (rel[0] && strcmp(rel, "alternate") != 0 &&
        strcmp(rel, "http://www.iana.org/assignments/relation/alternate") != 0)
        return;
    int score = 2 + (!type[0] || strstr(type, "html") != NULL);
    int *best = on_item ? &px->item_link_score : &px->feed_link_score;
    if (score <= *best)
        return;
    char *l = feed_link_finish(fx_base_for(px, px->stack[px->depth].base), href, strlen(href));
    if (!l)
        return;
    *best = score;
    struct feed_item *it = on_item ? fx_cur_item(px) : NULL;
    char **dst = it ? &it->link : &px->doc->link;
    vg_free(*dst);
    *dst = l;
    (it ? &px->ip : &px->fp)->link = 1;
}

void fx_atom_category(struct px *px, const xmlChar **a, int n)
{
    char v[FEED_MAX_SHORT];
    struct feed_item *it = fx_cur_item(px);
    if (!it)
        return;
    /* the term is the category (feedparser's tags[].term); the label only stands in for a
     * missing term */
    if (!fx_attr(a, n, "term", NULL, v, sizeof(v)) || !v[0])
        if (!fx_attr(a, n, "label", NULL, v, sizeof(v)))
            return;
    char *t = feed_text_clean(v, strlen(v), FEED_MAX_SHORT, 0);
    if (!t || feed_item_add_category(it, t) < 0)
        px->oom = 1;
    vg_free(t);
}

/* How an Atom text construct is encoded: type="text|html|xhtml" (1.0), or a MIME type plus
 * mode="xml|escaped|base64" (0.3). Returns -1 for content we do not read (base64, src=). */
int fx_atom_mode(const xmlChar **a, int n)
{
    char type[64] = "", mode[16] = "", src[8];
    fx_attr(a, n, "type", NULL, type, sizeof(type));
    fx_attr(a, n, "mode", NULL, mode, sizeof(mode));
    if (fx_attr(a, n, "src", NULL, src, sizeof(src)))
        return -1;
    if (strcmp(mode, "base64") == 0) {
        /* the decoded bytes are the text itself: HTML source when the type says HTML */
        if (!type[0] || strncmp(type, "text/", 5) == 0 || strstr(type, "html"))
            return (strstr(type, "html") ? M_HTML : M_TEXT) | FX_BASE64;
        return -1;
    }
    if (!type[0] || strcmp(type, "text") == 0 || strcmp(type, "text/plain") == 0)
        return M_TEXT;
    if (strcmp(type, "html") == 0)
        return M_HTML;
    if (strcmp(type, "xhtml") == 0)
        return M_XHTML;
    if (strstr(type, "html"))
        return strcmp(mode, "escaped") == 0 ? M_HTML : M_XHTML;
    if (strncmp(type, "text/", 5) == 0)
        return M_TEXT;
    return -1;
}
