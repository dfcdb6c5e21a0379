/* feed_xml — RSS 0.9x, RSS 1.0 (RDF), RSS 2.0, Atom 0.3 and Atom 1.0 with libxml2's SAX2
 * push parser: the document streams through in 64 KiB chunks and only the fields of the
 * current item are held, so a large feed never becomes a DOM.
 *
 * SAX rather than xmlTextReader because the reader gives up at the first well-formedness
 * error even with XML_PARSE_RECOVER (a stray &nbsp; yields zero nodes), and broken feeds are
 * the norm. A well-formed UTF-8 feed without a DOCTYPE is read first by the fast pass
 * (feed_xml_scan.c), which calls these same callbacks as libxml2 would; whatever it gives up
 * on is parsed by libxml2 on the bytes as they are; if libxml2 reports an error, it is redone
 * on the output of feed_xml_repair (feed_repair.c), which keeps recovery lossless.
 *
 * Safety: options are RECOVER | NONET | NOERROR | NOWARNING | IGNORE_ENC (the text is already
 * UTF-8), never NOENT / DTDLOAD / DTDATTR / DTDVALID / HUGE (REFERENCE.md D.3), and the SAX
 * handler has no entity callbacks: references to DTD entities are never resolved (the repair
 * pass turns them into literal text), and external ones are never loaded. The field side of
 * the parse (text, links, dates, items) is in feed_xml_fields.c. */
#include "fetchers/feed.h"
#include "fetchers/feed_int.h"
#include "fetchers/feed_url.h"
#include "fetchers/feed_xml_int.h"
#include "fetchers/feed_xml_scan.h"

#include "util/vg_alloc.h"
#include "util/vg_buf.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------------------------------
 * Names and namespaces
 * ------------------------------------------------------------------------------------------ */


enum el {
    E_OTHER, E_RDF, E_AUTHOR, E_CATEGORY, E_CHANNEL, E_CONTENT, E_CONTRIBUTOR, E_CREATED,
    E_CREATOR, E_DATE, E_DESCRIPTION, E_ENCODED, E_ENTRY, E_FEED, E_GROUP, E_GUID, E_ID,
    E_IMAGE, E_ISSUED, E_ITEM, E_LANGUAGE, E_LASTBUILDDATE, E_LINK, E_MODIFIED, E_NAME,
    E_PUBDATE, E_PUBLISHED, E_RSS, E_SOURCE, E_SUBJECT, E_SUMMARY, E_TEXTINPUT, E_TITLE,
    E_UPDATED,
};

static const struct {
    const char *name;
    enum el el;
} names[] = { /* sorted by strcmp for bsearch */
    {"RDF", E_RDF}, {"author", E_AUTHOR}, {"category", E_CATEGORY}, {"channel", E_CHANNEL},
    {"content", E_CONTENT}, {"contributor", E_CONTRIBUTOR}, {"created", E_CREATED},
    {"creator", E_CREATOR}, {"date", E_DATE}, {"description", E_DESCRIPTION},
    {"encoded", E_ENCODED}, {"entry", E_ENTRY}, {"feed", E_FEED}, {"group", E_GROUP},
    {"guid", E_GUID}, {"id", E_ID}, {"image", E_IMAGE}, {"issued", E_ISSUED},
    {"item", E_ITEM}, {"language", E_LANGUAGE}, {"lastBuildDate", E_LASTBUILDDATE},
    {"link", E_LINK}, {"modified", E_MODIFIED}, {"name", E_NAME}, {"pubDate", E_PUBDATE},
    {"published", E_PUBLISHED}, {"rss", E_RSS}, {"source", E_SOURCE}, {"subject", E_SUBJECT},
    {"summary", E_SUMMARY}, {"textInput", E_TEXTINPUT}, {"textinput", E_TEXTINPUT},
    {"title", E_TITLE}, {"updated", E_UPDATED},
};

static enum el el_of(const char *name)
{
    size_t lo = 0, hi = sizeof(names) / sizeof(names[0]);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(name, names[mid].name);
        if (c == 0)
            return names[mid].el;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return E_OTHER;
}

