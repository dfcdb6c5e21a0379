/* sink_outbox — signals and contacts as JSON-lines files, for CRM sync jobs and for users
 * without a supported CRM.
 *
 * Files: <dir>/<stream>-<YYYY-MM-DD>-<instance>-<seq>.jsonl, one record per line:
 *   {"kind": "signal"|"update"|"contact"|"review", "entry": "<stream entry id>",
 *    "written": "<RFC 3339 UTC>", "record": {... the record, docs/design.md ...}}
 * A reader never sees half a line: records are appended to a hidden file
 * (.<name>.part, flushed to disk before the batch is acknowledged) that becomes visible under
 * its final name, whole, by one rename(2) when it reaches max_size, when the day (UTC) changes,
 * or when it has been open for publish_every. A reader takes the *.jsonl files and never
 * sees one grow.
 *
 * At-least-once: a crash after the disk write and before the acknowledgement writes those
 * records again on the next start; every record carries its deterministic `id`, so a reader
 * keeps the last line per id. The stream reports holds the daemon's scheduled reviews
 * (daemon/review_handoff.c: kind `review`, the JSON rows and the HTML page), in reports-*.jsonl. A half line left by a crash is cut off before the leftover part
 * file is published. */
#include "sinks/sink.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_log.h"
#include "util/vg_time.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct outbox_config {
    char *dir;
    long long max_size;
    long long publish_every_ms;
    long long fsync;
};

#define F(field) offsetof(struct outbox_config, field)
static const struct vg_option outbox_options[] = {
    {"sink.outbox", "dir", VG_OPT_PATH, "", 0, 0, F(dir), NULL, 0,
     "directory of the files (created when missing); empty: outbox/ in [daemon] state_dir"},
    {"sink.outbox", "max_size", VG_OPT_SIZE, "64M", 4096, 1LL << 40, F(max_size), NULL, 0,
     "a file is published and a new one begun past this size"},
    {"sink.outbox", "publish_every", VG_OPT_DURATION, "1m", 1000, 86400000, F(publish_every_ms), NULL, 0,
     "a file open this long is published even when small, so readers see recent records"},
    {"sink.outbox", "fsync", VG_OPT_BOOL, "yes", 0, 0, F(fsync), NULL, 0,
     "flush every batch to disk before acknowledging it (no: faster, a power cut may lose the last records)"},
    {NULL, NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL},
};
#undef F

/* One open part file per stream. */
struct part {
    char stream[32];
    char day[11];          /* YYYY-MM-DD of the records in it */
    int fd;
    long long size;
    int64_t opened;        /* monotonic ms */
    char path[4096];       /* the hidden part file */
    char final[4096];      /* its name once published */
};

struct outbox {
    struct sink_ctx *ctx;
    const struct outbox_config *cfg;
    char *dir;
    char instance[64];
    struct part parts[3];  /* signals, contacts, reports */
    unsigned seq;
};

static int mkdir_p(const char *dir)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s", dir);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0750) < 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(tmp, 0750) < 0 && errno != EEXIST ? -1 : 0;
}

