/* alert_config — the routing tree and receivers of the alerts router: reading the [route.NAME]
 * and [receiver.NAME] sections, checking the whole, matching a signal (see alert_config.h),
 * and the [alerts] section's option table. */
#include "sinks/alert_config.h"
#include "enrich/account.h"
#include "util/vg_alloc.h"
#include "util/vg_tz.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the [alerts] options -------------------------------------------------------------- */

#define F(field) offsetof(struct alert_config, field)
#define SEC(x) ((long long)(x) * 1000)
const struct vg_option alert_options[] = {
    {"alerts", "receiver", VG_OPT_STRING, "", 0, 0, F(receiver), NULL, 0,
     "the receiver of the default route: it gets every signal no [route.NAME] matches (empty: such signals "
     "are not alerted)"},
    {"alerts", "group_wait", VG_OPT_DURATION, "30s", 0, SEC(86400), F(group_wait_ms), NULL, 0,
     "signals for one account and receiver arriving within this time after the first go out as one message"},
    {"alerts", "cap_per_hour", VG_OPT_INT, "10", 0, 100000, F(cap_per_hour), NULL, 0,
     "alert messages per owner in any hour at most; the others go to the owner's digest (0: no cap)"},
    {"alerts", "quiet_hours", VG_OPT_STRING, "", 0, 0, F(quiet_hours), NULL, 0,
     "HH:MM-HH:MM in the owner's time zone (20:00-08:00 spans midnight): alerts below quiet_below wait for "
     "the digest then (empty: no quiet hours)"},
    {"alerts", "quiet_below", VG_OPT_INT, "70", 0, 100, F(quiet_below), NULL, 0,
     "priority under which quiet hours hold an alert back; at or above it an alert goes out at any hour"},
    {"alerts", "timezone", VG_OPT_STRING, "UTC", 0, 0, F(timezone), NULL, 0,
     "time zone of the owners whose account gives no owner_timezone, a name of the system's tz database "
     "(Europe/Paris)"},
    {"alerts", "inhibit_types", VG_OPT_STRING, "insolvency", 0, 0, F(inhibit_types), NULL, 0,
     "signal types (comma-separated) whose alert holds back the account's lesser alerts of other types for "
     "inhibit_for; they go to the digest (empty: none)"},
    {"alerts", "inhibit_for", VG_OPT_DURATION, "7d", 0, SEC(90 * 86400), F(inhibit_for_ms), NULL, 0,
     "how long an inhibit_types alert holds back the account's lesser alerts"},
    {"alerts", "digest", VG_OPT_STRING, "daily 08:00", 0, 0, F(digest), NULL, 0,
     "when owners get their e-mail digest of what was folded, in their time zone: daily HH:MM, "
     "weekly DAY HH:MM (DAY mon to sun) or no; an account's owner_digest overrides it"},
    {"alerts", "email_min_priority", VG_OPT_INT, "80", 0, 100, F(email_min_priority), NULL, 0,
     "an alert at or above this priority is e-mailed at once to a receiver's email target; the others "
     "only go to the digest (a receiver's own email_min_priority overrides it)"},
    {NULL, NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL},
};
#undef F

const char *const alert_more_sections[] = {"route.", "receiver.", NULL};

static const char *const channel_names[ALERT_N_CHANNELS] = {"slack", "teams", "webhook", "email"};

const char *alert_channel_name(enum alert_channel ch)
{
    return (unsigned)ch < ALERT_N_CHANNELS ? channel_names[ch] : "?";
}

static const char *const route_keys[ALERT_ROUTE_N_KEYS] = {"owner", "tier", "type", "priority",
                                                           "lang", "receiver", "continue", "parent"};

/* ---- reading ------------------------------------------------------------------------------ */

static int fail(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return -1;
}

static int valid_name(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len > 64)
        return 0;
    for (; *n; n++)
        if (!isalnum((unsigned char)*n) && *n != '_' && *n != '-')
            return 0;
    return 1;
}

/* A value holds no control character (a route's values end up in logs and messages). */
static int plain(const char *v)
{
    for (; *v; v++)
        if ((unsigned char)*v < 0x20 || *v == 0x7f)
            return 0;
    return 1;
}

static int parse_bool(const char *v, int *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return *out = 1, 0;
        if (strcasecmp(v, no[i]) == 0)
            return *out = 0, 0;
    }
    return -1;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        vg_free(v[i]);
    vg_free(v);
}

