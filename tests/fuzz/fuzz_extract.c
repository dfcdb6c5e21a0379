/* fuzz_extract — libFuzzer harness for the extraction pipeline and the rules parser.
 *
 * An input starting with '[' is a rules file: it is parsed and compiled (errors are fine,
 * crashes and leaks are not). Any other input is an item: its first line is the title, the
 * rest the summary, and a first byte 'f' marks it French; it goes through the whole pipeline
 * (fold, sentences, account matching, classification, amounts, people, parties, places,
 * signals, contacts, JSON) with the shipped rules and a few accounts. An input starting with
 * '{' is an item record: read by the item decoder and, when it has a `structured` member, the
 * structured path (identifier matching, signals, people; enrich/structured.h). */
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "enrich/contact.h"
#include "enrich/extract.h"
#include "enrich/item_json.h"
#include "enrich/structured.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char ACCOUNTS[] =
    "[{\"id\":\"orange\",\"name\":\"Orange SA\",\"aliases\":[\"Orange Business\"],"
    "\"domains\":[\"orange.com\"],\"tier\":\"key\",\"context_keywords\":[\"telecom\"]},"
    "{\"id\":\"renault\",\"name\":\"Renault SA\",\"aliases\":[\"Groupe Renault\"],"
    "\"domains\":[\"renault.com\"],\"identifiers\":{\"email_pattern\":\"f.last\",\"siren\":\"441639465\","
    "\"cik\":\"0000320193\",\"companies_house\":\"445790\"}}]";

static struct enrich_extractor *x;
static struct enrich_account_set *accounts;

static void init(void)
{
    char err[256];
    if (enrich_accounts_parse(ACCOUNTS, strlen(ACCOUNTS), &accounts, err, sizeof(err)) < 0)
        abort();
    struct enrich_rules *r = enrich_rules_default(err, sizeof(err));
    if (!r)
        abort();
    struct enrich_options opt = {.now = 1.7e9};
    x = enrich_extractor_new(r, accounts, &opt, err, sizeof(err));
    if (!x)
        abort();
}

/* Every record the result gives, then the result freed. */
static void consume(struct enrich_result *res)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    (void)enrich_result_json(x, res, &b);
    for (size_t i = 0; i < res->n_signals; i++)
        (void)enrich_signal_json(x, res, &res->signals[i], &b);
    vg_buf_free(&b);
    struct enrich_contact *c;
    size_t n;
    if (enrich_contacts_build(x, res, "https://example.com", "2024-01-01T00:00:00Z", &c, &n) == 0)
        enrich_contacts_free(c, n);
    enrich_result_free(res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!x)
        init();
    if (size > 200000)
        return 0;
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char err[256];
    if (size && buf[0] == '[') {
        struct enrich_rules *r = enrich_rules_new();
        if (r && enrich_rules_add(r, "fuzz.rules", buf, size, err, sizeof(err)) == 0)
            (void)enrich_rules_compile(r, err, sizeof(err));
        enrich_rules_free(r);
        free(buf);
        return 0;
    }
    if (size && buf[0] == '{') {
        struct enrich_item_json in;
        struct enrich_result *res = NULL;
        if (enrich_item_json_read(buf, size, &in, err, sizeof(err)) == 0 && in.structured &&
            enrich_structured_extract(x, &in.item, in.structured, &res, err, sizeof(err)) == 0)
            consume(res);
        enrich_item_json_clear(&in);
        free(buf);
        return 0;
    }
    /* NUL bytes end C strings: the item is what a JSON decoder could have produced */
    char *nl = memchr(buf, '\n', strlen(buf));
    const char *summary = "";
    if (nl) {
        *nl = '\0';
        summary = nl + 1;
    }
    struct enrich_item it = {.id = "fuzz", .title = buf, .summary = summary,
                             .lang = size && buf[0] == 'f' ? "fr" : "en",
                             .published = "2024-01-01T00:00:00Z", .source_reliability = 0.5};
    struct enrich_result *res;
    if (enrich_extract(x, &it, &res) == 0)
        consume(res);
    free(buf);
    return 0;
}
