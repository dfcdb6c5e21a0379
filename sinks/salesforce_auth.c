/* salesforce_auth — the login session: a given token, or the JWT bearer flow (see the header). */
#include "sinks/salesforce_auth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "sinks/salesforce_payload.h"
#include "util/vg_alloc.h"
#include "util/vg_file.h"
#include "util/vg_json.h"
#include "util/vg_jwt.h"
#include "util/vg_log.h"
#include "util/vg_time.h"

/* Salesforce wants the assertion's exp within a few minutes of now. */
#define JWT_EXP_S 180
#define MAX_KEY_FILE (64 * 1024)
#define PREVIEW_INSTANCE "https://INSTANCE.my.salesforce.com"

struct sf_session {
    const struct sf_config *c;
    int jwt;
    struct vg_jwt_key *key;
    char *token_url, *audience;
    char *token, *instance, *header;
    int64_t issued_ms;      /* monotonic */
    int asking;             /* a token request is in flight */
    unsigned long logins;
    sf_session_cb cb;
    void *cb_arg;
    int preview;
};

static char *strip_slash(char *s)
{
    size_t n = s ? strlen(s) : 0;
    while (n && s[n - 1] == '/')
        s[--n] = '\0';
    return s;
}

/* An http(s) URL with a host: "https://" alone (or an answer's string cut by a NUL after
 * it) would be stripped to "https:" and make every REST URL unusable. */
static int http_url(const char *u)
{
    if (!u || strpbrk(u, " \t\r\n"))
        return 0;
    const char *host = strncmp(u, "https://", 8) == 0 ? u + 8 : strncmp(u, "http://", 7) == 0 ? u + 7 : NULL;
    return host && *host && !strchr("/?#", *host);
}

