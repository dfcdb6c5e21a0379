/* console — the read-only web console (issue 17; docs/design.md "Console"): server-rendered
 * pages under /ui/ for the portfolio, an account, the signals, the review and operations.
 *
 * It runs on a thread of its own with its own event loop, its own bounded HTTP server
 * (admin_http) and its own synchronous Redis connection (queue_sync), so a page that reads a
 * lot never stalls the loop that fetches and enriches. The admin listener answers /ui/... with
 * a redirect to it. Loopback-only by default; bound elsewhere it refuses to start without
 * authentication. */
#ifndef VG_CONSOLE_H
#define VG_CONSOLE_H

#include <stddef.h>

struct vg_config;
struct console;

/* Starts the console thread as cfg's [console] says (NULL with err[0] == '\0' when it is off;
 * NULL with err filled when it cannot start: a bad listen address, no authentication off
 * loopback, Redis settings unusable). */
struct console *console_start(const struct vg_config *cfg, char *err, size_t errlen);
/* Where it listens, e.g. "http://127.0.0.1:9747" (for the admin redirect and the log). */
const char *console_address(const struct console *c);
/* Stops the thread, closes every connection. */
void console_stop(struct console *c);

#endif
