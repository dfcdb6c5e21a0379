/* rules — the signal, modifier and extraction rules, loaded from text and compiled once.
 *
 * Rules are data that users extend (the rules/ directory, or a directory given to `vigie extract
 * --rules`); vigie also embeds the shipped set (rules_default.c) so it works without files.
 * Every pattern is a PCRE2 regex compiled once (JIT when available) with match limits, so a
 * hostile sentence costs bounded time. The format, one directive per line:
 *
 *   # comment (only at the start of a line: regexes may contain '#')
 *   [signal funding]          a signal type: weight, keywords, match/exclude patterns
 *   weight 70                 importance of the type for priority, 0..100
 *   keywords rais fund leve   token prefixes; the section's patterns only run on sentences
 *                             holding one of them (no keywords: always run)
 *   match 0.90 REGEX          confidence 0..1 when REGEX matches the sentence
 *   exclude REGEX             vetoes the type in that sentence
 *   headline 0.80 REGEX       like match, but only tried on the title, and only when the title
 *                             names someone (a capitalised word past its first, or a name
 *                             before "X :"): headlines written as noun phrases ("Méga-contrat
 *                             pour Thales") say with a noun what a sentence says with a verb
 *   [modifier denial]         denials, rumours, plans: `factor F` multiplies the confidence of
 *   factor 0                  the signals of a sentence where a `match` hits; 0 vetoes the
 *                             type for the whole item; 1 only flags the signal
 *   scope title               (modifier) tried on the title alone, before any sentence: when
 *                             it hits, its factor applies to every type of the item (a
 *                             definition or a how-to page: `factor 0`, no signal at all)
 *   scope topic               (modifier) tried, before any signal, on every sentence of an item
 *                             whose title names no one (a bare term: "Acquisition"): when it
 *                             hits, its factor applies to every type of the item
 *   secondary                 (signal) the type is context, not news, when it is told only in
 *                             the summary and the title tells another type (a company's
 *                             results quoted in a story about its new plant)
 *   [people]  appoint REGEX / depart REGEX   groups: name, pred (a predecessor), role, org
 *             mention REGEX               a person named with a role they hold ("X's CEO Y")
 *   [parties] match REGEX     groups: acquirer, target, investor, partner, customer, seller
 *   [places]  match REGEX     group: place
 *   [roles]   role NORM SENIORITY DEPARTMENT: phrase | phrase | ...
 *   [macros]  define NAME REGEX    then {NAME} inside later patterns
 *
 * Lines that begin with blanks continue the previous directive (blanks dropped, text joined).
 * Signal and modifier patterns see the folded, lower-cased sentence (see text.h): write them
 * in lower-case ASCII without accents. Extraction patterns see the folded text with its case,
 * compiled caseless, and may use the built-in macros {NAME}, {ORG}, {PLACE} and {ROLE}
 * (optionally {ORG:target} to name the group), which match capitalised names, organisation
 * names, place names and any role phrase of the [roles] sections. */
#ifndef ENRICH_RULES_H
#define ENRICH_RULES_H

#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

enum enrich_section_kind {
    ENRICH_SEC_SIGNAL,
    ENRICH_SEC_MODIFIER,
    ENRICH_SEC_PEOPLE,
    ENRICH_SEC_PARTIES,
    ENRICH_SEC_PLACES,
    ENRICH_SEC_ROLES,
    ENRICH_SEC_MACROS,
};

enum enrich_pattern_kind {
    ENRICH_PAT_MATCH,
    ENRICH_PAT_EXCLUDE,
    ENRICH_PAT_APPOINT,
    ENRICH_PAT_DEPART,
    ENRICH_PAT_HEADLINE, /* a signal match tried on a naming title only */
    ENRICH_PAT_MENTION,
};

/* Gates: a section with keywords, or a pattern whose leading words are literal, is only run
 * on sentences holding one of those words (as a token prefix). Each gate is a bit in a
 * per-sentence bitset of ENRICH_GATE_WORDS words; gates past the last bit are always open
 * (rules_build_gates warns when that happens). The bundled rules take about 500. */
#define ENRICH_GATE_WORDS 16

