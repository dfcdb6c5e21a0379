/* vg_log — leveled logging to stderr (see vg_log.h). */
#include "util/vg_log.h"
#include "util/vg_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int vg_log_level = VG_LOG_INFO;
static enum vg_log_format log_format = VG_LOG_TEXT;

static const char *const level_names[] = {
    [VG_LOG_ERR] = "error",  [VG_LOG_WARNING] = "warning", [VG_LOG_NOTICE] = "notice",
    [VG_LOG_INFO] = "info",  [VG_LOG_DEBUG] = "debug",
};

int vg_log_level_parse(const char *s)
{
    for (int l = VG_LOG_ERR; l <= VG_LOG_DEBUG; l++)
        if (strcmp(s, level_names[l]) == 0)
            return l;
    if (strcmp(s, "err") == 0)
        return VG_LOG_ERR;
    if (strcmp(s, "warn") == 0)
        return VG_LOG_WARNING;
    return -1;
}

const char *vg_log_level_name(int level)
{
    if (level < VG_LOG_ERR || level > VG_LOG_DEBUG)
        return "unknown";
    return level_names[level];
}

int vg_log_format_parse(const char *s)
{
    static const char *const names[] = {"auto", "text", "journal", "json"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

/* systemd sets JOURNAL_STREAM=dev:ino for the stream stderr is connected to; matching it
 * (rather than just its presence) avoids journal format after a redirect in a child shell. */
static int stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long dev, ino;
    struct stat st;
    if (!js || sscanf(js, "%lu:%lu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
        return 0;
    return (unsigned long)st.st_dev == dev && (unsigned long)st.st_ino == ino;
}

void vg_log_setup(int level, enum vg_log_format fmt)
{
    vg_log_level = level;
    if (fmt == VG_LOG_AUTO)
        fmt = stderr_is_journal() ? VG_LOG_JOURNAL : VG_LOG_TEXT;
    log_format = fmt;
}

void vg_log_write(int level, const char *module, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    /* One write(2) per line so lines from concurrent processes never interleave. */
    char line[4096];
    int n;
    switch (log_format) {
    case VG_LOG_JOURNAL:
        n = snprintf(line, sizeof(line), "<%d>[%s] %s\n", level, module, msg);
        break;
    case VG_LOG_JSON: {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct vg_buf b;
        vg_buf_init(&b, sizeof(line) - 2);
        vg_buf_printf(&b, "{\"ts\":%lld.%03ld,\"level\":\"%s\",\"module\":", (long long)ts.tv_sec,
                      ts.tv_nsec / 1000000, vg_log_level_name(level));
        vg_buf_json_str(&b, module);
        vg_buf_puts(&b, ",\"msg\":");
        vg_buf_json_str(&b, msg);
        vg_buf_puts(&b, "}\n");
        n = snprintf(line, sizeof(line), "%s", b.data ? b.data : "");
        vg_buf_free(&b);
        break;
    }
    default: {
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-7s [%s] %s\n",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, vg_log_level_name(level), module, msg);
    }
    }
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line)) {
        n = sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}

int vg_log_limit_pass(struct vg_log_limit *l, long long now_ms, long long period_ms, unsigned long *held)
{
    if (l->next_ms && now_ms < l->next_ms) {
        l->held++;
        return 0;
    }
    *held = l->held;
    l->held = 0;
    l->next_ms = now_ms + period_ms;
    return 1;
}
