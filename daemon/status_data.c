/* status_data — the figures of `vigie status` (see status_data.h). */
#include "daemon/status_data.h"
#include "queue/queue_contract.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

/* A sink that has not written its figures for this long is probably gone (they are written
 * every few seconds while it runs). */
#define SINK_SILENT_MS 30000

int status_gather(struct queue_sync *q, struct status_data *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof(*d));
    if (queue_info_collect(q, &d->info, err, errlen) < 0)
        return -1;
    return queue_sink_figures(q, &d->figs, &d->nfigs, err, errlen);
}

void status_data_free(struct status_data *d)
{
    queue_sink_figures_free(d->figs, d->nfigs);
    d->figs = NULL;
    d->nfigs = 0;
}

/* The lag of a sink's group, summed over the streams it reads; -1 when unknown. */
static long long sink_lag(const struct queue_info *info, const char *sink)
{
    char group[160];
    snprintf(group, sizeof(group), QUEUE_GROUP_SINK "%s", sink);
    long long lag = -1;
    for (size_t i = 0; i < info->nstreams; i++)
        for (size_t g = 0; g < info->streams[i].ngroups; g++) {
            const struct queue_group_info *gi = &info->streams[i].groups[g];
            if (strcmp(gi->name, group) != 0 || gi->lag < 0)
                continue;
            lag = (lag < 0 ? 0 : lag) + gi->lag + gi->pending;
        }
    return lag;
}

static double num(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *text(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : "";
}

void status_sink_of(const struct status_data *d, size_t i, int64_t now_ms, struct status_sink *out)
{
    const struct queue_sink_figures *f = &d->figs[i];
    memset(out, 0, sizeof(*out));
    out->name = f->name;
    char sink[128];
    snprintf(sink, sizeof(sink), "%s", f->name);
    char *colon = strchr(sink, ':');
    if (colon)
        *colon = '\0';
    out->lag = sink_lag(&d->info, sink);
    cJSON *o = cJSON_Parse(f->json);
    out->delivered = num(o, "delivered");
    out->retried = num(o, "retried");
    out->dead = num(o, "dead_lettered");
    const char *paused = text(o, "paused"), *last = text(o, "last_error");
    snprintf(out->state, sizeof(out->state), "%s",
             paused[0]                                                      ? "paused"
             : cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "stopped")) ? "stopped"
             : (double)now_ms - num(o, "at") > SINK_SILENT_MS               ? "not reporting (stopped?)"
                                                                            : "delivering");
    snprintf(out->why, sizeof(out->why), "%s", paused[0] ? paused : last);
    cJSON_Delete(o);
}
