/* feed_date — reads the dates feeds actually contain and normalises them to Unix seconds UTC.
 *
 * Two readers: an ISO 8601 / RFC 3339 one for text that starts with a four-digit year, and a
 * token-based one for everything else (RFC 822 and its many variants), which looks at each
 * word or number for what it can be (weekday, month, day, year, time, zone) instead of
 * demanding one order. A date is accepted only when every field is in range: a wrong date is
 * worse than none, because it reorders items and defeats the "new since" logic downstream. */
#include "fetchers/feed.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

struct dt {
    int y, mo, d, h, mi, s;
    int off;      /* minutes east of UTC */
    int have_time;
};

static int64_t dt_finish(const struct dt *t)
{
    if (t->y < 1000 || t->y > 9999 || t->mo < 1 || t->mo > 12 || t->d < 1 ||
        t->d > days_in_month(t->y, t->mo) || t->h < 0 || t->h > 23 || t->mi < 0 ||
        t->mi > 59 || t->s < 0 || t->s > 60 || t->off < -18 * 60 || t->off > 18 * 60)
        return FEED_DATE_NONE;
    int s = t->s == 60 ? 59 : t->s; /* a leap second is not worth a wrong minute */
    return days_from_civil(t->y, (unsigned)t->mo, (unsigned)t->d) * 86400 + t->h * 3600 +
           t->mi * 60 + s - (int64_t)t->off * 60;
}

static int digits(const char *p, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        x = x * 10 + (p[i] - '0');
    }
    *v = x;
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * Zones
 * ------------------------------------------------------------------------------------------ */

/* Named zones seen in feeds. Military single letters are read as UTC, as RFC 5322 advises,
 * because their sign was historically written both ways. */
static int zone_name(const char *w, size_t n, int *off)
{
    static const struct {
        const char *name;
        int off;
    } zones[] = {
        {"UT", 0}, {"UTC", 0}, {"GMT", 0}, {"Z", 0}, {"WET", 0}, {"WEST", 60},
        {"BST", 60}, {"CET", 60}, {"CEST", 120}, {"MET", 60}, {"MEST", 120}, {"EET", 120},
        {"EEST", 180}, {"MSK", 180}, {"EST", -300}, {"EDT", -240}, {"CST", -360},
        {"CDT", -300}, {"MST", -420}, {"MDT", -360}, {"PST", -480}, {"PDT", -420},
        {"AKST", -540}, {"AKDT", -480}, {"HST", -600}, {"AST", -240}, {"ADT", -180},
        {"NST", -210}, {"NDT", -150}, {"JST", 540}, {"KST", 540}, {"HKT", 480},
        {"SGT", 480}, {"AWST", 480}, {"ACST", 570}, {"AEST", 600}, {"AEDT", 660},
        {"NZST", 720}, {"NZDT", 780}, {"IST", 330},
        /* US zones without the season, standard time as feedparser reads them */
        {"ET", -300}, {"CT", -360}, {"MT", -420}, {"PT", -480}, {"AT", -240},
    };
    for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
        if ((zones[i].name[0] | 0x20) == (*w | 0x20) && strlen(zones[i].name) == n &&
            strncasecmp(zones[i].name, w, n) == 0) {
            *off = zones[i].off;
            return 0;
        }
    if (n == 1 && ((*w | 0x20) >= 'a' && (*w | 0x20) <= 'z') && (*w | 0x20) != 'j') {
        *off = 0;
        return 0;
    }
    return -1;
}

/* "+0200", "+02:00", "+02", "+2", "-0530" at p (sign included). Returns bytes read or 0. */
static size_t zone_offset(const char *p, int *off)
{
    int sign = *p == '-' ? -1 : 1;
    const char *q = p + 1;
    int n = 0;
    while (q[n] >= '0' && q[n] <= '9' && n < 5)
        n++;
    int h = 0, m = 0;
    if (n == 4) {
        digits(q, 2, &h);
        digits(q + 2, 2, &m);
    } else if (n == 1 || n == 2) {
        digits(q, n, &h);
        if (q[n] == ':' && digits(q + n + 1, 2, &m) == 0)
            n += 3;
    } else {
        return 0;
    }
    if (h > 18 || m > 59)
        return 0;
    *off = sign * (h * 60 + m);
    return (size_t)(1 + n);
}

