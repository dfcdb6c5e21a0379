/* queue_stage — one stage of the pipeline: a consumer group reading a stream, a handler that
 * turns each entry into outputs, and the delivery guarantees around it.
 *
 * At-least-once in, exactly-once effects out:
 *   - entries are read with XREADGROUP on a connection of their own (the read blocks);
 *   - a handled entry's outputs and its XACK are written by one script, so a crash never
 *     leaves half a step; an output with a dedup key (a deterministic id) is written once
 *     however often its entry is delivered;
 *   - an entry whose handler fails stays pending; entries pending longer than reclaim_idle
 *     (a failed or a crashed consumer's) are taken over with XAUTOCLAIM by any live process;
 *   - after max_deliveries an entry moves to the dead-letter stream with the error that
 *     stopped it, and the stage carries on behind it.
 * On start, a consumer first re-reads its own pending entries (a restart after a crash). */
#ifndef QUEUE_STAGE_H
#define QUEUE_STAGE_H

#include <stddef.h>
#include <stdint.h>

struct queue;
struct queue_stage;

struct queue_output {
    char *stream;  /* key suffix of the output stream, e.g. "signals" */
    char *field;   /* entry field name, e.g. "signal" */
    char *dedup;   /* deterministic id: written once ever (within dedup_ttl); NULL: always */
    char *json;
    char *cluster; /* a story output (a signal): its cluster ("account|type"), or NULL */
    char simhash[17]; /* hex SimHash of the story's text, "" when none */
};

struct queue_outputs {
    struct queue_output *v;
    size_t n, cap;
};

/* Copies the strings. 0 or -1 (out of memory). */
int queue_outputs_add(struct queue_outputs *o, const char *stream, const char *field, const char *dedup,
                      const char *json);
/* A story output (a signal): written once per story. A second output with the same dedup id,
 * or with a near-identical SimHash in the same cluster within the story window, is another
 * source of the same story: the first signal's `sources` grows (an "update" entry carries the
 * grown record) instead of a new signal. */
int queue_outputs_add_story(struct queue_outputs *o, const char *stream, const char *field, const char *dedup,
                            const char *json, const char *cluster, uint64_t simhash);
void queue_outputs_reset(struct queue_outputs *o);
void queue_outputs_free(struct queue_outputs *o);

/* Handles one entry: payload is the value of the entry's first field. Returns 0 with the
 * outputs added to `out`, or -1 with the reason in err (the entry is retried, then
 * dead-lettered). Must not keep pointers into payload. */
typedef int (*queue_stage_fn)(void *arg, const char *entry_id, const char *payload, size_t len,
                              struct queue_outputs *out, char *err, size_t errlen);

struct queue_stage_config {
    const char *stream;          /* input stream key suffix, e.g. "items" */
    const char *group;           /* consumer group, e.g. "enrich" */
    size_t batch;                /* entries per read; default 64 */
    long long block_ms;          /* XREADGROUP BLOCK; default 2000 */
    long long reclaim_idle_ms;   /* pending longer than this is taken over; default 60000 */
    int max_deliveries;          /* deliveries before dead-lettering; default 5 */
    long long maxlen;            /* approximate cap of the output streams; default 1000000 */
    long long dlq_maxlen;        /* approximate cap of the dead-letter stream; default 10000 */
    long long dedup_ttl_s;       /* how long output ids are remembered; default 30 days */
    long long story_window_s;    /* how long a story gathers sources; default 3 days */
    long long series_half_life_ms; /* > 0: each new signal joins its account's series
                                    * (queue_series.h) with this heat half-life; 0: none */
};

struct queue_stage *queue_stage_new(struct queue *q, const struct queue_stage_config *cfg, queue_stage_fn fn,
                                    void *arg, char *err, size_t errlen);
/* Starts reading once Redis answers (and again after every reconnection by itself). */
void queue_stage_start(struct queue_stage *s);
/* Stops reading; drained(arg) runs once the writes in flight are answered. */
void queue_stage_stop(struct queue_stage *s, void (*drained)(void *), void *arg);
void queue_stage_free(struct queue_stage *s);

struct queue_stage_stats {
    uint64_t handled;        /* entries whose outputs and ack were written */
    uint64_t failed;         /* handler failures (entry left pending) */
    uint64_t reclaimed;      /* entries taken over from an idle consumer */
    uint64_t dead_lettered;
    uint64_t outputs, output_duplicates;
};
void queue_stage_stats(const struct queue_stage *s, struct queue_stage_stats *out);

#endif
