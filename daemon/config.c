/* config — loading and formatting of vigie's INI configuration (see config.h).
 *
 * inih splits the file into section, key and value; everything else is ours: the file is fed
 * to inih line by line so that each key knows its line (for errors, duplicates and warnings),
 * and each value is checked by its type, with the same parsers the daemon runs at start. */
#include "daemon/config.h"
#include "http/fetch_addr.h"
#include "queue/queue_url.h"
#include "util/vg_alloc.h"
#include "util/vg_url_mask.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <ini.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>
#include <sys/un.h>
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

/* ---- values with a grammar ------------------------------------------------ */

static int check_cidrs(const char *v, char *why, size_t whylen)
{
    char err[256] = "";
    struct fetch_addr_policy *p = fetch_addr_policy_new(v, err, sizeof(err));
    if (!p) {
        const char *m = strncmp(err, "allow_private: ", 15) == 0 ? err + 15 : err;
        snprintf(why, whylen, "%s", m);
        return -1;
    }
    fetch_addr_policy_free(p);
    return 0;
}

/* Splits HOST:PORT the way the admin endpoint does (the last colon; [v6] brackets removed).
 * 0 with host copied into `host`, or -1 with the reason. */
static int split_listen(const char *v, char *host, size_t hostlen, long *port, char *why, size_t whylen)
{
    const char *colon = strrchr(v, ':');
    if (!colon || colon == v || !colon[1]) {
        snprintf(why, whylen, "'%s' is not HOST:PORT, unix:PATH or off", v);
        return -1;
    }
    size_t hl = (size_t)(colon - v);
    const char *h = v;
    if (hl > 2 && h[0] == '[' && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl >= hostlen) {
        snprintf(why, whylen, "host of '%.40s...' is too long", v);
        return -1;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    const char *p = colon + 1;
    long n = 0;
    for (; *p; p++) {
        if (!isdigit((unsigned char)*p) || (n = n * 10 + (*p - '0')) > 65535) {
            snprintf(why, whylen, "'%s': the port must be a number from 0 to 65535", v);
            return -1;
        }
    }
    *port = n;
    return 0;
}

static int check_listen(const char *v, char *why, size_t whylen)
{
    if (!v[0] || strcmp(v, "off") == 0)
        return 0;
    if (strncmp(v, "unix:", 5) == 0) {
        size_t n = strlen(v + 5);
        if (n == 0 || n >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
            snprintf(why, whylen, "unix socket path must have 1 to %zu bytes",
                     sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
            return -1;
        }
        return 0;
    }
    char host[256];
    long port;
    return split_listen(v, host, sizeof(host), &port, why, whylen);
}

static int check_redis_url(const char *v, char *why, size_t whylen)
{
    if (strcmp(v, "embedded") == 0)
        return 0;
    struct queue_url u;
    int rc = queue_url_parse(v, &u, why, whylen);
    queue_url_clear(&u);
    return rc;
}

static int check_url_template(const char *v, char *why, size_t whylen)
{
    if (!v[0])
        return 0;
    if (strncasecmp(v, "http://", 7) != 0 && strncasecmp(v, "https://", 8) != 0) {
        snprintf(why, whylen, "'%.80s' must start with http:// or https://", v);
        return -1;
    }
    if (strpbrk(v, " \t")) {
        snprintf(why, whylen, "a URL holds no blanks (write a space as %%20)");
        return -1;
    }
    if (!strstr(v, "{name}") && !strstr(v, "{id}")) {
        snprintf(why, whylen, "'%.80s' holds neither {name} nor {id}: every account would get the same feed", v);
        return -1;
    }
    return 0;
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

static int check_value(const struct vg_option *o, const char *v, char *why, size_t whylen)
{
    if (check_text(v, why, whylen) < 0)
        return -1;
    switch (o->type) {
    case VG_OPT_ENUM:
        if (!choice_ok(o->choices, v)) {
            snprintf(why, whylen, "'%s' is not one of %s", v, o->choices);
            return -1;
        }
        return 0;
    case VG_OPT_CIDRS: return check_cidrs(v, why, whylen);
    case VG_OPT_LISTEN: return check_listen(v, why, whylen);
    case VG_OPT_REDIS_URL: return check_redis_url(v, why, whylen);
    case VG_OPT_URL_TEMPLATE: return check_url_template(v, why, whylen);
    default: return 0;
    }
}

/* base_dir: absolute directory of the config file (for PATH options), or NULL. */
static int set_option(struct vg_config *c, const struct vg_option *o, const char *value,
                      const char *base_dir, char *err, size_t errlen)
{
    long long v = 0;
    int b;
    if (is_string_type(o->type)) {
        char *s;
        /* A secret is checked once resolved: its reference is not the value. */
        if (!(o->flags & VG_OPT_SENSITIVE) && check_value(o, value, err, errlen) < 0)
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
        if ((o->flags & VG_OPT_SENSITIVE) && check_value(o, s, err, errlen) < 0) {
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
        char **f = str_field(c, o);
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
    *num_field(c, o) = v;
    return 0;
}

/* ---- loading -------------------------------------------------------------- */

/* inih's line buffer (INI_MAX_LINE in the packaged library): a longer line would be cut and
 * its tail read as a line of its own. */
#define INI_LINE_MAX 200

struct load_ctx {
    struct vg_config *c;
    const char *base_dir;
    FILE *f;
    int line;          /* the line inih is processing */
    int *lines;        /* per option: the line that set it, 0 when not in the file */
    int err_line;      /* first error found by us (0: none) */
    char msg[512];
};

static size_t option_count(void)
{
    size_t n = 0;
    while (vg_options[n].name)
        n++;
    return n;
}

static const struct vg_option *find_option(const char *section, const char *name)
{
    for (const struct vg_option *o = vg_options; o->name; o++)
        if (strcmp(o->section, section) == 0 && strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

static void load_error(struct load_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void load_error(struct load_ctx *ctx, const char *fmt, ...)
{
    if (ctx->err_line)
        return; /* the first error is the one to fix */
    ctx->err_line = ctx->line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->msg, sizeof(ctx->msg), fmt, ap);
    va_end(ap);
}

/* inih's reader, so that we know the line of each key. */
static char *read_line(char *str, int num, void *stream)
{
    struct load_ctx *ctx = stream;
    if (ctx->err_line)
        return NULL;
    char *r = fgets(str, num, ctx->f);
    if (!r)
        return NULL;
    ctx->line++;
    if (!strchr(str, '\n') && !feof(ctx->f)) {
        load_error(ctx, "line longer than %d characters", num - 2);
        return NULL;
    }
    return r;
}

static int on_ini_entry(void *user, const char *section, const char *name, const char *value)
{
    struct load_ctx *ctx = user;
    if (ctx->err_line)
        return 1;
    const struct vg_option *o = find_option(section, name);
    if (!o) {
        int known_section = 0;
        for (const struct vg_option *p = vg_options; p->name; p++)
            known_section |= strcmp(p->section, section) == 0;
        if (!section[0])
            load_error(ctx, "key '%s' outside any [section]", name);
        else if (!known_section)
            load_error(ctx, "unknown section [%s] (key '%s')", section, name);
        else
            load_error(ctx, "unknown key '%s' in section [%s]", name, section);
        return 1;
    }
    int *seen = &ctx->lines[o - vg_options];
    if (*seen) {
        load_error(ctx, "key '%s.%s' is set twice, on line %d and line %d: keep one", section, name,
                   *seen, ctx->line);
        return 1;
    }
    *seen = ctx->line;
    char why[400] = "";
    if (set_option(ctx->c, o, value, ctx->base_dir, why, sizeof(why)) < 0)
        load_error(ctx, "key '%s.%s': %s", section, name, why);
    return 1;
}

/* ---- warnings: valid settings that open the machine up ---------------------- */

static int add_warning(struct vg_config *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int add_warning(struct vg_config *c, int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    char **nw = vg_realloc(c->warnings, (c->n_warnings + 1) * sizeof(*nw));
    if (!nw)
        return -1;
    c->warnings = nw;
    if (!(nw[c->n_warnings] = vg_asprintf("%s:%d: %s", c->file, line, msg)))
        return -1;
    c->n_warnings++;
    return 0;
}

/* The admin endpoint has no authentication: outside loopback, anyone who can reach the port
 * reads the metrics and the console. */
static int warn_listen(struct vg_config *c, int line)
{
    const char *v = c->admin_listen;
    char host[256];
    long port;
    char why[128];
    if (!v[0] || strcmp(v, "off") == 0 || strncmp(v, "unix:", 5) == 0 ||
        split_listen(v, host, sizeof(host), &port, why, sizeof(why)) < 0)
        return 0;
    unsigned char a[16];
    if (strcmp(host, "localhost") == 0 || (inet_pton(AF_INET, host, a) == 1 && a[0] == 127) ||
        (inet_pton(AF_INET6, host, a) == 1 && fetch_addr_classify(AF_INET6, a) == FETCH_ADDR_LOOPBACK))
        return 0;
    return add_warning(c, line, "admin.listen = %s serves the admin endpoint without authentication to "
                       "every network that reaches this host; prefer 127.0.0.1:PORT or unix:PATH behind "
                       "an authenticating proxy", v);
}

/* A range that covers the link-local metadata address or every private network switches the
 * SSRF guard off: any feed or redirect could reach the cloud's credentials or internal services. */
static int warn_allow_private(struct vg_config *c, int line)
{
    if (!c->fetch_allow_private[0])
        return 0;
    char err[256], why[256];
    struct fetch_addr_policy *p = fetch_addr_policy_new(c->fetch_allow_private, err, sizeof(err));
    if (!p)
        return 0;
    static const unsigned char metadata[4] = {169, 254, 169, 254};
    static const unsigned char v4_samples[][4] = {{127, 0, 0, 1}, {10, 0, 0, 1}, {172, 16, 0, 1}, {192, 168, 0, 1}};
    int all = 1;
    for (size_t i = 0; i < sizeof(v4_samples) / sizeof(v4_samples[0]); i++)
        all &= fetch_addr_check(p, AF_INET, v4_samples[i], why, sizeof(why)) == 0;
    int meta = fetch_addr_check(p, AF_INET, metadata, why, sizeof(why)) == 0;
    unsigned char v6[16];
    int all6 = inet_pton(AF_INET6, "fd00::1", v6) == 1 && fetch_addr_check(p, AF_INET6, v6, why, sizeof(why)) == 0 &&
               inet_pton(AF_INET6, "fe80::1", v6) == 1 && fetch_addr_check(p, AF_INET6, v6, why, sizeof(why)) == 0;
    fetch_addr_policy_free(p);
    if (all || all6)
        return add_warning(c, line, "fetch.allow_private = %s opens every private address to fetches: a feed "
                           "or a redirect can reach internal services%s; list only the ranges you need",
                           c->fetch_allow_private, meta ? " and the cloud metadata endpoint 169.254.169.254" : "");
    if (meta)
        return add_warning(c, line, "fetch.allow_private = %s admits 169.254.169.254, the cloud metadata "
                           "endpoint: a feed or a redirect could read this machine's credentials",
                           c->fetch_allow_private);
    return 0;
}

struct vg_config *vg_config_load(const char *path, char *err, size_t errlen)
{
    struct vg_config *c = vg_calloc(1, sizeof(*c));
    char *base_dir = NULL;
    struct load_ctx ctx = {0};
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
    ctx.lines = vg_calloc(option_count(), sizeof(*ctx.lines));
    if (!c->file || !base_dir || !ctx.lines)
        goto oom;
    ctx.c = c;
    ctx.base_dir = base_dir;
    if (!(ctx.f = fopen(path, "r"))) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        goto fail;
    }
    /* An indented line would otherwise continue the previous value (configparser style):
     * "  format = text" under "  level = info" would set level to "info\nformat = text". */
    ini_allow_multiline = false;
    int rc = ini_parse_stream(read_line, &ctx, on_ini_entry, &ctx);
    fclose(ctx.f);
    if (rc == -2)
        goto oom;
    /* inih counts a syntax error; we count ours: the earlier one is reported. */
    if (ctx.err_line && (rc <= 0 || ctx.err_line <= rc)) {
        snprintf(err, errlen, "%s:%d: %s", path, ctx.err_line, ctx.msg);
        goto fail;
    }
    if (rc > 0) {
        snprintf(err, errlen, "%s:%d: syntax error (expected [section] or key = value)", path, rc);
        goto fail;
    }
    const struct vg_option *listen = find_option("admin", "listen");
    const struct vg_option *allow = find_option("fetch", "allow_private");
    if ((ctx.lines[listen - vg_options] && warn_listen(c, ctx.lines[listen - vg_options]) < 0) ||
        (ctx.lines[allow - vg_options] && warn_allow_private(c, ctx.lines[allow - vg_options]) < 0))
        goto oom;
    vg_free(ctx.lines);
    vg_free(base_dir);
    return c;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    vg_free(ctx.lines);
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
    for (size_t i = 0; i < c->n_warnings; i++)
        vg_free(c->warnings[i]);
    vg_free(c->warnings);
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
