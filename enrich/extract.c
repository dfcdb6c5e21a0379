/* extract — the per-item pipeline and its records (see extract.h). */
#include "enrich/extract.h"

#include "util/vg_alloc.h"
#include "enrich/classify.h"
#include "enrich/doc.h"
#include "enrich/id_index.h"
#include "enrich/score.h"
#include "enrich/text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <strings.h>
#include <time.h>

#define MAX_TYPES 64
#define MAX_AMOUNTS 64

struct enrich_extractor {
    struct enrich_rules *rules;
    const struct enrich_account_set *accounts;
    struct enrich_matcher *matcher;
    struct enrich_id_index *ids;      /* accounts by identifier, for structured items */
    struct enrich_options opt;
};

struct enrich_extractor *enrich_extractor_new(struct enrich_rules *rules,
                                              const struct enrich_account_set *accounts,
                                              const struct enrich_options *opt,
                                              char *err, size_t errlen)
{
    struct enrich_extractor *x = vg_calloc(1, sizeof(*x));
    if (!x) {
        snprintf(err, errlen, "out of memory");
        enrich_rules_free(rules);
        return NULL;
    }
    x->rules = rules;
    x->accounts = accounts;
    x->opt.min_signal_confidence = 0.5;
    x->opt.min_match_confidence = 0.6;
    if (opt) {
        x->opt = *opt;
        if (x->opt.min_signal_confidence <= 0)
            x->opt.min_signal_confidence = 0.5;
        if (x->opt.min_match_confidence <= 0)
            x->opt.min_match_confidence = 0.6;
    }
    if (accounts && accounts->n) {
        x->matcher = enrich_matcher_build(accounts, err, errlen);
        if (!x->matcher) {
            enrich_extractor_free(x);
            return NULL;
        }
    }
    if (!(x->ids = enrich_id_index_build(accounts))) {
        snprintf(err, errlen, "out of memory");
        enrich_extractor_free(x);
        return NULL;
    }
    return x;
}

void enrich_extractor_free(struct enrich_extractor *x)
{
    if (!x)
        return;
    enrich_matcher_free(x->matcher);
    enrich_id_index_free(x->ids);
    enrich_rules_free(x->rules);
    vg_free(x);
}

const struct enrich_account_set *enrich_extractor_accounts(const struct enrich_extractor *x) { return x->accounts; }
const struct enrich_rules *enrich_extractor_rules(const struct enrich_extractor *x) { return x->rules; }
const struct enrich_id_index *enrich_extractor_ids(const struct enrich_extractor *x) { return x->ids; }
const struct enrich_options *enrich_extractor_options(const struct enrich_extractor *x) { return &x->opt; }

void enrich_result_free(struct enrich_result *r)
{
    if (!r)
        return;
    vg_free(r->id);
    vg_free(r->lang);
    vg_free(r->title);
    vg_free(r->url);
    vg_free(r->published);
    vg_free(r->types);
    vg_free(r->amounts);
    vg_free(r->amount_sentence);
    enrich_people_free(r->people, r->n_people);
    enrich_parties_free(r->parties, r->n_parties);
    enrich_places_free(r->places, r->n_places);
    vg_free(r->mentions);
    vg_free(r->accounts);
    vg_free(r->roles);
    for (size_t i = 0; i < r->n_companies; i++)
        vg_free(r->companies[i]);
    vg_free(r->companies);
    for (size_t i = 0; i < r->n_signals; i++) {
        struct enrich_signal *s = &r->signals[i];
        vg_free(s->evidence);
        vg_free(s->change);
        vg_free(s->modifiers);
        vg_free(s->amounts);
        vg_free(s->people);
        vg_free(s->parties);
        vg_free(s->places);
    }
    vg_free(r->signals);
    vg_free(r);
}

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */

/* Sentence holding original offset `o`. */
static size_t sentence_of_orig(const struct enrich_doc *d, size_t o)
{
    for (size_t i = 0; i < d->n_sent; i++) {
        size_t a = enrich_doc_orig(d, d->sent[i].start);
        size_t b = enrich_doc_orig(d, d->sent[i].end);
        if (o >= a && o < b)
            return i;
    }
    return d->n_sent;
}


