/* config — loading and formatting of vigie's INI configuration (see config.h).
 *
 * inih splits the file into section, key and value; everything else is ours: the file is fed
 * to inih line by line so that each key knows its line (for errors, duplicates and warnings),
 * and each value is checked by its type, with the same parsers the daemon runs at start. */
#include "daemon/config.h"
#include "daemon/review_schedule.h"
#include "http/fetch_addr.h"
#include "queue/queue_url.h"
#include "sinks/console_link.h"
#include "sinks/sink.h"
#include "util/vg_alloc.h"
#include "util/vg_units.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <ini.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>
#include <unistd.h>

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

/* [sources]: the APIs' shared budgets ("<kind>_rate") and the User-Agent the company sources
 * send, checked where they are read, so a typo stops the start instead of a poll. */
static int check_sources(const struct vg_option *o, const char *v, char *why, size_t whylen)
{
    size_t n = strlen(o->name);
    long long limit, window;
    if (n > 5 && strcmp(o->name + n - 5, "_rate") == 0 && v[0] && vg_parse_rate(v, &limit, &window) < 0) {
        snprintf(why, whylen, "[sources] %s: expected N/DURATION like 7/1s or 600/5m (N from 1, DURATION "
                 "from 1ms to 1d), got '%.40s'; empty: the API's documented limit", o->name, v);
        return -1;
    }
    if (strcmp(o->name, "user_agent") == 0 && v[0] && !strchr(v, '@')) {
        snprintf(why, whylen, "[sources] user_agent: '%.80s' has no contact address (an e-mail with '@'), e.g. "
                 "\"Acme Sales Ops ops@acme.example\": SEC EDGAR refuses requests without one", v);
        return -1;
    }
    return 0;
}

/* The grammar types' parsers, handed to vg_option_set. */
static int check_grammar(const struct vg_option *o, const char *v, char *why, size_t whylen)
{
    if (o->section && strcmp(o->section, "sources") == 0 && o->type == VG_OPT_STRING)
        return check_sources(o, v, why, whylen);
    switch (o->type) {
    case VG_OPT_CIDRS: return check_cidrs(v, why, whylen);
    case VG_OPT_LISTEN: return check_listen(v, why, whylen);
    case VG_OPT_REDIS_URL: return check_redis_url(v, why, whylen);
    case VG_OPT_URL_TEMPLATE: return check_url_template(v, why, whylen);
    default: return 0;
    }
}

/* ---- loading -------------------------------------------------------------- */

/* inih's line buffer (INI_MAX_LINE in the packaged library): a longer line would be cut and
 * its tail read as a line of its own. */
#define INI_LINE_MAX 200

/* The lines of one [sink.NAME] section's keys. */
struct sink_lines {
    int first;         /* the section's first key (or header, for a type's own section) */
    int *v;            /* per option, the common ones then the type's: as load_ctx.lines */
    int written;       /* a type with a section of its own: the line of that section's header */
    int more_first;    /* ... and of the first of its further sections ([route.NAME]) */
    char more_name[128];
};

struct load_ctx {
    struct vg_config *c;
    const char *base_dir;
    FILE *f;
    int line;          /* the line inih is processing */
    int *lines;        /* per option: the line that set it, 0 when not in the file */
    const struct sink_type *const *types; /* what [sink.NAME] may name */
    struct sink_lines *sink_lines;         /* one per c->sinks[] */
    size_t n_sink_lines;
    int err_line;      /* first error found by us (0: none) */
    int oom;           /* a warning could not be kept */
    char msg[512];
};

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

static void on_header(struct load_ctx *ctx, const char *text);

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
    on_header(ctx, str);
    return r;
}

/* ---- [sink.NAME] sections ------------------------------------------------- */

static struct vg_sink_section *find_sink(const struct vg_config *c, const char *name)
{
    for (size_t i = 0; i < c->n_sinks; i++)
        if (strcmp(c->sinks[i].name, name) == 0)
            return &c->sinks[i];
    return NULL;
}

static const struct sink_type *find_type(const struct sink_type *const *types, const char *name)
{
    for (const struct sink_type *const *t = types; *t; t++)
        if (strcmp((*t)->name, name) == 0)
            return *t;
    return NULL;
}

/* A new section for a sink of type t, at its defaults: the common table's, the type's
 * own (batch, rate limit), then its own table's. NULL after load_error. */