/* "a, b,c" into a list of trimmed, non-empty values. */
static int parse_list(const char *v, char ***out, size_t *n, char *why, size_t whylen)
{
    char **list = NULL;
    size_t k = 0;
    const char *p = v;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *s = p;
        while (len && isspace((unsigned char)*s))
            s++, len--;
        while (len && isspace((unsigned char)s[len - 1]))
            len--;
        char **nl = len ? vg_realloc(list, (k + 1) * sizeof(*nl)) : NULL;
        if (!len || !nl || !(nl[k] = vg_strndup(s, len))) {
            if (nl)
                list = nl;
            free_list(list, k);
            return fail(why, whylen, len ? "out of memory" : "'%.80s' holds an empty value (a list is a,b,c)", v);
        }
        list = nl;
        k++;
        if (!end)
            break;
        p = end + 1;
    }
    *out = list;
    *n = k;
    return 0;
}

static int find_route(const struct alert_config *c, const char *name)
{
    for (size_t i = 0; i < c->n_routes; i++)
        if (strcmp(c->routes[i].name, name) == 0)
            return (int)i;
    return -1;
}

const struct alert_receiver *alert_receiver_find(const struct alert_config *c, const char *name)
{
    for (size_t i = 0; name && i < c->n_receivers; i++)
        if (strcmp(c->receivers[i].name, name) == 0)
            return &c->receivers[i];
    return NULL;
}

/* "N" (at least N) or "N-M". Ranges are the check's; here only the syntax. */
static int parse_priority(const char *v, int *lo, int *hi)
{
    char *end;
    if (!isdigit((unsigned char)*v))
        return -1;
    long a = strtol(v, &end, 10), b = 100;
    if (*end == '-') {
        if (!isdigit((unsigned char)end[1]))
            return -1;
        b = strtol(end + 1, &end, 10);
    }
    if (*end || a > 1000 || b > 1000)
        return -1;
    *lo = (int)a;
    *hi = (int)b;
    return 0;
}

static int route_entry(struct alert_config *c, struct alert_route *r, const char *key, const char *v, int line,
                       char *why, size_t whylen)
{
    int k = -1;
    for (int i = 0; i < ALERT_ROUTE_N_KEYS; i++)
        if (strcmp(key, route_keys[i]) == 0)
            k = i;
    if (k < 0)
        return fail(why, whylen, "unknown key '%s' in section [route.%s] (known: owner, tier, type, priority, "
                    "lang, receiver, continue, parent)", key, r->name);
    if (r->key_line[k])
        return fail(why, whylen, "key 'route.%s.%s' is set twice, on line %d and line %d: keep one", r->name, key,
                    r->key_line[k], line);
    if (!v[0])
        return fail(why, whylen, "key 'route.%s.%s' has no value", r->name, key);
    r->key_line[k] = line;
    switch (k) {
    case ALERT_RK_OWNER: return parse_list(v, &r->owner, &r->n_owner, why, whylen);
    case ALERT_RK_TYPE: return parse_list(v, &r->type, &r->n_type, why, whylen);
    case ALERT_RK_LANG: return parse_list(v, &r->lang, &r->n_lang, why, whylen);
    case ALERT_RK_TIER:
        if (parse_list(v, &r->tier, &r->n_tier, why, whylen) < 0)
            return -1;
        for (size_t i = 0; i < r->n_tier; i++)
            if (strcasecmp(r->tier[i], "key") && strcasecmp(r->tier[i], "candidate") &&
                strcasecmp(r->tier[i], "standard"))
                return fail(why, whylen, "key 'route.%s.tier': '%.40s' is not key, candidate or standard", r->name,
                            r->tier[i]);
        return 0;
    case ALERT_RK_PRIORITY:
        if (parse_priority(v, &r->prio_min, &r->prio_max) < 0)
            return fail(why, whylen, "key 'route.%s.priority': '%.40s' is not N (at least N) or N-M (from N to M), "
                        "priorities 0 to 100", r->name, v);
        return 0;
    case ALERT_RK_CONTINUE:
        if (parse_bool(v, &r->cont) < 0)
            return fail(why, whylen, "key 'route.%s.continue': '%.40s' is not yes or no", r->name, v);
        return 0;
    case ALERT_RK_RECEIVER:
        if (!valid_name(v))
            return fail(why, whylen, "key 'route.%s.receiver': '%.40s' is not a receiver name ([A-Za-z0-9_-])",
                        r->name, v);
        return (r->receiver = vg_strdup(v)) ? 0 : fail(why, whylen, "out of memory");
    case ALERT_RK_PARENT:
        if (!valid_name(v))
            return fail(why, whylen, "key 'route.%s.parent': '%.40s' is not a route name ([A-Za-z0-9_-])", r->name,
                        v);
        /* Only a route read before can be the parent; check names the others. */
        r->parent = find_route(c, v);
        if (r->parent == (int)(r - c->routes))
            r->parent = -1;
        return (r->parent_name = vg_strdup(v)) ? 0 : fail(why, whylen, "out of memory");
    }
    return 0;
}

