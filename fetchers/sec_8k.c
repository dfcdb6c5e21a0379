/* sec_8k — 8-K item numbers to signals, and the people a 5.02 filing names (see sec_8k.h).
 *
 * People are read with a handful of phrase shapes filers use over and over: "appointed <Name>
 * as <Role>", "<Name> was appointed <Role>", "<Name> resigned from her position as <Role>",
 * "the departure of <Name>". A name is a run of two to five capitalised words (initials,
 * particles such as "van" or "de" inside); a word that names a role or a company ("Chief",
 * "Board", "Inc.") ends it. What matches no shape is left out: the filing still gives its
 * leadership_change signal, only without that person. */
#include "fetchers/sec_8k.h"
#include "util/vg_alloc.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int sec_8k_item_map(const char *code, const char *hint, struct sec_8k_item *out)
{
    static const struct {
        const char *code;
        struct sec_8k_item item;
    } map[] = {
        {"1.01", {"contract_win", 0, "an entry into a material definitive agreement"}},
        {"1.03", {"insolvency", 100, "a bankruptcy or receivership"}},
        {"2.01", {"acquisition", 0, "the completion of an acquisition or disposition of assets"}},
        {"2.02", {"financial_results", 0, "results of operations and financial condition"}},
        {"2.05", {"layoffs", 0, "costs associated with exit or disposal activities"}},
        {"5.01", {"acquisition", 0, "a change in control of the registrant"}},
        {"5.02", {"leadership_change", 0, "a departure or appointment of directors or officers"}},
    };
    if (!code)
        return -1;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(code, map[i].code) != 0)
            continue;
        *out = map[i].item;
        if (strcmp(code, "1.01") == 0 && hint) {
            /* The item says only "material definitive agreement": words of the filing decide
             * whether it is a customer's contract or an alliance. */
            static const char *const partner_words[] = {"partnership", "collaboration", "alliance", "joint venture",
                                                        "co-development", NULL};
            for (const char *const *w = partner_words; *w; w++)
                if (strcasestr(hint, *w)) {
                    out->type = "partnership";
                    break;
                }
        }
        return 0;
    }
    return -1;
}

/* ---- words ---- */

struct tok {
    const char *s;
    size_t n;   /* without the punctuation around it */
    int end;    /* a clause ends after it (",", ";", ":", ")", a full stop) */
    int open;   /* it began with "(" or a quote */
    int full;   /* a sentence ends after it (a full stop) */
};

#define MAX_TOKENS 60000

static int is_title(const struct tok *t)
{
    static const char *const titles[] = {"Mr.", "Ms.", "Mrs.", "Dr.", "Mr", "Ms", "Mrs", "Dr", "Messrs.", NULL};
    for (const char *const *p = titles; *p; p++)
        if (t->n == strlen(*p) && memcmp(t->s, *p, t->n) == 0)
            return 1;
    return 0;
}

/* A full stop after these is no end of clause: initials, titles, suffixes. */
static int keeps_dot(const char *s, size_t n)
{
    if (n == 1 && isupper((unsigned char)s[0]))
        return 1;
    static const char *const words[] = {"Mr", "Ms", "Mrs", "Dr", "Jr", "Sr", "St", "Messrs", "Inc", "Corp", "Co", "Ltd",
                                        "No", "Nos", NULL};
    for (const char *const *p = words; *p; p++)
        if (n == strlen(*p) && memcmp(s, *p, n) == 0)
            return 1;
    return 0;
}

