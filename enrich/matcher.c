/* matcher — builds the token-level Aho-Corasick automaton over all accounts and scans text.
 *
 * Building: every name and alias (legal forms stripped), domain, ticker, context keyword and
 * negative keyword is tokenised by enrich_tokenize() and inserted into one trie over token ids;
 * failure and dictionary links are then filled breadth first. Scanning: one pass over the
 * text's tokens, one hash probe per token into the vocabulary and, for tokens some pattern
 * uses, one into the transition table. Scoring the raw hits is matcher_eval.c's job. */
#include "enrich/matcher_int.h"
#include "util/vg_hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/vg_alloc.h"

/* ---------------------------------------------------------------------------------------
 * Growth helpers: every array is counted in m->bytes for the memory report. */

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem, size_t *bytes)
{
    if (need <= *cap)
        return 0;
    uint32_t nc = *cap ? *cap : 256;
    while (nc < need) {
        if (nc > UINT32_MAX / 2)
            return -1;
        nc *= 2;
    }
    void *np = vg_realloc(*p, (size_t)nc * elem);
    if (!np)
        return -1;
    *bytes += (size_t)(nc - *cap) * elem;
    *p = np;
    *cap = nc;
    return 0;
}

static inline uint32_t trans_slot(uint64_t key, uint32_t mask)
{
    return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

static inline uint32_t trans_get(const struct enrich_matcher *m, uint32_t state, uint32_t tok)
{
    if (state == 0)
        return m->root_next[tok];
    if (!m->tkeys)
        return 0;
    uint64_t key = ((uint64_t)state << 32) | tok;
    for (uint32_t h = trans_slot(key, m->tmask);; h = (h + 1) & m->tmask) {
        if (m->tkeys[h] == key)
            return m->tvals[h];
        if (m->tkeys[h] == 0)
            return 0;   /* keys are never 0: state 0 uses root_next */
    }
}

static int trans_put(struct enrich_matcher *m, uint32_t state, uint32_t tok, uint32_t next)
{
    if (state == 0) {
        m->root_next[tok] = next;
        return 0;
    }
    if ((size_t)(m->ntrans + 1) * 2 > (size_t)m->tmask + 1 || !m->tkeys) {
        uint32_t ncap = m->tkeys ? (m->tmask + 1) * 2 : 1024;
        uint64_t *nk = vg_calloc(ncap, sizeof(*nk));
        uint32_t *nv = vg_calloc(ncap, sizeof(*nv));
        if (!nk || !nv) {
            vg_free(nk);
            vg_free(nv);
            return -1;
        }
        uint32_t nmask = ncap - 1;
        if (m->tkeys) {
            for (uint32_t i = 0; i <= m->tmask; i++) {
                if (!m->tkeys[i])
                    continue;
                uint32_t h = trans_slot(m->tkeys[i], nmask);
                while (nk[h])
                    h = (h + 1) & nmask;
                nk[h] = m->tkeys[i];
                nv[h] = m->tvals[i];
            }
            m->bytes -= (size_t)(m->tmask + 1) * (sizeof(*nk) + sizeof(*nv));
        }
        vg_free(m->tkeys);
        vg_free(m->tvals);
        m->tkeys = nk;
        m->tvals = nv;
        m->tmask = nmask;
        m->bytes += (size_t)ncap * (sizeof(*nk) + sizeof(*nv));
    }
    uint64_t key = ((uint64_t)state << 32) | tok;
    uint32_t h = trans_slot(key, m->tmask);
    while (m->tkeys[h])
        h = (h + 1) & m->tmask;
    m->tkeys[h] = key;
    m->tvals[h] = next;
    m->ntrans++;
    return 0;
}

/* ---------------------------------------------------------------------------------------
 * Vocabulary */

static inline uint64_t prefix8(const char *s, uint32_t len)
{
    uint64_t v = 0;
    memcpy(&v, s, len < 8 ? len : 8);
    return v;
}

uint32_t matcher_vocab_find(const struct enrich_matcher *m, const char *s, uint32_t len, uint32_t hash)
{
    if (m->bloom) {
        uint32_t b = hash >> m->bloom_shift;
        if (!(m->bloom[b >> 6] & (1ull << (b & 63))))
            return MATCH_NONE;
    }
    uint32_t lenb = (len < 255 ? len : 255) << 24;
    uint64_t pre = prefix8(s, len);
    for (uint32_t h = hash & m->vmask;; h = (h + 1) & m->vmask) {
        const struct vslot *v = &m->vslots[h];
        if (!v->id_len)
            return MATCH_NONE;
        if (v->hash != hash || (v->id_len & 0xFF000000u) != lenb || v->pre != pre)
            continue;
        uint32_t id = (v->id_len & 0xFFFFFFu) - 1;
        if (len <= 8)
            return id;
        const struct vocab_tok *t = &m->toks[id];
        if (t->len == len && memcmp(m->arena + t->off, s, len) == 0)
            return id;
    }
}

static void vslot_put(struct vslot *slots, uint32_t mask, const struct enrich_matcher *m, uint32_t id)
{
    const struct vocab_tok *t = &m->toks[id];
    uint32_t h = t->hash & mask;
    while (slots[h].id_len)
        h = (h + 1) & mask;
    slots[h] = (struct vslot){t->hash, ((t->len < 255 ? t->len : 255) << 24) | (id + 1),
                              prefix8(m->arena + t->off, t->len)};
}

static int vocab_rehash(struct enrich_matcher *m, uint32_t ncap)
{
    struct vslot *ns = vg_calloc(ncap, sizeof(*ns));
    if (!ns)
        return -1;
    for (uint32_t i = 0; i < m->ntoks; i++)
        vslot_put(ns, ncap - 1, m, i);
    if (m->vslots)
        m->bytes -= (size_t)(m->vmask + 1) * sizeof(*ns);
    vg_free(m->vslots);
    m->vslots = ns;
    m->vmask = ncap - 1;
    m->bytes += (size_t)ncap * sizeof(*ns);
    return 0;
}

/* Id of a token, added when new (with an empty root transition). */
static uint32_t vocab_intern(struct enrich_matcher *m, const char *s, uint32_t len, uint32_t hash)
{
    uint32_t id = matcher_vocab_find(m, s, len, hash);
    if (id != MATCH_NONE)
        return id;
    if (m->ntoks + 1 >= MATCH_MAX_VOCAB)
        return MATCH_NONE;
    if ((size_t)(m->ntoks + 1) * 2 > (size_t)m->vmask + 1 && vocab_rehash(m, (m->vmask + 1) * 2) < 0)
        return MATCH_NONE;
    uint32_t old_cap = m->toks_cap;
    if (grow((void **)&m->toks, &m->toks_cap, m->ntoks + 1, sizeof(*m->toks), &m->bytes) < 0)
        return MATCH_NONE;
    if (m->toks_cap != old_cap) {
        uint32_t c = old_cap;
        uint32_t *nr = vg_realloc(m->root_next, (size_t)m->toks_cap * sizeof(*nr));
        if (!nr) {
            /* Keep toks_cap and root_next in step: shrink the recorded capacity back. */
            m->toks_cap = c;
            return MATCH_NONE;
        }
        m->root_next = nr;
        m->bytes += (size_t)(m->toks_cap - c) * sizeof(*nr);
    }
    if (m->arena_len + len > m->arena_cap) {
        size_t nc = m->arena_cap ? m->arena_cap * 2 : 65536;
        while (nc < m->arena_len + len)
            nc *= 2;
        if (nc > UINT32_MAX)
            return MATCH_NONE;
        char *na = vg_realloc(m->arena, nc);
        if (!na)
            return MATCH_NONE;
        m->bytes += nc - m->arena_cap;
        m->arena = na;
        m->arena_cap = nc;
    }
    memcpy(m->arena + m->arena_len, s, len);
    id = m->ntoks++;
    m->toks[id] = (struct vocab_tok){(uint32_t)m->arena_len, len, hash};
    m->root_next[id] = 0;
    m->arena_len += len;
    vslot_put(m->vslots, m->vmask, m, id);
    return id;
}

/* ---------------------------------------------------------------------------------------
 * Patterns */

struct build {
    struct enrich_matcher *m;
    struct enrich_toks t;
    /* Entries before grouping: pattern id + entry. */
    struct raw_entry { uint32_t pat; struct pat_entry e; } *raw;
    uint32_t nraw, raw_cap;
    size_t scratch_bytes;
};

static int new_state(struct enrich_matcher *m, uint32_t parent, uint32_t tok, uint8_t depth)
{
    uint32_t n = m->nstates, cap = m->states_cap, c;
    if (n + 1 > cap) {
        c = cap;
        if (grow((void **)&m->st, &c, n + 1, sizeof(*m->st), &m->bytes) < 0) return -1;
        c = cap;
        if (grow((void **)&m->parent, &c, n + 1, sizeof(uint32_t), &m->bytes) < 0) return -1;
        c = cap;
        if (grow((void **)&m->via_tok, &c, n + 1, sizeof(uint32_t), &m->bytes) < 0) return -1;
        m->states_cap = c;
    }
    m->st[n] = (struct ac_state){0, 0, MATCH_NONE, 0, 0, depth, 0, 0, 0};
    m->parent[n] = parent;
    m->via_tok[n] = tok;
    m->nstates++;
    return (int)0;
}

static int is_weak_token(const char *s, size_t len)
{
    return len <= 2 || enrich_is_common_word(s, len) || enrich_is_first_name(s, len) ||
           enrich_is_legal_form(s, len);
}

static uint8_t ambiguity(const struct enrich_toks *t, size_t first, size_t last)
{
    size_t n = last - first;
    const char *s = t->buf + t->v[first].off;
    size_t len = t->v[first].len;
    if (n == 1) {
        if (memchr(s, '.', len))
            return AMB_NONE;   /* "amazon.com" */
        int digits = 1;
        for (size_t i = 0; i < len && digits; i++)
            digits = s[i] >= '0' && s[i] <= '9';
        if (len <= 3 || digits || enrich_is_common_word(s, len) || enrich_is_first_name(s, len))
            return AMB_WORD;
        return AMB_NONE;
    }
    for (size_t i = first; i < last; i++)
        if (!is_weak_token(t->buf + t->v[i].off, t->v[i].len))
            return AMB_NONE;
    return AMB_PHRASE;
}

/* Inserts tokens [first, last) of b->t as a pattern meaning `kind` for `account`. Patterns
 * longer than MATCH_MAX_PATTERN_TOKENS or empty are skipped: nobody writes them in news. */
static int add_pattern(struct build *b, size_t first, size_t last, uint32_t account,
                       enum pat_kind kind, int upper_only)
{
    struct enrich_matcher *m = b->m;
    if (last <= first || last - first > MATCH_MAX_PATTERN_TOKENS)
        return 0;
    uint32_t state = 0;
    for (size_t i = first; i < last; i++) {
        const struct enrich_tok *tk = &b->t.v[i];
        uint32_t id = vocab_intern(m, b->t.buf + tk->off, tk->len, tk->hash);
        if (id == MATCH_NONE)
            return -1;
        uint32_t next = trans_get(m, state, id);
        if (!next) {
            next = m->nstates;
            if (new_state(m, state, id, (uint8_t)(m->st[state].depth + 1)) < 0 ||
                trans_put(m, state, id, next) < 0)
                return -1;
        }
        state = next;
    }
    if (m->st[state].out == MATCH_NONE) {
        if (grow((void **)&m->pats, &m->pats_cap, m->npats + 1, sizeof(*m->pats), &m->bytes) < 0)
            return -1;
        m->st[state].out = m->npats;
        m->pats[m->npats++] = (struct pattern){0, 0, (uint8_t)(last - first),
                                               ambiguity(&b->t, first, last), 0};
    }
    if (grow((void **)&b->raw, &b->raw_cap, b->nraw + 1, sizeof(*b->raw), &b->scratch_bytes) < 0)
        return -1;
    b->raw[b->nraw++] = (struct raw_entry){m->st[state].out,
                                           {account, (uint8_t)kind, (uint8_t)(upper_only != 0)}};
    return 0;
}

/* Tokenises `text` and adds it as one pattern; names and aliases lose their legal forms. */
static int add_text(struct build *b, const char *text, uint32_t account, enum pat_kind kind)
{
    if (!text)
        return 0;
    size_t len = strlen(text);
    if (enrich_tokenize(text, len, &b->t) < 0)
        return -1;
    if (b->t.n == 0)
        return 0;
    size_t first = 0, last = b->t.n;
    if (kind == PK_NAME || kind == PK_ALIAS)
        enrich_name_bounds(&b->t, &first, &last);
    /* A keyword written in capitals and short ("AI", "5G", "LNG") is an acronym: only the
     * capitalised form in text counts, not the French "ai" of "j'ai". */
    int upper_only = 0;
    if (kind == PK_CONTEXT || kind == PK_NEGATIVE || kind == PK_TICKER) {
        int lower = 0, letter = 0;
        for (size_t i = 0; i < len; i++) {
            lower |= text[i] >= 'a' && text[i] <= 'z';
            letter |= (text[i] >= 'A' && text[i] <= 'Z');
        }
        upper_only = kind == PK_TICKER || (!lower && letter && len <= 4);
    }
    return add_pattern(b, first, last, account, kind, upper_only);
}

/* The pattern add_text made last (or found already made), MATCH_NONE when it made none. */
static uint32_t last_pattern(const struct build *b, uint32_t nraw_before)
{
    return b->nraw > nraw_before ? b->raw[b->nraw - 1].pat : MATCH_NONE;
}

static int cmp_upat(const void *x, const void *y)
{
    const struct unit_pat *a = x, *b = y;
    if (a->pat != b->pat)
        return a->pat < b->pat ? -1 : 1;
    if (a->account != b->account)
        return a->account < b->account ? -1 : 1;
    return (a->unit > b->unit) - (a->unit < b->unit);
}

/* A unit's name and aliases are the account's aliases and its domains the account's domains,
 * remembered as the unit's; one the account itself already uses (its name, an alias) names
 * the account, not the unit. `own` holds the account's name and alias patterns. */
static int add_units(struct build *b, const struct enrich_account *a, uint32_t ai, const uint32_t *own, size_t nown)
{
    struct enrich_matcher *m = b->m;
    for (size_t u = 0; u < a->n_units; u++) {
        const struct enrich_unit *un = &a->units[u];
        size_t total = 1 + un->n_aliases + un->n_domains;
        for (size_t k = 0; k < total; k++) {
            const char *text = k == 0 ? un->name : k <= un->n_aliases ? un->aliases[k - 1]
                                                                      : un->domains[k - 1 - un->n_aliases];
            uint32_t before = b->nraw;
            if (add_text(b, text, ai, k <= un->n_aliases ? PK_ALIAS : PK_DOMAIN) < 0)
                return -1;
            uint32_t pat = last_pattern(b, before);
            int shared = pat == MATCH_NONE;
            for (size_t o = 0; o < nown && !shared; o++)
                shared = own[o] == pat;
            if (shared)
                continue;
            if (grow((void **)&m->upats, &m->upats_cap, m->nupats + 1, sizeof(*m->upats), &m->bytes) < 0)
                return -1;
            m->upats[m->nupats++] = (struct unit_pat){pat, ai, (int32_t)u};
        }
    }
    return 0;
}

int matcher_unit_of(const struct enrich_matcher *m, uint32_t pat, uint32_t account)
{
    size_t lo = 0, hi = m->nupats;
    struct unit_pat key = {pat, account, INT32_MIN};
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_upat(&m->upats[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->nupats && m->upats[lo].pat == pat && m->upats[lo].account == account ? m->upats[lo].unit : -1;
}

/* Within a pattern, entries are ordered by kind then account: candidates (names, aliases,
 * domains, tickers) come first, and each kind's accounts can be binary-searched. */
static int cmp_raw(const void *x, const void *y)
{
    const struct raw_entry *a = x, *b = y;
    if (a->pat != b->pat)
        return a->pat < b->pat ? -1 : 1;
    if (a->e.kind != b->e.kind)
        return a->e.kind < b->e.kind ? -1 : 1;
    if (a->e.account != b->e.account)
        return a->e.account < b->e.account ? -1 : 1;
    return (int)a->e.upper_only - (int)b->e.upper_only;
}

/* Groups candidate entries by pattern and fact entries by account (dropping exact repeats,
 * such as an alias equal to the name). Domains and tickers are both. */
static int group_entries(struct build *b)
{
    struct enrich_matcher *m = b->m;
    size_t nacc = m->set->n;
    if (b->nraw)
        qsort(b->raw, b->nraw, sizeof(*b->raw), cmp_raw);
    m->entries = vg_malloc((size_t)(b->nraw ? b->nraw : 1) * sizeof(*m->entries));
    m->afacts = vg_malloc((size_t)(b->nraw ? b->nraw : 1) * sizeof(*m->afacts));
    m->afirst = vg_calloc(nacc + 1, sizeof(*m->afirst));
    m->afkinds = vg_calloc(nacc + 1, 1);
    if (!m->entries || !m->afacts || !m->afirst || !m->afkinds)
        return -1;
    m->bytes += (size_t)(b->nraw ? b->nraw : 1) * (sizeof(*m->entries) + sizeof(*m->afacts)) +
                (nacc + 1) * (sizeof(*m->afirst) + 1);
    uint32_t n = 0;
    for (uint32_t i = 0; i < b->nraw; i++) {
        const struct raw_entry *r = &b->raw[i];
        if (i > 0 && cmp_raw(&b->raw[i - 1], r) == 0)
            continue;
        struct pattern *p = &m->pats[r->pat];
        p->kinds |= (uint8_t)(1u << r->e.kind);
        if (r->e.kind >= PK_DOMAIN) {
            m->afirst[r->e.account + 1]++;
            m->afkinds[r->e.account] |= (uint8_t)(1u << r->e.kind);
        }
        if (r->e.kind > PK_TICKER)
            continue;
        if (p->n == 0)
            p->first = n;
        p->n++;
        m->entries[n++] = r->e;
    }
    m->nentries = n;
    for (size_t a = 0; a < nacc; a++)
        m->afirst[a + 1] += m->afirst[a];
    /* Fill each account's range; afirst[a] walks forward and is restored after. */
    for (uint32_t i = 0; i < b->nraw; i++) {
        const struct raw_entry *r = &b->raw[i];
        if (r->e.kind < PK_DOMAIN || (i > 0 && cmp_raw(&b->raw[i - 1], r) == 0))
            continue;
        m->afacts[m->afirst[r->e.account]++] = (struct acct_fact){r->pat, r->e.kind, r->e.upper_only};
    }
    for (size_t a = nacc; a > 0; a--)
        m->afirst[a] = m->afirst[a - 1];
    m->afirst[0] = 0;
    return 0;
}

/* Failure and dictionary links, parents before children (by depth). */
static int link_states(struct enrich_matcher *m)
{
    uint32_t counts[MATCH_MAX_PATTERN_TOKENS + 2] = {0};
    for (uint32_t s = 0; s < m->nstates; s++)
        counts[m->st[s].depth]++;
    uint32_t starts[MATCH_MAX_PATTERN_TOKENS + 2], acc = 0;
    for (int d = 0; d < MATCH_MAX_PATTERN_TOKENS + 2; d++) {
        starts[d] = acc;
        acc += counts[d];
    }
    uint32_t *order = vg_malloc((size_t)m->nstates * sizeof(*order));
    if (!order)
        return -1;
    for (uint32_t s = 0; s < m->nstates; s++)
        order[starts[m->st[s].depth]++] = s;
    for (uint32_t k = 0; k < m->nstates; k++) {
        uint32_t s = order[k];
        if (s == 0)
            continue;
        uint32_t par = m->parent[s], tok = m->via_tok[s], f = 0;
        if (par != 0) {
            f = m->st[par].fail;
            for (;;) {
                uint32_t nx = trans_get(m, f, tok);
                if (nx) {
                    f = nx;
                    break;
                }
                if (f == 0)
                    break;
                f = m->st[f].fail;
            }
        }
        m->st[s].fail = f;
        m->st[s].dict = m->st[f].out != MATCH_NONE ? f : m->st[f].dict;
    }
    vg_free(order);
    return 0;
}

static int build_bloom(struct enrich_matcher *m)
{
    /* About 32 bits per token (2 to 3% false positives), between 2^16 and 2^26 bits: 2 MiB
     * for 270,000 tokens, which mostly stays in a core's cache. */
    uint32_t bits = 16;
    while (bits < 26 && (1ull << bits) < (uint64_t)m->ntoks * 32)
        bits++;
    size_t words = ((size_t)1 << bits) / 64;
    uint64_t *bl = vg_calloc(words, sizeof(*bl));
    if (!bl)
        return -1;
    uint32_t shift = 32 - bits;
    for (uint32_t i = 0; i < m->ntoks; i++) {
        uint32_t b = m->toks[i].hash >> shift;
        bl[b >> 6] |= 1ull << (b & 63);
    }
    m->bloom = bl;
    m->bloom_shift = shift;
    m->bytes += words * sizeof(*bl);
    return 0;
}

static size_t id_hash(const char *s) { return (size_t)vg_fnv1a64_str(s); }

static int index_accounts(struct enrich_matcher *m)
{
    const struct enrich_account_set *set = m->set;
    size_t cap = 16;
    while (cap < set->n * 2 + 2)
        cap *= 2;
    if (!(m->aslots = vg_calloc(cap, sizeof(*m->aslots))))
        return -1;
    m->bytes += cap * sizeof(*m->aslots);
    m->amask = cap - 1;
    for (size_t i = 0; i < set->n; i++) {
        size_t h = id_hash(set->v[i].id) & m->amask;
        while (m->aslots[h])
            h = (h + 1) & m->amask;
        m->aslots[h] = (uint32_t)i + 1;
    }
    return 0;
}

uint32_t matcher_account_index(const struct enrich_matcher *m, const char *id)
{
    if (!id || !m->aslots)
        return MATCH_NONE;
    for (size_t h = id_hash(id) & m->amask;; h = (h + 1) & m->amask) {
        uint32_t v = m->aslots[h];
        if (!v)
            return MATCH_NONE;
        if (strcmp(m->set->v[v - 1].id, id) == 0)
            return v - 1;
    }
}

struct enrich_matcher *enrich_matcher_build(const struct enrich_account_set *set, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!set) {
        if (err && errlen)
            snprintf(err, errlen, "no account set");
        return NULL;
    }
    if (set->n >= UINT32_MAX / 4) {
        if (err && errlen)
            snprintf(err, errlen, "too many accounts (%zu)", set->n);
        return NULL;
    }
    struct build b = {0};
    struct enrich_matcher *m = vg_calloc(1, sizeof(*m));
    if (!m)
        goto oom;
    b.m = m;
    m->set = set;
    m->bytes = sizeof(*m);
    uint32_t vcap = 1024;
    while (vcap < set->n * 4 && vcap < (1u << 26))
        vcap *= 2;
    if (vocab_rehash(m, vcap) < 0)
        goto oom;
    if (new_state(m, 0, 0, 0) < 0)
        goto oom;
    for (size_t i = 0; i < set->n; i++) {
        const struct enrich_account *a = &set->v[i];
        uint32_t ai = (uint32_t)i;
        if (a->retired)
            continue; /* no longer a key account: kept in the set (indexes), never matched */
        /* The account's own name and alias patterns, which its units' cannot take over. */
        uint32_t own[64];
        size_t nown = 0;
        uint32_t before = b.nraw;
        if (add_text(&b, a->name, ai, PK_NAME) < 0)
            goto oom;
        if (last_pattern(&b, before) != MATCH_NONE)
            own[nown++] = last_pattern(&b, before);
        for (size_t k = 0; k < a->n_aliases; k++) {
            before = b.nraw;
            if (add_text(&b, a->aliases[k], ai, PK_ALIAS) < 0)
                goto oom;
            if (last_pattern(&b, before) != MATCH_NONE && nown < sizeof(own) / sizeof(own[0]))
                own[nown++] = last_pattern(&b, before);
        }
        if (a->n_units && add_units(&b, a, ai, own, nown) < 0)
            goto oom;
        for (size_t k = 0; k < a->n_domains; k++)
            if (add_text(&b, a->domains[k], ai, PK_DOMAIN) < 0)
                goto oom;
        for (size_t k = 0; k < a->n_identifiers; k++)
            if (strcmp(a->identifiers[k].key, "ticker") == 0 &&
                add_text(&b, a->identifiers[k].value, ai, PK_TICKER) < 0)
                goto oom;
        for (size_t k = 0; k < a->n_context_keywords; k++)
            if (add_text(&b, a->context_keywords[k], ai, PK_CONTEXT) < 0)
                goto oom;
        for (size_t k = 0; k < a->n_negative_keywords; k++)
            if (add_text(&b, a->negative_keywords[k], ai, PK_NEGATIVE) < 0)
                goto oom;
    }
    if (m->nupats > 1)
        qsort(m->upats, m->nupats, sizeof(*m->upats), cmp_upat);
    if (group_entries(&b) < 0 || link_states(m) < 0 || index_accounts(m) < 0 ||
        matcher_cues_build(m) < 0 || build_bloom(m) < 0)
        goto oom;
    for (uint32_t s = 0; s < m->nstates; s++) {
        struct ac_state *as = &m->st[s];
        if (as->out == MATCH_NONE)
            continue;
        const struct pattern *p = &m->pats[as->out];
        as->first = p->first;
        as->n = p->n;
        as->kinds = p->kinds;
        as->amb = p->amb;
        /* Most patterns belong to one account: keep that entry in the state itself, which
         * saves a cache miss per hit in the scoring. */
        if (p->n == 1) {
            as->first = m->entries[p->first].account;
            as->kind1 = m->entries[p->first].kind;
        }
    }
    /* Build-only arrays go: the scan needs fail, dict, out and the tables. */
    m->bytes -= (size_t)m->states_cap * (2 * sizeof(uint32_t));   /* parent, via_tok */
    vg_free(m->parent);
    vg_free(m->via_tok);
    m->parent = m->via_tok = NULL;
    vg_free(b.raw);
    enrich_toks_free(&b.t);
    return m;
oom:
    if (err && errlen)
        snprintf(err, errlen, "out of memory building the account matcher");
    vg_free(b.raw);
    enrich_toks_free(&b.t);
    enrich_matcher_free(m);
    return NULL;
}

void enrich_matcher_free(struct enrich_matcher *m)
{
    if (!m)
        return;
    vg_free(m->arena);
    vg_free(m->toks);
    vg_free(m->vslots);
    vg_free(m->st);
    vg_free(m->parent);
    vg_free(m->via_tok);
    vg_free(m->root_next);
    vg_free(m->tkeys);
    vg_free(m->tvals);
    vg_free(m->pats);
    vg_free(m->entries);
    vg_free(m->afacts);
    vg_free(m->afirst);
    vg_free(m->afkinds);
    vg_free(m->aslots);
    vg_free(m->upats);
    vg_free(m->cues);
    vg_free(m->bloom);
    vg_free(m);
}

size_t enrich_matcher_memory(const struct enrich_matcher *m) { return m ? m->bytes : 0; }
size_t enrich_matcher_patterns(const struct enrich_matcher *m) { return m ? m->npats : 0; }

/* ---------------------------------------------------------------------------------------
 * Scan */

static int push_hit(struct hit **hits, size_t *n, size_t *cap, const struct ac_state *as,
                    uint32_t s, uint32_t e)
{
    if (*n >= MATCH_MAX_HITS)
        return 0;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 32;
        struct hit *nh = vg_realloc(*hits, nc * sizeof(*nh));
        if (!nh)
            return -1;
        *hits = nh;
        *cap = nc;
    }
    (*hits)[(*n)++] = (struct hit){as->out, s, e, as->first, as->n, as->kinds, as->amb, as->kind1};
    return 0;
}

/* "www.orange.com" or "presse@orange.com" carry a domain after a '.' or '@'. */
static int domain_suffixes(const struct enrich_matcher *m, const struct enrich_toks *t, uint32_t i,
                           struct hit **hits, size_t *n, size_t *cap)
{
    const char *s = t->buf + t->v[i].off;
    uint32_t len = t->v[i].len;
    for (uint32_t k = 0; k + 1 < len; k++) {
        if (s[k] != '.' && s[k] != '@')
            continue;
        const char *suf = s + k + 1;
        uint32_t sl = len - k - 1;
        if (!memchr(suf, '.', sl))
            break;   /* "com": a domain needs a dot */
        uint32_t id = matcher_vocab_find(m, suf, sl, enrich_token_hash(suf, sl));
        if (id == MATCH_NONE || !m->root_next[id])
            continue;
        const struct ac_state *as = &m->st[m->root_next[id]];
        if (as->out == MATCH_NONE || !(as->kinds & (1u << PK_DOMAIN)))
            continue;
        return push_hit(hits, n, cap, as, i, i + 1);
    }
    return 0;
}

int matcher_scan(const struct enrich_matcher *m, const struct enrich_toks *t, struct hit **hits,
                 size_t *nhits, size_t *cap)
{
    uint32_t state = 0;
    for (uint32_t i = 0; i < (uint32_t)t->n; i++) {
        const struct enrich_tok *tk = &t->v[i];
        uint32_t id = matcher_vocab_find(m, t->buf + tk->off, tk->len, tk->hash);
        if (id == MATCH_NONE) {
            state = 0;
            if ((tk->flags & ENRICH_TOK_JOINED) && domain_suffixes(m, t, i, hits, nhits, cap) < 0)
                return -1;
            continue;
        }
        for (;;) {
            uint32_t nx = trans_get(m, state, id);
            if (nx) {
                state = nx;
                break;
            }
            if (state == 0)
                break;
            state = m->st[state].fail;
        }
        for (uint32_t s = state; s; s = m->st[s].dict) {
            const struct ac_state *as = &m->st[s];
            if (as->out != MATCH_NONE && push_hit(hits, nhits, cap, as, i + 1 - as->depth, i + 1) < 0)
                return -1;
        }
    }
    return 0;
}
