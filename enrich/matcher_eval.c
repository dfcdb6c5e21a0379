/* matcher_eval — turns raw automaton hits into account mentions with a confidence.
 *
 * A distinctive name ("Danone", "Saint-Gobain") is trusted as found. A name that is also an
 * everyday word, a first name or a short token ("Orange", "Total", "Sage", "Elis", "SEB")
 * starts low and must earn its confidence from evidence in the text:
 *   - written with a capital where a common noun would not be (not at a sentence start, not
 *     in a headline where every word is capitalised), or as an acronym in capitals;
 *   - a legal form right after it ("Total SE", "Sage Group plc");
 *   - the account's domain or its ticker quoted as one ("EPA: ORA"), or one of its context
 *     keywords, somewhere in the text;
 *   - a company cue next to it ("chez Orange", "Orange a annoncé", "Vale agrees", "Sage to
 *     buy");
 *   - being listed next to a trusted mention ("Carrefour et Orange");
 *   - the item comes from a source tied to the account.
 * A capital is the weakest of these: a name written with one in a sentence with no word of
 * business news in it ("the Oracle at Delphi", "a Puma crossing the road", "le guide
 * Michelin") is the everyday thing, not the company, unless some other evidence holds.
 * Negative keywords veto the mentions they overlap ("jus d'orange", "Leonardo da Vinci") and
 * weaken the others. A capitalised first name just before a single-word name makes it a
 * person's surname ("Michel Legrand", "Louis Renault") unless a context keyword says otherwise,
 * and an everyday-word name followed by another capitalised word is probably part of another
 * proper noun ("Total Recall"). Distinctive names face only the surname rule and the negative
 * keywords. Tickers count only in capitals next to an exchange name or a '$'. */
#include "enrich/matcher_int.h"

#include <stdlib.h>
#include <string.h>

#include "util/vg_alloc.h"

/* Evidence weights. Kept together so the rules read as one table. */
#define BASE_NAME 0.90
#define BASE_ALIAS 0.85
#define BASE_PHRASE 0.45
#define BASE_WORD 0.25
#define BASE_DOMAIN 0.95
#define BASE_TICKER_CUE 0.90
#define EV_CAPITAL 0.35
#define EV_ACRONYM 0.40
#define EV_SENTENCE_CAPITAL 0.10
#define EV_LEGAL 0.45
#define EV_DOMAIN 0.40
#define EV_CONTEXT 0.30
#define EV_SOURCE 0.40
#define EV_SOURCE_STRONG 0.05
#define EV_CUE 0.25
#define EV_CUE_LOWER 0.15
#define PEN_PERSON 0.45
#define PEN_PROPER_NOUN 0.20
#define EV_LISTED 0.25
#define PEN_NO_BUSINESS 0.15
#define PEN_NEGATIVE_ELSEWHERE 0.40
#define PEN_NEGATIVE_WEAK 0.10
#define CONF_MAX 0.99

static int tok_is(const struct enrich_toks *t, uint32_t i, const char *w)
{
    const char *s = t->buf + t->v[i].off;
    uint32_t len = t->v[i].len;
    return strncmp(s, w, len) == 0 && w[len] == '\0';
}

/* Words that, just before a name, say a company follows. */
static const char *const cue_before[] = {
    "chez", "groupe", "group", "operateur", "firme", "societe", "entreprise", "geant",
    "constructeur", "editeur", "fabricant", "filiale", "rival", "concurrent", "partenaire",
    "assureur", "banque", "distributeur", "equipementier", "laboratoire", "company", "firm",
    "giant", "carrier", "maker", "rivals", "subsidiary", "competitor", "conglomerate", "retailer",
};

/* Words that, just after a name, say it acts as a company: titles, market words, and the
 * verbs of business news in the present or past ("Vale agrees", "Carrefour ouvre"). Verbs a
 * number does as well ("augmente", "reaches") are left out: "Total augmente de 5 %". */
