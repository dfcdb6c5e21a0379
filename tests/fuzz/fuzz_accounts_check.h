/* fuzz_accounts_check — what the CRM answer harnesses share: a body copy without a NUL after
 * it, and the promise of a key-account listing: `vigie accounts import` takes it as it is, and
 * so does `vigie accounts sync`, which creates every listed account in an empty registry. */
#ifndef VG_FUZZ_ACCOUNTS_CHECK_H
#define VG_FUZZ_ACCOUNTS_CHECK_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enrich/account.h"
#include "enrich/account_sync.h"
#include "fuzz_text.h"

/* A copy of the body without a terminating NUL (a read past it is a bug). */
static char *fz_body_copy(const uint8_t *data, size_t len)
{
    char *b = malloc(len ? len : 1);
    if (!b)
        abort();
    memcpy(b, data, len);
    return b;
}

static void fz_accounts_importable(const cJSON *accounts)
{
    char *json = cJSON_PrintUnformatted(accounts);
    if (!json)
        abort();
    struct enrich_account_set *set = NULL;
    char err[512];
    if (enrich_accounts_parse(json, strlen(json), &set, err, sizeof(err)) < 0) {
        fprintf(stderr, "accounts import refused: %s\n", err);
        fz_fail("accounts", "vigie accounts import refuses them", json);
    }
    if (set->n != (size_t)cJSON_GetArraySize(accounts))
        fz_fail("accounts", "the import holds another number of accounts", json);
    enrich_account_set_free(set);
    struct enrich_sync_plan *plan = NULL;
    if (enrich_sync_plan_new(json, strlen(json), "[]", 2, NULL, 0, "2026-12-07T12:00:00Z", &plan, err,
                             sizeof(err)) < 0) {
        fprintf(stderr, "accounts sync refused: %s\n", err);
        fz_fail("accounts", "vigie accounts sync refuses them", json);
    }
    if (plan->created != plan->listed)
        fz_fail("accounts", "a listed account not created in an empty registry", json);
    enrich_sync_plan_free(plan);
    cJSON_free(json);
}

#endif