static struct vg_sink_section *add_sink(struct load_ctx *ctx, const struct sink_type *t, const char *section)
{
    struct vg_config *c = ctx->c;
    struct vg_sink_section *sinks = vg_realloc(c->sinks, (c->n_sinks + 1) * sizeof(*sinks));
    if (sinks)
        c->sinks = sinks;
    struct sink_lines *lines = sinks ? vg_realloc(ctx->sink_lines, (ctx->n_sink_lines + 1) * sizeof(*lines)) : NULL;
    if (!lines) {
        load_error(ctx, "out of memory");
        return NULL;
    }
    ctx->sink_lines = lines;
    /* Counted at once, so that vg_config_free frees whatever is built below. */
    struct vg_sink_section *s = memset(&sinks[c->n_sinks++], 0, sizeof(*s));
    struct sink_lines *l = memset(&lines[ctx->n_sink_lines++], 0, sizeof(*l));
    s->type = t;
    l->first = ctx->line;
    size_t n = vg_option_count(sink_common_options) + vg_option_count(t->options);
    s->name = vg_strdup(t->name);
    s->config = vg_calloc(1, t->config_size ? t->config_size : 1);
    l->v = vg_calloc(n, sizeof(*l->v));
    if (!s->name || !s->config || !l->v) {
        load_error(ctx, "out of memory");
        return NULL;
    }
    char why[400] = "";
    int rc = vg_option_table_defaults(sink_common_options, &s->common, check_grammar, why, sizeof(why));
    sink_common_type_defaults(t, &s->common);
    if (rc < 0 || vg_option_table_defaults(t->options, s->config, check_grammar, why, sizeof(why)) < 0) {
        load_error(ctx, "section [%s]: %s", section, why);
        return NULL;
    }
    return s;
}

/* The sink section for [section] (created at its defaults when new): the [sink.NAME] of a
 * type without a section of its own, or the section a type owns. NULL after load_error. */
static struct vg_sink_section *sink_for(struct load_ctx *ctx, const struct sink_type *owner, const char *section)
{
    struct vg_config *c = ctx->c;
    const char *sink = owner ? owner->name : section + strlen("sink.");
    struct vg_sink_section *s = find_sink(c, sink);
    if (s && !owner && s->type->section) {
        /* [sink.alerts]: that type's options are read in its own section. */
        load_error(ctx, "unknown section [%s]: the %s sink is configured in [%s]", section, sink, s->type->section);
        return NULL;
    }
    if (!s) {
        const struct sink_type *t = find_type(ctx->types, sink);
        if (!t) {
            char known[256] = "";
            for (const struct sink_type *const *p = ctx->types; *p; p++) {
                size_t used = strlen(known);
                snprintf(known + used, sizeof(known) - used, "%s%s", used ? ", " : "", (*p)->name);
            }
            load_error(ctx, "unknown sink type '%s' in section [%s] (%s%s)", sink, section,
                       known[0] ? "known: " : "no sink type is built in", known);
            return NULL;
        }
        if (t->section && !owner) {
            load_error(ctx, "unknown section [%s]: the %s sink is configured in [%s]", section, sink, t->section);
            return NULL;
        }
        s = add_sink(ctx, t, section);
    }
    return s;
}

/* The type owning [section] on its own (its `section`, or one of its `more_sections` when
 * `more`), or NULL. */
static const struct sink_type *section_owner(const struct sink_type *const *types, const char *section, int more)
{
    for (const struct sink_type *const *t = types; *t; t++) {
        if (!more && (*t)->section && strcmp((*t)->section, section) == 0)
            return *t;
        for (const char *const *p = (*t)->more_sections; more && p && *p; p++)
            if (strncmp(section, *p, strlen(*p)) == 0)
                return *t;
    }
    return NULL;
}

/* A section header, as read_line meets it (inih has not yet seen the line): a type's own
 * section runs once written, even without keys ([alerts] alone), and each further section
 * is announced to its type with the header's line, for its messages. */
static void on_header(struct load_ctx *ctx, const char *text)
{
    while (*text == ' ' || *text == '\t')
        text++;
    const char *end = text[0] == '[' ? strchr(text, ']') : NULL;
    if (!end || !ctx->c)
        return;
    char section[128];
    snprintf(section, sizeof(section), "%.*s", (int)(end - text - 1), text + 1);
    const struct sink_type *own = section_owner(ctx->types, section, 0);
    const struct sink_type *more = own ? NULL : section_owner(ctx->types, section, 1);
    if (!own && !more)
        return;
    struct vg_sink_section *s = sink_for(ctx, own ? own : more, section);
    if (!s)
        return;
    struct sink_lines *l = &ctx->sink_lines[s - ctx->c->sinks];
    if (own) {
        if (!l->written)
            l->written = l->first = ctx->line;
        return;
    }
    if (!l->more_first) {
        l->more_first = ctx->line;
        snprintf(l->more_name, sizeof(l->more_name), "%s", section);
    }
    char why[400] = "";
    if (more->section_entry && more->section_entry(s->config, section, NULL, NULL, ctx->line, why, sizeof(why)) < 0)
        load_error(ctx, "%s", why);
}

