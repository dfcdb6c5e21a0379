/* salesforce_accounts — key accounts from a SOQL query, paged (see the header). */
#include "sinks/salesforce_accounts.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "enrich/account.h"
#include "enrich/account_sync.h"
#include "sinks/salesforce_payload.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_json.h"

/* 2,000 records a page: 500 pages is a million key accounts, far past any real list; a
 * server that keeps answering "not done" is not followed for ever. */
#define MAX_PAGES 500

static int api_name(const char *s, int allow_dot)
{
    if (!s || !(isalpha((unsigned char)s[0])))
        return 0;
    int dots = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '.' && allow_dot && !dots && p[1] && isalpha((unsigned char)p[1]))
            dots++;
        else if (!isalnum((unsigned char)*p) && *p != '_')
            return 0;
    }
    return strlen(s) <= 255;
}

struct kam { const char *key; size_t off; };
static const struct kam kams[] = {
    {"revenue", offsetof(struct sf_config, map_revenue)},
    {"margin", offsetof(struct sf_config, map_margin)},
    {"growth_potential", offsetof(struct sf_config, map_growth_potential)},
    {"strategic_fit", offsetof(struct sf_config, map_strategic_fit)},
    {"image", offsetof(struct sf_config, map_image)},
};
#define N_KAMS (sizeof(kams) / sizeof(kams[0]))

static const char *kam_field(const struct sf_config *c, size_t i)
{
    const char *f = *(char *const *)((const char *)c + kams[i].off);
    return f && *f ? f : NULL;
}

char *sf_accounts_soql(const struct sf_config *c, char *err, size_t errlen)
{
    if (!api_name(c->account_external_id, 0)) {
        snprintf(err, errlen, "account_external_id '%s' is not a field name", c->account_external_id ? c->account_external_id : "");
        return NULL;
    }
    const char *fields[9 + N_KAMS];
    size_t nf = 0;
    fields[nf++] = "Id";
    fields[nf++] = "Name";
    fields[nf++] = "Website";
    fields[nf++] = "OwnerId";
    fields[nf++] = "Owner.Email";
    fields[nf++] = "ParentId";
    fields[nf++] = c->account_external_id;
    for (size_t i = 0; i < N_KAMS; i++) {
        const char *f = kam_field(c, i);
        if (!f)
            continue;
        if (!api_name(f, 1)) {
            snprintf(err, errlen, "map_%s '%s' is not a field name", kams[i].key, f);
            return NULL;
        }
        fields[nf++] = f;
    }
    const char *where = c->key_account_where && *c->key_account_where ? c->key_account_where : NULL;
    if (!where && !api_name(c->key_account_field, 0)) {
        snprintf(err, errlen, "key_account_field '%s' is not a field name",
                 c->key_account_field ? c->key_account_field : "");
        return NULL;
    }
    struct vg_buf b;
    vg_buf_init(&b, 0);
    vg_buf_puts(&b, "SELECT ");
    for (size_t i = 0; i < nf; i++) {
        size_t j = 0;
        while (j < i && strcasecmp(fields[j], fields[i]) != 0)
            j++;
        if (j < i)
            continue; /* a field named twice (a map_ naming Id or Name...) is selected once */
        vg_buf_printf(&b, "%s%s", i ? ", " : "", fields[i]);
    }
    if (where)
        vg_buf_printf(&b, " FROM Account WHERE %s", where);
    else
        vg_buf_printf(&b, " FROM Account WHERE %s = true", c->key_account_field);
    char *q = vg_buf_steal(&b);
    if (!q)
        snprintf(err, errlen, "out of memory");
    return q;
}

/* ---- one page -------------------------------------------------------------------------------- */

/* One line of valid UTF-8: the record's Id and what is quoted of it are the org's text, so
 * they are cleaned as Salesforce's words are (sf_words_append). */
static void warn(cJSON *warnings, const cJSON *rec, const char *fmt, const char *what)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "Id");
    char line[512] = "Account ", said[512];
    sf_words_append(line, sizeof(line), cJSON_IsString(id) ? id->valuestring : "?");
    sf_words_append(line, sizeof(line), ": ");
    snprintf(said, sizeof(said), fmt, what);
    sf_words_append(line, sizeof(line), said);
    cJSON_AddItemToArray(warnings, cJSON_CreateString(line));
}

/* The host of a Website ("https://www.Acme.com/fr" -> "acme.com") as vigie's account parser
 * takes it, or 0 when it is none. */
