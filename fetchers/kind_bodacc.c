/* kind_bodacc — the `bodacc` source kind: the legal announcements (BODACC, opendatasoft
 * records API v2.1, ../shared/REFERENCE.md C.2) of a batch of companies named by SIREN in the
 * source's options ({"sirens": [...]}). One poll reads the newest 100 announcements of the
 * batch; each one about a SIREN of the batch becomes one structured item (bodacc_record.c).
 * The automatic sources are the accounts' SIRENs cut into batches, one source per batch. */
#include "fetchers/bodacc.h"
#include "fetchers/feed.h"
#include "fetchers/kind.h"
#include "enrich/account.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An answer of 100 records is a few hundred kilobytes; anything this size is not one. */
#define BODACC_MAX_BODY (32u << 20)

#define RECORDS_PATH "/api/explore/v2.1/catalog/datasets/annonces-commerciales/records"

static int bodacc_check_options(const char *options, char *err, size_t errlen)
{
    struct bodacc_sirens s;
    int rc = bodacc_sirens_read(options, &s, err, errlen);
    bodacc_sirens_free(&s);
    return rc;
}

/* Why a body is not a records answer, in words a user can act on. */
static void not_records(const char *body, size_t len, char *err, size_t errlen)
{
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    if (i == len)
        snprintf(err, errlen, "not a BODACC records answer: an empty body");
    else if (body[i] == '<')
        snprintf(err, errlen, "not a BODACC records answer: an HTML or XML page instead of JSON (an error page?)");
    else {
        size_t at = vg_json_error_offset();
        if (at != (size_t)-1)
            snprintf(err, errlen, "not a BODACC records answer: the JSON breaks at byte %zu of %zu (truncated?)", at, len);
        else
            snprintf(err, errlen, "not a BODACC records answer: not JSON");
    }
}

static int bodacc_parse(const struct kind_input *in, struct kind_output *out, char *err, size_t errlen)
{
    struct bodacc_sirens batch;
    cJSON *root = NULL;
    out->error_kind = "parse";
    if (bodacc_sirens_read(in->options, &batch, err, errlen) < 0) {
        out->error_kind = "options";
        return -1;
    }
    int rc = -1;
    if (in->len > BODACC_MAX_BODY) {
        snprintf(err, errlen, "not a BODACC records answer: %zu bytes, more than %u", in->len, BODACC_MAX_BODY);
        goto done;
    }
    if (!(root = vg_json_parse(in->body, in->len))) {
        not_records(in->body, in->len, err, errlen);
        goto done;
    }
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(root, "results");
    if (!cJSON_IsArray(results)) {
        const char *msg = vg_json_str(root, "message");
        /* the API's words, made safe to log: valid UTF-8, one line, cut on a character */
        char *clean = msg ? feed_text_clean(msg, strlen(msg), 200, 0) : NULL;
        if (clean)
            snprintf(err, errlen, "the BODACC API answered an error: %s", clean);
        else
            snprintf(err, errlen, "not a BODACC records answer: no \"results\" list");
        vg_free(clean);
        goto done;
    }
    if (!(out->doc = feed_doc_new(FEED_FORMAT_UNKNOWN))) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    /* One record that cannot be read is skipped, not the page: the first reason is noted. */
    size_t skipped = 0;
    char first[128] = "";
    const cJSON *rec;
    cJSON_ArrayForEach(rec, results)
    {
        char why[128] = "";
        int r = bodacc_record_item(rec, &batch, out->doc, why, sizeof(why));
        if (r < 0) {
            snprintf(err, errlen, "out of memory");
            goto done;
        }
        if (r > 0 && !strstr(why, "names no SIREN") && !strstr(why, "is not read") && !strstr(why, "cancels") &&
            skipped++ == 0)
            snprintf(first, sizeof(first), "%s", why);
    }
    if (skipped) {
        out->doc->flags |= FEED_F_RECOVERED;
        snprintf(out->doc->note, sizeof(out->doc->note), "%zu record(s) skipped; %.100s", skipped, first);
    }
    out->error_kind = NULL;
    rc = 0;
done:
    if (rc < 0) {
        feed_doc_free(out->doc);
        out->doc = NULL;
    }
    cJSON_Delete(root);
    bodacc_sirens_free(&batch);
    return rc;
}

/* ---- automatic sources ---- */

static int cmp_siren(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

/* Percent-encodes everything but RFC 3986's unreserved characters. */
static void url_encode(struct vg_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '.' || *p == '_' || *p == '~')
            vg_buf_putc(b, (char)*p);
        else
            vg_buf_printf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
    }
}

