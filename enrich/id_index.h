/* id_index — the accounts by identifier: which account holds ("siren", "552081317")?
 *
 * A structured item (docs/design.md "Structured items") names its company by a register
 * identifier, not by a name, so the enrich stage looks the identifier up here instead of
 * running the name matcher. Built once with the extractor (enrich_extractor_new); immutable
 * afterwards and safe to share between threads.
 *
 * Values compare in a canonical form, so a register's spelling and the stored one meet:
 * siren, siret and cik keep their digits only (blanks, dots and dashes dropped), and a cik
 * also loses its leading zeros (EDGAR writes "0000320193", people write "320193");
 * companies_house numbers are upper-cased and, when all digits, zero-padded to the register's
 * eight; every other scheme is compared case-insensitively. Retired accounts are left out, as
 * the matcher leaves them out. */
#ifndef ENRICH_ID_INDEX_H
#define ENRICH_ID_INDEX_H

#include "enrich/account.h"

#include <stddef.h>

struct enrich_id_index;

/* NULL when out of memory. `set` may be NULL (an empty index) and must outlive the index. */
struct enrich_id_index *enrich_id_index_build(const struct enrich_account_set *set);
void enrich_id_index_free(struct enrich_id_index *ix);

/* The index in the set of the first account (in set order) that holds identifier `scheme` =
 * `value`, or -1 when none does (or the value has no canonical form, e.g. a cik of letters). */
long enrich_id_index_find(const struct enrich_id_index *ix, const char *scheme, const char *value);

/* The canonical form of `value` under `scheme` into out (see above). 0, or -1 when it has none
 * (empty, too long, not digits where digits are due). */
int enrich_id_canonical(const char *scheme, const char *value, char *out, size_t outlen);

#endif
