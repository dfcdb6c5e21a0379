/* hubspot_int — the HubSpot sink's own state, shared by its files only (not for other sinks:
 * they see sink.h):
 *
 *   sink_hubspot.c       the descriptor: options, check, init and close, a batch sorted into
 *                        items and accounts (deliver)
 *   hubspot_job.c        a batch's job: records settled, the step table run step by step, the
 *                        requests sent (the search pace) and their answers read; the marks step
 *   hubspot_setup.c      setup steps: vigie's properties and group, the association types
 *   hubspot_companies.c  tallies (heat, 90-day counts), each account's company found or made,
 *                        its properties written (and held back by company_refresh)
 *   hubspot_notes.c      owners (tasks), then a note or task per signal, made once
 *   hubspot_contacts.c   contacts upserted; their company associations owed in Redis, then
 *                        written up to 2,000 a request
 *
 * Request bodies and the reading of answers are hubspot_payload.c's. */
#ifndef HUBSPOT_INT_H
#define HUBSPOT_INT_H

#include <stddef.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sinks/hubspot_config.h"
#include "sinks/hubspot_payload.h"
#include "sinks/sink.h"
#include "util/vg_buf.h"

struct enrich_account;

#define MOD "hubspot"
#define MAX_DEFS 16
#define MAX_BATCH 100             /* HubSpot's batch limit, the descriptor's max_batch */
/* HubSpot's search API allows 5 requests a second per account, apart from the rolling 10 s
 * limit; its second is counted here with a margin for the way there. */
#define SEARCH_PER_S 5
#define SEARCH_WINDOW_MS 1100
/* HubSpot's association batch create takes 2,000 inputs (REFERENCE.md B.1). */
#define ASSOC_BATCH_MAX 2000
/* What waits for the flow to stop (companies' properties, owed associations) is written this
 * long after the last batch when no other comes (an empty batch, sink_wake). */
#define IDLE_FLUSH_MS 500
/* Owed associations wait at most this long while contacts keep coming in full batches. */
#define OWED_WAIT_MS 30000

struct hs_owner {
    char *email;
    char id[32];              /* "" : no HubSpot user with that e-mail */
};

/* What this process last wrote on an account's company, for COMPANY_REFRESH_MS. */
struct hs_company_state {
    char *account_id;
    char company_id[32];
    long long written_ms;     /* monotonic; 0: never */
    int dirty;                /* signals delivered since, their properties not written yet */
    long long dirty_ms;       /* monotonic: since when (the oldest signal waiting) */
    int wanted;               /* its company unknown, a search for it held back: the next
                                 search looks for it too */
    char *signal_id;          /* its newest signal, to read the tally again when flushing */
    char *type;
    int priority;
    long long ms;
};

struct hs_sink {
    struct sink_ctx *ctx;
    const struct hubspot_config *cfg;
    char *auth;               /* "Authorization: Bearer ..." */
    int ready;                /* setup done */
    int key_unique;           /* company_id_property has unique values: upsert on it */
    int activity_type;        /* note → company or task → company */
    int contact_type;         /* contact → company */
    cJSON *props[2];          /* setup: GET properties of companies, contacts */
    struct hs_prop_def defs[MAX_DEFS];
    size_t n_defs;
    int missing[MAX_DEFS];
    struct hs_owner *owners;
    size_t n_owners;
    struct hs_job *job;       /* the batch in flight */
    int owners_refused;       /* owners cannot be read: tasks go without an owner (logged once) */
    struct hs_company_state *companies;
    size_t n_companies;
    long long search_ms[SEARCH_PER_S]; /* when the last searches left (monotonic), a ring */
    size_t search_next;       /* its oldest slot, the next to be written */
    size_t pad_next;          /* the registry's next account to fill a search with */
    int setup_cached;         /* the setup came from Redis (hubspot_setup.c), nothing to write */
    /* contact -> company associations owed (kept in Redis, hubspot_contacts.c) */
    size_t owed;              /* added by this process and not taken since */
    int owed_unknown;         /* an earlier run may have left some: look once */
    long long owed_since;     /* monotonic: the oldest owed one not written */
    long long owed_not_before;/* monotonic: after a failed write, not before this */
    /* vigie run --once: the sink's settle, waiting for the flush of what is held back */
    void (*settle_done)(void *arg);
    void *settle_arg;
};

