/* vg_option — setting, defaulting, formatting and comparing the fields an option table
 * describes (see vg_option.h). Only the generic checks are here (types, units, bounds, control
 * characters, ENUM choices, existing directories); a grammar type's parser comes from the
 * caller, which sits on the floor of that parser. */
#include "util/vg_option.h"
#include "util/vg_alloc.h"
#include "util/vg_units.h"
#include "util/vg_url_mask.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *format_duration(long long ms)
{
    if (ms && ms % 86400000 == 0)
        return vg_asprintf("%lldd", ms / 86400000);
    if (ms && ms % 3600000 == 0)
        return vg_asprintf("%lldh", ms / 3600000);
    if (ms && ms % 60000 == 0)
        return vg_asprintf("%lldm", ms / 60000);
    if (ms % 1000 == 0)
        return vg_asprintf("%llds", ms / 1000);
    return vg_asprintf("%lldms", ms);
}

static char *format_size(long long b)
{
    if (b && b % (1LL << 30) == 0)
        return vg_asprintf("%lldG", b >> 30);
    if (b && b % (1LL << 20) == 0)
        return vg_asprintf("%lldM", b >> 20);
    if (b && b % (1LL << 10) == 0)
        return vg_asprintf("%lldk", b >> 10);
    return vg_asprintf("%lld", b);
}

char *vg_option_bounds(const struct vg_option *o)
{
    if (!o->min && !o->max)
        return vg_strdup("");
    char *lo, *hi;
    if (o->type == VG_OPT_DURATION) {
        lo = format_duration(o->min);
        hi = format_duration(o->max);
    } else if (o->type == VG_OPT_SIZE) {
        lo = format_size(o->min);
        hi = format_size(o->max);
    } else {
        lo = vg_asprintf("%lld", o->min);
        hi = vg_asprintf("%lld", o->max);
    }
    char *r = lo && hi ? vg_asprintf("%s to %s", lo, hi) : NULL;
    vg_free(lo);
    vg_free(hi);
    return r;
}

const char *vg_option_type_name(const struct vg_option *o)
{
    switch (o->type) {
    case VG_OPT_STRING: return "string";
    case VG_OPT_PATH: return "path";
    case VG_OPT_DIR: return "directory";
    case VG_OPT_INT: return "integer";
    case VG_OPT_BOOL: return "yes|no";
    case VG_OPT_DURATION: return "duration";
    case VG_OPT_SIZE: return "size";
    case VG_OPT_ENUM: return o->choices;
    case VG_OPT_CIDRS: return "addresses or CIDRs";
    case VG_OPT_LISTEN: return "HOST:PORT|unix:PATH|off";
    case VG_OPT_REDIS_URL: return "embedded|redis://...|unix:...";
    case VG_OPT_URL_TEMPLATE: return "URL template";
    }
    return "?";
}

/* ---- secrets -------------------------------------------------------------- */

static char *read_first_line(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read secret file %s: %s", path, strerror(errno));
        return NULL;
    }
    char line[4096];
    char *r = fgets(line, sizeof(line), f);
    fclose(f);
    if (!r)
        line[0] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    char *s = vg_strdup(line);
    if (!s)
        snprintf(err, errlen, "out of memory");
    return s;
}

char *vg_secret_resolve(const char *spec, char *err, size_t errlen)
{
    if (strncmp(spec, "env:", 4) == 0) {
        const char *v = getenv(spec + 4);
        if (!v) {
            snprintf(err, errlen, "environment variable %s is not set", spec + 4);
            return NULL;
        }
        return vg_strdup(v);
    }
    if (strncmp(spec, "file:", 5) == 0)
        return read_first_line(spec + 5, err, errlen);
    if (strncmp(spec, "credential:", 11) == 0) {
        const char *dir = getenv("CREDENTIALS_DIRECTORY");
        const char *name = spec + 11;
        if (!dir || !*dir) {
            snprintf(err, errlen, "credential %s requested but $CREDENTIALS_DIRECTORY is not set "
                     "(use LoadCredential= in the unit)", name);
            return NULL;
        }
        if (!*name || strchr(name, '/')) {
            snprintf(err, errlen, "bad credential name '%s'", name);
            return NULL;
        }
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        return read_first_line(path, err, errlen);
    }
    return vg_strdup(spec);
}

/* ---- setting one option --------------------------------------------------- */