static int push_index(size_t **v, size_t *n, size_t x)
{
    size_t *nv = vg_realloc(*v, (*n + 1) * sizeof(size_t));
    if (!nv)
        return -1;
    nv[(*n)++] = x;
    *v = nv;
    return 0;
}

static int add_company(struct enrich_result *r, const char *name)
{
    char *key = enrich_squash_name(name);
    if (!key)
        return -1;
    int dup = !*key;
    for (size_t i = 0; i < r->n_companies && !dup; i++) {
        char *k2 = enrich_squash_name(r->companies[i]);
        if (!k2) {
            vg_free(key);
            return -1;
        }
        dup = strcmp(key, k2) == 0;
        vg_free(k2);
    }
    vg_free(key);
    if (dup)
        return 0;
    char **nv = vg_realloc(r->companies, (r->n_companies + 1) * sizeof(char *));
    if (!nv)
        return -1;
    r->companies = nv;
    r->companies[r->n_companies] = vg_strdup(name);
    if (!r->companies[r->n_companies])
        return -1;
    r->n_companies++;
    return 0;
}

/* Is the counterparty `name` one of the matched accounts (by a name or an alias)? */
static int is_matched_account(const struct enrich_extractor *x, const struct enrich_result *r,
                              const char *name)
{
    if (!x->accounts)
        return 0;
    char *key = enrich_squash_name(name);
    if (!key)
        return 0;
    int hit = 0;
    for (size_t i = 0; i < r->n_accounts && !hit; i++) {
        const struct enrich_account *a = &x->accounts->v[r->accounts[i]];
        for (size_t k = 0; k <= a->n_aliases && !hit; k++) {
            char *an = enrich_squash_name(k == 0 ? a->name : a->aliases[k - 1]);
            if (an && *an && (strcmp(an, key) == 0 || strncmp(an, key, strlen(key)) == 0))
                hit = 1;
            vg_free(an);
        }
    }
    vg_free(key);
    return hit;
}

/* ------------------------------------------------------------------------------------------ */
/* Pipeline stages                                                                            */