enum item_kind { K_NONE, K_SIGNAL, K_UPDATE, K_CONTACT };

struct hs_job;
struct hs_tally_arg; /* hubspot_companies.c: a tally call's account */

struct hs_item {
    struct hs_job *job;
    struct sink_record *rec;
    enum item_kind kind;
    long acct;                /* index into job->accts; -1: none */
    int settled;
    char mark[48];            /* the note's mark as read: an id, "sending:<ms>" or "" */
    char note_id[32];
    int created;              /* the note was created in this batch (with the newest body) */
    char contact_id[32];
    long long ms;             /* the signal's time */
};

struct hs_acct {
    const struct enrich_account *a;
    char company_id[32];
    int from_crm_id;          /* company_id is the account's crm_id (not a mark) */
    int signals;              /* the batch has signals for it: vigie's properties are written */
    int written;              /* ... already, by the upsert or create that resolved it */
    int is_new;               /* created by an upsert: its name follows */
    int searched;
    const char *key_value;    /* company_id_property's value for it, or NULL */
    struct hs_company_update upd;
    long long tally_last_ms;
    long long newest_ms;
    const char *newest_type;
    const char *newest_id;
    int newest_priority;
    char owner_id[32];
    struct hs_company_state *cs; /* NULL when out of memory */
    int defer;                /* written recently: its properties wait for a later batch */
    int flush;                /* not in this batch: its deferred properties are written now */
};

/* A contact -> company association to write: owed in Redis, or (previewing, no Redis) for
 * the contact record `item` of this batch, settled by its answer. */
struct hs_pair {
    char contact[32];
    char company[32];
    long item;                /* -1: owed in Redis */
};

/* One request's inputs: indexes into items or accts, depending on the step. */
struct hs_unit {
    size_t *ix;
    size_t n;
    struct hs_unit *next;
};

struct hs_job {
    struct hs_sink *s;
    struct sink_batch *b;
    struct hs_item *items;
    size_t n_items;
    struct hs_acct *accts;
    size_t n_accts, accts_cap;
    int step;
    struct hs_unit *queue;
    struct hs_unit *cur;
    int pending;              /* Redis callbacks outstanding */
    int finished;
    int in_send;              /* inside sink_http: an answer then comes at once (a preview) */
    int answered_inline;
    char **keys;              /* scratch for sink_marks_get */
    size_t n_keys;
    struct hs_tally_arg *tally_args;
    struct hs_pair *pairs;    /* the contact association step's inputs */
    size_t n_pairs;
    char **owed_fields;       /* scratch for queue_owed_add */
};

/* A request a step builds. */
struct hs_req {
    const char *method;
    char *url;
    struct vg_buf body;
};

/* A step sends its inputs in units of at most `chunk` (the queue), each through build() and
 * then answer() (2xx) or the shared verdicts; or it runs something else (run: 1 when it went
 * asynchronous and will call hs_job_advance itself). */
struct hs_step {
    const char *name;
    int (*run)(struct hs_job *j);
    size_t (*collect)(struct hs_job *j, size_t *ix);
    size_t chunk;
    int (*build)(struct hs_job *j, const size_t *ix, size_t n, struct hs_req *r);
    /* batch answers: results mapped to inputs (hs_batch_results) with these keys */
    int batch_results;
    const char *(*key_prop)(struct hs_job *j);
    const char *(*key)(struct hs_job *j, size_t input);
    /* 2xx: res[k] for input ix[k] (batch_results), else NULL and the body. Returns 1 to have
     * the unit split in halves and sent again (an error that names no input). */
    int (*answer)(struct hs_job *j, const size_t *ix, size_t n, const struct hs_result *res, const char *body,
                  size_t len);
    /* An input HubSpot refused for its content: settle it (default: DROP its records). */
    void (*refuse)(struct hs_job *j, size_t input, const char *reason);
    /* Any other answer first goes here: 1 when handled (the step goes on). */
    int (*fail)(struct hs_job *j, const size_t *ix, size_t n, struct hs_decision *d, long status);
    int on_accounts;          /* inputs are accounts (else items) */
    int search;               /* a search: paced to SEARCH_PER_S (its 429 is the search limit's) */
};

