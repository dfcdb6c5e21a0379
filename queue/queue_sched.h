/* queue_sched — the shared poll schedule: claim due sources under a lease, and record a poll's
 * outcome together with its new items, atomically (Lua scripts on Redis's clock).
 *
 * Claim: due sources (score <= now in the `due` sorted set) get their score moved to the end
 * of a lease, in one script: any number of vigie processes can claim at once and none gets a
 * source another holds. That score is the lease (see vigie_claim in queue/lua/vigie.lua). A crashed
 * process's sources become due again when their leases run out, or at once when a process
 * of the same instance name ([daemon] instance) starts: its first claim takes them back.
 *
 * Complete: if the source's score is still the lease its claim returned, its state is updated, it is
 * rescheduled, and its new items are deduplicated (canonical URL and content fingerprint,
 * across polls and sources) and appended to the items stream — all in one script, so a crash
 * never leaves half a poll. On the first successful poll of a source (its baseline), items
 * are only recorded as seen, except those flagged recent. */
#ifndef QUEUE_SCHED_H
#define QUEUE_SCHED_H

#include <stddef.h>

#include "queue/queue_sources.h"

struct queue;

/* Receives the claimed sources and owns them (free with queue_source_states_free). n == 0
 * with v == NULL when nothing was due or Redis could not answer (err then says why). */
typedef void (*queue_claim_cb)(struct queue_source_state *v, size_t n, const char *err, void *arg);
/* Claims up to `limit` due sources (at most 1000 per call). -1 when Redis is not connected
 * (the callback is then not called). */
int queue_sched_claim(struct queue *q, size_t limit, long long lease_ms, queue_claim_cb cb, void *arg);

struct queue_new_item {
    char url_key[17];   /* hex of a 64-bit hash of the canonical URL */
    char fp_key[17];    /* hex of the content fingerprint */
    int recent;         /* published within the recent window (passed on even at baseline) */
    const char *json;   /* the item record */
};

/* The lease of a WebSub delivery (daemon/websub.c), which no claim gave: its items are
 * deduplicated and queued like a poll's, if the source still exists (else
 * QUEUE_COMPLETE_GONE); the schedule, the poll times and the source's state are left alone.
 * Send it with ok = clean = 1 and no field. */
#define QUEUE_LEASE_PUSH "push"

struct queue_poll_result {
    const char *id;
    const char *lease;            /* as claimed (queue_source_state.lease), or QUEUE_LEASE_PUSH */
    int ok;                       /* the fetch (and parse) succeeded, 304 included */
    int clean;                    /* ok, and the source had no failures, no error and its
                                     baseline done when claimed: nothing to reset */
    long long next_delay_ms;      /* when to poll again, from now */
    const char *etag;             /* validators to keep (NULL: unchanged) */
    const char *last_modified;
    const char *watch_text;       /* a watched page's region text, kept for the next poll */
    const char *error_kind;       /* on failure: short name and human reason */
    const char *error;
    const struct queue_new_item *items;
    size_t nitems;
    long long dedup_ttl_s;        /* how long an item is remembered as seen */
    long long stream_maxlen;      /* approximate cap of the items stream */
};

enum queue_complete_status {
    QUEUE_COMPLETE_OK = 1,
    QUEUE_COMPLETE_LEASE_LOST = -1,  /* the lease ran out and another claim took the source over,
                                        or the source was removed and added again: nothing
                                        written */
    QUEUE_COMPLETE_GONE = -2,        /* the source was removed meanwhile */
    QUEUE_COMPLETE_ERROR = -3,       /* Redis did not answer or refused the call: the lease is
                                        given back (the source is due again shortly) */
};
typedef void (*queue_complete_cb)(enum queue_complete_status st, long added, long duplicates,
                                  long baseline, void *arg);
/* Records poll results. The results added in one turn of the event loop go to Redis in one
 * script call (at most QUEUE_RECORD_BATCH polls each), which costs Redis far less than a call
 * per poll; each poll's outcome is still its own (a lost lease fails only that poll). */
struct queue_recorder;
struct queue_recorder *queue_recorder_new(struct queue *q);
/* -1 when Redis is not connected (the callback is then not called). Otherwise the callback is
 * called once, with QUEUE_COMPLETE_ERROR if the call could not be made or answered. A poll
 * that could not be recorded either way gives its lease back as soon as Redis takes the
 * call, so that its source is polled again in seconds rather than when the lease ends. */
int queue_recorder_add(struct queue_recorder *rc, const struct queue_poll_result *r, queue_complete_cb cb, void *arg);
/* Results not yet sent, and leases not yet given back, are dropped without their callbacks
 * (their leases expire, or are taken back when this instance starts again). */
void queue_recorder_free(struct queue_recorder *rc);

#endif
