/* bodacc — what the `bodacc` kind's files share (kind_bodacc.c, bodacc_record.c,
 * bodacc_fields.c, bodacc_text.c); not for other modules.
 *
 * A BODACC announcement (opendatasoft dataset `annonces-commerciales`, ../shared/REFERENCE.md
 * C.2) is one flat record whose richest members (listepersonnes, jugement, acte,
 * modificationsgenerales, depot, ...) are JSON written inside strings. These helpers read them
 * the way the kind needs, whatever shape a record takes on a given day. */
#ifndef FETCH_BODACC_H
#define FETCH_BODACC_H

#include <cjson/cJSON.h>
#include <stddef.h>

struct feed_doc;

#define BODACC_SIREN_LEN 9
#define BODACC_MAX_SIRENS 1000     /* in one source's options ([sources] bodacc_batch is ≤ 200) */
#define BODACC_MAX_PEOPLE 16       /* directors read from one announcement */
#define BODACC_MAX_FIELD 1024      /* bytes kept of a name, role or evidence fragment */

/* The sirens a source asks for (its options), sorted, for bodacc_sirens_has. */
struct bodacc_sirens {
    char (*v)[BODACC_SIREN_LEN + 1];
    size_t n;
};

/* Reads {"sirens": ["552081317", "552 081 317", ...]} (spaces allowed, 9 digits): 0, or -1
 * with a message in err. The caller frees with bodacc_sirens_free. */
int bodacc_sirens_read(const char *options, struct bodacc_sirens *out, char *err, size_t errlen);
void bodacc_sirens_free(struct bodacc_sirens *s);
int bodacc_sirens_has(const struct bodacc_sirens *s, const char *siren);

/* The 9 digits of a SIREN written with blanks ("552 081 317", no-break spaces too) into out:
 * 0, or -1 when the text is anything else. Reads at most n bytes. */
int bodacc_siren_digits(const char *s, size_t n, char out[BODACC_SIREN_LEN + 1]);

/* ---- bodacc_fields.c: the record's members ---- */

/* Member k of `rec` as an object or an array: itself when it is one, or the JSON written in
 * its string, parsed (then *owned holds the tree to cJSON_Delete). NULL when absent, null or
 * empty; *broken is set when the member is there but is no JSON object or array. */
const cJSON *bodacc_member_json(const cJSON *rec, const char *k, cJSON **owned, int *broken);
/* The `personne` of a listepersonnes value, {"personne": {...}} or {"personne": [...]} (or the
 * array given directly): that object or array, else NULL. */
const cJSON *bodacc_personnes(const cJSON *liste);
/* Its first person (the object, or the array's first element when an object), or NULL. */
const cJSON *bodacc_personne(const cJSON *liste);
/* The person's SIREN (personne.numeroImmatriculation.numeroIdentification) into out: 0, or -1. */
int bodacc_personne_siren(const cJSON *personne, char out[BODACC_SIREN_LEN + 1]);
/* The person's name: denomination, else "prenom nom", else NULL (new string). */
char *bodacc_personne_name(const cJSON *personne);
/* Whether `registre` (a string "552 081 317,552081317" or an array of such strings) names a
 * SIREN of the batch; the first one it names into out. */
int bodacc_registre_match(const cJSON *registre, const struct bodacc_sirens *batch, char out[BODACC_SIREN_LEN + 1]);
/* A text member of o, or of one of its direct object members, by the first key of `keys`
 * (NULL-terminated) that holds a non-empty string (numbers are written as text into tmp). */
const char *bodacc_find_text(const cJSON *o, const char *const *keys, char *tmp, size_t tmplen);

/* ---- bodacc_text.c: texts of announcements ---- */

/* "GREFFE DU TRIBUNAL DE COMMERCE DE LYON" -> "Tribunal de commerce de Lyon" (new string). */
char *bodacc_tribunal_name(const char *s);
/* The text lower-cased (UTF-8, accents kept): for keyword tests. New string, NULL on failure. */
char *bodacc_lower(const char *s);
/* "2026-11-25" -> "25/11/2026" into out (11 bytes); the text itself when not such a date. */
void bodacc_date_fr(const char *iso, char out[32]);

struct bodacc_person {
    char *name, *role;
    int departing;
};
/* The directors a modification's text names ("Président : MARTIN Claire en remplacement de
 * DUPONT Jean. Gérant : départ de X."): up to max people (names and roles vg_strdup'ed; free
 * with bodacc_people_free). Auditors (commissaires aux comptes) are not directors. */
size_t bodacc_directors(const char *text, struct bodacc_person *out, size_t max);
void bodacc_people_free(struct bodacc_person *p, size_t n);

/* ---- bodacc_record.c: one announcement to one item ---- */

/* Appends the item for announcement `rec` to doc when it names a SIREN of `batch`.
 * 0 added, 1 skipped (why says why: not an object, a SIREN outside the batch, a member whose
 * JSON is broken, a family vigie does not read), -1 on allocation failure. */
int bodacc_record_item(const cJSON *rec, const struct bodacc_sirens *batch, struct feed_doc *doc, char *why,
                       size_t whylen);

#endif
