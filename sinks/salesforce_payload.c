/* salesforce_payload — records to sObject collections, answers to outcomes (see the header). */
#include "sinks/salesforce_payload.h"
#include "sinks/salesforce_owners.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enrich/account.h"
#include "sinks/console_link.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_json.h"
#include "util/vg_utf8.h"

/* Parts of a Task's Description, each cut on its own first so that a 70 KB evidence sentence
 * leaves room for the link, the people and the sources below it. */
#define LEN_EVIDENCE 20000
#define LEN_TITLE_LINE 2000
#define LEN_LIST_LINE 2000


const char *sf_object_name(enum sf_object o)
{
    switch (o) {
    case SF_ACCOUNT: return "Account";
    case SF_CONTACT: return "Contact";
    case SF_TASK: return "Task";
    }
    return "?";
}

int sf_is_id(const char *s, const char *prefix)
{
    if (!s)
        return 0;
    size_t n = strlen(s);
    if ((n != 15 && n != 18) || strncmp(s, prefix, strlen(prefix)) != 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]))
            return 0;
    return 1;
}

/* ---- text ------------------------------------------------------------------------------ */

size_t sf_text_units(const char *s)
{
    size_t units = 0, left = strlen(s);
    const unsigned char *p = (const unsigned char *)s;
    while (left) {
        int32_t cp;
        size_t k = vg_utf8_next(p, left, &cp);
        units += cp >= 0x10000 ? 2 : 1;
        p += k;
        left -= k;
    }
    return units;
}

/* What a character of foreign text becomes: -1 when it is dropped. */
static int32_t clean_cp(int32_t cp, int single_line)
{
    if (cp < 0)
        return 0xfffd; /* what a browser shows for a broken byte */
    if (cp == '\r')
        return -1; /* CRLF reads as LF; a lone CR is dropped */
    if ((cp == '\n' || cp == '\t') && single_line)
        return ' ';
    if ((cp < 0x20 && cp != '\n' && cp != '\t') || (cp >= 0x7f && cp <= 0x9f))
        return ' '; /* control characters: Salesforce's XML side refuses most of them */
    return cp;
}

size_t sf_words_append(char *out, size_t cap, const char *s)
{
    if (cap == 0)
        return 0;
    size_t at = strnlen(out, cap - 1);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t left = strlen((const char *)p);
    while (left) {
        int32_t cp;
        size_t k = vg_utf8_next(p, left, &cp);
        p += k, left -= k;
        cp = clean_cp(cp, 1);
        if (cp < 0)
            continue;
        char enc[4];
        size_t el = vg_utf8_put(cp, enc);
        if (at + el > cap - 1)
            break; /* cut on a character boundary */
        memcpy(out + at, enc, el);
        at += el;
    }
    out[at] = '\0';
    return at;
}

char *sf_text(const char *s, size_t max, int single_line)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    vg_buf_puts(&b, ""); /* an empty text is "", not NULL */
    if (!s || max == 0)
        return vg_buf_steal(&b);
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s), units = 0;
    /* Where the text stands when one more unit (the ellipsis) still fits. */
    size_t cut_len = 0;
    int cut = 0;
    while (left) {
        int32_t cp;
        size_t k = vg_utf8_next(p, left, &cp);
        char enc[4];
        cp = clean_cp(cp, single_line);
        if (cp < 0) {
            p += k, left -= k;
            continue;
        }
        size_t el = vg_utf8_put(cp, enc);
        size_t u = cp >= 0x10000 ? 2 : 1;
        if (units + u > max) {
            cut = 1;
            break;
        }
        if (units + u <= max - 1)
            cut_len = b.len + el;
        vg_buf_append(&b, enc, el);
        units += u;
        p += k;
        left -= k;
    }
    if (cut && b.data) {
        b.len = cut_len;
        b.data[b.len] = '\0';
        vg_buf_puts(&b, "\xe2\x80\xa6"); /* … : one unit */
    }
    return vg_buf_steal(&b);
}

