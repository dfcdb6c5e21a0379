/* queue_embedded — supervised redis-server child process (see queue_embedded.h). */
#include "queue/queue_embedded.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"
#include "util/vg_time.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

struct queue_embedded {
    struct event_base *base;
    char *binary;     /* resolved path of redis-server */
    char *dir;        /* state_dir/redis */
    char *conf;       /* dir/redis.conf */
    char *socket;     /* dir/redis.sock */
    char *url;
    char *err_path;   /* dir/redis.stderr */
    int lock_fd;
    pid_t pid;
    unsigned restarts;
    unsigned quick_deaths; /* deaths soon after start, for backoff */
    int64_t started;
    int stopping;
    struct event *chld_ev, *restart_ev;
};

/* PATH lookup, so the error can say exactly what is missing. */
static char *find_binary(const char *name)
{
    if (strchr(name, '/'))
        return access(name, X_OK) == 0 ? vg_strdup(name) : NULL;
    const char *path = getenv("PATH");
    char *copy = vg_strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
    char *found = NULL;
    /* Debian installs redis-server in /usr/bin, but services often run with a minimal PATH. */
    char *extra = copy ? vg_asprintf("%s:/usr/bin:/usr/sbin:/usr/local/bin", copy) : NULL;
    char *save = NULL;
    for (char *d = extra ? strtok_r(extra, ":", &save) : NULL; d && !found; d = strtok_r(NULL, ":", &save)) {
        char *cand = vg_asprintf("%s/%s", d, name);
        if (cand && access(cand, X_OK) == 0)
            found = cand;
        else
            vg_free(cand);
    }
    vg_free(copy);
    vg_free(extra);
    return found;
}

static int mkdir_p(const char *path, mode_t mode)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
        return -1;
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, mode) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(tmp, mode) < 0 && errno != EEXIST ? -1 : 0;
}

static int write_conf(struct queue_embedded *e, char *err, size_t errlen)
{
    FILE *f = fopen(e->conf, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", e->conf, strerror(errno));
        return -1;
    }
    /* Generated on every start from vigie's own settings; edits would be overwritten. */
    fprintf(f,
            "# Written by vigie at each start of its embedded Redis. Do not edit.\n"
            "port 0\n"
            "unixsocket %s\n"
            "unixsocketperm 700\n"
            "dir %s\n"
            "daemonize no\n"
            "supervised no\n"
            "pidfile \"\"\n"
            "logfile %s/redis.log\n"
            "appendonly yes\n"
            "appendfsync everysec\n"
            "appendfilename appendonly.aof\n"
            "save \"\"\n"
            "maxmemory-policy noeviction\n"
            "protected-mode yes\n",
            e->socket, e->dir, e->dir);
    if (fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", e->conf, strerror(errno));
        return -1;
    }
    return 0;
}

