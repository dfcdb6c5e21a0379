/* entities — people, counterparties and places from the extraction rules (see entities.h). */
#include "enrich/entities.h"

#include "util/vg_alloc.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* At most this many matches of one pattern in one sentence: bounded work, and no sentence
 * names more people than that. */
#define MATCHES_PER_SENTENCE 8
#define MAX_ENTITIES 64

/* ------------------------------------------------------------------------------------------ */
/* Word lists                                                                                 */

static int in_list(const char *const *list, const char *w, size_t n)
{
    for (int i = 0; list[i]; i++)
        if (strlen(list[i]) == n && strncasecmp(list[i], w, n) == 0)
            return 1;
    return 0;
}

/* Capitalised words that start or end a name-shaped span without being part of the name:
 * articles, titles, role words, days and months (sentence starts, headline capitals). */
static const char *const name_trim[] = {
    "le", "la", "les", "the", "a", "an", "un", "une", "ce", "cette", "son", "sa", "ses", "its",
    "his", "her", "their", "new", "nouveau", "nouvel", "nouvelle", "former", "ancien",
    "ancienne", "chief", "executive", "officer", "president", "presidente", "directeur",
    "directrice", "general", "generale", "monsieur", "madame", "mr", "mrs", "ms", "dr", "m",
    "mme", "mlle", "ceo", "cfo", "coo", "cto", "cio", "cmo", "cdo", "chro", "pdg", "dg",
    "daf", "dsi", "drh", "vp", "svp", "evp", "md", "interim", "chairman", "chairwoman",
    "chair", "founder", "fondateur", "fondatrice", "co", "cofondateur", "head", "deputy",
    "senior", "vice", "managing", "director", "board", "selon", "chez", "apres", "after",
    "since", "depuis", "en", "au", "aux", "dans", "pour", "par", "with", "avec", "by", "and",
    "et", "of", "de", "du", "des", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
    "dimanche", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre",
    "octobre", "novembre", "decembre", "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december", "breaking", "exclusive",
    "exclusif", "update", "communique", "press", "release", "ex", "group", "groupe",
    NULL,
};

/* Words that make a name-shaped span an organisation or a place rather than a person. */
static const char *const not_person[] = {
    "holding", "holdings", "capital", "partners", "ventures", "bank", "banque", "sa", "sas",
    "inc", "corp", "ltd", "llc", "plc", "gmbh", "ag", "nv", "se", "technologies", "systems",
    "industries", "international", "france", "europe", "group", "groupe", "company", "compagnie",
    "societe", "conseil", "council", "ministry", "ministere", "university", "universite",
    "fund", "fonds", "investments", "management", "services", "solutions", "energies",
    "paris", "london", "londres", "lyon", "new", "york", "street", "wall", "ai", "labs",
    /* a given name and a founder's surname that news means as the company ("Charles Schwab
     * said", "selon Christian Dior") */
    "vuitton", "dior", "schwab", "deere", "sachs", "stanley", "chanel", "cardin", "hilfiger",
    "gaultier", "lauren",
    NULL,
};

/* Words that are never an organisation on their own. */
static const char *const not_org[] = {
    "le", "la", "les", "l", "the", "il", "elle", "ils", "elles", "it", "this", "that", "these",
    "ce", "cette", "ces", "en", "selon", "mais", "but", "and", "et", "un", "une", "a", "an",
    "on", "in", "at", "au", "aux", "its", "his", "her", "their", "son", "sa", "ses", "leur",
    "we", "nous", "on", "i", "he", "she", "they", "company", "group", "groupe", "firm",
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "monday", "tuesday", "wednesday",
    "thursday", "friday", "ceo", "cfo",
    NULL,
};

/* ------------------------------------------------------------------------------------------ */
/* Name shapes                                                                                */

struct tok {
    size_t s, e;
};

static size_t tokens(const char *f, size_t a, size_t b, struct tok *t, size_t max)
{
    size_t n = 0;
    size_t i = a;
    while (i < b && n < max) {
        while (i < b && f[i] == ' ')
            i++;
        size_t s = i;
        while (i < b && f[i] != ' ')
            i++;
        if (i > s)
            t[n++] = (struct tok){s, i};
    }
    return n;
}