static int website_host(const char *w, char *out, size_t cap)
{
    const char *p = strstr(w, "://");
    p = p ? p + 3 : w;
    while (*p == ' ')
        p++;
    if (strncasecmp(p, "www.", 4) == 0 && strlen(p) > 4)
        p += 4;
    size_t n = 0;
    for (; p[n] && !strchr("/?#: ", p[n]); n++)
        ;
    while (n && p[n - 1] == '.')
        n--;
    if (n < 3 || n >= cap || p[0] == '.' || !memchr(p, '.', n))
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (!(isalnum(ch) || ch == '.' || ch == '-'))
            return 0;
        out[i] = (char)tolower(ch);
    }
    out[n] = '\0';
    return 1;
}

/* A value of a field named "Rel.Field" is nested: {"Rel": {"Field": v}}. */
static const cJSON *field_value(const cJSON *rec, const char *name)
{
    const char *dot = strchr(name, '.');
    if (!dot)
        return cJSON_GetObjectItem(rec, name); /* Salesforce's names are case-insensitive */
    char rel[256];
    snprintf(rel, sizeof(rel), "%.*s", (int)(dot - name), name);
    return cJSON_GetObjectItem(cJSON_GetObjectItem(rec, rel), dot + 1);
}

/* A vigie id as `vigie accounts import` takes it (one refused id would refuse the whole
 * list): valid UTF-8, at most 256 bytes, no control character, no blank of any script. */
static int usable_id(const char *s)
{
    char why[128];
    return enrich_account_id_check(s, why, sizeof(why)) == 0;
}

static int one_account(const struct sf_config *c, const cJSON *rec, cJSON *accounts,
                       cJSON *warnings, cJSON *seen)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "Id");
    if (!cJSON_IsString(id) || !sf_is_id(id->valuestring, "001")) {
        warn(warnings, rec, "%s", "a record without an Account Id: left out");
        return 0;
    }
    /* seen holds "s:<Salesforce Id>" and "v:<vigie id>" of the accounts given so far. */
    char key[300];
    snprintf(key, sizeof(key), "s:%s", id->valuestring);
    if (cJSON_GetObjectItemCaseSensitive(seen, key))
        return 0; /* the same record met again (a record moved between pages) */
    if (!cJSON_AddTrueToObject(seen, key))
        return -1;
    cJSON *a = cJSON_CreateObject();
    if (!a)
        return -1;
    /* The vigie id: the external id field when it holds a usable one. */
    const cJSON *ext = field_value(rec, c->account_external_id);
    char fallback[32];
    snprintf(fallback, sizeof(fallback), "sf-%s", id->valuestring);
    const char *vid = fallback;
    if (cJSON_IsString(ext) && *ext->valuestring) {
        snprintf(key, sizeof(key), "v:%s", ext->valuestring);
        if (!usable_id(ext->valuestring))
            warn(warnings, rec, "%s is no id vigie takes (blanks, control characters, not "
                 "UTF-8 or too long): vigie calls it sf-<Id>",
                 c->account_external_id);
        else if (cJSON_GetObjectItemCaseSensitive(seen, key))
            warn(warnings, rec, "%s is also another account's: vigie calls this one sf-<Id>",
                 c->account_external_id);
        else
            vid = ext->valuestring;
    }
    snprintf(key, sizeof(key), "v:%s", vid);
    if (!cJSON_AddTrueToObject(seen, key)) {
        cJSON_Delete(a);
        return -1;
    }
    cJSON_AddStringToObject(a, "id", vid);

    const cJSON *name = cJSON_GetObjectItemCaseSensitive(rec, "Name");
    char *clean = sf_text(cJSON_IsString(name) ? name->valuestring : NULL, SF_LEN_ACCOUNT_NAME, 1);
    if (!clean) {
        cJSON_Delete(a);
        return -1;
    }
    /* Blanks alone (a Name of control characters, cleaned) are no name to the importer, which
     * would refuse the whole list for it: the account is named after its Id then. */
    const char *nm = clean;
    while (*nm == ' ')
        nm++;
    cJSON_AddStringToObject(a, "name", *nm ? nm : id->valuestring);
    vg_free(clean);

    const cJSON *web = cJSON_GetObjectItemCaseSensitive(rec, "Website");
    char host[256], domain[256];
    if (cJSON_IsString(web) && *web->valuestring) {
        /* Held to the import's own reading too (a host of 254 or 255 bytes it refuses). */
        if (website_host(web->valuestring, host, sizeof(host)) &&
            enrich_account_domain_host(host, strlen(host), domain) >= 0) {
            cJSON *d = cJSON_AddArrayToObject(a, "domains");
            cJSON_AddItemToArray(d, cJSON_CreateString(host));
        } else {
            warn(warnings, rec, "Website '%.80s' is not a domain: left out", web->valuestring);
        }
    }
    /* An e-mail is one word: held to an id's rules, so that the importer takes it. */
    const cJSON *email = field_value(rec, "Owner.Email");
    if (cJSON_IsString(email) && *email->valuestring) {
        if (usable_id(email->valuestring))
            cJSON_AddStringToObject(a, "owner", email->valuestring);
        else
            warn(warnings, rec, "the owner's e-mail '%.80s' is no address: left out",
                 email->valuestring);
    }
    cJSON_AddStringToObject(a, "tier", "key");
    cJSON_AddStringToObject(a, "crm_id", id->valuestring);
    /* The parent account, linked to its vigie id once every page is in (account_sync.h). */
    const cJSON *parent = cJSON_GetObjectItemCaseSensitive(rec, "ParentId");
    if (cJSON_IsString(parent) && sf_is_id(parent->valuestring, "001") && strcmp(parent->valuestring, id->valuestring))
        cJSON_AddStringToObject(a, ENRICH_SYNC_PARENT_CRM_ID, parent->valuestring);
    const cJSON *owner = cJSON_GetObjectItemCaseSensitive(rec, "OwnerId");
    if (cJSON_IsString(owner) && sf_is_id(owner->valuestring, "005")) {
        cJSON *ids = cJSON_AddObjectToObject(a, "identifiers");
        cJSON_AddStringToObject(ids, SF_OWNER_ID_KEY, owner->valuestring);
    }
    for (size_t i = 0; i < N_KAMS; i++) {
        const char *f = kam_field(c, i);
        if (!f)
            continue;
        const cJSON *v = field_value(rec, f);
        double d;
        char *end = NULL;
        if (cJSON_IsNumber(v))
            d = v->valuedouble;
        else if (cJSON_IsString(v) && *v->valuestring && (d = strtod(v->valuestring, &end), !*end))
            ;
        else {
            if (v && !cJSON_IsNull(v))
                warn(warnings, rec, "%s is not a number: left out", f);
            continue;
        }
        if (isfinite(d) && d != 0)
            cJSON_AddNumberToObject(a, kams[i].key, d);
    }
    cJSON_AddItemToArray(accounts, a);
    return 0;
}