/* A key of a further section of a type ([route.NAME]): the type reads it. */
static void on_more_entry(struct load_ctx *ctx, const struct sink_type *t, const char *section, const char *name,
                          const char *value)
{
    struct vg_sink_section *s = sink_for(ctx, t, section);
    char why[400] = "";
    if (s && (!t->section_entry || t->section_entry(s->config, section, name, value, ctx->line, why, sizeof(why)) < 0))
        load_error(ctx, "%s", why[0] ? why : "the sink reads no such section");
}

static void on_sink_entry(struct load_ctx *ctx, const struct sink_type *owner, const char *section, const char *name,
                          const char *value)
{
    struct vg_config *c = ctx->c;
    struct vg_sink_section *s = sink_for(ctx, owner, section);
    if (!s)
        return;
    struct sink_lines *l = &ctx->sink_lines[s - c->sinks];
    void *base = &s->common;
    const struct vg_option *o = vg_option_find(sink_common_options, name);
    size_t at = o ? (size_t)(o - sink_common_options) : 0;
    if (!o && (o = vg_option_find(s->type->options, name))) {
        base = s->config;
        at = vg_option_count(sink_common_options) + (size_t)(o - s->type->options);
    }
    if (!o) {
        load_error(ctx, "unknown key '%s' in section [%s]", name, section);
        return;
    }
    if (l->v[at]) {
        load_error(ctx, "key '%s.%s' is set twice, on line %d and line %d: keep one", section, name, l->v[at],
                   ctx->line);
        return;
    }
    l->v[at] = ctx->line;
    char why[400] = "";
    if (vg_option_set(o, base, value, ctx->base_dir, check_grammar, why, sizeof(why)) < 0)
        load_error(ctx, "key '%s.%s': %s", section, name, why);
}

/* The line of option `key` of a sink section (the common options, then its type's), or 0. */
static int sink_key_line(const struct vg_sink_section *s, const struct sink_lines *l, const char *key)
{
    const struct vg_option *o = vg_option_find(sink_common_options, key);
    if (o)
        return l->v[o - sink_common_options];
    if ((o = vg_option_find(s->type->options, key)))
        return l->v[vg_option_count(sink_common_options) + (size_t)(o - s->type->options)];
    return 0;
}

/* A type's check said `why`: "line N: ..." is about line N; "key 'NAME': ..." about an option
 * of the section, on its line (the section's when it is not in the file). */
static void check_error(const struct vg_sink_section *s, const struct sink_lines *l, const char *path,
                        const char *why, char *err, size_t errlen)
{
    char section[160], key[64];
    sink_type_section(s->type, section, sizeof(section));
    int line = 0, used = 0;
    if (sscanf(why, "line %d: %n", &line, &used) == 1 && used > 0 && line > 0) {
        snprintf(err, errlen, "%s:%d: %s", path, line, why + used);
        return;
    }
    if (sscanf(why, "key '%63[^']': %n", key, &used) == 1 && used > 0) {
        line = sink_key_line(s, l, key);
        snprintf(err, errlen, "%s:%d: key '%s.%s': %s", path, line ? line : l->first, section, key, why + used);
        return;
    }
    snprintf(err, errlen, "%s:%d: section [%s]: %s", path, l->first, section, why);
}

/* Once the file is read, what concerns a whole sink section: the common options together,
 * then the type's own check. 0, or -1 with "FILE:LINE: ..." in err. */
