/* queue_cluster — running on a Redis Cluster node (internal to queue/).
 *
 * vigie's functions touch many keys in one call, and build some key names inside Lua; a
 * cluster allows that only when every key is in one hash slot. A [redis] prefix holding a hash
 * tag ("vigie:{acme}:") puts every key of a deployment in the slot of its tag, and the node
 * that serves that slot then runs vigie as a plain Redis does (docs/capacity.md, "Growing past
 * one Redis"). Without these checks the cluster's own refusals (CROSSSLOT inside a function,
 * MOVED on the first key) would surface later, one command at a time, as errors that do not
 * say what to change. */
#ifndef QUEUE_CLUSTER_H
#define QUEUE_CLUSTER_H

#include <stddef.h>

/* 1 when an INFO reply (with its cluster section) says the server runs in cluster mode. */
int queue_cluster_enabled(const char *info);

/* 1 when every key built from prefix hashes by a tag held in prefix itself: a '{', then a '}'
 * after it with at least one character between, both inside prefix. */
int queue_cluster_prefix_tagged(const char *prefix);

/* The key the handshake reads to learn whether this node serves the prefix's slot. */
#define QUEUE_CLUSTER_PROBE "accounts:version"

/* The handshake's verdict on a cluster node, given the probe's reply (an error string, or NULL
 * when it succeeded): 0 when vigie can run here; -1 with err saying what to change, when the
 * prefix has no hash tag or another node serves its slot (MOVED, ASK). */
int queue_cluster_check(const char *prefix, const char *probe_error, char *err, size_t errlen);

#endif
