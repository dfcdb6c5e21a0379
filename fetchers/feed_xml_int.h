/* feed_xml_int — the state of one RSS/Atom parse, shared by feed_xml.c (the SAX callbacks
 * that walk the document) and feed_xml_fields.c (what happens to a field's text and to an
 * item once its element ends). Internal to those two files. */
#ifndef VG_FEED_XML_INT_H
#define VG_FEED_XML_INT_H

#include "fetchers/feed.h"

#include "util/vg_buf.h"

#include <libxml/parser.h>

/* The vocabularies the parser knows, from element namespaces (or bare prefixes). */
enum ns { NS_NONE, NS_RSS, NS_ATOM, NS_DC, NS_DCTERMS, NS_CONTENT, NS_MEDIA, NS_RDF, NS_XHTML,
          NS_OTHER };

#define FX_MAX_DEPTH 256          /* libxml2's own limit without XML_PARSE_HUGE */
#define FX_CHUNK 65536
#define FX_RAW_BIG (1u << 20)     /* raw HTML kept for one summary/content element */
#define FX_RAW_TITLE (64u << 10)
#define FX_RAW_SMALL (16u << 10)

/* ------------------------------------------------------------------------------------------
 * Parser state
 * ------------------------------------------------------------------------------------------ */

enum mode { M_TEXT, M_HTML, M_XHTML };

enum field {
    F_NONE, F_TITLE, F_LINK, F_ID, F_PUB, F_UPD, F_AUTHOR, F_CATEGORY, F_SUMMARY, F_LANG,
};

/* Which source wins when a feed gives the same field twice (description over content:encoded,
 * pubDate over dc:date ...): the higher priority, then the first seen. */
struct prios {
    int title, link, id, pub, upd, summary, lang;
};

struct frame {
    char *base;        /* xml:base in effect; owned when own_base */
    unsigned char own_base;
    unsigned char transparent; /* a field never closed: its "children" are its siblings */
};

struct px {
    xmlParserCtxtPtr ctxt;
    struct feed_doc *doc;
    int repairing;            /* second pass: errors are expected and tolerated */
    int failed;               /* first pass: an error was seen, redo with repair */
    int stopped;              /* fx_stop was called */
    int capped;
    int depth;
    struct frame stack[FX_MAX_DEPTH + 2];

    enum ns root_ns_vocab;    /* NS_RSS or NS_ATOM: what unprefixed elements mean */
    char *atom_uri;           /* a pre-1.0 Atom draft's own namespace (<feed version="0.x"
                                 xmlns="...">), read as Atom; NULL when none */
    int root_seen;
    char root_name[48];
    int not_feed;
    int container;            /* depth of <channel> or Atom <feed> */
    int cdf;                  /* a Channel Definition Format document (upper-case names) */
    int in_xhtml;             /* the root is an XHTML <html>: the feed is an atom:feed inside it
                                 (container is its depth once found) */

    long cur;                 /* index of the open item, -1 when none */
    int item_depth;
    struct prios ip;          /* for the open item */
    int permalink;            /* RSS guid isPermaLink (default true) */
    int item_link_score;      /* best Atom link seen for the item */
    char *about;              /* rdf:about of an RSS 1.0 item */
    char *feed_author;        /* Atom feed author, inherited by entries without one */

    struct prios fp;          /* for the feed */
    int feed_link_score;

    int ntransparent;         /* frames marked transparent on the stack */
    int skip_depth;           /* inside <image>, <textinput>, atom:source ... */
    int author_depth;         /* inside Atom <author> */
    int group_depth;          /* inside media:group */

    int cap_depth;            /* element being captured, 0 when none */
    int cap_discard;          /* ... only to skip it: a better source already gave the field */
    enum field cap_field;
    enum mode cap_mode;
    int cap_item;             /* capture belongs to the item (else to the feed) */
    int cap_prio;
    unsigned cap_flags;
    int cap_base64;           /* Atom 0.3's mode="base64": the text is decoded first */
    const char *cap_base;
    size_t cap_max;
    struct vg_buf cap;

    int oom;
};

extern const char *const feed_xml_ns; /* the xml: namespace (xml:base, xml:lang) */

struct feed_item *fx_cur_item(struct px *px);
void fx_stop(struct px *px);
int fx_edepth(const struct px *px, int k);
int fx_attr(const xmlChar **a, int n, const char *local, const char *uri, char *out,
            size_t outlen);
const char *fx_base_for(struct px *px, const char *frame_base);
void fx_lang_tag(char *l);
void fx_put_field(char **dst, int *cur, int prio, char *v);
void fx_cap_begin(struct px *px, enum field f, enum mode m, int prio, int on_item);
void fx_cap_add(struct px *px, const char *s, size_t n);
void fx_cap_add_escaped(struct px *px, const char *s, size_t n);
void fx_cap_end(struct px *px);
void fx_item_begin(struct px *px, const xmlChar **attrs, int nattrs);
void fx_item_end(struct px *px);
void fx_atom_link(struct px *px, const xmlChar **a, int n, int on_item);
void fx_atom_category(struct px *px, const xmlChar **a, int n);
/* An Atom text construct's enum mode (FX_MODE bits), with FX_BASE64 when its content is
 * base64 (Atom 0.3's mode="base64"); -1 when it is not text (src=, a binary type). */
#define FX_MODE 0x7
#define FX_BASE64 0x8
int fx_atom_mode(const xmlChar **a, int n);

#endif
