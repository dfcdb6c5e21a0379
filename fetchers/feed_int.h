/* feed_int — internals shared by the feed_*.c files and page.c; not for other modules.
 *
 * The parse runs in stages: feed_charset turns the bytes into UTF-8, then feed_xml (or
 * feed_json) walks the document and fills a struct feed_doc. feed_repair rewrites a document
 * that is not well-formed so that libxml2's recovery mode keeps every character of it. */
#ifndef VG_FEED_INT_H
#define VG_FEED_INT_H

#include "fetchers/feed.h"

#include <stddef.h>
#include <stdint.h>

/* ---- UTF-8 (feed_charset.c) ---- */

/* windows-1252 code points for bytes 0x80..0x9F (0 where the byte is unassigned). */
extern const uint16_t feed_cp1252_c1[32];

/* Encodes cp into dst (room for 4 bytes); returns the byte count. */
size_t feed_utf8_put(char *dst, uint32_t cp);
/* Length of the valid UTF-8 sequence at s (1..4), or 0 when s does not start one;
 * *cp receives the code point. */
size_t feed_utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp);
/* Repairs UTF-8 encoded twice in text[0..len) in place when the evidence is unambiguous
 * (feed_mojibake.c); the new length (text stays NUL-terminated). */
size_t feed_mojibake_repair(char *text, size_t len);

/* ---- charset (feed_charset.c) ---- */

enum feed_cs_sniff { FEED_SNIFF_XML, FEED_SNIFF_HTML, FEED_SNIFF_NONE };

/* The document as UTF-8, without BOM. `data` points either into the caller's buffer or into
 * `owned`, which feed_utf8_doc_clear frees. */
struct feed_utf8_doc {
    const char *data;
    size_t len;
    char *owned;
    char charset[32];  /* what the bytes were decoded from */
    int fixed;         /* the declared charset did not fit and another was used */
};

/* Decides the charset (BOM, then http_charset, then the XML declaration or HTML <meta>, then
 * UTF-8), repairs the usual mislabels (latin-1 that is really UTF-8 or windows-1252, UTF-8
 * with stray latin-1 bytes) and converts to UTF-8. Returns -1 only on allocation failure. */
int feed_charset_to_utf8(const char *buf, size_t len, const char *http_charset,
                         enum feed_cs_sniff sniff, struct feed_utf8_doc *out);
void feed_utf8_doc_clear(struct feed_utf8_doc *d);

/* ---- XML repair (feed_repair.c) ---- */

/* Rewrites UTF-8 XML so that libxml2 loses nothing while recovering: every entity reference
 * becomes a numeric one (HTML names such as &nbsp; included, unknown names and stray '&'
 * become literal text), numeric references in the C1 range are read as windows-1252, stray
 * '<' and control characters are escaped or blanked. CDATA, comments, processing instructions
 * and the DOCTYPE are copied as they are. Returns a new buffer (vg_free) or NULL. */
char *feed_xml_repair(const char *s, size_t len, size_t *outlen);

/* ---- format parsers ---- */

/* Parses an XML feed that is already UTF-8. Returns 0 with *out set, or FEED_NOT_A_FEED or -1
 * (allocation failure) with err filled, as feed_parse. */
int feed_xml_parse(const char *s, size_t len, const char *base_url, struct feed_doc **out,
                   char *err, size_t errlen);
/* The same, choosing whether the fast pass (feed_xml_scan.c) is tried first; without it every
 * document goes through libxml2. feed_xml_parse tries it. Tests compare the two. */
int feed_xml_parse_opt(const char *s, size_t len, const char *base_url, int scan,
                       struct feed_doc **out, char *err, size_t errlen);
/* Parses a JSON Feed that is already UTF-8. */
int feed_json_parse(const char *s, size_t len, const char *base_url, struct feed_doc **out,
                    char *err, size_t errlen);

/* ---- small shared helpers (feed_doc.c) ---- */

/* Appends text to a ", "-joined list held in *list (author names), bounded by `max`. */
int feed_join_append(char **list, const char *text, size_t max);
/* Link normalisation used by every producer: resolve against base, unwrap news-alert
 * redirects, cap the length. Returns NULL when the link is unusable. */
char *feed_link_finish(const char *base, const char *raw, size_t len);

#endif
