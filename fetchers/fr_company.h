/* fr_company — the parts of the `fr_company` kind (kind_fr_company.c): the French register's
 * answer (API Recherche d'entreprises, REFERENCE.md C.1) read into a snapshot of the company
 * (fr_company_snap.c), and two snapshots compared into structured items (fr_company_diff.c).
 *
 * A snapshot is a compact cJSON object, what the source keeps between polls (watch_text):
 *   {"v":1, "siren", "name", "naf", "headcount" (INSEE band code or null), "headcount_year",
 *    "created", "state" ("A" active, "C" ceased), "closed" (date or null), "establishments"
 *    (open ones, or null), "office": {"siret","address","city","postcode"},
 *    "finances": {"YYYY": [revenue or null, net result or null], ...} (the latest
 *    FRC_MAX_YEARS years), "directors": [{"name","role"}, with "entity": true for a legal entity (an auditor
 *    firm), which is no contact] (at most FRC_MAX_DIRECTORS)}
 * Every string is cleaned (valid UTF-8, one line) and cut to FRC_MAX_STR bytes, so a hostile
 * answer cannot make the kept text grow without bound. */
#ifndef FETCH_FR_COMPANY_H
#define FETCH_FR_COMPANY_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct feed_doc;

#define FRC_MAX_STR 240
#define FRC_MAX_DIRECTORS 60
#define FRC_MAX_YEARS 12
#define FRC_MAX_RESULTS 25     /* the API's per_page maximum: results looked at */

/* The SIREN's 9 digits from text that may hold blanks ("552 081 317"); -1 when it is not one. */
int frc_siren_norm(const char *s, char out[10]);

/* The snapshot of the result whose siren is `siren` in the body of a /search answer.
 * 0 with *snap set; 1 when the answer is well-formed but holds no such company; -1 with err
 * (and *error_kind "parse" or "not_a_register_answer") when the body is not a /search answer. */
int frc_snapshot(const char *body, size_t len, const char *siren, struct cJSON **snap, const char **error_kind,
                 char *err, size_t errlen);

/* The items telling what changed from `prev` (NULL: the first poll) to `cur`, appended to doc.
 * The first poll gives no change, only the officers (as `people`, so they become contacts).
 * 0, or -1 on allocation failure. */
int frc_diff(const struct cJSON *prev, const struct cJSON *cur, int64_t now, struct feed_doc *doc);

/* The INSEE headcount band's label ("50 to 99 employees"), or NULL for an unknown code. */
const char *frc_band_label(const char *code);
/* The band's rank for comparisons (-1: unknown code or none). */
int frc_band_rank(const char *code);

#endif
