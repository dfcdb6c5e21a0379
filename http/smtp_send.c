/* smtp_send — one SMTP transaction per job on a worker thread (see smtp_send.h).
 *
 * The worker touches only its job: curl's easy handle, the copied strings, the result. What
 * the server answered is read through curl's debug callback (the reply lines curl receives and
 * the verb of each command it sends, never the command's arguments, which for AUTH hold the
 * credentials): a failure is then told by the command it answered (RCPT, MAIL, DATA, AUTH),
 * not guessed from curl's wording. */
#include "http/smtp_send.h"

#include <curl/curl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "util/vg_alloc.h"
#include "util/vg_work.h"

struct smtp_job {
    struct smtp_sender *s;
    struct smtp_job *prev, *next; /* the sender's jobs whose callback has not run */
    char *url, *ca_file, *user, *password, *from, *rcpt, *msg;
    size_t len, sent;
    enum smtp_tls tls;
    long connect_timeout_ms, timeout_ms;
    smtp_done_fn cb;
    void *arg;
    /* the worker's */
    char verb[16];        /* the last command sent: "RCPT", "MAIL", "DATA", "AUTH", ... */
    char fail_verb[16];   /* the command of the first non-2xx/3xx reply */
    struct smtp_result res;
};

struct smtp_sender {
    struct vg_work *work;
    struct smtp_job *jobs;
    atomic_int stopping;  /* curl's progress callback aborts a running transfer */
};

/* ---- the worker -------------------------------------------------------------------------- */

static size_t read_body(char *buf, size_t size, size_t nitems, void *arg)
{
    struct smtp_job *j = arg;
    size_t room = size * nitems, left = j->len - j->sent;
    size_t n = left < room ? left : room;
    memcpy(buf, j->msg + j->sent, n);
    j->sent += n;
    return n;
}

static int progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    struct smtp_job *j = arg;
    return atomic_load(&j->s->stopping) ? 1 : 0;
}

/* Copies a line without its line end, control characters as blanks. */
static void copy_line(char *out, size_t outlen, const char *p, size_t n)
{
    while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
        n--;
    if (n >= outlen)
        n = outlen - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)p[i] < 0x20 || p[i] == 0x7f ? ' ' : p[i];
    out[n] = '\0';
}

static int on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
    (void)h;
    struct smtp_job *j = arg;
    if (type == CURLINFO_HEADER_OUT) {
        /* the verb only: AUTH's argument is a credential */
        size_t n = 0;
        while (n < size && n + 1 < sizeof j->verb && data[n] >= 'A' && data[n] <= 'Z')
            n++;
        memcpy(j->verb, data, n);
        j->verb[n] = '\0';
    } else if (type == CURLINFO_HEADER_IN) {
        /* The reply lines up to the first failure, and the command that failure answered:
         * the last line kept is the reply the transaction ended on. */
        char line[sizeof j->res.reply];
        copy_line(line, sizeof line, data, size);
        if (j->fail_verb[0])
            return 0; /* the failure is kept, not what came after it (a QUIT's 221) */
        snprintf(j->res.reply, sizeof j->res.reply, "%s", line);
        if (line[0] == '4' || line[0] == '5')
            snprintf(j->fail_verb, sizeof j->fail_verb, "%s", j->verb[0] ? j->verb : "CONNECT");
    }
    return 0;
}

static void classify(struct smtp_job *j, CURLcode rc, const char *errbuf)
{
    struct smtp_result *r = &j->res;
    const char *what = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    if (rc == CURLE_OK) {
        r->fault = SMTP_OK;
        return;
    }
    long c = r->code;
    snprintf(r->command, sizeof r->command, "%s", j->fail_verb);
    if (rc == CURLE_USE_SSL_FAILED) {
        r->fault = SMTP_TLS;
        snprintf(r->reason, sizeof r->reason, "the server does not offer STARTTLS (tls = starttls): nothing was "
                                              "sent (%s)", what);
        return;
    }
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_SSL_CACERT_BADFILE ||
        rc == CURLE_SSL_CERTPROBLEM) {
        r->fault = SMTP_TLS;
    } else if (rc == CURLE_LOGIN_DENIED || !strcmp(j->fail_verb, "AUTH") || c == 535 || c == 534 || c == 530) {
        r->fault = SMTP_AUTH;
    } else if (c >= 500 && c < 600) {
        r->fault = !strcmp(j->fail_verb, "RCPT") || strncmp(what, "RCPT", 4) == 0 ? SMTP_REFUSED_RCPT : SMTP_REFUSED;
    } else if (c == 421) {
        r->fault = SMTP_NETWORK; /* the server is closing the connection: it is unavailable */
    } else if (c >= 400 && c < 500) {
        r->fault = SMTP_TEMPORARY;
    } else if (rc == CURLE_OUT_OF_MEMORY || rc == CURLE_ABORTED_BY_CALLBACK) {
        r->fault = SMTP_INTERNAL;
    } else {
        r->fault = SMTP_NETWORK;
    }
    if (r->reply[0] && (r->reply[0] == '4' || r->reply[0] == '5'))
        snprintf(r->reason, sizeof r->reason, "%s (the server answered \"%s\")", what, r->reply);
    else
        snprintf(r->reason, sizeof r->reason, "%s", what);
}

