/* kind_fr_company — the `fr_company` source kind: one company of the French register (API
 * Recherche d'entreprises, REFERENCE.md C.1), read by its SIREN at every poll. The source
 * keeps the company's snapshot (fr_company.h) in watch_text; a poll compares the new one with
 * it and gives one structured item per change (fr_company_diff.c). docs/design.md
 * "### fr_company" says what each change gives.
 *
 * Options: {"siren": "552081317"} (required: the answer holds several companies at times, and
 * the source reads the one with that siren). */
#include "enrich/account.h"
#include "fetchers/feed.h"
#include "fetchers/fr_company.h"
#include "fetchers/kind.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

/* The query for one SIREN: the head office, directors and finances without the rest of the
 * default answer (matching establishments, complements), a few results so that the company
 * is found even when another one mentions its number. */
#define QUERY "/search?q=%s&minimal=true&include=siege,dirigeants,finances&page=1&per_page=5"

static int read_siren(const char *options, char siren[10], char *err, size_t errlen)
{
    cJSON *o = options ? cJSON_Parse(options) : NULL;
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "siren");
    int rc = cJSON_IsString(s) && frc_siren_norm(s->valuestring, siren) == 0 ? 0 : -1;
    if (rc < 0)
        snprintf(err, errlen, "an fr_company source needs {\"siren\": \"<9 digits>\"} in its options");
    cJSON_Delete(o);
    return rc;
}

static int frc_check_options(const char *options, char *err, size_t errlen)
{
    char siren[10];
    return read_siren(options, siren, err, errlen);
}

static int frc_parse(const struct kind_input *in, struct kind_output *out, char *err, size_t errlen)
{
    char siren[10];
    if (read_siren(in->options, siren, err, errlen) < 0) {
        out->error_kind = "options";
        return -1;
    }
    cJSON *cur = NULL;
    int rc = frc_snapshot(in->body, in->len, siren, &cur, &out->error_kind, err, errlen);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        /* Gone from the register's search (made non-diffusible, or a wrong siren): nothing to
         * compare, and a failure the source's status shows; the previous snapshot stays. */
        out->error_kind = "not_found";
        snprintf(err, errlen, "siren %s not found in the register", siren);
        return -1;
    }
    /* A previous snapshot that cannot be read, or of another company (the siren corrected),
     * is as good as none: a first poll again. */
    cJSON *prev = in->watch_text ? cJSON_Parse(in->watch_text) : NULL;
    const cJSON *psiren = cJSON_GetObjectItemCaseSensitive(prev, "siren");
    if (prev && !(cJSON_IsString(psiren) && strcmp(psiren->valuestring, siren) == 0)) {
        cJSON_Delete(prev);
        prev = NULL;
    }
    out->doc = feed_doc_new(FEED_FORMAT_UNKNOWN);
    char *keep = cJSON_PrintUnformatted(cur);
    rc = -1;
    if (out->doc && keep && frc_diff(prev, cur, in->now, out->doc) == 0 && (out->watch_text = vg_strdup(keep)))
        rc = 0;
    else {
        out->error_kind = "internal";
        snprintf(err, errlen, "out of memory");
    }
    cJSON_free(keep);
    cJSON_Delete(prev);
    cJSON_Delete(cur);
    return rc;
}

static int frc_auto_sources(const struct enrich_account_set *accounts, const struct kind_auto_settings *set,
                            struct kind_auto_source **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    for (size_t i = 0; accounts && i < accounts->n; i++) {
        const struct enrich_account *a = &accounts->v[i];
        const char *s = enrich_account_identifier(a, "siren");
        char siren[10];
        if (a->retired || !s || frc_siren_norm(s, siren) < 0)
            continue;
        char *options = vg_asprintf("{\"siren\":\"%s\"}", siren);
        if (!options || kind_auto_push(out, n, vg_asprintf("fr_company:%s", a->id),
                                       vg_asprintf("%s" QUERY, set->base_url, siren), a->id, options) < 0)
            return kind_auto_fail(out, n);
    }
    return 0;
}

