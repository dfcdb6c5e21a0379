/* sink_email — alert e-mails and owners' digests over SMTP ([sink.email]), from the stream
 * alerts:email the alerts router writes (docs/design.md "Alerts").
 *
 * A message (kind `alert`, `digest`, or `report`: the daemon's scheduled review, whose subject,
 * text and HTML it carries) is rendered (email_render.h), made an e-mail
 * (email_mime.h) and sent to each address of its `target` in a transaction of its own
 * (http/smtp_send.h), one after the other:
 *
 *   idempotency  each address delivered is marked `sent:<id>:<address>`; a redelivered
 *                message (a retry, a restart, a takeover) skips the addresses already marked,
 *                so no one gets it twice while a failed address is tried again;
 *   refusals     a 5xx to RCPT TO refuses that address for good: logged with the address,
 *                marked, the others still get theirs; a 5xx to the message itself drops it;
 *   passing      a 4xx, a connection refused or lost, a time limit: RETRY (when every record
 *                of a batch fails so, the core backs off as a whole);
 *   config       credentials refused (535), STARTTLS not offered while required, a
 *                certificate not trusted, the sender refused: the sink pauses (nothing is
 *                sent in clear, nothing dead-lettered) until the configuration is reloaded. */
#include "sinks/sink.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/fetch_http.h"
#include "http/smtp_send.h"
#include "sinks/email_mime.h"
#include "sinks/email_render.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_log.h"
#include "util/vg_time.h"
#include "util/vg_url_mask.h"

#define MOD "email"
#define MAX_BATCH 10
#define ADDR_MAX 256

struct email_config {
    char *url;
    char *from;
    char *user;
    char *password;
    char *tls;
    char *ca_file;
    char *unsubscribe;
    long long connect_timeout_ms;
    long long smtp_timeout_ms;
};

#define F(field) offsetof(struct email_config, field)
#define S "sink.email"
static const struct vg_option email_options[] = {
    {S, "url", VG_OPT_STRING, "", 0, 0, F(url), NULL, 0,
     "the SMTP server: smtp://host:587 (STARTTLS) or smtps://host:465 (tls = implicit)"},
    {S, "from", VG_OPT_STRING, "", 0, 0, F(from), NULL, 0,
     "the sender: an address, or \"Display Name <address>\" (its domain also names the Message-IDs)"},
    {S, "user", VG_OPT_STRING, "", 0, 0, F(user), NULL, 0, "the AUTH user name (empty: no AUTH)"},
    {S, "password", VG_OPT_STRING, "", 0, 0, F(password), NULL, VG_OPT_SENSITIVE,
     "the AUTH password, best given as env:NAME, file:PATH or credential:NAME"},
    {S, "tls", VG_OPT_ENUM, "starttls", 0, 0, F(tls), "starttls|implicit|none", 0,
     "starttls: upgrade the connection and refuse a server that does not offer it (nothing is sent in "
     "clear); implicit: TLS from the first byte (smtps://); none: no TLS at all (a local relay only)"},
    {S, "ca_file", VG_OPT_PATH, "", 0, 0, F(ca_file), NULL, 0,
     "CA certificates the server's certificate is checked against (empty: the system's)"},
    {S, "unsubscribe", VG_OPT_STRING, "", 0, 0, F(unsubscribe), NULL, 0,
     "the List-Unsubscribe URL, a mailto: or https: URL where {owner} stands for the owner's key; empty: a "
     "mailto: to the sender with the subject \"silence <owner key>\""},
    {S, "connect_timeout", VG_OPT_DURATION, "10s", 1000, 300 * 1000LL, F(connect_timeout_ms), NULL, 0,
     "time to connect to the server, TLS included"},
    {S, "smtp_timeout", VG_OPT_DURATION, "60s", 1000, 600 * 1000LL, F(smtp_timeout_ms), NULL, 0,
     "time for one whole transaction (one e-mail to one address)"},
    {NULL, NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL},
};
#undef F
#undef S

