/* alert_noise — the router's pure decisions (see alert_noise.h). */
#include "sinks/alert_noise.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_json.h"
#include "util/vg_time.h"
#include "util/vg_tz.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int blank(const char *s) { return !s || !*s; }

/* An address as a digest or an "owner" e-mail target takes it: one word with an '@' inside. */
static int is_address(const char *s)
{
    if (blank(s))
        return 0;
    const char *at = strchr(s, '@');
    if (!at || at == s || !at[1])
        return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == ',' || *p == '<' || *p == '>')
            return 0;
    return 1;
}

int alert_owner_key(const struct alert_owner *o, char *out, size_t outlen)
{
    const char *src = !blank(o->email) ? o->email : o->name;
    if (blank(src) || strlen(src) >= outlen)
        return -1;
    size_t n = 0;
    for (; src[n]; n++)
        out[n] = src == o->email ? (char)tolower((unsigned char)src[n]) : src[n];
    out[n] = '\0';
    return (int)n;
}

const char *alert_owner_address(const struct alert_owner *o)
{
    if (is_address(o->email))
        return o->email;
    return is_address(o->name) ? o->name : NULL;
}

/* ---- targets ----------------------------------------------------------------------------- */

/* An e-mail target: addresses and "owner" separated by commas, blanks around them dropped;
 * "owner" is the owner's address. The list, or NULL (no address at all). */
static char *email_list(const char *spec, const struct alert_owner *o, unsigned *no_address)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    const char *p = spec;
    while (*p) {
        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && isspace((unsigned char)end[-1]))
            end--;
        if (end == start)
            continue;
        const char *addr = start;
        size_t len = (size_t)(end - start);
        if (len == 5 && strncasecmp(start, "owner", 5) == 0) {
            addr = alert_owner_address(o);
            if (!addr) {
                (*no_address)++;
                continue;
            }
            len = strlen(addr);
        }
        if (b.len)
            vg_buf_putc(&b, ',');
        vg_buf_append(&b, addr, len);
    }
    if (vg_buf_check(&b) < 0 || b.len == 0) {
        vg_buf_free(&b);
        return NULL;
    }
    return vg_buf_steal(&b);
}

int alert_targets(const struct alert_receiver *r, const struct alert_owner *o, enum alert_slack_mode slack,
                  struct alert_target out[ALERT_N_CHANNELS], unsigned *no_address)
{
    int n = 0;
    for (int ch = 0; ch < ALERT_N_CHANNELS; ch++) {
        const char *spec = r->target[ch];
        if (!spec || strcasecmp(spec, "no") == 0)
            continue;
        char *t = NULL;
        switch (ch) {
        case ALERT_SLACK:
            if (slack == ALERT_SLACK_WEBHOOK)
                t = vg_strdup(""); /* an incoming webhook posts to its own channel only */
            else if (strcasecmp(spec, "owner") == 0) {
                if (blank(o->slack)) {
                    (*no_address)++;
                    continue;
                }
                t = vg_strdup(o->slack);
            } else
                t = vg_strdup(spec);
            break;
        case ALERT_EMAIL:
            t = email_list(spec, o, no_address);
            if (!t)
                continue;
            break;
        default: /* teams, webhook: the URL of their [sink.*] section */
            t = vg_strdup("");
            break;
        }
        if (!t) {
            alert_targets_clear(out, (size_t)n);
            return -1;
        }
        out[n].channel = (enum alert_channel)ch;
        out[n].target = t;
        n++;
    }
    return n;
}

void alert_targets_clear(struct alert_target *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        vg_free(t[i].target);
        t[i].target = NULL;
    }
}

/* ---- quiet hours, inhibition --------------------------------------------------------------- */

int alert_quiet(int from_min, int to_min, const char *zone, int64_t now_ms)
{
    struct tm tm;
    if (vg_tz_local(zone, now_ms, &tm) < 0)
        return -1;
    int m = tm.tm_hour * 60 + tm.tm_min;
    if (from_min <= to_min)
        return m >= from_min && m < to_min;
    return m >= from_min || m < to_min;
}

int alert_type_listed(const char *list, const char *type)
{
    if (blank(list) || blank(type))
        return 0;
    size_t tl = strlen(type);
    for (const char *p = list; *p;) {
        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        const char *start = p;
        while (*p && *p != ',' && !isspace((unsigned char)*p))
            p++;
        if ((size_t)(p - start) == tl && strncmp(start, type, tl) == 0)
            return 1;
    }
    return 0;
}

int alert_inhibited(const char *inhibition, int priority, const char *type, int64_t now_ms)
{
    if (blank(inhibition))
        return 0;
    char *end, *end2;
    long prio = strtol(inhibition, &end, 10);
    if (end == inhibition || *end != '|')
        return 0;
    long long until = strtoll(end + 1, &end2, 10);
    if (end2 == end + 1 || *end2 != '|')
        return 0;
    return now_ms < until && priority < prio && strcmp(end2 + 1, type ? type : "") != 0;
}

/* ---- silences ---------------------------------------------------------------------------- */

static int take_str(const cJSON *o, const char *name, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    *out = NULL;
    if (cJSON_IsString(v) && v->valuestring[0])
        return (*out = vg_strdup(v->valuestring)) ? 0 : -1;
    return v && !cJSON_IsNull(v) && !cJSON_IsString(v) ? -1 : 0;
}

static int take_time(const cJSON *o, const char *name, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? vg_parse_rfc3339_ms(v->valuestring, out) : -1;
}

int alert_silence_parse(const char *json, size_t len, struct alert_silence *out)
{
    memset(out, 0, sizeof(*out));
    cJSON *o = vg_json_parse(json, len);
    int ok = cJSON_IsObject(o) && take_str(o, "id", &out->id) == 0 && out->id &&
             take_str(o, "account", &out->account) == 0 && take_str(o, "owner", &out->owner) == 0 &&
             take_str(o, "type", &out->type) == 0 && take_time(o, "starts", &out->starts_ms) == 0 &&
             take_time(o, "ends", &out->ends_ms) == 0 && (out->account || out->owner || out->type);
    cJSON_Delete(o);
    if (!ok) {
        alert_silence_clear(out);
        return -1;
    }
    return 0;
}

void alert_silence_clear(struct alert_silence *s)
{
    vg_free(s->id);
    vg_free(s->account);
    vg_free(s->owner);
    vg_free(s->type);
    memset(s, 0, sizeof(*s));
}

static int same_ci(const char *a, const char *b) { return a && b && strcasecmp(a, b) == 0; }

int alert_silence_matches(const struct alert_silence *s, const char *account_id, const struct alert_owner *o,
                          const char *okey, const char *type, int64_t now_ms)
{
    if (now_ms < s->starts_ms || now_ms >= s->ends_ms)
        return 0;
    if (s->account && !(account_id && strcmp(s->account, account_id) == 0))
        return 0;
    if (s->owner && !same_ci(s->owner, okey) && !same_ci(s->owner, o->name) && !same_ci(s->owner, o->email))
        return 0;
    if (s->type && !(type && strcmp(s->type, type) == 0))
        return 0;
    return 1;
}