static const char *const cue_after[] = {
    "ceo", "pdg", "cfo", "coo", "dg", "shares", "stock", "spokesperson", "spokesman",
    "spokeswoman", "boss", "patron", "executives", "dirigeants", "inc", "corp", "announced",
    "announces", "said", "says", "told", "reported", "reports", "posted", "posts", "unveiled",
    "unveils", "acquires", "acquired", "buys", "bought", "sells", "sold", "signs", "signed",
    "launches", "launched", "hires", "hired", "appoints", "appointed", "names", "named",
    "confirms", "confirmed", "invests", "invested", "raises", "raised", "wins", "won",
    "agrees", "agreed", "expects", "plans", "planned", "warns", "warned", "cuts", "beats",
    "misses", "files", "filed", "settles", "settled", "completes", "completed", "secures",
    "secured", "partners", "teams", "seeks", "taps", "lays", "shuts", "opens", "closes",
    "debuts", "sues", "sued", "merges", "merged", "exits", "quits", "selects", "selected",
    "awarded", "denies", "annonce", "rachete", "acquiert", "signe", "lance", "recrute", "cede",
    "nomme", "publie", "confirme", "investit", "leve", "remporte", "prevoit", "supprime",
    "ferme", "ouvre", "vend", "achete", "devoile", "inaugure", "etend", "renforce", "parie",
    "quitte", "rejoint", "conclut", "finalise", "negocie", "envisage", "affiche", "enregistre",
    "embauche", "licencie", "delocalise", "demenage", "choisit", "retient", "depose",
    "obtient",
};

/* Words of business news: a sentence holding one is about companies, so a capitalised
 * everyday-word name in it may be one. Reporting verbs ("said", "announced") are left out:
 * ministries and rangers say things too. */
static const char *const business_words[] = {
    "company", "companies", "firm", "firms", "group", "groupe", "societe", "entreprise",
    "entreprises", "startup", "start", "filiale", "subsidiary", "brand", "marque", "client",
    "clients", "customer", "customers", "shares", "share", "actions", "actionnaires",
    "shareholders", "investors", "investisseurs", "market", "marche", "bourse", "stock",
    "dividend", "dividende", "revenue", "revenues", "sales", "ventes", "chiffre", "profit",
    "profits", "benefice", "resultat", "resultats", "results", "quarter", "trimestre",
    "semestre", "million", "millions", "milliard", "milliards", "billion", "bn", "contract",
    "contrat", "deal", "accord", "partnership", "partenariat", "acquisition", "rachat", "merger",
    "fusion", "cession", "usine", "usines", "factory", "plant", "plants", "warehouse",
    "entrepot", "magasins", "stores", "jobs", "emplois", "postes", "salaries", "employees",
    "staff", "workforce", "effectifs", "pdg", "ceo", "cfo", "executive", "executives",
    "directeur", "dirigeant", "dirigeants", "products", "produit", "produits", "software",
    "logiciel", "cloud", "platform", "plateforme", "databases", "network", "reseau", "operator",
    "operateur", "airline", "airlines", "retailer", "distributeur", "constructeur", "fabricant",
    "maker", "manufacturer", "supplier", "fournisseur", "bank", "banque", "insurer", "assureur",
    "telecom", "telecoms", "payments", "paiement", "paiements", "regulator", "regulateur",
    "antitrust", "lawsuit", "acquire", "acquires", "acquired", "acquiert", "buys", "bought",
    "sells", "sold", "vend", "cede", "raises", "raised", "leve", "levee", "invests", "invested",
    "invest", "investit", "investir", "investissement", "investment", "hires", "hired",
    "hiring", "recrute", "recrutement", "launches", "launched", "lance", "signs", "signed",
    "signe", "rachete", "licenciements", "layoffs", "petrolier", "pharmaceutique", "industriel",
    "commercial", "commerciale", "economique", "economic", "financier", "financial", "tech",
    "store", "shop", "boutique", "price", "prices", "tarifs", "subscribers", "abonnes",
    "employee", "employes", "job", "orders", "commande", "commandes", "stake", "participation",
    "fund", "fonds", "ipo", "euros", "euro", "dollars", "dollar", "brands", "marques",
    "consommateurs", "consumers", "industry", "industrie", "secteur", "sector",
};

/* Verbs after "to" in headlines ("Sage to buy Brightpay"). */
static const char *const cue_to_verb[] = {
    "buy", "acquire", "sell", "cut", "close", "open", "invest", "hire", "launch", "raise",
    "merge", "exit", "spin", "list", "delist", "build", "expand", "shut", "pay", "settle",
    "join", "partner", "create", "add", "axe", "slash", "divest", "offload", "take",
};

/* Past participles after "a" ("Orange a annoncé"). */
static const char *const cue_participle[] = {
    "annonce", "signe", "lance", "rachete", "acquis", "recrute", "cede", "nomme", "publie",
    "confirme", "realise", "remporte", "investi", "leve", "ouvert", "ferme", "supprime",
    "choisi", "conclu", "finalise", "depose", "obtenu", "devoile", "presente", "enregistre",
};

/* Words before a ticker that make it one ("Euronext Paris: ORA", "NYSE: AAPL"). */
static const char *const exchange_words[] = {
    "nyse", "nasdaq", "euronext", "epa", "lse", "xetra", "xpar", "six", "tsx", "asx", "otc",
    "bourse", "ticker", "symbol", "symbole", "bovespa", "b3", "amex", "fra", "ams", "lon",
    "mnemo", "paris", "amsterdam", "london", "frankfurt",
};