/* Appends "key":"cleaned text" (with a leading comma). */
static void put_text(struct vg_buf *b, const char *key, const char *s, size_t max, int single)
{
    char *t = sf_text(s, max, single);
    if (!t) {
        b->failed = 1;
        return;
    }
    vg_buf_putc(b, ',');
    vg_buf_json_str(b, key);
    vg_buf_putc(b, ':');
    vg_buf_json_str(b, t);
    vg_free(t);
}

static void put_raw_str(struct vg_buf *b, const char *key, const char *s)
{
    vg_buf_putc(b, ',');
    vg_buf_json_str(b, key);
    vg_buf_putc(b, ':');
    vg_buf_json_str(b, s);
}

/* ---- reading records ------------------------------------------------------------------ */

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int jbool(const cJSON *o, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static int jnum(const cJSON *o, const char *key, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v))
        return 0;
    *out = v->valuedouble;
    return 1;
}

static const char *account_id_of(const struct sink_record *r)
{
    const char *id = jstr(r->doc, "account_id");
    if (id && *id)
        return id;
    return r->account ? r->account->id : NULL;
}

/* The account's Salesforce Id when vigie knows it (an account synced from Salesforce, or
 * given with its crm_id): then records refer to it directly and no Account upsert is needed,
 * so a CRM-owned account is never renamed by vigie. */
static const char *account_sfid(const struct sink_record *r)
{
    return r->account && sf_is_id(r->account->crm_id, "001") ? r->account->crm_id : NULL;
}

/* "2024-01-09" from an RFC 3339 date, or NULL. */
static int date_of(const char *rfc3339, char out[11])
{
    if (!rfc3339 || strlen(rfc3339) < 10)
        return 0;
    for (int i = 0; i < 10; i++) {
        char c = rfc3339[i];
        if ((i == 4 || i == 7) ? c != '-' : !isdigit((unsigned char)c))
            return 0;
    }
    int y = atoi(rfc3339);
    int mo = (rfc3339[5] - '0') * 10 + (rfc3339[6] - '0');
    int d = (rfc3339[8] - '0') * 10 + (rfc3339[9] - '0');
    /* A day the month does not have (February 30) would make Salesforce's parser refuse the
     * whole request, every record of the batch with it. */
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > days[mo - 1] + (mo == 2 && leap))
        return 0;
    memcpy(out, rfc3339, 10);
    out[10] = '\0';
    return 1;
}

/* "leadership_change" -> "Leadership change": how a rep reads a signal type. */
static void type_label(const char *type, char *out, size_t cap)
{
    size_t i = 0;
    for (; type && type[i] && i + 1 < cap; i++) {
        char c = type[i] == '_' ? ' ' : type[i];
        out[i] = i == 0 ? (char)toupper((unsigned char)c) : c;
    }
    out[i] = '\0';
    if (i == 0)
        snprintf(out, cap, "Signal");
}

/* 600000000 -> "600,000,000"; other values as %g. */
static void format_amount(struct vg_buf *b, double v)
{
    if (!isfinite(v)) {
        vg_buf_puts(b, "?");
        return;
    }
    if (v != floor(v) || fabs(v) >= 1e18) {
        vg_buf_printf(b, "%g", v);
        return;
    }
    char digits[32];
    snprintf(digits, sizeof(digits), "%.0f", fabs(v));
    if (v < 0)
        vg_buf_putc(b, '-');
    size_t n = strlen(digits);
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            vg_buf_putc(b, ',');
        vg_buf_putc(b, digits[i]);
    }
}

/* ---- the three kinds of records -------------------------------------------------------- */

static void reference_account(struct vg_buf *b, const struct sf_map *m, const struct sink_record *r,
                              const char *rel, const char *idfield, int typed)
{
    const char *sfid = account_sfid(r);
    if (sfid) {
        put_raw_str(b, idfield, sfid);
        return;
    }
    const char *aid = account_id_of(r);
    if (!aid)
        return;
    vg_buf_printf(b, ",\"%s\":{", rel);
    if (typed)
        vg_buf_puts(b, "\"attributes\":{\"type\":\"Account\"},");
    vg_buf_json_str(b, m->account_ext);
    vg_buf_putc(b, ':');
    vg_buf_json_str(b, aid);
    vg_buf_putc(b, '}');
}

