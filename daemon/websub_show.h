/* websub_show — what `vigie status` and `vigie sources show` print of the WebSub
 * subscriptions (queue_websub.h). */
#ifndef VG_WEBSUB_SHOW_H
#define VG_WEBSUB_SHOW_H

#include <stddef.h>
#include <stdint.h>

struct queue_sync;
struct queue_websub;

/* `vigie sources show ID`: its subscription's lines ("websub:      verified at hub ..."),
 * nothing when it has none. */
void websub_show_source(struct queue_sync *q, const char *id, int64_t now_ms);
/* `vigie status`: one summary line, and a line per subscription that is not verified (a hub
 * that does not verify, a lease that ran out); nothing when there is none. The caller reads
 * them (queue_websub_list) before its connection closes. */
void websub_show_status(const struct queue_websub *v, size_t n, int64_t now_ms);

#endif