static const char *snap_str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void put_eur(struct vg_buf *b, double v)
{
    char digits[32];
    snprintf(digits, sizeof(digits), "%.0f", v < 0 ? -v : v);
    size_t n = strlen(digits);
    if (v < 0)
        vg_buf_putc(b, '-');
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            vg_buf_putc(b, ',');
        vg_buf_putc(b, digits[i]);
    }
    vg_buf_puts(b, " EUR");
}

static int frc_show(const char *watch_text, struct vg_buf *out)
{
    cJSON *s = watch_text ? cJSON_Parse(watch_text) : NULL;
    const char *siren = snap_str(s, "siren");
    if (!siren) {
        cJSON_Delete(s);
        return -1;
    }
    const char *name = snap_str(s, "name"), *naf = snap_str(s, "naf"), *hc = snap_str(s, "headcount"),
               *hy = snap_str(s, "headcount_year"), *created = snap_str(s, "created"),
               *state = snap_str(s, "state"), *closed = snap_str(s, "closed");
    vg_buf_printf(out, "  legal name: %s (siren %s)\n", name ? name : "?", siren);
    if (naf)
        vg_buf_printf(out, "  activity (NAF): %s\n", naf);
    if (hc)
        vg_buf_printf(out, "  headcount: %s%s%s%s\n", frc_band_label(hc) ? frc_band_label(hc) : hc, hy ? " (" : "",
                      hy ? hy : "", hy ? ")" : "");
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(s, "office");
    const char *addr = snap_str(o, "address"), *city = snap_str(o, "city"), *siret = snap_str(o, "siret");
    if (addr && city && strstr(addr, city))
        city = NULL; /* the register's address ends with its city already */
    if (addr || city)
        vg_buf_printf(out, "  head office: %s%s%s%s%s%s\n", addr ? addr : "", addr && city ? ", " : "",
                      city ? city : "", siret ? " (siret " : "", siret ? siret : "", siret ? ")" : "");
    const cJSON *est = cJSON_GetObjectItemCaseSensitive(s, "establishments");
    if (cJSON_IsNumber(est))
        vg_buf_printf(out, "  open establishments: %d\n", est->valueint);
    if (created)
        vg_buf_printf(out, "  created: %s\n", created);
    vg_buf_printf(out, "  state: %s%s%s\n", state && strcmp(state, "C") == 0 ? "ceased" : "active",
                  closed ? " since " : "", closed ? closed : "");
    const cJSON *y;
    cJSON_ArrayForEach(y, cJSON_GetObjectItemCaseSensitive(s, "finances"))
    {
        const cJSON *ca = cJSON_GetArrayItem(y, 0), *rn = cJSON_GetArrayItem(y, 1);
        vg_buf_printf(out, "  %s: revenue ", y->string);
        if (cJSON_IsNumber(ca))
            put_eur(out, ca->valuedouble);
        else
            vg_buf_puts(out, "n/a");
        if (cJSON_IsNumber(rn)) {
            vg_buf_puts(out, ", net result ");
            put_eur(out, rn->valuedouble);
        }
        vg_buf_putc(out, '\n');
    }
    const cJSON *d;
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(s, "directors"))
    {
        const char *n = snap_str(d, "name"), *r = snap_str(d, "role");
        vg_buf_printf(out, "  director: %s%s%s\n", n ? n : "?", r ? ", " : "", r ? r : "");
    }
    cJSON_Delete(s);
    return vg_buf_check(out);
}

const struct source_kind source_kind_fr_company = {
    .name = "fr_company",
    .accept = "application/json",
    .check_options = frc_check_options,
    .parse = frc_parse,
    .auto_sources = frc_auto_sources,
    .show = frc_show,
    .default_url = "https://recherche-entreprises.api.gouv.fr",
    .budget_limit = 7,
    .budget_window_ms = 1000,
    .default_interval_ms = 86400LL * 1000,
};
