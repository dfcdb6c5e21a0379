/* queue_silences — alert silences in the hash `silences` (see queue_silences.h). */
#include "queue/queue_silences.h"
#include "queue/queue_contract.h"
#include "queue/queue_sync_internal.h"
#include "util/vg_alloc.h"
#include "util/vg_json.h"
#include "util/vg_time.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Ids drawn at most this many times before giving up: with 8 hex digits (4 billion) a clash is
 * already rare, and the hash holds at most 30 days of silences. */
#define ID_DRAWS 16

void queue_silence_time(int64_t ms, char *out, size_t outlen)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int add_str_or_null(cJSON *o, const char *name, const char *v)
{
    return (v ? cJSON_AddStringToObject(o, name, v) : cJSON_AddNullToObject(o, name)) != NULL;
}

char *queue_silence_json(const struct queue_silence *s)
{
    char starts[32], ends[32];
    queue_silence_time(s->starts_ms, starts, sizeof(starts));
    queue_silence_time(s->ends_ms, ends, sizeof(ends));
    cJSON *o = cJSON_CreateObject();
    int ok = o && cJSON_AddStringToObject(o, "id", s->id) && add_str_or_null(o, "account", s->account) &&
             add_str_or_null(o, "owner", s->owner) && add_str_or_null(o, "type", s->type) &&
             cJSON_AddStringToObject(o, "starts", starts) && cJSON_AddStringToObject(o, "ends", ends) &&
             add_str_or_null(o, "comment", s->comment) && add_str_or_null(o, "created_by", s->created_by);
    char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!text)
        return NULL;
    char *out = vg_strdup(text);
    cJSON_free(text);
    return out;
}

void queue_silence_clear(struct queue_silence *s)
{
    vg_free(s->account);
    vg_free(s->owner);
    vg_free(s->type);
    vg_free(s->comment);
    vg_free(s->created_by);
    memset(s, 0, sizeof(*s));
}

/* A member that is a non-empty string, copied; NULL when absent or null. -1: not a string. */
static int take_str(const cJSON *o, const char *name, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v))
        return -1;
    if (!v->valuestring[0])
        return 0;
    return (*out = vg_strdup(v->valuestring)) ? 0 : -1;
}

int queue_silence_parse(const char *json, size_t len, struct queue_silence *s)
{
    memset(s, 0, sizeof(*s));
    cJSON *o = vg_json_parse(json, len);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
    const cJSON *starts = cJSON_GetObjectItemCaseSensitive(o, "starts");
    const cJSON *ends = cJSON_GetObjectItemCaseSensitive(o, "ends");
    int rc = -1;
    if (!cJSON_IsObject(o) || !cJSON_IsString(id) || strlen(id->valuestring) >= sizeof(s->id) ||
        !cJSON_IsString(starts) || !cJSON_IsString(ends) ||
        vg_parse_rfc3339_ms(starts->valuestring, &s->starts_ms) < 0 ||
        vg_parse_rfc3339_ms(ends->valuestring, &s->ends_ms) < 0)
        goto out;
    snprintf(s->id, sizeof(s->id), "%s", id->valuestring);
    if (take_str(o, "account", &s->account) < 0 || take_str(o, "owner", &s->owner) < 0 ||
        take_str(o, "type", &s->type) < 0 || take_str(o, "comment", &s->comment) < 0 ||
        take_str(o, "created_by", &s->created_by) < 0)
        goto out;
    rc = 0;
out:
    cJSON_Delete(o);
    if (rc < 0)
        queue_silence_clear(s);
    return rc;
}

int queue_silence_add(struct queue_sync *q, struct queue_silence *s, char *err, size_t errlen)
{
    char key[256];
    snprintf(key, sizeof(key), "%s" QUEUE_KEY_SILENCES, queue_sync_prefix(q));
    for (int draw = 0; draw < ID_DRAWS; draw++) {
        snprintf(s->id, sizeof(s->id), "%08llx", (unsigned long long)vg_rand_below(0x100000000ULL));
        char *json = queue_silence_json(s);
        if (!json) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        const char *argv[] = {"HSETNX", key, s->id, json};
        redisReply *r = queue_sync_cmdv(q, err, errlen, 4, argv);
        vg_free(json);
        if (!r)
            return -1;
        long long set = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
        freeReplyObject(r);
        if (set == 1)
            return 0;
        if (set != 0) {
            snprintf(err, errlen, "HSETNX %s: unexpected reply", key);
            return -1;
        }
    }
    snprintf(err, errlen, "no free silence id after %d draws", ID_DRAWS);
    return -1;
}

