/* test_structured — items of company sources (docs/design.md "Structured items"): read by the
 * item decoder, given to the account that holds their identifier (never by name; cik zero
 * padding and register spellings compare equal; retired accounts and unknown identifiers get
 * nothing), one signal per entry with its type, priority, evidence, amounts, people and
 * change, officers as contacts with their roles normalised, and a clear error for each
 * malformed member. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "enrich/contact.h"
#include "enrich/extract.h"
#include "enrich/id_index.h"
#include "enrich/item_json.h"
#include "enrich/structured.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

static const char ACCOUNTS[] =
    "[{\"id\":\"renault\",\"name\":\"Renault\",\"domains\":[\"renault.example\"],\"tier\":\"key\","
    "\"identifiers\":{\"siren\":\"441 639 465\"}},"
    "{\"id\":\"apple\",\"name\":\"Apple\",\"identifiers\":{\"cik\":\"320193\"}},"
    "{\"id\":\"msft\",\"name\":\"Microsoft\",\"identifiers\":{\"cik\":\"0000789019\"}},"
    "{\"id\":\"tesco\",\"name\":\"Tesco\",\"identifiers\":{\"companies_house\":\"00445790\"}},"
    "{\"id\":\"oldco\",\"name\":\"Oldco\",\"retired\":\"2026-01-01T00:00:00Z\","
    "\"identifiers\":{\"siren\":\"552081317\"}}]";

struct fixture {
    struct enrich_account_set *set;
    struct enrich_extractor *x;
};

static int setup(void **state)
{
    static struct fixture f;
    char err[256];
    if (enrich_accounts_parse(ACCOUNTS, strlen(ACCOUNTS), &f.set, err, sizeof(err)) < 0)
        fail_msg("accounts: %s", err);
    struct enrich_rules *r = enrich_rules_default(err, sizeof(err));
    assert_non_null(r);
    f.x = enrich_extractor_new(r, f.set, NULL, err, sizeof(err));
    assert_non_null(f.x);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    enrich_extractor_free(f->x);
    enrich_account_set_free(f->set);
    return 0;
}

/* Runs one item line through the decoder and the structured path; NULL with err on error. */
static struct enrich_result *run(struct fixture *f, const char *line, char *err, size_t errlen)
{
    struct enrich_item_json in;
    struct enrich_result *r = NULL;
    if (enrich_item_json_read(line, strlen(line), &in, err, errlen) == 0) {
        assert_non_null(in.structured);
        if (enrich_structured_extract(f->x, &in.item, in.structured, &r, err, errlen) < 0)
            r = NULL;
    }
    enrich_item_json_clear(&in);
    return r;
}

static struct enrich_result *ok(struct fixture *f, const char *line)
{
    char err[256] = "";
    struct enrich_result *r = run(f, line, err, sizeof(err));
    if (!r)
        fail_msg("%s: %s", line, err);
    return r;
}

/* An item naming company (scheme, id) with the given signals and people (JSON text). */
static const char *item(char *buf, size_t cap, const char *id, const char *scheme,
                        const char *cid, const char *signals, const char *people)
{
    snprintf(buf, cap,
             "{\"id\":\"%s\",\"title\":\"Renault acquiert Nissan pour 2 milliards d'euros\","
             "\"summary\":\"Renault rachète Nissan.\",\"lang\":\"fr\",\"url\":\"https://register.example/%s\","
             "\"structured\":{\"source\":\"fr_company\",\"company\":{\"scheme\":\"%s\",\"id\":\"%s\","
             "\"name\":\"RENAULT\"},\"signals\":%s,\"people\":%s}}",
             id, cid, scheme, cid, signals, people);
    return buf;
}

static const char *signal_json(struct fixture *f, const struct enrich_result *r, size_t i,
                               struct vg_buf *b)
{
    vg_buf_reset(b);
    assert_int_equal(enrich_signal_json(f->x, r, &r->signals[i], b), 0);
    return b->data;
}