static size_t tokenize(const char *text, size_t len, struct tok *v, size_t max)
{
    size_t n = 0, i = 0;
    while (i < len && n < max) {
        while (i < len && isspace((unsigned char)text[i]))
            i++;
        size_t b = i;
        while (i < len && !isspace((unsigned char)text[i]))
            i++;
        if (b == i)
            break;
        struct tok t = {.s = text + b, .n = i - b};
        /* quotes: ASCII, and the UTF-8 curly ones (E2 80 9C / 9D / 98 / 99) */
        for (;;) {
            if (t.n && strchr("(\"'[", t.s[0])) {
                t.s++, t.n--, t.open = 1;
            } else if (t.n >= 3 && (unsigned char)t.s[0] == 0xE2 && (unsigned char)t.s[1] == 0x80 &&
                       ((unsigned char)t.s[2] == 0x9C || (unsigned char)t.s[2] == 0x98)) {
                t.s += 3, t.n -= 3, t.open = 1;
            } else
                break;
        }
        for (;;) {
            if (t.n && strchr(",;:)\"']", t.s[t.n - 1])) {
                if (strchr(",;:)", t.s[t.n - 1]))
                    t.end = 1;
                t.n--;
            } else if (t.n >= 3 && (unsigned char)t.s[t.n - 3] == 0xE2 && (unsigned char)t.s[t.n - 2] == 0x80 &&
                       ((unsigned char)t.s[t.n - 1] == 0x9D || (unsigned char)t.s[t.n - 1] == 0x99)) {
                t.n -= 3;
            } else if (t.n && t.s[t.n - 1] == '.' && !keeps_dot(t.s, t.n - 1)) {
                t.end = t.full = 1;
                t.n--;
            } else
                break;
        }
        if (t.n)
            v[n++] = t;
        else if (n && t.end) {
            v[n - 1].end = 1;
            v[n - 1].full |= t.full;
        }
    }
    return n;
}

static int is(const struct tok *t, const char *w)
{
    return t->n == strlen(w) && strncasecmp(t->s, w, t->n) == 0;
}

static int starts(const struct tok *t, const char *w)
{
    size_t k = strlen(w);
    return t->n >= k && strncasecmp(t->s, w, k) == 0;
}

static int is_cap(const struct tok *t)
{
    unsigned char c = (unsigned char)t->s[0];
    if (!(isupper(c) || c >= 0xC3))
        return 0;
    for (size_t i = 0; i < t->n; i++)
        if (isdigit((unsigned char)t->s[i]) || t->s[i] == '$' || t->s[i] == '/')
            return 0;
    return 1;
}

static int is_particle(const struct tok *t)
{
    static const char *const p[] = {"de", "van", "von", "der", "den", "del", "da", "di", "du", "la", "le", "bin", NULL};
    if (!islower((unsigned char)t->s[0]))
        return 0;
    for (const char *const *w = p; *w; w++)
        if (t->n == strlen(*w) && memcmp(t->s, *w, t->n) == 0)
            return 1;
    return 0;
}

/* Capitalised words that are not part of a person's name: roles, bodies, company words, months. */
static int is_stop(const struct tok *t)
{
    static const char *const stop[] = {
        "The", "This", "That", "These", "Such", "Each", "Our", "Its", "His", "Her", "Their", "Company", "Company's",
        "Companies", "Board", "Boards", "Directors", "Director", "Officer", "Officers", "Chief", "Executive", "President",
        "Vice", "Inc", "Inc.", "Corp", "Corp.", "Corporation", "Co.", "LLC", "L.L.C.", "Ltd", "Ltd.", "plc", "PLC",
        "Holdings", "Group", "Committee", "Registrant", "Item", "Section", "Form", "Exhibit", "Financial", "Operating",
        "Accounting", "Technology", "Agreement", "Chairman", "Chair", "Chairwoman", "Chairperson", "Secretary",
        "Treasurer", "Senior", "General", "Counsel", "Controller", "Head", "Trust", "Bank", "Plan", "Act", "Securities",
        "Exchange", "Commission", "Report", "Current", "Annual", "Meeting", "Stockholders", "Shareholders", "Effective",
        "On", "In", "As", "At", "By", "For", "Following", "Pursuant", "Upon", "After", "Prior", "Also", "Mr", "Ms",
        "Mrs", "Dr", "Mr.", "Ms.", "Mrs.", "Dr.", "January", "February", "March", "April", "May", "June", "July",
        "August", "September", "October", "November", "December", "Interim", "Acting", "Independent", "Lead",
        "Compensation", "Audit", "Nominating", "Governance", "Employment", "Separation", "Offer", "Letter", "Award",
        "Equity", "Incentive", "Date", "United", "States", "Delaware", "Nevada", "New", "York", "Department",
        "Division", "Global", "Americas", "Europe", "North", "America", "Risk", "Legal", "Human", "Resources",
        "People", "Marketing", "Sales", "Revenue", "Product", "Strategy", "Information", "Principal", "Founder",
        "Co-Founder", NULL};
    for (const char *const *w = stop; *w; w++)
        if (t->n == strlen(*w) && memcmp(t->s, *w, t->n) == 0)
            return 1;
    return 0;
}

