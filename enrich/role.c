/* role — subject, counterparty or mentioned, from the words around each mention (role.h). */
#include "enrich/role.h"

#include <string.h>

const char *enrich_role_name(enum enrich_account_role role)
{
    switch (role) {
    case ENRICH_ROLE_SUBJECT: return "subject";
    case ENRICH_ROLE_COUNTERPARTY: return "counterparty";
    case ENRICH_ROLE_MENTIONED: return "mentioned";
    default: return NULL;
    }
}

/* ---- words of the folded, lower-cased text ------------------------------------------- */

#define MAX_WORDS 8

struct words {
    const char *s[MAX_WORDS];
    size_t len[MAX_WORDS];
    size_t n;
    int ended;    /* after: the clause ends right after the last word kept */
};

static int is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/* Marks that end a clause: the words read around a mention never cross them. */
static int is_clause_mark(unsigned char c)
{
    return c == ',' || c == ';' || c == ':' || c == '(' || c == ')' || c == '"' || c == '[' ||
           c == ']';
}

/* The last `k` words of [a, b), stopping at a clause mark (text order kept). The elided
 * French article ("l'AFP") is not counted: "a déclaré à l'AFP" reads "a declare a". */
static void words_before(const char *l, size_t a, size_t b, size_t k, struct words *w)
{
    w->n = 0;
    w->ended = 0;
    size_t i = b;
    const char *rs[MAX_WORDS];
    size_t rl[MAX_WORDS], rn = 0;
    while (i > a && rn < k) {
        unsigned char c = (unsigned char)l[i - 1];
        if (is_clause_mark(c))
            break;
        if (!is_word_byte(c)) {
            i--;
            continue;
        }
        size_t e = i;
        while (i > a && is_word_byte((unsigned char)l[i - 1]))
            i--;
        if (e - i == 1 && l[i] == 'l' && l[e] == '\'')
            continue;
        rs[rn] = l + i;
        rl[rn++] = e - i;
    }
    for (size_t j = 0; j < rn; j++) {
        w->s[j] = rs[rn - 1 - j];
        w->len[j] = rl[rn - 1 - j];
    }
    w->n = rn;
}

/* The first `k` words of [a, b), stopping at a clause mark; ended tells whether the clause
 * (or the span) ends after them. */
static void words_after(const char *l, size_t a, size_t b, size_t k, struct words *w)
{
    w->n = 0;
    w->ended = 0;
    size_t i = a;
    while (i < b) {
        unsigned char c = (unsigned char)l[i];
        if (is_clause_mark(c) || c == '.' || c == '!' || c == '?')
            break;
        if (!is_word_byte(c)) {
            i++;
            continue;
        }
        if (w->n == k)
            return;
        size_t s = i;
        while (i < b && is_word_byte((unsigned char)l[i]))
            i++;
        w->s[w->n] = l + s;
        w->len[w->n++] = i - s;
    }
    w->ended = 1;
}

/* Does word `s` (len n) match pattern `p` (a word, or a prefix ending in '*')? */
static int word_is(const char *s, size_t n, const char *p, size_t pn)
{
    if (pn && p[pn - 1] == '*')
        return n >= pn - 1 && memcmp(s, p, pn - 1) == 0;
    return n == pn && memcmp(s, p, n) == 0;
}

/* Position of the first occurrence of phrase `ph` (words separated by one blank) among
 * w's words from `from` on, or -1. */
static int phrase_at(const struct words *w, size_t from, const char *ph)
{
    size_t first = 0;
    for (size_t i = from; i < w->n; i++) {
        if (w->s[i][0] != ph[0])
            continue;  /* the quick no: most words share no first letter with the cue */
        if (!first)
            first = strcspn(ph, " ");
        if (!word_is(w->s[i], w->len[i], ph, first))
            continue;
        const char *p = ph + first;
        size_t j = i + 1;
        while (*p) {
            p++;
            size_t pn = strcspn(p, " ");
            if (j >= w->n || !word_is(w->s[j], w->len[j], p, pn))
                break;
            j++;
            p += pn;
        }
        if (!*p)
            return (int)i;
    }
    return -1;
}

