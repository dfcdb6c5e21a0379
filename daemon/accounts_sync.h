/* accounts_sync — the key accounts a CRM marks, imported into the account registry: once from
 * the command line (`vigie accounts sync --from NAME`, daemon/cmd_accounts_sync.c) or every
 * [sink.NAME] sync_accounts in the daemon (here).
 *
 * One sync: the sink type's list_accounts (sinks/sink.h) lists the CRM's key accounts on an
 * HTTP client made from the section's timeout and allow_private; the registry is read (its
 * accounts, version, and the ids the sink's previous sync listed); enrich/account_sync.h
 * decides what is created, updated, un-retired, retired or unchanged; one Redis function
 * writes it whole, if the registry's version has not moved since the read (else read and
 * decide again). A listing that fails writes nothing.
 *
 * In the daemon (processes with the sink role), each section with sync_accounts > 0 tries
 * every period, and the first process to take the lease lease:accounts-sync:<NAME> (SET NX,
 * for nine tenths of the period) runs it: one sync per period across every process sharing
 * the Redis, whether or not the sink itself is enabled. */
#ifndef VG_ACCOUNTS_SYNC_H
#define VG_ACCOUNTS_SYNC_H

#include <stddef.h>

struct event_base;
struct queue;
struct vg_config;
struct vg_sink_section;
struct enrich_sync_plan;
struct accounts_sync;

/* ---- shared with the command line ------------------------------------------------------ */

/* The [sink.NAME] section a sync runs from: NULL with err when there is none or its type
 * lists no key accounts. */
const struct vg_sink_section *accounts_sync_section(const struct vg_config *cfg, const char *name, char *err,
                                                    size_t errlen);
/* Now, RFC 3339 UTC to the second: a retirement's time. */
void accounts_sync_now(char *buf, size_t len);
/* "N listed: X created, Y updated, Z retired, W unchanged" (", U of them un-retired" after
 * the updated when some were). */
void accounts_sync_summary(const struct enrich_sync_plan *p, char *buf, size_t len);
/* Tries to write a plan this many times when the registry keeps moving under it. */
#define ACCOUNTS_SYNC_TRIES 5

/* ---- the daemon's schedule ------------------------------------------------------------- */

/* Never NULL but when out of memory. instance: this process's name (the lease's value). */
struct accounts_sync *accounts_sync_new(struct event_base *base, struct queue *q, const struct vg_config *cfg);
/* After a reload: the schedule follows the new sections (a run in flight finishes on the
 * configuration it began with). */
void accounts_sync_set_config(struct accounts_sync *s, const struct vg_config *cfg);
/* No new run; drained(arg) once the runs in flight have ended (at once when none is). */
void accounts_sync_stop(struct accounts_sync *s, void (*drained)(void *), void *arg);
/* Runs still in flight are dropped (their HTTP requests without callbacks). */
void accounts_sync_free(struct accounts_sync *s);

#endif
