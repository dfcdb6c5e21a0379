/* salesforce_accounts — key accounts read from Salesforce, as vigie accounts: what
 * `vigie accounts sync --from salesforce` imports.
 *
 * One SOQL query, SELECT Id, Name, Website, OwnerId, Owner.Email, <account external id>,
 * <mapped KAM fields> FROM Account WHERE <key_account_field> = true (or key_account_where),
 * read page by page through nextRecordsUrl until done. Each record becomes a vigie account
 * (docs/design.md, Account): id = its vigie id (the external id field) when set, else
 * "sf-<Id>"; name; domains from Website's host; owner = the owner's e-mail; crm_id = the
 * record's Id (so the sink then refers to it by Id and never creates a second Account);
 * identifiers.salesforce_owner_id = OwnerId (so Tasks go to the account's owner); tier "key";
 * revenue, margin, growth_potential, strategic_fit, image from the fields map_* name.
 *
 * The list is whole or nothing: a page that fails fails the sync, so an importer that retires
 * the accounts no longer listed never retires on half an answer. A value vigie cannot use (a
 * Website that is no domain, a KAM field that is no number) is left out with a warning rather
 * than failing the sync. */
#ifndef SALESFORCE_ACCOUNTS_H
#define SALESFORCE_ACCOUNTS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "sinks/salesforce_auth.h"
#include "sinks/salesforce_config.h"

/* Called once: accounts (a JSON array of account objects, as `vigie accounts import` reads
 * them) and warnings (a JSON array of strings), both owned by the callee; or both NULL and
 * err set. The sync has freed itself by then. */
typedef void (*sf_sync_done)(void *arg, cJSON *accounts, cJSON *warnings, const char *err);

/* Starts the sync: logs in (its own session, from c), queries, pages. c and t must outlive it.
 * 0 (done will run, from the event loop), or -1 with err (done will not run). */
int sf_accounts_sync(const struct sf_config *c, const struct sf_transport *t, sf_sync_done done,
                     void *arg, char *err, size_t errlen);

/* ---- pure parts, exposed for tests ------------------------------------------------------ */

/* The query, checked: field names must be API names (letters, digits, underscores; one dot
 * for a relationship). New string, or NULL with err. */
char *sf_accounts_soql(const struct sf_config *c, char *err, size_t errlen);
/* Reads one page of query results: appends the accounts to `accounts`, notes in `warnings`,
 * and sets *next to the nextRecordsUrl path (new string) or NULL when done. `seen` is an
 * object of the ids given so far (so an id is never given twice). 0, or -1 with err. */
int sf_accounts_page(const struct sf_config *c, const char *body, size_t len, cJSON *accounts,
                     cJSON *warnings, cJSON *seen, char **next, char *err, size_t errlen);

#endif