static int receiver_entry(struct alert_receiver *r, const char *key, const char *v, int line, char *why,
                          size_t whylen)
{
    int *seen = NULL;
    int ch = -1;
    for (int i = 0; i < ALERT_N_CHANNELS; i++)
        if (strcmp(key, channel_names[i]) == 0)
            ch = i, seen = &r->target_line[i];
    if (strcmp(key, "email_min_priority") == 0)
        seen = &r->email_min_priority_line;
    else if (strcmp(key, "digest") == 0)
        seen = &r->digest_line;
    if (!seen)
        return fail(why, whylen, "unknown key '%s' in section [receiver.%s] (known: slack, teams, webhook, email, "
                    "email_min_priority, digest)", key, r->name);
    if (*seen)
        return fail(why, whylen, "key 'receiver.%s.%s' is set twice, on line %d and line %d: keep one", r->name,
                    key, *seen, line);
    *seen = line;
    if (ch >= 0) /* targets are check's: it names their line */
        return (r->target[ch] = vg_strdup(v)) ? 0 : fail(why, whylen, "out of memory");
    if (seen == &r->digest_line) {
        if (parse_bool(v, &r->digest) < 0)
            return fail(why, whylen, "key 'receiver.%s.digest': '%.40s' is not yes or no", r->name, v);
        return 0;
    }
    char *end;
    long n = strtol(v, &end, 10);
    if (!isdigit((unsigned char)v[0]) || *end || n > 100)
        return fail(why, whylen, "key 'receiver.%s.email_min_priority': '%.40s' is not a priority from 0 to 100",
                    r->name, v);
    r->email_min_priority = n;
    return 0;
}

int alert_config_entry(struct alert_config *c, const char *section, const char *key, const char *value,
                       int line, char *why, size_t whylen)
{
    int is_route = strncmp(section, "route.", 6) == 0;
    if (!is_route && strncmp(section, "receiver.", 9) != 0)
        return fail(why, whylen, "section [%.80s] is not [route.NAME] or [receiver.NAME]", section);
    const char *name = section + (is_route ? 6 : 9);
    if (key && !plain(value)) /* a CR could add a header to an e-mail, and messages would show it raw */
        return fail(why, whylen, "key '%.80s.%.40s' holds a control character", section, key);
    if (!valid_name(name))
        return fail(why, whylen, "section [%.80s]: a %s name is 1 to 64 letters, digits, '_' or '-'", section,
                    is_route ? "route" : "receiver");
    if (is_route) {
        int i = find_route(c, name);
        if (i >= 0 && !key)
            return fail(why, whylen, "section [%s] is given twice, on line %d and line %d: keep one", section,
                        c->routes[i].line, line);
        if (i < 0) {
            struct alert_route *v = vg_realloc(c->routes, (c->n_routes + 1) * sizeof(*v));
            if (!v)
                return fail(why, whylen, "out of memory");
            c->routes = v;
            struct alert_route *r = memset(&v[c->n_routes], 0, sizeof(*r));
            if (!(r->name = vg_strdup(name)))
                return fail(why, whylen, "out of memory");
            c->n_routes++;
            r->line = line;
            r->parent = -1;
            r->prio_min = 0;
            r->prio_max = 100;
            i = (int)c->n_routes - 1;
        }
        return key ? route_entry(c, &c->routes[i], key, value, line, why, whylen) : 0;
    }
    struct alert_receiver *r = (struct alert_receiver *)alert_receiver_find(c, name);
    if (r && !key)
        return fail(why, whylen, "section [%s] is given twice, on line %d and line %d: keep one", section, r->line,
                    line);
    if (!r) {
        struct alert_receiver *v = vg_realloc(c->receivers, (c->n_receivers + 1) * sizeof(*v));
        if (!v)
            return fail(why, whylen, "out of memory");
        c->receivers = v;
        r = memset(&v[c->n_receivers], 0, sizeof(*r));
        if (!(r->name = vg_strdup(name)))
            return fail(why, whylen, "out of memory");
        c->n_receivers++;
        r->line = line;
        r->email_min_priority = -1;
        r->digest = 1;
    }
    return key ? receiver_entry(r, key, value, line, why, whylen) : 0;
}

