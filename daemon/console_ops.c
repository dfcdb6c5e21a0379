/* console_ops — the console's Operations page, /ui/ops (docs/design.md "Console"): what
 * `vigie status` shows, from the same gathering (daemon/status_data.c) — sources due and
 * failing with why and their last success, streams and consumer groups, dead letters, sinks,
 * Redis — plus the vigie processes connected to Redis. The page asks the console's script to
 * reload it every few seconds (data-refresh), so it stays live without an inline script. Every
 * read is bounded: figures are counts, failing sources and dead letters a few of each. */
#include "daemon/config.h"
#include "daemon/console_html.h"
#include "daemon/console_page.h"
#include "daemon/status_data.h"
#include "util/vg_alloc.h"
#include "util/vg_url_mask.h"
#include "queue/queue_clients.h"
#include "queue/queue_info.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define REFRESH_S 10
#define DEAD_SHOWN 10
#define CLIENTS_MAX 64

static void seconds(struct vg_buf *b, long long s)
{
    if (s < 120)
        vg_buf_printf(b, "%lld s", s);
    else if (s < 7200)
        vg_buf_printf(b, "%lld min", s / 60);
    else if (s < 2 * 86400)
        vg_buf_printf(b, "%lld h", s / 3600);
    else
        vg_buf_printf(b, "%lld d", s / 86400);
}

/* "3 min ago", "2 h ago", "5 d ago", or the translated "never". */
static void ago(struct vg_buf *b, const struct console_req *req, long long ms)
{
    if (ms <= 0) {
        vg_buf_puts(b, console_tr(req, "never"));
        return;
    }
    long long s = (req->now_ms - ms) / 1000;
    /* "il y a 3 min" before, "3 min ago" after */
    if (req->lang == CONSOLE_FR)
        vg_buf_printf(b, "%s ", console_tr(req, "ago"));
    seconds(b, s < 0 ? 0 : s);
    if (req->lang != CONSOLE_FR)
        vg_buf_printf(b, " %s", console_tr(req, "ago"));
}

static void th(struct vg_buf *b, const struct console_req *req, const char *const *cols, size_t n)
{
    vg_buf_puts(b, "<thead><tr>");
    for (size_t i = 0; i < n; i++)
        vg_buf_printf(b, "<th>%s</th>", console_tr(req, cols[i]));
    vg_buf_puts(b, "</tr></thead><tbody>\n");
}

static void redis_part(struct vg_buf *b, const struct console_req *req, const struct queue_info *info)
{
    vg_buf_printf(b, "<section id=\"redis\"><h2>Redis</h2>\n<p>");
    char *url = vg_url_mask(req->cfg->redis_url);
    console_html_text(b, url ? url : "?");
    vg_free(url);
    vg_buf_printf(b, " (%s ", console_tr(req, "prefix"));
    console_html_text(b, req->cfg->redis_prefix);
    vg_buf_puts(b, ")</p>\n");
    if (info->writes_refused[0]) {
        vg_buf_printf(b, "<p class=\"error\">%s: ", console_tr(req, "Writes refused by Redis"));
        console_html_text(b, info->writes_refused);
        vg_buf_printf(b, " (%s)</p>\n", console_tr(req, "see the Redis log"));
    }
    vg_buf_puts(b, "</section>\n");
}

static void sources_part(struct vg_buf *b, const struct console_req *req, const struct queue_info *info)
{
    vg_buf_printf(b,
                  "<section id=\"sources\"><h2>%s</h2>\n<p><span data-sources=\"%lld\">%lld</span> %s, "
                  "<span data-due=\"%lld\">%lld</span> %s, <span data-failing=\"%lld\">%lld</span> %s</p>\n",
                  console_tr(req, "Sources"), info->sources, info->sources, console_tr(req, "sources"), info->due,
                  info->due, console_tr(req, "due now"), info->failing, info->failing, console_tr(req, "failing"));
    if (info->nerrors) {
        static const char *const cols[] = {"Source", "Error", "Why", "Last success"};
        vg_buf_puts(b, "<div class=\"scroll\"><table class=\"failing\" id=\"failing\">");
        th(b, req, cols, 4);
        for (size_t i = 0; i < info->nerrors; i++) {
            vg_buf_puts(b, "<tr><td>");
            console_html_text(b, info->errors[i].id);
            vg_buf_puts(b, "</td><td>");
            console_html_text(b, info->errors[i].kind);
            vg_buf_puts(b, "</td><td class=\"why\">");
            console_html_text(b, info->errors[i].error);
            vg_buf_puts(b, "</td><td>");
            ago(b, req, info->errors[i].last_ok_ms);
            vg_buf_puts(b, "</td></tr>\n");
        }
        vg_buf_puts(b, "</tbody></table></div>\n");
        if ((size_t)info->failing > info->nerrors)
            vg_buf_printf(b, "<p class=\"note\">%s %d; <code>vigie sources list --failing</code> %s.</p>\n",
                          console_tr(req, "A few failing sources, up to"), QUEUE_INFO_MAX_ERRORS,
                          console_tr(req, "lists them all"));
    }
    vg_buf_puts(b, "</section>\n");
}

