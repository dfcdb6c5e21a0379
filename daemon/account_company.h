/* account_company — what an account's company sources know of it, for `vigie accounts show`:
 * every source tied to the account whose kind has a `show` (fetchers/kind.h), with the kind's
 * lines about what it keeps (the register's firmographics and directors for fr_company, the
 * job boards' series for jobs). */
#ifndef VG_ACCOUNT_COMPANY_H
#define VG_ACCOUNT_COMPANY_H

struct cJSON;
struct queue_sync;

/* Adds "company_sources": [{"id", "kind", "lines": [...], "last_error"?}] to o when the account
 * has such a source (nothing otherwise). 0, or -1 with err (Redis, memory). */
#include <stddef.h>

int account_company_sources(struct queue_sync *q, const char *account_id, struct cJSON *o, char *err, size_t errlen);

#endif