/* ---- checking ------------------------------------------------------------------------------ */

int alert_timezone_check(const char *zone, char *why, size_t whylen)
{
    if (enrich_timezone_check(zone, why, whylen) < 0)
        return -1;
    if (!vg_tz_valid(zone))
        return fail(why, whylen, "'%s' is not a time zone of the tz database: Europe/Paris, America/New_York, UTC",
                    zone);
    return 0;
}

/* A Slack channel name as written with its '#': lower-case letters, digits, '-', '_', '.'. */
static int slack_channel_name(const char *v)
{
    size_t n = strlen(v);
    if (v[0] != '#' || n < 2 || n > 81)
        return 0;
    for (const char *p = v + 1; *p; p++)
        if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && !strchr("-_.", *p))
            return 0;
    return 1;
}

static int check_target(enum alert_channel ch, const char *v, char *why, size_t whylen)
{
    switch (ch) {
    case ALERT_SLACK:
        if (strcmp(v, "owner") == 0 || slack_channel_name(v))
            return 0;
        if (enrich_slack_id_check(v, why, whylen) == 0)
            return 0;
        return fail(why, whylen, "'%.80s' is not a Slack target: owner (the account's owner_slack), #channel-name, "
                    "or a channel or user id (C0123ABC, U0123ABC)", v);
    case ALERT_TEAMS:
    case ALERT_WEBHOOK:
        if (strcmp(v, "yes") == 0)
            return 0;
        return fail(why, whylen, "'%.80s': %s takes only yes (the address is [sink.%s]'s)", v,
                    alert_channel_name(ch), alert_channel_name(ch));
    case ALERT_EMAIL: {
        if (strcmp(v, "owner") == 0)
            return 0;
        char **list = NULL;
        size_t n = 0;
        if (parse_list(v, &list, &n, why, whylen) < 0)
            return -1;
        int rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++)
            if (strcmp(list[i], "owner") == 0)
                rc = fail(why, whylen, "owner stands alone: email = owner, or a list of addresses");
            else
                rc = enrich_email_check(list[i], why, whylen);
        free_list(list, n);
        return rc;
    }
    default: return 0;
    }
}

/* The first error by line wins: the one a reader of the file meets first. */
struct first {
    int line;
    char msg[400];
    char *err;
    size_t errlen;
};

