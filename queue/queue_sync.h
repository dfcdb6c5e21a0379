/* queue_sync — a blocking Redis connection for short command-line tools (`vigie sources`,
 * `vigie accounts`, `vigie status`, ...), which run outside the event loop.
 *
 * With `url = embedded` it connects to the running daemon's server in the state directory;
 * when no daemon runs, it starts the embedded redis-server for the duration of the command,
 * so data can be imported before the daemon is first started. */
#ifndef QUEUE_SYNC_H
#define QUEUE_SYNC_H

#include <stddef.h>

struct queue_config;
struct queue_sync;

struct queue_sync *queue_sync_open(const struct queue_config *cfg, char *err, size_t errlen);
void queue_sync_close(struct queue_sync *s);
const char *queue_sync_prefix(const struct queue_sync *s);

#endif