static void test_identifier_match(void **state)
{
    struct fixture *f = *state;
    char buf[2048];
    struct {
        const char *scheme, *id, *account;
    } cases[] = {
        {"siren", "441639465", "renault"},
        {"siren", "441 639 465", "renault"},     /* a register's spacing */
        {"cik", "0000320193", "apple"},          /* EDGAR's padding, stored without */
        {"cik", "320193", "apple"},
        {"cik", "789019", "msft"},               /* stored padded, named without */
        {"companies_house", "445790", "tesco"},  /* the register's eight characters */
        {"companies_house", "00445790", "tesco"},
        {"SIREN", "441639465", "renault"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct enrich_result *r =
            ok(f, item(buf, sizeof(buf), "e1", cases[i].scheme, cases[i].id,
                       "[{\"type\":\"registry_change\",\"evidence\":\"Capital increased.\"}]", "[]"));
        assert_int_equal(r->n_accounts, 1);
        assert_string_equal(f->set->v[r->accounts[0]].id, cases[i].account);
        assert_int_equal(r->n_signals, 1);
        const struct enrich_signal *s = &r->signals[0];
        assert_string_equal(s->account_id, cases[i].account);
        assert_int_equal(s->role, ENRICH_ROLE_SUBJECT);
        assert_true(s->confidence == 1.0);
        assert_string_equal(s->type, "registry_change");
        assert_string_equal(s->evidence, "Capital increased.");
        enrich_result_free(r);
    }
    /* the index alone: a cik of letters has no canonical form */
    assert_int_equal(enrich_id_index_find(enrich_extractor_ids(f->x), "cik", "abc"), -1);
    assert_int_equal(enrich_id_index_find(enrich_extractor_ids(f->x), "cik", "0"), -1);
}

/* Never by name, never to a retired account, nothing for an identifier no account holds. */
static void test_no_account(void **state)
{
    struct fixture *f = *state;
    char buf[2048];
    const char *sig = "[{\"type\":\"insolvency\",\"priority\":100}]";
    const char *people = "[{\"name\":\"Jean Martin\",\"role\":\"Président\"}]";
    const char *cases[][2] = {
        {"siren", "999999999"},     /* unknown: the name "RENAULT" in the item does not count */
        {"siren", "552081317"},     /* held by a retired account */
        {"lei", "969500KOPYBNQ4VG4A70"},
        {"cik", "441639465"},       /* renault's number under another scheme */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct enrich_result *r = ok(f, item(buf, sizeof(buf), "e2", cases[i][0], cases[i][1], sig, people));
        assert_int_equal(r->n_accounts, 0);
        assert_int_equal(r->n_signals, 0);
        struct enrich_contact *c;
        size_t nc;
        assert_int_equal(enrich_contacts_build(f->x, r, NULL, r->detected, &c, &nc), 0);
        assert_int_equal(nc, 0);
        enrich_contacts_free(c, nc);
        /* what `vigie extract --json` still shows: the types, no account */
        assert_int_equal(r->n_types, 1);
        assert_string_equal(r->types[0], "insolvency");
        enrich_result_free(r);
    }
}

static void test_signals(void **state)
{
    struct fixture *f = *state;
    char buf[4096];
    struct vg_buf b;
    vg_buf_init(&b, 0);
    const char *sigs =
        "[{\"type\":\"registry_change\",\"evidence\":\"Head office moved from A to B.\","
        "\"change\":{\"field\":\"head_office\",\"before\":\"A\",\"after\":\"B\"}},"
        "{\"type\":\"insolvency\",\"priority\":100,\"confidence\":0.9,\"evidence\":\"Jugement d'ouverture.\"},"
        "{\"type\":\"financial_results\",\"amounts\":[{\"value\":52376000000,\"currency\":\"EUR\"}],"
        "\"change\":{\"field\":\"revenue\",\"before\":null,\"after\":{\"year\":2025,\"value\":52376000000}}},"
        "{\"type\":\"registry_change\",\"evidence\":\"Capital increased.\"}]";
    struct enrich_result *r = ok(f, item(buf, sizeof(buf), "e3", "siren", "441639465", sigs, "[]"));
    /* only the entries: the title's acquisition is not read from the text */
    assert_int_equal(r->n_signals, 4);
    assert_int_equal(r->n_types, 3);
    for (size_t i = 0; i < r->n_signals; i++)
        assert_string_not_equal(r->signals[i].type, "acquisition");

    const char *j = signal_json(f, r, 0, &b);
    assert_non_null(strstr(j, "\"type\":\"registry_change\""));
    assert_non_null(strstr(j, "\"change\":{\"field\":\"head_office\",\"before\":\"A\",\"after\":\"B\"}"));
    assert_non_null(strstr(j, "\"evidence\":\"Head office moved from A to B.\""));
    assert_non_null(strstr(j, "\"url\":\"https://register.example/441639465\""));
    /* a computed priority: registry_change has a weight of its own */
    assert_true(r->signals[0].priority > 0 && r->signals[0].priority < 100);

    assert_int_equal(r->signals[1].priority, 100);   /* the entry's priority replaces it */
    assert_true(r->signals[1].confidence == 0.9);
    j = signal_json(f, r, 1, &b);
    assert_null(strstr(j, "\"change\""));             /* only when the entry says one */

    j = signal_json(f, r, 2, &b);
    assert_non_null(strstr(j, "\"amounts\":[{\"value\":52376000000,\"currency\":\"EUR\"}]"));
    assert_non_null(strstr(j, "\"change\":{\"field\":\"revenue\",\"before\":null,\"after\":{\"year\":2025,"));
    /* no evidence given: the item's title stands in */
    assert_string_equal(r->signals[2].evidence, "Renault acquiert Nissan pour 2 milliards d'euros");

    /* ids: deterministic, distinct within the item, the same on a re-delivery */
    for (size_t i = 0; i < r->n_signals; i++)
        for (size_t k = i + 1; k < r->n_signals; k++)
            assert_string_not_equal(r->signals[i].id, r->signals[k].id);
    struct enrich_result *again = ok(f, item(buf, sizeof(buf), "e3", "siren", "441639465", sigs, "[]"));
    for (size_t i = 0; i < r->n_signals; i++)
        assert_string_equal(r->signals[i].id, again->signals[i].id);
    enrich_result_free(again);
    struct enrich_result *other = ok(f, item(buf, sizeof(buf), "e4", "siren", "441639465", sigs, "[]"));
    assert_string_not_equal(r->signals[0].id, other->signals[0].id);
    enrich_result_free(other);
    enrich_result_free(r);
    vg_buf_free(&b);
}

static const struct enrich_contact *contact(const struct enrich_contact *c, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].name, name) == 0)
            return &c[i];
    return NULL;
}