static enum smtp_tls tls_of(const struct email_config *c)
{
    if (c->tls && !strcmp(c->tls, "implicit"))
        return SMTP_TLS_IMPLICIT;
    if (c->tls && !strcmp(c->tls, "none"))
        return SMTP_TLS_NONE;
    return SMTP_TLS_STARTTLS;
}

static int email_check(const void *config, char *err, size_t errlen)
{
    const struct email_config *c = config;
    char name[256], addr[ADDR_MAX];
    int smtps = c->url && !strncmp(c->url, "smtps://", 8);
    if (!c->url || (!smtps && strncmp(c->url, "smtp://", 7) != 0) || strlen(c->url) <= (size_t)(smtps ? 8 : 7)) {
        snprintf(err, errlen, "url: an smtp://host:port or smtps://host:port URL is needed");
        return -1;
    }
    if (smtps && tls_of(c) != SMTP_TLS_IMPLICIT) {
        snprintf(err, errlen, "url: smtps:// is TLS from the first byte: set tls = implicit");
        return -1;
    }
    if (!c->from || !*c->from || email_from_split(c->from, name, sizeof name, addr, sizeof addr) < 0) {
        snprintf(err, errlen, "from: an address, or \"Name <address>\", is needed");
        return -1;
    }
    int user = c->user && *c->user, pass = c->password && *c->password;
    if (user != pass) {
        snprintf(err, errlen, "%s", user ? "password: AUTH needs the password with the user"
                                         : "user: a password is given without its user");
        return -1;
    }
    if (user && tls_of(c) == SMTP_TLS_NONE) {
        snprintf(err, errlen, "tls: AUTH without TLS would send the password in clear (tls = none)");
        return -1;
    }
    const char *u = c->unsubscribe;
    if (u && *u && strncmp(u, "mailto:", 7) != 0 && strncmp(u, "https://", 8) != 0) {
        snprintf(err, errlen, "unsubscribe: a mailto: or https:// URL is needed");
        return -1;
    }
    for (const unsigned char *p = (const unsigned char *)(u ? u : ""); *p; p++)
        if (*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>' || *p == '"') {
            snprintf(err, errlen, "unsubscribe: blanks, quotes and angle brackets are not allowed in the URL");
            return -1;
        }
    return 0;
}

/* ==== state ============================================================================== */

/* One address of one message. */
struct email_send {
    size_t rec;            /* its record in the batch */
    char addr[ADDR_MAX];
    char *key;             /* "sent:<id>:<address>" */
    int done;              /* marked before, sent, or refused */
};

/* One message of the batch. */
struct email_msg {
    char *mime;
    size_t len;
    int sends, sent, refused, retry, drop;
    char reason[256];
};

struct email_job {
    struct email_sink *s;
    struct sink_batch *b;
    struct email_msg *msgs;
    struct email_send *sends;
    size_t n_sends, cap_sends, next;
    char *stop;            /* a fault that ends the batch: what is left is retried */
};

struct email_sink {
    struct sink_ctx *ctx;
    const struct email_config *cfg;
    struct smtp_sender *smtp;
    struct smtp_server srv;
    char from_addr[ADDR_MAX];
    char url[1024];
    char where[1100];
    struct email_job *job;
};

/* ==== a message into an e-mail ========================================================== */

static const char *str_of(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

/* RFC 3986 unreserved characters stay, everything else is percent-encoded. */
static void url_encode(struct vg_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (isalnum(*p) || strchr("-._~", *p))
            vg_buf_putc(b, (char)*p);
        else
            vg_buf_printf(b, "%%%02X", *p);
}

/* The List-Unsubscribe URL for this owner. Caller frees. */
static char *unsubscribe_url(const struct email_sink *s, const char *owner)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    const char *t = s->cfg->unsubscribe;
    if (!t || !*t) {
        vg_buf_printf(&b, "mailto:%s?subject=", s->from_addr);
        url_encode(&b, "silence ");
        url_encode(&b, owner);
    } else {
        for (const char *p = t; *p;) {
            if (!strncmp(p, "{owner}", 7)) {
                url_encode(&b, owner);
                p += 7;
            } else {
                vg_buf_putc(&b, *p++);
            }
        }
    }
    return vg_buf_steal(&b);
}

