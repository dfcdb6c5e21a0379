/* jobs_board — a job board's answer counted by department and location (see jobs.h).
 *
 * Greenhouse (REFERENCE.md C.5) answers {"jobs": [{"location": {"name"}, "departments":
 * [{"name"}], ...}], "meta": {...}}; Lever (C.6) a bare array of postings with
 * "categories": {"department", "team", "location", "allLocations"}. Names are counted in a
 * small open-addressing table, ASCII case-insensitively (boards spell the same office
 * "Paris" and "PARIS"), so a board of 10,000 postings costs one pass; past JOBS_MAX_NAMES
 * distinct names the rest count as "(other)". A field of the wrong type counts as absent
 * rather than failing the poll: one odd posting should not hide the board. */
#include "fetchers/jobs.h"
#include "fetchers/feed.h"
#include "fetchers/feed_url.h"
#include "util/vg_alloc.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TABLE_SLOTS 4096 /* power of two, twice JOBS_MAX_NAMES: short probe runs */

const char *jobs_board_name(enum jobs_board b) { return b == JOBS_LEVER ? "lever" : "greenhouse"; }

int jobs_board_from_name(const char *s)
{
    if (s && strcmp(s, "greenhouse") == 0)
        return JOBS_GREENHOUSE;
    if (s && strcmp(s, "lever") == 0)
        return JOBS_LEVER;
    return -1;
}

void jobs_tally_free(struct jobs_tally *t)
{
    for (size_t i = 0; t && i < t->n; i++) {
        vg_free(t->v[i].name);
        vg_free(t->v[i].url);
    }
    if (t) {
        vg_free(t->v);
        t->v = NULL;
        t->n = 0;
    }
}

void jobs_poll_free(struct jobs_poll *p)
{
    jobs_tally_free(&p->dept);
    jobs_tally_free(&p->loc);
    p->total = 0;
}

long jobs_tally_get(const struct jobs_tally *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcasecmp(t->v[i].name, name) == 0)
            return t->v[i].n;
    return 0;
}

static int by_count(const void *a, const void *b)
{
    const struct jobs_count *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return strcmp(x->name, y->name);
}

int jobs_tally_cut(struct jobs_tally *t, size_t top)
{
    if (t->n <= top || top == 0)
        return 0;
    size_t k = 0;
    long rest = 0;
    for (size_t i = 0; i < t->n; i++) {
        struct jobs_count c = t->v[i];
        if (k < top - 1 && strcmp(c.name, JOBS_OTHER) != 0) {
            t->v[k++] = c;
            continue;
        }
        rest += c.n;
        vg_free(c.name);
        vg_free(c.url);
    }
    char *name = vg_strdup(JOBS_OTHER); /* slot k exists: k < top < n */
    t->v[k] = (struct jobs_count){name, rest, NULL};
    t->n = name ? k + 1 : k;
    if (!name)
        return -1;
    qsort(t->v, t->n, sizeof(t->v[0]), by_count);
    return 0;
}

/* ---- counting ---- */

struct slot {
    char *name;
    long n;
    char *url;
};

struct table {
    struct slot *slots;
    size_t used;
    long other;              /* counted past JOBS_MAX_NAMES */
};

static uint64_t hash_ci(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        h = (h ^ c) * 1099511628211ull;
    }
    return h;
}

/* A posting's URL fit to be an item's link: http(s), printable ASCII, not too long. */
static int link_ok(const char *url)
{
    if (!url || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0))
        return 0;
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++, n++)
        if (*p <= ' ' || *p >= 0x7f || n >= 2000)
            return 0;
    return feed_url_is_absolute(url);
}

/* Counts one posting under the raw name (cleaned here); url: its page, or NULL. 0, or -1. */
static int table_add(struct table *t, const char *raw, const char *url)
{
    char *name = feed_text_clean(raw, strlen(raw), JOBS_NAME_MAX, 0);
    if (!name)
        return -1;
    const char *key = name[0] ? name : JOBS_NONE;
    size_t i = hash_ci(key) & (TABLE_SLOTS - 1);
    while (t->slots[i].name && strcasecmp(t->slots[i].name, key) != 0)
        i = (i + 1) & (TABLE_SLOTS - 1);
    if (t->slots[i].name) {
        t->slots[i].n++;
    } else if (t->used >= JOBS_MAX_NAMES) {
        t->other++;
    } else {
        if (!name[0]) {
            vg_free(name);
            if (!(name = vg_strdup(JOBS_NONE)))
                return -1;
        }
        t->slots[i].name = name;
        name = NULL;
        t->slots[i].n = 1;
        if (link_ok(url))
            t->slots[i].url = vg_strdup(url); /* a link for an expansion item; none is fine */
        t->used++;
    }
    vg_free(name);
    return 0;
}

/* The table as a sorted tally; the table is emptied. 0, or -1. */
static int table_take(struct table *t, struct jobs_tally *out)
{
    out->v = vg_calloc(t->used + 1, sizeof(*out->v));
    if (!out->v)
        return -1;
    out->n = 0;
    for (size_t i = 0; i < TABLE_SLOTS; i++)
        if (t->slots[i].name) {
            out->v[out->n++] = (struct jobs_count){t->slots[i].name, t->slots[i].n, t->slots[i].url};
            t->slots[i] = (struct slot){0};
        }
    if (t->other) {
        if (!(out->v[out->n].name = vg_strdup(JOBS_OTHER)))
            return -1;
        out->v[out->n++].n = t->other;
    }
    t->used = 0;
    qsort(out->v, out->n, sizeof(out->v[0]), by_count);
    return 0;
}

