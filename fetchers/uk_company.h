/* uk_company — Companies House answers (REFERENCE.md C.4) read into the snapshot the
 * uk_company kind keeps between polls, and the words it writes about them.
 *
 * The snapshot is a JSON object (the source's watch_text), bounded:
 *   {"number": "00000006", "name": "ACME LTD", "status": "active", "office": "1 High Street,
 *    London, EC1A 1AA", "sic": ["62020"], "created": "2001-01-01", "insolvency_history": false,
 *    "cases": ["administration"], "officers": [{"name": "John Edward Smith", "role": "director",
 *    "appointed": "2020-01-01", "resigned": "2026-12-01"}], "filings": [{"id": "MzAx",
 *    "date": "2026-12-01"}]}
 * "officers" holds at most UK_MAX_OFFICERS, "filings" at most UK_MAX_FILINGS, "cases" at most
 * UK_MAX_CASES; a member the poll could not read is absent. */
#ifndef FETCH_UK_COMPANY_H
#define FETCH_UK_COMPANY_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define UK_MAX_OFFICERS 100
#define UK_MAX_FILINGS 100
#define UK_MAX_CASES 20
#define UK_MAX_FIELD 512

/* The company profile (GET /company/{n}) into a new snapshot. NULL with a message in err when
 * the body is not a profile (an HTML page, truncated JSON, Companies House's {"errors": [...]}),
 * or on allocation failure. `url` gives the company number when the body does not. */
cJSON *uk_profile_read(const char *body, size_t len, const char *url, char *err, size_t errlen);

/* Adds to snap what an officers list, a filing history or an insolvency answer says
 * ("officers", "filings", "cases"). `body` NULL: the resource does not exist (a 404), which
 * gives an empty list. 0, or -1 with err when the body is not that resource's JSON. */
int uk_officers_read(cJSON *snap, const char *body, size_t len, char *err, size_t errlen);
int uk_filings_read(cJSON *snap, const char *body, size_t len, cJSON **events, char *err, size_t errlen);
int uk_insolvency_read(cJSON *snap, const char *body, size_t len, char *err, size_t errlen);

/* Whether a company status is an insolvency ("liquidation", "administration", ...). */
int uk_status_insolvent(const char *status);

/* "SMITH, John Edward" -> "John Edward Smith"; "O'BRIEN-JONES, Mary" -> "Mary O'Brien-Jones". */
void uk_person_name(const char *api_name, char *out, size_t max);
/* A key of the API ("appoint-person-director-company-with-name-date", "llp-member") in words:
 * "Appoint person director company with name date", "Llp member". */
void uk_key_words(const char *key, char *out, size_t max);

#endif
