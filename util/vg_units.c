/* vg_units — parsers for values with units: durations, sizes, booleans (see vg_units.h). */
#include "util/vg_units.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int parse_scaled(const char *s, long long *out, const char *const *units,
                        const long long *scale, long long bare_scale)
{
    while (isspace((unsigned char)*s))
        s++;
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno)
        return -1;
    while (isspace((unsigned char)*end))
        end++;
    char unit[8];
    size_t n = 0;
    while (*end && !isspace((unsigned char)*end) && n < sizeof(unit) - 1)
        unit[n++] = (char)tolower((unsigned char)*end++);
    unit[n] = '\0';
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return -1;
    long long mul = bare_scale;
    if (n) {
        mul = 0;
        for (size_t i = 0; units[i]; i++)
            if (strcmp(unit, units[i]) == 0)
                mul = scale[i];
        if (!mul)
            return -1;
    }
    if (v > 0 && mul > 0 && v > __LONG_LONG_MAX__ / mul)
        return -1;
    *out = v * mul;
    return 0;
}

int vg_parse_duration_ms(const char *s, long long *out)
{
    static const char *const units[] = {"ms", "s", "sec", "m", "min", "h", "d", NULL};
    static const long long scale[] = {1, 1000, 1000, 60000, 60000, 3600000, 86400000};
    return parse_scaled(s, out, units, scale, 1000);
}

int vg_parse_size(const char *s, long long *out)
{
    static const char *const units[] = {"b", "k", "kb", "kib", "m", "mb", "mib", "g", "gb", "gib", NULL};
    static const long long scale[] = {1, 1LL << 10, 1LL << 10, 1LL << 10, 1LL << 20, 1LL << 20,
                                      1LL << 20, 1LL << 30, 1LL << 30, 1LL << 30};
    return parse_scaled(s, out, units, scale, 1);
}

int vg_parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1", NULL};
    static const char *const no[] = {"no", "false", "off", "0", NULL};
    for (int i = 0; yes[i]; i++)
        if (strcasecmp(s, yes[i]) == 0)
            return *out = 1, 0;
    for (int i = 0; no[i]; i++)
        if (strcasecmp(s, no[i]) == 0)
            return *out = 0, 0;
    return -1;
}


int vg_parse_rate(const char *s, long long *limit, long long *window_ms)
{
    const char *slash = s ? strchr(s, '/') : NULL;
    if (!slash || slash == s || slash - s > 18)
        return -1;
    char n[20];
    memcpy(n, s, (size_t)(slash - s));
    n[slash - s] = '\0';
    if (strspn(n, "0123456789") != strlen(n))
        return -1;
    long long l = strtoll(n, NULL, 10), w;
    /* "7/s" reads as one second, as people write it */
    const char *d = slash[1] && strspn(slash + 1, "0123456789") == 0 ? NULL : slash + 1;
    char one[24];
    if (!d && strlen(slash + 1) < sizeof(one) - 1) {
        snprintf(one, sizeof(one), "1%s", slash + 1);
        d = one;
    }
    if (l < 1 || l > 1000000 || !d || vg_parse_duration_ms(d, &w) < 0 || w < 1 || w > 86400000LL)
        return -1;
    *limit = l;
    *window_ms = w;
    return 0;
}
