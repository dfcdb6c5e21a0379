/* queue_consumer — a consumer group whose owner acknowledges when it is done, later: what a
 * sink needs (queue_stage.h, by contrast, handles an entry synchronously and writes its outputs
 * with its ack).
 *
 * One consumer reads several streams under one group name (a sink reads `signals` and
 * `contacts`, plus its own replay stream where `vigie dlq replay` puts its dead letters back)
 * with XREADGROUP on a connection of its own. Reading is pulled by the owner: the consumer reads
 * only while the owner has asked for entries (queue_consumer_want), so a slow sink holds its
 * own entries and no one else's. Entries the owner never settles stay pending: entries pending
 * longer than reclaim_idle (a crashed process's) are taken over with XAUTOCLAIM by any live
 * consumer of the group and handed over again with their delivery count. On start, a consumer
 * first re-reads its own pending entries (a restart after a crash).
 *
 * An entry handed over is the owner's until it acknowledges it, dead-letters it or releases
 * it: this consumer does not hand it over again meanwhile (neither its own takeovers nor a
 * re-read after a reconnection do). Another process's takeover can: an owner that holds an
 * entry longer than reclaim_idle may see it delivered elsewhere too (at least once), and its
 * own acknowledgement then finds it settled. */
#ifndef QUEUE_CONSUMER_H
#define QUEUE_CONSUMER_H

#include <stddef.h>
#include <stdint.h>

struct queue;
struct queue_consumer;

/* (queue_read.h has struct queue_entry: a plain range read, without the group's bookkeeping) */
struct queue_msg {
    const char *stream;   /* key suffix, e.g. "signals" (an entry of the replay stream: the
                             stream it was first written to) */
    const char *id;       /* entry id in its stream */
    const char *field;    /* the entry's first field: "signal", "update", "contact" */
    const char *payload;  /* its value */
    size_t len;
    long long deliveries; /* 1 on a first delivery; on a takeover or a re-read, the count
                             XPENDING gives (this delivery included: 2 or more) */
    const char *key;      /* the full key of the stream the entry is in (the replay stream for
                             a replayed entry): an owner that keeps an entry to settle it
                             later copies key and id */
};

struct queue_consumer_config {
    const char *const *streams; /* key suffixes, NULL-terminated, e.g. {"signals","contacts",NULL};
                                   up to 7 */
    const char *group;          /* e.g. QUEUE_GROUP_SINK "hubspot" (queue_contract.h) */
    const char *replay_stream;  /* key suffix of this group's replay stream, QUEUE_STREAM_REPLAY
                                   + group (e.g. "replay:sink:hubspot"), or NULL */
    long long block_ms;         /* XREADGROUP BLOCK; default 2000 */
    long long reclaim_idle_ms;  /* pending longer than this is taken over; default 60000 */
    long long dlq_maxlen;       /* approximate cap of the dead-letter stream; default 1000000 */
    long long marker_ttl_s;     /* unused: a sink's dead letter leaves no marker (a stage's marks
                                   the outputs written with its ack; a sink writes none) */
};

/* Hands entries over; they (and their strings) live until the callback returns: the owner
 * copies what it keeps. Runs from the event loop, never inside another call of this header;
 * the callback may call any of them except queue_consumer_free. */
typedef void (*queue_consumer_fn)(void *arg, const struct queue_msg *entries, size_t n);

struct queue_consumer *queue_consumer_new(struct queue *q, const struct queue_consumer_config *cfg,
                                          queue_consumer_fn fn, void *arg, char *err, size_t errlen);
/* Creates the groups (from 0, MKSTREAM) once Redis answers, and again after a reconnection. */
void queue_consumer_start(struct queue_consumer *c);
/* The owner has room for up to n more entries (the count is replaced, not added to): each
 * entry handed over takes one, and nothing is handed over beyond it. A read asks Redis for
 * that many (COUNT); what a read of several streams returns beyond it waits, pending under
 * this consumer, until the owner wants more. */
void queue_consumer_want(struct queue_consumer *c, size_t n);
/* Acknowledges an entry (e->key, e->id). Fire-and-forget: 0 sent, -1 not (Redis down: the
 * entry stays pending and is handed over again). */
int queue_consumer_ack(struct queue_consumer *c, const struct queue_msg *e);
/* Moves an entry to the dead-letter stream with the reason (XADD to dlq + XACK, atomically,
 * vigie_sink_dead_letter): `vigie dlq` shows it with this group, the stream it was first
 * written to and its delivery count, and `vigie dlq replay` puts it on replay_stream. 0 sent,
 * -1 not. */
int queue_consumer_dead_letter(struct queue_consumer *c, const struct queue_msg *e, const char *reason);
/* Gives an entry back unsettled: it stays pending, and once idle for reclaim_idle a takeover
 * (this consumer's or another's) hands it over again. */
void queue_consumer_release(struct queue_consumer *c, const struct queue_msg *e);
/* Keeps an entry the owner still holds from being taken over: resets its idle time in Redis
 * when it is still pending under this consumer (vigie_sink_touch). An owner holding entries
 * longer than a third of reclaim_idle (a retry's backoff) touches them that often; otherwise
 * another process's takeover would deliver them too while the owner retries. cb(arg, 1) still
 * the owner's, cb(arg, 0) settled or taken over by another consumer (the owner drops it from
 * its hand without acknowledging), cb(arg, -1) Redis did not answer (keep it, touch again).
 * cb runs exactly once, later; 0 sent, -1 not (cb does not run). */
int queue_consumer_touch(struct queue_consumer *c, const struct queue_msg *e, void (*cb)(void *arg, int ours),
                         void *arg);
/* Stops reading; drained(arg) runs once the commands in flight are answered (free after
 * that). Entries read and not handed over stay pending: re-read at the next start. */
void queue_consumer_stop(struct queue_consumer *c, void (*drained)(void *), void *arg);
void queue_consumer_free(struct queue_consumer *c);

struct queue_consumer_stats {
    uint64_t read, acked, dead_lettered, reclaimed;
};
void queue_consumer_stats(const struct queue_consumer *c, struct queue_consumer_stats *out);

/* The group's lag: entries of its streams not yet delivered to it plus those pending (Redis 7
 * XINFO GROUPS "lag" + "pending", summed over the streams; a stream not created yet counts
 * 0). cb(-1) when unknown (Redis down or cannot tell, the group not created yet); cb runs at
 * once when nothing could be sent. */
void queue_consumer_lag(struct queue_consumer *c, void (*cb)(long long lag, void *arg), void *arg);

#endif
