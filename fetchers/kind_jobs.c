/* kind_jobs — the `jobs` source kind: an account's public job board (Greenhouse or Lever,
 * REFERENCE.md C.5 and C.6) counted by department and location at each poll, the counts kept
 * as a series (jobs_series.c), and what moves in it raised as structured items (jobs_detect.c):
 * a surge of open positions → `hiring` with the departments that grow, a location never seen
 * → `expansion`, a sharp fall → `layoffs` at low confidence. The first poll only starts the
 * series.
 *
 * Options: {"board": "greenhouse" | "lever", "token": "<board token or Lever site>"}; a source
 * added by hand without them is read from its URL (…/v1/boards/<token>/jobs,
 * …/v0/postings/<site>). Items name their company {"scheme": board, "id": token}, the
 * identifier the account holds, and their ids are the event and its UTC day, so a re-poll
 * the same day (or a retried one) queues nothing new. */
#include "enrich/account.h"
#include "fetchers/feed.h"
#include "fetchers/jobs.h"
#include "fetchers/kind.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define TOKEN_MAX 200
#define DEFAULT_GREENHOUSE "https://boards-api.greenhouse.io"
#define DEFAULT_LEVER "https://api.lever.co"
/* Open postings are an intent to hire, not hires: a surge is a strong hint, not a fact. */
#define HIRING_CONFIDENCE 0.9
/* A posting in a new city may be one remote hire filed there rather than an office. */
#define EXPANSION_CONFIDENCE 0.7

struct jobs_options {
    int board;               /* enum jobs_board, -1 unknown */
    char token[TOKEN_MAX + 1];
};

/* Boards name themselves with ASCII slugs: printable ASCII, and one URL path segment. */
static int token_ok(const char *t)
{
    size_t n = strlen(t);
    if (!n || n > TOKEN_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] <= ' ' || (unsigned char)t[i] >= 0x7f || t[i] == '/' || t[i] == '?' || t[i] == '#')
            return 0;
    return 1;
}

/* The options, as far as they are given. 0, or -1 with err. */
static int read_options(const char *options, struct jobs_options *o, char *err, size_t errlen)
{
    o->board = -1;
    o->token[0] = '\0';
    if (!options)
        return 0;
    cJSON *root = cJSON_Parse(options);
    int rc = 0;
    const cJSON *board = cJSON_GetObjectItemCaseSensitive(root, "board");
    const cJSON *token = cJSON_GetObjectItemCaseSensitive(root, "token");
    if (!cJSON_IsObject(root)) {
        snprintf(err, errlen, "a jobs source's options are a JSON object {\"board\": ..., \"token\": ...}");
        rc = -1;
    } else if (board && (!cJSON_IsString(board) || (o->board = jobs_board_from_name(board->valuestring)) < 0)) {
        snprintf(err, errlen, "a jobs source's \"board\" is \"greenhouse\" or \"lever\"");
        rc = -1;
    } else if (token && (!cJSON_IsString(token) || !token_ok(token->valuestring))) {
        snprintf(err, errlen, "a jobs source's \"token\" is the board's name in its URL (1 to %d printable ASCII "
                              "characters, no blank, '/', '?' or '#')", TOKEN_MAX);
        rc = -1;
    } else if (token) {
        snprintf(o->token, sizeof(o->token), "%s", token->valuestring);
    }
    cJSON_Delete(root);
    return rc;
}

static int jobs_check_options(const char *options, char *err, size_t errlen)
{
    struct jobs_options o;
    return read_options(options, &o, err, errlen);
}

/* The path segment after `marker` in url, into out; 0 when absent. */
static int segment_after(const char *url, const char *marker, char *out, size_t len)
{
    const char *p = url ? strstr(url, marker) : NULL;
    if (!p)
        return 0;
    p += strlen(marker);
    size_t n = strcspn(p, "/?#");
    if (!n || n >= len)
        return 0;
    memcpy(out, p, n);
    out[n] = '\0';
    return token_ok(out);
}

/* The board and token from the options, else from the URL. 0, or -1 with err. */
static int resolve(const struct kind_input *in, struct jobs_options *o, char *err, size_t errlen)
{
    if (read_options(in->options, o, err, errlen) < 0)
        return -1;
    char t[TOKEN_MAX + 1];
    if ((o->board < 0 || o->board == JOBS_GREENHOUSE) && segment_after(in->url, "/v1/boards/", t, sizeof(t))) {
        o->board = JOBS_GREENHOUSE;
        if (!o->token[0])
            memcpy(o->token, t, strlen(t) + 1);
    } else if ((o->board < 0 || o->board == JOBS_LEVER) && segment_after(in->url, "/v0/postings/", t, sizeof(t))) {
        o->board = JOBS_LEVER;
        if (!o->token[0])
            memcpy(o->token, t, strlen(t) + 1);
    }
    if (o->board < 0 || !o->token[0]) {
        snprintf(err, errlen, "a jobs source needs {\"board\": \"greenhouse\" or \"lever\", \"token\": ...} in its "
                              "options, or a board API URL (…/v1/boards/TOKEN/jobs, …/v0/postings/SITE)");
        return -1;
    }
    return 0;
}

