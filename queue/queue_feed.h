/* queue_feed — the signals stream read newest first, one bounded chunk at a time, and a
 * signal's stored story (story:<id>), for the console's Signals pages. A chunk
 * is one XREVRANGE ... COUNT n, so a caller decides how much it reads before it stops. */
#ifndef QUEUE_FEED_H
#define QUEUE_FEED_H

#include <stddef.h>
#include <stdint.h>

struct queue_sync;

struct queue_feed_entry {
    const char *id;      /* the entry's id, e.g. "1733580000000-0" */
    const char *field;   /* QUEUE_FIELD_SIGNAL or QUEUE_FIELD_UPDATE */
    const char *payload; /* the record, JSON */
    size_t len;
};

/* Up to `count` entries of stream (key suffix), newest first: those older than `before` (an
 * entry id, exclusive; NULL or "" from the newest, bounded by until_ms when > 0) and not older
 * than since_ms (0: no bound). fn gets each (valid during the call); it returns non-zero to stop.
 * The id of the last entry read goes to last (its size lastlen; "" when none). Returns how
 * many were read (< count: the range is exhausted), or -1 with err. */
long queue_feed_chunk(struct queue_sync *q, const char *stream, const char *before, int64_t until_ms,
                      int64_t since_ms, size_t count, int (*fn)(const struct queue_feed_entry *e, void *arg),
                      void *arg, char *last, size_t lastlen, char *err, size_t errlen);

/* A signal's story as the enrich stage keeps it (story:<id>, docs/design.md "Redis"): its
 * record (read back from the signals stream at the story's entry), how many sources told it,
 * and their URLs (sorted). */
struct queue_story {
    char *json;
    long long sources;
    char **urls;
    size_t nurls;
};

/* 1 found, 0 gone (never stored, expired after [pipeline] dedup_ttl, or its entry trimmed from
 * the stream), -1 with err. */
int queue_story_get(struct queue_sync *q, const char *signal_id, struct queue_story *out, char *err, size_t errlen);
void queue_story_free(struct queue_story *s);

#endif