/* A fact the text holds about an account: a context or negative keyword, its domain, its
 * ticker quoted next to an exchange. Built account by account in increasing order, so the
 * array is sorted by account. */
struct fact { uint32_t account; uint8_t kind; uint32_t s, e; };

struct cand {
    uint32_t account;
    uint32_t s, e;        /* tokens */
    uint8_t kind;         /* PK_NAME .. PK_TICKER */
    uint8_t amb;
    uint8_t boost;        /* listed next to a trusted mention */
    double conf;
    uint32_t p;           /* the pattern, for the unit it may name */
};

/* sort_small() moves elements through a 64-byte buffer. */
_Static_assert(sizeof(struct cand) <= 64 && sizeof(struct hit) <= 64, "sort_small buffer");

/* First fact of `account` in the facts array (sorted by account). */
static size_t facts_find(const struct fact *f, size_t n, uint32_t account)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (f[mid].account < account)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Headline style: most longer words capitalised, or in capitals; a capital then says nothing. */
struct sentence_style { int title, caps; };

/* Candidates come in text order, so the last sentence's style is usually the next one's. */
struct style_memo { uint32_t a, b; int valid, biz; struct sentence_style st; };

static struct sentence_style sentence_of(const struct enrich_toks *t, uint32_t i,
                                         struct style_memo *memo)
{
    if (memo->valid && i >= memo->a && i < memo->b)
        return memo->st;
    uint32_t a = i, b = i + 1;
    while (a > 0 && !(t->v[a].flags & ENRICH_TOK_SENT))
        a--;
    while (b < t->n && !(t->v[b].flags & ENRICH_TOK_SENT))
        b++;
    /* Acronyms and tickers ("NASDAQ: AAPL") say nothing about headline style: title case is
     * judged on words with lower-case letters, shouting on all the words. */
    uint32_t words = 0, mixed = 0, titled = 0, allcaps = 0;
    for (uint32_t k = a; k < b; k++) {
        uint32_t f = t->v[k].flags;
        if (t->v[k].len < 4 || !(f & (ENRICH_TOK_CAP | ENRICH_TOK_LOWER | ENRICH_TOK_ALLCAPS)))
            continue;
        words++;
        allcaps += (f & ENRICH_TOK_ALLCAPS) != 0;
        if (f & ENRICH_TOK_LOWER) {
            mixed++;
            titled += (f & ENRICH_TOK_CAP) != 0;
        }
    }
    struct sentence_style st = {0, 0};
    if (mixed >= 3 && titled * 10 >= mixed * 8)
        st.title = 1;
    if (words >= 2 && allcaps * 10 >= words * 6)
        st.caps = 1;
    *memo = (struct style_memo){a, b, 1, -1, st};
    return st;
}

static unsigned cue_bits(const struct enrich_matcher *m, const struct enrich_toks *t, uint32_t i);

static int legal_after(const struct enrich_matcher *m, const struct enrich_toks *t, uint32_t e)
{
    if (e >= t->n)
        return 0;
    unsigned bits = cue_bits(m, t, e);
    if (bits & CUE_LEGAL)
        return 1;
    return (bits & CUE_LEGAL_CAPITAL) && (t->v[e].flags & (ENRICH_TOK_CAP | ENRICH_TOK_ALLCAPS));
}

static int first_name_at(const struct enrich_matcher *m, const struct enrich_toks *t, uint32_t i)
{
    return (cue_bits(m, t, i) & CUE_FIRST_NAME) != 0;
}

static int cue_add(struct enrich_matcher *m, const char *const *words, size_t n, unsigned bit)
{
    for (size_t k = 0; k < n; k++) {
        if (!words[k])
            continue;
        uint32_t len = (uint32_t)strlen(words[k]), h = enrich_token_hash(words[k], len);
        uint32_t i = h & m->cue_mask;
        while (m->cues[i].word && strcmp(m->cues[i].word, words[k]) != 0)
            i = (i + 1) & m->cue_mask;
        m->cues[i] = (struct cue_slot){words[k], h, len, m->cues[i].bits | bit};
    }
    return 0;
}

#define CUE_ADD(m, list, bit) cue_add((m), (list), sizeof(list) / sizeof((list)[0]), (bit))

