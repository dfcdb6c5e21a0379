/* source — source records: checks and CSV/JSON import (see source.h). */
#include "fetchers/source.h"
#include "util/vg_hash.h"
#include "fetchers/kind.h"
#include "util/vg_alloc.h"
#include "util/vg_url_mask.h"
#include "util/vg_csv.h"
#include "util/vg_units.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>


char *fetch_source_default_id(const char *url)
{
    /* Stable across versions and machines, which is all an id needs (hence the legacy basis). */
    uint64_t h = vg_fnv1a64_legacy_str(url);
    return vg_asprintf("s%012llx", (unsigned long long)(h & 0xffffffffffffULL));
}

char *fetch_source_resolve_file(const char *url, const char *base_dir)
{
    if (strncasecmp(url, "file:", 5) != 0 || url[5] == '/')
        return vg_strdup(url);
    char cwd[4096];
    if (!base_dir)
        base_dir = getcwd(cwd, sizeof(cwd)) ? cwd : ".";
    return vg_asprintf("file://%s/%s", base_dir, url + 5);
}

/* Resolves a relative file: URL in place before the source is checked. */
static int resolve_in_place(struct fetch_source *s, const char *base_dir)
{
    if (!s->url)
        return 0;
    char *u = fetch_source_resolve_file(s->url, base_dir);
    if (!u)
        return -1;
    vg_free(s->url);
    s->url = u;
    return 0;
}

static int id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 128)
        return 0;
    for (const char *p = id; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._:-", *p))
            return 0;
    return 1;
}

int fetch_source_check(struct fetch_source *s, long long default_interval_ms, int allow_file,
                       char *err, size_t errlen)
{
    if (!s->url || !s->url[0]) {
        snprintf(err, errlen, "url is required");
        return -1;
    }
    int is_http = strncasecmp(s->url, "http://", 7) == 0 || strncasecmp(s->url, "https://", 8) == 0;
    int is_file = strncasecmp(s->url, "file://", 7) == 0;
    if (!is_http && !(is_file && allow_file)) {
        char *shown = vg_url_mask(s->url);
        snprintf(err, errlen, "url '%.200s' must be http:// or https://%s", shown ? shown : "?",
                 is_file ? " (file:// needs [fetch] allow_file = yes)" : "");
        vg_free(shown);
        return -1;
    }
    for (const char *p = s->url; *p; p++)
        if ((unsigned char)*p <= ' ') {
            snprintf(err, errlen, "url contains spaces or control characters");
            return -1;
        }
    if (!s->kind || !s->kind[0]) {
        vg_free(s->kind);
        if (!(s->kind = vg_strdup("feed")))
            goto oom;
    }
    const struct source_kind *kind = source_kind_find(s->kind);
    if (!kind) {
        char names[128];
        source_kind_names(names, sizeof(names));
        snprintf(err, errlen, "unknown kind '%.40s' (known: %s)", s->kind, names);
        return -1;
    }
    if (s->interval_ms == 0)
        s->interval_ms = default_interval_ms;
    if (s->interval_ms < FETCH_INTERVAL_MIN_MS || s->interval_ms > FETCH_INTERVAL_MAX_MS) {
        snprintf(err, errlen, "interval must be between 10s and 7d");
        return -1;
    }
    if (!s->id || !s->id[0]) {
        vg_free(s->id);
        if (!(s->id = fetch_source_default_id(s->url)))
            goto oom;
    }
    if (!id_ok(s->id)) {
        snprintf(err, errlen, "id '%.60s' may only hold letters, digits and . _ : - (at most 128)", s->id);
        return -1;
    }
    if (s->account_id && !s->account_id[0]) {
        vg_free(s->account_id);
        s->account_id = NULL;
    }
    if (s->options && s->options[0]) {
        cJSON *o = cJSON_Parse(s->options);
        if (!o || !cJSON_IsObject(o)) {
            cJSON_Delete(o);
            snprintf(err, errlen, "options must be a JSON object");
            return -1;
        }
        char *compact = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (!compact)
            goto oom;
        vg_free(s->options);
        s->options = vg_strdup(compact);
        cJSON_free(compact);
        if (!s->options)
            goto oom;
    } else {
        vg_free(s->options);
        s->options = NULL;
    }
    if (kind->check_options && kind->check_options(s->options, err, errlen) < 0)
        return -1;
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

void fetch_source_clear(struct fetch_source *s)
{
    vg_free(s->id);
    vg_free(s->kind);
    vg_free(s->url);
    vg_free(s->account_id);
    vg_free(s->options);
    memset(s, 0, sizeof(*s));
}

void fetch_sources_free(struct fetch_source *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        fetch_source_clear(&v[i]);
    vg_free(v);
}

/* ---- import -------------------------------------------------------------- */

struct list {
    struct fetch_source *v;
    size_t n, cap;
};

static struct fetch_source *list_add(struct list *l)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 64;
        struct fetch_source *nv = vg_realloc(l->v, ncap * sizeof(*nv));
        if (!nv)
            return NULL;
        l->v = nv;
        l->cap = ncap;
    }
    struct fetch_source *s = &l->v[l->n++];
    memset(s, 0, sizeof(*s));
    return s;
}

