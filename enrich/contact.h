/* contact — people found in signals, turned into contact records for the CRM.
 *
 * A person with a role, tied to a matched account, becomes a contact: name, title, role_norm,
 * seniority, department, account, source URL and first-seen time. vigie never knows an
 * e-mail address for sure; it may offer a guess built from the account's domain and its
 * address pattern (configured as the account identifier "email_pattern"),
 * always marked as a guess with a confidence. */
#ifndef ENRICH_CONTACT_H
#define ENRICH_CONTACT_H

#include "enrich/extract.h"

#include <stddef.h>

struct enrich_contact {
    char *name, *title, *role_norm, *seniority, *department;
    const char *account_id;       /* borrowed from the account set */
    const char *unit;             /* the account's unit named in the person's sentence, or NULL
                                     (borrowed from the account set) */
    char *source_url, *first_seen;
    int departing;                /* leaves the role: update the CRM, do not prospect */
    char *email_guess;            /* NULL when no domain is known */
    const char *email_pattern;    /* static pattern name, e.g. "first.last" */
    double email_confidence;      /* 0..1; a guess, never verified */
};

/* Address patterns vigie knows, by name: "first.last", "f.last", "firstlast", "flast",
 * "first", "last.first", "first_last", "first-last", "last", "lastf", "first.l". */
const char *const *enrich_email_patterns(size_t *n);

/* Builds the address for `name` ("Jean-Marc Delorme") at `domain` with `pattern`: letters
 * folded to ASCII, lower case, particles kept in the last name ("de Gramont" -> "degramont").
 * Returns 0, or -1 for an unknown pattern, an unusable name or a too small buffer. */
int enrich_email_guess(const char *name, const char *domain, const char *pattern, char *out,
                       size_t outlen);

/* Contacts from one extraction result: every person with a role who can be tied to a
 * matched account (one named in the person's sentence, else the item's only account).
 * Returns 0 with a vg_malloc'd array (free with enrich_contacts_free), -1 when out of memory. */
int enrich_contacts_build(const struct enrich_extractor *x, const struct enrich_result *r,
                          const char *source_url, const char *first_seen,
                          struct enrich_contact **out, size_t *n_out);
void enrich_contacts_free(struct enrich_contact *v, size_t n);

/* Appends the contact record as one JSON object: id (deterministic from account and name, so
 * the same person found again is the same contact), name, title, role_norm, seniority,
 * department, account_id, source_url, first_seen, departing, and email_guess
 * ({address, pattern, confidence, verified: false} or null). id receives the id. 0 or -1. */
int enrich_contact_json(const struct enrich_contact *c, struct vg_buf *out, char id[33]);

#endif
