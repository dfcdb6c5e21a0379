/* Unit tests of story SimHash: syndicated copies stay within the clustering distance (3),
 * different stories do not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>

#include "enrich/story.h"

static const char *const title = "Airbus remporte une commande de 40 A350 auprès d'Air France-KLM";
static const char *const summary =
    "Le groupe aéronautique européen a annoncé mardi avoir signé une commande ferme portant sur "
    "40 long-courriers A350 avec Air France-KLM, pour un montant catalogue de 12 milliards de "
    "dollars. Les livraisons doivent s'échelonner entre 2028 et 2032.";

static void copies_are_close(void **state)
{
    uint64_t a = enrich_simhash(title, summary);
    /* The same dispatch as another site republishes it: a suffix in the headline, HTML-ish
     * punctuation and case changes. */
    uint64_t b = enrich_simhash("AIRBUS remporte une commande de 40 A350 auprès d'Air France-KLM - Le Journal",
                                "Le groupe aéronautique européen a annoncé mardi avoir signé une commande ferme "
                                "portant sur 40 long-courriers A350 avec Air France-KLM, pour un montant catalogue "
                                "de 12 milliards de dollars. Les livraisons doivent s'échelonner entre 2028 et 2032.");
    assert_true(enrich_simhash_distance(a, b) <= 3);
}

static void publisher_suffixes_do_not_count(void **state)
{
    uint64_t a = enrich_simhash(title, summary);
    const char *const copies[] = {" | Tech Hebdo", " (dépêche)", " - Éco Matin", " — AFP"};
    for (size_t i = 0; i < 4; i++) {
        char t[300];
        snprintf(t, sizeof(t), "%s%s", title, copies[i]);
        assert_int_equal(enrich_simhash(t, summary), a);
    }
    /* A long tail after a dash is part of the headline, not a publisher. */
    char t[400];
    snprintf(t, sizeof(t), "%s - %s", title, "les livraisons commenceront en 2028 à Toulouse et à Hambourg");
    assert_int_not_equal(enrich_simhash(t, summary), a);
}

static void different_stories_are_far(void **state)
{
    uint64_t a = enrich_simhash(title, summary);
    uint64_t b = enrich_simhash("Danone nomme Juliette Favre directrice financière",
                                "Le groupe agroalimentaire a annoncé la nomination de Juliette Favre au poste de "
                                "directrice financière, à compter du 1er janvier. Elle succède à Pierre Martin.");
    uint64_t c = enrich_simhash("Airbus annonce des résultats trimestriels en hausse",
                                "Le chiffre d'affaires du groupe aéronautique progresse de 8 % au troisième "
                                "trimestre, porté par les livraisons d'A320.");
    assert_true(enrich_simhash_distance(a, b) > 10);
    assert_true(enrich_simhash_distance(a, c) > 10);
    assert_int_equal(enrich_simhash(NULL, ""), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(copies_are_close),
        cmocka_unit_test(publisher_suffixes_do_not_count),
        cmocka_unit_test(different_stories_are_far),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
