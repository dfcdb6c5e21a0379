/* account_csv — the CSV form of the account list (header row, one account per record).
 *
 * What spreadsheets and CRM exports produce: RFC 4180 quoting (fields with commas, quotes or
 * line breaks in double quotes), LF or CRLF, an optional byte-order mark, and ',' or ';' or tab
 * as the delimiter (chosen from the header, since French Excel writes ';'). Columns carry the
 * JSON field names; list cells use '|'. Errors name the line where the bad record starts. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "util/vg_alloc.h"
#include "enrich/account.h"

#define MAX_COLUMNS 64

struct csv {
    const char *p, *end;
    size_t line;          /* line of the next byte */
    char delim;
    char *field;          /* current field, unquoted */
    size_t flen, fcap;
};

static int field_put(struct csv *c, char ch)
{
    if (c->flen + 1 >= c->fcap) {
        size_t nc = c->fcap ? c->fcap * 2 : 256;
        char *nf = vg_realloc(c->field, nc);
        if (!nf)
            return -1;
        c->field = nf;
        c->fcap = nc;
    }
    c->field[c->flen++] = ch;
    c->field[c->flen] = '\0';
    return 0;
}

/* Reads one field. Returns 1 when the record goes on, 0 at its end, -1 on error. */
static int next_field(struct csv *c, const char **why)
{
    c->flen = 0;
    if (field_put(c, 0) < 0)   /* make sure `field` exists and is NUL-terminated */
        goto oom;
    c->flen = 0;
    int quoted = 0;
    /* Blanks before an opening quote are tolerated (", \"a\""). */
    const char *q = c->p;
    while (q < c->end && (*q == ' ' || *q == '\t') && *q != c->delim)
        q++;
    if (q < c->end && *q == '"') {
        quoted = 1;
        c->p = q + 1;
    }
    while (c->p < c->end) {
        char ch = *c->p++;
        if (quoted) {
            if (ch == '"') {
                if (c->p < c->end && *c->p == '"') {
                    c->p++;
                    if (field_put(c, '"') < 0)
                        goto oom;
                    continue;
                }
                quoted = 0;
                /* After the closing quote only blanks may come before the delimiter. */
                while (c->p < c->end && (*c->p == ' ' || *c->p == '\t') && *c->p != c->delim)
                    c->p++;
                if (c->p < c->end && *c->p != c->delim && *c->p != '\n' && *c->p != '\r') {
                    *why = "text after a closing quote";
                    return -1;
                }
                continue;
            }
            if (ch == '\n')
                c->line++;
            if (field_put(c, ch) < 0)
                goto oom;
            continue;
        }
        if (ch == c->delim)
            return 1;
        if (ch == '\r') {
            if (c->p < c->end && *c->p == '\n')
                c->p++;
            c->line++;
            return 0;
        }
        if (ch == '\n') {
            c->line++;
            return 0;
        }
        if (ch == '"') {
            *why = "quote inside an unquoted field";
            return -1;
        }
        if (field_put(c, ch) < 0)
            goto oom;
    }
    if (quoted) {
        *why = "unterminated quoted field";
        return -1;
    }
    return 0;
oom:
    *why = "out of memory";
    return -1;
}

/* Delimiter: the most frequent of ',', ';' and tab on the header line, outside quotes. */
static char sniff_delim(const char *p, const char *end)
{
    size_t comma = 0, semi = 0, tab = 0;
    int q = 0;
    for (; p < end && (q || (*p != '\n' && *p != '\r')); p++) {
        if (*p == '"')
            q = !q;
        else if (!q)
            comma += *p == ',', semi += *p == ';', tab += *p == '\t';
    }
    if (semi > comma && semi >= tab)
        return ';';
    if (tab > comma && tab > semi)
        return '\t';
    return ',';
}

static int known_column(const char *name)
{
    static const char *const cols[] = {
        "id", "name", "aliases", "domains", "country", "identifiers", "owner", "tier", "revenue",
        "margin", "growth_potential", "strategic_fit", "image", "crm_id", "context_keywords",
        "negative_keywords", "retired", "owner_email", "owner_slack", "owner_timezone", "owner_digest",
        "parent_id", "units",
    };
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        if (strcmp(name, cols[i]) == 0)
            return 1;
    return enrich_account_is_identifier_key(name);
}

