/* today_contact — the person to call about a signal, among an account's contacts (the records
 * of the contacts stream, docs/design.md "Contact"), for `vigie today`. */
#ifndef VG_TODAY_CONTACT_H
#define VG_TODAY_CONTACT_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* The best of contacts c[0..n) (one record per person: the latest) to call about a signal of
 * `type` told at `url` (NULL: unknown): for funding and financial_results the CFO, else
 * finance; for expansion a plant or site director, else operations; for hiring HR; for
 * leadership_change the person the story is about (a contact from the same URL); for
 * contract_win and partnership sales or business development, else the CEO; else, or when none
 * of those is known, the most senior. Within a kind the newest (first_seen) wins: the new CFO.
 * A departing person is never picked. *why gets what picked them ("finance for funding",
 * "most senior"). NULL when no contact is left. */
const cJSON *today_pick_contact(const cJSON *const *c, size_t n, const char *type, const char *url, const char **why);

#endif