/* The name that starts at v[i] (after a title): its tokens [*b, *e). 0, or -1 when none. */
static int name_after(const struct tok *v, size_t n, size_t i, size_t *b, size_t *e)
{
    if (i < n && is_title(&v[i]) && !v[i].end)
        i++;
    size_t j = i, count = 0;
    while (j < n && count < 5) {
        const struct tok *t = &v[j];
        if (count && is_particle(t) && !t->end) { /* "van der Berg": particles, then a capitalised word */
            size_t k = j;
            while (k < n && k < j + 3 && is_particle(&v[k]) && !v[k].end)
                k++;
            if (k < n && k > j && is_cap(&v[k]) && !is_stop(&v[k])) {
                count += k - j;
                j = k;
                continue;
            }
            break;
        }
        if (!is_cap(t) || is_stop(t) || (count && t->open))
            break;
        j++, count++;
        if (t->end)
            break;
    }
    if (count < 2 || (v[j - 1].n == 2 && v[j - 1].s[1] == '.'))
        return -1;
    *b = i;
    *e = j;
    return 0;
}

/* The name that ends at v[e - 1], read backwards: [*b, e). 0, or -1. `end_ok`: v[e - 1] may
 * end a clause (the name before an appositive: "Jean Roe, the Company's ..."). */
static int name_before_at(const struct tok *v, size_t e, size_t *b, int end_ok)
{
    if (e == 0 || (v[e - 1].end && !end_ok))
        return -1;
    size_t k = e, count = 0;
    while (k > 0 && count < 5) {
        const struct tok *t = &v[k - 1];
        int ok = (is_cap(t) && !is_stop(t)) || (count && is_particle(t) && k >= 2 &&
                                                (is_cap(&v[k - 2]) || is_particle(&v[k - 2])));
        if (!ok || (count && t->end))
            break;
        k--, count++;
        if (t->open)
            break;
    }
    if (count < 2 || is_particle(&v[k]))
        return -1;
    *b = k;
    return 0;
}

static int name_before(const struct tok *v, size_t e, size_t *b) { return name_before_at(v, e, b, 0); }

static void copy_words(const struct tok *v, size_t b, size_t e, char *out, size_t max)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = b; i < e; i++) {
        size_t need = v[i].n + (o ? 1 : 0);
        if (o + need + 1 > max)
            break;
        if (o)
            out[o++] = ' ';
        memcpy(out + o, v[i].s, v[i].n);
        o += v[i].n;
        out[o] = '\0';
    }
}

/* Words allowed inside a role besides capitalised ones: "a member of the Board of Directors". */
static int role_word(const struct tok *t)
{
    static const char *const w[] = {"of", "and", "the", "&", "a", "an", "member", "interim", "acting", "co", "non-executive",
                                    "independent", "its", "chief", "officer", "director", "president", "vice", NULL};
    if (is_cap(t))
        return 1;
    for (const char *const *p = w; *p; p++)
        if (is(t, *p))
            return 1;
    return 0;
}

static void role_from(const struct tok *v, size_t n, size_t q, char *out, size_t max);

/* The role given from v[i] on: "as <Role>", "position(s) of <Role>", "<Role>" directly, or
 * "to the Board" (a director). Writes "" when none. */