static void run_job(void *arg)
{
    struct smtp_job *j = arg;
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *rcpt = NULL;
    CURL *h = curl_easy_init();
    char from[300], to[300];
    snprintf(from, sizeof from, "<%s>", j->from);
    snprintf(to, sizeof to, "<%s>", j->rcpt);
    if (!h || !(rcpt = curl_slist_append(NULL, to))) {
        j->res.fault = SMTP_INTERNAL;
        snprintf(j->res.reason, sizeof j->res.reason, "out of memory");
        goto done;
    }
    curl_easy_setopt(h, CURLOPT_URL, j->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_USE_SSL, (long)(j->tls == SMTP_TLS_NONE ? CURLUSESSL_NONE : CURLUSESSL_ALL));
    if (j->ca_file && *j->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, j->ca_file);
    if (j->user && *j->user) {
        curl_easy_setopt(h, CURLOPT_USERNAME, j->user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, j->password ? j->password : "");
    }
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(h, CURLOPT_READDATA, j);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)j->len);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, j->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, j->timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* a worker thread: no SIGALRM for DNS */
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, j);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L); /* feeds on_debug; nothing is printed */
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, j);
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &j->res.code);
    if (rc != CURLE_OK && j->res.reply[0] && (j->res.reply[0] == '4' || j->res.reply[0] == '5'))
        j->res.code = (j->res.reply[0] - '0') * 100 + (j->res.reply[1] - '0') * 10 + (j->res.reply[2] - '0');
    classify(j, rc, errbuf);
done:
    curl_slist_free_all(rcpt);
    if (h)
        curl_easy_cleanup(h);
}

/* ---- the loop's side ------------------------------------------------------------------- */

static void job_free(struct smtp_job *j)
{
    if (!j)
        return;
    vg_free(j->url);
    vg_free(j->ca_file);
    vg_free(j->user);
    if (j->password) {
        memset(j->password, 0, strlen(j->password));
        vg_free(j->password);
    }
    vg_free(j->from);
    vg_free(j->rcpt);
    vg_free(j->msg);
    vg_free(j);
}

static void unlink_job(struct smtp_job *j)
{
    if (j->prev)
        j->prev->next = j->next;
    else
        j->s->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
}

static void done_job(void *arg)
{
    struct smtp_job *j = arg;
    unlink_job(j);
    j->cb(&j->res, j->arg);
    job_free(j);
}

struct smtp_sender *smtp_sender_new(struct event_base *base, char *err, size_t errlen)
{
    struct smtp_sender *s = vg_calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* Done here, on the loop's thread: curl_easy_init on a worker would otherwise do it. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "libcurl could not be initialised");
        vg_free(s);
        return NULL;
    }
    atomic_init(&s->stopping, 0);
    if (!(s->work = vg_work_new(base, 1, err, errlen))) {
        curl_global_cleanup();
        vg_free(s);
        return NULL;
    }
    return s;
}

static char *dup_or_null(const char *s, int *failed)
{
    if (!s)
        return NULL;
    char *d = vg_strdup(s);
    if (!d)
        *failed = 1;
    return d;
}

int smtp_send(struct smtp_sender *s, const struct smtp_server *srv, const char *from, const char *rcpt,
              const char *msg, size_t len, smtp_done_fn cb, void *arg, char *err, size_t errlen)
{
    struct smtp_job *j = vg_calloc(1, sizeof *j);
    int failed = !j;
    if (j) {
        j->s = s;
        j->url = dup_or_null(srv->url, &failed);
        j->ca_file = dup_or_null(srv->ca_file, &failed);
        j->user = dup_or_null(srv->user, &failed);
        j->password = dup_or_null(srv->password, &failed);
        j->from = dup_or_null(from, &failed);
        j->rcpt = dup_or_null(rcpt, &failed);
        j->msg = vg_malloc(len + 1);
        failed |= !j->msg;
    }
    if (failed) {
        job_free(j);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(j->msg, msg, len);
    j->msg[len] = '\0';
    j->len = len;
    j->tls = srv->tls;
    j->connect_timeout_ms = srv->connect_timeout_ms;
    j->timeout_ms = srv->timeout_ms;
    j->cb = cb;
    j->arg = arg;
    j->next = s->jobs;
    if (s->jobs)
        s->jobs->prev = j;
    s->jobs = j;
    if (vg_work_submit(s->work, run_job, done_job, j) < 0) {
        unlink_job(j);
        job_free(j);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

void smtp_sender_free(struct smtp_sender *s)
{
    if (!s)
        return;
    atomic_store(&s->stopping, 1);
    vg_work_free(s->work); /* joins the worker: no job runs after this */
    while (s->jobs) {
        struct smtp_job *j = s->jobs;
        unlink_job(j);
        job_free(j);
    }
    curl_global_cleanup();
    vg_free(s);
}
