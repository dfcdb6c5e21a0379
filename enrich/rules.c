/* rules — parsing the rule files (format in rules.h) and answering the rest of enrich/.
 *
 * Parsing only stores text; rules_compile.c expands macros and compiles, because {ROLE}
 * depends on every [roles] section, which may come from a later file. */
#include "enrich/rules_int.h"

#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "enrich/text.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rules_fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Grows *v (of *n elements of `size`) by one zeroed element; returns it or NULL. */
static void *grow(void *vp, size_t *n, size_t size)
{
    void **v = vp;
    void *nv = vg_realloc(*v, (*n + 1) * size);
    if (!nv)
        return NULL;
    *v = nv;
    char *e = (char *)nv + *n * size;
    memset(e, 0, size);
    (*n)++;
    return e;
}

struct enrich_rules *enrich_rules_new(void)
{
    struct enrich_rules *r = vg_calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->mctx = pcre2_match_context_create(NULL);
    if (!r->mctx) {
        vg_free(r);
        return NULL;
    }
    pcre2_set_match_limit(r->mctx, MATCH_LIMIT);
    pcre2_set_depth_limit(r->mctx, DEPTH_LIMIT);
    return r;
}

void enrich_rules_free(struct enrich_rules *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_secs; i++) {
        struct enrich_section *s = &r->secs[i];
        vg_free(s->name);
        for (size_t k = 0; k < s->n_keywords; k++)
            vg_free(s->keywords[k]);
        vg_free(s->keywords);
        for (size_t k = 0; k < s->n_pats; k++) {
            vg_free(s->pats[k].src);
            vg_free(s->pats[k].where);
            pcre2_code_free(s->pats[k].code);
        }
        vg_free(s->pats);
    }
    vg_free(r->secs);
    for (size_t i = 0; i < r->n_roles; i++) {
        vg_free(r->roles[i].norm);
        vg_free(r->roles[i].seniority);
        vg_free(r->roles[i].department);
    }
    vg_free(r->roles);
    for (size_t i = 0; i < r->n_phrases; i++)
        vg_free(r->phrases[i].text);
    vg_free(r->phrases);
    for (size_t i = 0; i < r->n_macros; i++) {
        vg_free(r->macros[i].name);
        vg_free(r->macros[i].body);
        vg_free(r->macros[i].where);
    }
    vg_free(r->macros);
    for (size_t i = 0; i < r->kw_cap; i++) {
        vg_free(r->kw[i].kw);
        vg_free(r->kw[i].gates);
    }
    vg_free(r->kw);
    pcre2_match_context_free(r->mctx);
    vg_free(r);
}

/* ------------------------------------------------------------------------------------------ */
/* Parsing                                                                                    */

struct parser {
    struct enrich_rules *r;
    const char *file;
    int line;
    struct enrich_section *sec;  /* current section, NULL for [roles]/[macros] */
    enum enrich_section_kind kind;
    int in_section;
    char *err;
    size_t errlen;
};

int rules_is_ident(const char *s, size_t n)
{
    if (n == 0 || n > 40)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_'))
            return 0;
    return 1;
}

static struct enrich_section *find_section(struct enrich_rules *r, enum enrich_section_kind k,
                                           const char *name)
{
    for (size_t i = 0; i < r->n_secs; i++) {
        struct enrich_section *s = &r->secs[i];
        if (s->kind != k)
            continue;
        if ((!name && !s->name) || (name && s->name && strcmp(name, s->name) == 0))
            return s;
    }
    return NULL;
}

