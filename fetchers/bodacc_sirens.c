/* bodacc_sirens — the SIRENs a bodacc source asks for: read from its options, and the test
 * that keeps an announcement only when it concerns one of them (bodacc.h). */
#include "fetchers/bodacc.h"
#include "util/vg_alloc.h"
#include "util/vg_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bodacc_siren_digits(const char *s, size_t n, char out[BODACC_SIREN_LEN + 1])
{
    size_t d = 0;
    for (size_t i = 0; i < n && s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= '0' && c <= '9') {
            if (d == BODACC_SIREN_LEN)
                return -1;
            out[d++] = (char)c;
        } else if (c == ' ' || c == '\t') {
            continue;
        } else if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] == 0xa0) {
            i++; /* no-break space */
        } else if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 && (unsigned char)s[i + 2] == 0xaf) {
            i += 2; /* narrow no-break space */
        } else {
            return -1;
        }
    }
    out[d] = '\0';
    return d == BODACC_SIREN_LEN ? 0 : -1;
}

static int cmp_siren(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

int bodacc_sirens_read(const char *options, struct bodacc_sirens *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    cJSON *root = options ? vg_json_parse(options, strlen(options)) : NULL;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "sirens");
    int rc = -1;
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0) {
        snprintf(err, errlen, "a bodacc source needs its companies in its options: {\"sirens\": [\"552081317\", ...]}");
        goto done;
    }
    size_t n = (size_t)cJSON_GetArraySize(list);
    if (n > BODACC_MAX_SIRENS) {
        snprintf(err, errlen, "a bodacc source asks for at most %d sirens (%zu given)", BODACC_MAX_SIRENS, n);
        goto done;
    }
    if (!(out->v = vg_calloc(n, sizeof(*out->v)))) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, list)
    {
        if (!cJSON_IsString(e) || bodacc_siren_digits(e->valuestring, strlen(e->valuestring), out->v[i]) < 0) {
            snprintf(err, errlen, "sirens[%zu] is not a SIREN (9 digits, spaces allowed)", i);
            goto done;
        }
        i++;
    }
    qsort(out->v, n, sizeof(*out->v), cmp_siren);
    out->n = n;
    rc = 0;
done:
    if (rc < 0)
        bodacc_sirens_free(out);
    cJSON_Delete(root);
    return rc;
}

void bodacc_sirens_free(struct bodacc_sirens *s)
{
    vg_free(s->v);
    s->v = NULL;
    s->n = 0;
}

int bodacc_sirens_has(const struct bodacc_sirens *s, const char *siren)
{
    return s->n && bsearch(siren, s->v, s->n, sizeof(*s->v), cmp_siren) != NULL;
}
