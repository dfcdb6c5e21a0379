/* rules_compile — macro expansion ({NAME}, {ORG}, {PLACE}, {ROLE} and user macros) and
 * compilation of every pattern with PCRE2 (JIT when available); the embedded default set. */
#include "enrich/rules_int.h"

#include "util/vg_alloc.h"
#include "util/vg_buf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* Macros and compilation                                                                     */

/* Names are capitalised tokens (O'Neil, Jean-Pierre, McAllister, DUPONT), 2 to 4 of them,
 * with nobiliary particles and a middle initial, or one to four after an honorific ("M.
 * Dupont", "Mme Martin", "Dr. Reyes"). Case-sensitive even inside caseless rules. */
#define TOK "(?:O'[A-Z][a-z]+|[A-Z][A-Za-z]+(?:['-][A-Za-z]+)*)"
#define PARTICLE "(?:de la|de los|de|del|della|du|des|da|das|di|do|dos|van der|van den|van de|van|von der|von dem|von|zu|der|den|ben|bin|ibn|al|el|ter)"
#define NEXT "(?:(?:\\s+" PARTICLE ")?\\s+" TOK "|\\s+d'" TOK ")"
#define HONORIFIC "(?:M\\.|Mme\\.?|Mlle\\.?|Mr\\.?|Mrs\\.?|Ms\\.?|Dr\\.?)\\s+"
static const char NAME_RE[] =
    "(?-i:" HONORIFIC TOK "(?:\\s+[A-Z]\\.)?" NEXT "{0,3}|" TOK "(?:\\s+[A-Z]\\.)?" NEXT "{1,3})";
/* Organisation names: capitalised or numeric tokens joined by &, de, of, and. */
#define OTOK "(?:[A-Z0-9][A-Za-z0-9]*(?:[&'.-][A-Za-z0-9]+)*)"
static const char ORG_RE[] =
    "(?-i:" OTOK "(?:\\s+(?:&\\s+|(?:de|du|des|of|and|et|for)\\s+)?" OTOK "){0,4})";
static const char PLACE_RE[] =
    "(?-i:[A-Z][A-Za-z]+(?:(?:\\s+|-)(?:(?:de|du|des|sur|en|la|le|del|di|do)(?:\\s+|-))?[A-Z][A-Za-z]+){0,3})";

static int cmp_phrase_len(const void *a, const void *b)
{
    const struct role_phrase *x = a, *y = b;
    size_t lx = strlen(x->text), ly = strlen(y->text);
    if (lx != ly)
        return lx < ly ? 1 : -1;
    return strcmp(x->text, y->text);
}

/* {ROLE}: every role phrase, as a character trie ("c(?:eo|fo|hief (?:executive...))") so
 * that trying it at a position costs the length of the longest phrase there, not one attempt
 * per phrase: patterns that start with a role run over every position of a sentence.
 * Optional continuations are greedy, so the longest phrase wins, and a final plural "s" is
 * allowed ("co-chief executive officers"). */
struct trie {
    char c;
    int terminal;
    size_t first_child, next_sibling;  /* indexes into the node array, 0 = none */
};

static int emit_char(struct vg_buf *b, char c)
{
    if (c == ' ')
        return vg_buf_puts(b, "\\s+");
    if (c == '-')
        return vg_buf_puts(b, "[\\s-]?");
    if (c == '\'')
        return vg_buf_puts(b, "'\\s?");
    if (isalnum((unsigned char)c))
        return vg_buf_putc(b, c);
    return vg_buf_printf(b, "\\x%02x", (unsigned char)c);
}

static int emit_trie(const struct trie *t, size_t node, struct vg_buf *b, int depth)
{
    /* node's children as an alternation; a terminal node makes them optional */
    size_t n_children = 0;
    for (size_t c = t[node].first_child; c; c = t[c].next_sibling)
        n_children++;
    if (!n_children)
        return 0;
    if (depth > 200)
        return -1;
    int group = n_children > 1 || t[node].terminal;
    if (group && vg_buf_puts(b, "(?:") < 0)
        return -1;
    int first = 1;
    for (size_t c = t[node].first_child; c; c = t[c].next_sibling) {
        if (!first && vg_buf_putc(b, '|') < 0)
            return -1;
        first = 0;
        if (emit_char(b, t[c].c) < 0 || emit_trie(t, c, b, depth + 1) < 0)
            return -1;
    }
    if (group && vg_buf_puts(b, t[node].terminal ? ")?" : ")") < 0)
        return -1;
    return 0;
}