static enum ns ns_of_uri(const char *u)
{
    static const struct {
        const char *uri;
        enum ns ns;
    } uris[] = {
        {"http://purl.org/rss/1.0/", NS_RSS},
        {"http://my.netscape.com/rdf/simple/0.9/", NS_RSS},
        {"http://backend.userland.com/rss2", NS_RSS},
        {"http://www.w3.org/2005/Atom", NS_ATOM},
        {"http://purl.org/atom/ns#", NS_ATOM},
        {"http://purl.org/dc/elements/1.1/", NS_DC},
        {"http://purl.org/dc/terms/", NS_DCTERMS},
        {"http://purl.org/rss/1.0/modules/content/", NS_CONTENT},
        {"http://search.yahoo.com/mrss/", NS_MEDIA},
        {"http://search.yahoo.com/mrss", NS_MEDIA},
        {"http://www.w3.org/1999/02/22-rdf-syntax-ns#", NS_RDF},
        {"http://www.w3.org/1999/xhtml", NS_XHTML},
    };
    for (size_t i = 0; i < sizeof(uris) / sizeof(uris[0]); i++)
        if (strcmp(u, uris[i].uri) == 0)
            return uris[i].ns;
    return NS_OTHER;
}

/* Feeds often use dc:, content: or media: without declaring them; libxml2 then reports no
 * namespace, and the prefix is the only clue left. */
static enum ns ns_of_prefix(const char *p)
{
    static const struct {
        const char *prefix;
        enum ns ns;
    } prefixes[] = {{"dc", NS_DC}, {"dcterms", NS_DCTERMS}, {"content", NS_CONTENT},
                    {"media", NS_MEDIA}, {"atom", NS_ATOM}, {"rdf", NS_RDF}};
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        if (strcmp(p, prefixes[i].prefix) == 0)
            return prefixes[i].ns;
    return NS_OTHER;
}

/* ------------------------------------------------------------------------------------------
 * SAX callbacks
 * ------------------------------------------------------------------------------------------ */

/* A <feed> in a namespace of its own with a version attribute below 1.0 is one of Atom's
 * drafts (each draft had its own namespace URI): read it as Atom 0.3, as feedparser does. */
static int draft_version(const xmlChar **a, int na)
{
    char v[32] = "";
    return fx_attr(a, na, "version", NULL, v, sizeof(v)) && strncmp(v, "0.", 2) == 0;
}

static int atom_draft(struct px *px, const xmlChar **a, int na, const char *uri)
{
    if (!uri || !draft_version(a, na))
        return 0;
    px->atom_uri = vg_strdup(uri);
    if (!px->atom_uri)
        px->oom = 1;
    return px->atom_uri != NULL;
}

/* A CDF <CHANNEL> or <ITEM>'s HREF (its link) and LASTMOD (its update time). */
static void cdf_attributes(struct px *px, struct feed_item *it, const xmlChar **a, int na)
{
    char v[FEED_MAX_URL];
    if (fx_attr(a, na, "HREF", NULL, v, sizeof(v)) && v[0]) {
        char *l = feed_link_finish(fx_base_for(px, px->stack[px->depth].base), v, strlen(v));
        fx_put_field(it ? &it->link : &px->doc->link, it ? &px->ip.link : &px->fp.link, 2, l);
    }
    if (fx_attr(a, na, "LASTMOD", NULL, v, sizeof(v))) {
        int64_t t = feed_date_parse(v);
        if (t != FEED_DATE_NONE) {
            if (it)
                it->updated = t;
            else
                px->doc->updated = t;
        }
    }
}