static int match_accounts(const struct enrich_extractor *x, const struct enrich_doc *d,
                          const struct enrich_item *item, struct enrich_result *r)
{
    if (!x->matcher)
        return 0;
    struct enrich_match *m = NULL;
    size_t n = 0;
    if (enrich_match_text(x->matcher, d->orig, d->orig_len, item->source_account_id,
                          x->opt.min_match_confidence, &m, &n) < 0)
        return -1;
    if (n) {
        r->mentions = vg_calloc(n, sizeof(*r->mentions));
        if (!r->mentions) {
            vg_free(m);
            return -1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        r->mentions[i] = (struct enrich_mention){
            .account = m[i].account,
            .start = m[i].start,
            .end = m[i].end,
            .sentence = sentence_of_orig(d, m[i].start),
            .confidence = m[i].confidence,
            .unit = m[i].unit,
        };
        int seen = 0;
        for (size_t k = 0; k < r->n_accounts && !seen; k++)
            seen = r->accounts[k] == m[i].account;
        if (!seen && push_index(&r->accounts, &r->n_accounts, m[i].account) < 0) {
            vg_free(m);
            return -1;
        }
    }
    r->n_mentions = n;
    vg_free(m);
    return 0;
}

/* Is amount a a headline's rounding of amount b, written in the other part of the item
 * ("$4 Bln contract" in the title, "a 4.4-billion-dollar contract" in the summary; "plus de 2
 * Md€" and "2,3 Md€")? Same currency, written less precisely, within one of its last digits. */
static int rounding_of(const struct enrich_doc *d, const struct enrich_amount *a,
                       const struct enrich_amount *b)
{
    if (strcmp(a->currency, b->currency) != 0 || !(b->step < a->step) ||
        fabs(a->value - b->value) >= a->step)
        return 0;
    int a_title = enrich_doc_sentence_at(d, a->start) < d->n_title;
    int b_title = enrich_doc_sentence_at(d, b->start) < d->n_title;
    return a_title != b_title;
}

/* Is l[start, end) inside a short aside in parentheses, "(179 millions d'euros de chiffre
 * d'affaires)", "(revenue: $2bn)"? A company's size written there describes the company. */
static int in_aside(const char *l, size_t len, size_t start, size_t end)
{
    size_t b = start, e = end;
    while (b > 0 && start - b < 40 && l[b - 1] != '(' && l[b - 1] != ')' && l[b - 1] != '.')
        b--;
    while (e < len && e - end < 40 && l[e] != ')' && l[e] != '(' && l[e] != '.')
        e++;
    return b > 0 && l[b - 1] == '(' && e < len && l[e] == ')';
}

static int scan_amounts(const struct enrich_doc *d, struct enrich_result *r)
{
    struct enrich_amount a[MAX_AMOUNTS];
    size_t n = enrich_amounts_scan(d->t.l, d->t.len, d->lang, a, MAX_AMOUNTS);
    if (!n)
        return 0;
    r->amounts = vg_calloc(n, sizeof(*r->amounts));
    r->amount_sentence = vg_calloc(n, sizeof(size_t));
    if (!r->amounts || !r->amount_sentence)
        return -1;
    /* A company's size quoted as context ("le groupe, qui réalise 2 milliards de chiffre
     * d'affaires, lève 50 millions") is not one of the story's amounts when the story names
     * a deal's own amount or gives the size in an aside ("rachète Sell GmbH (179 millions
     * d'euros de chiffre d'affaires)"), and is not about results (where the revenue is the
     * news); so is an earlier round beside this one ("lève 20 M€ après un premier tour de 5
     * M€"). The price of one thing (a share, a product) is never the story's money. */
    int results = 0, deal = 0, deal_type = 0;
    for (size_t i = 0; i < r->n_types; i++) {
        results |= strcmp(r->types[i], "financial_results") == 0;
        deal_type |= strcmp(r->types[i], "funding") == 0 ||
                     strcmp(r->types[i], "acquisition") == 0 ||
                     strcmp(r->types[i], "contract_win") == 0 ||
                     strcmp(r->types[i], "expansion") == 0;
    }
    for (size_t i = 0; i < n; i++)
        deal |= a[i].kind == ENRICH_AMOUNT_DEAL;
    /* A deal with its own amount is the story even when a revenue figure also reads as results
     * ("lève 40 M€ et vise 100 M€ de chiffre d'affaires en 2027") */
    if (deal && deal_type)
        results = 0;
    unsigned char keep[MAX_AMOUNTS];
    for (size_t i = 0; i < n; i++)
        keep[i] = a[i].kind != ENRICH_AMOUNT_UNIT &&
                  !(!results &&
                    (a[i].kind == ENRICH_AMOUNT_REVENUE || a[i].kind == ENRICH_AMOUNT_EARLIER) &&
                    (deal || in_aside(d->t.l, d->t.len, a[i].start, a[i].end)));
    for (size_t i = 0; i < n; i++) {
        if (!keep[i])
            continue;
        int dup = 0;
        for (size_t k = 0; k < r->n_amounts && !dup; k++)
            dup = strcmp(r->amounts[k].currency, a[i].currency) == 0 &&
                  fabs(r->amounts[k].value - a[i].value) <= 1e-9 * fabs(a[i].value);
        /* the rounding of a kept amount of the same kind: not of an earlier round's */
        for (size_t k = 0; k < n && !dup; k++)
            dup = k != i && keep[k] && a[k].kind == a[i].kind && rounding_of(d, &a[i], &a[k]);
        if (dup)
            continue;
        r->amount_sentence[r->n_amounts] = enrich_doc_sentence_at(d, a[i].start);
        r->amounts[r->n_amounts++] = a[i];
    }
    return 0;
}

static int build_companies(const struct enrich_extractor *x, struct enrich_result *r)
{
    for (size_t i = 0; i < r->n_parties; i++)
        if (!is_matched_account(x, r, r->parties[i].name) && add_company(r, r->parties[i].name) < 0)
            return -1;
    for (size_t i = 0; i < r->n_accounts; i++)
        if (add_company(r, x->accounts->v[r->accounts[i]].name) < 0)
            return -1;
    return 0;
}

/* Money matters to these types even when the amount sits in another sentence. */
static int money_type(const char *t)
{
    return strcmp(t, "funding") == 0 || strcmp(t, "acquisition") == 0 ||
           strcmp(t, "contract_win") == 0 || strcmp(t, "financial_results") == 0 ||
           strcmp(t, "expansion") == 0 || strcmp(t, "legal_regulatory") == 0;
}

static int attach(struct enrich_signal *s, const struct enrich_result *r, size_t sentence)
{
    for (size_t i = 0; i < r->n_amounts; i++)
        if (r->amount_sentence[i] == sentence && push_index(&s->amounts, &s->n_amounts, i) < 0)
            return -1;
    if (!s->n_amounts && money_type(s->type))
        for (size_t i = 0; i < r->n_amounts; i++)
            if (push_index(&s->amounts, &s->n_amounts, i) < 0)
                return -1;
    int leadership = strcmp(s->type, "leadership_change") == 0;
    for (size_t i = 0; i < r->n_people; i++)
        if ((leadership || r->people[i].sentence == sentence) &&
            push_index(&s->people, &s->n_people, i) < 0)
            return -1;
    for (size_t i = 0; i < r->n_parties; i++)
        if (push_index(&s->parties, &s->n_parties, i) < 0)
            return -1;
    if (strcmp(s->type, "expansion") == 0)
        for (size_t i = 0; i < r->n_places; i++)
            if (push_index(&s->places, &s->n_places, i) < 0)
                return -1;
    return 0;
}

/* Places are only ever reported on an expansion signal (attach): an item without one is
 * spared the place patterns, which scan every sentence that names a site or a plant. */
static int tells_expansion(const struct enrich_result *r)
{
    for (size_t i = 0; i < r->n_types; i++)
        if (strcmp(r->types[i], "expansion") == 0)
            return 1;
    return 0;
}

/* Deals between parties: every other account named with the subject is a counterparty. */
static int deal_type(const char *t)
{
    return strcmp(t, "acquisition") == 0 || strcmp(t, "partnership") == 0 ||
           strcmp(t, "contract_win") == 0 || strcmp(t, "funding") == 0;
}

/* Does the party `name` (as written) hold the mention's text orig[a, b), or the other way
 * round ("Bupa" in "Bupa Group")? Case is ignored. */
static int party_names(const char *name, const char *orig, size_t a, size_t b)
{
    size_t n = strlen(name), k = b - a;
    const char *big = n >= k ? name : orig + a, *small = n >= k ? orig + a : name;
    size_t bn = n >= k ? n : k, sn = n >= k ? k : n;
    if (!sn)
        return 0;
    for (size_t i = 0; i + sn <= bn; i++)
        if (strncasecmp(big + i, small, sn) == 0)
            return 1;
    return 0;
}

/* The role mentions of r->mentions, in text order, read in their context (role.c). */
static struct enrich_role_mention *read_roles(const struct enrich_doc *d,
                                              const struct enrich_result *r)
{
    struct enrich_role_mention *rm = vg_calloc(r->n_mentions ? r->n_mentions : 1, sizeof(*rm));
    if (!rm)
        return NULL;
    for (size_t i = 0; i < r->n_mentions; i++) {
        size_t k = i;
        while (k > 0 && rm[k - 1].ostart > r->mentions[i].start) {
            rm[k] = rm[k - 1];
            k--;
        }
        int party = 0;
        for (size_t p = 0; p < r->n_parties && !party; p++)
            party = r->parties[p].sentence == r->mentions[i].sentence &&
                    party_names(r->parties[p].name, d->orig, r->mentions[i].start,
                                r->mentions[i].end);
        rm[k] = (struct enrich_role_mention){.account = r->mentions[i].account,
                                             .ostart = r->mentions[i].start,
                                             .oend = r->mentions[i].end,
                                             .party = party};
    }
    enrich_roles_read(d, rm, r->n_mentions);
    return rm;
}

static int build_signals(const struct enrich_extractor *x, const struct enrich_doc *d,
                         const struct enrich_item *item, const struct enrich_class *cls,
                         size_t n_cls, struct enrich_result *r)
{
    int rc = -1;
    size_t n_rm = r->n_mentions;
    struct enrich_role_mention *rm = read_roles(d, r);
    size_t na = r->n_accounts ? r->n_accounts : 1;
    unsigned char *roles = vg_calloc(na, 1), *trole = vg_calloc(na, 1);
    size_t *targets = vg_calloc(na, sizeof(size_t));
    unsigned char *told = vg_calloc(d->n_sent ? d->n_sent : 1, 1);
    r->roles = vg_calloc(na, 1);
    if (!rm || !roles || !trole || !targets || !told || !r->roles) {
        vg_free(told);
        vg_free(rm);
        vg_free(roles);
        vg_free(trole);
        vg_free(targets);
        return -1;
    }
    /* an item without a signal: the accounts its title is about */
    if (!n_cls)
        enrich_roles_assign(d, rm, n_rm, NULL, 0, r->accounts, r->n_accounts, r->roles);
    const struct enrich_section *secs;
    enrich_rules_sections(x->rules, &secs);
    char *story = item->story_key ? vg_strdup(item->story_key)
                                  : enrich_story_key(item->title && *item->title ? item->title
                                                     : item->id ? item->id : "");
    if (!story)
        goto out;
    double now = x->opt.now > 0 ? x->opt.now : (double)time(NULL);
    double published;
    double age_days = 0;
    if (item->published && enrich_parse_time(item->published, &published) == 0)
        age_days = (now - published) / 86400.0;
    for (size_t c = 0; c < n_cls; c++) {
        const struct enrich_section *sec = &secs[cls[c].section];
        /* One signal per matched account, the story's subjects first, then its counterparties,
         * then the accounts it only mentions (role.c). */
        memset(told, 0, d->n_sent ? d->n_sent : 1);
        for (size_t i = 0; i < d->n_sent; i++)
            told[i] = i == cls[c].sentence || (i < 64 && (cls[c].carried >> i & 1));
        enrich_roles_assign(d, rm, n_rm, told, deal_type(sec->name), r->accounts,
                            r->n_accounts, roles);
        size_t nt = 0;
        for (unsigned want = ENRICH_ROLE_SUBJECT; want <= ENRICH_ROLE_MENTIONED; want++)
            for (size_t i = 0; i < r->n_accounts; i++)
                if (roles[i] == want) {
                    targets[nt] = i;
                    trole[nt++] = roles[i];
                    if (roles[i] < r->roles[i] || r->roles[i] == ENRICH_ROLE_NONE)
                        r->roles[i] = roles[i];
                }
        size_t rounds = nt ? nt : 1;
        for (size_t t = 0; t < rounds; t++) {
            struct enrich_signal *nv = vg_realloc(r->signals, (r->n_signals + 1) * sizeof(*nv));
            if (!nv)
                goto out;
            r->signals = nv;
            struct enrich_signal *s = &r->signals[r->n_signals++];
            memset(s, 0, sizeof(*s));
            s->type = sec->name;
            s->confidence = cls[c].confidence;
            const struct enrich_account *acc = NULL;
            if (nt) {
                s->account = r->accounts[targets[t]];
                s->role = (enum enrich_account_role)trole[t];
                acc = &x->accounts->v[s->account];
                s->account_id = acc->id;
            }
            /* The unit rolls up with its account: named where the story tells the signal. */
            s->unit = -1;
            for (size_t k = 0; acc && k < r->n_mentions && s->unit < 0; k++) {
                const struct enrich_mention *mn = &r->mentions[k];
                if (mn->account == s->account && mn->unit >= 0 &&
                    (mn->start < d->title_end || (mn->sentence < d->n_sent && told[mn->sentence])))
                    s->unit = mn->unit;
            }
            s->evidence = enrich_doc_copy(d, d->sent[cls[c].sentence].start,
                                          d->sent[cls[c].sentence].end);
            if (!s->evidence)
                goto out;
            for (unsigned k = 0; k < 32; k++) {
                if (!(cls[c].modifiers >> k & 1))
                    continue;
                const char **mv = vg_realloc(s->modifiers, (s->n_modifiers + 1) * sizeof(char *));
                if (!mv)
                    goto out;
                s->modifiers = mv;
                s->modifiers[s->n_modifiers++] = enrich_modifier_name(x->rules, k);
            }
            if (attach(s, r, cls[c].sentence) < 0)
                goto out;
            struct enrich_score_input in = {
                .type_weight = sec->weight,
                .confidence = s->confidence,
                .age_days = age_days,
                .source_reliability = item->source_reliability,
            };
            if (acc) {
                in.tier = acc->tier;
                in.revenue = acc->revenue;
                in.margin = acc->margin;
                in.growth_potential = acc->growth_potential;
                in.strategic_fit = acc->strategic_fit;
                in.image = acc->image;
            }
            s->priority = enrich_priority(&in);
            enrich_signal_id(s->account_id, story, s->type, s->id);
        }
    }
    rc = 0;
out:
    vg_free(story);
    vg_free(rm);
    vg_free(roles);
    vg_free(trole);
    vg_free(targets);
    vg_free(told);
    return rc;
}

struct enrich_result *enrich_result_new(const struct enrich_extractor *x, const struct enrich_item *item)
{
    struct enrich_result *r = vg_calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->id = vg_strdup(item->id ? item->id : "");
    r->lang = vg_strdup(item->lang ? item->lang : "");
    r->title = vg_strdup(item->title ? item->title : "");
    if (!r->id || !r->lang || !r->title ||
        (item->url && !(r->url = vg_strdup(item->url))) ||
        (item->published && !(r->published = vg_strdup(item->published)))) {
        enrich_result_free(r);
        return NULL;
    }
    time_t now = x->opt.now > 0 ? (time_t)x->opt.now : time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(r->detected, sizeof(r->detected), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return r;
}

int enrich_extract(const struct enrich_extractor *x, const struct enrich_item *item,
                   struct enrich_result **out)
{
    *out = NULL;
    struct enrich_result *r = enrich_result_new(x, item);
    if (!r)
        return -1;
    struct enrich_doc d;
    int doc_ok = 0;
    if (enrich_doc_init(&d, x->rules, item->title, item->summary, item->lang) < 0)
        goto fail;
    doc_ok = 1;
    if (match_accounts(x, &d, item, r) < 0)
        goto fail;
    /* an account named in the title names someone, whatever the title's case */
    for (size_t i = 0; i < r->n_mentions && !d.title_named; i++)
        d.title_named = r->mentions[i].start < d.title_end;

    struct enrich_class cls[MAX_TYPES];
    size_t n_cls = enrich_classify(&d, x->opt.min_signal_confidence, cls, MAX_TYPES);
    if (n_cls) {
        r->types = vg_calloc(n_cls, sizeof(char *));
        if (!r->types)
            goto fail;
        const struct enrich_section *secs;
        enrich_rules_sections(x->rules, &secs);
        for (size_t i = 0; i < n_cls; i++)
            r->types[r->n_types++] = secs[cls[i].section].name;
    }
    if (scan_amounts(&d, r) < 0)
        goto fail;
    struct enrich_ospan not_names[64];
    size_t n_not = 0;
    for (size_t i = 0; i < r->n_mentions && n_not < 64; i++)
        not_names[n_not++] = (struct enrich_ospan){r->mentions[i].start, r->mentions[i].end};
    if (enrich_people_extract(&d, not_names, n_not, &r->people, &r->n_people) < 0 ||
        enrich_parties_extract(&d, &r->parties, &r->n_parties) < 0 ||
        (tells_expansion(r) && enrich_places_extract(&d, &r->places, &r->n_places) < 0))
        goto fail;
    if (build_companies(x, r) < 0 || build_signals(x, &d, item, cls, n_cls, r) < 0)
        goto fail;
    enrich_doc_release(&d);
    *out = r;
    return 0;
fail:
    if (doc_ok)
        enrich_doc_release(&d);
    enrich_result_free(r);
    return -1;
}
