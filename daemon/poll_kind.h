/* poll_kind — what each source kind's requests carry under the loaded configuration: the
 * identity headers ([sources] user_agent, [sources] uk_company_key) and the budget shared by
 * every process ([sources] <kind>_rate, else the API's documented limit).
 *
 * Built once per configuration load (start and reload), so a poll's start reads a table
 * instead of walking the option table and formatting headers. */
#ifndef VIGIE_DAEMON_POLL_KIND_H
#define VIGIE_DAEMON_POLL_KIND_H

#include <stddef.h>

struct vg_config;
struct source_kind;
struct poll_kinds;

/* NULL when out of memory. */
struct poll_kinds *poll_kinds_new(const struct vg_config *c);
/* Frees it; the API key is wiped from memory first. NULL is fine. */
void poll_kinds_free(struct poll_kinds *pk);

/* Why a source of kind k cannot be polled under this configuration (an identity it needs is not
 * set), written to err; 0 when it can. Checked at each poll, not only at start: a source of
 * the kind may be added at any time. */
int poll_kinds_refuse(const struct poll_kinds *pk, const struct source_kind *k, char *err, size_t errlen);

/* The extra headers a request of kind k to url carries: up to 2, NULL-terminated in out.
 * Returns how many. They stay valid until pk is freed. */
size_t poll_kinds_headers(const struct poll_kinds *pk, const struct source_kind *k, const char *url,
                          const char *out[3]);

/* Kind k's shared budget: limit requests per window_ms, widened by the grant-to-request delay
 * (see poll_kind.c). Both 0: the kind has none. */
void poll_kinds_rate(const struct poll_kinds *pk, const struct source_kind *k, long long *limit,
                     long long *window_ms);

#endif
