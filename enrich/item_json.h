/* item_json — the item record (docs/design.md "Item", as fetchers/item.c writes it) read from its
 * JSON text into an enrich_item. The daemon's enrich stage and `vigie extract` both read items
 * through this one decoder, so `vigie extract` shows exactly what the daemon would make of a
 * line. */
#ifndef ENRICH_ITEM_JSON_H
#define ENRICH_ITEM_JSON_H

#include "enrich/extract.h"

#include <stddef.h>

struct cJSON;

/* A decoded item and what its strings point into. */
struct enrich_item_json {
    struct enrich_item item;
    struct cJSON *root;
    const struct cJSON *structured;   /* the "structured" member (an object) of an item from a
                                         company source, or NULL (enrich/structured.h) */
    char idbuf[32];     /* a numeric "id", printed */
};

/* Reads one item: "id" (a string, or a number), "title" and/or "summary", and the optional
 * "lang", "url", "published" and "account_id" (the account the source is tied to; the older
 * spelling "source_account_id" is read too), and "structured" (an object, kept as parsed for
 * enrich_structured_extract; null reads as absent). Other members are ignored. 0, or -1 with a
 * message in err ("malformed JSON", "\"title\" must be a string", ...); either way clear `out`
 * with enrich_item_json_clear. */
int enrich_item_json_read(const char *text, size_t len, struct enrich_item_json *out, char *err,
                          size_t errlen);
void enrich_item_json_clear(struct enrich_item_json *j);

#endif