int matcher_cues_build(struct enrich_matcher *m)
{
    uint32_t cap = 4096;   /* well over twice the words listed here and in the tables */
    if (!(m->cues = vg_calloc(cap, sizeof(*m->cues))))
        return -1;
    m->cue_mask = cap - 1;
    m->bytes += cap * sizeof(*m->cues);
    CUE_ADD(m, cue_before, CUE_BEFORE);
    CUE_ADD(m, cue_after, CUE_AFTER);
    CUE_ADD(m, cue_participle, CUE_PARTICIPLE);
    CUE_ADD(m, cue_to_verb, CUE_TO_VERB);
    CUE_ADD(m, exchange_words, CUE_EXCHANGE);
    CUE_ADD(m, business_words, CUE_BUSINESS);
    /* The shared word tables, so one probe with the token's hash answers every question. */
    size_t n;
    const char *const *fn = enrich_first_names_table(&n);
    cue_add(m, fn, n, CUE_FIRST_NAME);
    fn = enrich_more_given_names_table(&n);
    cue_add(m, fn, n, CUE_FIRST_NAME);
    const char *lf;
    for (size_t i = 0; (lf = enrich_legal_form_name(i)); i++)
        cue_add(m, &lf, 1, enrich_is_legal_form(lf, strlen(lf)) == 1 ? CUE_LEGAL : CUE_LEGAL_CAPITAL);
    return 0;
}

/* The cue bits of text token i: one probe with the hash the tokeniser computed. */
static unsigned cue_bits(const struct enrich_matcher *m, const struct enrich_toks *t, uint32_t i)
{
    const struct enrich_tok *tk = &t->v[i];
    for (uint32_t h = tk->hash & m->cue_mask; m->cues[h].word; h = (h + 1) & m->cue_mask) {
        const struct cue_slot *c = &m->cues[h];
        if (c->hash == tk->hash && c->len == tk->len && memcmp(c->word, t->buf + tk->off, tk->len) == 0)
            return c->bits;
    }
    return 0;
}

/* Does the sentence sentence_of() last looked at hold a word of business news, a company
 * noun, a legal form or a '$'? (Not the exchange words: "six", "paris", "london" are too
 * common outside a ticker.) Worked out once per sentence, and only when a name needs it. */
static int sentence_business(const struct enrich_matcher *m, const struct enrich_toks *t,
                             struct style_memo *memo)
{
    if (memo->biz < 0) {
        memo->biz = 0;
        for (uint32_t k = memo->a; k < memo->b && !memo->biz; k++)
            memo->biz = (t->v[k].flags & ENRICH_TOK_DOLLAR) ||
                        (cue_bits(m, t, k) & (CUE_BUSINESS | CUE_BEFORE | CUE_LEGAL)) != 0;
    }
    return memo->biz;
}

static int cue_near(const struct enrich_matcher *m, const struct enrich_toks *t, uint32_t s,
                    uint32_t e)
{
    if (s > 0 && (cue_bits(m, t, s - 1) & CUE_BEFORE))
        return 1;
    if (e >= t->n)
        return 0;
    if (cue_bits(m, t, e) & CUE_AFTER)
        return 1;
    if (e + 1 < t->n && tok_is(t, e, "a") && (cue_bits(m, t, e + 1) & CUE_PARTICIPLE))
        return 1;
    if (e + 1 < t->n && tok_is(t, e, "to") && (cue_bits(m, t, e + 1) & CUE_TO_VERB))
        return 1;
    return 0;
}

static int ticker_cue(const struct enrich_matcher *m, const struct enrich_toks *t, uint32_t s)
{
    if (t->v[s].flags & ENRICH_TOK_DOLLAR)
        return 1;
    for (uint32_t k = 1; k <= 2 && k <= s; k++)
        if (cue_bits(m, t, s - k) & CUE_EXCHANGE)
            return 1;
    return 0;
}