/* Is word `s` (len n) one of `list` (single words)? */
static int word_in(const char *s, size_t n, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (n && s[0] == list[i][0] && word_is(s, n, list[i], strlen(list[i])))
            return 1;
    return 0;
}

static int any_phrase(const struct words *w, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (phrase_at(w, 0, list[i]) >= 0)
            return 1;
    return 0;
}

/* ---- the cues (folded, lower-case; '*' ends a prefix) --------------------------------- */

/* Just before a name: the story's source or a credit ("selon l'AFP", "told Reuters",
 * "Photo: AFP" reads "photo" in the words before). */
static const char *const source_before[] = {
    "selon", "d apres", "according to", "citing", "cited by", "cite par", "told", "quoted by",
    "a declare a", "a indique a", "a confie a", "a precise a", "interview with", "entretien a",
    "reported by", "rapporte par", "a rapporte", "rapporte", "rapportent", "a revele",
    "revele par", "a appris", "sources close to", "source close to", "sources proches",
    "source proche", "sources familiar", "une source", "des sources", "photo", "photos", "credit*",
    "copyright", "illustration", "images", "via", "adresse a", "adressee a", "courriel a",
    "email to", "e mail to", "emailed to", "statement to", "communique a",
    NULL};

/* A byline ending the sentence, the verb before the name: "..., reports FT." */
static const char *const byline_verbs[] = {
    "reports", "reported", "writes", "wrote", "rapporte", "ecrit", "indique", NULL};

/* Just after a name, ending its clause: ", Bloomberg News reported" / "..., X writes". */
static const char *const source_verbs[] = {
    "reported", "reports", "reporting", "writes", "wrote", "said citing", "rapporte", "ecrit",
    NULL};
static const char *const source_nouns[] = {"news", "agency", "agence", "reporters", NULL};
static const char *const source_tail[] = {"that", "citing", "quoting", "que", NULL};

/* Before a name: an opinion on a stock ("analysts at X", "les analystes de X",
 * "downgraded by X"), a former tie ("ex-", "former", "ancienne filiale de", "spun off
 * from", "joins from"), a rival, or a list of examples ("clients such as X, Y").
 * Read in the three words before the name; an analyst only with the word that ties the name
 * to them ("Analysts welcome Norvane's deal" is about Norvane). */
static const char *const aside_before[] = {
    "analyst* at", "analyst* from", "analyst* of", "analyst* with", "analyste* de",
    "analyste* chez", "analyste* d", "broker*", "courtier*", "downgrad* by", "upgrad* by",
    "degrad* par",
    "ex", "former", "formerly", "ancien*", "previously", "spun off from", "spin off from",
    "spin off of", "split from", "issu de", "issue de", "joins from", "joined from",
    "en provenance de", "venu de", "venue de", "once owned by", "rival*", "competitor*",
    "concurren*", "peers", "such as", "including", "tels que", "telles que",
    "notamment", "unlike", "contrairement a", "compared with", "rather than", "plutot qu",
    "plutot que", "au lieu de", "instead of", "prefere a", "preferee a", "advised by",
    "adviser* to", "advisor* to", "conseille par", "conseillee par",
    NULL};

/* A past tie of a person, anywhere in the clause before the name: "who ran logistics for X",
 * "qui dirigeait X"; or, with "at"/"chez" just before the name, "previously head of sales at
 * X", "auparavant trésorière chez X". */
static const char *const career_verbs[] = {
    "ran", "led", "headed", "oversaw", "managed", "was", "spent", "worked", "served", "been",
    "run", "previously", "formerly", "dirigeait", "dirige", "etait", "travaille",
    "occupait", "occupe",
    NULL};
static const char *const earlier_words[] = {
    "previously", "formerly", "auparavant", "precedemment", "jusqu", "until", "once", NULL};

/* A parent or owner, opening an apposition: "Filiale du groupe belge X, Y ...", "Y, a unit
 * of X, ...", "(filiale d'X)". Only at the clause's start: "Y buys a unit of X" names the
 * seller. */
