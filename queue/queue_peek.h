/* queue_peek — what a consumer group would be handed next, read without touching the group
 * (no XREADGROUP, no pending entry): `vigie sinks preview` shows the requests a sink would
 * send for them, and changes nothing. Also the figures each sink process left in Redis for
 * `vigie status`. */
#ifndef QUEUE_PEEK_H
#define QUEUE_PEEK_H

#include <stddef.h>

struct queue_sync;

struct queue_peeked {
    char *stream, *id, *field, *payload;
    size_t len;
};

/* Up to `limit` entries of `stream` (key suffix) after the group's last delivered id (from the
 * start when the group does not exist yet), oldest first, appended to *v / *n. 0 or -1. */
int queue_peek_undelivered(struct queue_sync *q, const char *stream, const char *group, size_t limit,
                           struct queue_peeked **v, size_t *n, char *err, size_t errlen);
void queue_peeked_free(struct queue_peeked *v, size_t n);

struct queue_sink_figures {
    char *name;      /* "<sink>:<instance>" */
    char *json;      /* the figures as the sink wrote them */
};
/* Every sink process's figures (marks under QUEUE_MARKS_SINK_STATUS), sorted by name. */
int queue_sink_figures(struct queue_sync *q, struct queue_sink_figures **v, size_t *n, char *err, size_t errlen);
void queue_sink_figures_free(struct queue_sink_figures *v, size_t n);

#endif