static int parse_header(struct parser *p, const char *s, size_t n)
{
    /* s is the text between '[' and ']' */
    static const struct {
        const char *word;
        enum enrich_section_kind kind;
        int named;
    } kinds[] = {
        {"signal", ENRICH_SEC_SIGNAL, 1},   {"modifier", ENRICH_SEC_MODIFIER, 1},
        {"people", ENRICH_SEC_PEOPLE, 0},   {"parties", ENRICH_SEC_PARTIES, 0},
        {"places", ENRICH_SEC_PLACES, 0},   {"roles", ENRICH_SEC_ROLES, 0},
        {"macros", ENRICH_SEC_MACROS, 0},
    };
    size_t w = 0;
    while (w < n && s[w] != ' ')
        w++;
    const char *name = s + w;
    size_t name_len = n - w;
    while (name_len && *name == ' ')
        name++, name_len--;
    while (name_len && name[name_len - 1] == ' ')
        name_len--;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strlen(kinds[i].word) != w || memcmp(kinds[i].word, s, w) != 0)
            continue;
        if (kinds[i].named && !rules_is_ident(name, name_len)) {
            rules_fail(p->err, p->errlen, "%s:%d: [%s NAME] needs a name of a-z, 0-9 and _",
                 p->file, p->line, kinds[i].word);
            return -1;
        }
        if (!kinds[i].named && name_len) {
            rules_fail(p->err, p->errlen, "%s:%d: [%s] takes no name", p->file, p->line,
                 kinds[i].word);
            return -1;
        }
        p->kind = kinds[i].kind;
        p->in_section = 1;
        p->sec = NULL;
        if (p->kind == ENRICH_SEC_ROLES || p->kind == ENRICH_SEC_MACROS)
            return 0;
        char *nm = kinds[i].named ? vg_strndup(name, name_len) : NULL;
        if (kinds[i].named && !nm)
            goto oom;
        struct enrich_section *sec = find_section(p->r, p->kind, nm);
        if (sec) {
            vg_free(nm);
        } else {
            sec = grow(&p->r->secs, &p->r->n_secs, sizeof(*sec));
            if (!sec) {
                vg_free(nm);
                goto oom;
            }
            sec->kind = p->kind;
            sec->name = nm;
            sec->weight = 50;
            sec->factor = 1;
            sec->kw_bit = -1;
        }
        p->sec = sec;
        return 0;
    }
    rules_fail(p->err, p->errlen, "%s:%d: unknown section [%.*s]", p->file, p->line, (int)n, s);
    return -1;
oom:
    rules_fail(p->err, p->errlen, "%s:%d: out of memory", p->file, p->line);
    return -1;
}