static void account_item(struct vg_buf *b, const struct sf_map *m, const struct sink_record *r)
{
    const struct enrich_account *a = r->account;
    vg_buf_puts(b, "{\"attributes\":{\"type\":\"Account\"}");
    put_raw_str(b, m->account_ext, a->id);
    put_text(b, "Name", a->name, SF_LEN_ACCOUNT_NAME, 1);
    if (a->n_domains && a->domains[0][0]) {
        char *site = vg_asprintf("https://%s", a->domains[0]);
        if (!site)
            b->failed = 1;
        put_text(b, "Website", site, SF_LEN_WEBSITE, 1);
        vg_free(site);
    }
    vg_buf_putc(b, '}');
}

static void contact_item(struct vg_buf *b, const struct sf_map *m, const struct sink_record *r)
{
    const cJSON *d = r->doc;
    const char *name = jstr(d, "name");
    /* Salesforce requires LastName: the first word is the first name, the rest the last
     * name (as enrich/contact.c splits it for e-mail guesses); one word is a last name. */
    char *first = NULL, *last = NULL;
    if (name) {
        while (*name == ' ')
            name++;
        const char *sp = strchr(name, ' ');
        const char *rest = sp;
        while (rest && *rest == ' ')
            rest++;
        if (sp && rest && *rest) {
            first = vg_strndup(name, (size_t)(sp - name));
            last = vg_strdup(rest);
        } else {
            last = vg_strdup(name);
        }
        if (!last || (sp && rest && *rest && !first))
            b->failed = 1;
    }
    vg_buf_puts(b, "{\"attributes\":{\"type\":\"Contact\"}");
    put_raw_str(b, m->contact_ext, r->id);
    if (first)
        put_text(b, "FirstName", first, SF_LEN_FIRST_NAME, 1);
    put_text(b, "LastName", last && *last ? last : "(unknown)", SF_LEN_LAST_NAME, 1);
    vg_free(first);
    vg_free(last);
    const char *title = jstr(d, "title");
    if (title && *title)
        put_text(b, "Title", title, SF_LEN_TITLE, 1);
    reference_account(b, m, r, "Account", "AccountId", 0);

    struct vg_buf t;
    vg_buf_init(&t, 0);
    const char *role_norm = jstr(d, "role_norm"), *seniority = jstr(d, "seniority");
    const char *dept = jstr(d, "department"), *src = jstr(d, "source_url");
    const char *seen = jstr(d, "first_seen");
    vg_buf_printf(&t, "Role: %s", title && *title ? title : "(not stated)");
    const char *parts[] = {role_norm, seniority, dept};
    int open = 0;
    for (size_t i = 0; i < 3; i++) {
        if (parts[i] && *parts[i]) {
            vg_buf_puts(&t, open ? ", " : " (");
            vg_buf_puts(&t, parts[i]);
            open = 1;
        }
    }
    if (open)
        vg_buf_putc(&t, ')');
    vg_buf_putc(&t, '\n');
    if (jbool(d, "departing"))
        vg_buf_puts(&t, "Leaving this role, as reported by the source.\n");
    if (src && *src)
        vg_buf_printf(&t, "Source: %s\n", src);
    if (seen && *seen)
        vg_buf_printf(&t, "First seen by vigie: %s\n", seen);
    vg_buf_puts(&t, "Found in the news by vigie; no e-mail address is set: check it before use.");
    if (vg_buf_check(&t) < 0)
        b->failed = 1;
    else
        put_text(b, "Description", t.data, SF_LEN_LONG_TEXT, 0);
    vg_buf_free(&t);
    vg_buf_putc(b, '}');
}

/* The Task owner: the account owner's User Id, from the key-account sync's identifier, the
 * owner field itself, or the User found by the owner's e-mail; NULL leaves the Task to the
 * integration user. */
