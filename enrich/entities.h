/* entities — people with their roles, counterparties and places, read from the sentences by
 * the [people], [parties] and [places] rules (see rules.h).
 *
 * People come from appointment and departure phrasing ("X est nommé directeur financier",
 * "Y appoints X as CFO", "X steps down as chief executive", "X succède à Z") and from the
 * roles they are named in ("Y's CEO X", "X, directeur général de Y": `mention`); the role phrase
 * is looked up in the [roles] table for role_norm, seniority and department. Counterparties
 * are the organisations a pattern names as acquirer, target, investor, partner, customer or
 * seller; places are where an expansion happens. Names that overlap a matched account are not
 * people ("Société Générale appoints ..."). */
#ifndef ENRICH_ENTITIES_H
#define ENRICH_ENTITIES_H

#include "enrich/doc.h"

#include <stddef.h>

struct enrich_person {
    char *name;        /* as written, accents kept */
    char *role;        /* role phrase as written, or NULL */
    char *role_norm;   /* e.g. "cfo", or NULL */
    char *seniority;   /* e.g. "c_level", or NULL */
    char *department;  /* e.g. "finance", or NULL */
    char *org;         /* organisation named by the same phrase, or NULL */
    int departing;     /* 1: leaves the role; 0: takes it */
    int predecessor;   /* named as the one replaced ("succeeds X"): may inherit the role */
    int mention;       /* only named with a role they hold ("X's CEO Y"), no change said */
    size_t sentence;   /* index into doc->sent */
};

struct enrich_party {
    char *name;        /* as written */
    const char *role;  /* "acquirer", "target", "investor", "partner", "customer", "seller" */
    size_t sentence;
};

struct enrich_place {
    char *name;
    size_t sentence;
};

/* Original-text spans that cannot be people (matched accounts). */
struct enrich_ospan {
    size_t start, end;
};

/* Each returns 0 with a vg_malloc'd array in *out (NULL when none) and its length, or -1 when
 * out of memory. Free the arrays with the matching _free function. */
int enrich_people_extract(const struct enrich_doc *d, const struct enrich_ospan *not_names,
                          size_t n_not, struct enrich_person **out, size_t *n_out);
int enrich_parties_extract(const struct enrich_doc *d, struct enrich_party **out, size_t *n_out);
int enrich_places_extract(const struct enrich_doc *d, struct enrich_place **out, size_t *n_out);

void enrich_people_free(struct enrich_person *v, size_t n);
void enrich_parties_free(struct enrich_party *v, size_t n);
void enrich_places_free(struct enrich_place *v, size_t n);

/* 1 when folded text [s, s+n) reads as a person's name under the built-in checks (two or
 * more capitalised words once titles and role words are dropped). Exposed for tests. */
int enrich_name_plausible(const char *s, size_t n);

#endif
