/* queue_auto_sources — the accounts' automatic company sources in Redis: the sources the kinds
 * want (fetchers/kind.h auto_sources) brought in line with the stored ones in one call of
 * vigie_auto_sources (queue/lua/sources.lua): new ones created, due at once; changed ones
 * updated; the automatic sources of the managed kinds that are no longer wanted removed. A
 * source the user added (no `auto` field) is never touched. */
#ifndef QUEUE_AUTO_SOURCES_H
#define QUEUE_AUTO_SOURCES_H

#include <stddef.h>

struct queue;
struct kind_auto_source;

/* The sources one kind wants, all with that kind's interval. */
struct queue_auto_kind {
    const char *kind;
    long long interval_ms;
    const struct kind_auto_source *v;
    size_t n;
};

/* Sends the sync for these kinds (each one managed: its automatic sources not in v go).
 * cb gets the counts, or -1, -1, -1 on error. 0 sent, -1 not sent (the callback not called). */
int queue_auto_sources_sync(struct queue *q, const struct queue_auto_kind *kinds, size_t nkinds,
                            void (*cb)(long created, long updated, long removed, void *arg), void *arg);

#endif
