/* status_data — what `vigie status` shows, gathered once for both of its readers: the command
 * (daemon/cmd_status.c) and the console's Operations page (daemon/console_ops.c). */
#ifndef VG_STATUS_DATA_H
#define VG_STATUS_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "queue/queue_info.h"
#include "queue/queue_peek.h"

struct queue_sync;

struct status_data {
    struct queue_info info;           /* streams, groups, sources, failing ones and why */
    struct queue_sink_figures *figs;  /* every sink process's figures, sorted by name */
    size_t nfigs;
};

/* 0, or -1 with err (nothing to free then). */
int status_gather(struct queue_sync *q, struct status_data *d, char *err, size_t errlen);
void status_data_free(struct status_data *d);

/* One sink process as `vigie status` words it. */
struct status_sink {
    const char *name;       /* "<sink>:<instance>" (points into the figures) */
    long long lag;          /* its group's lag + pending over the streams it reads; -1 unknown */
    double delivered, retried, dead;
    char state[32];         /* "paused", "stopped", "not reporting (stopped?)", "delivering" */
    char why[400];          /* the pause's reason, else the last error, else "" */
};
/* The i-th sink process of d at now_ms. */
void status_sink_of(const struct status_data *d, size_t i, int64_t now_ms, struct status_sink *out);

#endif