/* ------------------------------------------------------------------------------------------
 * ISO 8601 / RFC 3339, also "2024-01-05 10:00:00", "2024/01/05", no zone (= UTC)
 * ------------------------------------------------------------------------------------------ */

static int64_t parse_iso(const char *p)
{
    struct dt t = {0};
    t.mo = t.d = 1;
    if (digits(p, 4, &t.y) < 0)
        return FEED_DATE_NONE;
    p += 4;
    char sep = *p;
    if (sep == '\0') {
        return dt_finish(&t); /* a year alone (W3C-DTF's coarsest form): its first day */
    } else if (sep == '-' && digits(p + 1, 3, &t.d) == 0 && !(p[4] >= '0' && p[4] <= '9')) {
        /* an ordinal date, "2003-335": the day of the year */
        p += 4;
        while (t.mo < 12 && t.d > days_in_month(t.y, t.mo))
            t.d -= days_in_month(t.y, t.mo++);
    } else if (sep == '-' || sep == '/') {
        p++;
        int n = (p[1] >= '0' && p[1] <= '9') ? 2 : 1;
        if (digits(p, n, &t.mo) < 0)
            return FEED_DATE_NONE;
        p += n;
        if (*p == sep) {
            p++;
            n = (p[1] >= '0' && p[1] <= '9') ? 2 : 1;
            if (digits(p, n, &t.d) < 0)
                return FEED_DATE_NONE;
            p += n;
        }
    } else if (digits(p, 2, &t.mo) == 0 && digits(p + 2, 2, &t.d) == 0) {
        p += 4; /* basic format 20240105 */
    } else {
        return FEED_DATE_NONE;
    }
    if (*p == 'T' || *p == 't' || (*p == ' ' && p[1] >= '0' && p[1] <= '9')) {
        p++;
        while (*p == ' ')
            p++;
        if (digits(p, 2, &t.h) < 0)
            return FEED_DATE_NONE;
        p += 2;
        int minutes = *p == ':' || (*p >= '0' && *p <= '9'); /* "T10Z": the hour alone */
        if (*p == ':')
            p++;
        if (minutes && digits(p, 2, &t.mi) < 0)
            return FEED_DATE_NONE;
        p += minutes ? 2 : 0;
        if (minutes && (*p == ':' || (*p >= '0' && *p <= '9'))) {
            if (*p == ':')
                p++;
            if (digits(p, 2, &t.s) < 0)
                return FEED_DATE_NONE;
            p += 2;
        }
        if (*p == '.' || *p == ',') {
            p++;
            while (*p >= '0' && *p <= '9')
                p++;
        }
        t.have_time = 1;
    }
    while (*p == ' ')
        p++;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        size_t n = zone_offset(p, &t.off);
        if (!n)
            return FEED_DATE_NONE;
        p += n;
    } else if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') {
        const char *w = p;
        while ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')
            p++;
        if (zone_name(w, (size_t)(p - w), &t.off) < 0)
            return FEED_DATE_NONE;
        if (*p == '+' || *p == '-') { /* "UTC+02:00" */
            size_t n = zone_offset(p, &t.off);
            if (!n)
                return FEED_DATE_NONE;
            p += n;
        }
    }
    while (*p == ' ')
        p++;
    if (*p && *p != '(')
        return FEED_DATE_NONE;
    return dt_finish(&t);
}

/* ------------------------------------------------------------------------------------------
 * RFC 822 and free-form: "Mon, 05 Jan 2024 10:00:00 +0100", "January 5, 2024 3:04 PM EST",
 * "5 janvier 2024 10h30", "Fri Jan  5 10:00:00 2024"
 * ------------------------------------------------------------------------------------------ */

