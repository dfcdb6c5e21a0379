/* queue_accounts_sync — the account registry's side of `vigie accounts sync --from SINK`:
 * what a sync reads (the registry, its version and the ids that sink's last sync listed) and
 * how it writes what it decided (enrich/account_sync.h) — one Redis function call,
 * vigie_accounts_sync, applied whole, and only if the registry's version is still the one
 * read (another import or sync in between: the caller reads again and decides again).
 *
 * The same calls blocking (the command line) and from the event loop (the daemon's scheduled
 * sync, daemon/accounts_sync.c), plus the lease that lets one process of many run a sink's
 * scheduled sync.
 *
 * Keys: accounts, accounts:version, accounts:synced:<sink>, lease:accounts-sync:<sink>. */
#ifndef QUEUE_ACCOUNTS_SYNC_H
#define QUEUE_ACCOUNTS_SYNC_H

#include <stddef.h>

struct queue;
struct queue_sync;

/* The registry as one sync read it, at one instant. */
struct queue_accounts_state {
    long long version;   /* accounts:version (0 when never set) */
    char *accounts;      /* every account, a JSON array text */
    size_t n_accounts;
    char **synced;       /* the ids the sink's last sync listed */
    size_t n_synced;
};
void queue_accounts_state_free(struct queue_accounts_state *s);

/* What a sync writes: n (id, json) accounts to store, and the ids the CRM listed (the sink's
 * synced set from now on). */
struct queue_accounts_write {
    const char *const *ids;
    const char *const *json;
    size_t n;
    const char *const *listed;
    size_t n_listed;
};

/* Blocking. NULL with err filled. */
struct queue_accounts_state *queue_accounts_sync_read(struct queue_sync *q, const char *sink, char *err,
                                                      size_t errlen);
/* Blocking: 1 applied (the version bumped when w->n > 0), 0 not applied because the version
 * is no longer `version`, -1 error (nothing applied, err filled), -2 the connection failed
 * after the call was sent (applied or not: unknown). */
int queue_accounts_sync_write(struct queue_sync *q, const char *sink, long long version,
                              const struct queue_accounts_write *w, char *err, size_t errlen);

/* From the event loop. cb gets the state (the callee's: valid during the call only) or NULL
 * when Redis could not answer. 0 sent, -1 not (cb will not run). */
int queue_accounts_sync_read_async(struct queue *q, const char *sink,
                                   void (*cb)(const struct queue_accounts_state *s, void *arg), void *arg);
/* From the event loop: cb gets 1, 0 or -1 as queue_accounts_sync_write (with Redis's error, or
 * NULL). The strings of w are copied before the call returns. 0 sent, -1 not. */
int queue_accounts_sync_write_async(struct queue *q, const char *sink, long long version,
                                    const struct queue_accounts_write *w,
                                    void (*cb)(int applied, const char *err, void *arg), void *arg);

/* From the event loop: SET lease:accounts-sync:<sink> <instance> NX PX ms. cb gets 1 taken,
 * 0 held by another (or by this instance's previous run), -1 Redis could not answer. */
int queue_accounts_sync_lease(struct queue *q, const char *sink, const char *instance, long long ms,
                              void (*cb)(int taken, void *arg), void *arg);

#endif