static void root_element(struct px *px, const char *local, enum ns ns, const char *uri,
                         const xmlChar **nsdecl, int nns, const xmlChar **a, int na)
{
    struct feed_doc *d = px->doc;
    px->root_seen = 1;
    snprintf(px->root_name, sizeof(px->root_name), "%s", local);
    /* it goes into an error message: a long name is cut on a character boundary */
    size_t rl = strlen(px->root_name), lead = rl;
    while (lead && ((unsigned char)px->root_name[lead - 1] & 0xc0) == 0x80)
        lead--;
    uint32_t cp;
    if (lead && (unsigned char)px->root_name[lead - 1] >= 0xc0 &&
        feed_utf8_decode((const unsigned char *)px->root_name + lead - 1, rl - lead + 1, &cp) == 0)
        px->root_name[lead - 1] = '\0';
    enum el e = el_of(local);
    char v[32] = "";
    if (e == E_RSS) {
        fx_attr(a, na, "version", NULL, v, sizeof(v));
        d->format = strncmp(v, "0.9", 3) == 0 ? FEED_FORMAT_RSS09X : FEED_FORMAT_RSS20;
        px->root_ns_vocab = NS_RSS;
    } else if (e == E_RDF || strcmp(local, "rdf:RDF") == 0) {
        d->format = FEED_FORMAT_UNKNOWN;
        for (int i = 0; i < nns; i++) {
            const char *nsuri = (const char *)nsdecl[2 * i + 1];
            if (!nsuri)
                continue;
            if (strcmp(nsuri, "http://purl.org/rss/1.0/") == 0) /* default or prefixed (rss:channel) */
                d->format = FEED_FORMAT_RSS10;
            else if (nsdecl[2 * i])
                continue; /* only the default namespace tells RSS 0.90 */
            else if (strcmp(nsuri, "http://my.netscape.com/rdf/simple/0.9/") == 0)
                d->format = FEED_FORMAT_RSS09X;
        }
        px->root_ns_vocab = NS_RSS;
    } else if (e == E_FEED && (ns == NS_ATOM || ns == NS_NONE || atom_draft(px, a, na, uri))) {
        fx_attr(a, na, "version", NULL, v, sizeof(v));
        int is03 = strcmp(v, "0.3") == 0 || px->atom_uri;
        for (int i = 0; i < nns; i++)
            if (!nsdecl[2 * i] && nsdecl[2 * i + 1] &&
                strcmp((const char *)nsdecl[2 * i + 1], "http://purl.org/atom/ns#") == 0)
                is03 = 1;
        d->format = is03 ? FEED_FORMAT_ATOM03 : FEED_FORMAT_ATOM10;
        px->root_ns_vocab = NS_ATOM;
        px->container = 1;
        char lang[FEED_MAX_SHORT];
        if (fx_attr(a, na, "lang", feed_xml_ns, lang, sizeof(lang)) && lang[0]) {
            char *l = feed_text_clean(lang, strlen(lang), FEED_MAX_SHORT, 0);
            fx_lang_tag(l);
            fx_put_field(&d->language, &px->fp.lang, 1, l);
        }
    } else if (strcmp(local, "CHANNEL") == 0) {
        /* Microsoft's Channel Definition Format (1997): upper-case RSS-like elements, the link
         * and the date as attributes. Still in feedparser's suite, read the same way. */
        d->format = FEED_FORMAT_UNKNOWN;
        px->root_ns_vocab = NS_RSS;
        px->container = 1;
        px->cdf = 1;
        cdf_attributes(px, NULL, a, na);
    } else if (e == E_CHANNEL) {
        d->format = FEED_FORMAT_UNKNOWN; /* a bare <channel>: RSS without its envelope */
        px->root_ns_vocab = NS_RSS;
        px->container = 1;
    } else if (strcmp(local, "html") == 0 && ns == NS_XHTML && !px->in_xhtml) {
        /* An XHTML page may carry an Atom feed inline; feedparser reads the atom:feed
         * wherever it is. on_start looks for it; the page around it is not read. */
        px->in_xhtml = 1;
    } else {
        px->not_feed = 1;
        fx_stop(px);
    }
}

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                     const xmlChar *URI, int nb_ns, const xmlChar **nsdecl, int nb_attrs,
                     int nb_defaulted, const xmlChar **attrs)
{
    (void)nb_defaulted;
    struct px *px = ctx;
    const char *local = (const char *)localname;
    int d = ++px->depth;
    if (d > FX_MAX_DEPTH)
        return;
    struct frame *fr = &px->stack[d];
    fr->base = px->stack[d - 1].base;
    fr->own_base = 0;
    fr->transparent = 0;
    if (nb_attrs) {
        char b[FEED_MAX_URL];
        if (fx_attr(attrs, nb_attrs, "base", feed_xml_ns, b, sizeof(b))) {
            char *nb = feed_url_resolve(px->stack[d - 1].base, b);
            if (nb) {
                fr->base = nb;
                fr->own_base = 1;
            }
        }
    }

    enum ns ns = URI ? ns_of_uri((const char *)URI) : prefix ? ns_of_prefix((const char *)prefix)
                                                             : NS_NONE;
    if (d == 1) {
        root_element(px, local, ns, (const char *)URI, nsdecl, nb_ns, attrs, nb_attrs);
        return;
    }
    if (px->not_feed)
        return;
    if (px->in_xhtml && !px->container) {
        if (strcmp(local, "feed") == 0 &&
            (ns == NS_ATOM || (ns == NS_OTHER && URI && draft_version(attrs, nb_attrs)))) {
            root_element(px, local, ns, (const char *)URI, nsdecl, nb_ns, attrs, nb_attrs);
            px->container = d; /* the feed's fields are its children, as at the root */
        }
        return;
    }
    /* What the element is in the feed's own vocabulary (RSS or Atom), or in an extension. */
    if (ns == NS_OTHER && px->atom_uri && URI && strcmp((const char *)URI, px->atom_uri) == 0)
        ns = NS_ATOM;
    char lower[16];
    if (px->cdf && ns == NS_NONE) { /* CDF's names are RSS's in capitals; ABSTRACT is a description */
        size_t k = 0;
        for (; local[k] && k < sizeof(lower) - 1; k++)
            lower[k] = (char)((local[k] >= 'A' && local[k] <= 'Z') ? local[k] + 32 : local[k]);
        lower[k] = '\0';
        local = strcmp(lower, "abstract") == 0 ? "description" : lower;
    }
    enum ns v = ns;
    if (ns == NS_NONE || (ns == NS_RSS && px->root_ns_vocab == NS_RSS))
        v = px->root_ns_vocab;
    enum el e = el_of(local);
    int rss = v == NS_RSS, atom = v == NS_ATOM;

    if (px->cap_depth) {
        /* A leaf field that was never closed (<title>A<link>...) ends where the next field
         * starts; inside HTML content, child elements are markup. */
        int fieldish = (rss || atom) && (e == E_ITEM || e == E_ENTRY || e == E_TITLE ||
                                         e == E_LINK || e == E_GUID || e == E_PUBDATE ||
                                         e == E_DESCRIPTION || e == E_CATEGORY || e == E_AUTHOR);
        if (!fieldish || px->cap_mode == M_XHTML) {
            if (px->cap_mode != M_TEXT) {
                fx_cap_add(px, "<", 1);
                fx_cap_add(px, local, strlen(local));
                fx_cap_add(px, ">", 1);
            }
            return;
        }
        px->stack[px->cap_depth].transparent = 1;
        px->ntransparent++;
        fx_cap_end(px);
    }
    if (px->skip_depth)
        return;
    /* Depths as if unclosed fields had been closed, for the "child of" tests below. */
    int ed = fx_edepth(px, d);

    /* an RSS <item> in an Atom feed is an entry all the same (feedparser reads it so) */
    int item_start = (rss && e == E_ITEM) || (atom && (e == E_ENTRY || e == E_ITEM));
    if (item_start) {
        fx_item_begin(px, attrs, nb_attrs);
        if (px->cdf)
            cdf_attributes(px, fx_cur_item(px), attrs, nb_attrs);
        return;
    }
    struct feed_item *it = fx_cur_item(px);
    int mode;
    if (it) {
        int child = ed == fx_edepth(px, px->item_depth) + 1;
        if (px->author_depth && ed == fx_edepth(px, px->author_depth) + 1) {
            if (atom && e == E_NAME)
                fx_cap_begin(px, F_AUTHOR, M_TEXT, 1, 1);
            return;
        }
        if (px->group_depth && ed == fx_edepth(px, px->group_depth) + 1 && ns == NS_MEDIA)
            child = 1; /* media:group children describe the item */
        if (!child)
            return;
        if (rss) {
            switch (e) {
            case E_TITLE: fx_cap_begin(px, F_TITLE, M_HTML, 3, 1); break;
            case E_DESCRIPTION: fx_cap_begin(px, F_SUMMARY, M_HTML, 3, 1); break;
            case E_PUBDATE: fx_cap_begin(px, F_PUB, M_TEXT, 3, 1); break;
            /* a bare <modified> or <updated> is feedparser's `updated`, of dc:date's rank */
            case E_MODIFIED:
            case E_UPDATED: fx_cap_begin(px, F_UPD, M_TEXT, 2, 1); break;
            case E_AUTHOR: fx_cap_begin(px, F_AUTHOR, M_TEXT, 1, 1); break;
            case E_CATEGORY: fx_cap_begin(px, F_CATEGORY, M_TEXT, 1, 1); break;
            case E_GUID: {
                char pl[16];
                if (fx_attr(attrs, nb_attrs, "isPermaLink", NULL, pl, sizeof(pl)))
                    px->permalink = strcmp(pl, "false") != 0;
                fx_cap_begin(px, F_ID, M_TEXT, 3, 1);
                break;
            }
            case E_LINK: {
                char href[FEED_MAX_URL];
                if (fx_attr(attrs, nb_attrs, "href", NULL, href, sizeof(href)) && href[0]) {
                    char *l = feed_link_finish(fx_base_for(px, fr->base), href, strlen(href));
                    fx_put_field(&it->link, &px->ip.link, 2, l);
                }
                fx_cap_begin(px, F_LINK, M_TEXT, 3, 1);
                break;
            }
            case E_SOURCE:
            case E_IMAGE: px->skip_depth = d; break;
            default: break;
            }
        } else if (atom) {
            switch (e) {
            case E_TITLE:
            case E_SUMMARY:
            case E_CONTENT:
                if ((mode = fx_atom_mode(attrs, nb_attrs)) < 0)
                    break;
                if (e == E_TITLE)
                    fx_cap_begin(px, F_TITLE, (enum mode)(mode & FX_MODE), 3, 1);
                else
                    fx_cap_begin(px, F_SUMMARY, (enum mode)(mode & FX_MODE), e == E_SUMMARY ? 3 : 2, 1);
                px->cap_base64 = (mode & FX_BASE64) != 0;
                break;
            case E_ID: fx_cap_begin(px, F_ID, M_TEXT, 3, 1); break;
            case E_PUBLISHED:
            case E_ISSUED: fx_cap_begin(px, F_PUB, M_TEXT, 3, 1); break;
            case E_CREATED: fx_cap_begin(px, F_PUB, M_TEXT, 1, 1); break;
            case E_UPDATED:
            case E_MODIFIED: fx_cap_begin(px, F_UPD, M_TEXT, 3, 1); break;
            case E_LINK: fx_atom_link(px, attrs, nb_attrs, 1); break;
            case E_CATEGORY: fx_atom_category(px, attrs, nb_attrs); break;
            case E_AUTHOR: px->author_depth = d; break;
            case E_SOURCE:
            case E_CONTRIBUTOR: px->skip_depth = d; break;
            default: break;
            }
        } else if (ns == NS_DC) {
            switch (e) {
            case E_CREATOR: fx_cap_begin(px, F_AUTHOR, M_TEXT, 1, 1); break;
            case E_DATE: fx_cap_begin(px, F_UPD, M_TEXT, 2, 1); break; /* feedparser: updated */
            case E_SUBJECT: fx_cap_begin(px, F_CATEGORY, M_TEXT, 1, 1); break;
            case E_TITLE: fx_cap_begin(px, F_TITLE, M_HTML, 1, 1); break;
            case E_DESCRIPTION: fx_cap_begin(px, F_SUMMARY, M_HTML, 1, 1); break;
            default: break;
            }
        } else if (ns == NS_DCTERMS) {
            if (e == E_MODIFIED)
                fx_cap_begin(px, F_UPD, M_TEXT, 2, 1);
            else if (e == E_CREATED || e == E_ISSUED)
                fx_cap_begin(px, F_PUB, M_TEXT, 1, 1);
        } else if (ns == NS_CONTENT && e == E_ENCODED) {
            fx_cap_begin(px, F_SUMMARY, M_HTML, 2, 1);
        } else if (ns == NS_MEDIA) {
            char type[16] = "";
            fx_attr(attrs, nb_attrs, "type", NULL, type, sizeof(type));
            enum mode mm = strcmp(type, "html") == 0 ? M_HTML : M_TEXT;
            if (e == E_TITLE)
                fx_cap_begin(px, F_TITLE, mm, 1, 1);
            else if (e == E_DESCRIPTION)
                fx_cap_begin(px, F_SUMMARY, mm, 1, 1);
            else if (e == E_GROUP)
                px->group_depth = d;
        }
        return;
    }

    /* Feed level */
    if (rss && e == E_CHANNEL) {
        px->container = d;
        return;
    }
    if (rss && (e == E_IMAGE || e == E_TEXTINPUT)) {
        px->skip_depth = d;
        return;
    }
    if (px->author_depth && ed == fx_edepth(px, px->author_depth) + 1) {
        if (atom && e == E_NAME)
            fx_cap_begin(px, F_AUTHOR, M_TEXT, 1, 0);
        return;
    }
    if (ed != fx_edepth(px, px->container) + 1)
        return;
    if (rss) {
        switch (e) {
        case E_TITLE: fx_cap_begin(px, F_TITLE, M_HTML, 3, 0); break;
        case E_LINK: fx_cap_begin(px, F_LINK, M_TEXT, 3, 0); break;
        case E_LANGUAGE: fx_cap_begin(px, F_LANG, M_TEXT, 3, 0); break;
        case E_LASTBUILDDATE:
        case E_MODIFIED:
        case E_UPDATED: fx_cap_begin(px, F_UPD, M_TEXT, 3, 0); break;
        case E_PUBDATE: fx_cap_begin(px, F_PUB, M_TEXT, 2, 0); break;
        default: break;
        }
    } else if (atom) {
        switch (e) {
        case E_TITLE:
            if ((mode = fx_atom_mode(attrs, nb_attrs)) >= 0) {
                fx_cap_begin(px, F_TITLE, (enum mode)(mode & FX_MODE), 3, 0);
                px->cap_base64 = (mode & FX_BASE64) != 0;
            }
            break;
        case E_LINK: fx_atom_link(px, attrs, nb_attrs, 0); break;
        case E_UPDATED:
        case E_MODIFIED: fx_cap_begin(px, F_UPD, M_TEXT, 3, 0); break;
        /* the feed's own <published> (YouTube's channels): its date when it has no update */
        case E_PUBLISHED:
        case E_ISSUED: fx_cap_begin(px, F_PUB, M_TEXT, 2, 0); break;
        case E_AUTHOR: px->author_depth = d; break;
        default: break;
        }
    } else if (ns == NS_DC) {
        if (e == E_DATE)
            fx_cap_begin(px, F_PUB, M_TEXT, 1, 0);
        else if (e == E_LANGUAGE)
            fx_cap_begin(px, F_LANG, M_TEXT, 2, 0);
        else if (e == E_CREATOR)
            fx_cap_begin(px, F_AUTHOR, M_TEXT, 1, 0);
    }
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *URI)
{
    (void)prefix;
    (void)URI;
    struct px *px = ctx;
    int d = px->depth--;
    if (d > FX_MAX_DEPTH || d < 1)
        return;
    if (px->cap_depth) {
        if (d == px->cap_depth) {
            fx_cap_end(px);
        } else if (d > px->cap_depth && px->cap_mode != M_TEXT) {
            const char *local = (const char *)localname;
            fx_cap_add(px, "</", 2);
            fx_cap_add(px, local, strlen(local));
            fx_cap_add(px, ">", 1);
        }
    }
    if (d == px->skip_depth)
        px->skip_depth = 0;
    if (d == px->author_depth)
        px->author_depth = 0;
    if (d == px->group_depth)
        px->group_depth = 0;
    if (px->cur >= 0 && d == px->item_depth)
        fx_item_end(px);
    struct frame *fr = &px->stack[d];
    if (fr->own_base)
        vg_free(fr->base);
    if (fr->transparent)
        px->ntransparent--;
    fr->base = NULL;
    fr->own_base = 0;
    fr->transparent = 0;
}

