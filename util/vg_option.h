/* vg_option — declarative option tables: one row per option (name, type with units, default,
 * bounds, offset of its field, flags, description), and the functions that set, default,
 * format, compare, copy and free those fields in any struct a table describes.
 *
 * The daemon's configuration (daemon/config_table.c, into struct vg_config) and each sink's
 * [sink.NAME] options (sinks/, into the sink's own config struct) are such tables; the INI
 * reading stays with the daemon, on top of these functions.
 *
 * Sensitive options (passwords, tokens) may name where the secret lives instead of holding it:
 *   env:NAME         the environment variable NAME
 *   file:PATH        the first line of PATH
 *   credential:NAME  $CREDENTIALS_DIRECTORY/NAME (systemd LoadCredential=)
 * Their values are never printed or logged. */
#ifndef VG_OPTION_H
#define VG_OPTION_H

#include <stddef.h>

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
     * daemon would refuse at start is refused by check-config too, with its line. Those
     * parsers live on higher floors: the caller of vg_option_set passes them as its check. */
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
    size_t offset;         /* offset of the field in the struct the table describes: a
                              long long for INT, BOOL, DURATION and SIZE, a char * otherwise */
    const char *choices;   /* ENUM only */
    unsigned flags;
    const char *desc;
};
/* A table ends with a row whose name is NULL. */

/* A check of a string value beyond the generic ones (control characters, ENUM choices): the
 * grammar types' parsers. 0, or -1 with the reason in why. */
typedef int (*vg_option_check_fn)(const struct vg_option *o, const char *value, char *why, size_t whylen);

/* Sets option `o` of the struct at `base` from the text `value`, checked by its type, its
 * bounds and then `check` (NULL: none); a sensitive value is resolved first (vg_secret_resolve)
 * and checked once resolved. base_dir: absolute directory relative PATH and DIR values resolve
 * against, or NULL. 0, or -1 with the reason in why (the field keeps its value). */
int vg_option_set(const struct vg_option *o, void *base, const char *value, const char *base_dir,
                  vg_option_check_fn check, char *why, size_t whylen);
/* Sets every option of `table` (NULL: none) to its default. 0, or -1 with "default of
 * SECTION.NAME: reason" in err. */
int vg_option_table_defaults(const struct vg_option *table, void *base, vg_option_check_fn check,
                             char *err, size_t errlen);
/* Frees the strings of every option of `table` in the struct at `base` (not `base` itself). */
void vg_option_table_free(const struct vg_option *table, void *base);
/* The row of `table` called `name`, or NULL. */
const struct vg_option *vg_option_find(const struct vg_option *table, const char *name);
/* The number of rows of `table` (0 for NULL). */
size_t vg_option_count(const struct vg_option *table);

/* The value of option `o`, formatted as the file would write it (durations and sizes with
 * units). Sensitive values come back as "(set)" or "(unset)"; a password inside a Redis URL is
 * masked. Caller frees; NULL when out of memory. */
char *vg_option_format(const struct vg_option *o, const void *base);
/* 1 when option `o` differs between the structs at a and b. */
int vg_option_differs(const struct vg_option *o, const void *a, const void *b);
/* Copies option `o` from the struct at src into the one at dst. 0, or -1 when out of memory. */
int vg_option_copy(const struct vg_option *o, void *dst, const void *src);

/* How the help and the example name an option's type: "duration", "yes|no", "a|b|c" ... */
const char *vg_option_type_name(const struct vg_option *o);
/* Its bounds in the file's units ("1s to 5m"), or "" when it has none. Caller frees. */
char *vg_option_bounds(const struct vg_option *o);

/* The absolute directory of the configuration file `path`: the base_dir of vg_option_set.
 * Caller frees; NULL when out of memory. */
char *vg_option_base_dir(const char *path);

/* Resolves an env:/file:/credential: reference. Plain values are copied. Returns a new
 * string or NULL with err filled (the message never contains the secret). */
char *vg_secret_resolve(const char *spec, char *err, size_t errlen);

#endif