static int is_particle(const char *w, size_t n)
{
    static const char *const p[] = {"de", "du", "des", "da", "di", "dos", "van", "von", "der",
                                    "den", "ben", "bin", "al", "el", "ter", "la", NULL};
    return in_list(p, w, n);
}

/* Honorifics: after one, a surname alone is a person ("M. Dupont", "Mme Martin"). */
static int is_honorific(const char *w, size_t n)
{
    static const char *const h[] = {"m", "mme", "mlle", "mr", "mrs", "ms", "dr", "monsieur",
                                    "madame", NULL};
    return in_list(h, w, n);
}

/* A token that carries a name: capitalised, or an elided particle before one ("d'Ornano"). */
static int is_name_word(const char *w, size_t n)
{
    if (n > 2 && (w[0] == 'd' || w[0] == 'D') && w[1] == '\'')
        return isupper((unsigned char)w[2]);
    return isupper((unsigned char)*w) != 0;
}

/* Trims title and role words off [*a, *b) and checks what is left is a person's name: two to
 * four name words, or one to four after an honorific. */
static int trim_name(const char *f, size_t *a, size_t *b)
{
    struct tok t[12];
    size_t n = tokens(f, *a, *b, t, 12);
    size_t lo = 0, hi = n;
    int honorific = 0;
    /* strip trailing dots of abbreviations when comparing ("M.") */
#define TOKW(i) (f + t[i].s)
#define TOKN(i) (t[i].e - t[i].s - (f[t[i].e - 1] == '.' ? 1 : 0))
    while (lo < hi && in_list(name_trim, TOKW(lo), TOKN(lo))) {
        honorific |= is_honorific(TOKW(lo), TOKN(lo));
        lo++;
    }
    while (hi > lo && (in_list(name_trim, TOKW(hi - 1), TOKN(hi - 1)) ||
                       is_particle(TOKW(hi - 1), TOKN(hi - 1))))
        hi--;
    size_t real = 0;
    for (size_t i = lo; i < hi; i++) {
        if (in_list(not_person, TOKW(i), TOKN(i)))
            return 0;
        /* "de", "van" join a name; "Ben", "Di", "La" capitalised carry one */
        if (is_name_word(TOKW(i), TOKN(i)) &&
            (!is_particle(TOKW(i), TOKN(i)) || isupper((unsigned char)*TOKW(i))))
            real++;
    }
#undef TOKW
#undef TOKN
    if (real < (honorific ? 1u : 2u) || real > 4)
        return 0;
    *a = t[lo].s;
    *b = t[hi - 1].e;
    return 1;
}

int enrich_name_plausible(const char *s, size_t n)
{
    size_t a = 0, b = n;
    return trim_name(s, &a, &b);
}

/* Organisation names: drop a leading article and a trailing possessive. */
static int trim_org(const char *f, size_t *a, size_t *b)
{
    static const char *const lead[] = {"The ", "Le ", "La ", "Les ", "Groupe ", NULL};
    for (int i = 0; lead[i]; i++) {
        size_t n = strlen(lead[i]);
        if (*b - *a > n && strncmp(f + *a, lead[i], n) == 0)
            *a += n;
    }
    if (*b - *a > 2 && f[*b - 2] == '\'' && (f[*b - 1] == 's' || f[*b - 1] == 'S'))
        *b -= 2;
    while (*b > *a && (f[*b - 1] == '.' || f[*b - 1] == ',' || f[*b - 1] == '\''))
        (*b)--;
    if (*b <= *a)
        return 0;
    struct tok t[8];
    size_t n = tokens(f, *a, *b, t, 8);
    if (n == 0)
        return 0;
    if (n == 1 && in_list(not_org, f + t[0].s, t[0].e - t[0].s))
        return 0;
    return *b - *a >= 2;
}

/* ------------------------------------------------------------------------------------------ */
/* Running the patterns of one kind of section                                               */

typedef int (*on_match_fn)(const struct enrich_doc *d, const struct enrich_pattern *p,
                           size_t sentence, void *ctx);