static int build_role_re(const struct enrich_rules *r, struct vg_buf *b)
{
    if (r->n_phrases == 0)
        return vg_buf_puts(b, "(?:(*FAIL))");
    size_t total = 1;
    for (size_t i = 0; i < r->n_phrases; i++)
        total += strlen(r->phrases[i].text);
    struct trie *t = vg_calloc(total, sizeof(*t));
    if (!t)
        return -1;
    size_t used = 1;  /* node 0 is the root */
    for (size_t i = 0; i < r->n_phrases; i++) {
        size_t node = 0;
        for (const char *c = r->phrases[i].text; *c; c++) {
            size_t k = t[node].first_child, last = 0;
            while (k && t[k].c != *c) {
                last = k;
                k = t[k].next_sibling;
            }
            if (!k) {
                k = used++;
                t[k].c = *c;
                if (last)
                    t[last].next_sibling = k;
                else
                    t[node].first_child = k;
            }
            node = k;
        }
        t[node].terminal = 1;
    }
    int rc = vg_buf_puts(b, "(?:") < 0 || emit_trie(t, 0, b, 0) < 0 ||
             vg_buf_puts(b, ")s?(?![A-Za-z0-9])") < 0 ? -1 : 0;
    vg_free(t);
    return rc;
}

static const struct macro *find_macro(const struct enrich_rules *r, const char *name, size_t n)
{
    for (size_t i = r->n_macros; i-- > 0;)  /* a later definition overrides */
        if (strlen(r->macros[i].name) == n && memcmp(r->macros[i].name, name, n) == 0)
            return &r->macros[i];
    return NULL;
}

static int expand(const struct enrich_rules *r, const char *src, const char *role_re,
                  struct vg_buf *out, int depth, const char *where, char *err, size_t errlen)
{
    if (depth > MACRO_DEPTH) {
        rules_fail(err, errlen, "%s: macros nested too deep", where);
        return -1;
    }
    for (const char *s = src; *s;) {
        if (s[0] == '\\' && s[1]) {  /* an escaped brace is not a macro */
            if (vg_buf_append(out, s, 2) < 0)
                goto oom;
            s += 2;
            continue;
        }
        if (s[0] == '{' && isupper((unsigned char)s[1])) {
            const char *e = s + 1;
            while (isupper((unsigned char)*e) || isdigit((unsigned char)*e) || *e == '_')
                e++;
            const char *name = s + 1;
            size_t n = (size_t)(e - name);
            const char *group = NULL;
            size_t gn = 0;
            if (*e == ':') {
                group = ++e;
                while (islower((unsigned char)*e) || isdigit((unsigned char)*e) || *e == '_')
                    e++;
                gn = (size_t)(e - group);
            }
            if (*e != '}') {
                rules_fail(err, errlen, "%s: unterminated macro {%.*s", where, (int)n, name);
                return -1;
            }
            const char *body = NULL;
            const char *defgroup = NULL;
#define BUILTIN(str, re, grp) \
    else if (n == strlen(str) && memcmp(name, str, n) == 0) { body = re; defgroup = grp; }
            if (0) {
            }
            BUILTIN("NAME", NAME_RE, "name")
            BUILTIN("ORG", ORG_RE, "org")
            BUILTIN("PLACE", PLACE_RE, "place")
            BUILTIN("ROLE", role_re, "role")
#undef BUILTIN
            if (body) {
                if (!group) {
                    group = defgroup;
                    gn = strlen(defgroup);
                }
                if (!rules_is_ident(group, gn)) {
                    rules_fail(err, errlen, "%s: bad group name in {%.*s}", where, (int)(e - name), name);
                    return -1;
                }
                if (vg_buf_printf(out, "(?<%.*s>%s)", (int)gn, group, body) < 0)
                    goto oom;
            } else {
                const struct macro *m = find_macro(r, name, n);
                if (!m || group) {
                    rules_fail(err, errlen, "%s: unknown macro {%.*s}", where, (int)(e - name), name);
                    return -1;
                }
                if (vg_buf_puts(out, "(?:") < 0 ||
                    expand(r, m->body, role_re, out, depth + 1, where, err, errlen) < 0 ||
                    vg_buf_putc(out, ')') < 0)
                    return -1;
            }
            s = e + 1;
            continue;
        }
        if (vg_buf_putc(out, *s) < 0)
            goto oom;
        s++;
    }
    return 0;
oom:
    rules_fail(err, errlen, "%s: out of memory", where);
    return -1;
}

