/* salesforce_payload — vigie's records as Salesforce sObject collections, and Salesforce's
 * answers as outcomes. Pure: JSON in, JSON out, no I/O (sink_salesforce.c sends).
 *
 * A batch becomes up to three upserts by external id through
 * PATCH /services/data/vXX.X/composite/sobjects/{Account|Contact|Task}/{ExternalIdField}
 * (at most 200 records each, allOrNone false: each record succeeds or fails alone):
 *   Account  one per account the batch's records concern, unless vigie already knows its
 *            Salesforce Id (crm_id 001...): Name, Website, the account's vigie id.
 *   Contact  one per contact record: FirstName, LastName, Title, Description (role, seniority,
 *            source), and the Account, by Id or by its vigie id. Never the guessed e-mail.
 *   Task     one per signal or update: Subject, Description (evidence, amounts, people, link,
 *            sources), ActivityDate, Priority, Status, the account as What, the account's
 *            owner as OwnerId when it is a Salesforce user Id or an e-mail address whose
 *            active User salesforce_owners found.
 * Upserts are keyed on vigie's deterministic ids, so sending a record again updates what the
 * first sending made: nothing is ever created twice.
 *
 * Every text is cleaned before it goes: invalid UTF-8 becomes U+FFFD, control characters a
 * blank, and it is cut to the field's length in Salesforce's own unit (UTF-16 code units),
 * ending with an ellipsis, so that no record is ever refused for STRING_TOO_LONG. */
#ifndef SALESFORCE_PAYLOAD_H
#define SALESFORCE_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "sinks/sink.h"

/* Salesforce's field lengths vigie writes to. */
#define SF_LEN_ACCOUNT_NAME 255
#define SF_LEN_WEBSITE 255
#define SF_LEN_FIRST_NAME 40
#define SF_LEN_LAST_NAME 80
#define SF_LEN_TITLE 128
#define SF_LEN_SUBJECT 255
#define SF_LEN_LONG_TEXT 32000 /* Description of Task and Contact */
#define SF_COLLECTION_MAX 200

/* The identifier under which the key-account sync keeps the account owner's User Id. */
#define SF_OWNER_ID_KEY "salesforce_owner_id"

struct sf_owners;

/* What the mapping needs from the configuration (strings owned by the caller). */
struct sf_map {
    const char *account_ext;  /* Account external id field: Vigie_Account_Id__c */
    const char *contact_ext;  /* Contact external id field: Vigie_Contact_Key__c */
    const char *task_ext;     /* Task external id field: Vigie_Signal_Id__c */
    const char *task_status;  /* Status of a new Task: "Not Started" */
    const char *console_url;  /* [console] public_url: a Task's Description links the signal's
                                 page in the console ("Open in vigie: URL"); NULL or "": none */
    const struct sf_owners *owners; /* owners' User Ids found by e-mail (salesforce_owners.h),
                                       or NULL */
    int64_t now;              /* ms, for the owners' answers' age */
};

enum sf_object { SF_ACCOUNT, SF_CONTACT, SF_TASK };
/* "Account", "Contact", "Task". */
const char *sf_object_name(enum sf_object o);

/* One collection to send. item_of maps the batch's records to the body's records: record i
 * is carried by body record item_of[i], or by none (-1). Several records may share one body
 * record (an Account stands for every record of that account). */
struct sf_request {
    enum sf_object type;
    char *body;        /* {"allOrNone":false,"records":[...]}; NULL when items == 0 */
    size_t items;      /* records in the body */
    long *item_of;     /* [n] */
    size_t n;
};

/* Builds the collection of `type` for the records v[0..n) whose skip[i] is 0 (skip NULL:
 * none skipped): records already settled are left out. out->items is 0 when the batch needs
 * nothing of that type. 0, or -1 on allocation failure (err filled). Free with
 * sf_request_free, also after a failure. */
