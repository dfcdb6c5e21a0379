/* salesforce_config — the [sink.salesforce] options as one struct, read by the sink
 * (sink_salesforce.c, whose option table fills it), the login session (salesforce_auth.c) and
 * the key-account sync (salesforce_accounts.c), which `vigie accounts sync --from salesforce`
 * runs with the same section. */
#ifndef SALESFORCE_CONFIG_H
#define SALESFORCE_CONFIG_H

struct sf_config {
    /* Login. */
    char *auth;               /* "jwt" (OAuth 2.0 JWT bearer flow) or "token" (given) */
    char *instance_url;       /* token: https://NAME.my.salesforce.com */
    char *access_token;       /* token: sensitive */
    char *login_url;          /* jwt: https://login.salesforce.com, test.salesforce.com */
    char *token_url;          /* jwt: "" = <login_url>/services/oauth2/token */
    char *audience;           /* jwt: "" = login_url */
    char *client_id;          /* jwt: the connected app's consumer key (the JWT's iss) */
    char *username;           /* jwt: the integration user (the JWT's sub) */
    char *private_key;        /* jwt: PEM file of the key whose certificate the app holds */
    char *private_key_credential; /* jwt: or the name of a systemd credential holding it */
    long long token_lifetime_ms;  /* a token is renewed this long after it was issued */
    char *api_version;        /* "v60.0" */
    /* Mapping. */
    char *account_external_id; /* Account external id field: Vigie_Account_Id__c */
    char *contact_external_id; /* Contact external id field: Vigie_Contact_Key__c */
    char *task_external_id;    /* Task external id field: Vigie_Signal_Id__c */
    char *task_status;         /* Status of a new Task */
    /* Key-account sync. */
    char *key_account_field;   /* a checkbox on Account: Vigie_Key_Account__c */
    char *key_account_where;   /* a SOQL condition used instead, when set */
    char *map_revenue, *map_margin, *map_growth_potential, *map_strategic_fit, *map_image;
};

#endif
