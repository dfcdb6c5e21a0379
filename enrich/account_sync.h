/* account_sync — what `vigie accounts sync --from SINK` changes in the account registry,
 * decided from what the CRM listed and what the registry holds, without Redis: the command
 * line and the daemon's scheduled sync (daemon/accounts_sync.c) read the registry each their
 * own way (blocking, or from the event loop) and write the same plan
 * (queue/queue_accounts_sync.h).
 *
 * Per listed account:
 *   created    not in the registry: stored as listed;
 *   updated    in the registry, but different: stored as listed, merged with what the CRM
 *              does not carry — aliases, domains, country, context and negative keywords,
 *              parent_id (when the CRM names no listed parent) and units the
 *              listing leaves out keep the registry's values (added by hand, they survive a
 *              sync), identifiers merge by key (the listing's win); everything else (name,
 *              owner, tier, crm_id, the KAM numbers) is the CRM's, a value it no longer gives
 *              is dropped; the owner's alert fields (owner_email, owner_slack,
 *              owner_timezone, owner_digest), which no CRM listing carries, keep the
 *              registry's values while the owner stays the same (case aside), and go with
 *              the owner when the CRM gives the account to someone else;
 *   unretired  as updated, for an account that was retired: its "retired" member goes;
 *   unchanged  the merged account is the one stored.
 * Per account the sink's previous sync listed that this one does not (and still in the
 * registry, not yet retired):
 *   retired    kept, with "retired": <now> added: no longer matched, its history kept.
 * An account removed by hand (`vigie accounts rm`) is not brought back by retiring it. */
#ifndef ENRICH_ACCOUNT_SYNC_H
#define ENRICH_ACCOUNT_SYNC_H

#include <stddef.h>

enum enrich_sync_verdict {
    ENRICH_SYNC_CREATED,
    ENRICH_SYNC_UPDATED,
    ENRICH_SYNC_UNRETIRED,
    ENRICH_SYNC_UNCHANGED,
    ENRICH_SYNC_RETIRED,
};

struct enrich_sync_change {
    enum enrich_sync_verdict verdict;
    char *id, *name;
    char *json;          /* what to store (stored form, enrich_account_to_json); NULL when
                            unchanged */
};

struct enrich_sync_plan {
    struct enrich_sync_change *v;   /* the listed accounts in listing order, then the retired */
    size_t n;
    size_t listed, created, updated, unretired, unchanged, retired;
    /* For queue_accounts_sync_write: the changes to store (created, updated, unretired,
     * retired), and every listed id. Point into v. */
    const char **write_ids, **write_json;
    size_t n_writes;
    const char **listed_ids;
};

/* listed: the CRM's accounts, a JSON array of account objects (as `vigie accounts import`
 * reads them; all or nothing: a bad one fails the sync, naming it); stored: the registry's
 * accounts, a JSON array; synced: the ids the sink's previous sync listed; now: an RFC 3339
 * time, the retirement time of accounts retired now. 0 with *out (free with
 * enrich_sync_plan_free), or -1 with err. */
int enrich_sync_plan_new(const char *listed, size_t listed_len, const char *stored, size_t stored_len,
                         const char *const *synced, size_t n_synced, const char *now,
                         struct enrich_sync_plan **out, char *err, size_t errlen);
void enrich_sync_plan_free(struct enrich_sync_plan *p);
/* 1 when the CRM listed no account at all and the plan would retire every account the sink's
 * previous sync listed: far more often a fault of the listing (a renamed property, a filter
 * or a permission gone) than the end of every key account, so callers write nothing unless
 * the user says so (`vigie accounts sync --allow-empty`). */
int enrich_sync_plan_empties(const struct enrich_sync_plan *p);

/* A CRM listing's account may name its parent company by the CRM's id, in this member (an
 * import ignores members starting with '_'); once every page is in,
 * enrich_sync_link_parents gives each such account the listed parent's vigie id as its
 * parent_id (a parent that is not listed, not a key account, is no account of vigie's and
 * gives none) and drops the member. `listing` is the listing's cJSON array. 0, or -1 on OOM. */
#define ENRICH_SYNC_PARENT_CRM_ID "_parent_crm_id"
struct cJSON;
int enrich_sync_link_parents(struct cJSON *listing);

/* "created", "updated", "unretired", "unchanged", "retired". */
const char *enrich_sync_verdict_name(enum enrich_sync_verdict v);

#endif
