/* alert_config — the alert routing tree and its receivers, as the [alerts], [route.NAME] and
 * [receiver.NAME] sections of the configuration describe them, and the route match.
 *
 * The tree is Alertmanager's, written flat: routes are tried in the order of the file; a route
 * with `parent = NAME` is a child of that route and is tried only when its parent matched.
 * Among siblings the first route that matches wins, unless it says `continue = yes` (then the
 * next siblings are tried too). A matching route with matching children sends to the
 * receivers of the children that matched; one whose children all fail sends to its own
 * receiver. When no top-level route matches, `[alerts] receiver` (the default route) gets the
 * signal. A route without receiver inherits its parent's (the default route's at top level).
 *
 * Matchers (all given ones must match; a list matches when any of its values does):
 *   owner    = addresses or names, comma-separated (the account's `owner`, or `owner_email`)
 *   tier     = key,candidate,standard
 *   type     = signal types
 *   priority = N (at least N) or N-M (between, inclusive)
 *   lang     = fr,en
 *
 * A receiver is a set of channels:
 *   slack   = owner | #channel-name | C0123ABC (channel id) | U0123ABC (user id)
 *             ("owner": the account's owner_slack; with [sink.slack] webhook_url, the webhook's
 *             own channel whatever is given here)
 *   teams   = yes          (the workflow URL of [sink.teams])
 *   webhook = yes          (the endpoint of [sink.webhook])
 *   email   = owner | a@x.com,b@y.com   ("owner": the account's owner_email, else its owner
 *             when that is an address)
 *   email_min_priority = N   an alert at or above N is e-mailed at once; every other one goes
 *             to the owner's digest only (default: [alerts] email_min_priority)
 *   digest  = yes | no     whether what this receiver folds (caps, quiet hours, inhibition,
 *             updates a channel cannot show) goes to the owners' e-mail digests (default yes)
 * A target "owner" whose account gives no such address sends nothing on that channel (the
 * figures count it as "no address"). */
#ifndef SINK_ALERT_CONFIG_H
#define SINK_ALERT_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "util/vg_option.h"

struct enrich_account;

enum alert_channel { ALERT_SLACK = 0, ALERT_TEAMS, ALERT_WEBHOOK, ALERT_EMAIL, ALERT_N_CHANNELS };

/* "slack", "teams", "webhook", "email"; also the stream "alerts:<name>" each reads. */
const char *alert_channel_name(enum alert_channel ch);

struct alert_receiver {
    char *name;
    int line;                         /* the line of its section header */
    int target_line[ALERT_N_CHANNELS]; /* the line of each channel's key (0: not given) */
    int email_min_priority_line, digest_line;
    /* Per channel the target as written ("owner", "#sales", "a@x.com,b@y.com", "yes"), or
     * NULL when the receiver does not use the channel. */
    char *target[ALERT_N_CHANNELS];
    long long email_min_priority;     /* -1: [alerts] email_min_priority */
    int digest;                       /* 1 yes (default), 0 no */
};

/* The keys of a [route.NAME] section, in the order of alert_route.key_line. */
enum alert_route_key {
    ALERT_RK_OWNER = 0, ALERT_RK_TIER, ALERT_RK_TYPE, ALERT_RK_PRIORITY, ALERT_RK_LANG,
    ALERT_RK_RECEIVER, ALERT_RK_CONTINUE, ALERT_RK_PARENT, ALERT_ROUTE_N_KEYS
};

struct alert_route {
    char *name;
    int line;                         /* the line of its section header */
    int parent;                       /* index into routes, -1 at top level */
    char **owner; size_t n_owner;     /* matchers, NULL/0 when not given */
    char **tier; size_t n_tier;
    char **type; size_t n_type;
    char **lang; size_t n_lang;
    int prio_min, prio_max;           /* 0..100 when not given */
    char *receiver;                   /* NULL: inherited */
    int cont;                         /* continue = yes */
    char *parent_name;                /* as written (NULL: top level): for check's messages */
    int key_line[ALERT_ROUTE_N_KEYS]; /* the line of each key (0: not given) */
};

/* The [alerts] section (the alerts router's own options, read through sinks/sink_alerts.c's
 * option table) holds this struct; the [route.*] and [receiver.*] sections fill its lists. */