static void table_free(struct table *t)
{
    for (size_t i = 0; t->slots && i < TABLE_SLOTS; i++) {
        vg_free(t->slots[i].name);
        vg_free(t->slots[i].url);
    }
    vg_free(t->slots);
}

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

/* A Greenhouse job: each distinct department once, and its location. */
static int count_greenhouse(const cJSON *job, struct table *dept, struct table *loc)
{
    const char *url = str_of(job, "absolute_url");
    const char *where = str_of(cJSON_GetObjectItemCaseSensitive(job, "location"), "name");
    if (table_add(loc, where ? where : "", url) < 0)
        return -1;
    const cJSON *deps = cJSON_GetObjectItemCaseSensitive(job, "departments");
    int named = 0;
    const cJSON *d;
    const cJSON *list = cJSON_IsArray(deps) ? deps : NULL;
    cJSON_ArrayForEach(d, list)
    {
        const char *name = str_of(d, "name");
        if (!name || !name[0] || named >= 8) /* a job in more departments than that is noise */
            continue;
        int dup = 0; /* the same department listed twice counts once */
        for (const cJSON *e = deps->child; e && e != d; e = e->next) {
            const char *other = str_of(e, "name");
            if (other && strcasecmp(other, name) == 0)
                dup = 1;
        }
        if (!dup) {
            if (table_add(dept, name, NULL) < 0)
                return -1;
            named++;
        }
    }
    return named ? 0 : table_add(dept, "", NULL);
}

/* A Lever posting: its department (else its team), and its location (else the first of all). */
static int count_lever(const cJSON *posting, struct table *dept, struct table *loc)
{
    const cJSON *cat = cJSON_GetObjectItemCaseSensitive(posting, "categories");
    const char *d = str_of(cat, "department");
    if (!d || !d[0])
        d = str_of(cat, "team");
    const char *where = str_of(cat, "location");
    if (!where || !where[0]) {
        const cJSON *all = cJSON_IsObject(cat) ? cJSON_GetObjectItemCaseSensitive(cat, "allLocations") : NULL;
        const cJSON *first = cJSON_IsArray(all) ? cJSON_GetArrayItem(all, 0) : NULL;
        where = cJSON_IsString(first) ? first->valuestring : NULL;
    }
    if (table_add(dept, d ? d : "", NULL) < 0)
        return -1;
    return table_add(loc, where ? where : "", str_of(posting, "hostedUrl"));
}

/* What the body is when it is not the expected list, for the error message. */
static void describe(const cJSON *root, enum jobs_board board, char *err, size_t errlen)
{
    const char *msg = str_of(root, "error") ? str_of(root, "error") : str_of(root, "message");
    char *clean = msg ? feed_text_clean(msg, strlen(msg), 120, 0) : NULL; /* their text, made safe to log */
    if (clean)
        snprintf(err, errlen, "the %s board answered an error, not its postings: %s", jobs_board_name(board), clean);
    else if (board == JOBS_GREENHOUSE && cJSON_IsArray(root))
        snprintf(err, errlen, "a JSON array where Greenhouse answers {\"jobs\": [...]} (a Lever board?)");
    else if (board == JOBS_LEVER && cJSON_IsObject(root) && cJSON_GetObjectItemCaseSensitive(root, "jobs"))
        snprintf(err, errlen, "{\"jobs\": ...} where Lever answers an array of postings (a Greenhouse board?)");
    else if (board == JOBS_GREENHOUSE)
        snprintf(err, errlen, "not a Greenhouse job list: no \"jobs\" array");
    else
        snprintf(err, errlen, "not a Lever postings list: not a JSON array");
    vg_free(clean);
}

int jobs_board_read(enum jobs_board board, const char *body, size_t len, struct jobs_poll *p, char *err,
                    size_t errlen)
{
    memset(p, 0, sizeof(*p));
    size_t skip = 0;
    while (skip < len && body[skip] && strchr(" \t\r\n", body[skip]))
        skip++;
    if (skip == len) {
        snprintf(err, errlen, "an empty answer where the %s board's postings were expected", jobs_board_name(board));
        return -1;
    }
    if (body[skip] == '<') {
        snprintf(err, errlen, "an HTML page where the %s board's JSON postings were expected", jobs_board_name(board));
        return -1;
    }
    cJSON *root = cJSON_ParseWithLength(body + skip, len - skip);
    if (!root) {
        snprintf(err, errlen, "the %s board's answer is not valid JSON (cut short?)", jobs_board_name(board));
        return -1;
    }
    const cJSON *list = board == JOBS_LEVER ? root : cJSON_GetObjectItemCaseSensitive(root, "jobs");
    if (!cJSON_IsArray(list) || (board == JOBS_GREENHOUSE && !cJSON_IsObject(root))) {
        describe(root, board, err, errlen);
        cJSON_Delete(root);
        return -1;
    }
    struct table dept = {vg_calloc(TABLE_SLOTS, sizeof(struct slot)), 0, 0};
    struct table loc = {vg_calloc(TABLE_SLOTS, sizeof(struct slot)), 0, 0};
    int rc = dept.slots && loc.slots ? 0 : -1;
    const cJSON *job;
    cJSON_ArrayForEach(job, list)
    {
        if (rc < 0)
            break;
        if (!cJSON_IsObject(job))
            continue; /* not a posting: nothing to count */
        p->total++;
        rc = board == JOBS_LEVER ? count_lever(job, &dept, &loc) : count_greenhouse(job, &dept, &loc);
    }
    if (rc == 0 && (table_take(&dept, &p->dept) < 0 || table_take(&loc, &p->loc) < 0))
        rc = -1;
    if (rc < 0) {
        snprintf(err, errlen, "out of memory");
        jobs_poll_free(p);
    }
    table_free(&dept);
    table_free(&loc);
    cJSON_Delete(root);
    return rc;
}
