/* account_json_read — reads the JSON accounts file (an import, or the records stored in
 * Redis, which account_json.c writes), and enrich_accounts_parse, which tells JSON from CSV
 * (account_csv.c) by the first byte. Split from account.c: the JSON reader feeds the same field
 * setters as the CSV one, so a value means the same thing in both formats, and what is left
 * here is JSON's own: a type per value, and where in the text a bad account is, since cJSON
 * keeps no positions. Parsing stops at the first bad record and frees everything, so an import
 * is all or nothing. */
#include "enrich/account.h"
#include "enrich/account_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "util/vg_alloc.h"
#include "util/vg_json.h"

/* A JSON scalar where text is expected: strings as they are; whole numbers (an id of 42, a
 * SIREN of 552008443) printed as digits. Any other number would be stored as its "%.17g"
 * spelling, which no registry or CRM ever wrote: -1 with the reason. */
static int json_scalar(const cJSON *it, const char *key, char *buf, size_t bufl, const char **v,
                       size_t *n, char *why, size_t whylen)
{
    if (cJSON_IsString(it)) {
        *v = it->valuestring;
        *n = strlen(it->valuestring);
        return 0;
    }
    if (cJSON_IsNumber(it)) {
        double d = it->valuedouble;
        /* The range test comes first: converting a double beyond long long is undefined. */
        if (!(fabs(d) < 1e15) || d != floor(d)) {
            enrich_account_why(why, whylen,
                               "%.40s %.17g is not a whole number below 10^15; write it as a string", key, d);
            return -1;
        }
        snprintf(buf, bufl, "%lld", (long long)d);
        *v = buf;
        *n = strlen(buf);
        return 0;
    }
    enrich_account_why(why, whylen, "field '%.40s' has the wrong type", key);
    return -1;
}

static int json_field(struct enrich_account *a, const cJSON *it, char *why, size_t whylen)
{
    const char *key = it->string;
    char num[64];
    const char *v;
    size_t n;
    if (cJSON_IsNull(it))
        return 0;
    if (strcmp(key, "units") == 0)
        return enrich_account_units_json(a, it, why, whylen);
    if (strcmp(key, "identifiers") == 0) {
        if (!cJSON_IsObject(it)) {
            enrich_account_why(why, whylen, "identifiers must be an object {\"siren\": \"...\", ...}");
            return -1;
        }
        const cJSON *c;
        cJSON_ArrayForEach(c, it) {
            if (cJSON_IsNull(c))
                continue;
            if (!cJSON_IsString(c) && !cJSON_IsNumber(c)) {
                enrich_account_why(why, whylen, "identifier '%.40s' is not a string", c->string);
                return -1;
            }
            if (json_scalar(c, c->string, num, sizeof(num), &v, &n, why, whylen) < 0)
                return -1;
            char pair[ACCOUNT_MAX_VALUE_BYTES + 80];
            int pl = snprintf(pair, sizeof(pair), "%.64s=%.*s", c->string,
                              (int)(n > ACCOUNT_MAX_VALUE_BYTES ? ACCOUNT_MAX_VALUE_BYTES + 1 : n), v);
            if (enrich_account_add_identifier_pair(a, pair, (size_t)pl, why, whylen) < 0)
                return -1;
        }
        return 0;
    }
    char ***list;
    size_t *ln;
    int is_list = enrich_account_list_field(a, key, &list, &ln) || strcmp(key, "domains") == 0;
    if (cJSON_IsArray(it)) {
        if (!is_list) {
            enrich_account_why(why, whylen, "field '%.40s' cannot be a list", key);
            return -1;
        }
        const cJSON *c;
        cJSON_ArrayForEach(c, it) {
            if (!cJSON_IsString(c) && !cJSON_IsNumber(c)) {
                enrich_account_why(why, whylen, "%.40s must hold strings", key);
                return -1;
            }
            if (json_scalar(c, key, num, sizeof(num), &v, &n, why, whylen) < 0)
                return -1;
            if (enrich_account_add_value(a, key, v, n, why, whylen) < 0)
                return -1;
        }
        return 0;
    }
    /* CSV's '|'-separated cells have no place in JSON, where a list has its own syntax: a
     * string here is more likely a mistake than a list of one. */
    if (is_list) {
        enrich_account_why(why, whylen, "%.40s must be a list: [\"...\", \"...\"]", key);
        return -1;
    }
    double *numf = enrich_account_number_field(a, key);
    if (numf && cJSON_IsNumber(it)) {
        if (!isfinite(it->valuedouble)) {
            enrich_account_why(why, whylen, "%.40s is not a number", key);
            return -1;
        }
        *numf = it->valuedouble;
        return 0;
    }
    if (!cJSON_IsString(it) && !cJSON_IsNumber(it)) {
        enrich_account_why(why, whylen, "field '%.40s' has the wrong type", key);
        return -1;
    }
    if (json_scalar(it, key, num, sizeof(num), &v, &n, why, whylen) < 0)
        return -1;
    return enrich_account_set_field(a, key, v, n, why, whylen);
}

/* Line of a byte offset. */
static size_t line_of(const char *buf, size_t off)
{
    size_t line = 1;
    for (size_t i = 0; i < off; i++)
        line += buf[i] == '\n';
    return line;
}

/* Where in the text an account is, since cJSON keeps no positions: walks the array that
 * opens at buf[start], following strings and nesting. The walk can be resumed (struct jwalk
 * keeps where it is), so finding the line of every account of a file costs one pass. */