struct alert_config {
    /* [alerts] options (offsets in the router's vg_option table) */
    char *receiver;                   /* the default route's receiver; NULL: none */
    long long group_wait_ms;          /* grouping window per (receiver, account); default 30s */
    long long cap_per_hour;           /* alert messages per owner per rolling hour; 0: no cap */
    char *quiet_hours;                /* "20:00-08:00" in the owner's zone, or NULL */
    long long quiet_below;            /* priority under which quiet hours apply; default 70 */
    char *timezone;                   /* default zone of owners without owner_timezone: "UTC" */
    char *inhibit_types;              /* "insolvency": types that hold back lesser alerts */
    long long inhibit_for_ms;         /* how long, default 7d */
    char *digest;                     /* "daily 08:00" | "weekly mon 08:00" | "no" */
    long long email_min_priority;     /* default 80 */

    /* [route.NAME] and [receiver.NAME], in the order of the file */
    struct alert_route *routes; size_t n_routes;
    struct alert_receiver *receivers; size_t n_receivers;
};

/* One key of a [route.NAME] or [receiver.NAME] section (the configuration loader hands them
 * over as it reads them; `line` is the key's line). Sections are created at their first key;
 * a key given twice in a section is an error. 0, or -1 with the reason in why.
 * key NULL announces the section at its header's `line` (the loader does, so that messages
 * name the header): the same section announced twice is an error (both lines named). */
int alert_config_entry(struct alert_config *c, const char *section, const char *key, const char *value,
                       int line, char *why, size_t whylen);
/* Once the file is read: every receiver a route names exists, every parent exists and comes
 * before its child (no loop), [alerts] receiver exists, every target parses (a channel name,
 * ids, addresses), quiet_hours, timezone (a zone of the system's tz database) and digest
 * parse. 0, or -1 with "line N: ..." (the offending key's or section's line) in err. */
int alert_config_check(const struct alert_config *c, char *err, size_t errlen);
/* Frees the route and receiver lists (the [alerts] options are the option table's). */
void alert_config_clear(struct alert_config *c);
/* 1 when the routes or receivers of a and b differ (a reload then restarts the router). */
int alert_config_differs(const struct alert_config *a, const struct alert_config *b);

/* [alerts] options that alert_config_check refuses name the key instead of a line
 * ("key 'timezone': ..."): the loader, which knows where the key is, puts the line. */

/* The [alerts] section's option table, offsets into struct alert_config. */
extern const struct vg_option alert_options[];

/* Adapters for the alerts router's struct sink_type (sinks/sink.h): its check, section_entry,
 * config_clear, config_differs and config_print hooks, and its example (the routing tree of
 * `check-config --example`, commented out with ';'). */
int alert_sink_check(const void *config, char *err, size_t errlen);
int alert_sink_section_entry(void *config, const char *section, const char *key, const char *value, int line,
                             char *why, size_t whylen);
void alert_sink_config_clear(void *config);
int alert_sink_config_differs(const void *a, const void *b);
void alert_sink_config_print(FILE *out, const void *config);
extern const char *const alert_more_sections[];  /* "route.", "receiver.", NULL */
extern const char alert_config_example[];

/* The grammars of the values above, for the router too. */
/* A zone of the system's tz database ($TZDIR or /usr/share/zoneinfo): 0, or -1 with why. */
int alert_timezone_check(const char *zone, char *why, size_t whylen);

const struct alert_receiver *alert_receiver_find(const struct alert_config *c, const char *name);

/* What the router needs of a signal to route it. */
struct alert_subject {
    const char *owner;        /* the account's owner, or NULL */
    const char *owner_email;  /* the account's owner_email, or NULL */
    const char *tier;         /* "key", "candidate", "standard" */
    const char *type;         /* the signal's type */
    int priority;             /* 0-100 */
    const char *lang;         /* or NULL */
};

/* The receivers a signal goes to, without duplicates, in the order the tree gives them: up to
 * max written to out (indexes into c->receivers). Returns how many (0: nowhere). Also the
 * names of the routes that decided (route_out[i] for out[i]: a route's name, or "default"). */
size_t alert_route_match(const struct alert_config *c, const struct alert_subject *s, size_t *out,
                         const char **route_out, size_t max);

#endif
