/* fuzz_match — the matcher and the normaliser on hostile text.
 *
 * A fixed account set with the hard cases (everyday-word names, first names, keywords,
 * domains, tickers) is built once. Each input's first byte picks the source account and the
 * threshold; the rest is the text. Checks what callers rely on: offsets inside the text and on
 * character boundaries, results sorted, confidences within 0..1, and a normalisation map that
 * only moves forward. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/vg_alloc.h"
#include "enrich/account.h"
#include "enrich/matcher.h"
#include "enrich/norm.h"

/* Not assert(): release builds define NDEBUG, and these checks must always run. */
#define CHECK(x) do { if (!(x)) abort(); } while (0)

static const char accounts_json[] =
    "[{\"id\":\"orange\",\"name\":\"Orange SA\",\"aliases\":[\"Sosh\",\"Orange Business\"],"
    "\"domains\":[\"orange.com\"],\"identifiers\":{\"ticker\":\"ORA\"},"
    "\"context_keywords\":[\"opérateur\",\"5G\"],\"negative_keywords\":[\"jus d'orange\"]},"
    "{\"id\":\"total\",\"name\":\"TotalEnergies SE\",\"aliases\":[\"Total\"],"
    "\"negative_keywords\":[\"au total\",\"le total\"]},"
    "{\"id\":\"sage\",\"name\":\"The Sage Group plc\",\"context_keywords\":[\"payroll\"]},"
    "{\"id\":\"seb\",\"name\":\"Groupe SEB\",\"aliases\":[\"Tefal\"]},"
    "{\"id\":\"sg\",\"name\":\"Compagnie de Saint-Gobain SA\",\"domains\":[\"saint-gobain.com\"]},"
    "{\"id\":\"loreal\",\"name\":\"L'Oréal\",\"identifiers\":{\"ticker\":\"OR\"}},"
    "{\"id\":\"a\",\"name\":\"A\"},{\"id\":\"aa\",\"name\":\"A A A A\"}]";

static struct enrich_account_set *set;
static struct enrich_matcher *matcher;

static void setup(void)
{
    char err[256];
    if (matcher)
        return;
    if (enrich_accounts_parse(accounts_json, sizeof(accounts_json) - 1, &set, err, sizeof(err)) < 0)
        abort();
    if (!(matcher = enrich_matcher_build(set, err, sizeof(err))))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    if (size == 0)
        return 0;
    const char *src = (data[0] & 0x80) ? set->v[data[0] % set->n].id : NULL;
    double min = (data[0] & 0x0F) / 16.0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;

    struct enrich_match *m;
    size_t n;
    if (enrich_match_text(matcher, text, len, src, min, &m, &n) == 0) {
        for (size_t i = 0; i < n; i++) {
            CHECK(m[i].account < set->n);
            CHECK(m[i].start < m[i].end && m[i].end <= len);
            CHECK(((unsigned char)text[m[i].start] & 0xC0) != 0x80);
            CHECK(m[i].confidence >= min && m[i].confidence <= 1.0);
            if (i > 0)
                CHECK(m[i - 1].start <= m[i].start);
        }
        vg_free(m);
    }

    size_t *map, out_len;
    char *norm = enrich_norm(text, len, &map, &out_len);
    if (norm) {
        CHECK(strlen(norm) == out_len);
        for (size_t i = 0; i < out_len; i++) {
            CHECK(map[i] < len);
            if (i > 0)
                CHECK(map[i - 1] <= map[i]);
        }
        CHECK(map[out_len] == len);
        if (out_len > 0) {
            size_t s, e;
            enrich_norm_span(text, len, map, 0, out_len, &s, &e);
            CHECK(s <= e && e <= len);
        }
        vg_free(norm);
        vg_free(map);
    }
    char *name = enrich_norm_name(text, len < 256 ? len : 256);
    vg_free(name);
    return 0;
}