static void on_text(void *ctx, const xmlChar *ch, int len)
{
    struct px *px = ctx;
    if (!px->cap_depth || len <= 0)
        return;
    if (px->cap_mode == M_XHTML)
        fx_cap_add_escaped(px, (const char *)ch, (size_t)len);
    else
        fx_cap_add(px, (const char *)ch, (size_t)len);
}

/* Undeclared entities in a document with an external DTD arrive here by name. */
static void on_reference(void *ctx, const xmlChar *name)
{
    struct px *px = ctx;
    int cp = feed_entity_lookup((const char *)name, strlen((const char *)name));
    if (cp > 0 && px->cap_depth) {
        char u[4];
        size_t n = feed_utf8_put(u, (uint32_t)cp);
        if (px->cap_mode == M_XHTML)
            fx_cap_add_escaped(px, u, n);
        else
            fx_cap_add(px, u, n);
    }
}

static void on_error(void *ctx, xmlErrorPtr e)
{
    struct px *px = ctx;
    if (!e || e->level < XML_ERR_ERROR)
        return;
    if (e->domain == XML_FROM_NAMESPACE)
        return; /* undeclared prefixes are handled by name; nothing is lost */
    if (!px->repairing) {
        px->failed = 1;
        fx_stop(px);
        return;
    }
    if (!px->doc->note[0]) {
        char msg[120];
        snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "error");
        size_t n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            msg[--n] = '\0';
        snprintf(px->doc->note, sizeof(px->doc->note), "line %d: %s", e->line, msg);
    }
}