static const char *const owner_open[] = {
    "filiale de", "filiale du", "filiale d", "filiale des", "subsidiary of", "unit of",
    "division of", "arm of", "part of", "owned by", "controlled by", "detenu par",
    "detenue par", "controle par", "controlee par", "appartenant a", "membre du groupe",
    NULL};
/* Right after a name: "X-owned Y", "X flagship firm Y". */
static const char *const owner_after[] = {"owned", "flagship", NULL};

/* A person's employer (weak): the next one ("to join X", "rejoint X", "leaves for X"). */
static const char *const join_before[] = {
    "join", "joins", "joined", "joining", "rejoint", "rejoindre", "rejoindra", "rejoignent",
    "leaves for", "left for", "leaving for", "part chez", "parti chez", "partie chez",
    NULL};
/* ... the one a person is hired from ("hires CFO from X", "recrute ... chez X"). */
static const char *const hire_words[] = {
    "hire*", "hiring", "recruit*", "poach*", "lure*", "debauch*", "recrut*", NULL};
/* ... or the one a person works for: "X's CEO", "X chief executive Y", "directeur
 * commercial de X", "CEO of X". */
static const char *const person_roles[] = {
    "ceo", "cfo", "coo", "cto", "cmo", "chief", "head", "boss", "chairman", "chairwoman",
    "president", "presidente", "executive", "executives", "exec", "founder", "cofounder",
    "veteran", "director", "directeur", "directrice", "pdg", "dg", "patron", "patronne",
    "fondateur", "fondatrice", "responsable", "dirigeant", "dirigeante", "manager",
    NULL};

/* A deal named as background (dealt): "depuis qu'elle a racheté X", "its takeover of X",
 * "after buying X", "racheté par X". */
static const char *const deal_before[] = {
    "rachete", "rachetee", "rachat", "racheter", "acquisition", "acquired", "acquiring",
    "bought", "buying", "takeover", "purchase", "purchased", "merger", "fusion", "absorbe",
    "absorption", "took over",
    NULL};

/* What an opinion on a stock is about: "rating cut by X" names its author. */
static const char *const opinion_nouns[] = {
    "rating", "ratings", "price target", "target price", "objectif", "recommandation",
    "recommendation", "note", "downgrad*", "upgrad*", "degrad*", "neutral", "neutre",
    "outperform", "underperform", "overweight", "underweight", "equal weight", "surperformance",
    "sous performance", "market perform", "sector perform",
    NULL};

/* After a name, in its clause: the view it gives ("X raised its price target", "Oddo BHF a
 * dégradé sa recommandation", "Jefferies analysts"), or the list it belongs to ("... among
 * its clients", "parmi ses clients"). Nouns, not verbs: "Atos downgraded by S&P" is about
 * Atos. */
static const char *const aside_after[] = {
    "price target", "target price", "objectif de cours", "rating", "ratings", "recommandation",
    "recommendation", "among its client*", "among its customer*",
    "among their client*", "among its rival*", "among its competitor*", "parmi ses clients",
    "parmi ses concurrents",
    NULL};

/* Words that open another clause: what follows them is no longer said of the name. */
static const char *const clause_words[] = {
    "after", "as", "while", "when", "since", "because", "amid", "following", "despite",
    "apres", "alors", "tandis", "depuis", "car", "malgre", "lorsque", "quand",
    NULL};

static const char *const aside_next[] = {
    "analyst", "analysts", "analyste", "analystes", "downgrade", "upgrade", "downgrades",
    "upgrades", NULL};

enum { NOT_PASSING, SOURCE, ASIDE };

/* Does the clause holding the words of w (read before a name, from `from`) start where they
 * start: at the sentence's start `s0` or after a clause mark, not after another name? */
static int clause_opens(const char *l, size_t s0, size_t from, const struct words *w,
                        size_t name)
{
    size_t p = w->n ? (size_t)(w->s[0] - l) : name;
    while (p > from && !is_word_byte((unsigned char)l[p - 1]) && !is_clause_mark((unsigned char)l[p - 1]))
        p--;
    return p == s0 || (p > from && is_clause_mark((unsigned char)l[p - 1])) ||
           (p == from && from > s0 && is_clause_mark((unsigned char)l[from - 1]));
}

