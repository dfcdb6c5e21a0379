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
    "revele par", "a appris", "ecrit", "source", "sources", "photo", "photos", "credit*",
    "copyright", "illustration", "images", "via",
    NULL};

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
    "concurren*", "peer*", "such as", "including", "like", "tels que", "telles que", "comme",
    "notamment", "unlike", "contrairement a", "compared with", "rather than",
    NULL};

/* What an opinion on a stock is about: "rating cut by X" names its author. */
static const char *const opinion_nouns[] = {
    "rating", "ratings", "price target", "target price", "objectif", "recommandation",
    "recommendation", "note",
    NULL};

/* After a name, in its clause: the view it gives ("X raised its price target", "Oddo BHF a
 * dégradé sa recommandation", "Jefferies analysts"), or the list it belongs to ("... among
 * its clients", "parmi ses clients"). Nouns, not verbs: "Atos downgraded by S&P" is about
 * Atos. */
static const char *const aside_after[] = {
    "price target", "target price", "objectif de cours", "rating", "ratings", "recommandation",
    "recommendation", "analyst*", "downgrade", "upgrade", "among its client*", "among its customer*",
    "among their client*", "among its rival*", "among its competitor*", "parmi ses clients",
    "parmi ses concurrents",
    NULL};

enum { NOT_PASSING, SOURCE, ASIDE };

/* Is the mention the story's source (SOURCE), an opinion or an aside (ASIDE), or neither? */
static int read_passing(const struct enrich_doc *d, const struct enrich_role_mention *m,
                        size_t from, size_t to)
{
    const char *l = d->t.l;
    struct words w;
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
    if (any_phrase(&w, aside_before))
        return ASIDE;
    /* "rating cut by X", "objectif de cours relevé par X" */
    words_before(l, from, m->start, 6, &w);
    if (w.n && (word_is(w.s[w.n - 1], w.len[w.n - 1], "by", 2) ||
                word_is(w.s[w.n - 1], w.len[w.n - 1], "par", 3)) &&
        any_phrase(&w, opinion_nouns))
        return ASIDE;
    words_after(l, m->end, to, 7, &w);
    if (w.n && word_is(w.s[0], w.len[0], "s", 1))
        return NOT_PASSING;  /* "X's rating": X's own */
    if (any_phrase(&w, aside_after))
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
        /* the words read around a name stop at the names next to it */
        if (i > 0 && m[i - 1].sentence == m[i].sentence && m[i - 1].end > from &&
            m[i - 1].end <= m[i].start)
            from = m[i - 1].end;
        if (i + 1 < n && m[i + 1].sentence == m[i].sentence && m[i + 1].start < to &&
            m[i + 1].start >= m[i].end)
            to = m[i + 1].start;
        m[i].passing = read_passing(d, &m[i], from, to);
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
        m[i].passing &= 0xff;
    /* names listed together share an aside: "clients such as A, B and C"; not a credit
     * ("acquire Keltis, Reuters reported") */
    for (size_t i = 0; i < n; i++)
        if (m[i].passing == ASIDE)
            for (size_t k = 0; k < n; k++)
                if (m[k].group == m[i].group)
                    m[k].passing = ASIDE;
}

void enrich_roles_assign(const struct enrich_doc *d, const struct enrich_role_mention *m,
                         size_t n, const unsigned char *told, int deal, const size_t *accounts,
                         size_t n_acc, unsigned char *roles)
{
    for (size_t a = 0; a < n_acc; a++)
        roles[a] = ENRICH_ROLE_MENTIONED;
    /* the mentions that tell what the story is about: the title's and the evidence's, else
     * those of the first sentence naming an account other than in passing */
    size_t fallback = (size_t)-1;
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        if (m[i].passing)
            continue;
        if (m[i].in_title || (told && m[i].sentence < d->n_sent && told[m[i].sentence]))
            any = 1;
        else if (fallback == (size_t)-1 || m[i].sentence < fallback)
            fallback = m[i].sentence;
    }
    if (!any && fallback == (size_t)-1)
        return;
    size_t subject_mention = n;
    for (size_t i = 0; i < n; i++) {
        if (m[i].passing)
            continue;
        int focal = any ? m[i].in_title ||
                              (told && m[i].sentence < d->n_sent && told[m[i].sentence])
                        : m[i].sentence == fallback;
        if (!focal)
            continue;
        if (subject_mention == n)
            subject_mention = i;
        enum enrich_account_role r = ENRICH_ROLE_COUNTERPARTY;
        if (m[i].account == m[subject_mention].account ||
            (!deal && m[i].group == m[subject_mention].group))
            r = ENRICH_ROLE_SUBJECT;
        for (size_t a = 0; a < n_acc; a++)
            if (accounts[a] == m[i].account &&
                (roles[a] == ENRICH_ROLE_MENTIONED || r == ENRICH_ROLE_SUBJECT))
                roles[a] = (unsigned char)r;
    }
}
