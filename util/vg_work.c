/* vg_work — worker threads whose results come back to the event loop (see vg_work.h).
 *
 * Finished jobs wait in a list; an eventfd wakes the loop, which runs their `done` callbacks.
 * libevent itself is never called from a worker, so the loop needs no locking of its own. */
#include "util/vg_work.h"
#include "util/vg_alloc.h"

#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct job {
    vg_work_fn run, done;
    void *arg;
    struct job *next;
};

/* A FIFO of jobs. */
struct jobs {
    struct job *head, *tail;
};

struct vg_work {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct jobs todo, finished;
    size_t pending;            /* submitted, `done` not run yet */
    int stopping;
    int efd;
    struct event *ev;
    pthread_t *threads;
    unsigned nthreads;
};

static void push(struct jobs *q, struct job *j)
{
    j->next = NULL;
    if (q->tail)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
}

static struct job *pop(struct jobs *q)
{
    struct job *j = q->head;
    if (j && !(q->head = j->next))
        q->tail = NULL;
    return j;
}

static void *worker(void *arg)
{
    struct vg_work *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        struct job *j;
        while (!w->stopping && !w->todo.head)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->stopping)
            break;
        j = pop(&w->todo);
        pthread_mutex_unlock(&w->mu);
        j->run(j->arg);
        pthread_mutex_lock(&w->mu);
        push(&w->finished, j);
        uint64_t one = 1;
        /* The counter cannot overflow in practice; a failed write only delays the wake-up to
         * the next finished job. */
        (void)!write(w->efd, &one, sizeof(one));
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void on_finished(evutil_socket_t fd, short what, void *arg)
{
    struct vg_work *w = arg;
    uint64_t n;
    (void)!read(w->efd, &n, sizeof(n));
    pthread_mutex_lock(&w->mu);
    struct jobs done = w->finished;
    w->finished.head = w->finished.tail = NULL;
    pthread_mutex_unlock(&w->mu);
    struct job *j;
    while ((j = pop(&done))) {
        w->pending--;
        j->done(j->arg);
        vg_free(j);
    }
}

struct vg_work *vg_work_new(struct event_base *base, unsigned threads, char *err, size_t errlen)
{
    struct vg_work *w = vg_calloc(1, sizeof(*w));
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->efd < 0) {
        snprintf(err, errlen, "eventfd: %s", strerror(errno));
        goto fail;
    }
    if (!(w->ev = event_new(base, w->efd, EV_READ | EV_PERSIST, on_finished, w)) || event_add(w->ev, NULL) < 0 ||
        !(w->threads = vg_calloc(threads ? threads : 1, sizeof(*w->threads)))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (unsigned i = 0; i < (threads ? threads : 1); i++) {
        int rc = pthread_create(&w->threads[i], NULL, worker, w);
        if (rc) {
            snprintf(err, errlen, "cannot start a worker thread: %s", strerror(rc));
            goto fail;
        }
        w->nthreads++;
    }
    return w;
fail:
    vg_work_free(w);
    return NULL;
}

int vg_work_submit(struct vg_work *w, vg_work_fn run, vg_work_fn done, void *arg)
{
    struct job *j = vg_malloc(sizeof(*j));
    if (!j)
        return -1;
    j->run = run;
    j->done = done;
    j->arg = arg;
    pthread_mutex_lock(&w->mu);
    push(&w->todo, j);
    w->pending++;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

size_t vg_work_pending(const struct vg_work *w) { return w->pending; }

void vg_work_free(struct vg_work *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    for (unsigned i = 0; i < w->nthreads; i++)
        pthread_join(w->threads[i], NULL);
    struct job *j;
    while ((j = pop(&w->todo)))
        vg_free(j);
    while ((j = pop(&w->finished)))
        vg_free(j);
    if (w->ev)
        event_free(w->ev);
    if (w->efd >= 0)
        close(w->efd);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    vg_free(w->threads);
    vg_free(w);
}