/* Is the last word of w one of `list`? */
static int last_word_in(const struct words *w, const char *const *list)
{
    return w->n && word_in(w->s[w->n - 1], w->len[w->n - 1], list);
}

/* Does the original text at folded offset `f` start with a capital (a name's first word)? */
static int capitalised(const struct enrich_doc *d, const char *word)
{
    size_t f = (size_t)(word - d->t.l);
    if (f >= d->t.len)
        return 0;
    unsigned char c = (unsigned char)d->orig[d->t.map[f]];
    return c >= 'A' && c <= 'Z';
}

static const char *const rivals_plural[] = {
    "rivals", "competitors", "concurrents", "peers", NULL};

/* "like X", "comme X": a comparison, not the verb ("would like to buy X") nor a capacity
 * taken from an actor ("retenu comme fournisseur par X"). */
static int comparison(const struct words *w)
{
    int p = phrase_at(w, 0, "like");
    if (p >= 0 && !((size_t)p + 1 < w->n && word_is(w->s[p + 1], w->len[p + 1], "to", 2)) &&
        !(p > 0 && (word_is(w->s[p - 1], w->len[p - 1], "would", 5) ||
                    word_is(w->s[p - 1], w->len[p - 1], "d", 1))))
        return 1;
    p = phrase_at(w, 0, "comme");
    return p >= 0 && !((size_t)p + 1 < w->n && (word_is(w->s[w->n - 1], w->len[w->n - 1], "par", 3) ||
                                                word_is(w->s[w->n - 1], w->len[w->n - 1], "by", 2)));
}

/* A relative clause on a person's career: "who" or "qui" then, within two words, one of
 * career_verbs ("who has led", "qui dirigeait jusqu'ici"). */
static int career_clause(const struct words *w)
{
    for (size_t i = 0; i < w->n; i++) {
        if (!word_is(w->s[i], w->len[i], "who", 3) && !word_is(w->s[i], w->len[i], "qui", 3))
            continue;
        for (size_t k = i + 1; k < w->n && k <= i + 2; k++)
            if (word_in(w->s[k], w->len[k], career_verbs))
                return 1;
    }
    return 0;
}

/* Does one of `list` start w, or follow its first word (an article: "a unit of")? */
static int opens_with(const struct words *w, const char *const *list)
{
    for (size_t i = 0; list[i]; i++) {
        int at = phrase_at(w, 0, list[i]);
        if (at == 0 || at == 1)
            return 1;
    }
    return 0;
}

static const char *const at_words[] = {"at", "chez", NULL};
static const char *const of_words[] = {"of", "at", "de", "du", "d", "chez", NULL};
static const char *const by_words[] = {"by", "par", "at", "chez", NULL};
static const char *const from_words[] = {"from", "chez", NULL};

/* The weaker readings, a person's employer (weak) or a deal told as background (dealt), from
 * the words before (wb, up to 8 in the clause) and after (wa) the name. */
static void read_ties(const struct enrich_doc *d, const struct words *wb, const struct words *wa,
                      int *weak, int *dealt)
{
    *weak = *dealt = 0;
    struct words last2 = *wb;
    if (last2.n > 2) {
        memmove(last2.s, last2.s + last2.n - 2, 2 * sizeof(last2.s[0]));
        memmove(last2.len, last2.len + last2.n - 2, 2 * sizeof(last2.len[0]));
        last2.n = 2;
    }
    struct words last3 = *wb;
    if (last3.n > 3) {
        memmove(last3.s, last3.s + last3.n - 3, 3 * sizeof(last3.s[0]));
        memmove(last3.len, last3.len + last3.n - 3, 3 * sizeof(last3.len[0]));
        last3.n = 3;
    }
    if (any_phrase(&last3, deal_before))
        *dealt = 1;
    if (any_phrase(&last2, join_before))
        *weak = 1;
    else if (last_word_in(wb, from_words) && any_phrase(wb, hire_words))
        *weak = 1;
    else if (last_word_in(wb, of_words)) {
        /* "directeur commercial de X", "chief executive of X": a role within the 3 words
         * before the preposition */
        for (size_t i = wb->n >= 4 ? wb->n - 4 : 0; i + 1 < wb->n && !*weak; i++)
            *weak = word_in(wb->s[i], wb->len[i], person_roles);
    }
    if (*weak || !wa->n)
        return;
    /* "X's CEO", "X's Brian Niccol", "X chief executive Jane Roe", "X veteran" */
    size_t k = word_is(wa->s[0], wa->len[0], "s", 1) ? 1 : 0;
    if (k < wa->n && word_in(wa->s[k], wa->len[k], person_roles))
        *weak = 1;
    else if (k == 1 && wa->n >= 3 && capitalised(d, wa->s[1]) && capitalised(d, wa->s[2]))
        *weak = 1;
}