int enrich_rules_compile(struct enrich_rules *r, char *err, size_t errlen)
{
    struct vg_buf role_re, ex;
    vg_buf_init(&role_re, 0);
    vg_buf_init(&ex, 0);
    int rc = -1;
    char **expanded = NULL;
    size_t n_pats = 0;
    if (r->n_phrases > 1)
        qsort(r->phrases, r->n_phrases, sizeof(*r->phrases), cmp_phrase_len);
    if (build_role_re(r, &role_re) < 0) {
        rules_fail(err, errlen, "rules: out of memory");
        goto out;
    }
    for (size_t i = 0; i < r->n_secs; i++)
        n_pats += r->secs[i].n_pats;
    expanded = vg_calloc(n_pats ? n_pats : 1, sizeof(char *));
    if (!expanded) {
        rules_fail(err, errlen, "rules: out of memory");
        goto out;
    }
    size_t pi = 0;
    for (size_t i = 0; i < r->n_secs; i++) {
        struct enrich_section *s = &r->secs[i];
        for (size_t k = 0; k < s->n_pats; k++, pi++) {
            struct enrich_pattern *p = &s->pats[k];
            vg_buf_reset(&ex);
            if (expand(r, p->src, role_re.data, &ex, 0, p->where, err, errlen) < 0)
                goto out;
            if (!ex.data && vg_buf_puts(&ex, "") < 0)
                goto out;
            expanded[pi] = vg_strdup(ex.data);
            if (!expanded[pi]) {
                rules_fail(err, errlen, "rules: out of memory");
                goto out;
            }
            int ecode;
            PCRE2_SIZE eoff;
            /* Signal and modifier patterns see lower-cased text: matching them case-sensitively
             * lets PCRE2 skip ahead on their literal first letters, several times faster. */
            uint32_t opts = PCRE2_DUPNAMES;
            if (s->kind != ENRICH_SEC_SIGNAL && s->kind != ENRICH_SEC_MODIFIER)
                opts |= PCRE2_CASELESS;
            pcre2_code *code = pcre2_compile((PCRE2_SPTR)ex.data, ex.len, opts, &ecode, &eoff, NULL);
            if (!code) {
                PCRE2_UCHAR msg[160];
                pcre2_get_error_message(ecode, msg, sizeof(msg));
                rules_fail(err, errlen, "%s: bad regex: %s (at offset %zu of the expanded pattern)",
                     p->where, (const char *)msg, (size_t)eoff);
                goto out;
            }
            /* JIT is an optimisation: the interpreter runs the same pattern when it fails. */
            (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
            pcre2_code_free(p->code);
            p->code = code;
        }
    }
    if (r->n_secs > ENRICH_MAX_SECTIONS) {
        /* The classifier would leave the sections past its slots out, silently. */
        rules_fail(err, errlen, "rules: %zu sections, at most %d: give rules of one signal type one "
                   "section name (sections of the same name are merged)", r->n_secs, ENRICH_MAX_SECTIONS);
        goto out;
    }
    if (rules_build_gates(r, expanded, err, errlen) < 0)
        goto out;
    r->compiled = 1;
    rc = 0;
out:
    if (expanded)
        for (size_t k = 0; k < n_pats; k++)
            vg_free(expanded[k]);
    vg_free(expanded);
    vg_buf_free(&role_re);
    vg_buf_free(&ex);
    return rc;
}

struct enrich_rules *enrich_rules_default(char *err, size_t errlen)
{
    struct enrich_rules *r = enrich_rules_new();
    if (!r) {
        rules_fail(err, errlen, "rules: out of memory");
        return NULL;
    }
    for (const struct enrich_rules_file *f = enrich_rules_default_files; f->name; f++)
        if (enrich_rules_add(r, f->name, f->text, strlen(f->text), err, errlen) < 0)
            goto fail_r;
    if (enrich_rules_compile(r, err, errlen) < 0)
        goto fail_r;
    return r;
fail_r:
    enrich_rules_free(r);
    return NULL;
}