static int parse_interval(const char *text, long long *out)
{
    if (!text || !*text) {
        *out = 0;
        return 0;
    }
    return vg_parse_duration_ms(text, out);
}

/* The id must be unique in the file: two rows with one id would silently overwrite. */
static int check_unique(const struct list *l, char *why, size_t len)
{
    const char *id = l->v[l->n - 1].id;
    for (size_t j = 0; j + 1 < l->n; j++)
        if (strcmp(l->v[j].id, id) == 0) {
            snprintf(why, len, "duplicate id '%s'", id);
            return -1;
        }
    return 0;
}

enum col { COL_ID, COL_KIND, COL_URL, COL_INTERVAL, COL_ACCOUNT, COL_OPTIONS, COL_COUNT };
static const char *const col_names[COL_COUNT] = {"id", "kind", "url", "interval", "account_id", "options"};

static int parse_csv(const char *buf, size_t len, long long def, int allow_file, const char *base_dir,
                     struct list *l, char *err, size_t errlen)
{
    struct vg_csv c;
    vg_csv_init(&c, buf, len);
    int col_of[64];
    char why[300];
    int rc = vg_csv_next(&c, err, errlen);
    if (rc <= 0) {
        if (rc == 0)
            snprintf(err, errlen, "empty file: expected a header row (id,kind,url,interval,account_id,options)");
        goto fail;
    }
    int have_url = 0;
    size_t ncols = c.n;
    if (ncols > 64) {
        snprintf(err, errlen, "line 1: too many columns");
        goto fail;
    }
    for (size_t i = 0; i < ncols; i++) {
        col_of[i] = -1;
        const char *name = c.fields[i];
        if (strcasecmp(name, "account") == 0)
            name = "account_id";
        for (int k = 0; k < COL_COUNT; k++)
            if (strcasecmp(name, col_names[k]) == 0)
                col_of[i] = k;
        if (col_of[i] < 0) {
            snprintf(err, errlen, "line 1: unknown column '%.40s' (known: id, kind, url, interval, account_id, options)",
                     c.fields[i]);
            goto fail;
        }
        have_url |= col_of[i] == COL_URL;
    }
    if (!have_url) {
        snprintf(err, errlen, "line 1: a 'url' column is required");
        goto fail;
    }
    while ((rc = vg_csv_next(&c, err, errlen)) == 1) {
        if (c.n != ncols) {
            snprintf(err, errlen, "line %zu: %zu fields, the header has %zu", c.line, c.n, ncols);
            goto fail;
        }
        struct fetch_source *s = list_add(l);
        if (!s)
            goto oom;
        for (size_t i = 0; i < ncols; i++) {
            const char *v = c.fields[i];
            char **dst = NULL;
            switch (col_of[i]) {
            case COL_ID: dst = &s->id; break;
            case COL_KIND: dst = &s->kind; break;
            case COL_URL: dst = &s->url; break;
            case COL_ACCOUNT: dst = &s->account_id; break;
            case COL_OPTIONS: dst = &s->options; break;
            case COL_INTERVAL:
                if (parse_interval(v, &s->interval_ms) < 0) {
                    snprintf(err, errlen, "line %zu: interval '%.40s' is not a duration (e.g. 15m)", c.line, v);
                    goto fail;
                }
                break;
            }
            if (dst && !(*dst = vg_strdup(v)))
                goto oom;
        }
        if (resolve_in_place(s, base_dir) < 0)
            goto oom;
        if (fetch_source_check(s, def, allow_file, why, sizeof(why)) < 0 ||
            check_unique(l, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "line %zu: %s", c.line, why);
            goto fail;
        }
    }
    if (rc < 0)
        goto fail;
    vg_csv_free(&c);
    return 0;
oom:
    snprintf(err, errlen, "line %zu: out of memory", c.line);
fail:
    vg_csv_free(&c);
    return -1;
}