/* The classifier keeps a slot per section for an item (enrich_classify): a rule set of more
 * sections is refused when it is compiled. The bundled rules have 24. */
#define ENRICH_MAX_SECTIONS 128
#define ENRICH_MAX_GATES (ENRICH_GATE_WORDS * 64)

struct enrich_pattern {
    enum enrich_pattern_kind kind;
    int gate;           /* gate of the pattern's own leading literals, -1 when none */
    int gate2;          /* gate of the words it needs further on ("opens ... plant"), -1 */
    double conf;        /* signal match confidence */
    char *src;          /* as written (macros not expanded) */
    char *where;        /* "file:line", for messages */
    pcre2_code *code;   /* NULL until enrich_rules_compile */
};

struct enrich_section {
    enum enrich_section_kind kind;
    char *name;         /* signal type or modifier name; NULL for other kinds */
    double weight;      /* signal: 0..100 */
    double factor;      /* modifier: multiplier of confidence, 0 = veto */
    int title_scope;    /* modifier: 1 looked at in the title only, 2 in every sentence of an
                         * item whose title names no one; for every type of the item */
    int secondary;      /* signal: dropped when only the summary tells it and the title tells
                         * another type */
    int kw_bit;         /* gate of the section's keywords, -1 when the section is always tried */
    char **keywords;
    size_t n_keywords;
    struct enrich_pattern *pats;
    size_t n_pats;
};

struct enrich_role {
    char *norm, *seniority, *department;
};

struct enrich_rules;

/* An empty rule set. Add text with enrich_rules_add, then enrich_rules_compile. */
struct enrich_rules *enrich_rules_new(void);
void enrich_rules_free(struct enrich_rules *r);

/* Parses one rules file's text (`name` is used in messages). Sections of a name seen before
 * are extended (patterns and keywords added, weight/factor replaced), so a user file can add
 * to the shipped rules. Returns 0, or -1 with "name:line: reason" in err. */
int enrich_rules_add(struct enrich_rules *r, const char *name, const char *text, size_t len,
                     char *err, size_t errlen);

/* Expands macros and compiles every pattern. Returns 0, or -1 with "file:line: reason". */
int enrich_rules_compile(struct enrich_rules *r, char *err, size_t errlen);

/* The embedded default rules (a copy of the rules/ directory), added and compiled. */
struct enrich_rules *enrich_rules_default(char *err, size_t errlen);

/* The embedded copies, for tools and the test that checks them against rules/. */
struct enrich_rules_file {
    const char *name;
    const char *text;
};
extern const struct enrich_rules_file enrich_rules_default_files[];

/* ---- read access for the rest of enrich/ (the rule set is immutable once compiled) ---- */

size_t enrich_rules_sections(const struct enrich_rules *r, const struct enrich_section **out);
/* Opens the gates (sets bits in gates[ENRICH_GATE_WORDS]) whose words are a prefix of a
 * token of the lower-cased folded text l[0..len). */
void enrich_rules_gates(const struct enrich_rules *r, const char *l, size_t len, uint64_t *gates);
/* Is gate g open in `gates`? (g < 0: no gate, always open) */
static inline int enrich_gate_open(const uint64_t *gates, int g)
{
    return g < 0 || g >= ENRICH_MAX_GATES || (gates[g >> 6] >> (g & 63) & 1);
}
/* The role one of whose phrases equals `phrase` (folded text; case, blanks, hyphens and
 * apostrophes ignored), or NULL. */
const struct enrich_role *enrich_rules_role(const struct enrich_rules *r, const char *phrase);

/* Runs `code` on subject[0..len) from offset `start`: >0 on a match (ovector in md), 0 on no match or on a
 * limit being hit (which is treated as no match). */
int enrich_rules_run(const struct enrich_rules *r, const pcre2_code *code, const char *subject,
                     size_t len, size_t start, pcre2_match_data *md);

/* Start and end of named group `name` after a match, choosing the one that was set when a
 * pattern uses the same name twice. Returns 0, or -1 when the group did not take part. */
int enrich_group(const pcre2_code *code, pcre2_match_data *md, const char *name, size_t *start,
                 size_t *end);

#endif