static void found(struct first *f, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void found(struct first *f, int line, const char *fmt, ...)
{
    if (f->line && f->line <= line)
        return;
    f->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
    va_end(ap);
}

static void check_route(const struct alert_config *c, size_t i, struct first *f)
{
    const struct alert_route *r = &c->routes[i];
    if (r->parent_name && r->parent < 0) {
        int j = find_route(c, r->parent_name);
        int pl = r->key_line[ALERT_RK_PARENT];
        if (j == (int)i)
            found(f, pl, "route '%s' is its own parent: a loop", r->name);
        else if (j > (int)i)
            found(f, pl, "route '%s': its parent '%s' (line %d) comes after it; a parent must come before its "
                  "children, which also keeps the tree free of loops", r->name, r->parent_name, c->routes[j].line);
        else
            found(f, pl, "route '%s': no route '%s' for a parent (no [route.%s] section)", r->name, r->parent_name,
                  r->parent_name);
    }
    if (r->receiver && !alert_receiver_find(c, r->receiver))
        found(f, r->key_line[ALERT_RK_RECEIVER], "route '%s': no receiver '%s' (no [receiver.%s] section)", r->name,
              r->receiver, r->receiver);
    if (r->prio_min < 0 || r->prio_max > 100 || r->prio_min > r->prio_max)
        found(f, r->key_line[ALERT_RK_PRIORITY] ? r->key_line[ALERT_RK_PRIORITY] : r->line,
              "route '%s': priority %d-%d is not a range within 0 to 100 (N, or N-M with N at most M)", r->name,
              r->prio_min, r->prio_max);
}

static void check_receiver(const struct alert_receiver *r, struct first *f)
{
    int any = 0;
    for (int ch = 0; ch < ALERT_N_CHANNELS; ch++) {
        if (!r->target[ch])
            continue;
        any = 1;
        char why[300];
        if (check_target((enum alert_channel)ch, r->target[ch], why, sizeof(why)) < 0)
            found(f, r->target_line[ch] ? r->target_line[ch] : r->line, "receiver '%s': %s = %s", r->name,
                  alert_channel_name((enum alert_channel)ch), why);
    }
    if (!any)
        found(f, r->line, "receiver '%s' has no channel: give it slack, teams, webhook or email", r->name);
    if (r->email_min_priority > 100)
        found(f, r->email_min_priority_line ? r->email_min_priority_line : r->line,
              "receiver '%s': email_min_priority %lld is not a priority from 0 to 100", r->name, r->email_min_priority);
}

int alert_config_check(const struct alert_config *c, char *err, size_t errlen)
{
    struct first f = {0};
    for (size_t i = 0; i < c->n_routes; i++)
        check_route(c, i, &f);
    for (size_t i = 0; i < c->n_receivers; i++)
        check_receiver(&c->receivers[i], &f);
    if (f.line) {
        snprintf(err, errlen, "line %d: %s", f.line, f.msg);
        return -1;
    }
    /* The [alerts] options: the loader knows their lines. */
    char why[300];
    int a, b;
    struct vg_slot slot;
    if (c->receiver && c->receiver[0] && !alert_receiver_find(c, c->receiver))
        return fail(err, errlen, "key 'receiver': no receiver '%.64s' (no [receiver.%.64s] section)", c->receiver,
                    c->receiver);
    if (c->quiet_hours && c->quiet_hours[0] && vg_tz_window_parse(c->quiet_hours, &a, &b, why, sizeof(why)) < 0)
        return fail(err, errlen, "key 'quiet_hours': %s", why);
    if (c->timezone && alert_timezone_check(c->timezone, why, sizeof(why)) < 0)
        return fail(err, errlen, "key 'timezone': %s", why);
    if (c->digest && vg_slot_parse(c->digest, &slot, why, sizeof(why)) < 0)
        return fail(err, errlen, "key 'digest': %s", why);
    if (c->inhibit_types && c->inhibit_types[0]) {
        char **list = NULL;
        size_t n = 0;
        if (parse_list(c->inhibit_types, &list, &n, why, sizeof(why)) < 0)
            return fail(err, errlen, "key 'inhibit_types': %s", why);
        free_list(list, n);
    }
    return 0;
}

/* ---- the rest of the life of a config ---------------------------------------------------- */

void alert_config_clear(struct alert_config *c)
{
    for (size_t i = 0; i < c->n_routes; i++) {
        struct alert_route *r = &c->routes[i];
        free_list(r->owner, r->n_owner);
        free_list(r->tier, r->n_tier);
        free_list(r->type, r->n_type);
        free_list(r->lang, r->n_lang);
        vg_free(r->receiver);
        vg_free(r->parent_name);
        vg_free(r->name);
    }
    for (size_t i = 0; i < c->n_receivers; i++) {
        for (int ch = 0; ch < ALERT_N_CHANNELS; ch++)
            vg_free(c->receivers[i].target[ch]);
        vg_free(c->receivers[i].name);
    }
    vg_free(c->routes);
    vg_free(c->receivers);
    c->routes = NULL;
    c->receivers = NULL;
    c->n_routes = c->n_receivers = 0;
}

static int str_differs(const char *a, const char *b)
{
    return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
}

static int list_differs(char **a, size_t na, char **b, size_t nb)
{
    if (na != nb)
        return 1;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i], b[i]) != 0)
            return 1;
    return 0;
}

