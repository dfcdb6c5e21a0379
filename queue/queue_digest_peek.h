/* queue_digest_peek — an owner's pending digest as vigie_digest_take would write it now, read
 * without changing anything (the function vigie_digest_peek of queue/lua/alerts.lua): what
 * `vigie alerts preview --owner X --digest` renders. Blocking (CLI). */
#ifndef QUEUE_DIGEST_PEEK_H
#define QUEUE_DIGEST_PEEK_H

#include <stddef.h>

struct queue_sync;

struct queue_digest_peeked {
    long long due_ms;   /* when the digest is due; 0: none pending */
    char *message;      /* the `digest` message (JSON text); NULL when the digest holds nothing */
    char *meta;         /* the owner's digest facts (JSON: key, email, timezone, digest); NULL */
};

/* Period labels as the router gives them (period "", and empty times, when not known yet: the
 * due time and the owner's facts come back either way). 0, or -1 with err. */
int queue_digest_peek(struct queue_sync *q, const char *owner_key, long long now_ms, const char *period,
                      const char *period_start, const char *period_end, const char *created,
                      struct queue_digest_peeked *out, char *err, size_t errlen);
void queue_digest_peeked_clear(struct queue_digest_peeked *p);

#endif