/* ---- items ---- */

static void day_of(int64_t t, char out[11])
{
    char iso[21];
    if (feed_date_format(t, iso) < 0)
        snprintf(iso, sizeof(iso), "0000-00-00");
    memcpy(out, iso, 10);
    out[10] = '\0';
}

static const char *board_title(int board) { return board == JOBS_LEVER ? "Lever" : "Greenhouse"; }

static char *board_link(const struct jobs_options *o)
{
    return vg_asprintf(o->board == JOBS_LEVER ? "https://jobs.lever.co/%s" : "https://boards.greenhouse.io/%s",
                       o->token);
}

static long pct(long before, long after) { return before ? (after - before) * 100 / before : 0; }

/* "Engineering 8 → 16, Sales 2 → 6" */
static void changes_text(struct vg_buf *b, const struct jobs_events *ev)
{
    for (size_t i = 0; i < ev->ndepts; i++)
        vg_buf_printf(b, "%s%s %ld \xe2\x86\x92 %ld", i ? ", " : "", ev->depts[i].name, ev->depts[i].before,
                      ev->depts[i].after);
}

/* One item with one structured signal. change: a JSON object's members after "field", or NULL. */
static int add_item(struct kind_output *out, const struct kind_input *in, const struct jobs_options *o,
                    const char *event, const char *id_extra, const char *type, double confidence, const char *title,
                    const char *evidence, const char *change, const char *link)
{
    char day[11];
    day_of(in->now, day);
    struct vg_buf s;
    vg_buf_init(&s, 0);
    vg_buf_puts(&s, "{\"source\":\"jobs\",\"company\":{\"scheme\":");
    vg_buf_json_str(&s, jobs_board_name((enum jobs_board)o->board));
    vg_buf_puts(&s, ",\"id\":");
    vg_buf_json_str(&s, o->token);
    vg_buf_puts(&s, "},\"signals\":[{\"type\":");
    vg_buf_json_str(&s, type);
    vg_buf_printf(&s, ",\"confidence\":%.2f,\"evidence\":", confidence);
    vg_buf_json_str(&s, evidence);
    if (change)
        vg_buf_printf(&s, ",\"change\":%s", change);
    vg_buf_puts(&s, "}],\"people\":[]}");
    struct feed_item *it = vg_buf_check(&s) == 0 ? feed_doc_add_item(out->doc) : NULL;
    if (!it) {
        vg_buf_free(&s);
        return -1;
    }
    it->kind = "jobs";
    it->published = it->updated = in->now;
    it->structured = vg_buf_steal(&s);
    it->id = vg_asprintf("jobs:%s:%s:%s:%s%s%s", jobs_board_name((enum jobs_board)o->board), o->token, event, day,
                         id_extra ? ":" : "", id_extra ? id_extra : "");
    it->title = vg_strdup(title);
    it->summary = vg_strdup(evidence);
    it->link = link ? vg_strdup(link) : board_link(o);
    return it->structured && it->id && it->title && it->summary && it->link ? 0 : -1;
}

/* The departments of a hiring or layoffs signal, as change members. */
static void changes_json(struct vg_buf *b, const struct jobs_events *ev)
{
    vg_buf_printf(b, "{\"field\":\"open_positions\",\"before\":%ld,\"after\":%ld,\"departments\":[",
                  ev->before, ev->after);
    for (size_t i = 0; i < ev->ndepts; i++) {
        vg_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
        vg_buf_json_str(b, ev->depts[i].name);
        vg_buf_printf(b, ",\"before\":%ld,\"after\":%ld}", ev->depts[i].before, ev->depts[i].after);
    }
    vg_buf_puts(b, "]}");
}

