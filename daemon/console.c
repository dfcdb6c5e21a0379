/* console — the web console's server: its thread, loop, listener, authentication, security
 * headers and routes (see console.h). The pages are console_*.c.
 *
 * Threads: console_start runs on the daemon's thread and builds everything (the listener,
 * the loop, the HTTP server, whose metrics are off: the registry is the daemon thread's);
 * then the console thread only runs its loop. It reads its own copy of the configuration,
 * so a reload of the daemon's never frees what a page is reading. Stopping writes a byte to
 * a pipe the loop watches: the loop breaks itself, no cross-thread libevent call. */
#include "daemon/console.h"
#include "daemon/console_data.h"
#include "daemon/admin.h"
#include "daemon/admin_http.h"
#include "daemon/cli_queue.h"
#include "daemon/config.h"
#include "daemon/console_html.h"
#include "daemon/console_page.h"
#include "queue/queue.h"
#include "queue/queue_sync.h"
#include "util/vg_alloc.h"
#include "util/vg_hmac.h"
#include "util/vg_log.h"
#include "util/vg_time.h"

#include <ctype.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct console {
    struct vg_config *cfg;       /* the console's own copy */
    struct queue_config qc;
    char host[256];
    struct event_base *base;
    struct admin_http *http;
    struct event *stop_ev;
    int stop_pipe[2];
    pthread_t thread;
    int running;
    char *address, *unix_path;
    struct queue_sync *q;        /* opened on the first page that needs it, reopened after a failure */
    /* authentication: SHA-256 of the token, of the user, and the password's salt and hash */
    int auth_token, auth_basic;
    unsigned char token_sha[32], user_sha[32], pw_sha[32];
    char *pw_salt;
};

/* ---- authentication ------------------------------------------------------------------ */

static void sha256(const void *a, size_t alen, const void *b, size_t blen, unsigned char out[32])
{
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    unsigned n = 0;
    if (!x || !EVP_DigestInit_ex(x, EVP_sha256(), NULL) || !EVP_DigestUpdate(x, a, alen) ||
        (blen && !EVP_DigestUpdate(x, b, blen)) || !EVP_DigestFinal_ex(x, out, &n))
        /* cannot hash: a digest nobody can match (all ones vs. a real SHA-256 is never equal
         * by chance in practice, and the request is refused anyway below) */
        memset(out, 0xff, 32);
    EVP_MD_CTX_free(x);
}

static int unhex(const char *s, unsigned char *out, size_t n)
{
    if (strlen(s) != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
            sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (unsigned char)v;
    }
    return 0;
}

/* "sha256:SALT:HEX" into c; -1 with err. */
static int parse_password_hash(struct console *c, const char *v, char *err, size_t errlen)
{
    const char *salt = strncmp(v, "sha256:", 7) == 0 ? v + 7 : NULL;
    const char *colon = salt ? strrchr(salt, ':') : NULL;
    if (!colon || unhex(colon + 1, c->pw_sha, 32) < 0) {
        snprintf(err, errlen, "[console] password_hash must be sha256:SALT:HEX (HEX: 64 hex digits, the SHA-256 "
                              "of SALT followed by the password)");
        return -1;
    }
    c->pw_salt = vg_strndup(salt, (size_t)(colon - salt));
    return c->pw_salt ? 0 : -1;
}

/* 1 when the Authorization header carries the token or the user and password. Every
 * comparison is of two SHA-256 digests with CRYPTO_memcmp: no early exit, no length told. */
static int authorized(const struct console *c, const char *h)
{
    unsigned char d[32];
    if (c->auth_token && strncasecmp(h, "Bearer ", 7) == 0) {
        const char *t = h + 7;
        while (*t == ' ')
            t++;
        sha256(t, strlen(t), NULL, 0, d);
        return CRYPTO_memcmp(d, c->token_sha, 32) == 0;
    }
    if (strncasecmp(h, "Basic ", 6) != 0)
        return 0;
    const char *b = h + 6;
    while (*b == ' ')
        b++;
    size_t n;
    unsigned char *up = vg_base64_decode(b, strlen(b), &n);
    if (!up)
        return 0;
    unsigned char *colon = memchr(up, ':', n);
    int ok = 0;
    if (colon) {
        size_t ul = (size_t)(colon - up), pl = n - ul - 1;
        unsigned char du[32], dp[32];
        sha256(up, ul, NULL, 0, du);
        sha256(c->pw_salt, strlen(c->pw_salt), colon + 1, pl, dp);
        /* the token, when there is one, also opens as the Basic password of any user name */
        unsigned char dt[32];
        sha256(colon + 1, pl, NULL, 0, dt);
        ok = (c->auth_basic && (CRYPTO_memcmp(du, c->user_sha, 32) == 0) + (CRYPTO_memcmp(dp, c->pw_sha, 32) == 0) == 2) ||
             (c->auth_token && CRYPTO_memcmp(dt, c->token_sha, 32) == 0);
    }
    OPENSSL_cleanse(up, n);
    vg_free(up);
    return ok;
}

