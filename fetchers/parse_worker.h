/* parse_worker — runs a source kind's parse (kind.h) on a thread of its own, so that parsing
 * a large page or feed never holds the event loop: health checks, the watchdog and SIGTERM are
 * served while it runs. Parses are pure (no I/O, no shared state), so they need no lock; the
 * worker takes them one at a time, in order, which also bounds the memory of big documents
 * to one at a time.
 *
 * The caller's loop watches parse_worker_fd() for reading and calls parse_worker_collect()
 * when it is readable; the done callbacks run there, in the caller's thread. */
#ifndef FETCH_PARSE_WORKER_H
#define FETCH_PARSE_WORKER_H

#include "fetchers/kind.h"

#include <stddef.h>

struct parse_worker;

/* A finished parse: rc and err as kind->parse returned them, `out` to take (its doc and
 * watch_text become the callback's to free). rc -1 with error_kind "cancelled" for a job
 * dropped by parse_worker_free. */
typedef void (*parse_done_cb)(int rc, struct kind_output *out, const char *err, void *arg);

/* Starts the thread; NULL with err on failure. */
struct parse_worker *parse_worker_new(char *err, size_t errlen);
/* Readable when parses have finished. */
int parse_worker_fd(const struct parse_worker *w);
/* Queues kind->parse(in); `in` and its strings are copied, so the caller may free them at once.
 * 0, or -1 when out of memory (nothing queued, done not called). */
int parse_worker_submit(struct parse_worker *w, const struct source_kind *kind,
                        const struct kind_input *in, parse_done_cb done, void *arg);
/* Calls done for every finished parse, in the order they were submitted. */
void parse_worker_collect(struct parse_worker *w);
/* Parses queued or running. */
size_t parse_worker_pending(const struct parse_worker *w);
/* Stops: the running parse finishes (the page limits bound it), queued ones are dropped; done
 * is called for each before it returns. NULL is a no-op. */
void parse_worker_free(struct parse_worker *w);

#endif
