/* account — the key accounts vigie watches, parsed from the JSON or CSV users import.
 *
 * The record shape is fixed by docs/design.md ("Account"). Parsing is all-or-nothing: a bad row is
 * an error naming its line (and in JSON its position and id), and no partial set is returned,
 * so `vigie accounts import` never half-imports a file. */
#ifndef ENRICH_ACCOUNT_H
#define ENRICH_ACCOUNT_H

#include <stddef.h>

struct enrich_identifier { char *key; char *value; };

/* A business unit inside an account (a division, a brand with its own people: "Orange
 * Business", "Orange Cyberdefense"): named, with its aliases and domains. A mention of a unit
 * is a mention of its account with the unit named (enrich/matcher.h). */
struct enrich_unit {
    char *name;
    char **aliases; size_t n_aliases;
    char **domains; size_t n_domains;   /* lower-case host names, as the account's */
};

struct enrich_account {
    char *id, *name;                 /* required */
    char **aliases; size_t n_aliases;
    char **domains; size_t n_domains;
    char *country;                   /* ISO 3166 alpha-2 or NULL */
    struct enrich_identifier *identifiers; size_t n_identifiers; /* siren, siret, lei, cik, companies_house, ticker, ... */
    char *owner, *tier, *crm_id;     /* tier: "key" | "candidate" | "standard" (default standard) */
    double revenue, margin, growth_potential, strategic_fit, image; /* KAM axes, 0 when absent */
    char **context_keywords; size_t n_context_keywords;
    char **negative_keywords; size_t n_negative_keywords;
    /* RFC 3339 time the account stopped being a key account in the CRM it is synced from
     * (`vigie accounts sync`), or NULL. A retired account is kept with its history but no
     * longer matched (enrich_matcher_build gives it no pattern). */
    char *retired;
    /* Where the owner hears of alerts (docs/design.md "Alerts"), all optional: an e-mail
     * address, a Slack user or channel id, an IANA zone ("Europe/Paris"), a digest schedule
     * ("daily 08:00", "weekly mon 08:00", "no"). */
    char *owner_email, *owner_slack, *owner_timezone, *owner_digest;
    /* The group this account belongs to (another account's id), or NULL; checked across the
     * whole registry by enrich_accounts_check_groups, not by the parser (one stored record is
     * parsed alone). */
    char *parent_id;
    struct enrich_unit *units; size_t n_units;
    size_t line;   /* where the record starts in the parsed text (1-based), for messages */
};

struct enrich_account_set { struct enrich_account *v; size_t n; };

/* Parses a JSON array of account objects or a CSV with a header row (same column names,
 * lists separated by '|'; identifiers as columns siren, siret, lei, cik, companies_house,
 * ticker, or "identifiers" as key=value|key=value). Detects the format from the first
 * non-blank byte ('[' → JSON). On error returns -1 and writes "line N: reason" (CSV),
 * "line N: account #K (id X): reason" or "line N: invalid JSON in account #K, column C" (JSON)
 * into err; nothing is returned half-built. In JSON, lists are arrays, "identifiers" is an
 * object {"siren": "...", ...} and identifier keys may also appear as top-level fields, as in
 * CSV; a number stands for text only when it is a whole number. Ids are unique and hold no
 * blanks. On success *out is owned by the caller (enrich_account_set_free). */
int enrich_accounts_parse(const char *buf, size_t len, struct enrich_account_set **out,
                          char *err, size_t errlen);
void enrich_account_set_free(struct enrich_account_set *set);
/* Whether `id` is an account id an import takes: valid UTF-8, at most 256 bytes, no control
 * character and no blank of any script. 0, or -1 with the reason in why (as an import says
 * it). For a source of accounts other than an import (a CRM sync) to check before it hands
 * the id over. */
int enrich_account_id_check(const char *id, char *why, size_t whylen);
/* The host a domain value v[0..n) stands for, as an import stores it ("https://www.Acme.com/fr"
 * -> "acme.com"): its length, written NUL-terminated into host; -1 when it is no domain. */
int enrich_account_domain_host(const char *v, size_t n, char host[256]);
/* The checks an import makes across accounts (account_groups.c), on the accounts `in` about to
 * be written and the registry `known` they join (NULL: none; an account of `in` replaces the
 * one of `known` with its id): every parent_id names an account of either, no account is its
 * own ancestor, and no unit name or alias is another account's name or alias (a mention of it
 * could not tell the two apart). 0, or -1 with "line N: account X: reason" in err. */