static char **str_field(void *base, const struct vg_option *o)
{
    return (char **)((char *)base + o->offset);
}

static long long *num_field(void *base, const struct vg_option *o)
{
    return (long long *)((char *)base + o->offset);
}

static int is_string_type(enum vg_opt_type t)
{
    return t != VG_OPT_INT && t != VG_OPT_BOOL && t != VG_OPT_DURATION && t != VG_OPT_SIZE;
}

static int choice_ok(const char *choices, const char *v)
{
    size_t n = strlen(v);
    for (const char *p = choices; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, v, n) == 0)
            return 1;
        if (!bar)
            break;
        p = bar + 1;
    }
    return 0;
}

/* Joins dir and rel and removes "." and "dir/.." segments, so state paths stay short and
 * absolute (a unix socket path has a 107-byte limit) even when they do not exist yet. */
static char *join_path(const char *dir, const char *rel)
{
    char *joined = vg_asprintf("%s/%s", dir, rel);
    if (!joined)
        return NULL;
    char *out = vg_malloc(strlen(joined) + 2);
    if (!out) {
        vg_free(joined);
        return NULL;
    }
    size_t n = 0;
    char *save = NULL;
    for (char *seg = strtok_r(joined, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
        if (strcmp(seg, ".") == 0)
            continue;
        if (strcmp(seg, "..") == 0) {
            while (n > 0 && out[n - 1] != '/')
                n--;
            if (n > 0)
                n--;
            continue;
        }
        out[n++] = '/';
        size_t l = strlen(seg);
        memcpy(out + n, seg, l);
        n += l;
    }
    if (n == 0)
        out[n++] = '/';
    out[n] = '\0';
    vg_free(joined);
    return out;
}

char *vg_option_base_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? vg_strndup(path, (size_t)(slash - path)) : vg_strdup(".");
    if (!dir)
        return NULL;
    if (dir[0] == '/' || !dir[0]) {
        if (!dir[0]) {
            vg_free(dir);
            return vg_strdup("/");
        }
        return dir;
    }
    char cwd[4096];
    char *abs = getcwd(cwd, sizeof(cwd)) ? join_path(cwd, dir) : NULL;
    vg_free(dir);
    return abs;
}

/* Control characters can only get into a value by mistake (or by an editor's bad day), and
 * they end up in HTTP headers, Redis keys and logs. */
static int check_text(const char *v, char *why, size_t whylen)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
            snprintf(why, whylen, "control character (0x%02x) in the value", *p);
            return -1;
        }
    return 0;
}

static int check_value(const struct vg_option *o, const char *v, vg_option_check_fn check, char *why, size_t whylen)
{
    if (check_text(v, why, whylen) < 0)
        return -1;
    if (o->type == VG_OPT_ENUM && !choice_ok(o->choices, v)) {
        snprintf(why, whylen, "'%s' is not one of %s", v, o->choices);
        return -1;
    }
    return check ? check(o, v, why, whylen) : 0;
}

