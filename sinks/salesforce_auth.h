/* salesforce_auth — a login session with Salesforce: the access token and the instance URL
 * every REST call needs, either given ([sink.salesforce] auth = token) or obtained through the
 * OAuth 2.0 JWT bearer flow (auth = jwt): an assertion signed with the private key whose
 * certificate the connected app holds, posted to the token endpoint, which answers with an
 * access token and the org's instance URL. Salesforce issues no refresh token and says nothing
 * of when the token expires, so a token is renewed token_lifetime after it was issued, or
 * sooner when a call is refused with 401.
 *
 * The session sends through a transport so that the sink (sink_http: the shared rate budget,
 * preview) and the command line (fetch_send on its own client) share it. */
#ifndef SALESFORCE_AUTH_H
#define SALESFORCE_AUTH_H

#include <stddef.h>

#include "http/fetch_http.h"
#include "sinks/salesforce_config.h"

struct sf_transport {
    /* Sends one request; cb runs later, exactly once. 0, or -1 with err. */
    int (*send)(void *t, const struct fetch_request *req, fetch_done_cb cb, void *arg, char *err,
                size_t errlen);
    void *t;
    int preview;   /* requests are printed instead of sent; their answers are empty */
};

enum sf_auth_result {
    SF_AUTH_OK,
    SF_AUTH_REFUSED,  /* the org refused the login (invalid_grant...): a configuration fault */
    SF_AUTH_PASSING,  /* no answer, a timeout, a 5xx: ask again later */
};

struct sf_session;

/* Checks the login options and, for jwt, reads and parses the private key (the file, or the
 * credential from $CREDENTIALS_DIRECTORY). c must outlive the session. NULL with a reason. */
struct sf_session *sf_session_new(const struct sf_config *c, char *err, size_t errlen);
/* Must not be called while a token request is in flight (its callback would find it gone). */
void sf_session_free(struct sf_session *s);

/* Called once the token request is answered: r and, unless OK, Salesforce's words and how to
 * fix it in msg. */
typedef void (*sf_session_cb)(void *arg, enum sf_auth_result r, const char *msg);
/* 1: a token is ready now (cb not called); 0: a token was asked for and cb will run; -1: it
 * could not be asked for (err filled). */
int sf_session_ready(struct sf_session *s, const struct sf_transport *t, sf_session_cb cb,
                     void *arg, char *err, size_t errlen);
/* A call was refused with 401: forgets the token. 1 when a new one can be had (jwt), 0 when
 * not (a given token: the user must set another). */
int sf_session_invalidate(struct sf_session *s);
/* While ready: the instance URL ("https://x.my.salesforce.com", no trailing slash) and the
 * header line "Authorization: Bearer ...". */
const char *sf_session_instance(const struct sf_session *s);
const char *sf_session_header(const struct sf_session *s);
/* Tokens obtained since the session began (for logs and tests). */
unsigned long sf_session_logins(const struct sf_session *s);

/* ---- pure parts, exposed for tests ------------------------------------------------------- */

/* The JWT bearer assertion's claims: {"iss":client_id,"sub":username,"aud":audience,
 * "exp":now_s+180}. New string. */
char *sf_auth_claims(const char *client_id, const char *username, const char *audience,
                     long long now_s);
/* Reads the token endpoint's answer. OK: *token and *instance (trailing slash removed) are new
 * strings. Otherwise msg holds Salesforce's error, its description and a hint. */
enum sf_auth_result sf_auth_parse(long status, const char *body, size_t len, char **token,
                                  char **instance, char *msg, size_t msglen);

#endif