int enrich_accounts_check_groups(const struct enrich_account_set *in, const struct enrich_account_set *known,
                                 char *err, size_t errlen);
/* The unit of `a` named `name` (compared case-insensitively), or -1. */
int enrich_account_unit_find(const struct enrich_account *a, const char *name);

/* Linear lookup by id; NULL when absent or when set is NULL. */
const struct enrich_account *enrich_account_find(const struct enrich_account_set *set, const char *id);
/* Value of identifier `key` ("siren", "ticker", ...) or NULL. */
const char *enrich_account_identifier(const struct enrich_account *a, const char *key);

/* The owner fields' grammars (account_owner.c), also for the alerts configuration. Each 0, or
 * -1 with the reason in why. An address: one '@' between non-empty parts, at most 254 bytes,
 * no blank, control character or any of ,;<>"() (an address list or a header could hide in
 * it). */
int enrich_email_check(const char *v, char *why, size_t whylen);
/* A Slack id: C (channel), G (private channel), D (direct message), U or W (user), then 6 to
 * 20 upper-case letters or digits ("C0123ABC", "U024BE7LH"). */
int enrich_slack_id_check(const char *v, char *why, size_t whylen);
/* The shape of an IANA zone name ("Europe/Paris", "UTC", "Etc/GMT+5"): letters, digits and
 * _ + - / only, no "..", no leading '/', at most 64 bytes. Whether the zone exists is the
 * alerts configuration's check (it reads the tz database). */
int enrich_timezone_check(const char *v, char *why, size_t whylen);

/* ---- Shared by the readers of accounts (account.c, account_json_read.c, account_csv.c,
 * account_units.c, account_set.c); not for other modules. ---- */

/* Sets one field from its text form (CSV cell, or a JSON string where a list or number is
 * expected): lists split on '|', numbers parsed, identifier columns (siren, ticker, ...)
 * validated. 0, or -1 with a reason in why. Empty values leave the field unset. */
int enrich_account_set_field(struct enrich_account *a, const char *key, const char *val,
                             size_t vlen, char *why, size_t whylen);
/* Appends one value to a list field ("aliases", ...) or an identifier ("siren", ...). */
int enrich_account_add_value(struct enrich_account *a, const char *key, const char *val,
                             size_t vlen, char *why, size_t whylen);
/* Checks required fields and fills defaults (tier "standard"). */
int enrich_account_finish(struct enrich_account *a, char *why, size_t whylen);
/* Frees the fields of one account (not the struct itself). */
void enrich_account_clear(struct enrich_account *a);
/* Is `key` an identifier name accepted as a column or top-level field? */
int enrich_account_is_identifier_key(const char *key);
/* Appends a value to a list, checked as any value. */
int enrich_account_list_push(char ***list, size_t *n, const char *v, size_t len, char *why, size_t whylen);
/* The units member (account_units.c): from JSON, an array of {"name", "aliases", "domains"}
 * (a `struct cJSON *`); from a CSV cell, units separated by '|', each "name; aliases=A, B;
 * domains=x.com, y.com". Units add to those already read. 0, or -1 with why. */
int enrich_account_units_json(struct enrich_account *a, const void *json_array, char *why, size_t whylen);
int enrich_account_units_text(struct enrich_account *a, const char *v, size_t n, char *why, size_t whylen);
void enrich_unit_clear(struct enrich_unit *u);
/* Parses CSV (account_csv.c). Same contract as enrich_accounts_parse. */
int enrich_accounts_parse_csv(const char *buf, size_t len, struct enrich_account_set **out,
                              char *err, size_t errlen);

/* Growing set under construction, with an id index so duplicates are caught where they occur. */
struct enrich_account_builder {
    struct enrich_account_set *set;
    size_t cap;
    size_t *slots; size_t nslots;   /* open addressing: index + 1, 0 empty */
};
/* Takes the account's fields (the struct is copied, `a` is zeroed). -1: allocation failure or
 * duplicate id (why says which). */
int enrich_account_builder_add(struct enrich_account_builder *b, struct enrich_account *a,
                               char *why, size_t whylen);
void enrich_account_builder_abort(struct enrich_account_builder *b);

#endif
