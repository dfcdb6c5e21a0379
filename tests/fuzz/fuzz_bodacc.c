/* fuzz_bodacc — libFuzzer harness for the `bodacc` source kind: hostile bytes as a whole records
 * answer, and the same bytes as the JSON a record carries inside its strings (listepersonnes,
 * jugement, modificationsgenerales, acte, depot), where the kind parses a second time. Either
 * the kind refuses with a named error kind and a readable message and no document, or every
 * item keeps the feed documents' promises (fuzz_check.h) and carries a structured member that is
 * a JSON object naming a SIREN of the batch, with typed signals of priority 0..100. */
#include "util/vg_alloc.h"
#include "fetchers/feed.h"
#include "fetchers/kind.h"
#include "fuzz_check.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define OPTIONS "{\"sirens\":[\"123456789\",\"987654321\",\"444555666\"]}"

static void check_structured(const char *s)
{
    cJSON *o = s ? cJSON_Parse(s) : NULL;
    if (!cJSON_IsObject(o))
        fz_fail("structured", "not a JSON object", s);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "company");
    const char *scheme = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "scheme"));
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "id"));
    if (!scheme || strcmp(scheme, "siren") != 0 || !id ||
        (strcmp(id, "123456789") != 0 && strcmp(id, "987654321") != 0 && strcmp(id, "444555666") != 0))
        fz_fail("structured company", "not a SIREN of the batch", s);
    const cJSON *sig, *signals = cJSON_GetObjectItemCaseSensitive(o, "signals");
    if (!cJSON_IsArray(signals) || cJSON_GetArraySize(signals) == 0)
        fz_fail("structured signals", "missing or empty", s);
    cJSON_ArrayForEach(sig, signals)
    {
        const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sig, "type"));
        const cJSON *prio = cJSON_GetObjectItemCaseSensitive(sig, "priority");
        if (!type || !*type)
            fz_fail("structured signal", "no type", s);
        if (prio && (!cJSON_IsNumber(prio) || prio->valuedouble < 0 || prio->valuedouble > 100))
            fz_fail("structured signal", "priority outside 0..100", s);
        fz_string("signal evidence", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sig, "evidence")), 0, 0);
    }
    cJSON_Delete(o);
}

static void run(const char *body, size_t len)
{
    const struct source_kind *k = source_kind_find("bodacc");
    if (!k)
        fz_fail("bodacc", "kind not registered", NULL);
    struct kind_input in = {.body = body, .len = len, .url = "https://bodacc.example/records",
                            .options = OPTIONS, .now = 1700000000};
    struct kind_output out = {0};
    char err[300] = "";
    if (k->parse(&in, &out, err, sizeof(err)) < 0) {
        if (!out.error_kind || !err[0] || fz_utf8_bad(err))
            fz_fail("bodacc parse", "a failure without an error kind or a readable message", err);
        if (out.doc)
            fz_fail("bodacc parse", "a document left after a failure", NULL);
        return;
    }
    char *json = feed_doc_to_json(out.doc);
    fz_doc(out.doc, FEED_MAX_ITEMS, json);
    for (size_t i = 0; i < out.doc->nitems; i++) {
        const struct feed_item *it = &out.doc->items[i];
        if (!it->id || !it->kind || strcmp(it->kind, "announcement") != 0)
            fz_fail("bodacc item", "no id or not an announcement", it->title);
        check_structured(it->structured);
    }
    vg_free(json);
    vg_free(out.watch_text);
    feed_doc_free(out.doc);
}

/* The input as the JSON inside each string member of one collective and one modification. */
static void run_inside(const uint8_t *data, size_t size)
{
    char *s = vg_strndup((const char *)data, size); /* cut at a NUL: a JSON string holds none */
    cJSON *root = cJSON_CreateObject(), *results = cJSON_AddArrayToObject(root, "results");
    static const char *const families[] = {"collective", "modification", "vente", "dpc"};
    for (size_t f = 0; s && results && f < sizeof(families) / sizeof(families[0]); f++) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddItemToArray(results, r);
        cJSON_AddStringToObject(r, "id", "A1");
        cJSON_AddStringToObject(r, "familleavis", families[f]);
        cJSON_AddStringToObject(r, "registre", "123 456 789,123456789");
        cJSON_AddStringToObject(r, "tribunal", s);
        static const char *const members[] = {"listepersonnes", "jugement", "modificationsgenerales", "acte",
                                              "depot", "listeetablissements", "listeprecedentproprietaire"};
        for (size_t m = 0; m < sizeof(members) / sizeof(members[0]); m++)
            cJSON_AddStringToObject(r, members[m], s);
    }
    char *body = cJSON_PrintUnformatted(root);
    if (body)
        run(body, strlen(body));
    cJSON_free(body);
    cJSON_Delete(root);
    vg_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run((const char *)data, size);
    run_inside(data, size);
    return 0;
}