/* Evidence rules for one name, alias or ticker candidate. Returns -1 when vetoed. */
static double score(const struct enrich_matcher *m, const struct enrich_toks *t,
                    const struct cand *c, const struct fact *facts, size_t nfacts,
                    uint32_t source, struct style_memo *memo)
{
    const struct enrich_tok *first = &t->v[c->s];
    int ctx = 0, domain = 0, neg_elsewhere = 0, ctx_covers = 0;
    for (size_t k = facts_find(facts, nfacts, c->account); k < nfacts && facts[k].account == c->account; k++) {
        const struct fact *f = &facts[k];
        int overlap = f->s < c->e && c->s < f->e;
        if (f->kind == PK_NEGATIVE) {
            /* "The Sage Group plc" is the company even if "the sage" were a negative. */
            if (overlap && !legal_after(m, t, c->e))
                return -1;
            neg_elsewhere = 1;
        } else if (f->kind == PK_CONTEXT) {
            ctx = 1;
            ctx_covers |= f->s <= c->s && c->e <= f->e;
        } else if (f->kind == PK_DOMAIN || f->kind == PK_TICKER) {
            domain = 1;   /* the account's own domain, or its ticker quoted as one */
        }
    }
    if (c->kind == PK_TICKER) {
        /* A ticker only counts written as one, in capitals, next to an exchange or a '$'. */
        for (uint32_t k = c->s; k < c->e; k++)
            if (t->v[k].flags & ENRICH_TOK_LOWER)
                return -1;
        return ticker_cue(m, t, c->s) ? BASE_TICKER_CUE : 0.15;
    }
    /* "crée", "un élan", "son vélo": one word in lower case carrying an accent is a word of
     * the language, not "Cree", "Elan" or "Velo" (the folded forms match). News writes a
     * company's name with its capital; the accent makes the lower case a word, not a typo.
     * The original span is longer than the folded token only when it held such a letter. */
    if (c->e - c->s == 1 && !(first->flags & (ENRICH_TOK_CAP | ENRICH_TOK_ALLCAPS)) &&
        first->end - first->start > first->len)
        return -1;
    double conf = c->amb == AMB_WORD ? BASE_WORD : c->amb == AMB_PHRASE ? BASE_PHRASE
                  : c->kind == PK_NAME ? BASE_NAME : BASE_ALIAS;
    int weak = c->amb != AMB_NONE;
    struct sentence_style st = sentence_of(t, c->s, memo);
    int capital = 0;
    if (!st.title && !st.caps) {
        if ((first->flags & ENRICH_TOK_CAP) && !(first->flags & ENRICH_TOK_SENT))
            capital = 1;
        for (uint32_t k = c->s + 1; k < c->e && !capital; k++)
            capital = (t->v[k].flags & ENRICH_TOK_CAP) != 0;
    }
    int acronym = !st.caps && c->e - c->s == 1 && (first->flags & ENRICH_TOK_ALLCAPS);
    if (weak) {
        if (acronym)
            conf += EV_ACRONYM;
        else if (capital)
            conf += EV_CAPITAL;
        else if ((first->flags & ENRICH_TOK_CAP) && !st.title && !st.caps)
            conf += EV_SENTENCE_CAPITAL;
        int other = 0;   /* evidence besides the way the name is written */
        if (legal_after(m, t, c->e))
            conf += EV_LEGAL, other = 1;
        if (domain)
            conf += EV_DOMAIN, other = 1;
        if (ctx)
            conf += EV_CONTEXT, other = 1;
        /* "chez free" in lower case is more likely a typo'd phrase than the company. */
        if (cue_near(m, t, c->s, c->e)) {
            conf += (first->flags & (ENRICH_TOK_CAP | ENRICH_TOK_ALLCAPS)) ? EV_CUE : EV_CUE_LOWER;
            other = 1;
        }
        if (source != MATCH_NONE && source == c->account)
            conf += EV_SOURCE, other = 1;
        /* "the Oracle at Delphi", "une Orange et deux citrons": an everyday word with a
         * capital and nothing else, in a sentence that is not about business. */
        if (c->amb == AMB_WORD && capital && !acronym && !other &&
            !sentence_business(m, t, memo))
            conf -= PEN_NO_BUSINESS;
    } else if (source != MATCH_NONE && source == c->account) {
        conf += EV_SOURCE_STRONG;
    }
    /* "Total Recall", "Orange County": an everyday-word name followed by another capitalised
     * word is likely part of a different proper noun (the account's own "Orange Business"
     * would have matched as the longer alias). */
    if (c->amb == AMB_WORD && c->e < t->n && !st.title && !st.caps) {
        const struct enrich_tok *next = &t->v[c->e];
        if ((next->flags & ENRICH_TOK_CAP) && !(next->flags & ENRICH_TOK_SENT) &&
            !legal_after(m, t, c->e) && !(cue_bits(m, t, c->e) & CUE_AFTER))
            conf -= PEN_PROPER_NOUN;
    }
    /* "Michel Legrand", "Louis Renault", "Léonard de Vinci": a surname, not the company. A
     * lower-case particle may sit between the first name and the surname. */
    if (c->e - c->s == 1 && c->s > 0 && !ctx_covers && (first->flags & ENRICH_TOK_CAP) &&
        !legal_after(m, t, c->e)) {
        uint32_t p = c->s - 1;
        if (p > 0 && !(t->v[p].flags & (ENRICH_TOK_CAP | ENRICH_TOK_SENT)) &&
            (tok_is(t, p, "de") || tok_is(t, p, "da") || tok_is(t, p, "di") ||
             tok_is(t, p, "van") || tok_is(t, p, "von") || tok_is(t, p, "del")))
            p--;
        const struct enrich_tok *prev = &t->v[p];
        if ((prev->flags & ENRICH_TOK_CAP) && !(first->flags & ENRICH_TOK_SENT) &&
            first_name_at(m, t, p))
            conf -= PEN_PERSON;
    }
    /* A negative keyword elsewhere says the text is about the other meaning ("Evri, formerly
     * Hermes parcel"), unless the mention carries the company's own marks. */
    if (neg_elsewhere)
        conf -= (domain || legal_after(m, t, c->e)) ? PEN_NEGATIVE_WEAK : PEN_NEGATIVE_ELSEWHERE;
    if (conf > CONF_MAX)
        conf = CONF_MAX;
    return conf < 0 ? 0 : conf;
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

/* Arrays here are short and nearly sorted (hits come in text order): insertion sort is
 * cheaper than qsort's allocation and indirection; long ones go to qsort. */
static void sort_small(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n > 48) {
        qsort(base, n, size, cmp);
        return;
    }
    char *b = base, tmp[64];
    for (size_t i = 1; i < n; i++) {
        size_t j = i;
        if (cmp(b + (j - 1) * size, b + j * size) <= 0)
            continue;
        memcpy(tmp, b + i * size, size);
        while (j > 0 && cmp(b + (j - 1) * size, tmp) > 0) {
            memcpy(b + j * size, b + (j - 1) * size, size);
            j--;
        }
        memcpy(b + j * size, tmp, size);
    }
}