/* Is the mention the story's source (SOURCE), an opinion or an aside (ASIDE), or neither?
 * `s0` is the sentence's start, [from, to) the span read (up to the names next to it). */
static int read_passing(const struct enrich_doc *d, struct enrich_role_mention *m, size_t s0,
                        size_t from, size_t to)
{
    const char *l = d->t.l;
    struct words w;
    {
        struct words wb, wa;
        words_before(l, from, m->start, 8, &wb);
        words_after(l, m->end, to, 3, &wa);
        read_ties(d, &wb, &wa, &m->weak, &m->dealt);
        /* a byline closing the sentence: "..., reports FT." */
        if (wb.n == 1 && word_in(wb.s[0], wb.len[0], byline_verbs) && wa.n == 0 && wa.ended &&
            clause_opens(l, s0, from, &wb, m->start) && wb.s[0] > l + s0)
            return SOURCE;
        /* a parent opening an apposition: "Filiale du groupe X, Y", "Y, a unit of X," */
        if (clause_opens(l, s0, from, &wb, m->start) &&
            opens_with(&wb, owner_open))
            return ASIDE;
        if (wa.n && !word_is(wa.s[0], wa.len[0], "s", 1) && word_in(wa.s[0], wa.len[0], owner_after))
            return ASIDE;
        /* a person's past: "who ran sales for X", "previously head of sales at X" */
        if (career_clause(&wb) ||
            (last_word_in(&wb, at_words) && any_phrase(&wb, earlier_words)))
            return ASIDE;
        /* a rating "at X", "by X": "cut to Underweight at X", "note abaissée chez X" */
        if (last_word_in(&wb, by_words) && any_phrase(&wb, opinion_nouns))
            return ASIDE;
    }
    /* a name in brackets: a credit "(Reuters)", an aside "(ex-Norvane)" */
    size_t a = m->start, b = m->end;
    while (a > from && l[a - 1] == ' ')
        a--;
    while (b < to && l[b] == ' ')
        b++;
    if (a > from && l[a - 1] == '(' && b < to && l[b] == ')')
        return SOURCE;
    /* a dateline in the body: "AFP - ...", "PARIS (Reuters) - ..." */
    if (!m->in_title && b + 1 < to && l[b] == '-' && l[b + 1] == ' ') {
        words_before(l, from, m->start, 4, &w);
        if (w.n <= 2)
            return SOURCE;
    }
    words_before(l, from, m->start, 3, &w);
    if (any_phrase(&w, source_before))
        return SOURCE;
    /* "Rivals A and B agree to merge": the rivals are the actors, when they are a list (the
     * reader below keeps them then) */
    if (w.n && word_in(w.s[w.n - 1], w.len[w.n - 1], rivals_plural))
        return ASIDE | 0x200;
    if (any_phrase(&w, aside_before) || comparison(&w))
        return ASIDE;
    words_after(l, m->end, to, 7, &w);
    if (w.n && word_is(w.s[0], w.len[0], "s", 1))
        return NOT_PASSING;  /* "X's rating": X's own */
    /* the view must be the name's, in its own clause: "X stock plummets after analyst
     * price target cut" is about X */
    for (size_t i = 1; i < w.n; i++)
        if (word_in(w.s[i], w.len[i], clause_words)) {
            w.n = i;
            break;
        }
    if (any_phrase(&w, aside_after))
        return ASIDE;
    /* "Jefferies analysts", "after a Jefferies downgrade": right after the name only ("X to
     * hire 200 data analysts", "X plans a €50m upgrade of its plant" are X's own) */
    if (w.n && word_in(w.s[0], w.len[0], aside_next))
        return ASIDE;
    /* ", Reuters reported." / "Bloomberg News reported, citing ..." */
    size_t v = 0;
    while (v < w.n && v < 2 && word_in(w.s[v], w.len[v], source_nouns))
        v++;
    for (size_t i = 0; source_verbs[i]; i++) {
        if (phrase_at(&w, v, source_verbs[i]) != (int)v)
            continue;
        size_t after = v + 1 + (strchr(source_verbs[i], ' ') ? 1 : 0);
        if (after == w.n && w.ended)
            return SOURCE;
        if (after < w.n && word_in(w.s[after], w.len[after], source_tail))
            return SOURCE;
    }
    return NOT_PASSING;
}