int sf_accounts_page(const struct sf_config *c, const char *body, size_t len, cJSON *accounts,
                     cJSON *warnings, cJSON *seen, char **next, char *err, size_t errlen)
{
    *next = NULL;
    cJSON *doc = vg_json_parse(body ? body : "", body ? len : 0);
    const cJSON *records = cJSON_GetObjectItemCaseSensitive(doc, "records");
    const cJSON *done = cJSON_GetObjectItemCaseSensitive(doc, "done");
    const cJSON *nu = cJSON_GetObjectItemCaseSensitive(doc, "nextRecordsUrl");
    int rc = -1;
    if (!cJSON_IsArray(records) || !cJSON_IsBool(done)) {
        snprintf(err, errlen, "the query's answer is not a page of records");
        goto out;
    }
    if (cJSON_IsFalse(done) && !(cJSON_IsString(nu) && nu->valuestring[0] == '/' &&
                                  !strpbrk(nu->valuestring, " \t\r\n"))) {
        snprintf(err, errlen, "the query's answer is not done and has no nextRecordsUrl");
        goto out;
    }
    const cJSON *rec;
    cJSON_ArrayForEach(rec, records) {
        if (one_account(c, rec, accounts, warnings, seen) < 0) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
    }
    if (cJSON_IsFalse(done) && !(*next = vg_strdup(nu->valuestring))) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(doc);
    return rc;
}

/* ---- the sync: log in, query, page ------------------------------------------------------ */

struct sf_sync {
    const struct sf_config *c;
    struct sf_transport t;
    struct sf_session *session;
    cJSON *accounts, *warnings, *seen;
    char *url;          /* the page asked for */
    int pages;
    int relogged;       /* a 401 was met and a new login made for it */
    sf_sync_done done;
    void *arg;
};

static void sync_free(struct sf_sync *s)
{
    sf_session_free(s->session);
    cJSON_Delete(s->accounts);
    cJSON_Delete(s->warnings);
    cJSON_Delete(s->seen);
    vg_free(s->url);
    vg_free(s);
}

static void finish(struct sf_sync *s, const char *err)
{
    sf_sync_done done = s->done;
    void *arg = s->arg;
    cJSON *accounts = NULL, *warnings = NULL;
    if (!err && enrich_sync_link_parents(s->accounts) < 0)
        err = "out of memory";
    if (!err) {
        accounts = s->accounts;
        warnings = s->warnings;
        s->accounts = s->warnings = NULL;
    }
    sync_free(s);
    done(arg, accounts, warnings, err);
}

