/* queue_cluster — the handshake's checks on a Redis Cluster node (see queue_cluster.h). */
#include "queue/queue_cluster.h"

#include <stdio.h>
#include <string.h>

int queue_cluster_enabled(const char *info)
{
    return info && strstr(info, "cluster_enabled:1") != NULL;
}

int queue_cluster_prefix_tagged(const char *prefix)
{
    /* Redis hashes the part between the first '{' and the first '}' after it, when that part
     * is not empty. Both braces must be in the prefix: the rest of a key (an account or source
     * id) is not ours to rely on. */
    const char *open = prefix ? strchr(prefix, '{') : NULL;
    const char *close = open ? strchr(open + 1, '}') : NULL;
    return close && close > open + 1;
}

int queue_cluster_check(const char *prefix, const char *probe_error, char *err, size_t errlen)
{
    if (!queue_cluster_prefix_tagged(prefix)) {
        snprintf(err, errlen,
                 "this Redis runs in cluster mode and [redis] prefix \"%s\" has no hash tag: vigie's "
                 "functions need every key in one slot; set a prefix with a tag, e.g. "
                 "prefix = vigie:{vigie}: (a new prefix starts from empty state)",
                 prefix ? prefix : "");
        return -1;
    }
    if (!probe_error)
        return 0;
    /* "MOVED <slot> <host>:<port>" or "ASK <slot> <host>:<port>" */
    unsigned slot = 0;
    char node[128] = "";
    if ((sscanf(probe_error, "MOVED %u %127s", &slot, node) == 2 ||
         sscanf(probe_error, "ASK %u %127s", &slot, node) == 2)) {
        snprintf(err, errlen,
                 "this Redis Cluster node does not serve slot %u, where [redis] prefix \"%s\" puts "
                 "every key; point [redis] url at the node that does (%s)",
                 slot, prefix, node);
        return -1;
    }
    snprintf(err, errlen, "reading %s%s on this Redis Cluster node failed: %.120s", prefix,
             QUEUE_CLUSTER_PROBE, probe_error);
    return -1;
}
