/* test_stable_ids — the hash behind every id, and the ids stored in Redis by earlier versions
 * that must not change: an item's id (its dedup key), a source's default id, a story's SimHash
 * (its bands) and a signal's id. A change here would make every item already seen look new
 * and every story already told start again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/vg_alloc.h"
#include "util/vg_hash.h"
#include "enrich/score.h"
#include "enrich/story.h"
#include "fetchers/feed.h"
#include "fetchers/item.h"
#include "fetchers/source.h"

static void fnv1a_is_the_standard_one(void **state)
{
    (void)state;
    /* the published FNV-1a 64 test vectors */
    assert_true(vg_fnv1a64_str("") == 0xcbf29ce484222325ULL);
    assert_true(vg_fnv1a64_str("a") == 0xaf63dc4c8601ec8cULL);
    assert_true(vg_fnv1a64_str("foobar") == 0x85944171f73967e8ULL);
    assert_true(vg_fnv1a64("foobar", 6) == vg_fnv1a64_str("foobar"));
    assert_true(vg_fnv1a64_legacy_str("") == VG_FNV64_LEGACY_BASIS);
    assert_true(vg_fnv1a64_legacy_str("a") != vg_fnv1a64_str("a"));
}

static void stored_ids_are_stable(void **state)
{
    (void)state;
    char *sid = fetch_source_default_id("https://www.example.com/feed.xml");
    assert_string_equal(sid, "s4c548b27997e");
    vg_free(sid);

    struct feed_doc *d = feed_doc_new(FEED_FORMAT_RSS20);
    struct feed_item *it = feed_doc_add_item(d);
    it->link = vg_strdup("https://www.example.com/news/1?utm_source=x");
    it->title = vg_strdup("T");
    struct fetch_item_keys k;
    char *json = fetch_item_json("s1", NULL, d, it, &k);
    assert_non_null(json);
    assert_string_equal(k.id, "ce8bed8412cf37ea");
    assert_string_equal(k.fp, "08c82907b56aa574");
    vg_free(json);
    feed_doc_free(d);

    assert_true(enrich_simhash("Airbus remporte une commande de 40 A350", "auprès d'Air France-KLM") ==
                0x09489c03c10c1030ULL);

    char sig[33];
    enrich_signal_id("airbus", "airbus remporte commande a350", "contract_win", sig);
    assert_string_equal(sig, "4365d1ed68347a0ba12243b0d94f61a5");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fnv1a_is_the_standard_one),
        cmocka_unit_test(stored_ids_are_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