int enrich_accounts_parse_csv(const char *buf, size_t len, struct enrich_account_set **out,
                              char *err, size_t errlen)
{
    struct csv c = {.p = buf, .end = buf + len, .line = 1};
    char *cols[MAX_COLUMNS] = {0};
    size_t ncols = 0;
    struct enrich_account_builder b = {0};
    struct enrich_account a = {0};
    const char *why = NULL;
    char reason[256];
    size_t rec_line = 1;
    int rc = -1, more;

    *out = NULL;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        c.p += 3;
    /* Blank lines before the header. */
    while (c.p < c.end && (*c.p == '\n' || *c.p == '\r' || *c.p == ' ' || *c.p == '\t')) {
        if (*c.p == '\n')
            c.line++;
        c.p++;
    }
    c.delim = sniff_delim(c.p, c.end);
    rec_line = c.line;
    int has_id = 0, has_name = 0;
    do {
        if ((more = next_field(&c, &why)) < 0)
            goto bad;
        if (ncols == MAX_COLUMNS) {
            why = "too many columns";
            goto bad;
        }
        /* Column names are matched case-insensitively, blanks trimmed. */
        const char *f = c.field;
        size_t fl = c.flen;
        while (fl && isspace((unsigned char)*f))
            f++, fl--;
        while (fl && isspace((unsigned char)f[fl - 1]))
            fl--;
        if (!(cols[ncols] = vg_strndup(f, fl))) {
            why = "out of memory";
            goto bad;
        }
        for (char *p = cols[ncols]; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (!known_column(cols[ncols])) {
            snprintf(reason, sizeof(reason), "unknown column '%.40s'", cols[ncols]);
            why = reason;
            ncols++;
            goto bad;
        }
        for (size_t k = 0; k < ncols; k++)
            if (strcmp(cols[k], cols[ncols]) == 0) {
                snprintf(reason, sizeof(reason), "column '%.40s' appears twice", cols[ncols]);
                why = reason;
                ncols++;
                goto bad;
            }
        has_id |= strcmp(cols[ncols], "id") == 0;
        has_name |= strcmp(cols[ncols], "name") == 0;
        ncols++;
    } while (more);
    if (!has_id || !has_name) {
        why = !has_id ? "header has no 'id' column" : "header has no 'name' column";
        goto bad;
    }

    while (c.p < c.end) {
        rec_line = c.line;
        size_t col = 0;
        int blank = 1;
        do {
            if ((more = next_field(&c, &why)) < 0)
                goto bad;
            for (size_t k = 0; k < c.flen && blank; k++)
                blank = isspace((unsigned char)c.field[k]);
            if (col < ncols && c.flen &&
                enrich_account_set_field(&a, cols[col], c.field, c.flen, reason, sizeof(reason)) < 0) {
                why = reason;
                goto bad;
            }
            col++;
        } while (more);
        if (blank && col <= ncols) {
            enrich_account_clear(&a);   /* an empty line, or a row of empty cells */
            continue;
        }
        if (col != ncols) {
            snprintf(reason, sizeof(reason), "expected %zu fields, found %zu", ncols, col);
            why = reason;
            goto bad;
        }
        a.line = rec_line;
        if (enrich_account_finish(&a, reason, sizeof(reason)) < 0 ||
            enrich_account_builder_add(&b, &a, reason, sizeof(reason)) < 0) {
            why = reason;
            goto bad;
        }
    }
    if (!b.set && !(b.set = vg_calloc(1, sizeof(*b.set)))) {
        why = "out of memory";
        goto bad;
    }
    *out = b.set;
    vg_free(b.slots);
    b.set = NULL;
    b.slots = NULL;
    rc = 0;
    goto done;
bad:
    if (err && errlen)
        snprintf(err, errlen, "line %zu: %s", rec_line, why ? why : "bad record");
    enrich_account_builder_abort(&b);
done:
    enrich_account_clear(&a);
    for (size_t k = 0; k < ncols; k++)
        vg_free(cols[k]);
    vg_free(c.field);
    return rc;
}
