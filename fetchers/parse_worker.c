/* parse_worker — one thread that runs kind parses off the event loop (see parse_worker.h).
 *
 * Jobs go through two lists under one mutex: `queue` (waiting, taken from the head by the
 * thread) and `done` (finished, taken by parse_worker_collect). The thread writes one byte to
 * a pipe per finished job, which is what makes the caller's fd readable. */
#include "fetchers/parse_worker.h"

#include "util/vg_alloc.h"

#include <libxml/parser.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct job {
    struct job *next;
    const struct source_kind *kind;
    struct kind_input in;     /* strings owned by the job */
    char *body;
    parse_done_cb done;
    void *arg;
    int rc;
    struct kind_output out;
    char err[300];
};

struct parse_worker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct job *queue, *queue_tail;
    struct job *done, *done_tail;
    size_t pending;
    int stopping;
    int pipe[2];
};

static void append(struct job **head, struct job **tail, struct job *j)
{
    j->next = NULL;
    if (*tail)
        (*tail)->next = j;
    else
        *head = j;
    *tail = j;
}

static void job_free(struct job *j)
{
    if (!j)
        return;
    vg_free(j->body);
    vg_free((char *)j->in.url);
    vg_free((char *)j->in.charset);
    vg_free((char *)j->in.options);
    vg_free((char *)j->in.watch_text);
    vg_free(j);
}

static void *run(void *arg)
{
    struct parse_worker *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->queue && !w->stopping)
            pthread_cond_wait(&w->wake, &w->lock);
        struct job *j = w->queue;
        if (!j)
            break; /* stopping, nothing left */
        w->queue = j->next;
        if (!w->queue)
            w->queue_tail = NULL;
        pthread_mutex_unlock(&w->lock);
        j->rc = j->kind->parse(&j->in, &j->out, j->err, sizeof(j->err));
        pthread_mutex_lock(&w->lock);
        append(&w->done, &w->done_tail, j);
        char one = 1;
        while (write(w->pipe[1], &one, 1) < 0 && errno == EINTR)
            ;
        if (w->stopping)
            break; /* the queued rest is dropped by parse_worker_free */
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

struct parse_worker *parse_worker_new(char *err, size_t errlen)
{
    struct parse_worker *w = vg_calloc(1, sizeof(*w));
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* libxml2 sets up its globals on first use, which is not safe from two threads at once */
    xmlInitParser();
    if (pipe2(w->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        snprintf(err, errlen, "parse worker: pipe: %s", strerror(errno));
        vg_free(w);
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    int rc = pthread_create(&w->thread, NULL, run, w);
    if (rc != 0) {
        snprintf(err, errlen, "parse worker: cannot start a thread: %s", strerror(rc));
        close(w->pipe[0]);
        close(w->pipe[1]);
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->wake);
        vg_free(w);
        return NULL;
    }
    return w;
}

int parse_worker_fd(const struct parse_worker *w) { return w->pipe[0]; }

static char *dup_or_null(const char *s, int *oom)
{
    char *d = s ? vg_strdup(s) : NULL;
    if (s && !d)
        *oom = 1;
    return d;
}

int parse_worker_submit(struct parse_worker *w, const struct source_kind *kind,
                        const struct kind_input *in, parse_done_cb done, void *arg)
{
    struct job *j = vg_calloc(1, sizeof(*j));
    if (!j)
        return -1;
    int oom = 0;
    j->kind = kind;
    j->done = done;
    j->arg = arg;
    j->in = *in;
    j->body = vg_malloc(in->len + 1);
    if (j->body) {
        if (in->len)
            memcpy(j->body, in->body, in->len);
        j->body[in->len] = '\0';
    } else {
        oom = 1;
    }
    j->in.body = j->body;
    j->in.url = dup_or_null(in->url, &oom);
    j->in.charset = dup_or_null(in->charset, &oom);
    j->in.options = dup_or_null(in->options, &oom);
    j->in.watch_text = dup_or_null(in->watch_text, &oom);
    if (oom) {
        job_free(j);
        return -1;
    }
    pthread_mutex_lock(&w->lock);
    append(&w->queue, &w->queue_tail, j);
    w->pending++;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    return 0;
}

void parse_worker_collect(struct parse_worker *w)
{
    char drain[64];
    while (read(w->pipe[0], drain, sizeof(drain)) > 0)
        ;
    pthread_mutex_lock(&w->lock);
    struct job *j = w->done;
    w->done = w->done_tail = NULL;
    pthread_mutex_unlock(&w->lock);
    while (j) {
        struct job *next = j->next;
        pthread_mutex_lock(&w->lock);
        w->pending--;
        pthread_mutex_unlock(&w->lock);
        j->done(j->rc, &j->out, j->err, j->arg);
        job_free(j);
        j = next;
    }
}

size_t parse_worker_pending(const struct parse_worker *w)
{
    pthread_mutex_lock((pthread_mutex_t *)&w->lock);
    size_t n = w->pending;
    pthread_mutex_unlock((pthread_mutex_t *)&w->lock);
    return n;
}

void parse_worker_free(struct parse_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    parse_worker_collect(w); /* what finished */
    for (struct job *j = w->queue, *next; j; j = next) {
        next = j->next;
        memset(&j->out, 0, sizeof(j->out));
        j->out.error_kind = "cancelled";
        j->done(-1, &j->out, "the daemon is stopping", j->arg);
        job_free(j);
    }
    close(w->pipe[0]);
    close(w->pipe[1]);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    vg_free(w);
}