/* ------------------------------------------------------------------------------------------
 * Driver
 * ------------------------------------------------------------------------------------------ */

static void px_release(struct px *px)
{
    for (int i = 1; i <= FX_MAX_DEPTH; i++)
        if (px->stack[i].own_base) {
            vg_free(px->stack[i].base);
            px->stack[i].own_base = 0;
        }
    vg_buf_free(&px->cap);
    vg_free(px->about);
    vg_free(px->feed_author);
    vg_free(px->atom_uri);
    px->about = px->feed_author = px->atom_uri = NULL;
    if (px->ctxt) {
        /* An entity declaration makes libxml2 build a stand-in document even in SAX mode
         * ("expat compatibility"); the context does not free it. */
        if (px->ctxt->myDoc)
            xmlFreeDoc(px->ctxt->myDoc);
        xmlFreeParserCtxt(px->ctxt);
    }
    px->ctxt = NULL;
}

static void sax_init(xmlSAXHandler *sax)
{
    memset(sax, 0, sizeof(*sax));
    sax->initialized = XML_SAX2_MAGIC;
    sax->startElementNs = on_start;
    sax->endElementNs = on_end;
    sax->characters = on_text;
    sax->ignorableWhitespace = on_text;
    sax->cdataBlock = on_text;
    sax->reference = on_reference;
    sax->serror = on_error;
}

