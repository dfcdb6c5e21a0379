/* alert_json — the JSON of the alerts router's groups and digests (see alert_json.h). */
#include "sinks/alert_json.h"
#include "enrich/account.h"
#include "sinks/alert_config.h"
#include "sinks/alert_noise.h"
#include "sinks/console_link.h"
#include "util/vg_alloc.h"
#include "util/vg_json.h"
#include "util/vg_tz.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void alert_time_utc(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ms as RFC 3339 in zone, with the zone's offset then ("2026-03-02T08:00:00+01:00"; "Z" when
 * it is UTC): a digest's period bounds are the owner's slots, and the e-mail shows their dates,
 * which must be the owner's (far from UTC, the UTC date is another one for much of the day). */
void alert_time_local(const char *zone, int64_t ms, char out[32])
{
    struct tm tm;
    time_t t = (time_t)(ms / 1000);
    if (vg_tz_local(zone, ms, &tm) < 0) {
        alert_time_utc(ms, out);
        return;
    }
    struct tm c = tm;
    long off = (long)(timegm(&c) - t) / 60; /* minutes east of UTC */
    if (off == 0) {
        alert_time_utc(ms, out);
        return;
    }
    char day[24];
    strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
    long a = off < 0 ? -off : off;
    snprintf(out, 32, "%s%c%02ld:%02ld", day, off < 0 ? '-' : '+', a / 60 % 100, a % 60);
}

static void add_str_or_null(cJSON *o, const char *name, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, name, v);
    else
        cJSON_AddNullToObject(o, name);
}

/* {"key","name","email","slack","timezone"} */
char *alert_owner_json(const struct alert_owner *o, const char *okey)
{
    cJSON *j = cJSON_CreateObject();
    add_str_or_null(j, "key", okey && okey[0] ? okey : NULL);
    add_str_or_null(j, "name", o->name);
    add_str_or_null(j, "email", alert_owner_address(o));
    add_str_or_null(j, "slack", o->slack);
    add_str_or_null(j, "timezone", o->timezone);
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

/* {"id","name","tier","owner","crm_id","domains"}, and with [console] public_url set (an
 * http(s) URL) "console_url", the account's console page, and "console_base", public_url
 * without its trailing slash, under which a render links each signal's page
 * (console_link(base, "signals", id)): the signal records stay as in the stream. */
char *alert_account_json(const struct enrich_account *a, const char *console)
{
    cJSON *j = cJSON_CreateObject();
    add_str_or_null(j, "id", a->id);
    add_str_or_null(j, "name", a->name);
    add_str_or_null(j, "tier", a->tier ? a->tier : "standard");
    add_str_or_null(j, "owner", a->owner);
    add_str_or_null(j, "crm_id", a->crm_id);
    cJSON *d = cJSON_AddArrayToObject(j, "domains");
    for (size_t i = 0; d && i < a->n_domains; i++)
        cJSON_AddItemToArray(d, cJSON_CreateString(a->domains[i]));
    char *url = console_link(console, "accounts", a->id);
    if (url) {
        size_t n = strlen(console);
        while (n > 0 && console[n - 1] == '/')
            n--;
        cJSON_AddStringToObject(j, "console_url", url);
        char *base = vg_strndup(console, n);
        if (base)
            cJSON_AddStringToObject(j, "console_base", base);
        vg_free(base);
        vg_free(url);
    }
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

/* The group's meta: what the flush needs to write its messages (see queue/lua/alerts.lua). */
char *alert_group_meta_json(const struct alert_receiver *rcv, const char *route, const char *account_id,
                            const char *okey, long long emin, long long digest_due, const struct alert_target *t, int nt)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "receiver", rcv->name);
    cJSON_AddStringToObject(j, "route", route);
    cJSON_AddStringToObject(j, "account_id", account_id);
    cJSON_AddStringToObject(j, "okey", okey);
    cJSON_AddNumberToObject(j, "emin", (double)emin);
    cJSON_AddNumberToObject(j, "digest_due", (double)digest_due);
    cJSON *ts = cJSON_AddArrayToObject(j, "targets");
    for (int i = 0; ts && i < nt; i++) {
        cJSON *pair = cJSON_CreateArray();
        cJSON_AddItemToArray(pair, cJSON_CreateString(alert_channel_name(t[i].channel)));
        cJSON_AddItemToArray(pair, cJSON_CreateString(t[i].target));
        cJSON_AddItemToArray(ts, pair);
    }
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

char *alert_digest_meta_json(const struct alert_owner *o, const char *okey, const char *digest_spec)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "key", okey);
    add_str_or_null(j, "email", alert_owner_address(o));
    cJSON_AddStringToObject(j, "timezone", o->timezone);
    cJSON_AddStringToObject(j, "digest", digest_spec);
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