static void page_answer(struct fetch_response *resp, void *arg);
static void logged_in(void *arg, enum sf_auth_result r, const char *msg);
static int start_query(struct sf_sync *s, char *err, size_t errlen);

static int ask_page(struct sf_sync *s, char *err, size_t errlen)
{
    const char *headers[] = {sf_session_header(s->session), NULL};
    struct fetch_request req = {
        .url = s->url,
        .accept = "application/json",
        .headers = headers,
    };
    return s->t.send(s->t.t, &req, page_answer, s, err, errlen);
}

/* Logs in when needed, then asks for the current page. 0, or -1 with err. */
static int go(struct sf_sync *s, char *err, size_t errlen)
{
    int rc = sf_session_ready(s->session, &s->t, logged_in, s, err, errlen);
    if (rc < 0)
        return -1;
    return rc == 1 ? start_query(s, err, errlen) : 0;
}

/* Once logged in: the first page's URL (the instance URL is known only now), then the page. */
static int start_query(struct sf_sync *s, char *err, size_t errlen)
{
    if (!s->url) {
        char *q = sf_accounts_soql(s->c, err, errlen);
        if (!q)
            return -1;
        s->url = sf_query_url(sf_session_instance(s->session), s->c->api_version, q);
        vg_free(q);
        if (!s->url) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    return ask_page(s, err, errlen);
}

static void logged_in(void *arg, enum sf_auth_result r, const char *msg)
{
    struct sf_sync *s = arg;
    char err[512];
    if (r != SF_AUTH_OK)
        finish(s, msg);
    else if (start_query(s, err, sizeof(err)) < 0)
        finish(s, err);
}

static void page_answer(struct fetch_response *resp, void *arg)
{
    struct sf_sync *s = arg;
    char err[512], msg[300];
    if (s->t.preview) {
        finish(s, NULL); /* the request is printed: nothing to read */
        return;
    }
    long status = resp->error == FETCH_OK || resp->error == FETCH_ERR_HTTP_STATUS ? resp->status : 0;
    enum sf_fault f = sf_fault_classify(status, resp->body.data, resp->body.len, msg, sizeof(msg));
    if (f == SF_FAULT_SESSION && !s->relogged && sf_session_invalidate(s->session)) {
        s->relogged = 1;
        if (go(s, err, sizeof(err)) < 0)
            finish(s, err);
        return;
    }
    if (f != SF_FAULT_NONE) {
        snprintf(err, sizeof(err), "the key-account query failed: %s%s%s", status ? msg : resp->reason,
                 f == SF_FAULT_CONFIG ? " (check key_account_field, key_account_where, "
                                        "account_external_id and the map_ options)" : "",
                 f == SF_FAULT_SESSION ? " (the access token was refused)" : "");
        finish(s, err);
        return;
    }
    s->relogged = 0;
    char *next = NULL;
    if (sf_accounts_page(s->c, resp->body.data, resp->body.len, s->accounts, s->warnings, s->seen,
                         &next, err, sizeof(err)) < 0) {
        finish(s, err);
        return;
    }
    if (!next) {
        finish(s, NULL);
        return;
    }
    if (++s->pages >= MAX_PAGES) {
        vg_free(next);
        finish(s, "the key-account query has more than 500 pages: narrow key_account_where");
        return;
    }
    vg_free(s->url);
    s->url = vg_asprintf("%s%s", sf_session_instance(s->session), next);
    vg_free(next);
    if (!s->url) {
        finish(s, "out of memory");
        return;
    }
    if (ask_page(s, err, sizeof(err)) < 0)
        finish(s, err);
}

int sf_accounts_sync(const struct sf_config *c, const struct sf_transport *t, sf_sync_done done,
                     void *arg, char *err, size_t errlen)
{
    char *q = sf_accounts_soql(c, err, errlen); /* refuse a bad mapping before logging in */
    if (!q)
        return -1;
    vg_free(q);
    struct sf_sync *s = vg_calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->c = c;
    s->t = *t;
    s->done = done;
    s->arg = arg;
    s->accounts = cJSON_CreateArray();
    s->warnings = cJSON_CreateArray();
    s->seen = cJSON_CreateObject();
    if (!s->accounts || !s->warnings || !s->seen) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (!(s->session = sf_session_new(c, err, errlen)))
        goto fail;
    int rc = sf_session_ready(s->session, &s->t, logged_in, s, err, errlen);
    if (rc < 0 || (rc == 1 && start_query(s, err, errlen) < 0))
        goto fail;
    return 0;
fail:
    sync_free(s);
    return -1;
}