/* Sorts and removes repeats; returns the new count. */
static size_t sort_unique(uint32_t *v, size_t n)
{
    if (n > 1)
        sort_small(v, n, sizeof(*v), cmp_u32);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || v[k - 1] != v[i])
            v[k++] = v[i];
    return k;
}

static int cmp_hit_pat(const void *x, const void *y)
{
    const struct hit *a = x, *b = y;
    if (a->p != b->p)
        return a->p < b->p ? -1 : 1;
    return a->s < b->s ? -1 : a->s > b->s;
}

/* First hit of pattern p in hits sorted by pattern, or n. */
static size_t hits_lower(const struct hit *h, size_t n, uint32_t p)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (h[mid].p < p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Context keywords written in capitals must be so in the text too. */
static int case_ok(const struct enrich_toks *t, const struct hit *h)
{
    for (uint32_t k = h->s; k < h->e; k++)
        if (t->v[k].flags & ENRICH_TOK_LOWER)
            return 0;
    return 1;
}

/* Records what a keyword, domain or ticker hit tells about its account. */
static int add_fact(const struct enrich_matcher *m, struct fact **facts, size_t *n, size_t *cap,
                    const struct enrich_toks *t, uint32_t account, const struct acct_fact *en,
                    const struct hit *h)
{
    if (en->upper_only && !case_ok(t, h))
        return 0;
    if (en->kind == PK_TICKER && !ticker_cue(m, t, h->s))
        return 0;
    if (*n >= MATCH_MAX_CANDS)
        return 0;   /* bounded work on hostile input; real texts are far below */
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 32;
        struct fact *nf = vg_realloc(*facts, nc * sizeof(*nf));
        if (!nf)
            return -1;
        *facts = nf;
        *cap = nc;
    }
    (*facts)[(*n)++] = (struct fact){account, en->kind, h->s, h->e};
    return 0;
}

static int cmp_hit_span(const void *x, const void *y)
{
    const struct hit *a = x, *b = y;
    if (a->s != b->s)
        return a->s < b->s ? -1 : 1;
    return a->e > b->e ? -1 : a->e < b->e;   /* longer first */
}

/* Words that join the names of a list ("Carrefour et Orange", "Airbus and Safran"). */
static int is_connector(const struct enrich_toks *t, uint32_t i)
{
    return tok_is(t, i, "et") || tok_is(t, i, "and") || tok_is(t, i, "ou") || tok_is(t, i, "or") ||
           tok_is(t, i, "avec") || tok_is(t, i, "with") || tok_is(t, i, "vs") || tok_is(t, i, "versus");
}

/* Between the end of one mention and the start of the next: nothing but blanks, commas,
 * slashes or '&', or one connector word. */
static int listed_next(const struct enrich_toks *t, const char *text, const struct cand *a,
                       const struct cand *b)
{
    if (b->s == a->e) {
        for (uint32_t k = t->v[a->e - 1].end; k < t->v[b->s].start; k++)
            if (!strchr(" \t,;/&", text[k]))
                return 0;
        return 1;
    }
    return b->s == a->e + 1 && is_connector(t, a->e);
}

