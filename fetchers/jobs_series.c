/* jobs_series — what a jobs source keeps between polls (see jobs.h), as JSON in the source's
 * watch_text:
 *
 *   {"v":1, "board":"greenhouse", "token":"acme", "hiring":T, "layoffs":T,
 *    "seen":["Paris, France", ...],
 *    "polls":[{"t":T, "total":42, "dept":[["Engineering",20], ...], "loc":[["Paris",10], ...]}]}
 *
 * One entry per UTC day (a second poll the same day replaces the first), so the series means
 * the same whatever the source's interval and a re-poll does not shift the baseline; each
 * entry holds the top JOBS_TOP names per tally and "(other)"; at most JOBS_MAX_POLLS entries
 * and JOBS_MAX_SEEN seen locations: a few tens of kilobytes at worst. */
#include "fetchers/jobs.h"
#include "fetchers/feed.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"

#include <cjson/cJSON.h>
#include <string.h>
#include <strings.h>

#define DAY 86400

void jobs_series_free(struct jobs_series *s)
{
    vg_free(s->token);
    for (size_t i = 0; i < s->nseen; i++)
        vg_free(s->seen[i]);
    vg_free(s->seen);
    for (size_t i = 0; i < s->npolls; i++)
        jobs_poll_free(&s->polls[i]);
    vg_free(s->polls);
    memset(s, 0, sizeof(*s));
}

/* A name or token as this file writes them: plain text that cleaning leaves as it is (valid
 * UTF-8, no control character), within its cap. What the store hands back is read with care. */
static int text_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (!n || n > max)
        return 0;
    char *clean = feed_text_clean(s, n, max, 0);
    int ok = clean && strcmp(clean, s) == 0;
    vg_free(clean);
    return ok;
}

static int64_t int_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e15 ? (int64_t)v->valuedouble : 0;
}

/* [["name", n], ...] into t, at most JOBS_TOP + 1 names. 0, or -1. */
static int read_tally(const cJSON *a, struct jobs_tally *t)
{
    int n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0;
    if (n <= 0)
        return 0;
    if (n > JOBS_TOP + 1)
        n = JOBS_TOP + 1;
    if (!(t->v = vg_calloc((size_t)n, sizeof(*t->v))))
        return -1;
    const cJSON *e;
    cJSON_ArrayForEach(e, a)
    {
        if ((int)t->n >= n)
            break;
        const cJSON *name = cJSON_GetArrayItem(e, 0), *count = cJSON_GetArrayItem(e, 1);
        if (!cJSON_IsArray(e) || !cJSON_IsString(name) || !cJSON_IsNumber(count) || count->valuedouble < 0 ||
            !text_ok(name->valuestring, JOBS_NAME_MAX))
            continue;
        if (!(t->v[t->n].name = vg_strdup(name->valuestring)))
            return -1;
        t->v[t->n++].n = count->valuedouble < 1e9 ? (long)count->valuedouble : 1000000000L;
    }
    return 0;
}

static int read_into(const cJSON *root, struct jobs_series *s)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "v");
    const cJSON *token = cJSON_GetObjectItemCaseSensitive(root, "token");
    const cJSON *board = cJSON_GetObjectItemCaseSensitive(root, "board");
    if (!cJSON_IsNumber(v) || v->valueint != 1 || !cJSON_IsString(token) || !text_ok(token->valuestring, 200) ||
        !cJSON_IsString(board) ||
        (s->board = jobs_board_from_name(board->valuestring)) < 0)
        return -1;
    if (!(s->token = vg_strdup(token->valuestring)))
        return -1;
    s->last_hiring = int_of(root, "hiring");
    s->last_layoffs = int_of(root, "layoffs");
    const cJSON *seen = cJSON_GetObjectItemCaseSensitive(root, "seen");
    int n = cJSON_IsArray(seen) ? cJSON_GetArraySize(seen) : 0;
    if (n > 0 && !(s->seen = vg_calloc((size_t)n, sizeof(char *))))
        return -1;
    const cJSON *e, *list = cJSON_IsArray(seen) ? seen : NULL;
    cJSON_ArrayForEach(e, list)
    {
        if (s->nseen >= JOBS_MAX_SEEN)
            break;
        if (cJSON_IsString(e) && text_ok(e->valuestring, JOBS_NAME_MAX) &&
            !(s->seen[s->nseen++] = vg_strdup(e->valuestring)))
            return -1;
    }
    const cJSON *polls = cJSON_GetObjectItemCaseSensitive(root, "polls");
    n = cJSON_IsArray(polls) ? cJSON_GetArraySize(polls) : 0;
    int first = n > JOBS_MAX_POLLS ? n - JOBS_MAX_POLLS : 0; /* the newest ones */
    if (n > 0 && !(s->polls = vg_calloc((size_t)(n - first), sizeof(*s->polls))))
        return -1;
    int i = 0;
    list = cJSON_IsArray(polls) ? polls : NULL;
    cJSON_ArrayForEach(e, list)
    {
        if (i++ < first || !cJSON_IsObject(e))
            continue;
        struct jobs_poll *p = &s->polls[s->npolls];
        p->t = int_of(e, "t");
        p->total = (long)int_of(e, "total");
        if (p->t <= 0 || (s->npolls && p->t / DAY <= s->polls[s->npolls - 1].t / DAY))
            continue; /* out of order: not something this file wrote */
        s->npolls++;
        if (read_tally(cJSON_GetObjectItemCaseSensitive(e, "dept"), &p->dept) < 0 ||
            read_tally(cJSON_GetObjectItemCaseSensitive(e, "loc"), &p->loc) < 0)
            return -1;
    }
    return 0;
}