static void settle(struct sink_record *r, enum sink_outcome o, const char *reason)
{
    r->outcome = o;
    snprintf(r->reason, sizeof r->reason, "%.*s", (int)sizeof r->reason - 1, reason);
}

static int add_send(struct email_job *j, size_t rec, const char *addr, const char *id)
{
    if (j->n_sends == j->cap_sends) {
        size_t cap = j->cap_sends ? j->cap_sends * 2 : 16;
        struct email_send *v = vg_realloc(j->sends, cap * sizeof *v);
        if (!v)
            return -1;
        j->sends = v;
        j->cap_sends = cap;
    }
    struct email_send *e = &j->sends[j->n_sends];
    memset(e, 0, sizeof *e);
    e->rec = rec;
    snprintf(e->addr, sizeof e->addr, "%s", addr);
    char lower[ADDR_MAX];
    size_t k = 0;
    for (; addr[k] && k + 1 < sizeof lower; k++)
        lower[k] = (char)tolower((unsigned char)addr[k]);
    lower[k] = '\0';
    if (!(e->key = vg_asprintf("sent:%s:%s", id, lower)))
        return -1;
    j->n_sends++;
    return 0;
}

/* Renders record i and lists its addresses; a record that cannot be an e-mail is dropped. */
static int prepare(struct email_job *j, size_t i)
{
    struct email_sink *s = j->s;
    struct sink_record *r = &j->b->v[i];
    struct email_msg *m = &j->msgs[i];
    char err[256] = "";
    const char *target = str_of(r->doc, "target");
    if (!r->id[0]) {
        settle(r, SINK_DROP, "the message has no id");
        return 0;
    }
    /* The addresses that are addresses; any other is left out, said once in the log. */
    struct vg_buf to;
    vg_buf_init(&to, 0);
    size_t first = j->n_sends;
    for (const char *p = target ? target : ""; *p;) {
        size_t n = strcspn(p, ",");
        char addr[ADDR_MAX];
        const char *b = p, *e = p + n;
        while (b < e && isspace((unsigned char)*b))
            b++;
        while (e > b && isspace((unsigned char)e[-1]))
            e--;
        size_t al = (size_t)(e - b) < sizeof addr ? (size_t)(e - b) : sizeof addr - 1;
        memcpy(addr, b, al);
        addr[al] = '\0';
        if (*addr && !email_address_ok(addr)) {
            char shown[80];
            vg_warn(MOD, "message %s: \"%s\" is not an e-mail address: left out", r->id,
                    email_header_clean(addr, shown, sizeof shown));
        } else if (*addr) {
            int dup = 0;
            for (size_t k = first; k < j->n_sends; k++)
                dup |= !strcasecmp(j->sends[k].addr, addr);
            if (!dup) {
                if (add_send(j, i, addr, r->id) < 0) {
                    vg_buf_free(&to);
                    return -1;
                }
                vg_buf_printf(&to, "%s%s", to.len ? ", " : "", addr);
            }
        }
        p += n;
        if (*p == ',')
            p++;
    }
    m->sends = (int)(j->n_sends - first);
    if (m->sends == 0) {
        vg_buf_free(&to);
        settle(r, SINK_DROP, "no e-mail address in its target");
        return 0;
    }
    const cJSON *owner = cJSON_GetObjectItemCaseSensitive(r->doc, "owner");
    const char *okey = str_of(owner, "key") ? str_of(owner, "key") : "";
    char *unsub = unsubscribe_url(s, okey);
    struct email_render_opts opts = {unsub};
    struct email_rendered out;
    if (!unsub || email_render(r->doc, &opts, &out, err, sizeof err) < 0) {
        vg_free(unsub);
        vg_buf_free(&to);
        if (!unsub)
            return -1;
        settle(r, SINK_DROP, err);
        m->drop = 1;
        return 0;
    }
    int64_t date = 0;
    const char *created = str_of(r->doc, "created");
    if (!created || vg_parse_rfc3339_ms(created, &date) < 0)
        date = vg_clock_ms();
    struct email_mime mm = {
        .from = s->cfg->from,
        .to = to.data,
        .subject = out.subject,
        .date_ms = date,
        .id = r->id,
        .unsubscribe = unsub,
        .text = out.text,
        .html = out.html,
    };
    m->mime = email_mime_build(&mm, &m->len, err, sizeof err);
    email_rendered_free(&out);
    vg_free(unsub);
    vg_buf_free(&to);
    if (!m->mime) {
        if (!strcmp(err, "out of memory"))
            return -1;
        settle(r, SINK_DROP, err);
        m->drop = 1;
    }
    return 0;
}