static int spawn(struct queue_embedded *e)
{
    pid_t parent = getpid();
    /* Signals stay blocked across fork until the child has dropped vigie's handlers: a SIGTERM
     * sent to the new child at once must kill it, not run vigie's handler in the child. */
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid < 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        vg_err("redis", "cannot start embedded redis-server: fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* Child: default handlers, then no mask; die with vigie, even on SIGKILL. */
        for (int s = 1; s < NSIG; s++)
            if (s != SIGKILL && s != SIGSTOP)
                signal(s, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(1);
        /* Redis writes its own log file. Its stdout and stderr (the few lines it prints before
         * opening that file) go to redis.stderr next to it, never to vigie's: a forked Redis
         * child (an AOF rewrite) must not keep vigie's output open after vigie exits. */
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0)
            dup2(devnull, STDIN_FILENO);
        int errfd = open(e->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (errfd >= 0) {
            dup2(errfd, STDOUT_FILENO);
            dup2(errfd, STDERR_FILENO);
        }
        execl(e->binary, e->binary, e->conf, (char *)NULL);
        _exit(127);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    e->pid = pid;
    e->started = vg_mono_ms();
    if (e->base)
        vg_info("redis", "started embedded redis-server (pid %d) on %s", (int)pid, e->socket);
    return 0;
}

static void on_restart_timer(evutil_socket_t fd, short what, void *arg)
{
    struct queue_embedded *e = arg;
    if (!e->stopping && e->pid == 0 && spawn(e) == 0)
        e->restarts++;
}

static void on_sigchld(evutil_socket_t fd, short what, void *arg)
{
    struct queue_embedded *e = arg;
    int status;
    /* Only the child vigie started: reaping any other would steal its exit status from the
     * code that waits for it (a library's helper process, a command's child). */
    if (e->pid > 0 && waitpid(e->pid, &status, WNOHANG) == e->pid) {
        e->pid = 0;
        if (e->stopping)
            return;
        char how[64];
        if (WIFEXITED(status))
            snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
        else
            snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(status));
        /* A server that dies right after starting (bad binary, corrupt AOF, full disk) is
         * restarted with growing delays instead of in a tight loop. */
        if (vg_mono_ms() - e->started < 5000)
            e->quick_deaths++;
        else
            e->quick_deaths = 0;
        int64_t delay = e->quick_deaths ? vg_backoff_ms(e->quick_deaths, 500, 30000) : 100;
        vg_err("redis", "embedded redis-server %s; restarting in %.1fs (see %s/redis.log and redis.stderr)", how,
               (double)delay / 1000.0, e->dir);
        struct timeval tv = vg_tv_ms(delay);
        evtimer_add(e->restart_ev, &tv);
    }
}

struct queue_embedded *queue_embedded_start(struct event_base *base, const char *state_dir,
                                            const char *server, char *err, size_t errlen)
{
    struct queue_embedded *e = vg_calloc(1, sizeof(*e));
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    e->lock_fd = -1;
    e->base = base;
    e->binary = find_binary(server);
    if (!e->binary) {
        snprintf(err, errlen,
                 "embedded Redis needs '%s', which was not found: install it (apt-get install "
                 "redis-server), set [redis] server to its path, or set [redis] url to an "
                 "external Redis", server);
        goto fail;
    }
    e->dir = vg_asprintf("%s/redis", state_dir);
    e->conf = e->dir ? vg_asprintf("%s/redis.conf", e->dir) : NULL;
    e->socket = e->dir ? vg_asprintf("%s/redis.sock", e->dir) : NULL;
    e->url = e->socket ? vg_asprintf("unix:%s", e->socket) : NULL;
    e->err_path = e->dir ? vg_asprintf("%s/redis.stderr", e->dir) : NULL;
    char *lock = e->dir ? vg_asprintf("%s/vigie.lock", e->dir) : NULL;
    if (!e->conf || !e->url || !e->err_path || !lock) {
        vg_free(lock);
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (strlen(e->socket) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        vg_free(lock);
        snprintf(err, errlen, "state_dir %s is too deep for a unix socket path (max %zu bytes): "
                 "choose a shorter [daemon] state_dir", state_dir,
                 sizeof(((struct sockaddr_un *)0)->sun_path) - 1 - strlen("/redis/redis.sock"));
        goto fail;
    }
    if (mkdir_p(e->dir, 0700) < 0) {
        snprintf(err, errlen, "cannot create %s: %s", e->dir, strerror(errno));
        vg_free(lock);
        goto fail;
    }
    e->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (e->lock_fd < 0 || flock(e->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        snprintf(err, errlen, "another vigie already runs the embedded Redis in %s; to share it, "
                 "set [redis] url = %s in this process's configuration", e->dir, e->url);
        vg_free(lock);
        goto fail;
    }
    vg_free(lock);
    if (write_conf(e, err, errlen) < 0)
        goto fail;
    unlink(e->socket); /* a stale socket from a crash would make clients fail until rebind */
    /* Without an event loop (a short CLI command) the server is not supervised. */
    if (base) {
        e->chld_ev = evsignal_new(base, SIGCHLD, on_sigchld, e);
        e->restart_ev = evtimer_new(base, on_restart_timer, e);
        if (!e->chld_ev || !e->restart_ev || event_add(e->chld_ev, NULL) < 0) {
            snprintf(err, errlen, "cannot watch the embedded redis-server");
            goto fail;
        }
    }
    if (spawn(e) < 0) {
        snprintf(err, errlen, "cannot start %s: %s", e->binary, strerror(errno));
        goto fail;
    }
    return e;
fail:
    queue_embedded_stop(e, 0);
    return NULL;
}

const char *queue_embedded_url(const struct queue_embedded *e) { return e->url; }

pid_t queue_embedded_pid(const struct queue_embedded *e) { return e->pid; }

unsigned queue_embedded_restarts(const struct queue_embedded *e) { return e->restarts; }

void queue_embedded_stop(struct queue_embedded *e, long long timeout_ms)
{
    if (!e)
        return;
    e->stopping = 1;
    if (e->pid > 0) {
        /* SIGTERM makes redis flush the append-only file and exit. This wait is synchronous:
         * it happens once, at shutdown, after the event loop has stopped. */
        kill(e->pid, SIGTERM);
        int64_t deadline = vg_mono_ms() + (timeout_ms > 0 ? timeout_ms : 5000);
        int status;
        pid_t r;
        while ((r = waitpid(e->pid, &status, WNOHANG)) == 0 && vg_mono_ms() < deadline)
            usleep(10000);
        if (r == 0) {
            vg_warn("redis", "embedded redis-server did not stop in time; killing it");
            kill(e->pid, SIGKILL);
            waitpid(e->pid, &status, 0);
        } else if (e->base) {
            vg_info("redis", "embedded redis-server stopped");
        }
        e->pid = 0;
    }
    if (e->chld_ev)
        event_free(e->chld_ev);
    if (e->restart_ev)
        event_free(e->restart_ev);
    if (e->lock_fd >= 0)
        close(e->lock_fd);
    vg_free(e->binary);
    vg_free(e->dir);
    vg_free(e->conf);
    vg_free(e->socket);
    vg_free(e->url);
    vg_free(e->err_path);
    vg_free(e);
}
