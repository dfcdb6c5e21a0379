/* tool_salesforce_sync — runs sf_accounts_sync (sinks/salesforce_accounts.h) on an event loop
 * with its own HTTP client, as `vigie accounts sync --from salesforce` will, and prints what it
 * got: {"accounts": [...], "warnings": [...]} on stdout, or the error on stderr (exit 1).
 *
 * usage: tool_salesforce_sync TOKEN_URL CLIENT_ID USERNAME KEY_PEM [OPTION=VALUE...]
 *   options: key_account_where, map_revenue, map_margin, map_growth_potential,
 *            map_strategic_fit, map_image, api_version
 * Loopback is allowed (the stand-in). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "http/fetch_http.h"
#include "sinks/salesforce_accounts.h"

struct run {
    struct event_base *base;
    int rc;
};

static int send_fetch(void *t, const struct fetch_request *req, fetch_done_cb cb, void *arg,
                      char *err, size_t errlen)
{
    return fetch_send(t, req, cb, arg, err, errlen);
}

static void done(void *arg, cJSON *accounts, cJSON *warnings, const char *err)
{
    struct run *r = arg;
    if (err) {
        fprintf(stderr, "sync failed: %s\n", err);
        r->rc = 1;
    } else {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "accounts", accounts);
        cJSON_AddItemToObject(o, "warnings", warnings);
        char *s = cJSON_PrintUnformatted(o);
        printf("%s\n", s);
        cJSON_free(s);
        cJSON_Delete(o);
        r->rc = 0;
    }
    event_base_loopbreak(r->base);
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: tool_salesforce_sync TOKEN_URL CLIENT_ID USERNAME KEY_PEM [OPTION=VALUE...]\n");
        return 2;
    }
    struct sf_config c = {
        .auth = "jwt", .token_url = argv[1], .client_id = argv[2], .username = argv[3],
        .private_key = argv[4], .login_url = "https://login.salesforce.com",
        .token_lifetime_ms = 30 * 60 * 1000, .api_version = "v60.0",
        .account_external_id = "Vigie_Account_Id__c", .key_account_field = "Vigie_Key_Account__c",
    };
    struct { const char *name; char **field; } opts[] = {
        {"key_account_where", &c.key_account_where}, {"map_revenue", &c.map_revenue},
        {"map_margin", &c.map_margin}, {"map_growth_potential", &c.map_growth_potential},
        {"map_strategic_fit", &c.map_strategic_fit}, {"map_image", &c.map_image},
        {"api_version", &c.api_version},
    };
    for (int i = 5; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        size_t k = 0, n = sizeof(opts) / sizeof(opts[0]);
        for (; eq && k < n; k++)
            if (strlen(opts[k].name) == (size_t)(eq - argv[i]) && strncmp(argv[i], opts[k].name, (size_t)(eq - argv[i])) == 0)
                break;
        if (!eq || k == n) {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
        *opts[k].field = eq + 1;
    }
    struct run r = {.base = event_base_new(), .rc = 1};
    struct fetch_config fc;
    fetch_config_defaults(&fc);
    fc.allow_private = "127.0.0.0/8";
    fc.per_host_delay_ms = 0;
    char err[512];
    struct fetch_client *http = fetch_client_new(r.base, &fc, err, sizeof(err));
    if (!http) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    struct sf_transport t = {.send = send_fetch, .t = http};
    if (sf_accounts_sync(&c, &t, done, &r, err, sizeof(err)) < 0) {
        fprintf(stderr, "sync refused: %s\n", err);
        r.rc = 1;
    } else {
        event_base_dispatch(r.base);
    }
    fetch_client_free(http);
    event_base_free(r.base);
    return r.rc;
}