int alert_config_differs(const struct alert_config *a, const struct alert_config *b)
{
    if (a->n_routes != b->n_routes || a->n_receivers != b->n_receivers)
        return 1;
    for (size_t i = 0; i < a->n_routes; i++) {
        const struct alert_route *x = &a->routes[i], *y = &b->routes[i];
        if (strcmp(x->name, y->name) || x->parent != y->parent || str_differs(x->parent_name, y->parent_name) ||
            list_differs(x->owner, x->n_owner, y->owner, y->n_owner) ||
            list_differs(x->tier, x->n_tier, y->tier, y->n_tier) ||
            list_differs(x->type, x->n_type, y->type, y->n_type) ||
            list_differs(x->lang, x->n_lang, y->lang, y->n_lang) || x->prio_min != y->prio_min ||
            x->prio_max != y->prio_max || str_differs(x->receiver, y->receiver) || x->cont != y->cont)
            return 1;
    }
    for (size_t i = 0; i < a->n_receivers; i++) {
        const struct alert_receiver *x = &a->receivers[i], *y = &b->receivers[i];
        if (strcmp(x->name, y->name) || x->email_min_priority != y->email_min_priority || x->digest != y->digest)
            return 1;
        for (int ch = 0; ch < ALERT_N_CHANNELS; ch++)
            if (str_differs(x->target[ch], y->target[ch]))
                return 1;
    }
    return 0;
}

/* ---- matching -------------------------------------------------------------------------- */

static int in_list(char **list, size_t n, const char *v)
{
    for (size_t i = 0; v && i < n; i++)
        if (strcasecmp(list[i], v) == 0)
            return 1;
    return 0;
}

static int route_matches(const struct alert_route *r, const struct alert_subject *s)
{
    if (r->n_owner && !in_list(r->owner, r->n_owner, s->owner) && !in_list(r->owner, r->n_owner, s->owner_email))
        return 0;
    if (r->n_tier && !in_list(r->tier, r->n_tier, s->tier))
        return 0;
    if (r->n_type && !in_list(r->type, r->n_type, s->type))
        return 0;
    if (r->n_lang && !in_list(r->lang, r->n_lang, s->lang))
        return 0;
    return s->priority >= r->prio_min && s->priority <= r->prio_max;
}

struct match {
    const struct alert_config *c;
    const struct alert_subject *s;
    size_t *out;
    const char **route_out;
    size_t max, n;
};

/* Adds the receiver called `name` (NULL or unknown: nowhere) unless already there. */
static void emit(struct match *m, const char *name, const char *route)
{
    const struct alert_receiver *r = name && name[0] ? alert_receiver_find(m->c, name) : NULL;
    if (!r)
        return;
    size_t idx = (size_t)(r - m->c->receivers);
    for (size_t i = 0; i < m->n; i++)
        if (m->out[i] == idx)
            return;
    if (m->n < m->max) {
        m->out[m->n] = idx;
        if (m->route_out)
            m->route_out[m->n] = route;
        m->n++;
    }
}

/* A route's receiver, or the nearest ancestor's, or the default route's. */
static const char *receiver_of(const struct alert_config *c, int i)
{
    for (; i >= 0; i = c->routes[i].parent)
        if (c->routes[i].receiver)
            return c->routes[i].receiver;
    return c->receiver;
}

/* The children of `parent` (-1: the top level) in the order of the file: the first that
 * matches wins unless it says continue. 1 when one matched. */
static int match_level(struct match *m, int parent)
{
    int matched = 0;
    for (size_t i = 0; i < m->c->n_routes; i++) {
        const struct alert_route *r = &m->c->routes[i];
        if (r->parent != parent || (parent < 0 && r->parent_name) || !route_matches(r, m->s))
            continue;
        matched = 1;
        if (!match_level(m, (int)i))
            emit(m, receiver_of(m->c, (int)i), r->name);
        if (!r->cont)
            break;
    }
    return matched;
}

size_t alert_route_match(const struct alert_config *c, const struct alert_subject *s, size_t *out,
                         const char **route_out, size_t max)
{
    struct match m = {c, s, out, route_out, max, 0};
    if (!match_level(&m, -1))
        emit(&m, c->receiver, "default");
    return m.n;
}

/* ---- the hooks of the router's sink type ---------------------------------------------------- */

int alert_sink_check(const void *config, char *err, size_t errlen)
{
    return alert_config_check(config, err, errlen);
}

int alert_sink_section_entry(void *config, const char *section, const char *key, const char *value, int line,
                             char *why, size_t whylen)
{
    return alert_config_entry(config, section, key, value, line, why, whylen);
}