static void read_role(const struct tok *v, size_t n, size_t i, char *out, size_t max)
{
    out[0] = '\0';
    size_t q = n;
    if (i > 0 && v[i - 1].full)
        return; /* the sentence ended with the name */
    for (size_t k = i; k < n && k < i + 7; k++) {
        if (is(&v[k], "as") || ((is(&v[k], "of") || is(&v[k], "as")) && k > i && (starts(&v[k - 1], "position") ||
                                                                                 is(&v[k - 1], "role") ||
                                                                                 is(&v[k - 1], "office") ||
                                                                                 is(&v[k - 1], "title")))) {
            if (!v[k].end)
                q = k + 1;
            break;
        }
        if (k == i && is_cap(&v[k]) && is_stop(&v[k]) && !is(&v[k], "The") && !is_title(&v[k])) {
            q = k; /* "was named Chief Executive Officer" */
            break;
        }
        if (is(&v[k], "to") && k + 2 < n && is(&v[k + 1], "the") && starts(&v[k + 2], "Board")) {
            snprintf(out, max, "Director");
            return;
        }
        if (v[k].end)
            break;
    }
    role_from(v, n, q, out, max);
}

/* The role whose words start at v[q] (after "the", "its", "the Company's"). */
/* "Company's", "Acme\xe2\x80\x99s": an owner before a role. */
static int possessive(const struct tok *t)
{
    return (t->n > 2 && t->s[t->n - 2] == '\'' && t->s[t->n - 1] == 's') ||
           (t->n > 4 && memcmp(t->s + t->n - 4, "\xe2\x80\x99s", 4) == 0);
}

static void role_from(const struct tok *v, size_t n, size_t q, char *out, size_t max)
{
    out[0] = '\0';
    if (q >= n)
        return;
    /* leading "the", "its", "the Company's" */
    while (q < n && !v[q].end && (is(&v[q], "the") || is(&v[q], "its") || is(&v[q], "our") || is(&v[q], "a") ||
                                  is(&v[q], "an") || possessive(&v[q])))
        q++;
    size_t e = q;
    while (e < n && e < q + 12 && role_word(&v[e]) && !(e > q && v[e].open) && !is(&v[e], "effective")) {
        e++;
        if (v[e - 1].end)
            break;
    }
    /* trailing "of the Company", "and", "of", "the" */
    for (;;) {
        if (e >= q + 3 && is(&v[e - 2], "the") && is(&v[e - 3], "of") &&
            (is(&v[e - 1], "Company") || is(&v[e - 1], "Registrant") || is(&v[e - 1], "Corporation")))
            e -= 3;
        else if (e > q && (is(&v[e - 1], "and") || is(&v[e - 1], "of") || is(&v[e - 1], "the") || is(&v[e - 1], "a") ||
                           is(&v[e - 1], "an") || is(&v[e - 1], "its")))
            e--;
        else
            break;
    }
    int named = 0;
    for (size_t k = q; k < e; k++)
        named |= is_cap(&v[k]) || is(&v[k], "director") || is(&v[k], "officer");
    if (named)
        copy_words(v, q, e, out, max);
}

static const char *const arriving_verbs[] = {"appointed", "named", "elected", "hired", "promoted", "appoint", "elect",
                                             NULL};
static const char *const leaving_verbs[] = {"resigned", "resign", "resigns", "retired", "retire", "retires",
                                            "stepped", "step", "steps", "departed", "ceased", NULL};
static const char *const told_verbs[] = {"notified", "informed", "advised", "announced", NULL};

static int among(const struct tok *t, const char *const *words)
{
    for (const char *const *w = words; *w; w++)
        if (is(t, *w))
            return 1;
    return 0;
}

/* Whether a told verb ("notified the Board of her decision to retire") speaks of leaving, in
 * the same sentence: the index of the leaving word, or 0. */
static size_t tells_leaving(const struct tok *v, size_t n, size_t i)
{
    for (size_t k = i + 1; k < n && k < i + 40; k++) {
        if (starts(&v[k], "resign") || starts(&v[k], "retire") || is(&v[k], "step") || is(&v[k], "depart"))
            return k;
        if (v[k].full)
            break;
    }
    return 0;
}

static size_t add_person(struct sec_person *out, size_t n, size_t max, const struct tok *v, size_t b, size_t e,
                         const char *role, int departing)
{
    char name[SEC_MAX_NAME];
    copy_words(v, b, e, name, sizeof(name));
    if (!name[0])
        return n;
    for (size_t k = 0; k < n; k++)
        if (out[k].departing == departing && strcmp(out[k].name, name) == 0) {
            if (!out[k].role[0] && role[0])
                snprintf(out[k].role, sizeof(out[k].role), "%s", role);
            return n;
        }
    if (n >= max)
        return n;
    snprintf(out[n].name, sizeof(out[n].name), "%s", name);
    snprintf(out[n].role, sizeof(out[n].role), "%s", role);
    out[n].departing = departing;
    return n + 1;
}

