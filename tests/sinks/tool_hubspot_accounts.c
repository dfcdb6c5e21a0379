/* tool_hubspot_accounts — lists HubSpot's key accounts (sinks/hubspot_accounts.h) for
 * test_hubspot_accounts.py, as `vigie accounts sync --from hubspot` will.
 *
 * Usage: tool_hubspot_accounts BASE_URL TOKEN [NAME=VALUE...]
 * NAME is a [sink.hubspot] field: api_version, key_account_property, account_id_property,
 * map_revenue, map_margin, map_growth_potential, map_strategic_fit, map_image. Loopback is
 * allowed (the stand-in). Prints the accounts as one JSON array on stdout; exit 1 with the
 * error on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/fetch_http.h"
#include "sinks/hubspot_accounts.h"
#include "util/vg_log.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s BASE_URL TOKEN [NAME=VALUE...]\n", argv[0]);
        return 2;
    }
    vg_log_setup(VG_LOG_INFO, VG_LOG_TEXT);
    struct hubspot_config c = {0};
    c.base_url = argv[1];
    c.token = argv[2];
    c.api_version = "2026-03";
    c.key_account_property = "vigie_key_account";
    c.account_id_property = "";
    c.map_revenue = c.map_margin = c.map_growth_potential = c.map_strategic_fit = c.map_image = "";
    struct { const char *name; char **field; } fields[] = {
        {"api_version", &c.api_version},
        {"key_account_property", &c.key_account_property},
        {"account_id_property", &c.account_id_property},
        {"map_revenue", &c.map_revenue},
        {"map_margin", &c.map_margin},
        {"map_growth_potential", &c.map_growth_potential},
        {"map_strategic_fit", &c.map_strategic_fit},
        {"map_image", &c.map_image},
    };
    for (int i = 3; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        size_t k = 0;
        for (; eq && k < sizeof fields / sizeof fields[0]; k++)
            if (strlen(fields[k].name) == (size_t)(eq - argv[i]) && strncmp(fields[k].name, argv[i], eq - argv[i]) == 0)
                break;
        if (!eq || k == sizeof fields / sizeof fields[0]) {
            fprintf(stderr, "unknown setting: %s\n", argv[i]);
            return 2;
        }
        *fields[k].field = eq + 1;
    }
    struct fetch_config fc;
    fetch_config_defaults(&fc);
    fc.allow_private = "127.0.0.0/8";
    fc.per_host_delay_ms = 0;
    char err[512];
    cJSON *accounts = hubspot_accounts_fetch(&c, &fc, err, sizeof err);
    if (!accounts) {
        fprintf(stderr, "error: %s\n", err);
        return 1;
    }
    char *txt = cJSON_PrintUnformatted(accounts);
    printf("%s\n", txt ? txt : "null");
    cJSON_free(txt);
    cJSON_Delete(accounts);
    return 0;
}
