/* salesforce_owners — the Salesforce User behind an account owner's e-mail (see
 * salesforce_owners.h). A few hundred owners at most in practice: a plain array is enough. */
#include "sinks/salesforce_owners.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "enrich/account.h"
#include "sinks/salesforce_payload.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_json.h"

struct owner {
    char *email;     /* as the account gives it; compared without case, as Salesforce does */
    char id[24];     /* the User Id, "" for none */
    int64_t expires; /* the answer's end (ms); 0 while asked and not answered */
    int asked;       /* in the query in flight */
};

struct sf_owners {
    struct owner *v;
    size_t n, cap;
};

struct sf_owners *sf_owners_new(void) { return vg_calloc(1, sizeof(struct sf_owners)); }

void sf_owners_free(struct sf_owners *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n; i++)
        vg_free(o->v[i].email);
    vg_free(o->v);
    vg_free(o);
}

/* An address Salesforce's Email field could hold: something@something, printable, no blank. */
static int address(const char *s)
{
    if (!s || !*s || strlen(s) > 254 || !strchr(s, '@') || s[0] == '@')
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == 0x7f)
            return 0;
    return 1;
}

const char *sf_owner_email(const struct sink_record *r)
{
    const struct enrich_account *a = r->account;
    if (!a)
        return NULL;
    /* An owner already known by User Id (the key-account sync's, or the owner field) needs no
     * lookup: salesforce_payload.c uses it. */
    for (size_t i = 0; i < a->n_identifiers; i++)
        if (strcmp(a->identifiers[i].key, SF_OWNER_ID_KEY) == 0 && sf_is_id(a->identifiers[i].value, "005"))
            return NULL;
    if (sf_is_id(a->owner, "005"))
        return NULL;
    return address(a->owner) ? a->owner : address(a->owner_email) ? a->owner_email : NULL;
}

static struct owner *find(const struct sf_owners *o, const char *email)
{
    for (size_t i = 0; i < o->n; i++)
        if (strcasecmp(o->v[i].email, email) == 0)
            return &o->v[i];
    return NULL;
}

/* A new entry, making room by forgetting the answer that ends first. NULL: out of memory. */
static struct owner *add(struct sf_owners *o, const char *email)
{
    if (o->n == SF_OWNERS_MAX) {
        size_t old = 0;
        for (size_t i = 1; i < o->n; i++)
            if (!o->v[i].asked && (o->v[old].asked || o->v[i].expires < o->v[old].expires))
                old = i;
        vg_free(o->v[old].email);
        o->v[old] = o->v[--o->n];
    }
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 16;
        struct owner *v = vg_realloc(o->v, cap * sizeof(*v));
        if (!v)
            return NULL;
        o->v = v;
        o->cap = cap;
    }
    struct owner *e = &o->v[o->n];
    memset(e, 0, sizeof(*e));
    if (!(e->email = vg_strdup(email)))
        return NULL;
    o->n++;
    return e;
}

/* A SOQL string literal: quotes and backslashes escaped. */
static void soql_string(struct vg_buf *b, const char *s)
{
    vg_buf_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'' || *s == '\\')
            vg_buf_putc(b, '\\');
        vg_buf_putc(b, *s);
    }
    vg_buf_putc(b, '\'');
}

char *sf_owners_query(struct sf_owners *o, const struct sink_record *v, size_t n,
                      const unsigned char *skip, int64_t now)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    size_t asked = 0;
    for (size_t i = 0; i < n && asked < SF_OWNERS_PER_QUERY; i++) {
        /* Only a new signal's Task takes an owner (an update leaves the owner a rep chose). */
        if ((skip && skip[i]) || !v[i].field || strcmp(v[i].field, "signal") != 0)
            continue;
        const char *email = sf_owner_email(&v[i]);
        if (!email)
            continue;
        struct owner *e = find(o, email);
        if (e && (e->asked || e->expires > now))
            continue;
        if (!e && !(e = add(o, email)))
            break;
        e->asked = 1;
        e->expires = 0;
        e->id[0] = '\0'; /* asked again: the user may have left, or changed address */
        vg_buf_puts(&b, asked ? ", " : "SELECT Id, Email FROM User WHERE IsActive = true AND Email IN (");
        soql_string(&b, email);
        asked++;
    }
    if (!asked) {
        vg_buf_free(&b);
        return NULL;
    }
    vg_buf_putc(&b, ')');
    if (vg_buf_check(&b) < 0) {
        vg_buf_free(&b);
        sf_owners_give_up(o, now, 0);
        return NULL;
    }
    return vg_buf_steal(&b);
}

int sf_owners_apply(struct sf_owners *o, const char *body, size_t len, int64_t now)
{
    cJSON *doc = body ? cJSON_ParseWithLength(body, len) : NULL;
    const cJSON *records = cJSON_GetObjectItemCaseSensitive(doc, "records");
    if (!cJSON_IsArray(records)) {
        cJSON_Delete(doc);
        return -1;
    }
    const cJSON *rec;
    cJSON_ArrayForEach(rec, records) {
        const char *id = vg_json_str(rec, "Id"), *email = vg_json_str(rec, "Email");
        struct owner *e = email ? find(o, email) : NULL;
        /* Two active users with one address: the first answer keeps it. */
        if (e && e->asked && !e->id[0] && sf_is_id(id, "005"))
            snprintf(e->id, sizeof(e->id), "%s", id);
    }
    for (size_t i = 0; i < o->n; i++) {
        if (!o->v[i].asked)
            continue;
        o->v[i].asked = 0;
        o->v[i].expires = now + SF_OWNERS_TTL_MS;
    }
    cJSON_Delete(doc);
    return 0;
}

void sf_owners_give_up(struct sf_owners *o, int64_t now, int64_t retry_in_ms)
{
    for (size_t i = 0; i < o->n; i++) {
        if (!o->v[i].asked)
            continue;
        o->v[i].asked = 0;
        o->v[i].id[0] = '\0';
        o->v[i].expires = now + retry_in_ms;
    }
}

const char *sf_owners_get(const struct sf_owners *o, const char *email, int64_t now)
{
    const struct owner *e = o && email ? find(o, email) : NULL;
    return e && !e->asked && e->expires > now && e->id[0] ? e->id : NULL;
}
