/* review — the key-account portfolio review of one account (docs/design.md "Review"): its three
 * axis scores (quantitative, strategic, image; 0-100) from its fields moved by the evidence of
 * its signals, its heat and trends, and a recommendation (keep, promote, watch, de-select)
 * with its reasons. Pure: the caller hands the account, its signals and the time. */
#ifndef ENRICH_REVIEW_H
#define ENRICH_REVIEW_H

#include <stddef.h>
#include <stdint.h>

struct enrich_account;

/* The [review] options (daemon/config_table.c holds the documented defaults, also in
 * enrich_review_defaults). */
struct review_config {
    int64_t half_life_ms;       /* heat: a signal's priority halves with this age (30d) */
    int64_t evidence_window_ms; /* signals older than this do not move the scores (365d) */
    int bar;                    /* the key-account bar on the weighted score (60) */
    int deselect_bar;           /* a key account under this is to be de-selected (40) */
    int watch_heat;             /* a non-key account this hot is to be watched (50) */
    int deselect_after;         /* a key account under deselect_bar is de-selected at its Nth
                                 * consecutive review (2; 0 or 1: at once) */
    int w_quantitative, w_strategic, w_image; /* weights of the axes in the score (40, 30, 30) */
};
void enrich_review_defaults(struct review_config *c);

/* One signal of the account as the signals stream holds it (the last entry of an id wins:
 * an update entry carries the grown sources count). */
struct review_signal {
    const char *id, *type;
    int priority;       /* 0-100 */
    double confidence;  /* 0-1 */
    int sources;        /* how many sources told it (>= 1) */
    int64_t ms;         /* published (else the stream entry's time), ms since the epoch */
};

enum review_axis { REVIEW_QUANTITATIVE, REVIEW_STRATEGIC, REVIEW_IMAGE, REVIEW_AXES };
extern const char *const enrich_review_axis_names[REVIEW_AXES];
extern const char *const enrich_review_rec_names[]; /* indexed by enum review_rec */

enum review_rec { REVIEW_DESELECT, REVIEW_PROMOTE, REVIEW_WATCH, REVIEW_KEEP };

#define REVIEW_MAX_REASONS 12
#define REVIEW_REASON_LEN 160

struct review_row {
    int score[REVIEW_AXES];     /* 0-100 */
    int weighted;               /* the axes' weighted mean, compared with the bars */
    int evidence_only;          /* the account has none of the five axis fields */
    /* what moved each axis: "strategic_fit 0.9 -> 90", "funding x1 +8" */
    char why[REVIEW_AXES][REVIEW_MAX_REASONS][REVIEW_REASON_LEN];
    size_t n_why[REVIEW_AXES];
    double heat;                /* sum of priority * 0.5^(age / half_life), capped at 100 */
    int d7_now, d7_before;      /* signals in the last 7 days, and in the 7 before */
    int d90_now, d90_before;    /* the last 90 days, and the 90 before */
    int d90_complete;           /* the data reaches back the 180 days the 90-day trend needs */
    int64_t last_ms;            /* the newest signal (0: none) */
    enum review_rec rec;
    int below;                  /* a key account under deselect_bar (insolvency aside): this review
                                 * counts towards de-selection (saved with the review) */
    /* The last tier decision recorded (`vigie accounts set-tier`), filled by the caller
     * (at[0] == '\0': none). */
    struct review_decision {
        char at[32], by[64], from[16], to[16], reason[REVIEW_REASON_LEN];
    } decision;
    char reasons[REVIEW_MAX_REASONS][REVIEW_REASON_LEN]; /* the recommendation's, one line each */
    size_t n_reasons;
};

/* Reviews account `a` at now_ms from its signals s[0..n) (any order, several entries of one
 * id allowed: the one with the most sources counts). data_since_ms: the oldest time the
 * caller's signals reach back to (the signals stream's first entry), for d90_complete. 0, or
 * -1 on allocation failure. */
int enrich_review_account(const struct enrich_account *a, const struct review_signal *s, size_t n, int64_t now_ms,
                          int64_t data_since_ms, const struct review_config *c, struct review_row *out);

/* Applies the account's past saved reviews, newest first (past_below[i]: 1 it was `below`
 * in that review, 0 it was not, -1 it was not in it), to a row enrich_review_account made (which
 * counts the review alone): a `below` key account is de-selected when this review and the ones
 * just before it make deselect_after in a row, else watched ("below ... in N of the last M
 * reviews"). */
void enrich_review_history(const int *past_below, size_t n_past, const struct review_config *c, struct review_row *row);

/* Adds the row's decision (when there is one) as a reason line. */
void enrich_review_note_decision(struct review_row *row);

/* Order of the table: de-select, then promote, then the rest; within each, hottest first. */
int enrich_review_rank(enum review_rec r);

#endif
