/* account_int — what the files that read accounts share beyond account.h: account.c (the field
 * rules), account_set.c (a set built with its id index) and account_json_read.c (the JSON
 * reader). Not for other modules. */
#ifndef ENRICH_ACCOUNT_INT_H
#define ENRICH_ACCOUNT_INT_H

#include <stddef.h>

#include "enrich/account.h"

/* Bounds that keep a hostile file from costing more than its own size in work. */
#define ACCOUNT_MAX_VALUE_BYTES 4096
#define ACCOUNT_MAX_LIST_ITEMS 1000

/* Writes the reason of a refusal into why (nothing when why is NULL or whylen 0). */
void enrich_account_why(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "key=value" as found in an "identifiers" cell (or an entry of a JSON "identifiers" object):
 * the key checked and lower-cased, the value normalised as its kind wants. 0, or -1 with why. */
int enrich_account_add_identifier_pair(struct enrich_account *a, const char *v, size_t n, char *why,
                                       size_t whylen);
/* The number field named `key` ("revenue", "margin", ...), or NULL. */
double *enrich_account_number_field(struct enrich_account *a, const char *key);
/* The list field named `key` ("aliases", "context_keywords", "negative_keywords"; not
 * "domains", which are checked one by one): 1 with *list and *n set, or 0. */
int enrich_account_list_field(struct enrich_account *a, const char *key, char ****list, size_t **n);

#endif