static const char *task_owner(const struct sf_map *m, const struct sink_record *r)
{
    if (!r->account)
        return NULL;
    for (size_t i = 0; i < r->account->n_identifiers; i++) {
        const struct enrich_identifier *id = &r->account->identifiers[i];
        if (strcmp(id->key, SF_OWNER_ID_KEY) == 0 && sf_is_id(id->value, "005"))
            return id->value;
    }
    if (sf_is_id(r->account->owner, "005"))
        return r->account->owner;
    return sf_owners_get(m->owners, sf_owner_email(r), m->now);
}

static void list_line(struct vg_buf *t, const char *label, const cJSON *arr,
                      void (*one)(struct vg_buf *, const cJSON *))
{
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
        return;
    struct vg_buf line;
    vg_buf_init(&line, 0);
    vg_buf_printf(&line, "%s: ", label);
    int k = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, arr) {
        if (k++)
            vg_buf_puts(&line, "; ");
        one(&line, e);
    }
    char *cut = vg_buf_check(&line) == 0 ? sf_text(line.data, LEN_LIST_LINE, 1) : NULL;
    if (!cut)
        t->failed = 1;
    else
        vg_buf_printf(t, "%s\n", cut);
    vg_free(cut);
    vg_buf_free(&line);
}

static void one_amount(struct vg_buf *b, const cJSON *e)
{
    double v;
    if (!jnum(e, "value", &v)) {
        vg_buf_puts(b, "?");
        return;
    }
    format_amount(b, v);
    const char *cur = jstr(e, "currency");
    if (cur && *cur)
        vg_buf_printf(b, " %s", cur);
}

static void one_person(struct vg_buf *b, const cJSON *e)
{
    const char *name = jstr(e, "name"), *role = jstr(e, "role"), *sen = jstr(e, "seniority");
    vg_buf_puts(b, name ? name : "?");
    if (role && *role)
        vg_buf_printf(b, ", %s", role);
    if (sen && *sen)
        vg_buf_printf(b, " (%s)", sen);
    if (jbool(e, "departing"))
        vg_buf_puts(b, ", leaving");
}

static void one_counterparty(struct vg_buf *b, const cJSON *e)
{
    const char *name = jstr(e, "name"), *role = jstr(e, "role");
    vg_buf_puts(b, name ? name : "?");
    if (role && *role)
        vg_buf_printf(b, " (%s)", role);
}

static void one_string(struct vg_buf *b, const cJSON *e)
{
    vg_buf_puts(b, cJSON_IsString(e) ? e->valuestring : "?");
}

