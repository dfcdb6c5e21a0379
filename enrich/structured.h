/* structured — the enrich stage for a structured item (docs/design.md "Structured items"):
 * a company source (register, announcements, filings, job boards) already knows what
 * happened and to which company, so nothing is read from the text. The item goes to the
 * account that holds its identifier (enrich/id_index.h: exact, confidence 1, role subject,
 * never by name), each `signals[]` entry becomes one signal of that account, and every person
 * named (the company's officers and each signal's people) a contact.
 *
 * The result is a plain `struct enrich_result`, so enrich_signal_json, enrich_result_json
 * and enrich_contacts_build write the same records as for a text item. Pure. */
#ifndef ENRICH_STRUCTURED_H
#define ENRICH_STRUCTURED_H

#include "enrich/extract.h"

#include <stddef.h>

struct cJSON;

/* The type weight `registry_change` has when the rules in use have no such [signal] section
 * (a rules directory of a user's that replaces the shipped set). */
#define ENRICH_REGISTRY_CHANGE_WEIGHT 45

/* Builds the result of `item` whose `structured` member is `st` (an object). Returns 0 with
 * *out set (free with enrich_result_free): when no account holds the identifier, the result
 * names no account and has no signal (its item-level types and people are still there, for
 * `vigie extract --json`). -1 with a message in err when `st` is malformed ("\"structured.
 * company.scheme\" must be a string", "signals[1]: type \"x\" is not a type of the rules",
 * ...: the item fails every time) or when out of memory ("out of memory"). */
int enrich_structured_extract(const struct enrich_extractor *x, const struct enrich_item *item,
                              const struct cJSON *st, struct enrich_result **out, char *err,
                              size_t errlen);

#endif