/* The source for sirens v[0..n): its URL and options. */
static int batch_source(const char *base, char (*v)[BODACC_SIREN_LEN + 1], size_t n, size_t number,
                        struct kind_auto_source *src)
{
    struct vg_buf where, url, opts;
    vg_buf_init(&where, 0);
    vg_buf_init(&url, 0);
    vg_buf_init(&opts, 0);
    /* `registre` holds each SIREN spaced and unspaced ("552 081 317,552081317"): a text search
     * finds the unspaced form, where equality would find nothing (REFERENCE.md C.2). */
    for (size_t i = 0; i < n; i++)
        vg_buf_printf(&where, "%ssearch(registre, \"%s\")", i ? " OR " : "", v[i]);
    vg_buf_printf(&url, "%s%s?where=", base, RECORDS_PATH);
    url_encode(&url, where.data ? where.data : "");
    vg_buf_puts(&url, "&order_by=dateparution%20desc&limit=100");
    vg_buf_puts(&opts, "{\"sirens\":[");
    for (size_t i = 0; i < n; i++)
        vg_buf_printf(&opts, "%s\"%s\"", i ? "," : "", v[i]);
    vg_buf_puts(&opts, "]}");
    int rc = -1;
    if (vg_buf_check(&where) == 0 && vg_buf_check(&url) == 0 && vg_buf_check(&opts) == 0 &&
        (src->id = vg_asprintf("bodacc:%zu", number))) {
        src->url = vg_buf_steal(&url);
        src->options = vg_buf_steal(&opts);
        src->account_id = NULL;
        rc = src->url && src->options ? 0 : -1;
    }
    vg_buf_free(&where);
    vg_buf_free(&url);
    vg_buf_free(&opts);
    return rc;
}

/* The accounts' SIRENs (not retired), sorted, each once, cut into batches of set->batch:
 * "bodacc:1" holds the first batch, "bodacc:2" the next... The same accounts give the same
 * sources. An account that comes or goes shifts the SIRENs after its own by one place: the
 * batches from its own to the last change their URL and options (their ids stay), and a batch
 * appears at the end, or the last one goes, when the count crosses a multiple of the batch. */
static int bodacc_auto_sources(const struct enrich_account_set *accounts, const struct kind_auto_settings *set,
                               struct kind_auto_source **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t cap = accounts ? accounts->n : 0, count = 0;
    if (!cap)
        return 0;
    char(*sirens)[BODACC_SIREN_LEN + 1] = vg_calloc(cap, sizeof(*sirens));
    if (!sirens)
        return -1;
    for (size_t i = 0; i < accounts->n; i++) {
        const struct enrich_account *a = &accounts->v[i];
        if (a->retired)
            continue;
        for (size_t j = 0; j < a->n_identifiers; j++) {
            const struct enrich_identifier *id = &a->identifiers[j];
            if (id->key && id->value && strcmp(id->key, "siren") == 0 &&
                bodacc_siren_digits(id->value, strlen(id->value), sirens[count]) == 0) {
                count++;
                break;
            }
        }
    }
    qsort(sirens, count, sizeof(*sirens), cmp_siren);
    size_t uniq = 0;
    for (size_t i = 0; i < count; i++)
        if (!uniq || strcmp(sirens[i], sirens[uniq - 1]) != 0)
            memmove(sirens[uniq++], sirens[i], sizeof(*sirens));
    size_t per = set && set->batch ? set->batch : source_kind_bodacc.default_batch;
    size_t nb = (uniq + per - 1) / per;
    const char *base = set && set->base_url ? set->base_url : source_kind_bodacc.default_url;
    struct kind_auto_source *v = nb ? vg_calloc(nb, sizeof(*v)) : NULL;
    int rc = nb && !v ? -1 : 0;
    for (size_t b = 0; v && b < nb; b++) {
        size_t from = b * per, k = uniq - from < per ? uniq - from : per;
        if (batch_source(base, sirens + from, k, b + 1, &v[b]) < 0) {
            kind_auto_sources_free(v, nb);
            v = NULL;
            rc = -1;
        }
    }
    vg_free(sirens);
    if (rc == 0) {
        *out = v;
        *n = nb;
    }
    return rc;
}

const struct source_kind source_kind_bodacc = {
    .name = "bodacc",
    .accept = "application/json",
    .check_options = bodacc_check_options,
    .parse = bodacc_parse,
    .auto_sources = bodacc_auto_sources,
    .show = NULL, /* a bodacc source keeps nothing between polls: every announcement is an item */
    .default_url = "https://bodacc-datadila.opendatasoft.com",
    .budget_limit = 5,
    .budget_window_ms = 1000,
    .default_interval_ms = 6LL * 3600 * 1000,
    .default_batch = 50,
};