static int by_end(const void *a, const void *b)
{
    const struct queue_silence *x = a, *y = b;
    if (x->ends_ms != y->ends_ms)
        return x->ends_ms < y->ends_ms ? -1 : 1;
    return strcmp(x->id, y->id);
}

void queue_silences_free(struct queue_silence *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        queue_silence_clear(&v[i]);
    vg_free(v);
}

int queue_silences_list(struct queue_sync *q, struct queue_silence **out, size_t *n, size_t *bad, char *err,
                        size_t errlen)
{
    *out = NULL;
    *n = 0;
    if (bad)
        *bad = 0;
    redisReply *r = queue_sync_cmd(q, err, errlen, "HGETALL %s" QUEUE_KEY_SILENCES, queue_sync_prefix(q));
    if (!r)
        return -1;
    if (r->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "HGETALL silences: unexpected reply");
        freeReplyObject(r);
        return -1;
    }
    struct queue_silence *v = vg_calloc(r->elements / 2 + 1, sizeof(*v));
    if (!v) {
        snprintf(err, errlen, "out of memory");
        freeReplyObject(r);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const redisReply *val = r->element[i + 1];
        if (val->type != REDIS_REPLY_STRING || queue_silence_parse(val->str, val->len, &v[k]) < 0) {
            if (bad)
                (*bad)++;
            continue;
        }
        k++;
    }
    freeReplyObject(r);
    qsort(v, k, sizeof(*v), by_end);
    *out = v;
    *n = k;
    return 0;
}

static char *get_json(struct queue_sync *q, const char *id, char *err, size_t errlen, int *found)
{
    *found = 0;
    redisReply *r = queue_sync_cmd(q, err, errlen, "HGET %s" QUEUE_KEY_SILENCES " %s", queue_sync_prefix(q), id);
    if (!r)
        return NULL;
    char *json = NULL;
    if (r->type == REDIS_REPLY_STRING) {
        *found = 1;
        json = vg_strndup(r->str, r->len);
        if (!json)
            snprintf(err, errlen, "out of memory");
    }
    freeReplyObject(r);
    return json;
}

int queue_silence_expire(struct queue_sync *q, const char *id, int64_t now_ms, int64_t *ended_ms, char *err,
                         size_t errlen)
{
    int found;
    char *json = get_json(q, id, err, errlen, &found);
    if (!found)
        return err[0] ? -1 : 0;
    if (!json)
        return -1;
    struct queue_silence s;
    int parsed = queue_silence_parse(json, strlen(json), &s);
    vg_free(json);
    if (parsed < 0) {
        snprintf(err, errlen, "silence %s is not a record vigie wrote (not changed)", id);
        return -1;
    }
    if (s.ends_ms <= now_ms) {
        *ended_ms = s.ends_ms;
        queue_silence_clear(&s);
        return 2;
    }
    s.ends_ms = now_ms;
    if (s.starts_ms > now_ms)
        s.starts_ms = now_ms;
    *ended_ms = now_ms;
    json = queue_silence_json(&s);
    queue_silence_clear(&s);
    if (!json) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    redisReply *r = queue_sync_cmd(q, err, errlen, "HSET %s" QUEUE_KEY_SILENCES " %s %s", queue_sync_prefix(q), id,
                                   json);
    vg_free(json);
    if (!r)
        return -1;
    freeReplyObject(r);
    return 1;
}

long queue_silences_purge(struct queue_sync *q, int64_t now_ms, char *err, size_t errlen)
{
    struct queue_silence *v;
    size_t n;
    if (queue_silences_list(q, &v, &n, NULL, err, errlen) < 0)
        return -1;
    long purged = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].ends_ms >= now_ms - QUEUE_SILENCE_KEEP_MS)
            continue;
        redisReply *r =
            queue_sync_cmd(q, err, errlen, "HDEL %s" QUEUE_KEY_SILENCES " %s", queue_sync_prefix(q), v[i].id);
        if (!r) {
            queue_silences_free(v, n);
            return -1;
        }
        purged += r->type == REDIS_REPLY_INTEGER ? (long)r->integer : 0;
        freeReplyObject(r);
    }
    queue_silences_free(v, n);
    return purged;
}
