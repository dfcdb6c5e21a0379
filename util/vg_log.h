/* vg_log — leveled logging to stderr.
 *
 * Three formats: plain text with a timestamp (a terminal), journald's "<N>" priority prefix
 * (chosen automatically when stderr is connected to the journal), or one JSON object per line.
 * The level check happens before the arguments are formatted, so a debug line costs nothing
 * when debug is off. Every line carries a [module] tag. Never pass a secret to a log call. */
#ifndef VG_LOG_H
#define VG_LOG_H

/* syslog priorities, so journald shows them as-is. */
enum vg_log_level {
    VG_LOG_ERR = 3,
    VG_LOG_WARNING = 4,
    VG_LOG_NOTICE = 5,
    VG_LOG_INFO = 6,
    VG_LOG_DEBUG = 7,
};

enum vg_log_format { VG_LOG_AUTO, VG_LOG_TEXT, VG_LOG_JOURNAL, VG_LOG_JSON };

extern int vg_log_level;

void vg_log_setup(int level, enum vg_log_format fmt);
/* Parses "error|warning|notice|info|debug"; -1 when unknown. */
int vg_log_level_parse(const char *s);
const char *vg_log_level_name(int level);
/* Parses "auto|text|journal|json"; -1 when unknown. */
int vg_log_format_parse(const char *s);

void vg_log_write(int level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define VG_LOG(lvl, mod, ...)                           \
    do {                                                \
        if ((lvl) <= vg_log_level)                      \
            vg_log_write((lvl), (mod), __VA_ARGS__);    \
    } while (0)

#define vg_err(mod, ...) VG_LOG(VG_LOG_ERR, mod, __VA_ARGS__)
#define vg_warn(mod, ...) VG_LOG(VG_LOG_WARNING, mod, __VA_ARGS__)
#define vg_notice(mod, ...) VG_LOG(VG_LOG_NOTICE, mod, __VA_ARGS__)
#define vg_info(mod, ...) VG_LOG(VG_LOG_INFO, mod, __VA_ARGS__)
#define vg_debug(mod, ...) VG_LOG(VG_LOG_DEBUG, mod, __VA_ARGS__)

/* A line that may repeat many times a second (a failing call retried on every turn): the
 * first occurrence is logged, the next ones at most once per period, with how many were held
 * back in between. The caller keeps one per kind of line. */
struct vg_log_limit {
    long long next_ms;
    unsigned long held;
};
/* 1 when this occurrence is to be logged (*held: how many were not, since the last one). */
int vg_log_limit_pass(struct vg_log_limit *l, long long now_ms, long long period_ms, unsigned long *held);

#endif