/* ---- requests -------------------------------------------------------------------------- */

/* The UI's language: French when the browser ranks some French above every English. */
static enum console_lang pick_lang(const char *al)
{
    double best_en = -1, best_fr = -1;
    for (const char *p = al; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *tag = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ')
            p++;
        size_t tl = (size_t)(p - tag);
        double q = 1;
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *qs = strstr(p, "q=");
        if (qs && qs < end)
            q = strtod(qs + 2, NULL);
        if (tl >= 2 && strncasecmp(tag, "fr", 2) == 0 && (tl == 2 || tag[2] == '-') && q > best_fr)
            best_fr = q;
        if (tl >= 2 && strncasecmp(tag, "en", 2) == 0 && (tl == 2 || tag[2] == '-') && q > best_en)
            best_en = q;
        p = end;
    }
    return best_fr > 0 && best_fr > best_en ? CONSOLE_FR : CONSOLE_EN;
}

static const char security_headers[] =
    "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n"
    "Referrer-Policy: no-referrer\r\n"
    "Cross-Origin-Opener-Policy: same-origin\r\n";

static void simple_page(const struct console_req *req, struct console_reply *rep, int code, const char *title,
                        const char *text)
{
    rep->code = code;
    console_html_begin(&rep->body, req, console_tr(req, title), NULL);
    vg_buf_puts(&rep->body, "<h1>");
    console_html_text(&rep->body, console_tr(req, title));
    vg_buf_puts(&rep->body, "</h1>\n<p>");
    console_html_text(&rep->body, console_tr(req, text));
    vg_buf_puts(&rep->body, "</p>\n");
    console_html_end(&rep->body, req);
}

/* The page for path, or NULL. */
static console_page_fn route(const char *path)
{
    if (strcmp(path, "/ui/") == 0)
        return console_portfolio_page;
    if (strncmp(path, "/ui/accounts/", 13) == 0 && path[13] && !strchr(path + 13, '/'))
        return console_account_page;
    if (strcmp(path, "/ui/signals") == 0 || strcmp(path, "/ui/signals/") == 0)
        return console_signals_page;
    if (strncmp(path, "/ui/signals/", 12) == 0 && path[12] && !strchr(path + 12, '/'))
        return console_signal_page;
    if (strcmp(path, "/ui/review") == 0 || strcmp(path, "/ui/review/") == 0)
        return console_review_page;
    if (strcmp(path, "/ui/ops") == 0 || strcmp(path, "/ui/ops/") == 0)
        return console_ops_page;
    return NULL;
}

static void on_request(const struct admin_http_req *hreq, struct admin_http_reply *rep, void *arg)
{
    struct console *c = arg;
    vg_buf_puts(&rep->headers, security_headers);
    if ((c->auth_token || c->auth_basic) && !authorized(c, hreq->authorization)) {
        rep->code = 401;
        rep->ctype = "text/plain; charset=utf-8";
        vg_buf_puts(&rep->headers, "WWW-Authenticate: Basic realm=\"vigie console\", charset=\"UTF-8\"\r\n");
        vg_buf_puts(&rep->body, "authentication required\n");
        return;
    }
    if (strcmp(hreq->path, "/") == 0 || strcmp(hreq->path, "/ui") == 0) {
        rep->code = 302;
        rep->ctype = "text/plain; charset=utf-8";
        vg_buf_puts(&rep->headers, "Location: /ui/\r\n");
        vg_buf_puts(&rep->body, "/ui/\n");
        return;
    }
    const char *ctype;
    size_t len;
    const char *file = console_static(hreq->path, &ctype, &len);
    if (file) {
        rep->code = 200;
        rep->ctype = ctype;
        vg_buf_append(&rep->body, file, len);
        return;
    }
    struct console_req req = {.path = hreq->path,
                              .query = hreq->query,
                              .lang = pick_lang(hreq->accept_language),
                              .public_url = c->cfg->console_public_url ? c->cfg->console_public_url : "",
                              .cfg = c->cfg,
                              .now_ms = vg_clock_ms()};
    struct console_reply r = {.code = 200};
    vg_buf_init(&r.body, 0);
    console_page_fn fn = route(hreq->path);
    int rc = 0;
    if (!fn) {
        simple_page(&req, &r, 404, "Not found", "Not found");
    } else {
        char err[512] = "";
        if (!c->q && !(c->q = queue_sync_open(&c->qc, err, sizeof(err)))) {
            vg_warn("console", "redis: %s", err);
            simple_page(&req, &r, 503, "Redis is not reachable", "Redis is not reachable");
        } else {
            req.q = c->q;
            rc = fn(&req, &r);
        }
    }
    if (rc < 0 || vg_buf_check(&r.body) < 0) {
        /* a page that failed may have lost the connection: the next one reopens it */
        queue_sync_close(c->q);
        c->q = NULL;
        rep->code = 500;
        rep->ctype = "text/plain; charset=utf-8";
        vg_buf_puts(&rep->body, "the page could not be made; see the daemon's log\n");
        vg_buf_free(&r.body);
        return;
    }
    rep->code = r.code ? r.code : 200;
    rep->ctype = r.ctype ? r.ctype : "text/html; charset=utf-8";
    if (r.disposition && !strpbrk(r.disposition, "\r\n"))
        vg_buf_printf(&rep->headers, "Content-Disposition: %s\r\n", r.disposition);
    /* the reply's body is handed over whole */
    vg_buf_free(&rep->body);
    rep->body = r.body;
}

