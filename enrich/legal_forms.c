/* legal_forms — company legal-form suffixes of the countries key accounts come from.
 *
 * Used twice: stripped from account names when match patterns are built ("Orange SA" is
 * matched as "orange"), and taken as evidence when one follows a mention in text ("Total SE").
 * Forms that are also everyday words or one or two letters ("sa", "as", "co", "group") carry
 * kind 2 so the matcher trusts them only when written with a capital ("Orange SA", not
 * "Orange sa stratégie"). Tokens are normalised (lower case; "S.A." is "s.a"); the table is
 * sorted by bytes for bsearch, which test_norm checks. */
#include <stdlib.h>
#include <string.h>

#include "enrich/norm.h"

struct legal_form { const char *tok; int kind; };

static const struct legal_form legal_forms[] = {
    {"ab", 2},
    {"ag", 2},
    {"aps", 1},
    {"as", 2},
    {"asa", 1},
    {"b.v", 1},
    {"berhad", 1},
    {"bhd", 1},
    {"bv", 2},
    {"cie", 2},
    {"co", 2},
    {"company", 2},
    {"corp", 1},
    {"corporation", 1},
    {"e.v", 1},
    {"eurl", 1},
    {"gie", 1},
    {"gmbh", 1},
    {"group", 2},
    {"groupe", 2},
    {"holding", 2},
    {"holdings", 2},
    {"inc", 1},
    {"incorporated", 1},
    {"kft", 1},
    {"kg", 2},
    {"kgaa", 1},
    {"limited", 2},
    {"llc", 1},
    {"llp", 1},
    {"lp", 2},
    {"ltd", 1},
    {"ltda", 1},
    {"mbh", 1},
    {"n.v", 1},
    {"nv", 2},
    {"nyrt", 1},
    {"ohg", 1},
    {"oy", 2},
    {"oyj", 1},
    {"p.l.c", 1},
    {"plc", 1},
    {"pte", 1},
    {"pty", 1},
    {"s.a", 1},
    {"s.a.r.l", 1},
    {"s.a.s", 1},
    {"s.p.a", 1},
    {"s.r.l", 1},
    {"s.r.o", 1},
    {"sa", 2},
    {"sarl", 1},
    {"sas", 1},
    {"sasu", 1},
    {"sau", 1},
    {"sca", 2},
    {"sci", 1},
    {"scop", 1},
    {"scp", 1},
    {"sdn", 1},
    {"se", 2},
    {"sl", 2},
    {"snc", 1},
    {"spa", 2},
    {"srl", 1},
    {"sro", 1},
    {"ug", 2},
    {"ulc", 1},
    {"zrt", 1},
};

struct key { const char *s; size_t len; };

static int cmp_form(const void *k, const void *e)
{
    const struct key *key = k;
    const char *w = ((const struct legal_form *)e)->tok;
    size_t wl = strlen(w);
    size_t n = key->len < wl ? key->len : wl;
    int c = memcmp(key->s, w, n);
    if (c)
        return c;
    return key->len < wl ? -1 : key->len > wl ? 1 : 0;
}

int enrich_is_legal_form(const char *tok, size_t len)
{
    if (!tok || len == 0 || len > 16)
        return 0;
    struct key key = {tok, len};
    const struct legal_form *f = bsearch(&key, legal_forms, sizeof(legal_forms) / sizeof(legal_forms[0]),
                                         sizeof(legal_forms[0]), cmp_form);
    return f ? f->kind : 0;
}

const char *enrich_legal_form_name(size_t i)
{
    return i < sizeof(legal_forms) / sizeof(legal_forms[0]) ? legal_forms[i].tok : NULL;
}