/* ==== the batch ========================================================================== */

static void job_free(struct email_job *j)
{
    if (!j)
        return;
    for (size_t i = 0; j->msgs && i < j->b->n; i++)
        vg_free(j->msgs[i].mime);
    for (size_t i = 0; i < j->n_sends; i++)
        vg_free(j->sends[i].key);
    vg_free(j->msgs);
    vg_free(j->sends);
    vg_free(j->stop);
    vg_free(j);
}

/* Every record's outcome from its addresses, then the batch back to the core. */
static void job_end(struct email_job *j)
{
    struct sink_batch *b = j->b;
    for (size_t i = 0; i < b->n; i++) {
        struct sink_record *r = &b->v[i];
        struct email_msg *m = &j->msgs[i];
        if (r->outcome != SINK_OK || m->drop)
            continue;
        int left = 0;
        for (size_t k = 0; k < j->n_sends; k++)
            left += j->sends[k].rec == i && !j->sends[k].done;
        if (left || m->retry) {
            settle(r, SINK_RETRY, m->retry ? m->reason : j->stop ? j->stop : "not sent yet");
        } else if (m->sent == 0 && m->refused > 0) {
            settle(r, SINK_DROP, m->reason);
        }
    }
    j->s->job = NULL;
    job_free(j);
    sink_batch_done(b);
}

static void send_next(struct email_job *j);

static void on_sent(const struct smtp_result *res, void *arg)
{
    struct email_job *j = arg;
    struct email_sink *s = j->s;
    struct email_send *e = &j->sends[j->next];
    struct sink_record *r = &j->b->v[e->rec];
    struct email_msg *m = &j->msgs[e->rec];
    const char *kind = str_of(r->doc, "kind") ? str_of(r->doc, "kind") : "message";
    j->next++;
    switch (res->fault) {
    case SMTP_OK:
        e->done = 1;
        m->sent++;
        sink_mark_set(s->ctx, e->key, "sent");
        vg_info(MOD, "%s %s sent to %s", kind, r->id, e->addr);
        break;
    case SMTP_REFUSED_RCPT:
        e->done = 1;
        m->refused++;
        sink_mark_set(s->ctx, e->key, "refused");
        vg_warn(MOD, "%s %s: the server refused the address %s: %s", kind, r->id, e->addr, res->reason);
        snprintf(m->reason, sizeof m->reason, "every address refused: %.60s (%.160s)", e->addr, res->reason);
        break;
    case SMTP_REFUSED:
        if (!strcmp(res->command, "MAIL")) {
            sink_pause(s->ctx, 0, "the SMTP server refused the sender %s: %s", s->from_addr, res->reason);
            j->stop = vg_asprintf("the server refused the sender: %s", res->reason);
            break;
        }
        /* the message itself: no address of it will take it */
        vg_warn(MOD, "%s %s: the server refused the message (to %s): %s", kind, r->id, e->addr, res->reason);
        m->drop = 1;
        settle(r, SINK_DROP, res->reason);
        for (size_t k = 0; k < j->n_sends; k++)
            if (j->sends[k].rec == e->rec)
                j->sends[k].done = 1;
        break;
    case SMTP_TEMPORARY:
        m->retry = 1;
        snprintf(m->reason, sizeof m->reason, "%.60s: %.180s", e->addr, res->reason);
        vg_info(MOD, "%s %s to %s: tried again later: %s", kind, r->id, e->addr, res->reason);
        break;
    case SMTP_AUTH:
        sink_pause(s->ctx, 0, "the SMTP server refused the credentials of %s: %s",
                   s->cfg->user && *s->cfg->user ? "user" : "(no user)", res->reason);
        j->stop = vg_asprintf("the SMTP server refused the credentials: %s", res->reason);
        break;
    case SMTP_TLS:
        sink_pause(s->ctx, 0, "TLS with the SMTP server failed: %s", res->reason);
        j->stop = vg_asprintf("TLS failed: %s", res->reason);
        break;
    case SMTP_NETWORK:
    case SMTP_INTERNAL:
    default:
        j->stop = vg_asprintf("the SMTP server could not be reached: %s", res->reason);
        break;
    }
    if (j->stop || (res->fault != SMTP_OK && res->fault != SMTP_REFUSED_RCPT && res->fault != SMTP_REFUSED &&
                    res->fault != SMTP_TEMPORARY)) {
        if (!j->stop)
            j->stop = vg_strdup("stopped");
        job_end(j);
        return;
    }
    send_next(j);
}

