/* smtp_send — one SMTP transaction (EHLO, STARTTLS, AUTH, MAIL FROM, one RCPT TO, DATA) with
 * libcurl's easy interface on a worker thread (util/vg_work.h), its result delivered on the
 * event loop. curl's multi interface stays the HTTP client's (http/fetch_http.c); mail is
 * rare and small, and a thread keeps a slow server from holding the loop.
 *
 * One recipient per transaction: a server that refuses an address refuses that transaction
 * alone, so the caller knows exactly which address was refused while the others get theirs.
 *
 * TLS: SMTP_TLS_STARTTLS (the default) upgrades the connection before AUTH and MAIL and fails
 * the transaction when the server does not offer STARTTLS, so nothing goes in clear;
 * SMTP_TLS_IMPLICIT speaks TLS from the first byte (smtps://, port 465); SMTP_TLS_NONE only
 * when configured so. Certificates are verified (ca_file: a CA bundle of one's own, tests). */
#ifndef HTTP_SMTP_SEND_H
#define HTTP_SMTP_SEND_H

#include <stddef.h>

struct event_base;
struct smtp_sender;

enum smtp_tls { SMTP_TLS_STARTTLS = 0, SMTP_TLS_IMPLICIT, SMTP_TLS_NONE };

struct smtp_server {
    const char *url;          /* smtp://host[:port] or smtps://host[:port] */
    enum smtp_tls tls;
    const char *ca_file;      /* NULL or "": the system's */
    const char *user;         /* NULL or "": no AUTH */
    const char *password;
    long connect_timeout_ms;  /* connecting, TLS included */
    long timeout_ms;          /* the whole transaction */
};

/* What went wrong, for the caller to decide between dropping an address, retrying and pausing. */
enum smtp_fault {
    SMTP_OK = 0,
    SMTP_REFUSED_RCPT,   /* the recipient refused for good (5xx to RCPT TO) */
    SMTP_REFUSED,        /* the message or the sender refused for good (5xx to MAIL or DATA) */
    SMTP_TEMPORARY,      /* a 4xx: try again later */
    SMTP_AUTH,           /* the credentials refused (535 and other AUTH failures) */
    SMTP_TLS,            /* STARTTLS not offered, or the certificate not trusted */
    SMTP_NETWORK,        /* no connection, the connection lost, a time limit passed */
    SMTP_INTERNAL,       /* out of memory, stopped */
};

struct smtp_result {
    enum smtp_fault fault;
    long code;           /* the server's last reply code (0: none) */
    char command[16];    /* the command the first failing reply answered: "RCPT", "MAIL", "DATA",
                            "AUTH", "CONNECT" (the greeting), "" when none */
    char reply[256];     /* the server's last reply line ("550 5.1.1 <x@y>: no such user"), cleaned */
    char reason[512];    /* one line for logs: curl's error and the reply */
};

typedef void (*smtp_done_fn)(const struct smtp_result *r, void *arg);

/* A sender with its own worker thread. NULL with err. */
struct smtp_sender *smtp_sender_new(struct event_base *base, char *err, size_t errlen);
/* Sends `msg` (len bytes, CRLF line ends, headers and body) from `from` to `rcpt` (plain
 * addresses). Everything is copied. 0: cb runs later on the loop, exactly once (unless the
 * sender is freed first); -1 with err (out of memory), cb does not run. */
int smtp_send(struct smtp_sender *s, const struct smtp_server *srv, const char *from, const char *rcpt,
              const char *msg, size_t len, smtp_done_fn cb, void *arg, char *err, size_t errlen);
/* Aborts what runs (curl is told to stop), drops what waits; no callback runs after this.
 * NULL is a no-op. */
void smtp_sender_free(struct smtp_sender *s);

#endif