static int month_name(const char *w, size_t n)
{
    /* English and French names and their usual abbreviations; accents optional. */
    static const struct {
        const char *name;
        int m;
    } months[] = {
        {"jan", 1}, {"janv", 1}, {"january", 1}, {"janvier", 1}, {"feb", 2}, {"february", 2},
        {"fev", 2}, {"f\xc3\xa9v", 2}, {"fevr", 2}, {"f\xc3\xa9vr", 2}, {"fevrier", 2},
        {"f\xc3\xa9vrier", 2}, {"mar", 3}, {"march", 3}, {"mars", 3}, {"apr", 4}, {"april", 4},
        {"avr", 4}, {"avril", 4}, {"may", 5}, {"mai", 5}, {"jun", 6}, {"june", 6}, {"juin", 6},
        {"jul", 7}, {"july", 7}, {"juil", 7}, {"juillet", 7}, {"aug", 8}, {"august", 8},
        {"aou", 8}, {"ao\xc3\xbb", 8}, {"aout", 8}, {"ao\xc3\xbbt", 8}, {"sep", 9},
        {"sept", 9}, {"september", 9}, {"septembre", 9}, {"oct", 10}, {"october", 10},
        {"octobre", 10}, {"nov", 11}, {"november", 11}, {"novembre", 11}, {"dec", 12},
        {"d\xc3\xa9" "c", 12}, {"december", 12}, {"decembre", 12},
        {"d\xc3\xa9" "cembre", 12},
    };
    for (size_t i = 0; i < sizeof(months) / sizeof(months[0]); i++)
        if ((months[i].name[0] | 0x20) == (*w | 0x20) && strlen(months[i].name) == n &&
            strncasecmp(months[i].name, w, n) == 0)
            return months[i].m;
    return 0;
}

static int weekday_name(const char *w, size_t n)
{
    static const char *const days[] = {
        "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "monday",
        "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "lun", "mer",
        "jeu", "ven", "sam", "dim", "lundi", "mardi", "mercredi", "jeudi", "vendredi",
        "samedi", "dimanche"};
    for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++)
        if ((days[i][0] | 0x20) == (*w | 0x20) && strlen(days[i]) == n &&
            strncasecmp(days[i], w, n) == 0)
            return 1;
    return 0;
}

static int is_word_byte(unsigned char c)
{
    return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80;
}

