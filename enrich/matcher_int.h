/* matcher_int — the matcher's private layout, shared by matcher.c (building the automaton and
 * scanning) and matcher_eval.c (turning raw hits into scored mentions). Not for other modules.
 *
 * Patterns are sequences of normalised tokens. Every distinct token of every pattern gets an
 * id in `vocab`; the Aho-Corasick trie runs over token ids, so word boundaries come for free
 * and a text token that no pattern uses sends the automaton straight back to the root. */
#ifndef ENRICH_MATCHER_INT_H
#define ENRICH_MATCHER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "enrich/account.h"
#include "enrich/matcher.h"
#include "enrich/norm.h"

#define MATCH_NONE UINT32_MAX
#define MATCH_MAX_PATTERN_TOKENS 32
#define MATCH_MAX_TEXT (1u << 20)      /* bytes scanned per call */
#define MATCH_MAX_HITS 65536           /* raw hits kept per call */
#define MATCH_MAX_CANDS 65536          /* candidate mentions and facts kept per call */
#define MATCH_MAX_VOCAB (1u << 24)     /* distinct pattern tokens (ids share a word with lengths) */

/* What a pattern means for one account. */
enum pat_kind { PK_NAME, PK_ALIAS, PK_DOMAIN, PK_TICKER, PK_CONTEXT, PK_NEGATIVE };

/* How much evidence a name needs, decided once per pattern at build time. */
enum pat_amb {
    AMB_NONE,     /* distinctive: "danone", "saint gobain" */
    AMB_PHRASE,   /* several tokens, all everyday words: "credit agricole", "hello bank" */
    AMB_WORD,     /* one everyday word, first name or short token: "orange", "seb", "bnp" */
};

struct pat_entry {
    uint32_t account;
    uint8_t kind;         /* enum pat_kind */
    uint8_t upper_only;   /* context keyword written in capitals ("AI", "5G"): must be so in text */
};

struct pattern {
    uint32_t first, n;    /* entries [first, first + n), ordered by (kind, account) */
    uint8_t ntok;
    uint8_t amb;          /* enum pat_amb */
    uint8_t kinds;        /* bit (1 << kind) for every kind the pattern has, facts included */
};

/* What an account's domains, tickers and keywords are: looked up per candidate account, so a
 * keyword that thousands of accounts share ("bank") costs nothing for the others. */
struct acct_fact { uint32_t pat; uint8_t kind; uint8_t upper_only; };

struct vocab_tok { uint32_t off; uint32_t len; uint32_t hash; };

struct enrich_matcher {
    const struct enrich_account_set *set;
    /* Vocabulary: token bytes in `arena`, records in `toks`, open-addressed index `vslots`. */
    char *arena; size_t arena_len, arena_cap;
    struct vocab_tok *toks; uint32_t ntoks, toks_cap;
    /* Index slots carry the hash, length and first 8 bytes of their token, so a probe for a
     * word no pattern uses, or a short word some pattern uses, touches one cache line. */
    struct vslot { uint32_t hash; uint32_t id_len; uint64_t pre; } *vslots; uint32_t vmask;
    /* One bit per hash prefix, set for every vocabulary token: most words of a text are in no
     * pattern, and this small array (it stays in cache) says so without touching vslots. */
    uint64_t *bloom; uint32_t bloom_shift;
    /* Trie states: 0 is the root. One record per state so a step of the scan reads one line. */
    struct ac_state {
        uint32_t fail, dict;
        uint32_t out;                /* pattern ending here or MATCH_NONE */
        uint32_t first, n;           /* copy of pats[out].first/n: the scan needs no pats[] */
        uint8_t depth;               /* tokens from the root: the length of `out` */
        uint8_t kinds, amb;          /* copy of pats[out].kinds/amb */
        uint8_t kind1;               /* n == 1: the entry's kind, and `first` is its account */
    } *st;
    uint32_t nstates, states_cap;
    uint32_t *parent, *via_tok;      /* build only: the edge that created the state */
    uint32_t *root_next;             /* per token id: state after the root, 0 none */
    uint64_t *tkeys; uint32_t *tvals; uint32_t tmask, ntrans;   /* (state << 32 | tok) -> state */
    /* Patterns and their candidate entries (names, aliases, domains, tickers). */
    struct pattern *pats; uint32_t npats, pats_cap;
    struct pat_entry *entries; uint32_t nentries;
    /* Per account, facts [afirst[a], afirst[a + 1]) of afacts. */
    struct acct_fact *afacts; uint32_t *afirst;
    uint8_t *afkinds;                /* per account: bit (1 << kind) of the facts it has */
    /* Cue words of the evidence rules (matcher_eval.c), by token hash: bits CUE_*. */
    struct cue_slot { const char *word; uint32_t hash, len; unsigned bits; } *cues;
    uint32_t cue_mask;
    /* Patterns that name a unit of an account (its name, aliases, domains), sorted by
     * (pat, account): a mention through one of them names the unit (enrich_match.unit). */
    struct unit_pat { uint32_t pat, account; int32_t unit; } *upats;
    uint32_t nupats, upats_cap;
    /* Account id index for source_account_id lookups. */
    uint32_t *aslots; size_t amask;
    size_t bytes;
};

/* A raw automaton hit: pattern p over text tokens [s, e), with the pattern's candidate
 * entries [first, first + n), kinds and ambiguity carried along from the state. */
struct hit { uint32_t p, s, e, first, n; uint8_t kinds, amb, kind1; };

enum {
    CUE_BEFORE = 1, CUE_AFTER = 2, CUE_PARTICIPLE = 4, CUE_TO_VERB = 8, CUE_EXCHANGE = 16,
    CUE_LEGAL = 32, CUE_LEGAL_CAPITAL = 64,   /* enrich_is_legal_form() kinds 1 and 2 */
    CUE_FIRST_NAME = 128,
    CUE_BUSINESS = 256,   /* a word of business news anywhere in a sentence (matcher_eval.c) */
};
/* Fills m->cues from the evidence rules' word lists. -1 on allocation failure. */
int matcher_cues_build(struct enrich_matcher *m);

/* Vocabulary id of a token, MATCH_NONE when no pattern uses it. */
uint32_t matcher_vocab_find(const struct enrich_matcher *m, const char *s, uint32_t len, uint32_t hash);
/* The unit of `account` that pattern `pat` names, or -1. */
int matcher_unit_of(const struct enrich_matcher *m, uint32_t pat, uint32_t account);
/* Index of the account with this id, or MATCH_NONE. */
uint32_t matcher_account_index(const struct enrich_matcher *m, const char *id);
/* Runs the automaton over tokens; appends hits (at most MATCH_MAX_HITS). -1 on allocation
 * failure. */
int matcher_scan(const struct enrich_matcher *m, const struct enrich_toks *t, struct hit **hits,
                 size_t *nhits, size_t *cap);

#endif