static void utc_day(char out[11], time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Cuts a half line left by a crash, then gives the part file its final name. */
static int publish(struct outbox *o, struct part *p)
{
    if (p->fd < 0)
        return 0;
    off_t end = lseek(p->fd, 0, SEEK_END);
    if (end > 0) {
        char c = 0;
        off_t keep = end;
        while (keep > 0 && pread(p->fd, &c, 1, keep - 1) == 1 && c != '\n')
            keep--;
        if (keep != end && ftruncate(p->fd, keep) < 0)
            vg_warn("sink", "outbox: cannot cut the half line at the end of %s: %s", p->path, strerror(errno));
        end = keep;
    }
    if (o->cfg->fsync)
        fdatasync(p->fd);
    close(p->fd);
    p->fd = -1;
    if (end == 0) {
        unlink(p->path);
        return 0;
    }
    if (rename(p->path, p->final) < 0) {
        vg_err("sink", "outbox: cannot publish %s as %s: %s", p->path, p->final, strerror(errno));
        return -1;
    }
    vg_info("sink", "outbox: published %s (%lld bytes)", p->final, (long long)end);
    return 0;
}

/* The next free sequence number of the day for this instance (files already published). */
static unsigned next_seq(struct outbox *o, const char *stream, const char *day)
{
    char head[160];
    snprintf(head, sizeof(head), "%s-%s-%s-", stream, day, o->instance);
    unsigned seq = 0;
    DIR *d = opendir(o->dir);
    if (!d)
        return 1;
    for (struct dirent *e; (e = readdir(d));) {
        if (strncmp(e->d_name, head, strlen(head)) == 0) {
            unsigned n = (unsigned)strtoul(e->d_name + strlen(head), NULL, 10);
            if (n > seq)
                seq = n;
        }
    }
    closedir(d);
    return seq + 1;
}

static int open_part(struct outbox *o, struct part *p, const char *day)
{
    unsigned seq = next_seq(o, p->stream, day);
    snprintf(p->day, sizeof(p->day), "%s", day);
    int n1 = snprintf(p->final, sizeof(p->final), "%s/%s-%s-%s-%06u.jsonl", o->dir, p->stream, day, o->instance, seq);
    int n2 = snprintf(p->path, sizeof(p->path), "%s/.%s-%s-%s-%06u.jsonl.part", o->dir, p->stream, day, o->instance,
                      seq);
    if (n1 >= (int)sizeof(p->final) || n2 >= (int)sizeof(p->path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    p->fd = open(p->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (p->fd < 0)
        return -1;
    p->size = 0;
    p->opened = vg_mono_ms();
    return 0;
}

/* Part files a crash left behind (this instance's): published as they are, half line cut. */
static void publish_leftovers(struct outbox *o)
{
    DIR *d = opendir(o->dir);
    if (!d)
        return;
    char tail[80];
    snprintf(tail, sizeof(tail), "-%s-", o->instance);
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] != '.' || len < 11 || strcmp(e->d_name + len - 11, ".jsonl.part") != 0 ||
            !strstr(e->d_name, tail))
            continue;
        struct part p = {.fd = -1};
        snprintf(p.path, sizeof(p.path), "%s/%s", o->dir, e->d_name);
        snprintf(p.final, sizeof(p.final), "%s/%.*s", o->dir, (int)(len - 6), e->d_name + 1);
        p.fd = open(p.path, O_RDWR | O_CLOEXEC);
        if (p.fd >= 0)
            publish(o, &p);
    }
    closedir(d);
}

static int outbox_check(const void *config, char *err, size_t errlen)
{
    (void)config;
    (void)err;
    (void)errlen;
    return 0;
}

static int outbox_init(struct sink_ctx *ctx, const void *config, void **state, char *err, size_t errlen)
{
    const struct outbox_config *cfg = config;
    struct outbox *o = vg_calloc(1, sizeof(*o));
    if (!o) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    o->ctx = ctx;
    o->cfg = cfg;
    o->dir = cfg->dir && cfg->dir[0] ? vg_strdup(cfg->dir) : vg_asprintf("%s/outbox", sink_state_dir(ctx));
    snprintf(o->instance, sizeof(o->instance), "%s", sink_instance(ctx));
    for (char *c = o->instance; *c; c++)
        if (*c == '/' || *c == '-' || *c == '.')
            *c = '_'; /* one path component, and '-' keeps separating the name's parts */
    snprintf(o->parts[0].stream, sizeof(o->parts[0].stream), "signals");
    snprintf(o->parts[1].stream, sizeof(o->parts[1].stream), "contacts");
    snprintf(o->parts[2].stream, sizeof(o->parts[2].stream), "reports");
    o->parts[0].fd = o->parts[1].fd = o->parts[2].fd = -1;
    if (!o->dir || mkdir_p(o->dir) < 0) {
        snprintf(err, errlen, "outbox: cannot create the directory %s: %s", o->dir ? o->dir : "?", strerror(errno));
        vg_free(o->dir);
        vg_free(o);
        return -1;
    }
    publish_leftovers(o);
    if (!sink_previewing(ctx))
        vg_notice("sink", "outbox: writing signals, contacts and scheduled reviews to %s (*.jsonl, one JSON record "
                  "per line)", o->dir);
    *state = o;
    return 0;
}

static struct part *part_for(struct outbox *o, const char *stream)
{
    return strcmp(stream, "contacts") == 0 ? &o->parts[1] : strcmp(stream, "reports") == 0 ? &o->parts[2] : &o->parts[0];
}

/* Publishes what is due (size, day, age) and opens what is needed for `day`. */
static int ready_part(struct outbox *o, struct part *p, const char *day)
{
    int64_t now = vg_mono_ms();
    if (p->fd >= 0 && (strcmp(p->day, day) != 0 || p->size >= o->cfg->max_size ||
                       now - p->opened >= o->cfg->publish_every_ms))
        publish(o, p);
    return p->fd >= 0 ? 0 : open_part(o, p, day);
}

static void outbox_deliver(void *state, struct sink_batch *b)
{
    struct outbox *o = state;
    char day[11], stamp[32];
    time_t t = (time_t)(vg_wall_ms() / 1000);
    utc_day(day, t);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);

    struct vg_buf lines[3] = {{0}, {0}, {0}};
    for (size_t i = 0; i < b->n; i++) {
        struct sink_record *r = &b->v[i];
        struct vg_buf *out = &lines[part_for(o, r->stream) - o->parts];
        /* The record is JSON already (the core checked it is an object): it goes as written. */
        vg_buf_printf(out, "{\"kind\":\"%s\",\"entry\":\"%s\",\"written\":\"%s\",\"record\":", r->field, r->entry_id,
                      stamp);
        vg_buf_append(out, r->json, strlen(r->json));
        vg_buf_append(out, "}\n", 2);
    }
    const char *failed = NULL;
    int err = 0;
    for (int k = 0; k < 3 && !failed; k++) {
        if (lines[k].len == 0)
            continue;
        struct part *p = &o->parts[k];
        if (vg_buf_check(&lines[k]) < 0) {
            failed = "out of memory";
            break;
        }
        if (sink_previewing(o->ctx)) {
            printf("--- outbox: would append %zu bytes to %s/%s-%s-%s-NNNNNN.jsonl\n%.*s", lines[k].len, o->dir,
                   p->stream, day, o->instance, (int)lines[k].len, lines[k].data);
            continue;
        }
        if (ready_part(o, p, day) < 0) {
            err = errno;
            failed = "cannot open the outbox file";
            break;
        }
        size_t off = 0;
        while (off < lines[k].len) {
            ssize_t w = write(p->fd, lines[k].data + off, lines[k].len - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                err = errno;
                failed = "cannot write the outbox file";
                break;
            }
            off += (size_t)w;
        }
        if (!failed && o->cfg->fsync && fdatasync(p->fd) < 0) {
            err = errno;
            failed = "cannot flush the outbox file to disk";
        }
        if (failed) {
            /* Nothing of this batch may count as written: drop what went out, whole lines or not. */
            if (ftruncate(p->fd, p->size) < 0)
                vg_warn("sink", "outbox: cannot cut back %s: %s", p->path, strerror(errno));
        } else {
            p->size += (long long)lines[k].len;
            /* A review comes once a week or a month: published at once, not at the next batch. */
            if (p == &o->parts[2])
                publish(o, p);
        }
    }
    for (size_t i = 0; i < b->n; i++) {
        if (!failed)
            continue;
        b->v[i].outcome = SINK_RETRY;
        snprintf(b->v[i].reason, sizeof(b->v[i].reason), "%s in %s: %s", failed, o->dir, err ? strerror(err) : "");
    }
    /* Only the signals part is written once the contacts part failed: acknowledging the
     * signals would be right, but one outcome per batch keeps the rule simple: retry all,
     * and a reader keeps the last line per id. */
    for (int k = 0; k < 3; k++)
        vg_buf_free(&lines[k]);
    sink_batch_done(b);
}

static void outbox_close(void *state)
{
    struct outbox *o = state;
    if (!o)
        return;
    for (int k = 0; k < 3; k++)
        publish(o, &o->parts[k]);
    vg_free(o->dir);
    vg_free(o);
}

static const char *outbox_where(void *state)
{
    const struct outbox *o = state;
    return o->dir;
}

const struct sink_type sink_outbox = {
    .name = "outbox",
    .summary = "signals, contacts and the scheduled reviews as JSON-lines files (for CRM sync jobs, or without a "
               "supported CRM)",
    .options = outbox_options,
    .config_size = sizeof(struct outbox_config),
    .max_batch = 500,
    .streams = "signals,contacts,reports",
    .check = outbox_check,
    .init = outbox_init,
    .deliver = outbox_deliver,
    .close = outbox_close,
    .where = outbox_where,
};
