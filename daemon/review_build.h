/* review_build — one portfolio review computed: the accounts and the signals stream read, each
 * account reviewed (enrich/review.c through account_signals_review), its de-selection count
 * from the saved reviews and its last tier decision applied, the rows sorted as every output
 * shows them (de-select, promote, then the others; hottest first, then id). The scheduled
 * review (review_schedule.c) and `vigie review` (cmd_review.c) both compute through it. */
#ifndef VG_REVIEW_BUILD_H
#define VG_REVIEW_BUILD_H

#include "daemon/account_signals.h"
#include "enrich/review.h"

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct queue_sync;
struct vg_config;
struct enrich_account;
struct enrich_account_set;

struct review_built_row {
    const struct enrich_account *a; /* in set */
    struct review_row r;
};

struct review_built {
    struct enrich_account_set *set; /* every stored account (NULL: none) */
    size_t n_stored;
    struct account_signals signals;
    cJSON *past;                    /* the saved reviews, oldest first */
    struct review_built_row *rows;  /* the accounts reviewed, in the outputs' order */
    size_t n;
    int64_t now_ms;
};

/* Reviews every account that is not retired (owner: only those whose owner is owner, any case;
 * NULL: all) at now_ms with cfg's [review] options. 0, or -1 with the reason printed on stderr
 * (the functions it calls print theirs). out is to be freed with review_built_free either way. */
int review_build(struct queue_sync *q, const struct vg_config *cfg, const char *owner, int64_t now_ms,
                 struct review_built *out);
void review_built_free(struct review_built *b);

/* A row as `vigie review --format json` prints it (docs/design.md "Review"). */
cJSON *review_row_json(const struct enrich_account *a, const struct review_row *r);

#endif
