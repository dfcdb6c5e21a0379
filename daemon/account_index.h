/* account_index — the key accounts parsed from the registry's JSON, looked up by id in
 * O(log n) (the sinks look up the account of every record). */
#ifndef ACCOUNT_INDEX_H
#define ACCOUNT_INDEX_H

#include <stddef.h>

struct enrich_account;
struct account_index;

/* NULL with err filled when the JSON does not parse. */
struct account_index *account_index_new(const char *json, size_t len, char *err, size_t errlen);
const struct enrich_account *account_index_find(const struct account_index *x, const char *id);
size_t account_index_count(const struct account_index *x);
/* The i-th account in id order, NULL past the end (a sink going through the registry). */
const struct enrich_account *account_index_at(const struct account_index *x, size_t i);
void account_index_free(struct account_index *x);

#endif
