/* alert_json — the JSON the alerts router writes with a group or a digest (see
 * queue/lua/alerts.lua, which stores it, and the channels' renderers, which read it), and the
 * times it stamps them with. Every string returned is cJSON's (free with cJSON_free or
 * vg_free, as cJSON's hooks are vg's); NULL when out of memory. */
#ifndef VIGIE_SINKS_ALERT_JSON_H
#define VIGIE_SINKS_ALERT_JSON_H

#include <stdint.h>

struct alert_owner;
struct alert_receiver;
struct alert_target;
struct enrich_account;

/* ms as RFC 3339 in UTC ("2026-03-02T07:00:00Z"). */
void alert_time_utc(int64_t ms, char out[32]);
/* ms as RFC 3339 in zone, with the zone's offset then ("2026-03-02T08:00:00+01:00"; "Z" when
 * it is UTC, or when the zone cannot be read). */
void alert_time_local(const char *zone, int64_t ms, char out[32]);

/* {"key","name","email","slack","timezone"}: the owner as the messages name them. */
char *alert_owner_json(const struct alert_owner *o, const char *okey);
/* {"id","name","tier","owner","crm_id","domains"} (+ "console_url", "console_base" with a
 * console public URL). */
char *alert_account_json(const struct enrich_account *a, const char *console);
/* A group's meta: what the flush needs to write its messages. */
char *alert_group_meta_json(const struct alert_receiver *rcv, const char *route, const char *account_id,
                            const char *okey, long long emin, long long digest_due, const struct alert_target *t,
                            int nt);
/* An owner's digest meta: the address, zone and schedule the digest is taken with. */
char *alert_digest_meta_json(const struct alert_owner *o, const char *okey, const char *digest_spec);

#endif
