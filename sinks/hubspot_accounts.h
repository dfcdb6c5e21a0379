/* hubspot_accounts — the companies HubSpot marks as key accounts, as vigie accounts: what
 * `vigie accounts sync --from hubspot` imports.
 *
 * A company is a key account when its checkbox property key_account_property
 * ([sink.hubspot], default vigie_key_account) is true. They are listed through the CRM search
 * API, 200 a page, at most 4 requests a second (under the search API's own 5), sorted by record
 * id; past the 10,000 results one search may page through, the search starts again from the
 * last id seen (hs_object_id > last), so any number is listed. Owners' ids become e-mails
 * through the owners API (without the crm.objects.owners.read scope accounts come without
 * owner, and a warning says so).
 *
 * Each company becomes an account object (docs/design.md "Account"): id (the value of
 * account_id_property, else "hubspot-<company id>"), name, domains (the company's domain),
 * owner (the owner's e-mail), crm_id (the company id), tier "key", and revenue, margin,
 * growth_potential, strategic_fit, image from the properties map_* name (numbers; a value
 * that is not a number is left out). Retiring the accounts no longer listed is the caller's. */
#ifndef HUBSPOT_ACCOUNTS_H
#define HUBSPOT_ACCOUNTS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "sinks/hubspot_config.h"

struct event_base;
struct fetch_client;
struct fetch_config;

/* Called once: accounts (a JSON array the callee owns) or NULL with err. */
typedef void (*hubspot_accounts_cb)(void *arg, cJSON *accounts, const char *err);

/* Lists the key accounts on the caller's loop and client (base and client outlive the call;
 * cfg too). 0 when started (cb runs later, exactly once), -1 with err. */
int hubspot_accounts_list(struct event_base *base, struct fetch_client *client, const struct hubspot_config *cfg,
                          hubspot_accounts_cb cb, void *arg, char *err, size_t errlen);

/* The same, synchronously, on a loop and client of its own made from fcfg (the caller sets
 * allow_private for a stand-in, timeouts): for the command line. The array, or NULL with
 * err. */
cJSON *hubspot_accounts_fetch(const struct hubspot_config *cfg, const struct fetch_config *fcfg, char *err,
                              size_t errlen);

/* One search page's results as accounts appended to `out`; owners maps owner ids to e-mails
 * (an object, or NULL). What it appends `vigie accounts import` takes: companies that cannot
 * be accounts (an id that is not a number; an account id with blanks, control characters or
 * invalid UTF-8, or another account's) are skipped with a warning, a company already in `out`
 * (met again on a later page) is not given twice, and a name, domain or owner's e-mail the
 * import would refuse is cleaned or left out. *last_id: the largest company id seen. Pure; 0,
 * or -1 on OOM. */
int hubspot_accounts_from_page(const struct hubspot_config *cfg, const cJSON *page, const cJSON *owners,
                               cJSON *out, long long *last_id);
/* One page of the owners API ({"results":[{"id":"12","email":"a@b.example"}], "paging"...})
 * into owners, an object of owner id -> e-mail (an id already there keeps its e-mail). Pure;
 * 0, or -1 on OOM. */
int hubspot_owners_from_page(const cJSON *page, cJSON *owners);

#endif