/* What lies between two names: 2 a conjunction (" and ", " et ", " & ", ", and "), 1 a
 * comma alone, 0 anything else. */
static int listed_together(const char *l, size_t a, size_t b)
{
    while (a < b && (l[a] == ' ' || l[a] == ','))
        a++;
    while (b > a && l[b - 1] == ' ')
        b--;
    size_t n = b - a;
    if (n == 0)
        return 1;
    return (n == 3 && memcmp(l + a, "and", 3) == 0) || (n == 2 && memcmp(l + a, "et", 2) == 0) ||
                   (n == 1 && l[a] == '&') || (n == 2 && memcmp(l + a, "or", 2) == 0) ||
                   (n == 2 && memcmp(l + a, "ou", 2) == 0)
               ? 2
               : 0;
}

/* First folded offset whose original offset is at least `o`. */
static size_t folded_of(const struct enrich_doc *d, size_t o)
{
    size_t lo = 0, hi = d->t.len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->t.map[mid] < o)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void enrich_roles_read(const struct enrich_doc *d, struct enrich_role_mention *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        m[i].start = folded_of(d, m[i].ostart);
        m[i].end = folded_of(d, m[i].oend);
        if (m[i].end < m[i].start)
            m[i].end = m[i].start;
        m[i].sentence = enrich_doc_sentence_at(d, m[i].start);
        m[i].in_title = m[i].ostart < d->title_end;
        m[i].group = i;
    }
    for (size_t i = 0; i < n; i++) {
        size_t from = 0, to = d->t.len;
        if (m[i].sentence < d->n_sent) {
            from = d->sent[m[i].sentence].start;
            to = d->sent[m[i].sentence].end;
        }
        size_t s0 = from;
        /* the words read around a name stop at the names next to it */
        if (i > 0 && m[i - 1].sentence == m[i].sentence && m[i - 1].end > from &&
            m[i - 1].end <= m[i].start)
            from = m[i - 1].end;
        if (i + 1 < n && m[i + 1].sentence == m[i].sentence && m[i + 1].start < to &&
            m[i + 1].start >= m[i].end)
            to = m[i + 1].start;
        m[i].passing = read_passing(d, &m[i], s0, from, to);
        int joint = i > 0 && m[i - 1].sentence == m[i].sentence && m[i - 1].end <= m[i].start
                        ? listed_together(d->t.l, m[i - 1].end, m[i].start)
                        : 0;
        if (joint)
            m[i].group = m[i - 1].group;
        if (joint == 2)
            m[m[i].group].passing |= 0x100;  /* the group is a list: it has an "and" */
    }
    /* a comma alone does not make a list ("Like Norvane, Keltis cuts jobs") */
    for (size_t i = 0; i < n; i++) {
        if (!(m[m[i].group].passing & 0x100))
            m[i].group = i;
    }
    for (size_t i = 0; i < n; i++)
        if ((m[i].passing & 0x200) && m[i].group == i && (m[i].passing & 0x100))
            m[i].passing = NOT_PASSING;  /* "les concurrents A et B vont fusionner" */
    for (size_t i = 0; i < n; i++)
        m[i].passing &= 0xff;
    /* names listed together share an aside: "clients such as A, B and C"; not a credit
     * ("acquire Keltis, Reuters reported") */
    for (size_t i = 0; i < n; i++)
        if (m[i].passing == ASIDE)
            for (size_t k = 0; k < n; k++)
                if (m[k].group == m[i].group)
                    m[k].passing = ASIDE;
}

