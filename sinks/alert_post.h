/* alert_post — what the Teams and signed-webhook sinks share: an alert message of their
 * stream (`alerts:teams`, `alerts:webhook`, field `alert`, docs/design.md "Alert messages")
 * becomes one POST, at most once.
 *
 * Per batch: records that are not alert messages are dead-lettered; a message whose id comes
 * twice in the batch is sent once; the delivery marks `sent:<id>` are read and a message
 * already sent is acknowledged without a request (a redelivered entry, a second process's
 * takeover); the others are posted one after the other, through sink_http (so the rate
 * budget shapes them), and each 2xx writes its mark.
 *
 * Answers: 2xx OK; 408, 429, 5xx, a timeout or a broken connection RETRY (a Retry-After is
 * honoured) and the rest of the batch waits with it, not sent (the service is throttling or
 * down); 401, 403, 404 and 410 (the endpoint is gone), a redirect, or an address the
 * configuration does not allow pause the sink until a reload (the records wait, nothing is
 * dead-lettered); any other answer (400, 413...) dead-letters that message with what the
 * service said. */
#ifndef ALERT_POST_H
#define ALERT_POST_H

#include <stddef.h>

#include "sinks/sink.h"
#include "util/vg_buf.h"

#define ALERT_POST_HEADERS 4

/* One request, filled by the sink's build(). */
struct alert_req {
    struct vg_buf body;                          /* the JSON body */
    char *headers[ALERT_POST_HEADERS + 1];       /* extra "Name: value" lines (vg_free'd) */
};

struct alert_post_ops {
    const char *vendor;    /* "Teams", "the webhook endpoint": for reasons */
    const char *section;   /* "[sink.teams]": what to fix, for pauses */
    /* The URL every request goes to (owned by the sink). */
    const char *(*url)(void *state);
    /* Builds the request of a record (an alert message, doc an object with a valid id).
     * 0; -1 with why: the message is dead-lettered with it; -2 with why: a passing fault
     * of ours (memory), the message waits. */
    int (*build)(void *state, const struct sink_record *r, struct alert_req *out, char *why, size_t whylen);
};

/* Delivers the batch as said above, then calls sink_batch_done(b). */
void alert_post_deliver(struct sink_ctx *ctx, const struct alert_post_ops *ops, void *state, struct sink_batch *b);

/* Text from outside (a service's answer) as one line of valid UTF-8, at most max bytes, into
 * out (outlen > max): control characters become spaces, invalid bytes '?'. */
void alert_post_clean(const char *s, size_t len, size_t max, char *out, size_t outlen);

#endif
