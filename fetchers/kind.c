/* kind — the registry of source kinds (see kind.h). */
#include "fetchers/kind.h"
#include "util/vg_alloc.h"
#include "util/vg_json.h"

#include <libxml/parser.h>
#include <stdio.h>
#include <string.h>

static const struct source_kind *const kinds[] = {
    &source_kind_feed,
    &source_kind_page,
    &source_kind_bodacc,
    &source_kind_jobs,
    &source_kind_sec_edgar,
    &source_kind_uk_company,
    &source_kind_fr_company,
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

void source_kinds_init(void) { xmlInitParser(); }

const struct source_kind *const *source_kinds_all(size_t *n)
{
    *n = NKINDS;
    return kinds;
}

int kind_auto_push(struct kind_auto_source **v, size_t *n, char *id, char *url, const char *account_id,
                   char *options)
{
    char *acc = account_id ? vg_strdup(account_id) : NULL;
    struct kind_auto_source *nv = id && url && (acc || !account_id) ? vg_realloc(*v, (*n + 1) * sizeof(**v)) : NULL;
    if (!nv) {
        vg_free(id);
        vg_free(url);
        vg_free(acc);
        vg_free(options);
        return -1;
    }
    *v = nv;
    nv[(*n)++] = (struct kind_auto_source){.id = id, .url = url, .account_id = acc, .options = options};
    return 0;
}

void kind_auto_sources_free(struct kind_auto_source *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        vg_free(v[i].id);
        vg_free(v[i].url);
        vg_free(v[i].account_id);
        vg_free(v[i].options);
    }
    vg_free(v);
}

int kind_options_object(const char *kind, const char *options, char *err, size_t errlen)
{
    if (!options)
        return 0;
    cJSON *o = cJSON_Parse(options);
    int ok = cJSON_IsObject(o);
    cJSON_Delete(o);
    if (!ok)
        snprintf(err, errlen, "a %s source's options are a JSON object", kind);
    return ok ? 0 : -1;
}

int kind_auto_fail(struct kind_auto_source **v, size_t *n)
{
    kind_auto_sources_free(*v, *n);
    *v = NULL;
    *n = 0;
    return -1;
}

/* A kind only a test program knows (source_kind_add_for_tests). */
static const struct source_kind *test_kind;

void source_kind_add_for_tests(const struct source_kind *k) { test_kind = k; }

const struct source_kind *source_kind_find(const char *name)
{
    for (size_t i = 0; name && i < NKINDS; i++)
        if (strcmp(kinds[i]->name, name) == 0)
            return kinds[i];
    if (name && test_kind && strcmp(test_kind->name, name) == 0)
        return test_kind;
    return NULL;
}

void source_kind_names(char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < NKINDS && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", kinds[i]->name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}