static inline int previewing(const struct hs_job *j)
{
    return sink_previewing(j->s->ctx);
}

static inline int is_task(const struct hubspot_config *c)
{
    return strcmp(c->activity, "task") == 0;
}

static inline const char *activity_object(const struct hubspot_config *c)
{
    return is_task(c) ? "tasks" : "notes";
}

static inline char *url_of(struct hs_job *j, enum hs_api api, const char *rest)
{
    return hs_url(j->s->cfg, api, rest);
}

/* ---- the steps, each defined with its functions; hubspot_job.c runs them in this order ---- */

/* hubspot_setup.c */
extern const struct hs_step hs_step_setup_cached, hs_step_properties, hs_step_property_group,
    hs_step_create_properties, hs_step_association_types;
/* hubspot_job.c */
extern const struct hs_step hs_step_marks;
/* hubspot_companies.c (owners, between tallies and the companies, are hubspot_notes.c's) */
extern const struct hs_step hs_step_tallies, hs_step_company_upsert, hs_step_company_names, hs_step_company_search,
    hs_step_company_search_name, hs_step_company_create, hs_step_company_update;
/* hubspot_notes.c */
extern const struct hs_step hs_step_owners, hs_step_note_search, hs_step_note_marks, hs_step_note_create,
    hs_step_note_update;
/* hubspot_contacts.c */
extern const struct hs_step hs_step_contact_upsert, hs_step_contact_owe, hs_step_contact_owed,
    hs_step_contact_association;

/* ---- hubspot_job.c: a batch's records settled, its job run -------------------------------- */

/* A record's outcome; the first one given stands. */
void hs_settle(struct hs_item *it, enum sink_outcome o, const char *reason, long long retry_ms);
/* Every record of account `a` not settled yet. */
void hs_acct_settle(struct hs_job *j, size_t a, enum sink_outcome o, const char *reason, long long retry_ms);
/* 1 while account `a` has a record not settled. */
int hs_acct_live(const struct hs_job *j, size_t a);
void hs_units_free(struct hs_unit *u);
/* What is not settled is tried again later; the job ends at the next hs_job_advance. */
void hs_job_abort(struct hs_job *j, const char *reason, long long retry_ms);
/* Runs the steps on until a request or a Redis call is in flight; every callback ends by
 * calling it. At the end the batch is done and the job freed: nothing touches it after. */
void hs_job_advance(struct hs_job *j);
const struct hs_step *hs_current_step(const struct hs_job *j);
/* An input HubSpot refused for its content: the step's refuse(), else its records dropped. */
void hs_refuse(struct hs_job *j, const struct hs_step *st, size_t input, const char *reason);
/* answer() of a step whose 2xx has nothing to read. */
int hs_answer_nothing(struct hs_job *j, const size_t *ix, size_t n, const struct hs_result *res, const char *body,
                      size_t len);
/* 1 for a non-empty string of digits (a HubSpot id). */
int hs_digits_only(const char *s);

/* ---- hubspot_companies.c ------------------------------------------------------------------ */

/* The value an account's company is found by (company_id_property), or NULL. */
const char *hs_key_value_of(const struct hubspot_config *c, const struct enrich_account *a);
/* Before the steps: which companies' properties the batch writes (company_refresh). */
void hs_plan_company_writes(struct hs_job *j);
/* 1 while a company's properties wait to be written (company_refresh). */
int hs_companies_waiting(const struct hs_sink *s);

/* ---- hubspot_contacts.c ------------------------------------------------------------------- */

/* 1 while associations may be owed (in Redis, from this run or an earlier one). */
int hs_owed_waiting(const struct hs_sink *s);

/* ---- hubspot_setup.c ---------------------------------------------------------------------- */

/* After the setup steps passed (the marks step): the setup is kept in Redis, so that a
 * restart does not read or create anything again. */
void hs_setup_remember(struct hs_job *j);
/* A property vigie was told exists does not: the setup kept in Redis goes (a reload reads
 * and creates again). */
void hs_setup_forget(struct hs_sink *s);

#endif
