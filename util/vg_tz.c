/* vg_tz — local time in an IANA zone, digest slots and periods (see vg_tz.h). */
#include "util/vg_tz.h"
#include "util/vg_alloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static int is_utc(const char *zone)
{
    return strcmp(zone, "UTC") == 0 || strcmp(zone, "Etc/UTC") == 0;
}

int vg_tz_valid(const char *zone)
{
    if (!zone || !*zone || strlen(zone) > 200)
        return 0;
    if (is_utc(zone))
        return 1;
    /* A name of the database: letters, digits and "/_+-", no absolute or parent path (TZ would
     * read any file it is given). */
    if (zone[0] == '/' || strstr(zone, ".."))
        return 0;
    for (const char *p = zone; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("/_+-", *p))
            return 0;
    const char *dir = getenv("TZDIR");
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char magic[4] = {0};
    size_t n = fread(magic, 1, 4, f);
    fclose(f);
    return n == 4 && memcmp(magic, "TZif", 4) == 0;
}

/* ---- TZ switched for one call --------------------------------------------------------- */

struct tz_saved {
    char *old;   /* TZ before, or NULL when it was unset */
    int was_set;
};

static int tz_enter(const char *zone, struct tz_saved *sv)
{
    const char *old = getenv("TZ");
    sv->was_set = old != NULL;
    sv->old = old ? vg_strdup(old) : NULL;
    if ((old && !sv->old) || setenv("TZ", zone, 1) < 0) {
        vg_free(sv->old);
        return -1;
    }
    tzset();
    return 0;
}

static void tz_leave(struct tz_saved *sv)
{
    if (sv->was_set)
        setenv("TZ", sv->old, 1);
    else
        unsetenv("TZ");
    tzset();
    vg_free(sv->old);
}

int vg_tz_local(const char *zone, int64_t ms, struct tm *out)
{
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
    if (!zone || is_utc(zone))
        return gmtime_r(&t, out) ? 0 : -1;
    if (!vg_tz_valid(zone))
        return -1;
    struct tz_saved sv;
    if (tz_enter(zone, &sv) < 0)
        return -1;
    int rc = localtime_r(&t, out) ? 0 : -1;
    tz_leave(&sv);
    return rc;
}

int vg_tz_instant(const char *zone, const struct tm *tm, int64_t *ms)
{
    struct tm c = *tm;
    c.tm_isdst = -1;
    time_t t;
    if (!zone || is_utc(zone)) {
        t = timegm(&c);
    } else {
        if (!vg_tz_valid(zone))
            return -1;
        struct tz_saved sv;
        if (tz_enter(zone, &sv) < 0)
            return -1;
        t = mktime(&c);
        tz_leave(&sv);
    }
    if (t == (time_t)-1)
        return -1;
    *ms = (int64_t)t * 1000;
    return 0;
}

/* ---- digest slots ----------------------------------------------------------------------- */

static const char *const DAYS[7] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};

static int parse_hhmm(const char *s, int *h, int *m)
{
    /* H:MM or HH:MM, digits checked one by one */
    size_t n = strlen(s);
    if (n != 4 && n != 5)
        return -1;
    const char *c = s + n - 3;
    if (*c != ':' || !isdigit((unsigned char)c[1]) || !isdigit((unsigned char)c[2]))
        return -1;
    for (const char *p = s; p < c; p++)
        if (!isdigit((unsigned char)*p))
            return -1;
    *h = atoi(s);
    *m = (c[1] - '0') * 10 + (c[2] - '0');
    return *h <= 23 && *m <= 59 ? 0 : -1;
}

/* A value is echoed in an error only without control characters: a CR or an escape sequence
 * would reach the terminal or the log as it is. */
static const char *shown(const char *s)
{
    if (!s)
        return "";
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return "(a value with a control character)";
    return s;
}

