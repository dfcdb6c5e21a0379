/* queue_series_fields — a signal record's series fields, read as series.lua reads them (see
 * queue_series_fields.h). */
#include "queue/queue_series_fields.h"
#include "util/vg_time.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* After a member's name (its first occurrence, as Lua's plain string.find), the spaces Lua's
 * %s skips; NULL when the name is not there. */
static const char *member(const char *json, const char *name)
{
    const char *p = strstr(json, name);
    if (!p)
        return NULL;
    for (p += strlen(name); isspace((unsigned char)*p); p++)
        ;
    return p;
}

/* A string value without escapes ("([^"\\]*)"): its length, or -1. */
static long plain_string(const char *p)
{
    if (*p != '"')
        return -1;
    long n = (long)strcspn(p + 1, "\"\\");
    return p[1 + n] == '"' ? n : -1;
}

int queue_series_fields_read(const char *json, const char *dedup, const char *cluster, struct queue_series_fields *f)
{
    f->t[0] = f->prio[0] = f->score[0] = '\0';
    if (!json || !dedup || !dedup[0] || !cluster || !strchr(cluster, '|'))
        return -1;
    /* The series' signal id: the record's own, else the dedup id (the Lua reading's order). */
    if (strncmp(json, "{\"id\":", 6) == 0) {
        const char *p = json + 6;
        while (isspace((unsigned char)*p))
            p++;
        long n = plain_string(p);
        if (n >= 0 && ((size_t)n != strlen(dedup) || strncmp(p + 1, dedup, (size_t)n) != 0))
            return -1;
    }
    /* "priority": an optional '-' and digits (tonumber of them, floored, clamped). */
    long long prio = 0;
    const char *p = member(json, "\"priority\":");
    if (p) {
        int neg = *p == '-';
        const char *d = p + neg;
        if (isdigit((unsigned char)*d)) {
            for (; isdigit((unsigned char)*d); d++)
                if (prio <= 100)
                    prio = prio * 10 + (*d - '0');
            if (neg)
                prio = -prio;
        }
    }
    if (prio < 0)
        prio = 0;
    else if (prio > 100)
        prio = 100;
    snprintf(f->prio, sizeof(f->prio), "%lld", prio);
    p = member(json, "\"published\":");
    long n = p ? plain_string(p) : -1;
    if (n < 0)
        return 0; /* no time: the entry's, which Redis gives */
    char when[64];
    int64_t t;
    if ((size_t)n < sizeof(when)) {
        memcpy(when, p + 1, (size_t)n);
        when[n] = '\0';
    }
    /* A fraction of a second is read by Lua in floating point: left to it. */
    if ((size_t)n >= sizeof(when) || strchr(when, '.') || vg_parse_rfc3339_ms(when, &t) < 0) {
        f->prio[0] = '\0';
        return -1;
    }
    snprintf(f->t, sizeof(f->t), "%lld", (long long)t);
    snprintf(f->score, sizeof(f->score), "%.17g", (double)t + (double)prio / 128.0);
    return 0;
}