static int px_begin(struct px *px, const char *base_url)
{
    px->doc = feed_doc_new(FEED_FORMAT_UNKNOWN);
    if (!px->doc)
        return -1;
    px->cur = -1;
    px->stack[0].base = (char *)base_url;
    vg_buf_init(&px->cap, 0);
    return 0;
}

/* Back to a blank state, before starting over on the same document. */
static void px_reset(struct px *px)
{
    feed_doc_free(px->doc);
    px_release(px);
    memset(px, 0, sizeof(*px));
}

/* The fast pass (feed_xml_scan.c); same return values as run() below. */
static int run_scan(struct px *px, const char *s, size_t len, const char *base_url)
{
    xmlSAXHandler sax;
    sax_init(&sax);
    if (px_begin(px, base_url) < 0)
        return -1;
    int r = feed_xml_scan(s, len, &sax, px, &px->stopped);
    if (r < 0 || px->oom)
        return -1;
    return r ? 0 : 1;
}

/* One parse attempt with libxml2; returns 0 when the document went through (cleanly, or
 * recovered in repair mode), 1 when the first pass must be redone, -1 on failure. */
static int run(struct px *px, const char *s, size_t len, const char *base_url)
{
    xmlSAXHandler sax;
    sax_init(&sax);
    if (px_begin(px, base_url) < 0)
        return -1;
    size_t first = len < 4 ? len : 4;
    px->ctxt = xmlCreatePushParserCtxt(&sax, px, s, (int)first, base_url);
    if (!px->ctxt)
        return -1;
    xmlCtxtUseOptions(px->ctxt, XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOERROR |
                                    XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC);
    size_t off = first;
    while (!px->failed && !px->not_feed && !px->capped && !px->oom) {
        size_t n = len - off > FX_CHUNK ? FX_CHUNK : len - off;
        int last = off + n >= len;
        xmlParseChunk(px->ctxt, s + off, (int)n, last);
        off += n;
        if (last)
            break;
    }
    if (!px->repairing && !px->not_feed && !px->capped && !px->oom &&
        (px->failed || !px->ctxt->wellFormed))
        return 1;
    return px->oom ? -1 : 0;
}