/* In a story that is not a deal, a person's employer ("X's CEO", "to join X") or a deal told
 * as background ("since it bought X") is no party once another actor was named before it. */
static int secondary_here(const struct enrich_role_mention *m, int deal)
{
    return !deal && (m->weak || m->dealt);
}

/* Does mention i tell what the story is about: in the title, in a sentence telling the signal,
 * or, in a deal, named as a party by the [parties] rules? */
static int told_here(const struct enrich_doc *d, const struct enrich_role_mention *m,
                     const unsigned char *told, int deal)
{
    return m->in_title || (told && m->sentence < d->n_sent && told[m->sentence]) ||
           (told && deal && m->party);
}

void enrich_roles_assign(const struct enrich_doc *d, const struct enrich_role_mention *m,
                         size_t n, const unsigned char *told, int deal, const size_t *accounts,
                         size_t n_acc, unsigned char *roles)
{
    for (size_t a = 0; a < n_acc; a++)
        roles[a] = ENRICH_ROLE_MENTIONED;
    /* the mentions that tell what the story is about: the title's and the evidence's, else
     * those of the first sentence naming an account other than in passing (not for an item
     * without a signal: its title alone speaks, and "Acquisition" over a definition naming
     * companies as examples is about none of them) */
    size_t fallback = (size_t)-1;
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        if (m[i].passing)
            continue;
        if (told_here(d, &m[i], told, deal))
            any = 1;
        else if (told && (fallback == (size_t)-1 || m[i].sentence < fallback))
            fallback = m[i].sentence;
    }
    if (!any && fallback == (size_t)-1)
        return;
    size_t subject_mention = n;
    int strong = 0;     /* a mention other than a person's employer was taken */
    size_t parties = 0; /* mentions taken of another account than the subject's */
    for (size_t i = 0; i < n; i++) {
        if (m[i].passing)
            continue;
        int focal = any ? told_here(d, &m[i], told, deal) : m[i].sentence == fallback;
        if (!focal)
            continue;
        /* a person's employer, past or next, or a past deal's party, named after the story's
         * actor: "Starbucks hires Chipotle's Brian Niccol", "replacing Anna Ruiz, who joins
         * Solenca", "its second round of cuts since it bought Keltis" */
        if (secondary_here(&m[i], deal) && strong && m[i].account != m[subject_mention].account)
            continue;
        if (!secondary_here(&m[i], deal))
            strong = 1;
        if (subject_mention == n)
            subject_mention = i;
        enum enrich_account_role r = ENRICH_ROLE_COUNTERPARTY;
        if (m[i].account == m[subject_mention].account ||
            (!deal && m[i].group == m[subject_mention].group))
            r = ENRICH_ROLE_SUBJECT;
        else
            parties++;
        for (size_t a = 0; a < n_acc; a++)
            if (accounts[a] == m[i].account &&
                (roles[a] == ENRICH_ROLE_MENTIONED || r == ENRICH_ROLE_SUBJECT))
                roles[a] = (unsigned char)r;
    }
    /* a deal has two sides: when the title and the sentences telling it name only the subject
     * ("Stonebridge buys Irish biotech"), the lead sentence of the body names the other */
    if (!deal || parties || subject_mention == n || d->n_title >= d->n_sent)
        return;
    for (size_t i = 0; i < n; i++) {
        if (m[i].sentence != d->n_title || m[i].passing ||
            m[i].account == m[subject_mention].account)
            continue;
        for (size_t a = 0; a < n_acc; a++)
            if (accounts[a] == m[i].account && roles[a] == ENRICH_ROLE_MENTIONED)
                roles[a] = ENRICH_ROLE_COUNTERPARTY;
    }
}