static void test_contacts(void **state)
{
    struct fixture *f = *state;
    char buf[4096];
    const char *sigs = "[{\"type\":\"leadership_change\",\"evidence\":\"Luca de Meo quitte la direction générale.\","
                       "\"people\":[{\"name\":\"Luca de Meo\",\"role\":\"Directeur général\",\"departing\":true}]}]";
    const char *people = "[{\"name\":\"Jean-Dominique Senard\",\"role\":\"Président du conseil d'administration\"},"
                         "{\"name\":\"Marie Dupont\",\"role\":\"Gérante\",\"departing\":false},"
                         "{\"name\":\"Luca de Meo\",\"role\":\"Directeur général\"},"
                         "{\"name\":\"Paul Martin\",\"role\":\"Commissaire aux comptes titulaire\"},"
                         "{\"name\":\"Anne Nom\"}]";
    struct enrich_result *r = ok(f, item(buf, sizeof(buf), "e5", "siren", "441639465", sigs, people));
    assert_int_equal(r->n_signals, 1);
    assert_int_equal(r->signals[0].n_people, 1);
    struct vg_buf b;
    vg_buf_init(&b, 0);
    const char *j = signal_json(f, r, 0, &b);
    assert_non_null(strstr(j, "\"people\":[{\"name\":\"Luca de Meo\",\"role\":\"Directeur général\","
                              "\"role_norm\":\"ceo\",\"seniority\":\"c_level\",\"department\":\"executive\","
                              "\"departing\":true}]"));
    vg_buf_free(&b);

    struct enrich_contact *c;
    size_t nc;
    assert_int_equal(enrich_contacts_build(f->x, r, "https://register.example/441639465", r->detected, &c, &nc), 0);
    assert_int_equal(nc, 4);   /* Anne Nom has no role: named, not an officer */
    const struct enrich_contact *p = contact(c, nc, "Luca de Meo");
    assert_non_null(p);
    assert_string_equal(p->role_norm, "ceo");
    assert_true(p->departing);   /* the signal's word, once per person */
    assert_string_equal(p->account_id, "renault");
    p = contact(c, nc, "Jean-Dominique Senard");
    assert_non_null(p);
    assert_string_equal(p->role_norm, "chairman");
    assert_string_equal(p->seniority, "board");
    assert_string_equal(p->title, "Président du conseil d'administration");
    assert_string_equal(p->account_id, "renault");
    assert_false(p->departing);
    assert_non_null(p->email_guess);   /* the account's domain, as for extracted contacts */
    p = contact(c, nc, "Marie Dupont");
    assert_non_null(p);
    assert_string_equal(p->role_norm, "ceo");   /* a register's gérante runs the company */
    p = contact(c, nc, "Paul Martin");
    assert_non_null(p);
    assert_string_equal(p->role_norm, "other");
    assert_null(contact(c, nc, "Anne Nom"));
    enrich_contacts_free(c, nc);
    enrich_result_free(r);

    /* officers alone, no signal: still the account's contacts */
    r = ok(f, item(buf, sizeof(buf), "e6", "siren", "441639465", "[]",
                   "[{\"name\":\"Jean-Dominique Senard\",\"role\":\"Président du conseil d'administration\"}]"));
    assert_int_equal(r->n_signals, 0);
    assert_int_equal(enrich_contacts_build(f->x, r, NULL, r->detected, &c, &nc), 0);
    assert_int_equal(nc, 1);
    assert_string_equal(c[0].account_id, "renault");
    enrich_contacts_free(c, nc);
    enrich_result_free(r);
}