static int level_item(struct kind_output *out, const struct kind_input *in, const struct jobs_options *o,
                      const struct jobs_events *ev)
{
    int hiring = ev->hiring;
    struct vg_buf title, evidence, change;
    vg_buf_init(&title, 0);
    vg_buf_init(&evidence, 0);
    vg_buf_init(&change, 0);
    if (hiring)
        vg_buf_printf(&title, "Hiring surge on the %s job board: %ld open positions, up from %ld", o->token,
                      ev->after, ev->before);
    else
        vg_buf_printf(&title, "Open positions fall on the %s job board: %ld, down from %ld", o->token, ev->after,
                      ev->before);
    vg_buf_printf(&evidence, "%ld open positions on the %s board %s, %s a level of %ld over the previous %zu days",
                  ev->after, board_title(o->board), o->token, hiring ? "up from" : "down from", ev->before,
                  ev->nbaseline);
    if (ev->before > 0)
        vg_buf_printf(&evidence, " (%+ld%%)", pct(ev->before, ev->after));
    vg_buf_putc(&evidence, '.');
    if (ev->ndepts) {
        vg_buf_puts(&evidence, hiring ? " Growing: " : " Falling: ");
        changes_text(&evidence, ev);
        vg_buf_putc(&evidence, '.');
    }
    if (!hiring)
        vg_buf_puts(&evidence, ev->after == 0 ? " The board lists no position at all: it may have moved to another "
                                                "job board."
                                              : " Fewer postings can also mean roles filled or a hiring freeze.");
    changes_json(&change, ev);
    int rc = -1;
    if (vg_buf_check(&title) == 0 && vg_buf_check(&evidence) == 0 && vg_buf_check(&change) == 0)
        rc = add_item(out, in, o, hiring ? "hiring" : "layoffs", NULL, hiring ? "hiring" : "layoffs",
                      hiring ? HIRING_CONFIDENCE : ev->layoffs_confidence, title.data, evidence.data, change.data,
                      NULL);
    vg_buf_free(&title);
    vg_buf_free(&evidence);
    vg_buf_free(&change);
    return rc;
}

static int location_item(struct kind_output *out, const struct kind_input *in, const struct jobs_options *o,
                         const struct jobs_count *loc, size_t days)
{
    struct vg_buf title, evidence, change, key;
    vg_buf_init(&title, 0);
    vg_buf_init(&evidence, 0);
    vg_buf_init(&change, 0);
    vg_buf_init(&key, 0);
    vg_buf_printf(&title, "New location on the %s job board: %s", o->token, loc->name);
    vg_buf_printf(&evidence, "The %s board %s lists %ld open position%s in %s, a location none of its postings "
                             "named before (%zu day%s of history).",
                  board_title(o->board), o->token, loc->n, loc->n == 1 ? "" : "s", loc->name, days,
                  days == 1 ? "" : "s");
    vg_buf_puts(&change, "{\"field\":\"location\",\"before\":null,\"after\":");
    vg_buf_json_str(&change, loc->name);
    vg_buf_putc(&change, '}');
    for (const char *p = loc->name; *p; p++) /* the id: the location, lower case, no blanks */
        vg_buf_putc(&key, *p == ' ' ? '_' : (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p);
    int rc = -1;
    if (vg_buf_check(&title) == 0 && vg_buf_check(&evidence) == 0 && vg_buf_check(&change) == 0 &&
        vg_buf_putc(&key, '\0') == 0)
        rc = add_item(out, in, o, "expansion", key.data, "expansion", EXPANSION_CONFIDENCE, title.data, evidence.data,
                      change.data, loc->url);
    vg_buf_free(&title);
    vg_buf_free(&evidence);
    vg_buf_free(&change);
    vg_buf_free(&key);
    return rc;
}

static int emit(struct kind_output *out, const struct kind_input *in, const struct jobs_options *o,
                struct jobs_series *s, const struct jobs_events *ev)
{
    size_t days = s->npolls;
    for (size_t i = 0; i < ev->nnew_locs; i++)
        if (location_item(out, in, o, ev->new_locs[i], days) < 0)
            return -1;
    if (ev->hiring || ev->layoffs) {
        if (level_item(out, in, o, ev) < 0)
            return -1;
        if (ev->hiring)
            s->last_hiring = in->now;
        else
            s->last_layoffs = in->now;
    }
    return 0;
}

static int jobs_parse(const struct kind_input *in, struct kind_output *out, char *err, size_t errlen)
{
    struct jobs_options o;
    if (resolve(in, &o, err, errlen) < 0) {
        out->error_kind = "options";
        return -1;
    }
    struct jobs_poll cur;
    if (jobs_board_read((enum jobs_board)o.board, in->body, in->len, &cur, err, errlen) < 0) {
        out->error_kind = "parse";
        return -1;
    }
    cur.t = in->now;
    struct jobs_series s;
    /* a kept series of another board (the source's options changed) or unreadable: start anew */
    if (jobs_series_read(in->watch_text, &s) < 0 || s.board != o.board || strcmp(s.token, o.token) != 0) {
        jobs_series_free(&s);
        s.board = o.board;
        s.token = vg_strdup(o.token);
    }
    struct jobs_events ev;
    jobs_detect(&s, &cur, &ev);
    int rc = -1;
    /* the items first: the events point into cur and the series, which adding cur reshapes */
    if (s.token && (out->doc = feed_doc_new(FEED_FORMAT_UNKNOWN)) && emit(out, in, &o, &s, &ev) == 0 &&
        jobs_series_add(&s, &cur) == 0 && (out->watch_text = jobs_series_write(&s)))
        rc = 0;
    if (rc < 0) {
        snprintf(err, errlen, "out of memory");
        out->error_kind = "parse";
        feed_doc_free(out->doc);
        out->doc = NULL;
    }
    jobs_poll_free(&cur);
    jobs_series_free(&s);
    return rc;
}

/* ---- automatic sources ---- */

/* The token as one URL path segment: unreserved bytes as they are, the rest %XX. */
static void put_segment(struct vg_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-._~", c))
            vg_buf_putc(b, (char)c);
        else
            vg_buf_printf(b, "%%%02X", c);
    }
}