static void task_item(struct vg_buf *b, const struct sf_map *m, const struct sink_record *r)
{
    const cJSON *d = r->doc;
    int update = r->field && strcmp(r->field, "update") == 0;
    const char *title = jstr(d, "title"), *evidence = jstr(d, "evidence");
    const char *url = jstr(d, "url"), *published = jstr(d, "published");
    const char *detected = jstr(d, "detected");
    char label[64];
    type_label(jstr(d, "type"), label, sizeof(label));

    vg_buf_puts(b, "{\"attributes\":{\"type\":\"Task\"}");
    put_raw_str(b, m->task_ext, r->id);
    char *subject = vg_asprintf("%s: %s", label, title && *title ? title : evidence ? evidence : "");
    if (!subject)
        b->failed = 1;
    put_text(b, "Subject", subject, SF_LEN_SUBJECT, 1);
    vg_free(subject);

    struct vg_buf t;
    vg_buf_init(&t, 0);
    char *s;
    if (title && *title) {
        s = sf_text(title, LEN_TITLE_LINE, 1);
        vg_buf_printf(&t, "%s\n\n", s ? s : "");
        t.failed |= !s;
        vg_free(s);
    }
    if (evidence && *evidence && !(title && strcmp(title, evidence) == 0)) {
        s = sf_text(evidence, LEN_EVIDENCE, 0);
        vg_buf_printf(&t, "\"%s\"\n\n", s ? s : "");
        t.failed |= !s;
        vg_free(s);
    }
    list_line(&t, "Amounts", cJSON_GetObjectItemCaseSensitive(d, "amounts"), one_amount);
    list_line(&t, "People", cJSON_GetObjectItemCaseSensitive(d, "people"), one_person);
    list_line(&t, "Counterparties", cJSON_GetObjectItemCaseSensitive(d, "counterparties"),
              one_counterparty);
    list_line(&t, "Places", cJSON_GetObjectItemCaseSensitive(d, "places"), one_string);
    list_line(&t, "Qualifiers", cJSON_GetObjectItemCaseSensitive(d, "modifiers"), one_string);
    if (url && *url)
        vg_buf_printf(&t, "Link: %s\n", url);
    double sources = 1;
    jnum(d, "sources", &sources);
    const cJSON *urls = cJSON_GetObjectItemCaseSensitive(d, "source_urls");
    if (sources > 1)
        vg_buf_printf(&t, "Told by %.0f sources\n", sources);
    if (cJSON_IsArray(urls) && cJSON_GetArraySize(urls) > 0)
        list_line(&t, "Sources", urls, one_string);
    char day[11];
    if (date_of(published, day))
        vg_buf_printf(&t, "Published: %s\n", day);
    if (detected && *detected)
        vg_buf_printf(&t, "Detected by vigie: %s\n", detected);
    double conf, prio;
    if (jnum(d, "confidence", &conf) && jnum(d, "priority", &prio))
        vg_buf_printf(&t, "Confidence %.2f, priority %.0f/100\n", conf, prio);
    char *page = console_link(m->console_url, "signals", r->id);
    if (page)
        vg_buf_printf(&t, "Open in vigie: %s\n", page);
    vg_free(page);
    vg_buf_printf(&t, "vigie signal %s", r->id);
    if (vg_buf_check(&t) < 0)
        b->failed = 1;
    else
        put_text(b, "Description", t.data, SF_LEN_LONG_TEXT, 0);
    vg_buf_free(&t);

    if (date_of(published, day) || date_of(detected, day))
        put_raw_str(b, "ActivityDate", day);
    double priority = 0;
    jnum(d, "priority", &priority);
    put_raw_str(b, "Priority", priority >= 70 ? "High" : "Normal");
    /* An update (one more source told the story) leaves what a rep may have changed since:
     * the status (a task done stays done) and the owner (a task handed on stays handed on). */
    if (!update) {
        put_text(b, "Status", m->task_status, 255, 1);
        const char *owner = task_owner(m, r);
        if (owner)
            put_raw_str(b, "OwnerId", owner);
    }
    reference_account(b, m, r, "What", "WhatId", 1);
    vg_buf_putc(b, '}');
}

/* ---- requests ------------------------------------------------------------------------- */

static int wants(enum sf_object type, const struct sink_record *r)
{
    int contact = r->field && strcmp(r->field, "contact") == 0;
    switch (type) {
    case SF_ACCOUNT: return r->account && !account_sfid(r);
    case SF_CONTACT: return contact;
    case SF_TASK: return !contact;
    }
    return 0;
}