/* A weak name listed next to a mention already trusted is one company among others
 * ("Carrefour et Orange signent"). The boost is computed from scores before any boost, so
 * two weak words cannot lift each other. */
static void listed_with_others(const struct enrich_toks *t, const char *text, struct cand *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (c[i].amb == AMB_NONE || c[i].conf < 0 || c[i].conf >= ENRICH_MATCH_MIN_CONFIDENCE)
            continue;
        int listed = 0;
        /* Only partners that were trusted before this pass, and only neighbours: candidates
         * are sorted by start, a partner starts at most one token after this one ends or
         * ends at most one token before it starts. A few dozen looks each way at most. */
        size_t lo = i > 64 ? i - 64 : 0, hi = i + 64 < n ? i + 64 : n;
        for (size_t j = lo; j < hi && !listed; j++) {
            if (j == i || c[j].account == c[i].account || c[j].conf < ENRICH_MATCH_MIN_CONFIDENCE)
                continue;
            listed = listed_next(t, text, &c[i], &c[j]) || listed_next(t, text, &c[j], &c[i]);
        }
        if (listed)
            c[i].boost = 1;
    }
    for (size_t i = 0; i < n; i++)
        if (c[i].boost)
            c[i].conf += EV_LISTED;
}

static int cmp_cand(const void *x, const void *y)
{
    const struct cand *a = x, *b = y;
    if (a->s != b->s)
        return a->s < b->s ? -1 : 1;
    if (a->account != b->account)
        return a->account < b->account ? -1 : 1;
    return a->conf > b->conf ? -1 : a->conf < b->conf;   /* best first */
}

#define NAME_KINDS ((1u << PK_NAME) | (1u << PK_ALIAS) | (1u << PK_DOMAIN))
#define FACT_KINDS ((1u << PK_DOMAIN) | (1u << PK_TICKER) | (1u << PK_CONTEXT) | (1u << PK_NEGATIVE))


int enrich_match_text(const struct enrich_matcher *m, const char *text, size_t len,
                      const char *source_account_id, double min_confidence,
                      struct enrich_match **out, size_t *n_out)
{
    struct enrich_toks t = {0};
    struct hit *hits = NULL;
    size_t nhits = 0, hcap = 0;
    struct fact *facts = NULL;
    struct cand *cands = NULL;
    uint32_t *accts = NULL;
    struct hit *byp = NULL;
    struct enrich_match *res = NULL;
    size_t nfacts = 0, ncands = 0, nres = 0;
    int rc = -1;

    *out = NULL;
    *n_out = 0;
    if (!m || !text)
        return m ? 0 : -1;
    if (len > MATCH_MAX_TEXT) {
        /* Cut at a character boundary. */
        len = MATCH_MAX_TEXT;
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
            len--;
    }
    if (enrich_tokenize(text, len, &t) < 0 || matcher_scan(m, &t, &hits, &nhits, &hcap) < 0)
        goto done;
    if (nhits == 0) {
        rc = 0;
        goto done;
    }
    uint32_t source = matcher_account_index(m, source_account_id);

    /* Pass 1: candidate mentions, unscored. A name inside a longer name is not a mention of
     * its own ("Siemens" in "Valeo Siemens eAutomotive"); tickers keep their own rules. */
    sort_small(hits, nhits, sizeof(*hits), cmp_hit_span);
    size_t ccap = 0;
    uint32_t max_end = 0;
    for (size_t i = 0; i < nhits; i++) {
        const struct hit *p = &hits[i];
        int name_like = (p->kinds & NAME_KINDS) != 0;
        int contained = name_like && hits[i].e <= max_end;
        if (name_like && hits[i].e > max_end)
            max_end = hits[i].e;
        for (uint32_t k = 0; k < p->n; k++) {
            /* A single entry travels in the hit (see matcher.c); others are in entries[]. */
            struct pat_entry one = {p->first, p->kind1, 0};
            const struct pat_entry *en = p->n == 1 ? &one : &m->entries[p->first + k];
            if (en->kind > PK_TICKER)
                break;   /* keywords follow the candidates */
            if (contained && en->kind != PK_TICKER)
                continue;
            if (ncands >= MATCH_MAX_CANDS)
                break;   /* bounded work when thousands of accounts share a name */
            if (ncands == ccap) {
                size_t nc = ccap ? ccap * 2 : 16;
                struct cand *ncd = vg_realloc(cands, nc * sizeof(*ncd));
                if (!ncd)
                    goto done;
                cands = ncd;
                ccap = nc;
            }
            cands[ncands++] = (struct cand){en->account, p->s, p->e, en->kind, p->amb, 0, 0, p->p};
        }
    }
    if (ncands == 0) {
        rc = 0;
        goto done;
    }

