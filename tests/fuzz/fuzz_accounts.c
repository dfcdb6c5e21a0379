/* fuzz_accounts — account files (JSON or CSV) from hostile bytes.
 *
 * Parses the input with enrich_accounts_parse(); when it is accepted, checks the promises the
 * importer relies on (ids and names present, tier set, ids unique, units named once), runs the
 * checks across accounts (parents, unit names) and builds a matcher from it
 * and runs it over a sentence, since an accepted file goes straight to the matcher. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/vg_alloc.h"
#include "enrich/account.h"
#include "enrich/matcher.h"

/* Not assert(): release builds define NDEBUG, and these checks must always run. */
#define CHECK(x) do { if (!(x)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct enrich_account_set *set = NULL;
    char err[256];
    if (enrich_accounts_parse((const char *)data, size, &set, err, sizeof(err)) < 0) {
        CHECK(set == NULL);
        CHECK(err[0] != '\0');
        return 0;
    }
    CHECK(set != NULL);
    for (size_t i = 0; i < set->n; i++) {
        const struct enrich_account *a = &set->v[i];
        CHECK(a->id && a->id[0] && a->name && a->name[0] && a->tier);
        CHECK(enrich_account_find(set, a->id) == a);   /* ids are unique */
        for (size_t u = 0; u < a->n_units; u++)          /* units are named, once each */
            CHECK(a->units[u].name && a->units[u].name[0] &&
                  enrich_account_unit_find(a, a->units[u].name) == (int)u);
    }
    /* The checks an import makes across accounts answer, either way, with a reason when they refuse. */
    if (enrich_accounts_check_groups(set, set, err, sizeof(err)) < 0)
        CHECK(err[0] != '\0');
    struct enrich_matcher *m = enrich_matcher_build(set, err, sizeof(err));
    if (m) {
        static const char text[] = "Orange SA et Total annoncent, selon www.example.com (EPA: ORA), "
                                   "un accord avec le groupe SEB et L'Oréal.";
        struct enrich_match *mt;
        size_t n;
        if (enrich_match_text(m, text, sizeof(text) - 1, set->n ? set->v[0].id : NULL, 0.0, &mt, &n) == 0) {
            for (size_t i = 0; i < n; i++)
                CHECK(mt[i].account < set->n && mt[i].start < mt[i].end && mt[i].end <= sizeof(text) - 1 &&
                      mt[i].unit < (int)set->v[mt[i].account].n_units);
            vg_free(mt);
        }
        enrich_matcher_free(m);
    }
    enrich_account_set_free(set);
    return 0;
}