struct jwalk { size_t i; int depth, in_str, expect; size_t elem; };

/* Goes on from w->i and stops at the start of element number `want` (1-based) or at byte
 * `stop`, whichever comes first. w->elem is the element reached (0 before the first), the
 * return value the offset where the walk stopped. */
static size_t jwalk_run(struct jwalk *w, const char *buf, size_t len, size_t want, size_t stop)
{
    if (stop > len)
        stop = len;
    for (; w->i < stop; w->i++) {
        char c = buf[w->i];
        if (w->in_str) {
            if (c == '\\')
                w->i++;
            else if (c == '"')
                w->in_str = 0;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        if (w->depth == 1 && w->expect && c != ']') {
            w->expect = 0;
            if (++w->elem == want)
                return w->i;
        }
        if (c == '"')
            w->in_str = 1;
        else if (c == '[' || c == '{')
            w->expect = ++w->depth == 1;
        else if (c == ']' || c == '}')
            w->depth--;
        else if (c == ',' && w->depth == 1)
            w->expect = 1;
    }
    if (w->i > stop)
        w->i = stop;
    return stop;
}

static size_t json_walk(const char *buf, size_t len, size_t start, size_t want, size_t stop,
                        size_t *elem)
{
    struct jwalk w = {.i = start};
    size_t at = jwalk_run(&w, buf, len, want, stop);
    *elem = w.elem;
    return at;
}

static int parse_json(const char *buf, size_t len, size_t start, struct enrich_account_set **out,
                      char *err, size_t errlen)
{
    cJSON *root = vg_json_parse(buf + start, len - start);
    if (!root) {
        size_t eo = vg_json_error_offset();
        if (eo == (size_t)-1) {
            enrich_account_why(err, errlen, "out of memory");
            return -1;
        }
        /* A file written on one line would always say "line 1": the account and the column
         * say where to look. */
        size_t off = start + eo, elem, line = line_of(buf, off), col = 1;
        json_walk(buf, len, start, 0, off, &elem);
        while (col <= off && buf[off - col] != '\n')
            col++;
        if (elem)
            enrich_account_why(err, errlen, "line %zu: invalid JSON in account #%zu, column %zu", line, elem,
                               col);
        else
            enrich_account_why(err, errlen, "line %zu: invalid JSON, column %zu", line, col);
        return -1;
    }
    if (!cJSON_IsArray(root)) {
        enrich_account_why(err, errlen, "line %zu: expected a JSON array of accounts", line_of(buf, start));
        cJSON_Delete(root);
        return -1;
    }
    struct enrich_account_builder b = {0};
    struct enrich_account a = {0};
    char why[256];
    size_t idx = 0;
    /* Each account's line, for the checks made after the parse (enrich_accounts_check_groups). */
    struct jwalk lw = {.i = start};
    size_t line_at = 0, line = 1;
    const cJSON *obj;
    cJSON_ArrayForEach(obj, root) {
        idx++;
        size_t here = jwalk_run(&lw, buf, len, idx, len);
        for (; line_at < here; line_at++)
            line += buf[line_at] == '\n';
        const cJSON *idf = cJSON_GetObjectItemCaseSensitive(obj, "id");
        if (!cJSON_IsObject(obj)) {
            enrich_account_why(why, sizeof(why), "not an object");
            goto bad;
        }
        const cJSON *it;
        cJSON_ArrayForEach(it, obj) {
            /* "_comment" and other underscore keys are notes for humans. */
            if (it->string[0] == '_')
                continue;
            if (json_field(&a, it, why, sizeof(why)) < 0)
                goto bad;
        }
        if (enrich_account_finish(&a, why, sizeof(why)) < 0)
            goto bad;
        a.line = line;
        if (enrich_account_builder_add(&b, &a, why, sizeof(why)) < 0)
            goto bad;
        continue;
    bad:;
        size_t elem;
        size_t at = json_walk(buf, len, start, idx, len, &elem);
        enrich_account_why(err, errlen, "line %zu: account #%zu (id %.64s): %s", line_of(buf, at), idx,
                           a.id ? a.id : (cJSON_IsString(idf) ? idf->valuestring : "?"), why);
        goto fail;
    }
    cJSON_Delete(root);
    if (!b.set && !(b.set = vg_calloc(1, sizeof(*b.set)))) {
        enrich_account_why(err, errlen, "out of memory");
        return -1;
    }
    vg_free(b.slots);
    *out = b.set;
    return 0;
fail:
    enrich_account_clear(&a);
    enrich_account_builder_abort(&b);
    cJSON_Delete(root);
    return -1;
}

int enrich_accounts_parse(const char *buf, size_t len, struct enrich_account_set **out, char *err,
                          size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    *out = NULL;
    if (!buf)
        len = 0;
    size_t i = 0;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        i = 3;   /* a spreadsheet's byte-order mark */
    while (i < len && isspace((unsigned char)buf[i]))
        i++;
    if (i == len) {
        enrich_account_why(err, errlen, "line 1: empty input");
        return -1;
    }
    if (buf[i] == '[')
        return parse_json(buf, len, i, out, err, errlen);
    if (buf[i] == '{') {
        enrich_account_why(err, errlen, "line %zu: expected a JSON array of accounts, not one object",
                           line_of(buf, i));
        return -1;
    }
    return enrich_accounts_parse_csv(buf, len, out, err, errlen);
}
