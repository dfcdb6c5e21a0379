/* account_company — an account's company sources for `vigie accounts show` (see account_company.h). */
#include "daemon/account_company.h"
#include "fetchers/kind.h"
#include "queue/queue_sources.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

/* The kind's text as a list of lines, without their indentation. */
static int add_lines(cJSON *arr, const char *text)
{
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        size_t skip = strspn(p, " ");
        if (skip > n)
            skip = n;
        char *line = vg_strndup(p + skip, n - skip);
        cJSON *s = line ? cJSON_CreateString(line) : NULL;
        vg_free(line);
        if (!s || !cJSON_AddItemToArray(arr, s)) {
            cJSON_Delete(s);
            return -1;
        }
        p = nl ? nl + 1 : p + n;
    }
    return 0;
}

int account_company_sources(struct queue_sync *q, const char *account_id, cJSON *o, char *err, size_t errlen)
{
    /* Every source of the account whose kind can show what it keeps: the automatic ones
     * ("fr_company:<id>", "jobs:greenhouse:<id>", ...) and any added by hand for it. */
    struct queue_source_state *v = NULL;
    size_t n = 0;
    if (queue_sources_list(q, &v, &n, err, errlen) < 0)
        return -1;
    cJSON *list = NULL;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct queue_source_state *st = &v[i];
        const struct source_kind *k = source_kind_find(st->src.kind);
        if (!k || !k->show || !st->src.account_id || strcmp(st->src.account_id, account_id) != 0)
            continue;
        struct vg_buf b;
        vg_buf_init(&b, 0);
        cJSON *e = cJSON_CreateObject(), *lines = NULL;
        if (e && (list || (list = cJSON_AddArrayToObject(o, "company_sources"))) && !cJSON_AddItemToArray(list, e)) {
            cJSON_Delete(e);
            e = NULL;
        }
        int ok = e && list && cJSON_AddStringToObject(e, "id", st->src.id) &&
                 cJSON_AddStringToObject(e, "kind", k->name) && (lines = cJSON_AddArrayToObject(e, "lines"));
        /* Not polled yet, or what it kept is unreadable: no lines, and the last error if any. */
        if (ok && st->watch_text && k->show(st->watch_text, &b) == 0 && b.data)
            ok = add_lines(lines, b.data) == 0;
        if (ok && st->last_error)
            ok = cJSON_AddStringToObject(e, "last_error", st->last_error) != NULL;
        vg_buf_free(&b);
        if (!ok) {
            if (e && !list)
                cJSON_Delete(e);
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
    }
    queue_source_states_free(v, n);
    return rc;
}
