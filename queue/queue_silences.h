/* queue_silences — the alert silences in Redis (the hash `silences`, docs/design.md "Keys
 * (alerts)"), as `vigie alerts silence|silences|expire` write and read them. The alerts router
 * reads the same hash itself, from the event loop.
 *
 * A silence is kept after it ends: `expire` sets its end to now rather than deleting it, so
 * that `vigie alerts silences --all` shows what was silenced and by whom. Silences that ended
 * more than QUEUE_SILENCE_KEEP_MS ago are purged by queue_silences_purge (the commands run it
 * each time they read the hash). */
#ifndef QUEUE_SILENCES_H
#define QUEUE_SILENCES_H

#include <stddef.h>
#include <stdint.h>

struct queue_sync;

#define QUEUE_SILENCE_KEEP_MS (30LL * 86400 * 1000)

struct queue_silence {
    char id[9];                 /* 8 hex digits */
    char *account, *owner, *type; /* matchers; NULL when not given (at least one is) */
    int64_t starts_ms, ends_ms;
    char *comment, *created_by; /* NULL when not given */
};

/* Stores a new silence under a fresh id (written to s->id; an id already taken is drawn
 * again). 0, or -1 with err. */
int queue_silence_add(struct queue_sync *q, struct queue_silence *s, char *err, size_t errlen);

/* Every silence, sorted by end time (latest last); records that do not parse are skipped and
 * counted in *bad (may be NULL). The caller frees with queue_silences_free. 0 or -1. */
int queue_silences_list(struct queue_sync *q, struct queue_silence **out, size_t *n, size_t *bad, char *err,
                        size_t errlen);
void queue_silences_free(struct queue_silence *v, size_t n);

/* Ends silence `id` at now_ms (its end moved to now_ms, the record kept). 1 ended now, 2 it had
 * already ended (nothing changed; *ended_ms says when), 0 no such silence, -1 error. */
int queue_silence_expire(struct queue_sync *q, const char *id, int64_t now_ms, int64_t *ended_ms, char *err,
                         size_t errlen);

/* Deletes the silences that ended before now_ms - QUEUE_SILENCE_KEEP_MS. How many, or -1. */
long queue_silences_purge(struct queue_sync *q, int64_t now_ms, char *err, size_t errlen);

/* The record's JSON text (the stored form; caller frees with vg_free), NULL on OOM. */
char *queue_silence_json(const struct queue_silence *s);
/* Parses a stored record into s (strings owned by s: queue_silence_clear). 0, or -1 when the
 * text is not a silence (not JSON, no id, a time that is not RFC 3339). */
int queue_silence_parse(const char *json, size_t len, struct queue_silence *s);
void queue_silence_clear(struct queue_silence *s);

/* "2026-12-14T14:04:00Z" (UTC, seconds) into out (at least 21 bytes). */
void queue_silence_time(int64_t ms, char *out, size_t outlen);

#endif
