/* config — vigie's configuration: an INI file read through a declarative option table.
 *
 * Every option is one row of vg_options[] (config_table.c): section, key, type with units,
 * default, bounds, target field in struct vg_config, description and flags. The parser, the
 * `check-config` listing, `vigie help run` and SIGHUP reloads all read that one table, so an
 * option added there is parsed, documented, bounded and reloaded without further code.
 *
 * Sensitive options (passwords, tokens) may name where the secret lives instead of holding it:
 *   env:NAME         the environment variable NAME
 *   file:PATH        the first line of PATH
 *   credential:NAME  $CREDENTIALS_DIRECTORY/NAME (systemd LoadCredential=)
 * Their values are never printed or logged. */
#ifndef VG_CONFIG_H
#define VG_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "util/vg_units.h"

enum vg_opt_type {
    VG_OPT_STRING,
    VG_OPT_PATH,     /* a string; relative paths resolve against the config file's directory */
    VG_OPT_DIR,      /* a PATH that, when set, must be an existing directory */
    VG_OPT_INT,
    VG_OPT_BOOL,
    VG_OPT_DURATION, /* stored in milliseconds; "250ms", "30s", "5m", "2h", "1d"; bare = seconds */
    VG_OPT_SIZE,     /* stored in bytes; "512", "64k", "8M", "1G" (powers of 1024) */
    VG_OPT_ENUM,     /* a string that must be one of `choices` ("a|b|c") */
    /* Strings with a grammar, checked by the parser that will use them, so that a value the
     * daemon would refuse at start is refused by check-config too, with its line. */
    VG_OPT_CIDRS,    /* addresses or CIDRs separated by commas or blanks (http/fetch_addr.h) */
    VG_OPT_LISTEN,   /* HOST:PORT (port 0-65535), [V6]:PORT, unix:PATH, or off */
    VG_OPT_REDIS_URL,/* embedded, or a URL queue/queue_url.h accepts */
    VG_OPT_URL_TEMPLATE, /* empty, or an http(s) URL holding {name} or {id} */
};

#define VG_OPT_SENSITIVE 0x1 /* never printed or logged; may come from env:/file:/credential: */
#define VG_OPT_RESTART 0x2   /* read at start only: a reload that changes it is reported */
/* Options without VG_OPT_RESTART are "live": a SIGHUP reload applies them at once. */

struct vg_option {
    const char *section;
    const char *name;
    enum vg_opt_type type;
    const char *def;       /* default, in the same syntax as the file */
    long long min, max;    /* bounds for INT, DURATION (ms) and SIZE (bytes); both 0: none */
    size_t offset;         /* offset of the field in struct vg_config */
    const char *choices;   /* ENUM only */
    unsigned flags;
    const char *desc;
};

struct vg_config {
    char *file;             /* the file read, or NULL for built-in defaults */
    /* Settings that are valid but risky, as "FILE:LINE: sentence" (vg_config_load fills
     * them; the caller shows them: check-config on stderr, the daemon in its log). */
    char **warnings;
    size_t n_warnings;

    /* [daemon] */
    char *state_dir;
    char *instance;
    char *roles;
    long long shutdown_timeout_ms;
    long long housekeeping_ms;
    /* [log] */
    char *log_level;
    char *log_format;
    /* [admin] */
    char *admin_listen;
    long long admin_max_connections;
    long long admin_max_per_address;
    long long admin_request_timeout_ms;
    /* [redis] */
    char *redis_url;
    char *redis_password;
    char *redis_prefix;
    char *redis_server;
    long long redis_connect_timeout_ms;
    long long redis_ping_interval_ms;
    long long redis_ping_timeout_ms;
    long long redis_backoff_max_ms;
    /* [fetch] */
    long long fetch_interval_ms;
    long long fetch_backoff_max_ms;
    long long fetch_lease_ms;
    long long fetch_recent_window_ms;
    long long fetch_timeout_ms;
    long long fetch_connect_timeout_ms;
    long long fetch_max_body;
    long long fetch_max_redirects;
    long long fetch_max_in_flight;
    long long fetch_per_host;
    long long fetch_per_host_delay_ms;
    long long fetch_allow_file;
    long long fetch_dedup_ttl_ms;
    long long fetch_items_maxlen;
    char *fetch_allow_private;
    char *fetch_user_agent;
    char *fetch_news_search;
    long long fetch_news_interval_ms;
    /* [enrich] */
    char *enrich_rules_dir;
    long long enrich_story_window_ms;
    /* [pipeline] */
    long long pipe_max_lag;
    long long pipe_batch;
    long long pipe_reclaim_idle_ms;
    long long pipe_max_deliveries;
    long long pipe_maxlen;
    long long pipe_dedup_ttl_ms;
};

extern const struct vg_option vg_options[];

/* Reads `path` (NULL: built-in defaults only) into a new config. Every value is checked
 * against its type here, so nothing the daemon would refuse later gets past. On error returns
 * NULL and writes "FILE:LINE: key 'section.name': reason" into err (a key given twice names
 * both lines). The caller frees with vg_config_free. */
struct vg_config *vg_config_load(const char *path, char *err, size_t errlen);
void vg_config_free(struct vg_config *c);

/* The value of option `o` in `c`, formatted as the file would write it (durations and sizes
 * with units). Sensitive values come back as "(set)" or "(unset)". Caller frees. */
char *vg_config_format(const struct vg_config *c, const struct vg_option *o);
/* 1 when option `o` differs between a and b. */
int vg_config_differs(const struct vg_config *a, const struct vg_config *b, const struct vg_option *o);
/* Copies option `o` from src into dst (used to keep restart-only values on reload). */
int vg_config_copy_option(struct vg_config *dst, const struct vg_config *src, const struct vg_option *o);


/* How the help and the example name an option's type: "duration", "yes|no", "a|b|c" ... */
const char *vg_option_type_name(const struct vg_option *o);
/* Its bounds in the file's units ("1s to 5m"), or "" when it has none. Caller frees. */
char *vg_option_bounds(const struct vg_option *o);

/* Writes a configuration file showing every option of the table, commented out at its
 * default, with its description, type, bounds and whether a reload applies it: what
 * `vigie check-config --example` prints and systemd/vigie.conf.example holds. */
void vg_config_print_example(FILE *out);

/* Resolves an env:/file:/credential: reference. Plain values are copied. Returns a new
 * string or NULL with err filled (the message never contains the secret). */
char *vg_secret_resolve(const char *spec, char *err, size_t errlen);

#endif
