/* contact — contact records and e-mail guesses (see contact.h). */
#include "enrich/contact.h"

#include "util/vg_alloc.h"
#include "enrich/score.h"
#include "enrich/text.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Confidence of a guess: a configured pattern is the account owner's knowledge; the default
 * pattern is only the most common corporate convention in France and the US. */
#define CONF_CONFIGURED 0.7
#define CONF_DEFAULT 0.3
#define DEFAULT_PATTERN "first.last"

static const char *const patterns[] = {
    "first.last", "f.last", "firstlast", "flast", "first", "last.first",
    "first_last", "first-last", "last", "lastf", "first.l",
};
#define N_PATTERNS (sizeof(patterns) / sizeof(patterns[0]))

const char *const *enrich_email_patterns(size_t *n)
{
    *n = N_PATTERNS;
    return patterns;
}

/* Splits a name into a first name and a last name, both folded to [a-z-] ("Jean-Marc",
 * "de La Tour" -> "delatour"). 0, or -1 when the name has fewer than two words. */
static int split_name(const char *name, char *first, size_t fcap, char *last, size_t lcap)
{
    char *f = enrich_fold_str(name, 1);
    if (!f)
        return -1;
    /* first word = first name; everything after = last name, blanks and apostrophes dropped */
    size_t i = 0, fn = 0, ln = 0;
    while (f[i] == ' ')
        i++;
    while (f[i] && f[i] != ' ') {
        char c = f[i++];
        if (((c >= 'a' && c <= 'z') || c == '-') && fn + 1 < fcap)
            first[fn++] = c;
    }
    for (; f[i]; i++) {
        char c = f[i];
        if (((c >= 'a' && c <= 'z') || (c == '-' && ln > 0)) && ln + 1 < lcap)
            last[ln++] = c;
    }
    first[fn] = '\0';
    last[ln] = '\0';
    vg_free(f);
    return fn && ln ? 0 : -1;
}