static int parse_number(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

static int add_pattern(struct parser *p, enum enrich_pattern_kind kind, double conf,
                       const char *src)
{
    if (!*src) {
        rules_fail(p->err, p->errlen, "%s:%d: empty pattern", p->file, p->line);
        return -1;
    }
    struct enrich_pattern *pat = grow(&p->sec->pats, &p->sec->n_pats, sizeof(*pat));
    if (!pat)
        goto oom;
    pat->kind = kind;
    pat->conf = conf;
    pat->src = vg_strdup(src);
    pat->where = vg_asprintf("%s:%d", p->file, p->line);
    if (!pat->src || !pat->where)
        goto oom;
    return 0;
oom:
    rules_fail(p->err, p->errlen, "%s:%d: out of memory", p->file, p->line);
    return -1;
}

static int add_keywords(struct parser *p, char *list)
{
    for (char *save = NULL, *w = strtok_r(list, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        char *k = enrich_fold_str(w, 1);
        if (!k) {
            rules_fail(p->err, p->errlen, "%s:%d: out of memory", p->file, p->line);
            return -1;
        }
        size_t n = strlen(k);
        int ok = n >= 2 && n <= 32;
        for (size_t i = 0; ok && i < n; i++)
            ok = islower((unsigned char)k[i]) || isdigit((unsigned char)k[i]);
        if (!ok) {
            rules_fail(p->err, p->errlen, "%s:%d: keyword '%s' must be 2-32 letters or digits",
                 p->file, p->line, w);
            vg_free(k);
            return -1;
        }
        char **slot = grow(&p->sec->keywords, &p->sec->n_keywords, sizeof(char *));
        if (!slot) {
            vg_free(k);
            rules_fail(p->err, p->errlen, "%s:%d: out of memory", p->file, p->line);
            return -1;
        }
        *slot = k;
    }
    return 0;
}

/* "role NORM SENIORITY DEPARTMENT: phrase | phrase" */
static int add_role(struct parser *p, char *rest)
{
    char *colon = strchr(rest, ':');
    if (!colon) {
        rules_fail(p->err, p->errlen, "%s:%d: expected 'role NORM SENIORITY DEPARTMENT: phrases'",
             p->file, p->line);
        return -1;
    }
    *colon = '\0';
    char *save = NULL;
    char *norm = strtok_r(rest, " \t", &save);
    char *sen = strtok_r(NULL, " \t", &save);
    char *dep = strtok_r(NULL, " \t", &save);
    if (!norm || !sen || !dep || strtok_r(NULL, " \t", &save) ||
        !rules_is_ident(norm, strlen(norm)) || !rules_is_ident(sen, strlen(sen)) ||
        !rules_is_ident(dep, strlen(dep))) {
        rules_fail(p->err, p->errlen, "%s:%d: role needs NORM SENIORITY DEPARTMENT (a-z, 0-9, _)",
             p->file, p->line);
        return -1;
    }
    struct enrich_rules *r = p->r;
    size_t idx = r->n_roles;
    for (size_t i = 0; i < r->n_roles; i++)
        if (strcmp(r->roles[i].norm, norm) == 0)
            idx = i;
    if (idx == r->n_roles) {
        struct enrich_role *role = grow(&r->roles, &r->n_roles, sizeof(*role));
        if (!role)
            goto oom;
        role->norm = vg_strdup(norm);
        role->seniority = vg_strdup(sen);
        role->department = vg_strdup(dep);
        if (!role->norm || !role->seniority || !role->department)
            goto oom;
    }
    for (char *ph = strtok_r(colon + 1, "|", &save); ph; ph = strtok_r(NULL, "|", &save)) {
        while (*ph == ' ' || *ph == '\t')
            ph++;
        size_t n = strlen(ph);
        while (n && (ph[n - 1] == ' ' || ph[n - 1] == '\t'))
            ph[--n] = '\0';
        if (!n)
            continue;
        char *f = enrich_fold_str(ph, 1);
        if (!f)
            goto oom;
        struct role_phrase *rp = grow(&r->phrases, &r->n_phrases, sizeof(*rp));
        if (!rp) {
            vg_free(f);
            goto oom;
        }
        rp->text = f;
        rp->role = idx;
    }
    return 0;
oom:
    rules_fail(p->err, p->errlen, "%s:%d: out of memory", p->file, p->line);
    return -1;
}

static int add_macro(struct parser *p, char *rest)
{
    size_t n = 0;
    while (rest[n] && rest[n] != ' ' && rest[n] != '\t')
        n++;
    int ok = n > 0 && isupper((unsigned char)rest[0]);
    for (size_t i = 0; ok && i < n; i++)
        ok = isupper((unsigned char)rest[i]) || isdigit((unsigned char)rest[i]) || rest[i] == '_';
    static const char *const builtin[] = {"NAME", "ORG", "PLACE", "ROLE", NULL};
    for (int i = 0; ok && builtin[i]; i++)
        if (strlen(builtin[i]) == n && memcmp(builtin[i], rest, n) == 0)
            ok = 0;
    const char *body = rest + n;
    while (*body == ' ' || *body == '\t')
        body++;
    if (!ok || !*body) {
        rules_fail(p->err, p->errlen, "%s:%d: expected 'define NAME REGEX' with NAME in A-Z0-9_ "
             "(not a built-in macro)", p->file, p->line);
        return -1;
    }
    struct macro *m = grow(&p->r->macros, &p->r->n_macros, sizeof(*m));
    if (!m)
        goto oom;
    m->name = vg_strndup(rest, n);
    m->body = vg_strdup(body);
    m->where = vg_asprintf("%s:%d", p->file, p->line);
    if (!m->name || !m->body || !m->where)
        goto oom;
    return 0;
oom:
    rules_fail(p->err, p->errlen, "%s:%d: out of memory", p->file, p->line);
    return -1;
}

static int parse_directive(struct parser *p, char *line)
{
    if (!p->in_section) {
        rules_fail(p->err, p->errlen, "%s:%d: directive outside of a [section]", p->file, p->line);
        return -1;
    }
    char *rest = line;
    while (*rest && *rest != ' ' && *rest != '\t')
        rest++;
    size_t wlen = (size_t)(rest - line);
    while (*rest == ' ' || *rest == '\t')
        rest++;
#define IS(w) (wlen == strlen(w) && memcmp(line, w, wlen) == 0)
    enum enrich_section_kind k = p->kind;
    if (k == ENRICH_SEC_ROLES) {
        if (IS("role"))
            return add_role(p, rest);
    } else if (k == ENRICH_SEC_MACROS) {
        if (IS("define"))
            return add_macro(p, rest);
    } else if (IS("keywords") || IS("keyword")) {
        return add_keywords(p, rest);
    } else if (k == ENRICH_SEC_SIGNAL && IS("weight")) {
        if (parse_number(rest, 0, 100, &p->sec->weight) < 0)
            goto badnum;
        return 0;
    } else if (k == ENRICH_SEC_MODIFIER && IS("factor")) {
        if (parse_number(rest, 0, 1, &p->sec->factor) < 0)
            goto badnum;
        return 0;
    } else if (k == ENRICH_SEC_MODIFIER && IS("scope")) {
        if (strcmp(rest, "title") == 0) {
            p->sec->title_scope = 1;
            return 0;
        }
        if (strcmp(rest, "topic") == 0) {
            p->sec->title_scope = 2;
            return 0;
        }
        if (strcmp(rest, "sentence") == 0) {
            p->sec->title_scope = 0;
            return 0;
        }
        rules_fail(p->err, p->errlen, "%s:%d: scope is 'title', 'topic' or 'sentence', not '%s'",
                   p->file, p->line, rest);
        return -1;
    } else if (k == ENRICH_SEC_SIGNAL && IS("secondary")) {
        p->sec->secondary = 1;
        return 0;
    } else if (k == ENRICH_SEC_SIGNAL && (IS("match") || IS("headline"))) {
        enum enrich_pattern_kind pk = IS("match") ? ENRICH_PAT_MATCH : ENRICH_PAT_HEADLINE;
        /* optional confidence before the regex */
        double conf = 0.8;
        char *sp = rest;
        while (*sp && *sp != ' ' && *sp != '\t')
            sp++;
        if (*sp) {
            char save = *sp;
            *sp = '\0';
            double v;
            int isnum = parse_number(rest, 0, 1, &v) == 0;
            *sp = save;
            if (isnum) {
                conf = v;
                rest = sp;
                while (*rest == ' ' || *rest == '\t')
                    rest++;
            }
        }
        return add_pattern(p, pk, conf, rest);
    } else if (k == ENRICH_SEC_SIGNAL && IS("exclude")) {
        return add_pattern(p, ENRICH_PAT_EXCLUDE, 0, rest);
    } else if (k == ENRICH_SEC_PEOPLE && IS("appoint")) {
        return add_pattern(p, ENRICH_PAT_APPOINT, 0, rest);
    } else if (k == ENRICH_SEC_PEOPLE && IS("depart")) {
        return add_pattern(p, ENRICH_PAT_DEPART, 0, rest);
    } else if (k == ENRICH_SEC_PEOPLE && IS("mention")) {
        return add_pattern(p, ENRICH_PAT_MENTION, 0, rest);
    } else if ((k == ENRICH_SEC_MODIFIER || k == ENRICH_SEC_PARTIES || k == ENRICH_SEC_PLACES) &&
               IS("match")) {
        return add_pattern(p, ENRICH_PAT_MATCH, 0, rest);
    }
#undef IS
    rules_fail(p->err, p->errlen, "%s:%d: unknown directive '%.*s' in this section", p->file, p->line,
         (int)wlen, line);
    return -1;
badnum:
    rules_fail(p->err, p->errlen, "%s:%d: bad number '%s'", p->file, p->line, rest);
    return -1;
}

int enrich_rules_add(struct enrich_rules *r, const char *name, const char *text, size_t len,
                     char *err, size_t errlen)
{
    struct parser p = {.r = r, .file = name, .err = err, .errlen = errlen};
    struct vg_buf logical;
    vg_buf_init(&logical, 0);
    int logical_line = 0, rc = 0;
    r->compiled = 0;
    size_t i = 0;
    int lineno = 0;
    for (;;) {
        int at_end = i >= len;
        const char *ls = text + i;
        size_t ll = 0;
        if (!at_end) {
            while (i + ll < len && text[i + ll] != '\n')
                ll++;
            i += ll + 1;
            lineno++;
            if (ll && ls[ll - 1] == '\r')
                ll--;
        }
        int blank = 1;
        size_t lead = 0;
        while (lead < ll && (ls[lead] == ' ' || ls[lead] == '\t'))
            lead++;
        if (lead < ll)
            blank = 0;
        int comment = !blank && ls[lead] == '#';
        int continuation = !at_end && !blank && !comment && lead > 0 && logical.len > 0;
        if (continuation) {
            size_t e = ll;
            while (e > lead && (ls[e - 1] == ' ' || ls[e - 1] == '\t'))
                e--;
            if (vg_buf_append(&logical, ls + lead, e - lead) < 0)
                goto oom;
            continue;
        }
        /* flush the pending logical line */
        if (logical.len > 0) {
            p.line = logical_line;
            char *l = logical.data;
            if (l[0] == '[') {
                char *close = strchr(l, ']');
                if (!close || close[1] != '\0') {
                    rules_fail(err, errlen, "%s:%d: malformed section header", name, p.line);
                    rc = -1;
                } else {
                    rc = parse_header(&p, l + 1, (size_t)(close - l - 1));
                }
            } else {
                rc = parse_directive(&p, l);
            }
            vg_buf_reset(&logical);
            if (rc < 0)
                break;
        }
        if (at_end)
            break;
        if (blank || comment)
            continue;
        if (lead > 0) {
            rules_fail(err, errlen, "%s:%d: continuation line without a directive", name, lineno);
            rc = -1;
            break;
        }
        size_t e = ll;
        while (e > 0 && (ls[e - 1] == ' ' || ls[e - 1] == '\t'))
            e--;
        if (memchr(ls, '\0', e)) {
            rules_fail(err, errlen, "%s:%d: NUL byte in rules", name, lineno);
            rc = -1;
            break;
        }
        if (vg_buf_append(&logical, ls, e) < 0)
            goto oom;
        logical_line = lineno;
    }
    vg_buf_free(&logical);
    return rc;
oom:
    vg_buf_free(&logical);
    rules_fail(err, errlen, "%s:%d: out of memory", name, lineno);
    return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* Read access                                                                                */

size_t enrich_rules_sections(const struct enrich_rules *r, const struct enrich_section **out)
{
    *out = r->secs;
    return r->n_secs;
}

/* Letters and digits only, lower-cased: "Chief-Executive  Officer" and "chief executive
 * officer" compare equal. Writes at most cap-1 bytes. */
static void squash(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; *s && n + 1 < cap; s++) {
        char c = *s;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            out[n++] = c;
    }
    out[n] = '\0';
}

const struct enrich_role *enrich_rules_role(const struct enrich_rules *r, const char *phrase)
{
    char a[128], b[128];
    squash(phrase, a, sizeof(a));
    /* {ROLE} accepts a plural ("co-chief executive officers"): try without the "s" too */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < r->n_phrases; i++) {
            squash(r->phrases[i].text, b, sizeof(b));
            if (strcmp(a, b) == 0)
                return &r->roles[r->phrases[i].role];
        }
        size_t n = strlen(a);
        if (n < 2 || a[n - 1] != 's')
            break;
        a[n - 1] = '\0';
    }
    return NULL;
}

int enrich_rules_run(const struct enrich_rules *r, const pcre2_code *code, const char *subject,
                     size_t len, size_t start, pcre2_match_data *md)
{
    if (start > len)
        return 0;
    int rc = pcre2_match(code, (PCRE2_SPTR)subject, len, start, 0, md, r->mctx);
    if (rc == 0)
        return 1;  /* matched, but more groups than the ovector holds */
    return rc > 0 ? rc : 0;
}

int enrich_group(const pcre2_code *code, pcre2_match_data *md, const char *name, size_t *start,
                 size_t *end)
{
    PCRE2_SPTR first, last;
    int size = pcre2_substring_nametable_scan(code, (PCRE2_SPTR)name, &first, &last);
    if (size <= 0)
        return -1;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    uint32_t npairs = pcre2_get_ovector_count(md);
    for (PCRE2_SPTR e = first; e <= last; e += size) {
        uint32_t g = ((uint32_t)e[0] << 8) | e[1];
        if (g >= npairs)
            continue;
        if (ov[2 * g] != PCRE2_UNSET) {
            *start = ov[2 * g];
            *end = ov[2 * g + 1];
            return 0;
        }
    }
    return -1;
}