typedef int (*sentence_fn)(const char *s, size_t n);

/* 1 when folded sentence [s, s+n) holds something {NAME} could match: a capitalised word, then
 * at most two short lower-case words (particles: "de la", "van der"), then a capitalised word
 * or "d'X". Every people pattern needs a name, so a sentence without one is not tried: role
 * words are common, two capitalised words side by side much less. A superset of {NAME}. */
static int has_name_shape(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isupper((unsigned char)s[i]) || (i && isalpha((unsigned char)s[i - 1])))
            continue;
        size_t j = i;
        while (j < n && (isalpha((unsigned char)s[j]) || s[j] == '\'' || s[j] == '-' || s[j] == '.'))
            j++;
        for (int skip = 0; skip <= 2; skip++) {
            if (j >= n || !isspace((unsigned char)s[j]))
                break;
            while (j < n && isspace((unsigned char)s[j]))
                j++;
            if (j < n && (isupper((unsigned char)s[j]) ||
                          (j + 2 < n && s[j] == 'd' && s[j + 1] == '\'' && isupper((unsigned char)s[j + 2]))))
                return 1;
            size_t w = j;
            while (j < n && islower((unsigned char)s[j]))
                j++;
            if (j == w || j - w > 5)
                break;
        }
    }
    return 0;
}

static int for_each_match(const struct enrich_doc *d, enum enrich_section_kind kind,
                          sentence_fn keep, on_match_fn fn, void *ctx)
{
    const struct enrich_section *secs;
    size_t n_secs = enrich_rules_sections(d->rules, &secs);
    for (size_t si = 0; si < d->n_sent; si++) {
        const char *p = d->t.f + d->sent[si].start;
        size_t n = d->sent[si].end - d->sent[si].start;
        if (keep && !keep(p, n))
            continue;
        for (size_t i = 0; i < n_secs; i++) {
            const struct enrich_section *s = &secs[i];
            if (s->kind != kind || !enrich_gate_open(d->gates[si], s->kw_bit))
                continue;
            for (size_t k = 0; k < s->n_pats; k++) {
                if (!enrich_gate_open(d->gates[si], s->pats[k].gate) ||
                    !enrich_gate_open(d->gates[si], s->pats[k].gate2))
                    continue;
                size_t start = 0;
                for (int m = 0; m < MATCHES_PER_SENTENCE; m++) {
                    if (!enrich_rules_run(d->rules, s->pats[k].code, p, n, start, d->md))
                        break;
                    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(d->md);
                    size_t mend = ov[1];
                    if (fn(d, &s->pats[k], si, ctx) < 0)
                        return -1;
                    start = mend > start ? mend : start + 1;
                }
            }
        }
    }
    return 0;
}