static void send_next(struct email_job *j)
{
    struct email_sink *s = j->s;
    while (j->next < j->n_sends && j->sends[j->next].done)
        j->next++;
    if (j->next >= j->n_sends) {
        job_end(j);
        return;
    }
    struct email_send *e = &j->sends[j->next];
    struct email_msg *m = &j->msgs[e->rec];
    char err[256];
    if (smtp_send(s->smtp, &s->srv, s->from_addr, e->addr, m->mime, m->len, on_sent, j, err, sizeof err) < 0) {
        j->stop = vg_strdup(err);
        job_end(j);
    }
}

static void marks_done(void *arg, const char *const *values, size_t n)
{
    struct email_job *j = arg;
    if (!values) {
        j->stop = vg_strdup("Redis could not answer (delivery records)");
        job_end(j);
        return;
    }
    for (size_t k = 0; k < n && k < j->n_sends; k++)
        if (values[k]) {
            j->sends[k].done = 1; /* delivered (or refused) before: never twice */
            j->msgs[j->sends[k].rec].sent++;
        }
    send_next(j);
}

/* vigie sinks preview: each transaction printed as a request (the core masks nothing here:
 * the message holds no secret; the credentials are not shown). */
static void preview_done(struct fetch_response *resp, void *arg) { (void)resp, (void)arg; }

static void preview(struct email_job *j)
{
    struct email_sink *s = j->s;
    for (size_t k = 0; k < j->n_sends; k++) {
        struct email_send *e = &j->sends[k];
        struct email_msg *m = &j->msgs[e->rec];
        char from[ADDR_MAX + 16], rcpt[ADDR_MAX + 16], err[128];
        snprintf(from, sizeof from, "MAIL FROM: <%s>", s->from_addr);
        snprintf(rcpt, sizeof rcpt, "RCPT TO: <%s>", e->addr);
        const char *headers[] = {from, rcpt, NULL};
        struct fetch_request req = {
            .url = s->url, .method = "SMTP", .body = m->mime, .body_len = m->len,
            .content_type = "message/rfc822", .headers = headers,
        };
        sink_http(s->ctx, &req, preview_done, NULL, err, sizeof err);
        e->done = 1;
    }
    job_end(j);
}