static void test_malformed(void **state)
{
    struct fixture *f = *state;
    const char *head = "{\"id\":\"m\",\"title\":\"t\",\"structured\":";
    struct {
        const char *structured, *want;
    } cases[] = {
        {"[1]", "\"structured\" must be an object"},
        {"\"x\"", "\"structured\" must be an object"},
        {"{}", "\"structured.company\" must be an object"},
        {"{\"company\":{\"scheme\":\"siren\"}}", "\"structured.company\" needs \"scheme\" and \"id\""},
        {"{\"company\":{\"scheme\":\"siren\",\"id\":441639465}}", "\"structured.company.id\" must be a string"},
        {"{\"company\":{\"scheme\":\"siren\",\"id\":\"1\"},\"signals\":{}}", "\"structured.signals\" must be an array"},
        {"{\"company\":{\"scheme\":\"siren\",\"id\":\"1\"},\"signals\":[{}]}", "\"structured.signals[0].type\" is missing"},
        {"{\"company\":{\"scheme\":\"siren\",\"id\":\"1\"},\"signals\":[{\"type\":\"merger\"}]}",
         "\"structured.signals[0].type\": \"merger\" is not a signal type of the rules"},
        {"{\"company\":{\"scheme\":\"siren\",\"id\":\"1\"},\"signals\":[{\"type\":\"insolvency\",\"priority\":150}]}",
         "\"structured.signals[0].priority\" must be a whole number from 0 to 100"},
        {"{\"company\":{\"scheme\":\"siren\",\"id\":\"1\"},\"signals\":[{\"type\":\"insolvency\",\"priority\":\"100\"}]}",
         "\"structured.signals[0].priority\" must be a whole number from 0 to 100"},
        {"{\"company\":{\"scheme\":\"siren\",\"id\":\"1\"},\"signals\":[{\"type\":\"hiring\",\"confidence\":2}]}",
         "\"structured.signals[0].confidence\" must be a number from 0 to 1"},
        {"{\"company\":{\"scheme\":\"siren\",\"id\":\"1\"},\"signals\":[{\"type\":\"hiring\",\"change\":[]}]}",
         "\"structured.signals[0].change\" must be an object"},
        {"{\"company\":{\"scheme\":\"siren\",\"id\":\"1\"},\"signals\":[{\"type\":\"hiring\",\"change\":{\"before\":1}}]}",
         "\"structured.signals[0].change.field\" is missing"},
        {"{\"company\":{\"scheme\":\"siren\",\"id\":\"1\"},\"signals\":[{\"type\":\"funding\",\"amounts\":[{\"value\":1,\"currency\":\"euros\"}]}]}",
         "\"structured.signals[0].amounts[0].currency\" must be an ISO 4217 code (\"EUR\")"},
        {"{\"company\":{\"scheme\":\"siren\",\"id\":\"1\"},\"people\":{\"name\":\"A B\"}}",
         "\"structured.people\" must be an array"},
        {"{\"company\":{\"scheme\":\"siren\",\"id\":\"1\"},\"people\":[{\"role\":\"Président\"}]}",
         "\"structured.people[0].name\" is missing"},
        {"{\"company\":{\"scheme\":\"siren\",\"id\":\"1\"},\"people\":[{\"name\":\"A B\",\"departing\":\"yes\"}]}",
         "\"structured.people[0].departing\" must be true or false"},
        {"{\"company\":{\"scheme\":\"siren\",\"id\":\"1\"},\"signals\":[{\"type\":\"leadership_change\",\"people\":[{\"name\":\"A B\",\"role\":3}]}]}",
         "\"structured.signals[0].people[0].role\" must be a string"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char line[1024], err[256] = "";
        snprintf(line, sizeof(line), "%s%s}", head, cases[i].structured);
        struct enrich_item_json in;
        struct enrich_result *r = NULL;
        int rc = enrich_item_json_read(line, strlen(line), &in, err, sizeof(err));
        if (rc == 0)
            rc = enrich_structured_extract(f->x, &in.item, in.structured, &r, err, sizeof(err));
        enrich_item_json_clear(&in);
        if (rc == 0)
            fail_msg("accepted: %s", line);
        assert_null(r);
        assert_string_equal(err, cases[i].want);
    }
    /* a bounded number of people, whatever the item */
    static char big[64 * 1024];
    size_t n = (size_t)snprintf(big, sizeof(big), "%s{\"company\":{\"scheme\":\"siren\",\"id\":\"441639465\"},"
                                                  "\"signals\":[{\"type\":\"leadership_change\",\"people\":[", head);
    for (int i = 0; i < 200; i++)
        n += (size_t)snprintf(big + n, sizeof(big) - n, "%s{\"name\":\"Person %d\",\"role\":\"CEO\"}", i ? "," : "", i);
    n += (size_t)snprintf(big + n, sizeof(big) - n, "]}],\"people\":[");
    for (int i = 0; i < 57; i++)
        n += (size_t)snprintf(big + n, sizeof(big) - n, "%s{\"name\":\"Officer %d\",\"role\":\"CFO\"}", i ? "," : "", i);
    snprintf(big + n, sizeof(big) - n, "]}}");
    char err0[256] = "";
    assert_null(run(f, big, err0, sizeof(err0)));
    assert_string_equal(err0, "\"structured\" names more than 256 people");

    /* null reads as absent: a text item */
    char err[256];
    struct enrich_item_json in;
    const char *line = "{\"id\":\"n\",\"title\":\"t\",\"structured\":null}";
    assert_int_equal(enrich_item_json_read(line, strlen(line), &in, err, sizeof(err)), 0);
    assert_null(in.structured);
    enrich_item_json_clear(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identifier_match),
        cmocka_unit_test(test_no_account),
        cmocka_unit_test(test_signals),
        cmocka_unit_test(test_contacts),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
