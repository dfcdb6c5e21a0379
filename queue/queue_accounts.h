/* queue_accounts — the key accounts in Redis, shared by every vigie process.
 *
 * Keys (under the prefix): accounts (a hash: id -> the account as a JSON object) and
 * accounts:version (incremented by every change, in the same transaction). A daemon that sees
 * the version move reloads the accounts and rebuilds its matcher in the background. */
#ifndef QUEUE_ACCOUNTS_H
#define QUEUE_ACCOUNTS_H

#include <stddef.h>

struct queue;
struct queue_sync;

/* Stores accounts (ids[i] -> json[i]) and bumps the version, in one transaction: all or none.
 * *created / *updated count each. 0 stored; -1 nothing stored; -2 the connection failed after
 * the transaction was sent, so Redis may or may not have applied it; -3 Redis refused some of
 * the commands (a key of the wrong type) and applied the others (err says why). */
int queue_accounts_put(struct queue_sync *q, const char *const *ids, const char *const *json, size_t n,
                       size_t *created, size_t *updated, char *err, size_t errlen);
/* 1 removed (version bumped), 0 not found, -1 error. */
int queue_accounts_remove(struct queue_sync *q, const char *id, char *err, size_t errlen);
/* All accounts as one JSON array text (caller frees with vg_free), sorted by id. */
char *queue_accounts_all(struct queue_sync *q, size_t *n, char *err, size_t errlen);
/* One account's JSON (caller frees), NULL when absent (err[0] == '\0') or on error. */
char *queue_accounts_get(struct queue_sync *q, const char *id, char *err, size_t errlen);
/* The registry's version (0 before the first import), or -1 with err: a reader that keeps
 * the parsed accounts reads them again only when it moved (the web console). */
long long queue_accounts_version_sync(struct queue_sync *q, char *err, size_t errlen);

/* From the event loop: the current version (cb gets -1 on error). */
int queue_accounts_version(struct queue *q, void (*cb)(long long version, void *arg), void *arg);
/* From the event loop: the version and all accounts as a JSON array text (owned by the
 * callback: free with vg_free; NULL on error). */
int queue_accounts_load(struct queue *q, void (*cb)(long long version, char *json, size_t n, void *arg), void *arg);

#endif
