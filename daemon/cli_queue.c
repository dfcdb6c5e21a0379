/* cli_queue — configuration to Redis for the subcommands (see cli_queue.h). */
#include "daemon/cli_queue.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "queue/queue.h"
#include "queue/queue_sync.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

void vg_queue_config(const struct vg_config *c, struct queue_config *qc, char *host, size_t hostlen)
{
    if (gethostname(host, hostlen) < 0 || !host[0])
        snprintf(host, hostlen, "vigie");
    host[hostlen - 1] = '\0';
    memset(qc, 0, sizeof(*qc));
    qc->url = c->redis_url;
    qc->password = c->redis_password;
    qc->prefix = c->redis_prefix;
    qc->instance = c->instance[0] ? c->instance : host;
    qc->state_dir = c->state_dir;
    qc->server = c->redis_server;
    qc->connect_timeout_ms = c->redis_connect_timeout_ms;
    qc->ping_interval_ms = c->redis_ping_interval_ms;
    qc->ping_timeout_ms = c->redis_ping_timeout_ms;
    qc->backoff_max_ms = c->redis_backoff_max_ms;
}

struct queue_sync *vg_cli_open_queue(const char *config_path, struct vg_config **cfg)
{
    char err[512];
    if (!config_path && access(VG_DEFAULT_CONFIG, F_OK) == 0)
        config_path = VG_DEFAULT_CONFIG;
    *cfg = vg_config_load(config_path, err, sizeof(err));
    if (!*cfg) {
        fprintf(stderr, "vigie: %s\n", err);
        return NULL;
    }
    struct queue_config qc;
    char host[128];
    vg_queue_config(*cfg, &qc, host, sizeof(host));
    struct queue_sync *q = queue_sync_open(&qc, err, sizeof(err));
    if (!q)
        fprintf(stderr, "vigie: redis: %s\n", err);
    return q;
}