static void streams_part(struct vg_buf *b, const struct console_req *req, const struct queue_info *info)
{
    static const char *const cols[] = {"Stream", "Length", "Consumer group", "Lag", "Pending", "Consumers"};
    vg_buf_printf(b, "<section id=\"streams\"><h2>%s</h2>\n<div class=\"scroll\"><table class=\"streams\">", console_tr(req, "Streams"));
    th(b, req, cols, 6);
    for (size_t i = 0; i < info->nstreams; i++) {
        const struct queue_stream_info *s = &info->streams[i];
        size_t rows = s->ngroups ? s->ngroups : 1;
        for (size_t g = 0; g < rows; g++) {
            vg_buf_printf(b, "<tr data-stream=\"%s\">", s->name);
            if (g == 0)
                vg_buf_printf(b, "<td rowspan=\"%zu\">%s</td><td class=\"num\" rowspan=\"%zu\">%lld</td>", rows,
                              s->name, rows, s->length);
            if (!s->ngroups) {
                vg_buf_puts(b, "<td>-</td><td></td><td></td><td></td></tr>\n");
                continue;
            }
            const struct queue_group_info *gi = &s->groups[g];
            vg_buf_puts(b, "<td>");
            console_html_text(b, gi->name);
            if (gi->lag >= 0)
                vg_buf_printf(b, "</td><td class=\"num\">%lld</td>", gi->lag);
            else
                vg_buf_puts(b, "</td><td class=\"num\">?</td>");
            vg_buf_printf(b, "<td class=\"num\">%lld</td><td class=\"num\">%lld</td></tr>\n", gi->pending,
                          gi->consumers);
        }
    }
    vg_buf_puts(b, "</tbody></table></div></section>\n");
}

static int dead_part(struct vg_buf *b, const struct console_req *req, const struct queue_info *info)
{
    long long n = 0;
    for (size_t i = 0; i < info->nstreams; i++)
        if (strcmp(info->streams[i].name, "dlq") == 0)
            n = info->streams[i].length;
    vg_buf_printf(b, "<section id=\"dead\"><h2>%s</h2>\n<p><span data-dead=\"%lld\">%lld</span> %s</p>\n",
                  console_tr(req, "Dead letters"), n, n, console_tr(req, "dead letter(s)"));
    if (n > 0) {
        char err[512];
        struct queue_dead_letter *v = NULL;
        size_t count = 0;
        if (queue_dlq_list(req->q, NULL, DEAD_SHOWN, &v, &count, err, sizeof(err)) < 0)
            return -1;
        static const char *const cols[] = {"Id", "From", "Group", "Deliveries", "Error"};
        vg_buf_puts(b, "<div class=\"scroll\"><table class=\"dead\">");
        th(b, req, cols, 5);
        for (size_t i = 0; i < count; i++) {
            const struct queue_dead_letter *d = &v[i];
            vg_buf_puts(b, "<tr><td>");
            console_html_text(b, d->id);
            vg_buf_puts(b, "</td><td>");
            console_html_text(b, d->stream ? d->stream : "?");
            vg_buf_puts(b, "</td><td>");
            console_html_text(b, d->group ? d->group : "?");
            vg_buf_printf(b, "</td><td class=\"num\">%lld</td><td>", d->deliveries);
            console_html_text(b, d->error ? d->error : "?");
            vg_buf_puts(b, "</td></tr>\n");
        }
        vg_buf_puts(b, "</tbody></table></div>\n");
        if ((long long)count < n)
            vg_buf_printf(b, "<p class=\"note\">%s %d; <code>vigie dlq list</code> %s.</p>\n",
                          console_tr(req, "The oldest"), DEAD_SHOWN, console_tr(req, "lists them all"));
        queue_dead_letters_free(v, count);
    }
    vg_buf_puts(b, "</section>\n");
    return 0;
}

