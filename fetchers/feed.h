/* feed — turns one feed document (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed 1.0/1.1) into a
 * normalised struct feed_doc, and that into the JSON of `vigie parse`.
 *
 * The parser never touches the network or the file system, never expands DTD entities, and
 * bounds its work: at most FEED_MAX_ITEMS items, capped field lengths, libxml2's default depth
 * and entity limits. Every string it produces is valid UTF-8 plain text (HTML removed, entities
 * decoded, whitespace normalised) or an absolute URL, or NULL when the feed did not give it.
 * page.h builds the same struct from HTML pages, so later stages see one shape. */
#ifndef VG_FEED_H
#define VG_FEED_H

#include <stddef.h>
#include <stdint.h>

#define FEED_MAX_ITEMS 10000
#define FEED_MAX_TITLE 2048        /* bytes of plain text, cut on a character boundary */
#define FEED_MAX_SUMMARY 65536
#define FEED_MAX_URL 4096
#define FEED_MAX_SHORT 1024        /* id, author, category, language */
#define FEED_MAX_CATEGORIES 64     /* per item */

/* A date that the feed did not give, or gave in a form that could not be read. */
#define FEED_DATE_NONE INT64_MIN

enum feed_format {
    FEED_FORMAT_UNKNOWN,
    FEED_FORMAT_RSS20,
    FEED_FORMAT_RSS10,
    FEED_FORMAT_RSS09X,
    FEED_FORMAT_ATOM10,
    FEED_FORMAT_ATOM03,
    FEED_FORMAT_JSONFEED,
};

/* doc->flags: what the parser had to do to read the document (for logs and `vigie parse`). */
#define FEED_F_RECOVERED 0x1      /* the XML was not well-formed; items were recovered */
#define FEED_F_CHARSET_FIXED 0x2  /* bytes did not match the declared charset; decoded anyway */
#define FEED_F_ITEMS_CAPPED 0x4   /* more than FEED_MAX_ITEMS items; the rest were dropped */

struct feed_item {
    char *id;         /* guid / id, else the link */
    char *title;
    char *link;       /* absolute when a base was known; news-alert redirects unwrapped */
    char *author;     /* several authors are joined with ", " */
    char *summary;    /* plain text; paragraphs separated by "\n" */
    int64_t published; /* Unix seconds, UTC, or FEED_DATE_NONE */
    int64_t updated;
    char **categories;
    size_t ncategories;
    const char *kind; /* static string: NULL for feed entries, "web_change" from page_watch,
                         "register", "announcement", "filing" or "jobs" from company sources */
    char *structured; /* company sources: the item's `structured` member, a JSON object
                         (docs/design.md "Structured items"), or NULL */
};

struct feed_doc {
    enum feed_format format;
    char *title;
    char *link;
    char *language;
    int64_t updated;
    char *hub;            /* WebSub: the feed's <link rel="hub"> (first), absolute; or NULL */
    char *self;           /* and its rel="self", the topic a hub knows it by; or NULL */
    struct feed_item *items;
    size_t nitems;
    size_t items_cap;
    unsigned flags;       /* FEED_F_* */
    char charset[32];     /* the charset the bytes were decoded from, e.g. "windows-1252" */
    char note[160];       /* first XML error when FEED_F_RECOVERED, for a warning line */
};

/* Parses one document. `base_url` (the feed's URL, may be NULL) resolves relative links;
 * `http_charset` is the charset parameter of the HTTP Content-Type (NULL when unknown).
 * On success *out is a new document the caller frees with feed_doc_free. On failure returns
 * FEED_NOT_A_FEED with a message in err ("not a feed: ...") when the input is something else
 * (an HTML page, an empty file), or -1 on allocation failure. */
#define FEED_NOT_A_FEED (-2)
int feed_parse(const char *buf, size_t len, const char *base_url, const char *http_charset,
               struct feed_doc **out, char *err, size_t errlen);

struct feed_doc *feed_doc_new(enum feed_format format);
void feed_doc_free(struct feed_doc *doc);
/* Appends a zeroed item (dates FEED_DATE_NONE) and returns it; NULL on allocation failure or
 * when the document already holds FEED_MAX_ITEMS (then FEED_F_ITEMS_CAPPED is set). The
 * pointer is valid until the next call. */
struct feed_item *feed_doc_add_item(struct feed_doc *doc);
/* Adds a copy of `cat` unless empty, already present or over FEED_MAX_CATEGORIES. */
int feed_item_add_category(struct feed_item *item, const char *cat);
void feed_item_clear(struct feed_item *item);

/* "rss20", "atom10", ..., "unknown". */
const char *feed_format_name(enum feed_format format);

/* The `vigie parse` JSON for doc, one line without a trailing newline; the caller frees it
 * with vg_free. NULL on allocation failure. */
char *feed_doc_to_json(const struct feed_doc *doc);

/* ---- dates (feed_date.c) ---- */

/* Reads RFC 822/1123/2822 dates (named and numeric zones, 2-digit years), RFC 3339 / ISO 8601,
 * and the usual broken forms ("2024-01-05 10:00:00", missing zone = UTC, "GMT+2", French
 * month names, Unix seconds). Returns Unix seconds UTC, or FEED_DATE_NONE when the text is not
 * a valid date (e.g. "Mon, 32 Jan 2024"). */
int64_t feed_date_parse(const char *s);
/* Writes "2004-01-01T00:00:00Z" (20 chars + NUL) into out; -1 when t is out of range. */
int feed_date_format(int64_t t, char out[21]);

/* ---- text (feed_text.c) ---- */

#define FEED_TEXT_HTML 0x1       /* input is HTML: remove tags, decode entities */
#define FEED_TEXT_MULTILINE 0x2  /* keep paragraph breaks as "\n" (else one line) */

/* Converts `len` bytes of UTF-8 into normalised plain text of at most `max` bytes (cut on a
 * character boundary). Invalid UTF-8 is repaired, runs of whitespace become one space, control
 * and zero-width characters disappear, C1 controls are read as windows-1252. With
 * FEED_TEXT_HTML, tags, comments, scripts and styles are removed and entities decoded; text
 * that still holds escaped markup afterwards (double-escaped feeds) is decoded once more.
 * Returns a new string (possibly ""), NULL on allocation failure. */
char *feed_text_clean(const char *s, size_t len, size_t max, unsigned flags);

/* Code point of an HTML named character reference (name without '&' and ';'), or -1. */
int feed_entity_lookup(const char *name, size_t len);

#endif