/* Skips back over "was", "has been", "will" ... before a verb: the index just after the subject. */
static size_t subject_end(const struct tok *v, size_t i)
{
    static const char *const aux[] = {"was", "were", "has", "have", "had", "been", "is", "will", "would", "shall",
                                      "also", "be", "to", "intends", "plans", "agreed", "decided", NULL};
    size_t k = i, steps = 0;
    while (k > 0 && steps < 4 && among(&v[k - 1], aux) && !v[k - 1].end)
        k--, steps++;
    return k;
}

size_t sec_8k_people(const char *text, size_t len, struct sec_person *out, size_t max)
{
    if (!text || !max)
        return 0;
    if (len > SEC_TEXT_MAX)
        len = SEC_TEXT_MAX;
    struct tok *v = vg_malloc(sizeof(*v) * MAX_TOKENS);
    if (!v)
        return 0;
    size_t n = tokenize(text, len, v, MAX_TOKENS), found = 0;
    char role[SEC_MAX_ROLE];
    for (size_t i = 0; i < n && found < max; i++) {
        size_t b, e;
        int stepping = is(&v[i], "stepped") || is(&v[i], "step") || is(&v[i], "steps");
        size_t told = among(&v[i], told_verbs) ? tells_leaving(v, n, i) : 0;
        int leaving = (among(&v[i], leaving_verbs) && (!stepping || (i + 1 < n && is(&v[i + 1], "down")))) || told;
        int arriving = !leaving && among(&v[i], arriving_verbs);
        /* "the departure of <Name>", "the appointment of <Name> as <Role>" */
        /* "terminated the employment of <Name>" */
        int fired = is(&v[i], "employment") && ((i >= 1 && starts(&v[i - 1], "terminat")) ||
                                                (i >= 2 && starts(&v[i - 2], "terminat")));
        if (i + 1 < n && is(&v[i + 1], "of") && !v[i].end &&
            (is(&v[i], "departure") || is(&v[i], "resignation") || is(&v[i], "retirement") ||
             is(&v[i], "appointment") || is(&v[i], "election") || is(&v[i], "promotion") || fired)) {
            if (name_after(v, n, i + 2, &b, &e) == 0) {
                int dep = is(&v[i], "departure") || is(&v[i], "resignation") || is(&v[i], "retirement") || fired;
                read_role(v, n, e, role, sizeof(role));
                found = add_person(out, found, max, v, b, e, role, dep);
            }
            continue;
        }
        if (!leaving && !arriving)
            continue;
        if (arriving && !v[i].end && name_after(v, n, i + 1, &b, &e) == 0) {
            read_role(v, n, e, role, sizeof(role)); /* the Board appointed <Name> as <Role> */
            found = add_person(out, found, max, v, b, e, role, 0);
            continue;
        }
        size_t se = subject_end(v, i);
        if (name_before(v, se, &b) == 0) { /* <Name> was appointed <Role>; <Name> resigned as <Role> */
            size_t r = told ? told + 1 : i + 1;
            if (stepping)
                r++; /* "down" */
            read_role(v, n, r, role, sizeof(role));
            if (!role[0] && leaving) /* "resigned from his position(s) as" */
                read_role(v, n, r + 2 < n ? r + 2 : r, role, sizeof(role));
            found = add_person(out, found, max, v, b, se, role, leaving);
        } else if (se >= 2 && v[se - 1].end) {
            /* "<Name>, the Company's Chief Technology Officer, will step down": the name before
             * an appositive, which gives the role */
            for (size_t k = se - 1; k > 0 && k + 12 > se; k--) {
                if (!v[k - 1].end)
                    continue;
                if (name_before_at(v, k, &b, 1) == 0) {
                    role_from(v, n, k, role, sizeof(role));
                    found = add_person(out, found, max, v, b, k, role, leaving);
                }
                break;
            }
        }
    }
    vg_free(v);
    return found;
}
