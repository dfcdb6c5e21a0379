/* score — signal priority and deterministic signal ids. Pure functions.
 *
 * Priority (0-100) says which signal a key account manager should read first: the weight of
 * its type (rules), how sure the classifier is, how fresh the news is, how reliable the source
 * is, and how much the account matters (its tier and its Key Account Management axes:
 * revenue, margin, growth potential, strategic fit, image). Each factor scales the score, so
 * a weak factor cannot be hidden by a strong one: a stale rumour about a key account ranks
 * below a fresh, certain acquisition by the same account.
 *
 * Heat is an account's time-decayed sum of signal priorities: what to look at this week.
 * Storing it per account belongs to queue/. */
#ifndef ENRICH_SCORE_H
#define ENRICH_SCORE_H

#include <stddef.h>

struct enrich_score_input {
    double type_weight;         /* 0..100, the [signal] section's weight */
    double confidence;          /* 0..1 */
    double age_days;            /* now - published; negative is treated as 0 */
    double source_reliability;  /* 0..1; < 0 means unknown (0.6 is used) */
    const char *tier;           /* "key", "candidate", "standard" or NULL (standard) */
    /* the account's KAM axes as docs/design.md describes them; 0 means absent */
    double revenue;             /* yearly revenue with the account, in currency units */
    double margin;              /* 0..1 */
    double growth_potential, strategic_fit, image;  /* 0..1 */
};

/* Priority 0..100. Half-life of freshness: 7 days. */
int enrich_priority(const struct enrich_score_input *in);

/* One factor of the priority, exposed for tests and explanations: the account's weight from
 * its tier and axes, 0.3 (standard, no axes) .. 1 (key account, strong on every axis). */
double enrich_account_weight(const char *tier, double revenue, double margin,
                             double growth_potential, double strategic_fit, double image);

/* Deterministic signal id: 32 lower-case hex digits of a 128-bit hash of (account_id,
 * story_key, type), so the same story about the same account always gets the same id and a
 * redelivery never makes a second CRM note. NULL fields hash as empty strings. out must hold
 * 33 bytes. */
void enrich_signal_id(const char *account_id, const char *story_key, const char *type,
                      char out[33]);

/* A story key from a headline: its folded, lower-cased words joined by single blanks, so the
 * same headline seen in two feeds (different quotes, accents, spacing) gives the same key.
 * Caller frees with vg_free; NULL on allocation failure. */
char *enrich_story_key(const char *title);

/* Parses an RFC 3339 timestamp ("2024-05-01T10:00:00Z", offsets allowed) to seconds since
 * the epoch. Returns 0, or -1 when malformed. */
int enrich_parse_time(const char *s, double *out);

#endif