int sf_request_build(const struct sf_map *m, enum sf_object type, const struct sink_record *v,
                     size_t n, const unsigned char *skip, struct sf_request *out, char *err,
                     size_t errlen);
void sf_request_free(struct sf_request *r);

/* The URL path of a collection upsert, under the instance URL:
 * "/services/data/<version>/composite/sobjects/<Type>/<ExternalIdField>". New string. */
char *sf_request_path(const struct sf_map *m, const char *api_version, enum sf_object type);

/* The URL of a SOQL query under the instance URL: "<instance>/services/data/<version>/query?q="
 * and the query percent-encoded. New string, NULL when out of memory. */
char *sf_query_url(const char *instance, const char *api_version, const char *soql);

/* Reads the 200 answer of an upsert collection (one result per body record, in order) and
 * settles the records it carries: a success leaves them as they are (OK); a failure sets
 * them DROP with Salesforce's status code and message for that record (cleaned and cut as
 * sf_words_append does; for an Account: every
 * record of that account, whose contacts and tasks could not refer to it), or RETRY for a
 * passing one (UNABLE_TO_LOCK_ROW), and sets skip[i] so later collections leave them out.
 * A failure that names a field the org does not have ("No such column") or that the
 * integration user may not write (INVALID_FIELD_FOR_INSERT_UPDATE) is the configuration's,
 * not the record's: the record is set RETRY and the message goes to `pause` (when pause[0] is
 * still empty), for the caller to pause the sink.
 * Returns 0, or -1 when the body is not such an answer (err filled, nothing settled). */
int sf_results_apply(const struct sf_request *r, const char *body, size_t len,
                     struct sink_record *v, size_t n, unsigned char *skip, char *pause,
                     size_t pauselen, char *err, size_t errlen);

/* How a request failed as a whole. */
enum sf_fault {
    SF_FAULT_NONE,     /* 2xx */
    SF_FAULT_SESSION,  /* 401 INVALID_SESSION_ID: the token expired or was revoked */
    SF_FAULT_CONFIG,   /* the org refuses the mapping or the user's rights (a field or an
                          external id field that does not exist, no API access): pause */
    SF_FAULT_LIMIT,    /* 403 REQUEST_LIMIT_EXCEEDED: the org's daily API requests are spent */
    SF_FAULT_PASSING,  /* no answer, a timeout, 408, 429, 5xx: try again later */
    SF_FAULT_REQUEST,  /* any other refusal of the request as a whole */
};
/* Classifies an answer (status 0: no answer at all) and writes Salesforce's own words into
 * msg: "INVALID_FIELD: No such column 'Foo__c' on sobject of type Task", or "HTTP 502"
 * (cleaned and cut as sf_words_append does). */
enum sf_fault sf_fault_classify(long status, const char *body, size_t len, char *msg,
                                size_t msglen);

/* 1 when s is a Salesforce record Id (15 or 18 letters and digits) whose key prefix is
 * `prefix` ("001" an Account, "005" a User). */
int sf_is_id(const char *s, const char *prefix);

/* ---- text --------------------------------------------------------------------------- */

/* s cleaned (see above) and cut to at most max UTF-16 code units; single_line turns line
 * breaks and tabs into blanks too. A new string (vg_free), NULL only when out of memory;
 * NULL s gives "". */
char *sf_text(const char *s, size_t max, int single_line);
/* Length of s in UTF-16 code units, as Salesforce counts (invalid bytes count one each). */
size_t sf_text_units(const char *s);
/* Appends s (NULL: nothing) to the NUL-terminated text in out (cap bytes), cleaned as
 * sf_text(s, ..., 1) does and cut on a character boundary when it does not fit. Salesforce's
 * own words (error messages, codes, field names) go through it on their way to a log line, a
 * dead letter or `vigie status`: one line of valid UTF-8, nothing forged after a line break.
 * Returns the new length. */
size_t sf_words_append(char *out, size_t cap, const char *s);

#endif