static int build_local(const char *first, const char *last, const char *pattern, char *out,
                       size_t cap)
{
    char fi[2] = {first[0], '\0'}, li[2] = {last[0], '\0'};
    const char *a = NULL, *sep = "", *b = "";
    if (strcmp(pattern, "first.last") == 0) a = first, sep = ".", b = last;
    else if (strcmp(pattern, "f.last") == 0) a = fi, sep = ".", b = last;
    else if (strcmp(pattern, "firstlast") == 0) a = first, b = last;
    else if (strcmp(pattern, "flast") == 0) a = fi, b = last;
    else if (strcmp(pattern, "first") == 0) a = first;
    else if (strcmp(pattern, "last.first") == 0) a = last, sep = ".", b = first;
    else if (strcmp(pattern, "first_last") == 0) a = first, sep = "_", b = last;
    else if (strcmp(pattern, "first-last") == 0) a = first, sep = "-", b = last;
    else if (strcmp(pattern, "last") == 0) a = last;
    else if (strcmp(pattern, "lastf") == 0) a = last, b = fi;
    else if (strcmp(pattern, "first.l") == 0) a = first, sep = ".", b = li;
    if (!a)
        return -1;
    int n = snprintf(out, cap, "%s%s%s", a, sep, b);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int enrich_email_guess(const char *name, const char *domain, const char *pattern, char *out,
                       size_t outlen)
{
    char first[64], last[64], local[160];
    if (!name || !domain || !*domain || !pattern || strchr(domain, '@') || strchr(domain, ' '))
        return -1;
    if (split_name(name, first, sizeof(first), last, sizeof(last)) < 0 ||
        build_local(first, last, pattern, local, sizeof(local)) < 0)
        return -1;
    size_t n = strlen(local) + 1 + strlen(domain);
    if (n + 1 > outlen)
        return -1;
    snprintf(out, outlen, "%s@", local);
    /* domains compare case-insensitively; write them lower-case */
    size_t k = strlen(out);
    for (const char *d = domain; *d; d++)
        out[k++] = (*d >= 'A' && *d <= 'Z') ? (char)(*d + 32) : *d;
    out[k] = '\0';
    return 0;
}

void enrich_contacts_free(struct enrich_contact *v, size_t n)
{
    for (size_t i = 0; i < n && v; i++) {
        vg_free(v[i].name);
        vg_free(v[i].title);
        vg_free(v[i].role_norm);
        vg_free(v[i].seniority);
        vg_free(v[i].department);
        vg_free(v[i].source_url);
        vg_free(v[i].first_seen);
        vg_free(v[i].email_guess);
    }
    vg_free(v);
}

/* Is the account only mentioned in the item (not a subject or counterparty of any signal)? */
static int mentioned_only(const struct enrich_result *r, size_t account)
{
    for (size_t i = 0; i < r->n_accounts; i++)
        if (r->accounts[i] == account)
            return r->roles && r->roles[i] == ENRICH_ROLE_MENTIONED;
    return 0;
}

int enrich_contacts_build(const struct enrich_extractor *x, const struct enrich_result *r,
                          const char *source_url, const char *first_seen,
                          struct enrich_contact **out, size_t *n_out)
{
    const struct enrich_account_set *set = enrich_extractor_accounts(x);
    *out = NULL;
    *n_out = 0;
    if (!set || !r->n_accounts)
        return 0;
    struct enrich_contact *v = vg_calloc(r->n_people ? r->n_people : 1, sizeof(*v));
    if (!v)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < r->n_people; i++) {
        const struct enrich_person *p = &r->people[i];
        if (!p->role_norm)
            continue;
        const struct enrich_account *acc = NULL;
        /* a person belongs to an account the story is about, not to one it names in passing
         * ("joins from X", "ex-X boss") */
        for (size_t m = 0; m < r->n_mentions && !acc; m++)
            if (r->mentions[m].sentence == p->sentence &&
                !mentioned_only(r, r->mentions[m].account))
                acc = &set->v[r->mentions[m].account];
        if (!acc && r->n_accounts == 1 && !mentioned_only(r, r->accounts[0]))
            acc = &set->v[r->accounts[0]];
        if (!acc)
            continue;
        struct enrich_contact *c = &v[n++];
        c->account_id = acc->id;
        /* The person's unit: one of the account's units named in their sentence. */
        const struct enrich_unit *unit = NULL;
        for (size_t m = 0; m < r->n_mentions && !unit; m++)
            if (r->mentions[m].sentence == p->sentence && r->mentions[m].unit >= 0 &&
                &set->v[r->mentions[m].account] == acc && (size_t)r->mentions[m].unit < acc->n_units)
                unit = &acc->units[r->mentions[m].unit];
        c->unit = unit ? unit->name : NULL;
        c->departing = p->departing;
        c->name = vg_strdup(p->name);
        c->title = vg_strdup(p->role);
        c->role_norm = vg_strdup(p->role_norm);
        c->seniority = vg_strdup(p->seniority);
        c->department = vg_strdup(p->department);
        c->source_url = source_url ? vg_strdup(source_url) : NULL;
        c->first_seen = first_seen ? vg_strdup(first_seen) : NULL;
        if (!c->name || !c->title || !c->role_norm || !c->seniority || !c->department ||
            (source_url && !c->source_url) || (first_seen && !c->first_seen))
            goto oom;
        /* A unit with its own domain is where its people's mail goes. */
        const char *domain = unit && unit->n_domains ? unit->domains[0] : acc->n_domains ? acc->domains[0] : NULL;
        if (domain) {
            const char *configured = enrich_account_identifier(acc, "email_pattern");
            const char *pattern = configured ? configured : DEFAULT_PATTERN;
            char addr[256];
            if (enrich_email_guess(p->name, domain, pattern, addr, sizeof(addr)) == 0) {
                c->email_guess = vg_strdup(addr);
                if (!c->email_guess)
                    goto oom;
                size_t np;
                const char *const *all = enrich_email_patterns(&np);
                for (size_t k = 0; k < np; k++)
                    if (strcmp(all[k], pattern) == 0)
                        c->email_pattern = all[k];
                c->email_confidence = configured ? CONF_CONFIGURED : CONF_DEFAULT;
            }
        }
    }
    *out = v;
    *n_out = n;
    return 0;
oom:
    enrich_contacts_free(v, n);
    return -1;
}

static void contact_str(struct vg_buf *b, const char *key, const char *v)
{
    vg_buf_printf(b, ",\"%s\":", key);
    if (v)
        vg_buf_json_str(b, v);
    else
        vg_buf_puts(b, "null");
}

int enrich_contact_json(const struct enrich_contact *c, struct vg_buf *out, char id[33])
{
    /* One contact per person and account, whatever the item: the id is deterministic. */
    enrich_signal_id(c->account_id ? c->account_id : "", c->name ? c->name : "", "contact", id);
    size_t start = out->len;
    int rc = vg_buf_puts(out, "{\"id\":");
    rc |= vg_buf_json_str(out, id);
    contact_str(out, "name", c->name);
    contact_str(out, "title", c->title);
    contact_str(out, "role_norm", c->role_norm);
    contact_str(out, "seniority", c->seniority);
    contact_str(out, "department", c->department);
    if (c->unit)   /* only when known: records without it read as before */
        contact_str(out, "unit", c->unit);
    contact_str(out, "account_id", c->account_id);
    contact_str(out, "source_url", c->source_url);
    contact_str(out, "first_seen", c->first_seen);
    rc |= vg_buf_printf(out, ",\"departing\":%s,\"email_guess\":", c->departing ? "true" : "false");
    if (c->email_guess) {
        rc |= vg_buf_puts(out, "{\"address\":");
        rc |= vg_buf_json_str(out, c->email_guess);
        contact_str(out, "pattern", c->email_pattern);
        rc |= vg_buf_printf(out, ",\"confidence\":%.2f,\"verified\":false}", c->email_confidence);
    } else {
        rc |= vg_buf_puts(out, "null");
    }
    rc |= vg_buf_putc(out, '}');
    if (rc) {
        out->len = start;
        return -1;
    }
    return 0;
}