static int64_t parse_free(const char *p)
{
    struct dt t = {0};
    int day = -1, year = -1, have_zone = 0, pm = -1;
    int numbers[3], nnum = 0;
    while (*p) {
        unsigned char c = (unsigned char)*p;
        if (is_word_byte(c)) {
            const char *w = p;
            while (is_word_byte((unsigned char)*p) || *p == '.')
                p++;
            size_t n = (size_t)(p - w);
            while (n && w[n - 1] == '.')
                n--;
            int m;
            if ((m = month_name(w, n))) {
                if (t.mo)
                    return FEED_DATE_NONE;
                t.mo = m;
            } else if (weekday_name(w, n) || (n == 1 && (*w | 0x20) == 'a') ||
                       (n == 2 && memcmp(w, "\xc3\xa0", 2) == 0)) {
                /* weekday (ignored: often wrong), or French "à" between date and time */
            } else if (n == 2 && !strncasecmp(w, "am", 2) && t.have_time) {
                pm = 0;
            } else if (n == 2 && !strncasecmp(w, "pm", 2) && t.have_time) {
                pm = 1;
            } else if (t.have_time && !have_zone && zone_name(w, n, &t.off) == 0) {
                have_zone = 1;
                if ((*p == '+' || *p == '-') && p[1] >= '0' && p[1] <= '9') {
                    size_t k = zone_offset(p, &t.off); /* "GMT+2", "UTC-05:00" */
                    if (!k)
                        return FEED_DATE_NONE;
                    p += k;
                }
            } else if (t.have_time && !have_zone && n >= 2 && n <= 5) {
                have_zone = 1; /* an unknown zone abbreviation: read as UTC */
            } else {
                return FEED_DATE_NONE;
            }
            continue;
        }
        if (c >= '0' && c <= '9') {
            const char *d = p;
            while (*p >= '0' && *p <= '9')
                p++;
            size_t n = (size_t)(p - d);
            if ((*p == ':' || *p == 'h' || *p == 'H') && n <= 2 && p[1] >= '0' && p[1] <= '9' &&
                !t.have_time) {
                if (digits(d, (int)n, &t.h) < 0 || digits(p + 1, 2, &t.mi) < 0)
                    return FEED_DATE_NONE;
                p += 3;
                if (*p == ':' && p[1] >= '0' && p[1] <= '9') {
                    if (digits(p + 1, 2, &t.s) < 0)
                        return FEED_DATE_NONE;
                    p += 3;
                }
                if ((*p == '.' || *p == ',') && p[1] >= '0' && p[1] <= '9') {
                    p++; /* fractional seconds */
                    while (*p >= '0' && *p <= '9')
                        p++;
                }
                t.have_time = 1;
                continue;
            }
            if (n > 4 || nnum == 3)
                return FEED_DATE_NONE;
            int v = 0;
            digits(d, (int)n, &v);
            numbers[nnum++] = n == 4 ? -v - 1 : v; /* 4-digit: a year, marked negative */
            continue;
        }
        if ((c == '+' || c == '-') && t.have_time && !have_zone && p[1] >= '0' && p[1] <= '9') {
            size_t k = zone_offset(p, &t.off);
            if (!k)
                return FEED_DATE_NONE;
            have_zone = 1;
            p += k;
            continue;
        }
        if (c == '(') /* "+0100 (CET)": a comment */
            break;
        p++;
    }
    /* Numbers: one day and one year in either order ("5 Jan 2024", "Jan 5, 2024",
     * "Fri Jan 5 10:00:00 2024"); a two-digit year only after the day. */
    for (int i = 0; i < nnum; i++) {
        int v = numbers[i];
        if (v < 0) {
            if (year >= 0)
                return FEED_DATE_NONE;
            year = -v - 1;
        } else if (day < 0) {
            day = v;
        } else if (year < 0) {
            year = v < 50 ? 2000 + v : v < 100 ? 1900 + v : -1;
            if (year < 0)
                return FEED_DATE_NONE;
        } else {
            return FEED_DATE_NONE;
        }
    }
    if (!t.mo || day < 0 || year < 0)
        return FEED_DATE_NONE;
    t.y = year;
    t.d = day;
    if (pm >= 0) {
        if (t.h < 1 || t.h > 12)
            return FEED_DATE_NONE;
        t.h = (t.h % 12) + (pm ? 12 : 0);
    }
    return dt_finish(&t);
}

int64_t feed_date_parse(const char *s)
{
    if (!s)
        return FEED_DATE_NONE;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    char buf[128];
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof(buf))
        return FEED_DATE_NONE;
    memcpy(buf, s, n + 1);
    while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\t' || buf[n - 1] == '\n' ||
                 buf[n - 1] == '\r'))
        buf[--n] = '\0';
    /* Unix seconds, as a few generators write them. */
    size_t nd = strspn(buf, "0123456789");
    if (nd == n && (n == 9 || n == 10)) {
        int64_t v = 0;
        for (size_t i = 0; i < n; i++)
            v = v * 10 + (buf[i] - '0');
        return v;
    }
    if (nd == 4 || nd == 8) {
        int64_t t = parse_iso(buf);
        if (t != FEED_DATE_NONE)
            return t;
    }
    return parse_free(buf);
}

int feed_date_format(int64_t t, char out[21])
{
    /* 1000-01-01 .. 9999-12-31, the range feed_date_parse accepts */
    if (t < -30610224000LL || t > 253402300799LL) {
        out[0] = '\0';
        return -1;
    }
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400;
    /* civil_from_days, the inverse of days_from_civil */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%04d-%02u-%02uT%02d:%02d:%02dZ", (int)y, m, d,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    memcpy(out, tmp, 21);
    out[20] = '\0';
    return 0;
}