/* Folded span of group `g` of the last match, in whole-text coordinates. */
static int group_span(const struct enrich_doc *d, const struct enrich_pattern *p, size_t si,
                      const char *g, size_t *a, size_t *b)
{
    size_t s, e;
    if (enrich_group(p->code, d->md, g, &s, &e) < 0 || e <= s)
        return -1;
    *a = d->sent[si].start + s;
    *b = d->sent[si].start + e;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* People                                                                                     */

struct people_ctx {
    struct enrich_person *v;
    size_t n;
    const struct enrich_ospan *not_names;
    size_t n_not;
};

static void person_clear(struct enrich_person *p)
{
    vg_free(p->name);
    vg_free(p->role);
    vg_free(p->role_norm);
    vg_free(p->seniority);
    vg_free(p->department);
    vg_free(p->org);
}

void enrich_people_free(struct enrich_person *v, size_t n)
{
    for (size_t i = 0; i < n && v; i++)
        person_clear(&v[i]);
    vg_free(v);
}

static int overlaps_account(const struct people_ctx *c, size_t oa, size_t ob)
{
    for (size_t i = 0; i < c->n_not; i++)
        if (oa < c->not_names[i].end && c->not_names[i].start < ob)
            return 1;
    return 0;
}

static int same_name(const char *x, const char *y)
{
    /* Accents are already in both as written; compare case-insensitively. */
    return strcasecmp(x, y) == 0;
}

/* How much a record says: taking or leaving a role (an appointment above a departure) says
 * more than holding one ("X's CEO Y"), and a role more than none. */
static int person_rank(const struct enrich_person *p)
{
    return (p->mention ? 0 : p->departing ? 2 : 4) + (p->role_norm ? 1 : 0);
}

static int copy_role(struct enrich_person *to, const struct enrich_person *from)
{
    to->role = vg_strdup(from->role);
    to->role_norm = vg_strdup(from->role_norm);
    to->seniority = vg_strdup(from->seniority);
    to->department = vg_strdup(from->department);
    return to->role && to->role_norm && to->seniority && to->department ? 0 : -1;
}

static int add_person(const struct enrich_doc *d, struct people_ctx *c, size_t a, size_t b,
                      const struct enrich_role *role, size_t ra, size_t rb, size_t oa_org,
                      size_t ob_org, int departing, int predecessor, int mention, size_t si)
{
    if (!trim_name(d->t.f, &a, &b))
        return 0;
    if (overlaps_account(c, enrich_doc_orig(d, a), enrich_doc_orig(d, b)))
        return 0;
    struct enrich_person p = {0};
    p.departing = departing;
    p.predecessor = predecessor;
    p.mention = mention;
    p.sentence = si;
    p.name = enrich_doc_copy(d, a, b);
    if (!p.name)
        return -1;
    if (role) {
        p.role = enrich_doc_copy(d, ra, rb);
        p.role_norm = vg_strdup(role->norm);
        p.seniority = vg_strdup(role->seniority);
        p.department = vg_strdup(role->department);
        if (!p.role || !p.role_norm || !p.seniority || !p.department)
            goto oom;
    }
    if (ob_org > oa_org) {
        size_t x = oa_org, y = ob_org;
        if (trim_org(d->t.f, &x, &y)) {
            p.org = enrich_doc_copy(d, x, y);
            if (!p.org)
                goto oom;
        }
    }
    /* One record per person: the record that says most wins (person_rank); a role said of
     * them elsewhere in the item fills a record that has none. */
    for (size_t i = 0; i < c->n; i++) {
        struct enrich_person *q = &c->v[i];
        if (!same_name(q->name, p.name))
            continue;
        struct enrich_person *keep = q, *drop = &p;
        if (person_rank(&p) > person_rank(q)) {
            keep = &p;
            drop = q;
        }
        if (!keep->role_norm && drop->role_norm) {
            int rc = copy_role(keep, drop);
            if (rc < 0) {
                person_clear(&p);
                return -1;
            }
        }
        if (keep == &p) {
            person_clear(q);
            *q = p;
        } else {
            person_clear(&p);
        }
        return 0;
    }
    if (c->n >= MAX_ENTITIES) {
        person_clear(&p);
        return 0;
    }
    struct enrich_person *nv = vg_realloc(c->v, (c->n + 1) * sizeof(*nv));
    if (!nv)
        goto oom;
    c->v = nv;
    c->v[c->n++] = p;
    return 0;
oom:
    person_clear(&p);
    return -1;
}

static int on_person(const struct enrich_doc *d, const struct enrich_pattern *p, size_t si,
                     void *ctx)
{
    struct people_ctx *c = ctx;
    size_t ra = 0, rb = 0, oa = 0, ob = 0, a, b;
    const struct enrich_role *role = NULL;
    if (group_span(d, p, si, "role", &ra, &rb) == 0) {
        char *phrase = vg_strndup(d->t.l + ra, rb - ra);
        if (!phrase)
            return -1;
        role = enrich_rules_role(d->rules, phrase);
        vg_free(phrase);
    }
    /* "chairman and chief executive", "président-directeur général": the executive role is
     * the one that says who runs the company, so it wins over a board role. */
    size_t r2a, r2b;
    if (role && group_span(d, p, si, "role2", &r2a, &r2b) == 0) {
        char *phrase = vg_strndup(d->t.l + r2a, r2b - r2a);
        if (!phrase)
            return -1;
        const struct enrich_role *role2 = enrich_rules_role(d->rules, phrase);
        vg_free(phrase);
        if (role2 && strcmp(role->seniority, "board") == 0 && strcmp(role2->seniority, "board") != 0) {
            role = role2;
            ra = r2a;
            rb = r2b;
        }
    }
    (void)group_span(d, p, si, "org", &oa, &ob);
    if (group_span(d, p, si, "name", &a, &b) == 0 &&
        add_person(d, c, a, b, role, ra, rb, oa, ob, p->kind == ENRICH_PAT_DEPART, 0,
                   p->kind == ENRICH_PAT_MENTION, si) < 0)
        return -1;
    if (group_span(d, p, si, "name2", &a, &b) == 0 &&
        add_person(d, c, a, b, role, ra, rb, oa, ob, p->kind == ENRICH_PAT_DEPART, 0,
                   p->kind == ENRICH_PAT_MENTION, si) < 0)
        return -1;
    if (group_span(d, p, si, "pred", &a, &b) == 0 &&
        add_person(d, c, a, b, role, ra, rb, oa, ob, 1, 1, 0, si) < 0)
        return -1;
    return 0;
}

/* "X est nommé DAF. Il succède à Z": Z leaves the role X takes. A departing person found
 * without a role takes the role of the nearest appointment in the same or previous sentence,
 * or of the item's only appointment. */
static int inherit_roles(struct people_ctx *c)
{
    for (size_t i = 0; i < c->n; i++) {
        struct enrich_person *p = &c->v[i];
        if (!p->predecessor || p->role_norm)
            continue;
        const struct enrich_person *best = NULL;
        size_t appointees = 0;
        for (size_t k = 0; k < c->n; k++) {
            const struct enrich_person *q = &c->v[k];
            if (q->departing || q->mention || !q->role_norm)
                continue;
            appointees++;
            if (q->sentence > p->sentence || p->sentence - q->sentence > 1)
                continue;
            if (!best || q->sentence > best->sentence)
                best = q;
        }
        /* With a single appointment in the item (often first in the title), that is it. */
        if (!best && appointees == 1)
            for (size_t k = 0; k < c->n && !best; k++)
                if (!c->v[k].departing && !c->v[k].mention && c->v[k].role_norm)
                    best = &c->v[k];
        if (!best)
            continue;
        if (copy_role(p, best) < 0)
            return -1;
    }
    return 0;
}

/* 1 when `full` ends with the word `surname` ("Jean Dupont" and "Dupont"). */
static int ends_with_surname(const char *full, const char *surname)
{
    size_t nf = strlen(full), ns = strlen(surname);
    return nf > ns + 1 && full[nf - ns - 1] == ' ' && strcasecmp(full + nf - ns, surname) == 0;
}

/* "Jean Dupont ... M. Dupont a déclaré": a surname alone (read after an honorific) is the
 * person named in full elsewhere in the item; the full name is kept, with the better record. */
static int merge_surnames(struct people_ctx *c)
{
    for (size_t i = 0; i < c->n;) {
        struct enrich_person *s = &c->v[i];
        size_t k = 0;
        if (!strchr(s->name, ' '))
            for (; k < c->n; k++)
                if (k != i && ends_with_surname(c->v[k].name, s->name))
                    break;
        if (strchr(s->name, ' ') || k == c->n) {
            i++;
            continue;
        }
        struct enrich_person *full = &c->v[k];
        if (person_rank(s) > person_rank(full)) {
            /* the surname's record, under the full name */
            struct enrich_person t = *s;
            t.name = full->name;
            full->name = s->name;
            *s = *full;
            *full = t;
        } else if (!full->role_norm && s->role_norm && copy_role(full, s) < 0) {
            return -1;
        }
        person_clear(&c->v[i]);
        memmove(&c->v[i], &c->v[i + 1], (c->n - i - 1) * sizeof(*c->v));
        c->n--;
    }
    return 0;
}

int enrich_people_extract(const struct enrich_doc *d, const struct enrich_ospan *not_names,
                          size_t n_not, struct enrich_person **out, size_t *n_out)
{
    struct people_ctx c = {.not_names = not_names, .n_not = n_not};
    *out = NULL;
    *n_out = 0;
    if (for_each_match(d, ENRICH_SEC_PEOPLE, has_name_shape, on_person, &c) < 0 || merge_surnames(&c) < 0 ||
        inherit_roles(&c) < 0) {
        enrich_people_free(c.v, c.n);
        return -1;
    }
    *out = c.v;
    *n_out = c.n;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Counterparties                                                                             */

struct parties_ctx {
    struct enrich_party *v;
    size_t n;
};

void enrich_parties_free(struct enrich_party *v, size_t n)
{
    for (size_t i = 0; i < n && v; i++)
        vg_free(v[i].name);
    vg_free(v);
}

static const char *const party_roles[] = {"acquirer", "target", "investor", "partner",
                                          "customer", "seller", NULL};

static int on_party(const struct enrich_doc *d, const struct enrich_pattern *p, size_t si,
                    void *ctx)
{
    struct parties_ctx *c = ctx;
    for (int r = 0; party_roles[r]; r++) {
        size_t a, b;
        if (group_span(d, p, si, party_roles[r], &a, &b) < 0 || !trim_org(d->t.f, &a, &b))
            continue;
        char *name = enrich_doc_copy(d, a, b);
        if (!name)
            return -1;
        int dup = 0;
        for (size_t i = 0; i < c->n && !dup; i++)
            dup = strcasecmp(c->v[i].name, name) == 0 && strcmp(c->v[i].role, party_roles[r]) == 0;
        if (dup || c->n >= MAX_ENTITIES) {
            vg_free(name);
            continue;
        }
        struct enrich_party *nv = vg_realloc(c->v, (c->n + 1) * sizeof(*nv));
        if (!nv) {
            vg_free(name);
            return -1;
        }
        c->v = nv;
        c->v[c->n++] = (struct enrich_party){name, party_roles[r], si};
    }
    return 0;
}

int enrich_parties_extract(const struct enrich_doc *d, struct enrich_party **out, size_t *n_out)
{
    struct parties_ctx c = {0};
    *out = NULL;
    *n_out = 0;
    if (for_each_match(d, ENRICH_SEC_PARTIES, NULL, on_party, &c) < 0) {
        enrich_parties_free(c.v, c.n);
        return -1;
    }
    *out = c.v;
    *n_out = c.n;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Places                                                                                     */

struct places_ctx {
    struct enrich_place *v;
    size_t n;
};

void enrich_places_free(struct enrich_place *v, size_t n)
{
    for (size_t i = 0; i < n && v; i++)
        vg_free(v[i].name);
    vg_free(v);
}

static int on_place(const struct enrich_doc *d, const struct enrich_pattern *p, size_t si,
                    void *ctx)
{
    struct places_ctx *c = ctx;
    size_t a, b;
    if (group_span(d, p, si, "place", &a, &b) < 0 || !trim_org(d->t.f, &a, &b))
        return 0;
    char *name = enrich_doc_copy(d, a, b);
    if (!name)
        return -1;
    for (size_t i = 0; i < c->n; i++)
        if (strcasecmp(c->v[i].name, name) == 0) {
            vg_free(name);
            return 0;
        }
    if (c->n >= MAX_ENTITIES) {
        vg_free(name);
        return 0;
    }
    struct enrich_place *nv = vg_realloc(c->v, (c->n + 1) * sizeof(*nv));
    if (!nv) {
        vg_free(name);
        return -1;
    }
    c->v = nv;
    c->v[c->n++] = (struct enrich_place){name, si};
    return 0;
}

int enrich_places_extract(const struct enrich_doc *d, struct enrich_place **out, size_t *n_out)
{
    struct places_ctx c = {0};
    *out = NULL;
    *n_out = 0;
    if (for_each_match(d, ENRICH_SEC_PLACES, NULL, on_place, &c) < 0) {
        enrich_places_free(c.v, c.n);
        return -1;
    }
    *out = c.v;
    *n_out = c.n;
    return 0;
}
