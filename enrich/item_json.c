/* item_json — one decoder of item records for the daemon and `vigie extract` (see item_json.h). */
#include "enrich/item_json.h"
#include "util/vg_json.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

/* A string member, or NULL when absent or null; -1 when present with another type. */
static int get_str(const cJSON *o, const char *key, const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v))
        return -1;
    *out = v->valuestring;
    return 0;
}

int enrich_item_json_read(const char *text, size_t len, struct enrich_item_json *out, char *err,
                          size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->item.source_reliability = -1;
    struct enrich_item *it = &out->item;
    if (!(out->root = vg_json_parse(text, len))) {
        snprintf(err, errlen, "malformed JSON");
        return -1;
    }
    if (!cJSON_IsObject(out->root)) {
        snprintf(err, errlen, "expected a JSON object");
        return -1;
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(out->root, "id");
    if (cJSON_IsString(id)) {
        it->id = id->valuestring;
    } else if (cJSON_IsNumber(id)) {
        snprintf(out->idbuf, sizeof(out->idbuf), "%.0f", id->valuedouble);
        it->id = out->idbuf;
    } else {
        snprintf(err, errlen, "missing \"id\" (a string)");
        return -1;
    }
    static const char *const keys[] = {"title", "summary", "lang", "url", "published", "account_id"};
    const char **dst[] = {&it->title, &it->summary, &it->lang, &it->url, &it->published, &it->source_account_id};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (get_str(out->root, keys[i], dst[i]) < 0) {
            snprintf(err, errlen, "\"%s\" must be a string", keys[i]);
            return -1;
        }
    if (!it->source_account_id && get_str(out->root, "source_account_id", &it->source_account_id) < 0) {
        snprintf(err, errlen, "\"source_account_id\" must be a string");
        return -1;
    }
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(out->root, "structured");
    if (st && !cJSON_IsNull(st)) {
        if (!cJSON_IsObject(st)) {
            snprintf(err, errlen, "\"structured\" must be an object");
            return -1;
        }
        out->structured = st;
    }
    if (!it->title && !it->summary) {
        snprintf(err, errlen, "item has neither \"title\" nor \"summary\"");
        return -1;
    }
    return 0;
}

void enrich_item_json_clear(struct enrich_item_json *j)
{
    cJSON_Delete(j->root);
    memset(j, 0, sizeof(*j));
}
