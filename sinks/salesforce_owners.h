/* salesforce_owners — the Salesforce User behind an account owner's e-mail address.
 *
 * A Task goes to its account's owner. An account synced from Salesforce carries the owner's
 * User Id; an account imported from a file names its owner by e-mail, which Salesforce's
 * OwnerId does not take. Before a batch's Tasks go, the sink asks Salesforce once for the
 * active Users with the e-mails it does not know yet (one SOQL query of up to
 * SF_OWNERS_PER_QUERY addresses) and keeps the answers, found or not, for SF_OWNERS_TTL_MS, so
 * a user created later is found later. An address no active User has leaves the Task to the
 * integration user, as before. Pure: no I/O (sink_salesforce.c sends the query). */
#ifndef SALESFORCE_OWNERS_H
#define SALESFORCE_OWNERS_H

#include <stddef.h>
#include <stdint.h>

#include "sinks/sink.h"

#define SF_OWNERS_PER_QUERY 100
#define SF_OWNERS_TTL_MS (3600LL * 1000)
#define SF_OWNERS_MAX 10000 /* addresses remembered; the oldest answers go first */

struct sf_owners;

struct sf_owners *sf_owners_new(void);
void sf_owners_free(struct sf_owners *o);

/* The owner's e-mail a record's Task would be assigned by: the account's owner when it is an
 * address, else its owner_email; NULL when neither is (or the account is unknown). */
const char *sf_owner_email(const struct sink_record *r);

/* The SOQL query for the addresses of v[0..n) (records whose skip[i] is set left out; skip may
 * be NULL) that have no answer younger than SF_OWNERS_TTL_MS at `now`, at most
 * SF_OWNERS_PER_QUERY of them, those remembered as asked: "SELECT Id, Email FROM User WHERE
 * IsActive = true AND Email IN ('a@x', ...)". NULL when every address is known (or out of
 * memory: the Tasks then go to the integration user). New string. */
char *sf_owners_query(struct sf_owners *o, const struct sink_record *v, size_t n,
                      const unsigned char *skip, int64_t now);

/* Reads the query's answer ({"records":[{"Id":"005...","Email":...}, ...]}): each address
 * asked gets its User Id, or none. -1 when the body is not such an answer (the addresses stay
 * unknown and are asked again with the next batch). */
int sf_owners_apply(struct sf_owners *o, const char *body, size_t len, int64_t now);

/* What was asked and not answered (the query failed): remembered as none until `now` + the
 * given delay, so a failing lookup is not sent again with every batch. */
void sf_owners_give_up(struct sf_owners *o, int64_t now, int64_t retry_in_ms);

/* The User Id found for email, or NULL (not asked, no such active user, or expired). */
const char *sf_owners_get(const struct sf_owners *o, const char *email, int64_t now);

#endif
