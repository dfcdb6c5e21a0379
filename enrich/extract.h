/* extract — the enrich pipeline for one item: fold, match accounts, classify, extract
 * amounts, people, counterparties and places, then build scored signal records.
 *
 * This is what `vigie extract` prints and what the daemon's enrich stage will call. An
 * extractor holds the compiled rules, the accounts and their matcher; it is immutable once
 * built and can be shared by threads (each call allocates its own scratch). */
#ifndef ENRICH_EXTRACT_H
#define ENRICH_EXTRACT_H

#include "util/vg_buf.h"
#include "enrich/account.h"
#include "enrich/amount.h"
#include "enrich/entities.h"
#include "enrich/matcher.h"
#include "enrich/role.h"
#include "enrich/rules.h"

#include <stddef.h>
#include <stdint.h>

/* An item as fetchers produce it (docs/design.md "Item"); only title and summary are required. */
struct enrich_item {
    const char *id, *title, *summary, *lang;
    const char *url, *published;      /* published: RFC 3339, or NULL */
    const char *source_account_id;    /* account the source is tied to, or NULL */
    double source_reliability;        /* 0..1, or < 0 when unknown */
    const char *story_key;            /* NULL: derived from the title (enrich_story_key) */
};

struct enrich_options {
    double min_signal_confidence;     /* default 0.5 */
    double min_match_confidence;      /* default 0.6 */
    double now;                       /* seconds since the epoch for recency; 0: time(NULL) */
};

/* A matched account mention. */
struct enrich_mention {
    size_t account;       /* index into the account set */
    size_t start, end;    /* original offsets in the item's "title\nsummary" text */
    size_t sentence;
    double confidence;
    int unit;             /* the account's unit the mention names (enrich_match.unit), or -1 */
};

/* A signal record (docs/design.md "Signal"). Attributes point into the result's arrays by index.
 * For each type found, one signal per matched account, with the account's role in it
 * (role.h); only subjects and counterparties are meant for the signals stream. */
struct enrich_signal {
    char id[33];
    const char *account_id;      /* borrowed from the account set; NULL when no account */
    size_t account;              /* index, valid when account_id != NULL */
    enum enrich_account_role role;       /* the account's role in this signal (NONE without one) */
    const char *type;            /* borrowed from the rules */
    double confidence;
    int priority;
    char *evidence;              /* the sentence, as written */
    const char **modifiers;      /* borrowed names ("plan", "rumour"); n_modifiers of them */
    size_t n_modifiers;
    size_t *amounts, n_amounts;  /* indexes into result->amounts */
    size_t *people, n_people;    /* indexes into result->people */
    size_t *parties, n_parties;  /* indexes into result->parties */
    size_t *places, n_places;    /* indexes into result->places */
    int unit;                    /* the account's unit named in the title or in a sentence
                                    that carries the signal, or -1 (then none) */
    char *change;                /* a structured item's {"field","before","after"} as JSON
                                    text, or NULL (enrich/structured.c) */
};

struct enrich_result {
    char *id, *lang, *title, *url, *published;
    char detected[21];                        /* RFC 3339 UTC */
    const char **types; size_t n_types;       /* item-level signal types, rule order */
    struct enrich_amount *amounts; size_t n_amounts;
    size_t *amount_sentence;                  /* sentence index of each amount */
    struct enrich_person *people; size_t n_people;
    struct enrich_party *parties; size_t n_parties;
    struct enrich_place *places; size_t n_places;
    struct enrich_mention *mentions; size_t n_mentions;
    size_t *accounts; size_t n_accounts;      /* distinct matched accounts, first-seen order */
    unsigned char *roles;                     /* per accounts[i]: its best role in any signal
                                                 (enum enrich_account_role; subject first) */
    char **companies; size_t n_companies;     /* counterparties and matched account names */
    struct enrich_signal *signals; size_t n_signals;
};

struct enrich_extractor;

/* Builds an extractor. Takes ownership of `rules` (compiled) in every case; `accounts` may be
 * NULL and must outlive the extractor. NULL with a message in err on failure. */
struct enrich_extractor *enrich_extractor_new(struct enrich_rules *rules,
                                              const struct enrich_account_set *accounts,
                                              const struct enrich_options *opt,
                                              char *err, size_t errlen);
void enrich_extractor_free(struct enrich_extractor *x);
const struct enrich_account_set *enrich_extractor_accounts(const struct enrich_extractor *x);
/* The compiled rules, the identifier index (enrich/id_index.h) and the options in use. */
const struct enrich_rules *enrich_extractor_rules(const struct enrich_extractor *x);
struct enrich_id_index;
const struct enrich_id_index *enrich_extractor_ids(const struct enrich_extractor *x);
const struct enrich_options *enrich_extractor_options(const struct enrich_extractor *x);

/* Runs the pipeline on one item. Returns 0 and a result (free with enrich_result_free), or
 * -1 when out of memory. */
int enrich_extract(const struct enrich_extractor *x, const struct enrich_item *item,
                   struct enrich_result **out);
void enrich_result_free(struct enrich_result *r);
/* An empty result of `item`: its id, lang, title, url and published copied, the detection
 * time set (the options' now, else the clock). NULL when out of memory. For the pipelines
 * (this one and enrich/structured.c). */
struct enrich_result *enrich_result_new(const struct enrich_extractor *x, const struct enrich_item *item);

/* The `vigie extract --json` line (fixed shape, docs/design.md), without the newline:
 * {"id","signals":[types],"amounts":[{value,currency}],"people":[{name,role,role_norm,
 * seniority,department}],"companies":[...],"accounts":[ids],"mentioned":[ids]} — accounts:
 * the subjects and counterparties, mentioned: the accounts only named in passing.
 * 0, or -1 when out of memory. */
int enrich_result_json(const struct enrich_extractor *x, const struct enrich_result *r,
                       struct vg_buf *out);
/* One full signal record as JSON (docs/design.md Signal shape). */
int enrich_signal_json(const struct enrich_extractor *x, const struct enrich_result *r,
                       const struct enrich_signal *s, struct vg_buf *out);

#endif
