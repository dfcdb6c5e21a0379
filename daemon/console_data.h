/* console_data — what the portfolio and account pages read from Redis, in one place: the
 * portfolio's heat, weeks and last signal from the per-account series, an account's signals
 * through its series and stories, its contacts from a bounded read (docs/design.md "Console"). */
#ifndef VG_CONSOLE_DATA_H
#define VG_CONSOLE_DATA_H

#include <stddef.h>

#include "enrich/review.h"

#define CONSOLE_WEEKS 12

struct queue_sync;
struct vg_config;
struct enrich_account;
struct enrich_account_set;
struct queue_source_state;
struct cJSON;

/* One account's figures for the portfolio. */
struct console_row {
    const struct enrich_account *a;
    double heat;
    int week[CONSOLE_WEEKS];     /* signals per ISO week (UTC, from Monday), oldest first; the last is now's */
    int score[REVIEW_AXES];
    int weighted;
    long long last_ms;           /* the newest signal (0: none) */
    char last_type[32];
};

/* The registry (NULL set when empty), parsed again only when its version moved: *set is the
 * console thread's cached copy, valid until the next call (never freed by the caller). 0, or
 * -1 with err. */
int console_data_accounts(struct queue_sync *q, const struct enrich_account_set **set, char *err, size_t errlen);

/* Frees the cached registry (console_stop). */
void console_data_free(void);

/* The rows of accounts acc[0..n) at now_ms into out[0..n). 0, or -1 with err. */
int console_data_rows(struct queue_sync *q, const struct vg_config *cfg, const struct enrich_account *const *acc,
                      size_t n, long long now_ms, struct console_row *out, char *err, size_t errlen);

/* What the portfolio orders and filters every account by, without reading their series
 * whole (queue/queue_portfolio_keys.h): out[i].a, last_ms, last_type, heat (the ranking's log:
 * heat's order, not its value), and with with_scores, score and weighted (the account's fields'
 * alone, as console_data_rows gives them). Weeks are left zero: the caller reads the rows of
 * the page it shows with console_data_rows. Without the series, the rows themselves. 0, or -1
 * with err. */
int console_data_keys(struct queue_sync *q, const struct vg_config *cfg, const struct enrich_account *const *acc,
                      size_t n, long long now_ms, int with_scores, struct console_row *out, char *err, size_t errlen);

/* The accounts at [offset, offset + count) of the heat ranking, hottest first, without
 * reading every account's series (the portfolio's first view: no filter, by heat): *n rows
 * into out (a ranked id no longer in set is left out). 1 when the ranking covers that page
 * whole; 0 when it does not, or without the series (the caller then makes every row); -1
 * with err. */
int console_data_hottest(struct queue_sync *q, const struct vg_config *cfg, const struct enrich_account_set *set,
                         size_t offset, size_t count, long long now_ms, struct console_row *out, size_t *n,
                         size_t *total, char *err, size_t errlen);

/* A record of the account's (signal or contact), parsed, with its time. */
struct console_record {
    struct cJSON *j;             /* for a gone signal: {"id", "priority"} only */
    long long ms;                /* published, else the entry's time */
    int gone;                    /* a signal whose story expired: the record is not kept */
};

/* The account's newest signals, newest first, at most max, from its series (series:s:<id>)
 * resolved through their stories (queue/queue_account_feed.h): a few pipelined reads,
 * whatever the stream's length. *total is how many the series hold, *gone how many of those
 * given have no record any more (their story expired: id, time and priority only; the
 * series are brought up to date with the stream first). The latest sources count is the
 * story's. Free with console_records_free. */
int console_data_signals(struct queue_sync *q, const struct vg_config *cfg, const char *account, size_t max,
                         struct console_record **out, size_t *n, size_t *total, size_t *gone, char *err,
                         size_t errlen);
/* The account's contacts, the latest record of each person, at most max, from the newest
 * CONSOLE_CONTACT_SCAN entries of the contacts stream (no per-account index: the stream is
 * read newest first and the read stops there). *complete is 0 when older entries were not
 * looked at. */
#define CONSOLE_CONTACT_SCAN 10000
int console_data_contacts(struct queue_sync *q, const char *account, size_t max, struct console_record **out,
                          size_t *n, size_t *total, int *complete, char *err, size_t errlen);
void console_records_free(struct console_record *v, size_t n);

/* The sources tied to the account (free with queue_source_states_free). */
int console_data_sources(struct queue_sync *q, const char *account, struct queue_source_state **out, size_t *n,
                         char *err, size_t errlen);

#endif
