/* vg_json — parsing JSON that the outside world wrote.
 *
 * cJSON rejects a whole document for one unpaired UTF-16 surrogate escape ("\ud800" without
 * its low half, or a low half alone), which JavaScript serialisers emit when they cut a string
 * between the two halves of an emoji. One bad character must not cost a feed or an item, so
 * such escapes become U+FFFD before parsing, as a browser's decoder would do. */
#ifndef VG_JSON_H
#define VG_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* cJSON_ParseWithLength after replacing unpaired surrogate escapes by "\ufffd" (an escape of
 * the same length, so offsets are unchanged). NULL when the JSON is invalid or on allocation
 * failure; the caller frees the tree with cJSON_Delete. */
cJSON *vg_json_parse(const char *s, size_t len);

/* After vg_json_parse returned NULL: the byte offset in `s` where parsing stopped, or
 * (size_t)-1 when unknown (allocation failure). */
size_t vg_json_error_offset(void);

/* Member k of object o: its string (NULL when absent or not a string), its number (dflt when
 * absent or not a number). */
const char *vg_json_str(const cJSON *o, const char *k);
double vg_json_num(const cJSON *o, const char *k, double dflt);

#endif
