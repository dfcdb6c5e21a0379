/* item — turns a parsed feed or page entry into the item record of docs/design.md that the items
 * stream carries: source_id, id, url, title, summary, published, lang, author, categories,
 * kind. Pure: no I/O. */
#ifndef FETCH_ITEM_H
#define FETCH_ITEM_H

#include <stdint.h>

struct feed_doc;
struct feed_item;

struct fetch_item_keys {
    char id[17];        /* the item's stable id: hex hash of its canonical URL (or of its guid) */
    char fp[17];        /* hex content fingerprint (title + summary) */
};

/* The JSON record (one line; caller frees with vg_free) and the dedup keys of `it`, read from
 * `doc` by source `source_id`. When the source is tied to an account, the record also carries
 * its "account_id" (evidence for the matcher). NULL on allocation failure or when the item
 * has neither a link nor an id nor a title (nothing to recognise it by). */
char *fetch_item_json(const char *source_id, const char *account_id, const struct feed_doc *doc,
                      const struct feed_item *it, struct fetch_item_keys *keys);

/* The dedup keys alone (what fetch_item_json puts in *keys): 0, or -1 when the item has
 * nothing to recognise it by. */
int fetch_item_keys(const struct feed_item *it, struct fetch_item_keys *keys);

/* "fr" or "en" from the feed's declared language, else guessed from common words of the
 * text; "" when neither tells. Returns a static string. */
const char *fetch_item_lang(const char *declared, const char *title, const char *summary);

#endif
