/* alert_noise — the alerts router's decisions that need no I/O: whose alert it is (the owner's
 * key), where each channel of a receiver sends it for this account, whether the owner's quiet
 * hours hold it back, whether an inhibition does, whether a silence covers it. Each takes the
 * time it decides at (now_ms, from vg_clock_ms) instead of reading a clock, so tests give it
 * any time they like. sinks/sink_alerts.c calls them; what they decide on comes from the
 * account record (owner_email, owner_slack, owner_timezone, owner_digest) and the routing
 * configuration (sinks/alert_config.h). */
#ifndef SINK_ALERT_NOISE_H
#define SINK_ALERT_NOISE_H

#include <stddef.h>
#include <stdint.h>

#include "sinks/alert_config.h"

/* An account's owner as the router sees it (pointers into the account record; NULL: absent). */
struct alert_owner {
    const char *name;      /* the account's `owner` (an e-mail or a name, as the CRM gives it) */
    const char *email;     /* owner_email */
    const char *slack;     /* owner_slack: a Slack user or channel id */
    const char *timezone;  /* owner_timezone, else [alerts] timezone */
    const char *digest;    /* owner_digest, else [alerts] digest */
};

/* The owner's key (caps, digests, silences): owner_email lower-cased, else `owner` as it is.
 * Its length, written to out (NUL-terminated), or -1 when the account has neither (or the key
 * does not fit). */
int alert_owner_key(const struct alert_owner *o, char *out, size_t outlen);

/* The e-mail address digests go to: owner_email, else `owner` when it is an address. NULL
 * when neither. */
const char *alert_owner_address(const struct alert_owner *o);

/* One place a group's message goes. target: "" for teams and webhook (and Slack through an
 * incoming webhook: its own channel), a Slack id or #name, or comma-separated addresses. */
struct alert_target {
    enum alert_channel channel;
    char *target;          /* owned (alert_targets_clear) */
};

/* How the [sink.slack] section posts, for resolving a Slack target. */
enum alert_slack_mode { ALERT_SLACK_NONE = 0, ALERT_SLACK_WEBHOOK, ALERT_SLACK_BOT };

/* The targets of receiver r for an account of owner o, in channel order, at most one per
 * channel. A target "owner" the account gives no address for is left out and counted in
 * *no_address. Returns how many were written to out (at most ALERT_N_CHANNELS), -1 when out
 * of memory. */
int alert_targets(const struct alert_receiver *r, const struct alert_owner *o, enum alert_slack_mode slack,
                  struct alert_target out[ALERT_N_CHANNELS], unsigned *no_address);
void alert_targets_clear(struct alert_target *t, size_t n);

/* Whether now_ms falls in the daily window [from_min, to_min) (minutes of the local day; the
 * window crosses midnight when from > to) in zone. 1 inside, 0 outside, -1 unknown zone. */
int alert_quiet(int from_min, int to_min, const char *zone, int64_t now_ms);

/* Whether `type` is one of the comma-separated `list` ("insolvency,bankruptcy"). */
int alert_type_listed(const char *list, const char *type);

/* An inhibition as kept in inhibit:<account>: "<priority>|<until ms>|<type>" of the alert
 * that set it (until: on the clock of decisions, vg_clock_ms). Whether it holds back, at
 * now_ms, a signal of this priority and type: one of a lower priority and of another type,
 * before until. A value that does not read holds back nothing. */
int alert_inhibited(const char *inhibition, int priority, const char *type, int64_t now_ms);

/* A silence (the hash `silences`: id -> {"id","account","owner","type","starts","ends",
 * "comment","created_by"}, times RFC 3339; account, owner and type may be null). */
struct alert_silence {
    char *id, *account, *owner, *type; /* owned; NULL: any */
    int64_t starts_ms, ends_ms;
};
/* 0, or -1 when the JSON is not a silence (no id, a time that does not read, no matcher at
 * all: a silence of everything is refused rather than honoured). */
int alert_silence_parse(const char *json, size_t len, struct alert_silence *out);
void alert_silence_clear(struct alert_silence *s);
/* Whether s covers a signal of `type` for account `account_id` whose owner is o (key okey)
 * at now_ms: every matcher given matches (owner: the key, owner or owner_email, any case) and
 * starts <= now < ends. */
int alert_silence_matches(const struct alert_silence *s, const char *account_id, const struct alert_owner *o,
                          const char *okey, const char *type, int64_t now_ms);

#endif