void alert_sink_config_clear(void *config)
{
    alert_config_clear(config);
}

int alert_sink_config_differs(const void *a, const void *b)
{
    return alert_config_differs(a, b);
}

static void print_list(FILE *out, const char *key, char **v, size_t n)
{
    if (!n)
        return;
    fprintf(out, "%s = ", key);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s%s", i ? "," : "", v[i]);
    fputc('\n', out);
}

void alert_sink_config_print(FILE *out, const void *config)
{
    const struct alert_config *c = config;
    for (size_t i = 0; i < c->n_routes; i++) {
        const struct alert_route *r = &c->routes[i];
        fprintf(out, "\n[route.%s]\n", r->name);
        if (r->parent_name)
            fprintf(out, "parent = %s\n", r->parent_name);
        print_list(out, "owner", r->owner, r->n_owner);
        print_list(out, "tier", r->tier, r->n_tier);
        print_list(out, "type", r->type, r->n_type);
        if (r->key_line[ALERT_RK_PRIORITY])
            fprintf(out, "priority = %d-%d\n", r->prio_min, r->prio_max);
        print_list(out, "lang", r->lang, r->n_lang);
        /* What is not written shows as a comment, so that the listing still loads as a file. */
        const char *rcv = receiver_of(c, (int)i);
        if (r->receiver)
            fprintf(out, "receiver = %s\n", r->receiver);
        else
            fprintf(out, "# receiver = %s (inherited)\n", rcv && rcv[0] ? rcv : "none: not alerted");
        fprintf(out, "continue = %s\n", r->cont ? "yes" : "no");
    }
    for (size_t i = 0; i < c->n_receivers; i++) {
        const struct alert_receiver *r = &c->receivers[i];
        fprintf(out, "\n[receiver.%s]\n", r->name);
        for (int ch = 0; ch < ALERT_N_CHANNELS; ch++)
            if (r->target[ch])
                fprintf(out, "%s = %s\n", alert_channel_name((enum alert_channel)ch), r->target[ch]);
        if (r->email_min_priority >= 0)
            fprintf(out, "email_min_priority = %lld\n", r->email_min_priority);
        else
            fprintf(out, "# email_min_priority = %lld (from [alerts])\n", c->email_min_priority);
        fprintf(out, "digest = %s\n", r->digest ? "yes" : "no");
    }
}

const char alert_config_example[] =
    "\n"
    "# The routing tree: [route.NAME] sections, tried in the order of the file. Among routes of\n"
    "# one level the first that matches wins, unless it says continue = yes. A route with\n"
    "# parent = NAME is tried only when that route matched, and then takes the signal from it.\n"
    "# A route without receiver takes its parent's (at the top, [alerts] receiver). Matchers:\n"
    "# owner, tier, type, lang (comma-separated, any value matches) and priority (N: at least N;\n"
    "# N-M). A signal no route matches goes to [alerts] receiver.\n"
    "\n"
    ";[route.insolvency]\n"
    ";type = insolvency,receivership\n"
    ";receiver = risk\n"
    ";continue = yes\n"
    "\n"
    ";[route.key-accounts]\n"
    ";tier = key\n"
    ";priority = 50\n"
    ";receiver = owners\n"
    "\n"
    ";[route.key-accounts-urgent]\n"
    ";parent = key-accounts\n"
    ";priority = 85-100\n"
    ";receiver = owners-and-team\n"
    "\n"
    "# A receiver is a set of channels. slack: owner (the account's owner_slack), #channel or an\n"
    "# id (C0123ABC, U0123ABC); teams, webhook: yes ([sink.teams], [sink.webhook]); email: owner\n"
    "# (the account's owner_email) or addresses, comma-separated; email_min_priority (default\n"
    "# [alerts] email_min_priority); digest: yes|no, whether what is folded goes to digests.\n"
    "\n"
    ";[receiver.owners]\n"
    ";slack = owner\n"
    ";email = owner\n"
    "\n"
    ";[receiver.owners-and-team]\n"
    ";slack = #key-accounts\n"
    ";email = owner\n"
    ";email_min_priority = 85\n"
    "\n"
    ";[receiver.risk]\n"
    ";email = risk@example.com,cfo@example.com\n"
    ";teams = yes\n"
    ";digest = no\n";