static int json_str(cJSON *o, const char *key, char **dst)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v))
        return -1;
    vg_free(*dst);
    *dst = vg_strdup(v->valuestring);
    return *dst ? 0 : -1;
}

static int parse_json_one(cJSON *o, long long def, int allow_file, const char *base_dir,
                          struct fetch_source *s, char *why, size_t len)
{
    if (!cJSON_IsObject(o)) {
        snprintf(why, len, "not an object");
        return -1;
    }
    cJSON *field;
    cJSON_ArrayForEach(field, o)
    {
        int known = strcmp(field->string, "account") == 0;
        for (int k = 0; k < COL_COUNT; k++)
            known |= strcmp(field->string, col_names[k]) == 0;
        if (!known) {
            snprintf(why, len, "unknown field '%.40s'", field->string);
            return -1;
        }
    }
    if (json_str(o, "id", &s->id) < 0 || json_str(o, "kind", &s->kind) < 0 ||
        json_str(o, "url", &s->url) < 0 || json_str(o, "account", &s->account_id) < 0 ||
        json_str(o, "account_id", &s->account_id) < 0) {
        snprintf(why, len, "id, kind, url and account_id must be strings");
        return -1;
    }
    cJSON *iv = cJSON_GetObjectItemCaseSensitive(o, "interval");
    if (cJSON_IsNumber(iv)) {
        /* a bare number is seconds; out of any sane range is refused before the cast */
        if (!(iv->valuedouble >= 0 && iv->valuedouble <= (double)FETCH_INTERVAL_MAX_MS / 1000)) {
            snprintf(why, len, "interval must be between 10s and 7d");
            return -1;
        }
        s->interval_ms = (long long)(iv->valuedouble * 1000);
    } else if (cJSON_IsString(iv)) {
        if (parse_interval(iv->valuestring, &s->interval_ms) < 0) {
            snprintf(why, len, "interval '%.40s' is not a duration (e.g. 15m)", iv->valuestring);
            return -1;
        }
    }
    cJSON *opt = cJSON_GetObjectItemCaseSensitive(o, "options");
    if (opt && !cJSON_IsNull(opt)) {
        char *t = cJSON_IsString(opt) ? NULL : cJSON_PrintUnformatted(opt);
        s->options = vg_strdup(t ? t : opt->valuestring);
        cJSON_free(t);
        if (!s->options) {
            snprintf(why, len, "out of memory");
            return -1;
        }
    }
    if (resolve_in_place(s, base_dir) < 0) {
        snprintf(why, len, "out of memory");
        return -1;
    }
    return fetch_source_check(s, def, allow_file, why, len);
}

static int parse_json(const char *buf, size_t len, long long def, int allow_file, const char *base_dir,
                      struct list *l, char *err, size_t errlen)
{
    cJSON *root = cJSON_ParseWithLength(buf, len);
    if (!root || !cJSON_IsArray(root)) {
        snprintf(err, errlen, "not a JSON array of sources%s", root ? "" : " (malformed JSON)");
        cJSON_Delete(root);
        return -1;
    }
    size_t idx = 0;
    cJSON *o;
    char why[300];
    cJSON_ArrayForEach(o, root)
    {
        idx++;
        struct fetch_source *s = list_add(l);
        if (!s) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        if (parse_json_one(o, def, allow_file, base_dir, s, why, sizeof(why)) < 0 ||
            check_unique(l, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "source #%zu%s%s%s: %s", idx, s->id ? " (id " : "", s->id ? s->id : "",
                     s->id ? ")" : "", why);
            goto fail;
        }
    }
    cJSON_Delete(root);
    return 0;
fail:
    cJSON_Delete(root);
    return -1;
}

int fetch_sources_parse(const char *buf, size_t len, long long default_interval_ms, int allow_file,
                        const char *base_dir, struct fetch_source **out, size_t *n, char *err, size_t errlen)
{
    struct list l = {0};
    size_t i = 0;
    while (i < len && isspace((unsigned char)buf[i]))
        i++;
    int rc = i < len && buf[i] == '['
                 ? parse_json(buf, len, default_interval_ms, allow_file, base_dir, &l, err, errlen)
                 : parse_csv(buf, len, default_interval_ms, allow_file, base_dir, &l, err, errlen);
    if (rc < 0) {
        fetch_sources_free(l.v, l.n);
        return -1;
    }
    *out = l.v;
    *n = l.n;
    return 0;
}
