/* cmd_accounts_lookup — `vigie accounts lookup "NAME"`: the French register's search (API
 * Recherche d'entreprises, [sources] fr_company_url) for a company name, printed one candidate
 * a line with its SIREN, so a user can fill an account's identifiers. One request, on an event
 * loop of its own, through the project's HTTP client ([fetch] timeouts, user agent and
 * allow_private apply). */
#include "daemon/commands.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "fetchers/fr_company.h"
#include "http/fetch_http.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LOOKUP_RESULTS 10

struct lookup {
    struct event_base *base;
    int done;
    long status;
    long retry_after;
    int retry_given;
    enum fetch_error error;
    char reason[300];
    char *body;
    size_t len;
};

static void on_answer(struct fetch_response *resp, void *arg)
{
    struct lookup *l = arg;
    l->done = 1;
    l->status = resp->status;
    l->error = resp->error;
    l->retry_after = resp->retry_after_s;
    l->retry_given = resp->retry_after_given;
    snprintf(l->reason, sizeof(l->reason), "%s", resp->reason ? resp->reason : "");
    l->len = resp->body.len;
    l->body = vg_buf_steal(&resp->body);
    event_base_loopbreak(l->base);
}

static void url_encode(struct vg_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p))
            vg_buf_putc(b, (char)*p);
        else
            vg_buf_printf(b, "%%%02X", *p);
    }
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* One candidate a line: siren, name, city, NAF, headcount band, state. */
static int print_results(const char *name, const char *body, size_t len)
{
    cJSON *root = cJSON_ParseWithLength(body, len);
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(root, "results");
    if (!cJSON_IsArray(results)) {
        fprintf(stderr, "vigie accounts lookup: the register's answer is not a search result (%s)\n",
                root ? "no \"results\" list" : "not JSON");
        cJSON_Delete(root);
        return 1;
    }
    int n = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, results)
    {
        const char *siren = str(r, "siren");
        if (!cJSON_IsObject(r) || !siren || n >= LOOKUP_RESULTS)
            continue;
        const cJSON *siege = cJSON_GetObjectItemCaseSensitive(r, "siege");
        const char *nm = str(r, "nom_complet") ? str(r, "nom_complet") : str(r, "nom_raison_sociale");
        const char *city = str(siege, "libelle_commune"), *naf = str(r, "activite_principale");
        const char *band = str(r, "tranche_effectif_salarie"), *state = str(r, "etat_administratif");
        const char *label = frc_band_label(band);
        printf("%s  %s  |  %s  |  NAF %s  |  %s  |  %s\n", siren, nm ? nm : "?", city ? city : "?", naf ? naf : "?",
               label ? label : band ? band : "headcount unknown",
               state && strcmp(state, "C") == 0 ? "ceased" : "active");
        n++;
    }
    const cJSON *total = cJSON_GetObjectItemCaseSensitive(root, "total_results");
    if (!n)
        fprintf(stderr, "vigie accounts lookup: no company in the register for \"%s\"\n", name);
    else
        printf("%d shown of %lld found; put the right one in the account's identifiers (\"siren\": \"...\")\n", n,
               cJSON_IsNumber(total) ? (long long)total->valuedouble : (long long)n);
    cJSON_Delete(root);
    return n ? 0 : 1;
}

int cmd_accounts_lookup(const char *config, int argc, char **argv)
{
    if (argc != 1 || !argv[0][0]) {
        fputs("usage: vigie accounts [-c FILE] lookup \"COMPANY NAME\"   (candidate SIRENs from the French register)\n",
              stderr);
        return 2;
    }
    char err[512] = "";
    if (!config && access(VG_DEFAULT_CONFIG, F_OK) == 0)
        config = VG_DEFAULT_CONFIG;
    struct vg_config *cfg = vg_config_load(config, err, sizeof(err));
    if (!cfg) {
        fprintf(stderr, "vigie: %s\n", err);
        return 1;
    }
    struct vg_buf url;
    vg_buf_init(&url, 0);
    const char *base = cfg->src_fr_company_url;
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    vg_buf_append(&url, base, bl);
    vg_buf_puts(&url, "/search?q=");
    url_encode(&url, argv[0]);
    vg_buf_printf(&url, "&page=1&per_page=%d", LOOKUP_RESULTS);
    struct lookup l = {0};
    struct fetch_client *client = NULL;
    int rc = 1;
    struct fetch_config fc;
    fetch_config_defaults(&fc);
    fc.connect_timeout_ms = cfg->fetch_connect_timeout_ms;
    fc.total_timeout_ms = cfg->fetch_timeout_ms;
    fc.user_agent = cfg->src_user_agent[0] ? cfg->src_user_agent : cfg->fetch_user_agent;
    fc.allow_private = cfg->fetch_allow_private[0] ? cfg->fetch_allow_private : NULL;
    if (vg_buf_check(&url) < 0 || !(l.base = event_base_new()) ||
        !(client = fetch_client_new(l.base, &fc, err, sizeof(err)))) {
        fprintf(stderr, "vigie accounts lookup: %s\n", err[0] ? err : "out of memory");
        goto out;
    }
    struct fetch_request req = {.url = url.data, .accept = "application/json"};
    if (fetch_get(client, &req, on_answer, &l, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie accounts lookup: %s\n", err);
        goto out;
    }
    while (!l.done && event_base_dispatch(l.base) == 0)
        ;
    if (!l.done)
        fprintf(stderr, "vigie accounts lookup: the request stopped without an answer\n");
    else if (l.status == 429) {
        if (l.retry_given)
            fprintf(stderr,
                    "vigie accounts lookup: the register refused: too many requests (HTTP 429); it asks to wait "
                    "%ld s (Retry-After) before trying again\n",
                    l.retry_after);
        else
            fprintf(stderr, "vigie accounts lookup: the register refused: too many requests (HTTP 429); try again "
                            "in a few seconds\n");
    } else if (l.error != FETCH_OK)
        fprintf(stderr, "vigie accounts lookup: the register did not answer the search (%s: %s) at %s\n",
                fetch_error_name(l.error), l.reason, url.data);
    else
        rc = print_results(argv[0], l.body ? l.body : "", l.len);
out:
    fetch_client_free(client);
    if (l.base)
        event_base_free(l.base);
    vg_free(l.body);
    vg_buf_free(&url);
    vg_config_free(cfg);
    return rc;
}