static int finish_sinks(struct load_ctx *ctx, const char *path, char *err, size_t errlen)
{
    struct vg_config *c = ctx->c;
    for (size_t i = 0; i < c->n_sinks; i++) {
        struct vg_sink_section *s = &c->sinks[i];
        const struct sink_lines *l = &ctx->sink_lines[i];
        const char *key = "";
        char why[400] = "", section[160];
        sink_type_section(s->type, section, sizeof(section));
        if (s->type->section && !l->written) {
            snprintf(err, errlen, "%s:%d: section [%s] needs an [%s] section, which the %s sink reads it with "
                     "(add [%s]; its receiver = NAME is the default route)", path, l->more_first, l->more_name,
                     s->type->section, s->name, s->type->section);
            return -1;
        }
        if (sink_common_finish(s->type, &s->common, &key, why, sizeof(why)) < 0) {
            int line = sink_key_line(s, l, key);
            snprintf(err, errlen, "%s:%d: key '%s.%s': %s", path, line ? line : l->first, section, key, why);
            return -1;
        }
        if (s->type->check && s->type->check(s->config, why, sizeof(why)) < 0) {
            check_error(s, l, path, why, err, errlen);
            return -1;
        }
    }
    return 0;
}

const struct vg_sink_section *vg_config_sink(const struct vg_config *c, const char *name)
{
    return find_sink(c, name);
}

const void *vg_config_sink_peer(void *cfg, const char *name)
{
    const struct vg_sink_section *s = vg_config_sink(cfg, name);
    return s && s->common.enabled ? s->config : NULL;
}

int vg_config_sinks_differ(const struct vg_config *a, const struct vg_config *b)
{
    static const struct vg_config none;
    a = a ? a : &none;
    b = b ? b : &none;
    for (size_t i = 0; i < b->n_sinks; i++)
        if (vg_config_sink_differs(a, b, b->sinks[i].name))
            return 1;
    for (size_t i = 0; i < a->n_sinks; i++)
        if (!vg_config_sink(b, a->sinks[i].name))
            return 1;
    return 0;
}

int vg_config_sink_differs(const struct vg_config *a, const struct vg_config *b, const char *name)
{
    const struct vg_sink_section *x = vg_config_sink(a, name), *y = vg_config_sink(b, name);
    if (!x || !y)
        return x != y;
    if (x->type != y->type)
        return 1;
    for (const struct vg_option *o = sink_common_options; o->name; o++)
        if (vg_option_differs(o, &x->common, &y->common))
            return 1;
    for (const struct vg_option *o = x->type->options; o && o->name; o++)
        if (vg_option_differs(o, x->config, y->config))
            return 1;
    return x->type->config_differs && x->type->config_differs(x->config, y->config);
}

static void free_sink(struct vg_sink_section *s)
{
    vg_option_table_free(sink_common_options, &s->common);
    if (s->config && s->type->config_clear)
        s->type->config_clear(s->config);
    if (s->config)
        vg_option_table_free(s->type->options, s->config);
    vg_free(s->config);
    vg_free(s->name);
}

/* ---- reading the file ---------------------------------------------------------- */

