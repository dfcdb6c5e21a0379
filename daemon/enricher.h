/* enricher — the daemon's enrich stage: items stream -> (match accounts, classify, extract,
 * score) -> signals and contacts streams, through a queue_stage (at-least-once in, each signal
 * written once, stories clustered).
 *
 * The extractor (rules + accounts + matcher) is built in a background thread whenever the
 * accounts change, and swapped in between two items: the stage never pauses for a rebuild. */
#ifndef VG_ENRICHER_H
#define VG_ENRICHER_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct queue;
struct vg_config;
struct enricher;

struct enricher *enricher_new(struct event_base *base, struct queue *q, const struct vg_config *cfg, char *err,
                              size_t errlen);
/* The accounts in Redis changed (accounts_watch): rebuild in the background. The stage starts
 * reading once the first extractor is ready. */
void enricher_accounts_changed(struct enricher *e, long long version);
/* After a reload (rules directory). */
void enricher_set_config(struct enricher *e, const struct vg_config *cfg);
void enricher_stop(struct enricher *e, void (*drained)(void *), void *arg);
void enricher_free(struct enricher *e);

struct enricher_stats {
    uint64_t items, signals, contacts, failed;
    uint64_t unmatched;          /* structured items whose identifier no account holds */
    long long accounts_version;  /* of the extractor in use; -1 before the first */
    size_t accounts;
};
void enricher_stats(const struct enricher *e, struct enricher_stats *out);

#endif
