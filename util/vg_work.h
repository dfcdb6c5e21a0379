/* vg_work — a small pool of worker threads for CPU-bound work that must not hold the event
 * loop: parsing a document of several megabytes takes long enough to delay health checks,
 * the systemd watchdog and SIGTERM. A job's `run` executes on a worker thread; its `done`
 * then executes on the event loop's thread, in the order jobs finished.
 *
 * `run` must touch nothing the loop thread uses at the same time (no libevent, no Redis, no
 * metrics, no logging): it gets its inputs through `arg` and leaves its outputs there. */
#ifndef VG_WORK_H
#define VG_WORK_H

#include <stddef.h>

struct event_base;
struct vg_work;

typedef void (*vg_work_fn)(void *arg);

/* `threads` workers (at least 1). NULL with a message in err. */
struct vg_work *vg_work_new(struct event_base *base, unsigned threads, char *err, size_t errlen);
/* Queues a job. 0, or -1 when out of memory (the job is not queued: run it inline). */
int vg_work_submit(struct vg_work *w, vg_work_fn run, vg_work_fn done, void *arg);
/* Jobs queued or running, whose `done` has not run yet. */
size_t vg_work_pending(const struct vg_work *w);
/* Lets the running jobs finish, drops the queued ones, and joins the threads; no `done` runs
 * after this starts, so the caller frees what the jobs' args own. NULL is a no-op. */
void vg_work_free(struct vg_work *w);

#endif