static void email_deliver(void *state, struct sink_batch *b)
{
    struct email_sink *s = state;
    struct email_job *j = vg_calloc(1, sizeof *j);
    if (j) {
        j->s = s;
        j->b = b;
        j->msgs = vg_calloc(b->n ? b->n : 1, sizeof *j->msgs);
    }
    int oom = !j || !j->msgs;
    for (size_t i = 0; i < b->n; i++) {
        b->v[i].outcome = SINK_OK;
        b->v[i].reason[0] = '\0';
        b->v[i].retry_after_ms = 0;
    }
    for (size_t i = 0; !oom && i < b->n; i++)
        oom = prepare(j, i) < 0;
    if (oom) {
        for (size_t i = 0; i < b->n; i++)
            settle(&b->v[i], SINK_RETRY, "out of memory");
        if (j)
            j->b = b;
        job_free(j);
        sink_batch_done(b);
        return;
    }
    s->job = j;
    /* the addresses of dropped records are not sent */
    for (size_t k = 0; k < j->n_sends; k++)
        if (b->v[j->sends[k].rec].outcome != SINK_OK)
            j->sends[k].done = 1;
    if (sink_previewing(s->ctx)) {
        preview(j);
        return;
    }
    if (j->n_sends == 0) {
        job_end(j);
        return;
    }
    char **keys = vg_calloc(j->n_sends, sizeof *keys);
    if (!keys) {
        j->stop = vg_strdup("out of memory");
        job_end(j);
        return;
    }
    for (size_t k = 0; k < j->n_sends; k++)
        keys[k] = j->sends[k].key;
    int rc = sink_marks_get(s->ctx, (const char *const *)keys, j->n_sends, marks_done, j);
    vg_free(keys);
    if (rc < 0) {
        j->stop = vg_strdup("Redis could not answer (delivery records)");
        job_end(j);
    }
}

/* ==== life ================================================================================= */

static int email_init(struct sink_ctx *ctx, const void *config, void **state, char *err, size_t errlen)
{
    const struct email_config *c = config;
    if (email_check(c, err, errlen) < 0)
        return -1;
    struct email_sink *s = vg_calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->ctx = ctx;
    s->cfg = c;
    char name[256];
    email_from_split(c->from, name, sizeof name, s->from_addr, sizeof s->from_addr);
    /* tls = implicit with an smtp:// URL: the same server, spoken to in TLS at once */
    if (tls_of(c) == SMTP_TLS_IMPLICIT && !strncmp(c->url, "smtp://", 7))
        snprintf(s->url, sizeof s->url, "smtps://%s", c->url + 7);
    else
        snprintf(s->url, sizeof s->url, "%s", c->url);
    char *shown = vg_url_mask(s->url); /* a URL may carry user:password@ */
    snprintf(s->where, sizeof s->where, "%.1000s (tls %s)", shown ? shown : "", c->tls ? c->tls : "starttls");
    vg_free(shown);
    s->srv = (struct smtp_server){
        .url = s->url,
        .tls = tls_of(c),
        .ca_file = c->ca_file,
        .user = c->user,
        .password = c->password,
        .connect_timeout_ms = (long)c->connect_timeout_ms,
        .timeout_ms = (long)c->smtp_timeout_ms,
    };
    if (!sink_previewing(ctx) && !(s->smtp = smtp_sender_new(sink_base(ctx), err, errlen))) {
        vg_free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static void email_close(void *state)
{
    struct email_sink *s = state;
    if (!s)
        return;
    smtp_sender_free(s->smtp); /* no callback after this: the job in flight is ours to free */
    job_free(s->job);
    vg_free(s);
}

static const char *email_where(void *state) { return ((struct email_sink *)state)->where; }

const struct sink_type sink_email = {
    .name = "email",
    .summary = "alert e-mails, owners' digests and the scheduled review's report over SMTP (STARTTLS by "
               "default, AUTH), from the stream alerts:email: one transaction per address, each address sent once",
    .options = email_options,
    .config_size = sizeof(struct email_config),
    .max_batch = MAX_BATCH,
    .streams = "alerts:email",
    .rate_limit = 0,
    .rate_window_ms = 0,
    .check = email_check,
    .init = email_init,
    .deliver = email_deliver,
    .close = email_close,
    .where = email_where,
};