int feed_xml_parse(const char *s, size_t len, const char *base_url, struct feed_doc **out,
                   char *err, size_t errlen)
{
    return feed_xml_parse_opt(s, len, base_url, 1, out, err, errlen);
}

int feed_xml_parse_opt(const char *s, size_t len, const char *base_url, int scan,
                       struct feed_doc **out, char *err, size_t errlen)
{
    *out = NULL;
    char *fixed = NULL;
    struct px *px = vg_calloc(1, sizeof(*px));
    if (!px) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = scan ? run_scan(px, s, len, base_url) : 1;
    if (rc == 1) {
        /* something the fast pass leaves to libxml2 */
        px_reset(px);
        rc = run(px, s, len, base_url);
    }
    if (rc == 1) {
        /* not well-formed: start over on the repaired text */
        px_reset(px);
        size_t flen = 0;
        fixed = feed_xml_repair(s, len, &flen);
        if (!fixed) {
            rc = -1;
        } else {
            px->repairing = 1;
            rc = run(px, fixed, flen, base_url);
            if (px->doc)
                px->doc->flags |= FEED_F_RECOVERED;
        }
    }
    struct feed_doc *doc = px->doc;
    int fail_rc = -1;
    if (rc < 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    fail_rc = FEED_NOT_A_FEED;
    if (px->in_xhtml && !px->container)
        px->not_feed = 1; /* an XHTML page without an Atom feed in it */
    if (!px->root_seen) {
        snprintf(err, errlen, "not a feed: no XML element found");
        goto fail;
    }
    if (px->not_feed) {
        if (strcasecmp(px->root_name, "html") == 0)
            snprintf(err, errlen, "not a feed: the document is an HTML page");
        else
            snprintf(err, errlen, "not a feed: unexpected root element <%s>", px->root_name);
        goto fail;
    }
    fail_rc = -1;
    if (px->cur >= 0) {
        /* cut off by the end of the data: its fields may be cut too, so drop it */
        feed_item_clear(&doc->items[px->cur]);
        doc->nitems--;
        px->cur = -1;
    }
    /* Atom: entries without an author have the feed's authors (RFC 4287 4.2.1). */
    if (px->feed_author)
        for (size_t i = 0; i < doc->nitems; i++)
            if (!doc->items[i].author && (doc->format == FEED_FORMAT_ATOM10 ||
                                          doc->format == FEED_FORMAT_ATOM03)) {
                doc->items[i].author = vg_strdup(px->feed_author);
                if (!doc->items[i].author) {
                    snprintf(err, errlen, "out of memory");
                    goto fail;
                }
            }
    px->doc = NULL;
    px_release(px);
    vg_free(px);
    vg_free(fixed);
    *out = doc;
    return 0;
fail:
    feed_doc_free(px->doc);
    px_release(px);
    vg_free(px);
    vg_free(fixed);
    return fail_rc;
}
