/* hubspot_config — the [sink.hubspot] settings, shared by the sink (sink_hubspot.c), the pure
 * payload builders (hubspot_payload.c) and the key-account listing (hubspot_accounts.c).
 *
 * The fields are filled from sink_hubspot's option table (strings owned by the configuration,
 * secrets already resolved from env:/file:/credential:). Booleans are long long, as the option
 * table stores them. */
#ifndef HUBSPOT_CONFIG_H
#define HUBSPOT_CONFIG_H

struct hubspot_config {
    char *token;               /* private-app token or service key (Bearer) */
    char *base_url;            /* https://api.hubapi.com, without a trailing slash needed */
    char *api_version;         /* "2026-03" (date-based paths) or "v3" (legacy paths) */
    char *company_id_property; /* how a company is found: "domain" (default), or a property */
    char *activity;            /* "note" or "task" */
    long long create_properties; /* create vigie's custom properties when missing */
    long long company_refresh_ms; /* while batches are full, a company's properties are written at
                                     most this often (0: with every batch) */

    /* The properties vigie writes (companies, then contacts). */
    char *prop_heat;
    char *prop_last_type;
    char *prop_last_date;
    char *prop_signals_90d;
    char *prop_contact_key;    /* unique: the contact's id in vigie (account + name) */
    char *prop_role_norm;
    char *prop_seniority;
    char *prop_source_url;

    /* Key-account sync (vigie accounts sync --from hubspot). */
    char *key_account_property; /* a boolean company property: true marks a key account */
    char *account_id_property;  /* "" : account ids are "hubspot-<company id>" */
    char *map_revenue;          /* company properties read into the KAM fields; "" : none */
    char *map_margin;
    char *map_growth_potential;
    char *map_strategic_fit;
    char *map_image;
};

#endif