    /* Pass 2: facts (keywords, domains, quoted tickers), only for accounts with a candidate:
     * a context word shared by thousands of accounts ("bank") must not cost thousands. Context
     * keywords only matter to names that need evidence, or that may be a person's surname. */
    if (!(accts = vg_malloc(2 * ncands * sizeof(*accts))))
        goto done;
    uint32_t *weak = accts + ncands;
    size_t nacc = 0, nweak = 0;
    for (size_t i = 0; i < ncands; i++) {
        const struct cand *c = &cands[i];
        accts[nacc++] = c->account;
        if (c->amb != AMB_NONE || (c->e - c->s == 1 && c->s > 0 &&
                                   first_name_at(m, &t, c->s - 1)))
            weak[nweak++] = c->account;
    }
    nacc = sort_unique(accts, nacc);
    nweak = sort_unique(weak, nweak);
    /* The hits of each fact pattern, found by binary search on a copy sorted by pattern. */
    if (!(byp = vg_malloc(nhits * sizeof(*byp))))
        goto done;
    size_t nbyp = 0;
    for (size_t i = 0; i < nhits; i++)
        if (hits[i].kinds & FACT_KINDS)
            byp[nbyp++] = hits[i];
    if (nbyp > 1)
        sort_small(byp, nbyp, sizeof(*byp), cmp_hit_pat);
    size_t fcap = 0;
    for (size_t x = 0; x < nacc && nbyp; x++) {
        uint32_t acc = accts[x];
        int is_weak = bsearch(&acc, weak, nweak, sizeof(*weak), cmp_u32) != NULL;
        /* A distinctive name only cares about its negative keywords (and, when it has some,
         * its domain and ticker, which soften them). */
        if (!is_weak && !(m->afkinds[acc] & (1u << PK_NEGATIVE)))
            continue;
        for (uint32_t k = m->afirst[acc]; k < m->afirst[acc + 1]; k++) {
            const struct acct_fact *af = &m->afacts[k];
            if (af->kind == PK_CONTEXT && !is_weak)
                continue;
            for (size_t h = hits_lower(byp, nbyp, af->pat); h < nbyp && byp[h].p == af->pat; h++)
                if (add_fact(m, &facts, &nfacts, &fcap, &t, acc, af, &byp[h]) < 0)
                    goto done;
        }
    }

    /* Pass 3: evidence. Vetoed candidates get a negative confidence and are dropped below. */
    struct style_memo memo = {0};
    for (size_t i = 0; i < ncands; i++) {
        struct cand *c = &cands[i];
        c->conf = c->kind == PK_DOMAIN ? BASE_DOMAIN : score(m, &t, c, facts, nfacts, source, &memo);
    }
    listed_with_others(&t, text, cands, ncands);

    /* Pass 4: best per (account, position), threshold, original offsets. */
    if (ncands > 1)
        sort_small(cands, ncands, sizeof(*cands), cmp_cand);
    if (ncands && !(res = vg_malloc(ncands * sizeof(*res))))
        goto done;
    for (size_t i = 0; i < ncands; i++) {
        const struct cand *c = &cands[i];
        if (i > 0 && cands[i - 1].s == c->s && cands[i - 1].account == c->account)
            continue;
        if (c->conf < 0 || c->conf < min_confidence)
            continue;
        static const enum enrich_match_via via[] = {ENRICH_VIA_NAME, ENRICH_VIA_ALIAS,
                                                    ENRICH_VIA_DOMAIN, ENRICH_VIA_TICKER};
        res[nres++] = (struct enrich_match){c->account, t.v[c->s].start, t.v[c->e - 1].end,
                                            via[c->kind], c->conf,
                                            m->nupats ? matcher_unit_of(m, c->p, c->account) : -1};
    }
    rc = 0;
done:
    if (rc == 0 && nres) {
        *out = res;
        *n_out = nres;
    } else {
        vg_free(res);
    }
    enrich_toks_free(&t);
    vg_free(hits);
    vg_free(facts);
    vg_free(cands);
    vg_free(accts);
    vg_free(byp);
    return rc;
}

const char *enrich_match_via_name(enum enrich_match_via via)
{
    switch (via) {
    case ENRICH_VIA_NAME: return "name";
    case ENRICH_VIA_ALIAS: return "alias";
    case ENRICH_VIA_DOMAIN: return "domain";
    case ENRICH_VIA_TICKER: return "ticker";
    }
    return "?";
}