/* The private key's PEM text, whole (vg_secret_resolve reads one line: a PEM has many). */
static char *read_key(const struct sf_config *c, size_t *len, char *err, size_t errlen)
{
    char path[4096];
    const char *what;
    if (c->private_key_credential && *c->private_key_credential) {
        const char *dir = getenv("CREDENTIALS_DIRECTORY");
        const char *name = c->private_key_credential;
        if (!dir || !*dir) {
            snprintf(err, errlen, "private_key_credential %s: $CREDENTIALS_DIRECTORY is not set "
                     "(LoadCredential=%s:/path/to/key.pem in the unit)", name, name);
            return NULL;
        }
        if (strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
            snprintf(err, errlen, "private_key_credential: bad credential name '%s'", name);
            return NULL;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        what = "private_key_credential";
    } else {
        snprintf(path, sizeof(path), "%s", c->private_key);
        what = "private_key";
    }
    char *pem = vg_read_file(path, MAX_KEY_FILE, len);
    if (!pem)
        snprintf(err, errlen, "%s: cannot read %s: %s", what, path,
                 errno == EFBIG ? "larger than 64 KiB" : strerror(errno));
    return pem;
}

struct sf_session *sf_session_new(const struct sf_config *c, char *err, size_t errlen)
{
    struct sf_session *s = vg_calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->c = c;
    s->jwt = !c->auth || strcmp(c->auth, "token") != 0;
    if (!s->jwt) {
        if (!http_url(c->instance_url) || !c->access_token || !*c->access_token) {
            snprintf(err, errlen, "auth = token needs instance_url (https://NAME.my.salesforce.com) "
                     "and access_token");
            goto fail;
        }
        s->token = vg_strdup(c->access_token);
        s->instance = strip_slash(vg_strdup(c->instance_url));
        s->header = vg_asprintf("Authorization: Bearer %s", c->access_token);
        if (!s->token || !s->instance || !s->header) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        return s;
    }
    if (!c->client_id || !*c->client_id || !c->username || !*c->username) {
        snprintf(err, errlen, "auth = jwt needs client_id (the connected app's consumer key) and "
                 "username (the integration user)");
        goto fail;
    }
    if (!(c->private_key && *c->private_key) == !(c->private_key_credential && *c->private_key_credential)) {
        snprintf(err, errlen, "auth = jwt needs one of private_key (a PEM file) or "
                 "private_key_credential (a systemd credential's name)");
        goto fail;
    }
    char *login = strip_slash(vg_strdup(c->login_url && *c->login_url ? c->login_url
                                                                        : "https://login.salesforce.com"));
    if (!login) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    s->token_url = c->token_url && *c->token_url ? vg_strdup(c->token_url)
                                                 : vg_asprintf("%s/services/oauth2/token", login);
    s->audience = c->audience && *c->audience ? vg_strdup(c->audience) : vg_strdup(login);
    vg_free(login);
    if (!s->token_url || !s->audience) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (!http_url(s->token_url)) {
        snprintf(err, errlen, "token_url '%s' is not an http(s) URL", s->token_url);
        goto fail;
    }
    size_t len = 0;
    char *pem = read_key(c, &len, err, errlen);
    if (!pem)
        goto fail;
    char why[256];
    s->key = vg_jwt_key_load(pem, len, why, sizeof(why));
    vg_free(pem);
    if (!s->key) {
        snprintf(err, errlen, "%s: %s", c->private_key_credential && *c->private_key_credential
                                            ? "private_key_credential" : "private_key", why);
        goto fail;
    }
    return s;
fail:
    sf_session_free(s);
    return NULL;
}

void sf_session_free(struct sf_session *s)
{
    if (!s)
        return;
    vg_jwt_key_free(s->key);
    vg_free(s->token_url);
    vg_free(s->audience);
    vg_free(s->token);
    vg_free(s->instance);
    vg_free(s->header);
    vg_free(s);
}

static void forget_token(struct sf_session *s)
{
    vg_free(s->token);
    vg_free(s->instance);
    vg_free(s->header);
    s->token = s->instance = s->header = NULL;
}

char *sf_auth_claims(const char *client_id, const char *username, const char *audience,
                     long long now_s)
{
    cJSON *o = cJSON_CreateObject();
    char *out = NULL;
    if (o && cJSON_AddStringToObject(o, "iss", client_id) && cJSON_AddStringToObject(o, "sub", username) &&
        cJSON_AddStringToObject(o, "aud", audience) &&
        cJSON_AddNumberToObject(o, "exp", (double)(now_s + JWT_EXP_S))) {
        char *p = cJSON_PrintUnformatted(o);
        out = vg_strdup(p);
        cJSON_free(p);
    }
    cJSON_Delete(o);
    return out;
}

/* What to do about a refused login, by what Salesforce said. */
static const char *login_hint(const char *error, const char *desc)
{
    if (error && strcmp(error, "invalid_client_id") == 0)
        return "client_id must be the connected app's consumer key";
    if (!desc)
        desc = "";
    if (strstr(desc, "approved"))
        return "pre-authorize the user: in the connected app's OAuth policies choose 'Admin "
               "approved users are pre-authorized' and add the user's profile or a permission set";
    if (strstr(desc, "audience"))
        return "login_url (or audience) must be https://login.salesforce.com for a production "
               "org, https://test.salesforce.com for a sandbox";
    if (strstr(desc, "expired"))
        return "the assertion had expired when it arrived: check this machine's clock";
    if (strstr(desc, "assertion") || strstr(desc, "signature"))
        return "the certificate uploaded to the connected app must be the one of private_key, "
               "and client_id and username must match the app and the user";
    if (strstr(desc, "inactive") || strstr(desc, "user"))
        return "username must be an active user of the org";
    return "check the connected app (consumer key, certificate, pre-authorized users) and "
           "username";
}

enum sf_auth_result sf_auth_parse(long status, const char *body, size_t len, char **token,
                                  char **instance, char *msg, size_t msglen)
{
    *token = *instance = NULL;
    if (status == 0 || status == 408 || status == 429 || status >= 500) {
        snprintf(msg, msglen, status ? "the token endpoint answered HTTP %ld" : "the token endpoint did not answer", status);
        return SF_AUTH_PASSING;
    }
    cJSON *doc = body && len ? vg_json_parse(body, len) : NULL;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(doc, "access_token");
    const cJSON *i = cJSON_GetObjectItemCaseSensitive(doc, "instance_url");
    enum sf_auth_result r = SF_AUTH_REFUSED;
    if (status >= 200 && status < 300 && cJSON_IsString(t) && *t->valuestring &&
        !strpbrk(t->valuestring, "\r\n") && cJSON_IsString(i) && http_url(i->valuestring)) {
        *token = vg_strdup(t->valuestring);
        *instance = strip_slash(vg_strdup(i->valuestring));
        if (!*token || !*instance) {
            vg_free(*token);
            vg_free(*instance);
            *token = *instance = NULL;
            snprintf(msg, msglen, "out of memory");
            r = SF_AUTH_PASSING;
        } else {
            msg[0] = '\0';
            r = SF_AUTH_OK;
        }
    } else if (status >= 200 && status < 300) {
        snprintf(msg, msglen, "the token endpoint answered HTTP %ld without an access_token and "
                 "an instance_url: is token_url Salesforce's?", status);
        r = SF_AUTH_PASSING;
    } else {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(doc, "error_description");
        const char *es = cJSON_IsString(e) ? e->valuestring : NULL;
        const char *ds = cJSON_IsString(d) ? d->valuestring : NULL;
        /* Salesforce's words cleaned (a pause reason is one log line), cut on a character. */
        snprintf(msg, msglen, "Salesforce refused the login (HTTP %ld", status);
        if (es) {
            sf_words_append(msg, msglen, ", ");
            sf_words_append(msg, msglen, es);
        }
        if (ds) {
            sf_words_append(msg, msglen, ": ");
            sf_words_append(msg, msglen, ds);
        }
        sf_words_append(msg, msglen, "): ");
        sf_words_append(msg, msglen, login_hint(es, ds));
    }
    cJSON_Delete(doc);
    return r;
}

static void token_answer(struct fetch_response *resp, void *arg)
{
    struct sf_session *s = arg;
    s->asking = 0;
    char msg[512] = "";
    enum sf_auth_result r;
    if (s->preview) {
        /* Nothing was sent: go on as if logged in, so the whole flow prints. */
        forget_token(s);
        s->token = vg_strdup("(preview)");
        s->instance = vg_strdup(PREVIEW_INSTANCE);
        r = SF_AUTH_OK;
    } else {
        char *token = NULL, *instance = NULL;
        long status = resp->error == FETCH_OK || resp->error == FETCH_ERR_HTTP_STATUS ? resp->status : 0;
        r = sf_auth_parse(status, resp->body.data, resp->body.len, &token, &instance, msg, sizeof(msg));
        if (status == 0 && resp->reason && *resp->reason)
            snprintf(msg, sizeof(msg), "the token endpoint did not answer: %s", resp->reason);
        if (r == SF_AUTH_OK) {
            forget_token(s);
            s->token = token;
            s->instance = instance;
        }
    }
    if (r == SF_AUTH_OK) {
        s->header = vg_asprintf("Authorization: Bearer %s", s->token);
        if (!s->token || !s->instance || !s->header) {
            forget_token(s);
            r = SF_AUTH_PASSING;
            snprintf(msg, sizeof(msg), "out of memory");
        } else {
            s->issued_ms = vg_mono_ms();
            s->logins++;
        }
    }
    s->cb(s->cb_arg, r, msg);
}

int sf_session_ready(struct sf_session *s, const struct sf_transport *t, sf_session_cb cb,
                     void *arg, char *err, size_t errlen)
{
    if (!s->jwt) {
        if (s->token)
            return 1;
        snprintf(err, errlen, "the access token was refused");
        return -1;
    }
    if (s->token && vg_mono_ms() - s->issued_ms < s->c->token_lifetime_ms)
        return 1;
    if (s->asking) {
        snprintf(err, errlen, "a login is already under way");
        return -1;
    }
    char *jwt = NULL, *body = NULL;
    if (t->preview) {
        body = vg_asprintf("grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3Ajwt-bearer"
                           "&assertion=(a JWT signed with private_key: iss=%s, sub=%s, aud=%s)",
                           s->c->client_id, s->c->username, s->audience);
    } else {
        char *claims = sf_auth_claims(s->c->client_id, s->c->username, s->audience,
                                      (long long)time(NULL));
        if (claims)
            jwt = vg_jwt_rs256(s->key, claims, err, errlen);
        else
            snprintf(err, errlen, "out of memory");
        vg_free(claims);
        if (!jwt)
            return -1;
        body = vg_asprintf("grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3Ajwt-bearer"
                           "&assertion=%s", jwt);
        vg_free(jwt);
    }
    if (!body) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct fetch_request req = {
        .url = s->token_url,
        .method = "POST",
        .body = body,
        .body_len = strlen(body),
        .content_type = "application/x-www-form-urlencoded",
        .accept = "application/json",
    };
    s->cb = cb;
    s->cb_arg = arg;
    s->preview = t->preview;
    s->asking = 1;
    int rc = t->send(t->t, &req, token_answer, s, err, errlen);
    vg_free(body);
    if (rc < 0) {
        s->asking = 0;
        return -1;
    }
    return 0;
}

int sf_session_invalidate(struct sf_session *s)
{
    if (!s->jwt)
        return 0;
    forget_token(s);
    return 1;
}

const char *sf_session_instance(const struct sf_session *s)
{
    return s->instance;
}

const char *sf_session_header(const struct sf_session *s)
{
    return s->header;
}

unsigned long sf_session_logins(const struct sf_session *s)
{
    return s->logins;
}