static int on_ini_entry(void *user, const char *section, const char *name, const char *value)
{
    struct load_ctx *ctx = user;
    if (ctx->err_line)
        return 1;
    if (strncmp(section, "sink.", strlen("sink.")) == 0) {
        on_sink_entry(ctx, NULL, section, name, value);
        return 1;
    }
    const struct sink_type *t = section_owner(ctx->types, section, 0);
    if (t) {
        on_sink_entry(ctx, t, section, name, value);
        return 1;
    }
    if ((t = section_owner(ctx->types, section, 1))) {
        on_more_entry(ctx, t, section, name, value);
        return 1;
    }
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
    if (vg_option_set(o, ctx->c, value, ctx->base_dir, check_grammar, why, sizeof(why)) < 0)
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

/* [review]'s schedule (daemon/review_schedule.c): its grammar, then what would hand nothing
 * over, said at its option's line (the section's first when the option is not written). */
static int review_line(struct load_ctx *ctx, const char *key)
{
    const struct vg_option *o = find_option("review", key);
    int line = o ? ctx->lines[o - vg_options] : 0;
    for (const struct vg_option *x = vg_options; !line && x->name; x++)
        if (strcmp(x->section, "review") == 0 && ctx->lines[x - vg_options])
            line = ctx->lines[x - vg_options];
    return line;
}

static void review_warn(void *arg, const char *key, const char *msg)
{
    struct load_ctx *ctx = arg;
    if (add_warning(ctx->c, review_line(ctx, key), "%s", msg) < 0)
        ctx->oom = 1;
}

/* [console] public_url goes into alerts, e-mails and CRM notes as the base of links: an
 * http(s) URL people can click, nothing else (a javascript: URL would be a link in a rep's
 * inbox). */
static int check_console_url(struct load_ctx *ctx, const char *path, char *err, size_t errlen)
{
    const char *v = ctx->c->console_public_url;
    if (!v || !v[0] || console_link_ok(v))
        return 0;
    const struct vg_option *o = find_option("console", "public_url");
    snprintf(err, errlen, "%s:%d: key 'console.public_url': '%.200s' is not an http:// or https:// URL with a host "
             "(and no blanks, quotes or < > \\ ` | { } ^)", path, o ? ctx->lines[o - vg_options] : 0, v);
    return -1;
}

/* [websub] listen on needs the address the hubs call back (daemon/websub.c). */
static int check_websub(struct load_ctx *ctx, const char *path, char *err, size_t errlen)
{
    const char *l = ctx->c->websub_listen, *v = ctx->c->websub_public_url;
    if (!l || !l[0] || strcmp(l, "off") == 0 || (v && (strncmp(v, "https://", 8) == 0 || strncmp(v, "http://", 7) == 0)))
        return 0;
    const struct vg_option *o = find_option("websub", "listen");
    snprintf(err, errlen, "%s:%d: key 'websub.listen': set [websub] public_url too, the https:// address the hubs "
             "reach this listener at", path, o ? ctx->lines[o - vg_options] : 0);
    return -1;
}

static int check_review(struct load_ctx *ctx, const char *path, char *err, size_t errlen)
{
    const char *key = "";
    char why[512];
    if (review_schedule_check(ctx->c, &key, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "%s:%d: key 'review.%s': %s", path, review_line(ctx, key), key, why);
        return -1;
    }
    review_schedule_warnings(ctx->c, review_warn, ctx);
    if (ctx->oom)
        snprintf(err, errlen, "out of memory");
    return ctx->oom ? -1 : 0;
}

static void free_sink_lines(struct load_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_sink_lines; i++)
        vg_free(ctx->sink_lines[i].v);
    vg_free(ctx->sink_lines);
}

struct vg_config *vg_config_load(const char *path, char *err, size_t errlen)
{
    return vg_config_load_types(path, sink_types, err, errlen);
}

struct vg_config *vg_config_load_types(const char *path, const struct sink_type *const *types, char *err,
                                       size_t errlen)
{
    struct vg_config *c = vg_calloc(1, sizeof(*c));
    char *base_dir = NULL;
    struct load_ctx ctx = {.types = types};
    if (!c)
        goto oom;
    if (vg_option_table_defaults(vg_options, c, check_grammar, err, errlen) < 0)
        goto fail;
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
    base_dir = vg_option_base_dir(path);
    ctx.lines = vg_calloc(vg_option_count(vg_options), sizeof(*ctx.lines));
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
    if (finish_sinks(&ctx, path, err, errlen) < 0)
        goto fail;
    const struct vg_option *listen = find_option("admin", "listen");
    const struct vg_option *allow = find_option("fetch", "allow_private");
    if ((ctx.lines[listen - vg_options] && warn_listen(c, ctx.lines[listen - vg_options]) < 0) ||
        (ctx.lines[allow - vg_options] && warn_allow_private(c, ctx.lines[allow - vg_options]) < 0))
        goto oom;
    if (check_review(&ctx, path, err, errlen) < 0 || check_console_url(&ctx, path, err, errlen) < 0 ||
        check_websub(&ctx, path, err, errlen) < 0)
        goto fail;
    vg_free(ctx.lines);
    free_sink_lines(&ctx);
    vg_free(base_dir);
    return c;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    vg_free(ctx.lines);
    free_sink_lines(&ctx);
    vg_free(base_dir);
    vg_config_free(c);
    return NULL;
}

void vg_config_free(struct vg_config *c)
{
    if (!c)
        return;
    vg_option_table_free(vg_options, c);
    for (size_t i = 0; i < c->n_sinks; i++)
        free_sink(&c->sinks[i]);
    vg_free(c->sinks);
    for (size_t i = 0; i < c->n_warnings; i++)
        vg_free(c->warnings[i]);
    vg_free(c->warnings);
    vg_free(c->file);
    vg_free(c);
}

char *vg_config_format(const struct vg_config *c, const struct vg_option *o)
{
    return vg_option_format(o, c);
}

int vg_config_differs(const struct vg_config *a, const struct vg_config *b, const struct vg_option *o)
{
    return vg_option_differs(o, a, b);
}

int vg_config_copy_option(struct vg_config *dst, const struct vg_config *src, const struct vg_option *o)
{
    return vg_option_copy(o, dst, src);
}