int sf_request_build(const struct sf_map *m, enum sf_object type, const struct sink_record *v,
                     size_t n, const unsigned char *skip, struct sf_request *out, char *err,
                     size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->type = type;
    out->n = n;
    out->item_of = vg_malloc((n ? n : 1) * sizeof(*out->item_of));
    if (!out->item_of) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct vg_buf b;
    vg_buf_init(&b, 0);
    vg_buf_puts(&b, "{\"allOrNone\":false,\"records\":[");
    for (size_t i = 0; i < n; i++) {
        out->item_of[i] = -1;
        if ((skip && skip[i]) || !wants(type, &v[i]))
            continue;
        if (type == SF_ACCOUNT) {
            /* One Account per account: a later record of the same account shares it. */
            size_t j = 0;
            for (; j < i; j++)
                if (out->item_of[j] >= 0 && v[j].account == v[i].account)
                    break;
            if (j < i) {
                out->item_of[i] = out->item_of[j];
                continue;
            }
        }
        if (out->items)
            vg_buf_putc(&b, ',');
        out->item_of[i] = (long)out->items++;
        switch (type) {
        case SF_ACCOUNT: account_item(&b, m, &v[i]); break;
        case SF_CONTACT: contact_item(&b, m, &v[i]); break;
        case SF_TASK: task_item(&b, m, &v[i]); break;
        }
    }
    vg_buf_puts(&b, "]}");
    if (out->items == 0) {
        vg_buf_free(&b);
        return 0;
    }
    out->body = vg_buf_steal(&b);
    if (!out->body) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

void sf_request_free(struct sf_request *r)
{
    if (!r)
        return;
    vg_free(r->body);
    vg_free(r->item_of);
    r->body = NULL;
    r->item_of = NULL;
}

char *sf_request_path(const struct sf_map *m, const char *api_version, enum sf_object type)
{
    const char *ext = type == SF_ACCOUNT ? m->account_ext : type == SF_CONTACT ? m->contact_ext
                                                                               : m->task_ext;
    return vg_asprintf("/services/data/%s/composite/sobjects/%s/%s", api_version,
                       sf_object_name(type), ext);
}

char *sf_query_url(const char *instance, const char *api_version, const char *soql)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    vg_buf_printf(&b, "%s/services/data/%s/query?q=", instance, api_version);
    for (const unsigned char *p = (const unsigned char *)soql; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p))
            vg_buf_putc(&b, (char)*p);
        else
            vg_buf_printf(&b, "%%%02X", *p);
    }
    return vg_buf_steal(&b);
}

/* ---- answers --------------------------------------------------------------------------- */

/* "CODE: message (fields: field, field)" of one error object, cleaned (sf_words_append). */
static void error_text(const cJSON *e, char *out, size_t cap)
{
    const char *code = jstr(e, "statusCode");
    if (!code)
        code = jstr(e, "errorCode");
    const char *msg = jstr(e, "message");
    if (cap == 0)
        return;
    out[0] = '\0';
    sf_words_append(out, cap, code ? code : "ERROR");
    sf_words_append(out, cap, ": ");
    sf_words_append(out, cap, msg ? msg : "(no message)");
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive(e, "fields");
    if (!cJSON_IsArray(fields))
        fields = NULL;
    const cJSON *f;
    int first = 1;
    cJSON_ArrayForEach(f, fields) {
        if (!cJSON_IsString(f))
            continue;
        sf_words_append(out, cap, first ? " (fields: " : ", ");
        sf_words_append(out, cap, f->valuestring);
        first = 0;
    }
    if (!first)
        sf_words_append(out, cap, ")");
}

static int passing_code(const char *code)
{
    return code && (strcmp(code, "UNABLE_TO_LOCK_ROW") == 0 ||
                    strcmp(code, "REQUEST_RUNNING_TOO_LONG") == 0 ||
                    strcmp(code, "SERVER_UNAVAILABLE") == 0);
}

