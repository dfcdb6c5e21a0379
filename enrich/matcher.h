/* matcher — finds mentions of key accounts in item text, in one pass for all accounts.
 *
 * Every name, alias, domain and ticker of every account is compiled into one token-level
 * automaton over normalised text. A raw hit is only a candidate: names that are also everyday
 * words ("Orange", "Total", "Sage"), first names or very short names must be backed by evidence
 * (capitalisation in the original text, a legal form next to it, the account's domain or a
 * context keyword in the text, a source tied to the account), and negative keywords veto.
 * The result is a confidence per mention; callers pick their threshold. */
#ifndef ENRICH_MATCHER_H
#define ENRICH_MATCHER_H

#include <stddef.h>

#include "enrich/account.h"

struct enrich_matcher;   /* immutable once built; safe to share read-only between threads */

/* Builds the automaton over all names, aliases, domains and tickers of the accounts that are
 * not retired, and the names, aliases and domains of their units (a unit's mention is a
 * mention of its account, via alias or domain, with enrich_match.unit set) (a retired account keeps its index but is never matched). Does not keep pointers
 * into `set` other than account ids/indexes documented below; the set must outlive the matcher.
 * NULL with a message in err on failure. */
struct enrich_matcher *enrich_matcher_build(const struct enrich_account_set *set, char *err, size_t errlen);
void enrich_matcher_free(struct enrich_matcher *m);

enum enrich_match_via { ENRICH_VIA_NAME, ENRICH_VIA_ALIAS, ENRICH_VIA_DOMAIN, ENRICH_VIA_TICKER };

struct enrich_match {
    size_t account;          /* index into set->v */
    size_t start, end;       /* byte offsets of the mention in the ORIGINAL text */
    enum enrich_match_via via;
    double confidence;       /* 0..1 after evidence rules (capitalisation, legal form, context keywords, source account) */
    int unit;                /* the account's unit (index into its units) the mention names, or -1 */
};

/* The threshold under which a mention is more likely a common word than the account; what
 * `vigie extract` uses unless told otherwise. */
#define ENRICH_MATCH_MIN_CONFIDENCE 0.5

/* Finds account mentions in `text` (title + summary, original UTF-8). source_account_id is the
 * account a source is tied to, or NULL. Returns 0 and a vg_malloc'd array (caller frees with
 * vg_free) of matches with confidence >= min_confidence, sorted by start; vetoed by negative
 * keywords; at most one best match per (account, position). -1 only on allocation failure
 * (*out NULL, *n_out 0). Texts longer than 1 MiB are scanned on their first 1 MiB only. */
int enrich_match_text(const struct enrich_matcher *m, const char *text, size_t len,
                      const char *source_account_id, double min_confidence,
                      struct enrich_match **out, size_t *n_out);

/* "name" | "alias" | "domain" | "ticker". */
const char *enrich_match_via_name(enum enrich_match_via via);
/* Bytes the matcher holds (automaton, pattern tables), for benchmarks and metrics. */
size_t enrich_matcher_memory(const struct enrich_matcher *m);
/* Number of distinct patterns compiled. */
size_t enrich_matcher_patterns(const struct enrich_matcher *m);

#endif
