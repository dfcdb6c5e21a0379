/* config — loading and formatting of vigie's INI configuration (see config.h). */
#include "daemon/config.h"
#include "util/vg_alloc.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static char **str_field(struct vg_config *c, const struct vg_option *o)
{
    return (char **)((char *)c + o->offset);
}

static long long *num_field(struct vg_config *c, const struct vg_option *o)
{
    return (long long *)((char *)c + o->offset);
}

static int is_string_type(enum vg_opt_type t)
{
    return t == VG_OPT_STRING || t == VG_OPT_PATH || t == VG_OPT_ENUM;
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

/* The absolute directory of the configuration file. */
static char *config_dir(const char *path)
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

/* base_dir: absolute directory of the config file (for PATH options), or NULL. */
static int set_option(struct vg_config *c, const struct vg_option *o, const char *value,
                      const char *base_dir, char *err, size_t errlen)
{
    long long v = 0;
    int b;
    switch (o->type) {
    case VG_OPT_STRING:
    case VG_OPT_PATH:
    case VG_OPT_ENUM: {
        char *s;
        if (o->type == VG_OPT_ENUM && !choice_ok(o->choices, value)) {
            snprintf(err, errlen, "'%s' is not one of %s", value, o->choices);
            return -1;
        }
        if (o->flags & VG_OPT_SENSITIVE)
            s = vg_secret_resolve(value, err, errlen);
        else if (o->type == VG_OPT_PATH && value[0] && value[0] != '/' && base_dir)
            s = join_path(base_dir, value);
        else
            s = vg_strdup(value);
        if (!s) {
            if (!err[0])
                snprintf(err, errlen, "out of memory");
            return -1;
        }
        char **f = str_field(c, o);
        vg_free(*f);
        *f = s;
        return 0;
    }
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
    }
    if ((o->min || o->max) && (v < o->min || v > o->max)) {
        char *lo = NULL, *hi = NULL;
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
        snprintf(err, errlen, "'%s' is out of range (%s to %s)", value, lo ? lo : "?", hi ? hi : "?");
        vg_free(lo);
        vg_free(hi);
        return -1;
    }
    *num_field(c, o) = v;
    return 0;
}

/* ---- loading -------------------------------------------------------------- */

struct load_ctx {
    struct vg_config *c;
    const char *base_dir;
    char msg[512];
};

static const struct vg_option *find_option(const char *section, const char *name)
{
    for (const struct vg_option *o = vg_options; o->name; o++)
        if (strcmp(o->section, section) == 0 && strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

static int on_ini_entry(void *user, const char *section, const char *name, const char *value)
{
    struct load_ctx *ctx = user;
    const struct vg_option *o = find_option(section, name);
    if (!o) {
        int known_section = 0;
        for (const struct vg_option *p = vg_options; p->name; p++)
            known_section |= strcmp(p->section, section) == 0;
        if (!section[0])
            snprintf(ctx->msg, sizeof(ctx->msg), "key '%s' outside any [section]", name);
        else if (!known_section)
            snprintf(ctx->msg, sizeof(ctx->msg), "unknown section [%s] (key '%s')", section, name);
        else
            snprintf(ctx->msg, sizeof(ctx->msg), "unknown key '%s' in section [%s]", name, section);
        return 0;
    }
    char why[400] = "";
    if (set_option(ctx->c, o, value, ctx->base_dir, why, sizeof(why)) < 0) {
        snprintf(ctx->msg, sizeof(ctx->msg), "key '%s.%s': %s", section, name, why);
        return 0;
    }
    return 1;
}

struct vg_config *vg_config_load(const char *path, char *err, size_t errlen)
{
    struct vg_config *c = vg_calloc(1, sizeof(*c));
    char *base_dir = NULL;
    if (!c)
        goto oom;
    for (const struct vg_option *o = vg_options; o->name; o++) {
        char why[400] = "";
        if (set_option(c, o, o->def, NULL, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "default of %s.%s: %s", o->section, o->name, why);
            goto fail;
        }
    }
    /* Under systemd, StateDirectory= tells where state goes; the file can still override. */
    const char *sd_state = getenv("STATE_DIRECTORY");
    if (sd_state && *sd_state) {
        vg_free(c->state_dir);
        c->state_dir = vg_strndup(sd_state, strcspn(sd_state, ":"));
        if (!c->state_dir)
            goto oom;
    }
    if (!path)
        return c;

    c->file = vg_strdup(path);
    base_dir = config_dir(path);
    if (!c->file || !base_dir)
        goto oom;
    struct load_ctx ctx = {.c = c, .base_dir = base_dir};
    int rc = ini_parse(path, on_ini_entry, &ctx);
    if (rc == -1) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        goto fail;
    }
    if (rc == -2)
        goto oom;
    if (rc > 0) {
        if (ctx.msg[0])
            snprintf(err, errlen, "%s:%d: %s", path, rc, ctx.msg);
        else
            snprintf(err, errlen, "%s:%d: syntax error (expected [section] or key = value)", path, rc);
        goto fail;
    }
    vg_free(base_dir);
    return c;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    vg_free(base_dir);
    vg_config_free(c);
    return NULL;
}

void vg_config_free(struct vg_config *c)
{
    if (!c)
        return;
    for (const struct vg_option *o = vg_options; o->name; o++)
        if (is_string_type(o->type))
            vg_free(*str_field(c, o));
    vg_free(c->file);
    vg_free(c);
}

char *vg_config_format(const struct vg_config *c, const struct vg_option *o)
{
    struct vg_config *mc = (struct vg_config *)c;
    if (is_string_type(o->type)) {
        const char *s = *str_field(mc, o);
        if (o->flags & VG_OPT_SENSITIVE)
            return vg_strdup(s && *s ? "(set)" : "(unset)");
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

int vg_config_differs(const struct vg_config *a, const struct vg_config *b, const struct vg_option *o)
{
    struct vg_config *ma = (struct vg_config *)a, *mb = (struct vg_config *)b;
    if (is_string_type(o->type)) {
        const char *x = *str_field(ma, o), *y = *str_field(mb, o);
        return strcmp(x ? x : "", y ? y : "") != 0;
    }
    return *num_field(ma, o) != *num_field(mb, o);
}

int vg_config_copy_option(struct vg_config *dst, const struct vg_config *src, const struct vg_option *o)
{
    struct vg_config *msrc = (struct vg_config *)src;
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
