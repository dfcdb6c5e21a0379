/* account_json — an account back to JSON (the form stored in Redis and shown by
 * `vigie accounts show`); enrich_accounts_parse reads it back unchanged. */
#ifndef ENRICH_ACCOUNT_JSON_H
#define ENRICH_ACCOUNT_JSON_H

#include "enrich/account.h"

/* One JSON object on one line; caller frees with vg_free. NULL on allocation failure. */
char *enrich_account_to_json(const struct enrich_account *a);

#endif