static int add_source(struct kind_auto_source **v, size_t *n, const struct enrich_account *a, int board,
                      const char *base, const char *token)
{
    struct vg_buf url, opt;
    vg_buf_init(&url, 0);
    vg_buf_init(&opt, 0);
    vg_buf_puts(&url, base);
    vg_buf_puts(&url, board == JOBS_LEVER ? "/v0/postings/" : "/v1/boards/");
    put_segment(&url, token);
    vg_buf_puts(&url, board == JOBS_LEVER ? "?mode=json" : "/jobs");
    vg_buf_printf(&opt, "{\"board\":\"%s\",\"token\":", jobs_board_name((enum jobs_board)board));
    vg_buf_json_str(&opt, token);
    vg_buf_putc(&opt, '}');
    struct kind_auto_source *nv = vg_realloc(*v, (*n + 1) * sizeof(**v));
    if (!nv || vg_buf_check(&url) < 0 || vg_buf_check(&opt) < 0) {
        if (nv)
            *v = nv;
        vg_buf_free(&url);
        vg_buf_free(&opt);
        return -1;
    }
    *v = nv;
    struct kind_auto_source *src = &nv[(*n)++];
    *src = (struct kind_auto_source){
        .id = vg_asprintf("jobs:%s:%s", jobs_board_name((enum jobs_board)board), a->id),
        .url = vg_buf_steal(&url),
        .account_id = vg_strdup(a->id),
        .options = vg_buf_steal(&opt),
    };
    return src->id && src->url && src->account_id && src->options ? 0 : -1;
}

/* A base URL without its trailing '/'s, into out. */
static const char *base_of(const char *configured, const char *fallback, char *out, size_t len)
{
    snprintf(out, len, "%s", configured && configured[0] ? configured : fallback);
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '/')
        out[--n] = '\0';
    return out;
}

static int jobs_auto_sources(const struct enrich_account_set *accounts, const struct kind_auto_settings *set,
                             struct kind_auto_source **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    char gh[1024], lv[1024];
    base_of(set ? set->base_url : NULL, DEFAULT_GREENHOUSE, gh, sizeof(gh));
    base_of(set ? set->extra_url : NULL, DEFAULT_LEVER, lv, sizeof(lv));
    for (size_t i = 0; accounts && i < accounts->n; i++) {
        const struct enrich_account *a = &accounts->v[i];
        if (a->retired || !a->id)
            continue;
        for (size_t k = 0; k < a->n_identifiers; k++) {
            const struct enrich_identifier *id = &a->identifiers[k];
            int board = jobs_board_from_name(id->key);
            if (board < 0 || !id->value || !token_ok(id->value))
                continue; /* not a token a board URL can carry */
            if (add_source(out, n, a, board, board == JOBS_LEVER ? lv : gh, id->value) < 0)
                return kind_auto_fail(out, n);
        }
    }
    return 0;
}

static int jobs_kind_show(const char *watch_text, struct vg_buf *out) { return jobs_show(watch_text, out); }

const struct source_kind source_kind_jobs = {
    .name = "jobs",
    .accept = "application/json",
    .check_options = jobs_check_options,
    .parse = jobs_parse,
    .auto_sources = jobs_auto_sources,
    .show = jobs_kind_show,
    .default_url = DEFAULT_GREENHOUSE,
    .default_interval_ms = 86400LL * 1000,
};
