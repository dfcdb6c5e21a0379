/* company_sources — the accounts' automatic company sources ([sources] automatic): whenever the
 * accounts change (and at start, and after a reload), every registered kind with an
 * `auto_sources` (fetchers/kind.h) says which sources it wants for the accounts, and one call
 * (queue_auto_sources.h) creates, updates and removes the stored ones to match. The accounts
 * are parsed and the sources computed on a worker thread: ten thousand accounts take a while. */
#ifndef VG_COMPANY_SOURCES_H
#define VG_COMPANY_SOURCES_H

struct event_base;
struct queue;
struct vg_config;
struct company_sources;

struct company_sources *company_sources_new(struct event_base *base, struct queue *q, const struct vg_config *cfg);
/* The accounts moved to `version` (accounts_watch's callback): sync again. */
void company_sources_accounts_changed(struct company_sources *c, long long version);
/* After a reload: the [sources] section may have changed; sync again. */
void company_sources_set_config(struct company_sources *c, const struct vg_config *cfg);
/* From the housekeeping timer: a sync that failed is tried again. */
void company_sources_tick(struct company_sources *c);
void company_sources_free(struct company_sources *c);

#endif