int jobs_series_read(const char *text, struct jobs_series *s)
{
    memset(s, 0, sizeof(*s));
    cJSON *root = text ? cJSON_Parse(text) : NULL;
    int rc = cJSON_IsObject(root) ? read_into(root, s) : -1;
    cJSON_Delete(root);
    if (rc < 0)
        jobs_series_free(s);
    return rc;
}

static void write_tally(struct vg_buf *b, const char *key, const struct jobs_tally *t)
{
    vg_buf_printf(b, ",\"%s\":[", key);
    for (size_t i = 0; i < t->n; i++) {
        vg_buf_puts(b, i ? ",[" : "[");
        vg_buf_json_str(b, t->v[i].name);
        vg_buf_printf(b, ",%ld]", t->v[i].n);
    }
    vg_buf_putc(b, ']');
}

char *jobs_series_write(const struct jobs_series *s)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    vg_buf_printf(&b, "{\"v\":1,\"board\":\"%s\",\"token\":", jobs_board_name((enum jobs_board)s->board));
    vg_buf_json_str(&b, s->token ? s->token : "");
    vg_buf_printf(&b, ",\"hiring\":%lld,\"layoffs\":%lld,\"seen\":[", (long long)s->last_hiring,
                  (long long)s->last_layoffs);
    for (size_t i = 0; i < s->nseen; i++) {
        if (i)
            vg_buf_putc(&b, ',');
        vg_buf_json_str(&b, s->seen[i]);
    }
    vg_buf_puts(&b, "],\"polls\":[");
    for (size_t i = 0; i < s->npolls; i++) {
        const struct jobs_poll *p = &s->polls[i];
        vg_buf_printf(&b, "%s{\"t\":%lld,\"total\":%ld", i ? "," : "", (long long)p->t, p->total);
        write_tally(&b, "dept", &p->dept);
        write_tally(&b, "loc", &p->loc);
        vg_buf_putc(&b, '}');
    }
    if (vg_buf_puts(&b, "]}") < 0) {
        vg_buf_free(&b);
        return NULL;
    }
    return vg_buf_steal(&b);
}

static int is_placeholder(const char *name) { return strcmp(name, JOBS_OTHER) == 0 || strcmp(name, JOBS_NONE) == 0; }

/* The seen locations: this poll's first, then the older ones it does not name. */
static int update_seen(struct jobs_series *s, const struct jobs_tally *loc)
{
    char **seen = vg_calloc(JOBS_MAX_SEEN, sizeof(char *));
    if (!seen)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < loc->n && n < JOBS_MAX_SEEN; i++)
        if (!is_placeholder(loc->v[i].name) && !(seen[n++] = vg_strdup(loc->v[i].name)))
            goto fail;
    for (size_t i = 0; i < s->nseen && n < JOBS_MAX_SEEN; i++)
        if (!jobs_tally_get(loc, s->seen[i])) {
            seen[n++] = s->seen[i];
            s->seen[i] = NULL;
        }
    for (size_t i = 0; i < s->nseen; i++)
        vg_free(s->seen[i]);
    vg_free(s->seen);
    s->seen = seen;
    s->nseen = n;
    return 0;
fail:
    for (size_t i = 0; i < n; i++)
        vg_free(seen[i]);
    vg_free(seen);
    return -1;
}

int jobs_series_add(struct jobs_series *s, struct jobs_poll *p)
{
    if (update_seen(s, &p->loc) < 0 || jobs_tally_cut(&p->dept, JOBS_TOP) < 0 || jobs_tally_cut(&p->loc, JOBS_TOP) < 0)
        return -1;
    for (size_t i = 0; i < p->loc.n; i++) { /* links are for this poll's items only */
        vg_free(p->loc.v[i].url);
        p->loc.v[i].url = NULL;
    }
    while (s->npolls && s->polls[s->npolls - 1].t / DAY >= p->t / DAY) {
        /* the same day again: this poll stands for the day (and after a clock gone back, the
         * days "after" it go, so the series stays in order) */
        jobs_poll_free(&s->polls[s->npolls - 1]);
        s->npolls--;
    }
    if (s->npolls == JOBS_MAX_POLLS) {
        jobs_poll_free(&s->polls[0]);
        memmove(s->polls, s->polls + 1, (s->npolls - 1) * sizeof(*s->polls));
        s->npolls--;
    }
    struct jobs_poll *v = vg_realloc(s->polls, (s->npolls + 1) * sizeof(*v));
    if (!v)
        return -1;
    s->polls = v;
    s->polls[s->npolls++] = *p;
    memset(p, 0, sizeof(*p));
    return 0;
}