static void sinks_part(struct vg_buf *b, const struct console_req *req, const struct status_data *d)
{
    vg_buf_printf(b, "<section id=\"sinks\"><h2>%s</h2>\n", console_tr(req, "Sinks"));
    if (!d->nfigs) {
        vg_buf_printf(b, "<p class=\"empty\">%s</p></section>\n",
                      console_tr(req, "No sink process has reported (none enabled, or none running)."));
        return;
    }
    static const char *const cols[] = {"Sink:instance", "Lag", "Delivered", "Retried", "Dead", "State"};
    vg_buf_puts(b, "<div class=\"scroll\"><table class=\"sinks\">");
    th(b, req, cols, 6);
    for (size_t i = 0; i < d->nfigs; i++) {
        struct status_sink s;
        status_sink_of(d, i, req->now_ms, &s);
        vg_buf_puts(b, "<tr><td>");
        console_html_text(b, s.name);
        if (s.lag >= 0)
            vg_buf_printf(b, "</td><td class=\"num\">%lld</td>", s.lag);
        else
            vg_buf_puts(b, "</td><td class=\"num\">?</td>");
        vg_buf_printf(b, "<td class=\"num\">%.0f</td><td class=\"num\">%.0f</td><td class=\"num\">%.0f</td><td>",
                      s.delivered, s.retried, s.dead);
        console_html_text(b, console_tr(req, s.state));
        if (s.why[0]) {
            vg_buf_puts(b, strcmp(s.state, "paused") == 0 ? ": " : "; last error: ");
            console_html_text(b, s.why);
        }
        vg_buf_puts(b, "</td></tr>\n");
    }
    vg_buf_puts(b, "</tbody></table></div></section>\n");
}

static int procs_part(struct vg_buf *b, const struct console_req *req)
{
    struct queue_client v[CLIENTS_MAX];
    char err[512];
    long n = queue_clients_list(req->q, v, CLIENTS_MAX, err, sizeof(err));
    vg_buf_printf(b, "<section id=\"processes\"><h2>%s</h2>\n", console_tr(req, "Processes"));
    if (n < 0) {
        /* A Redis that refuses CLIENT LIST (an ACL) hides this part only. */
        vg_buf_printf(b, "<p class=\"note\">%s: ", console_tr(req, "Redis does not list its clients"));
        console_html_text(b, err);
        vg_buf_puts(b, "</p></section>\n");
        return 0;
    }
    vg_buf_printf(b, "<p class=\"note\">%s</p>\n",
                  console_tr(req, "Every connection of a vigie process to this Redis, named "
                                  "vigie:instance:role: the processes that share the work."));
    static const char *const cols[] = {"Connection", "Address", "Connected for", "Idle"};
    vg_buf_puts(b, "<div class=\"scroll\"><table class=\"processes\">");
    th(b, req, cols, 4);
    for (long i = 0; i < n; i++) {
        vg_buf_puts(b, "<tr><td>");
        console_html_text(b, v[i].name);
        vg_buf_puts(b, "</td><td>");
        console_html_text(b, v[i].addr[0] ? v[i].addr : "unix socket");
        vg_buf_puts(b, "</td><td>");
        seconds(b, v[i].age_s);
        vg_buf_puts(b, "</td><td>");
        seconds(b, v[i].idle_s);
        vg_buf_puts(b, "</td></tr>\n");
    }
    vg_buf_puts(b, "</tbody></table></div></section>\n");
    return 0;
}

int console_ops_page(const struct console_req *req, struct console_reply *rep)
{
    struct vg_buf *b = &rep->body;
    char err[512];
    struct status_data d;
    if (status_gather(req->q, &d, err, sizeof(err)) < 0) {
        /* Redis not answering is what this page must say, not a bare 500. */
        rep->code = 503;
        console_html_begin(b, req, console_tr(req, "Operations"), "ops");
        vg_buf_printf(b, "<div class=\"live\" data-refresh=\"%d\"><h1>%s</h1>\n<p class=\"error\">%s: ", REFRESH_S,
                      console_tr(req, "Operations"), console_tr(req, "Redis does not answer"));
        console_html_text(b, err);
        vg_buf_puts(b, "</p></div>\n");
        console_html_end(b, req);
        return 0;
    }
    console_html_begin(b, req, console_tr(req, "Operations"), "ops");
    char when[32];
    time_t t = (time_t)(req->now_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
    vg_buf_printf(b, "<div class=\"live\" data-refresh=\"%d\"><h1>%s</h1>\n<p class=\"note\">%s %s UTC (%s %d s)</p>\n",
                  REFRESH_S, console_tr(req, "Operations"), console_tr(req, "As of"), when,
                  console_tr(req, "refreshed every"), REFRESH_S);
    sources_part(b, req, &d.info);
    streams_part(b, req, &d.info);
    int rc = dead_part(b, req, &d.info);
    sinks_part(b, req, &d);
    if (rc == 0)
        rc = procs_part(b, req);
    redis_part(b, req, &d.info);
    vg_buf_puts(b, "</div>\n");
    status_data_free(&d);
    console_html_end(b, req);
    return rc;
}
