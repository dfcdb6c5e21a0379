/* queue_sources — the source registry in Redis, shared by every vigie process.
 *
 * Keys (under the prefix): source:<id> (a hash: the source's definition and its polling
 * state), sources (the set of ids), due (a sorted set: id -> next due time in ms; while a
 * process polls a source, its score is the lease: see queue_sched.h), failing (ids whose last
 * poll failed), last_ok and last_attempt (id -> ms of the last success and of the last
 * failure, one hash each, written for a whole batch of polls at once; the last attempt is the
 * later of the two), poll_cards (id -> the fields a claim needs, a cache of the source hash:
 * a poll that changes those fields writes the card again, anything else that changes them
 * drops it; see vigie_claim in queue/lua/vigie.lua), lease_owners (which instance took each lease
 * still running: see vigie_claim). */
#ifndef QUEUE_SOURCES_H
#define QUEUE_SOURCES_H

#include <stddef.h>
#include <stdint.h>

#include "fetchers/source.h"

struct queue_sync;

/* A source with its polling state, as stored. */
struct queue_source_state {
    struct fetch_source src;
    int64_t next_due;       /* ms since the epoch; 0 when not scheduled */
    int64_t last_attempt;   /* ms; 0 never */
    int64_t last_ok;        /* ms; 0 never */
    long long failures;     /* consecutive */
    char *last_error;       /* human reason of the last failure, NULL if none */
    char *error_kind;       /* short name: dns, connect, tls, http_status, too_large, parse, ... */
    long long items_total;  /* items passed on since the source was added */
    char lease[32];         /* while a process polls it: its lease (the due score, see
                               queue_sched.h); "" otherwise */
    char *etag;             /* validators of the last 200, for a conditional GET */
    char *last_modified;
    int baselined;          /* 1 once a first poll succeeded (see [fetch] recent_window) */
    char *watch_text;       /* a watched page's region text at the last poll */
};

/* Fills st from the flat field/value array of an HGETALL (hiredis reply elements, as
 * `const char *` pairs) — shared with the scheduler's claim. */
int queue_source_state_from_pairs(struct queue_source_state *st, const char *id, const char *const *kv,
                                  size_t nkv);

/* Stores sources in one transaction: all or none. New sources are due at once; existing ones
 * keep their state and schedule. *created / *updated count each. 0 stored; -1 nothing stored;
 * -2 the connection failed after the transaction was sent, so Redis may or may not have
 * applied it; -3 Redis refused some of the commands and applied the others (err says why). */
int queue_sources_put(struct queue_sync *q, const struct fetch_source *v, size_t n, size_t *created,
                      size_t *updated, char *err, size_t errlen);
/* 1 removed, 0 not found, -1 error. */
int queue_sources_remove(struct queue_sync *q, const char *id, char *err, size_t errlen);
/* All sources, sorted by id. Free with queue_source_states_free. */
int queue_sources_list(struct queue_sync *q, struct queue_source_state **out, size_t *n, char *err,
                       size_t errlen);
/* 1 found, 0 not found, -1 error. Free with queue_source_state_clear. */
int queue_sources_get(struct queue_sync *q, const char *id, struct queue_source_state *out, char *err,
                      size_t errlen);

void queue_source_state_clear(struct queue_source_state *s);
void queue_source_states_free(struct queue_source_state *v, size_t n);

#endif