/* ---- the thread -------------------------------------------------------------------------- */

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
    struct console *c = arg;
    char b[16];
    (void)!read(fd, b, sizeof(b));
    event_base_loopbreak(c->base);
}

static void *run(void *arg)
{
    struct console *c = arg;
    event_base_dispatch(c->base);
    return NULL;
}

struct console *console_start(const struct vg_config *cfg, char *err, size_t errlen)
{
    err[0] = '\0';
    if (!cfg->console_listen || !cfg->console_listen[0] || strcmp(cfg->console_listen, "off") == 0)
        return NULL;
    struct console *c = vg_calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->stop_pipe[0] = c->stop_pipe[1] = -1;
    char why[512];
    c->cfg = vg_config_load(cfg->file, why, sizeof(why));
    if (!c->cfg) {
        snprintf(err, errlen, "%s", why);
        goto fail;
    }
    vg_queue_config(c->cfg, &c->qc, c->host, sizeof(c->host));
    const char *token = c->cfg->console_token, *user = c->cfg->console_user, *ph = c->cfg->console_password_hash;
    if (token && token[0]) {
        c->auth_token = 1;
        sha256(token, strlen(token), NULL, 0, c->token_sha);
    }
    if ((user && user[0]) != (ph && ph[0])) {
        snprintf(err, errlen, "[console] user and password_hash go together: set both or neither");
        goto fail;
    }
    if (user && user[0]) {
        if (parse_password_hash(c, ph, err, errlen) < 0)
            goto fail;
        c->auth_basic = 1;
        sha256(user, strlen(user), NULL, 0, c->user_sha);
    }
    int local;
    int fd = admin_listen_socket(c->cfg->console_listen, &c->address, &c->unix_path, &local, err, errlen);
    if (fd < 0)
        goto fail;
    if (!local && !c->auth_token && !c->auth_basic) {
        close(fd);
        snprintf(err, errlen, "[console] listen = %s is reachable from other machines: set [console] token, or user "
                              "and password_hash, or listen on a loopback address",
                 c->cfg->console_listen);
        goto fail;
    }
    struct admin_http_limits lim = {.max_conns = (int)c->cfg->admin_max_connections,
                                    .max_per_addr = (int)c->cfg->admin_max_per_address,
                                    .timeout_ms = c->cfg->admin_request_timeout_ms,
                                    .no_metrics = 1};
    if (!(c->base = event_base_new())) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (!(c->http = admin_http_new(c->base, fd, &lim, on_request, c, err, errlen)))
        goto fail;
    if (pipe2(c->stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0 ||
        !(c->stop_ev = event_new(c->base, c->stop_pipe[0], EV_READ | EV_PERSIST, on_stop, c)) ||
        event_add(c->stop_ev, NULL) < 0) {
        snprintf(err, errlen, "cannot set up the console's loop: %s", strerror(errno));
        goto fail;
    }
    int rc = pthread_create(&c->thread, NULL, run, c);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the console's thread: %s", strerror(rc));
        goto fail;
    }
    c->running = 1;
    vg_info("console", "web console on %s/ui/%s", c->address,
            c->auth_token || c->auth_basic ? " (authentication required)" : "");
    return c;
fail:
    console_stop(c);
    return NULL;
}

const char *console_address(const struct console *c) { return c ? c->address : "off"; }

void console_stop(struct console *c)
{
    if (!c)
        return;
    if (c->running) {
        (void)!write(c->stop_pipe[1], "x", 1);
        pthread_join(c->thread, NULL);
    }
    admin_http_free(c->http);
    if (c->stop_ev)
        event_free(c->stop_ev);
    for (int i = 0; i < 2; i++)
        if (c->stop_pipe[i] >= 0)
            close(c->stop_pipe[i]);
    if (c->base)
        event_base_free(c->base);
    queue_sync_close(c->q);
    console_data_free();
    if (c->unix_path)
        unlink(c->unix_path);
    vg_free(c->unix_path);
    vg_free(c->address);
    vg_free(c->pw_salt);
    vg_config_free(c->cfg);
    vg_free(c);
}