int vg_option_set(const struct vg_option *o, void *base, const char *value, const char *base_dir,
                  vg_option_check_fn check, char *err, size_t errlen)
{
    long long v = 0;
    int b;
    if (is_string_type(o->type)) {
        char *s;
        /* A secret is checked once resolved: its reference is not the value. */
        if (!(o->flags & VG_OPT_SENSITIVE) && check_value(o, value, check, err, errlen) < 0)
            return -1;
        if (o->flags & VG_OPT_SENSITIVE)
            s = vg_secret_resolve(value, err, errlen);
        else if ((o->type == VG_OPT_PATH || o->type == VG_OPT_DIR) && value[0] && value[0] != '/' && base_dir)
            s = join_path(base_dir, value);
        else
            s = vg_strdup(value);
        if (!s) {
            if (!err[0])
                snprintf(err, errlen, "out of memory");
            return -1;
        }
        if ((o->flags & VG_OPT_SENSITIVE) && check_value(o, s, check, err, errlen) < 0) {
            vg_free(s);
            return -1;
        }
        struct stat st;
        if (o->type == VG_OPT_DIR && s[0] && (stat(s, &st) < 0 || !S_ISDIR(st.st_mode))) {
            snprintf(err, errlen, "'%s' is not a directory%s%s", s, errno == ENOENT ? "" : ": ",
                     errno == ENOENT ? " (it does not exist)" : strerror(errno));
            vg_free(s);
            return -1;
        }
        char **f = str_field(base, o);
        vg_free(*f);
        *f = s;
        return 0;
    }
    switch (o->type) {
    case VG_OPT_INT: {
        char *end;
        errno = 0;
        v = strtoll(value, &end, 10);
        if (errno || end == value || *end) {
            snprintf(err, errlen, "'%s' is not an integer", value);
            return -1;
        }
        break;
    }
    case VG_OPT_BOOL:
        if (vg_parse_bool(value, &b) < 0) {
            snprintf(err, errlen, "'%s' is not a boolean (yes/no, true/false, on/off)", value);
            return -1;
        }
        v = b;
        break;
    case VG_OPT_DURATION:
        if (vg_parse_duration_ms(value, &v) < 0) {
            snprintf(err, errlen, "'%s' is not a duration (e.g. 500ms, 30s, 5m, 2h, 1d)", value);
            return -1;
        }
        break;
    case VG_OPT_SIZE:
        if (vg_parse_size(value, &v) < 0) {
            snprintf(err, errlen, "'%s' is not a size (e.g. 512k, 8M, 1G)", value);
            return -1;
        }
        break;
    default:
        break;
    }
    if ((o->min || o->max) && (v < o->min || v > o->max)) {
        char *range = vg_option_bounds(o);
        snprintf(err, errlen, "'%s' is out of range (%s)", value, range ? range : "?");
        vg_free(range);
        return -1;
    }
    *num_field(base, o) = v;
    return 0;
}

/* ---- whole tables ----------------------------------------------------------- */

int vg_option_table_defaults(const struct vg_option *table, void *base, vg_option_check_fn check,
                             char *err, size_t errlen)
{
    for (const struct vg_option *o = table; o && o->name; o++) {
        char why[400] = "";
        if (vg_option_set(o, base, o->def, NULL, check, why, sizeof(why)) < 0) {
            if (o->section)
                snprintf(err, errlen, "default of %s.%s: %s", o->section, o->name, why);
            else
                snprintf(err, errlen, "default of %s: %s", o->name, why);
            return -1;
        }
    }
    return 0;
}

void vg_option_table_free(const struct vg_option *table, void *base)
{
    for (const struct vg_option *o = table; o && o->name; o++)
        if (is_string_type(o->type)) {
            vg_free(*str_field(base, o));
            *str_field(base, o) = NULL;
        }
}

const struct vg_option *vg_option_find(const struct vg_option *table, const char *name)
{
    for (const struct vg_option *o = table; o && o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

size_t vg_option_count(const struct vg_option *table)
{
    size_t n = 0;
    while (table && table[n].name)
        n++;
    return n;
}

/* ---- formatting, comparing, copying ------------------------------------------ */

char *vg_option_format(const struct vg_option *o, const void *base)
{
    void *mc = (void *)base;
    if (is_string_type(o->type)) {
        const char *s = *str_field(mc, o);
        if (o->flags & VG_OPT_SENSITIVE)
            return vg_strdup(s && *s ? "(set)" : "(unset)");
        if (o->type == VG_OPT_REDIS_URL)
            return vg_url_mask(s); /* a password may sit in the URL itself */
        return vg_strdup(s ? s : "");
    }
    long long v = *num_field(mc, o);
    switch (o->type) {
    case VG_OPT_BOOL: return vg_strdup(v ? "yes" : "no");
    case VG_OPT_DURATION: return format_duration(v);
    case VG_OPT_SIZE: return format_size(v);
    default: return vg_asprintf("%lld", v);
    }
}

int vg_option_differs(const struct vg_option *o, const void *a, const void *b)
{
    void *ma = (void *)a, *mb = (void *)b;
    if (is_string_type(o->type)) {
        const char *x = *str_field(ma, o), *y = *str_field(mb, o);
        return strcmp(x ? x : "", y ? y : "") != 0;
    }
    return *num_field(ma, o) != *num_field(mb, o);
}

int vg_option_copy(const struct vg_option *o, void *dst, const void *src)
{
    void *msrc = (void *)src;
    if (is_string_type(o->type)) {
        char *s = vg_strdup(*str_field(msrc, o));
        if (!s && *str_field(msrc, o))
            return -1;
        vg_free(*str_field(dst, o));
        *str_field(dst, o) = s;
        return 0;
    }
    *num_field(dst, o) = *num_field(msrc, o);
    return 0;
}
