/* alert_sample — the sample alert `vigie alerts test` sends through a receiver: an alert
 * message of the shape the router writes to `alerts:<channel>` (docs/design.md "Alert
 * messages"), kind "alert", about a made-up account with an accented name and one realistic
 * signal (a funding round, an amount, a person, a counterparty), its title starting with
 * ALERT_SAMPLE_TITLE_MARK so that no one takes it for news (words only: no character a
 * channel makes inert, such as Teams' brackets, so it reads the same everywhere). Fresh ids
 * every time, so that a channel's idempotency never swallows a second test. */
#ifndef VG_ALERT_SAMPLE_H
#define VG_ALERT_SAMPLE_H

#include <stdint.h>

struct alert_sample_owner {
    const char *email;     /* --owner-email, or NULL */
    const char *slack;     /* --owner-slack, or NULL */
    const char *timezone;  /* [alerts] timezone, or NULL ("UTC") */
};

#define ALERT_SAMPLE_TITLE_MARK "TEST ALERT from vigie —"

/* The message as JSON text (caller frees with vg_free), NULL when out of memory. channel and
 * target as the router would resolve them ("slack", "#ventes"; "teams", ""), now_ms the
 * creation time. */
char *alert_sample_message(const char *channel, const char *target, const char *receiver,
                           const struct alert_sample_owner *owner, int64_t now_ms);

#endif