int vg_slot_parse(const char *s, struct vg_slot *out, char *why, size_t whylen)
{
    char w[3][32];
    char extra[2];
    memset(out, 0, sizeof(*out));
    int n = s ? sscanf(s, " %31s %31s %31s %1s", w[0], w[1], w[2], extra) : 0;
    if (n == 1 && strcasecmp(w[0], "no") == 0)
        return 0;
    if (n == 2 && strcasecmp(w[0], "daily") == 0) {
        if (parse_hhmm(w[1], &out->hour, &out->min) == 0) {
            out->kind = VG_SLOT_DAILY;
            return 0;
        }
    } else if (n == 3 && strcasecmp(w[0], "weekly") == 0) {
        int day = -1;
        for (int d = 0; d < 7; d++)
            if (strcasecmp(w[1], DAYS[d]) == 0 || (strlen(w[1]) == 3 && strncasecmp(w[1], DAYS[d], 3) == 0))
                day = d;
        if (day >= 0 && parse_hhmm(w[2], &out->hour, &out->min) == 0) {
            out->kind = VG_SLOT_WEEKLY;
            out->wday = day;
            return 0;
        }
    }
    snprintf(why, whylen, "'%.80s' is not a digest schedule: daily HH:MM, weekly DAY HH:MM (DAY mon to sun) or no",
             shown(s));
    return -1;
}

/* The slot on the local date of `base` shifted by `days` (mktime normalises the date). */
static int slot_on(const struct vg_slot *s, const char *zone, const struct tm *base, int days, int64_t *ms)
{
    struct tm c = {0};
    c.tm_year = base->tm_year;
    c.tm_mon = base->tm_mon;
    c.tm_mday = base->tm_mday + days;
    c.tm_hour = s->hour;
    c.tm_min = s->min;
    return vg_tz_instant(zone, &c, ms);
}

int64_t vg_slot_next(const struct vg_slot *s, const char *zone, int64_t after_ms)
{
    struct tm now;
    if (s->kind == VG_SLOT_NONE || vg_tz_local(zone, after_ms, &now) < 0)
        return -1;
    int first = s->kind == VG_SLOT_DAILY ? 0 : (s->wday - now.tm_wday + 7) % 7;
    int step = s->kind == VG_SLOT_DAILY ? 1 : 7;
    for (int k = 0; k < 3; k++) {
        int64_t ms;
        if (slot_on(s, zone, &now, first + k * step, &ms) < 0)
            return -1;
        if (ms > after_ms)
            return ms;
    }
    return -1;
}

int64_t vg_slot_prev(const struct vg_slot *s, const char *zone, int64_t before_ms)
{
    struct tm now;
    if (s->kind == VG_SLOT_NONE || vg_tz_local(zone, before_ms, &now) < 0)
        return -1;
    int first = s->kind == VG_SLOT_DAILY ? 0 : (now.tm_wday - s->wday + 7) % 7;
    int step = s->kind == VG_SLOT_DAILY ? 1 : 7;
    for (int k = 0; k < 3; k++) {
        int64_t ms;
        if (slot_on(s, zone, &now, -(first + k * step), &ms) < 0)
            return -1;
        if (ms < before_ms)
            return ms;
    }
    return -1;
}

int vg_slot_period(const struct vg_slot *s, const char *zone, int64_t slot_ms, char out[16])
{
    struct tm tm;
    if (s->kind == VG_SLOT_NONE || vg_tz_local(zone, slot_ms, &tm) < 0)
        return -1;
    size_t n = strftime(out, 16, s->kind == VG_SLOT_DAILY ? "%Y-%m-%d" : "%G-W%V", &tm);
    return n > 0 ? 0 : -1;
}

int vg_tz_window_parse(const char *s, int *from_min, int *to_min, char *why, size_t whylen)
{
    char a[8], b[8], extra[2];
    int h1, m1, h2, m2;
    if (!s || sscanf(s, " %7[0-9:] - %7[0-9:] %1s", a, b, extra) != 2 || parse_hhmm(a, &h1, &m1) < 0 ||
        parse_hhmm(b, &h2, &m2) < 0) {
        snprintf(why, whylen, "'%.80s' is not HH:MM-HH:MM, a window of the day (20:00-08:00)", shown(s));
        return -1;
    }
    *from_min = h1 * 60 + m1;
    *to_min = h2 * 60 + m2;
    if (*from_min == *to_min) {
        snprintf(why, whylen, "'%.80s' is not HH:MM-HH:MM with two different times", shown(s));
        return -1;
    }
    return 0;
}