int sf_results_apply(const struct sf_request *r, const char *body, size_t len,
                     struct sink_record *v, size_t n, unsigned char *skip, char *pause,
                     size_t pauselen, char *err, size_t errlen)
{
    cJSON *arr = vg_json_parse(body ? body : "", body ? len : 0);
    if (!cJSON_IsArray(arr) || (size_t)cJSON_GetArraySize(arr) != r->items) {
        snprintf(err, errlen, "Salesforce answered the %s upsert with %s", sf_object_name(r->type),
                 !arr ? "something that is not JSON" : !cJSON_IsArray(arr) ? "JSON that is not a list of results"
                                                      : "a different number of results than records sent");
        cJSON_Delete(arr);
        return -1;
    }
    long k = 0;
    const cJSON *res;
    cJSON_ArrayForEach(res, arr) {
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "success"))) {
            k++;
            continue;
        }
        const cJSON *errors = cJSON_GetObjectItemCaseSensitive(res, "errors");
        const cJSON *e0 = cJSON_IsArray(errors) ? cJSON_GetArrayItem(errors, 0) : NULL;
        char why[200] = "no reason given";
        if (e0)
            error_text(e0, why, sizeof(why));
        const char *code = e0 ? jstr(e0, "statusCode") : NULL;
        enum sink_outcome o = passing_code(code) ? SINK_RETRY : SINK_DROP;
        /* A field the org does not have, or may not be written by the integration user,
         * fails every record the same way: the mapping's fault, not the record's. (A
         * reference to an account Salesforce does not have is INVALID_FIELD too, "Foreign
         * key external ID: ... not found": that one is the record's.) */
        const char *emsg = e0 ? jstr(e0, "message") : NULL;
        if (code && (strcmp(code, "INVALID_FIELD_FOR_INSERT_UPDATE") == 0 ||
                     (strcmp(code, "INVALID_FIELD") == 0 && emsg &&
                      strncmp(emsg, "No such column", 14) == 0))) {
            o = SINK_RETRY;
            if (pause && pauselen && !pause[0]) {
                snprintf(pause, pauselen, "Salesforce refused a field of the %s mapping: ",
                         sf_object_name(r->type));
                sf_words_append(pause, pauselen, why);
            }
        }
        for (size_t i = 0; i < n; i++) {
            if (r->item_of[i] != k)
                continue;
            v[i].outcome = o;
            v[i].retry_after_ms = 0;
            /* Built by pieces so that a long account id cuts the reason on a character. */
            v[i].reason[0] = '\0';
            if (r->type == SF_ACCOUNT) {
                sf_words_append(v[i].reason, sizeof(v[i].reason), "Salesforce refused Account ");
                sf_words_append(v[i].reason, sizeof(v[i].reason), v[i].account ? v[i].account->id : "?");
            } else {
                sf_words_append(v[i].reason, sizeof(v[i].reason), "Salesforce refused the ");
                sf_words_append(v[i].reason, sizeof(v[i].reason), sf_object_name(r->type));
            }
            sf_words_append(v[i].reason, sizeof(v[i].reason), ": ");
            sf_words_append(v[i].reason, sizeof(v[i].reason), why);
            if (skip)
                skip[i] = 1;
        }
        k++;
    }
    cJSON_Delete(arr);
    return 0;
}

enum sf_fault sf_fault_classify(long status, const char *body, size_t len, char *msg,
                                size_t msglen)
{
    if (status >= 200 && status < 300) {
        snprintf(msg, msglen, "HTTP %ld", status);
        return SF_FAULT_NONE;
    }
    /* Salesforce's REST errors: [{"message": "...", "errorCode": "...", "fields": [...]}]. */
    char code[64] = "";
    cJSON *doc = body && len ? vg_json_parse(body, len) : NULL;
    const cJSON *e = cJSON_IsArray(doc) ? cJSON_GetArrayItem(doc, 0) : cJSON_IsObject(doc) ? doc : NULL;
    if (e) {
        const char *c = jstr(e, "errorCode");
        if (c)
            snprintf(code, sizeof(code), "%s", c);
        error_text(e, msg, msglen);
    } else if (status) {
        snprintf(msg, msglen, "HTTP %ld", status);
    } else {
        snprintf(msg, msglen, "no answer");
    }
    cJSON_Delete(doc);

    if (status == 0 || status == 408 || status == 429 || status >= 500)
        return SF_FAULT_PASSING;
    if (status == 401)
        return SF_FAULT_SESSION;
    if (strcmp(code, "REQUEST_LIMIT_EXCEEDED") == 0)
        return SF_FAULT_LIMIT;
    if (status == 403 || status == 404 || strcmp(code, "INVALID_FIELD") == 0 ||
        strcmp(code, "INVALID_TYPE") == 0 || strcmp(code, "INVALID_FIELD_FOR_INSERT_UPDATE") == 0 ||
        strcmp(code, "NOT_FOUND") == 0 || strcmp(code, "API_DISABLED_FOR_ORG") == 0 ||
        strcmp(code, "INSUFFICIENT_ACCESS") == 0)
        return SF_FAULT_CONFIG;
    return SF_FAULT_REQUEST;
}
