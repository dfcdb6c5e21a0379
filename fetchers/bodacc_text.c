/* bodacc_text — the texts of BODACC announcements made readable: a court's name written in
 * capitals, a date, and the directors a modification names (bodacc.h). */
#include "fetchers/bodacc.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <utf8proc.h>

/* s re-encoded with each character passed through f (invalid bytes dropped). */
static char *map_chars(const char *s, utf8proc_int32_t (*f)(utf8proc_int32_t))
{
    size_t len = strlen(s);
    char *out = vg_malloc(len * 2 + 1); /* a case mapping never takes more than twice the bytes */
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        int32_t cp;
        size_t n = vg_utf8_next((const unsigned char *)s + i, len - i, &cp);
        i += n;
        if (cp < 0)
            continue;
        o += vg_utf8_put(f(cp), out + o);
    }
    out[o] = '\0';
    return out;
}

char *bodacc_lower(const char *s) { return map_chars(s, utf8proc_tolower); }

/* Words a place name keeps in lower case ("Aix-en-Provence", "Saint-Denis de la Réunion"). */
static int small_word(const char *w, size_t n)
{
    static const char *const small[] = {"de", "du", "des", "la", "le", "les", "en", "sur", "sous", "et", "aux", "au", "d", "l"};
    for (size_t i = 0; i < sizeof(small) / sizeof(small[0]); i++)
        if (strlen(small[i]) == n && memcmp(small[i], w, n) == 0)
            return 1;
    return 0;
}

/* Upper-cases the character at s[*i] in place when its upper case takes the same bytes. */
static void upper_at(char *s, size_t len, size_t i)
{
    int32_t cp;
    size_t n = vg_utf8_next((const unsigned char *)s + i, len - i, &cp);
    char tmp[4];
    if (cp >= 0 && vg_utf8_put(utf8proc_toupper(cp), tmp) == n)
        memcpy(s + i, tmp, n);
}

static int has_lower(const char *s)
{
    for (; *s; s++)
        if (*s >= 'a' && *s <= 'z')
            return 1;
    return 0;
}

char *bodacc_tribunal_name(const char *s)
{
    s += strspn(s, " \t");
    if (has_lower(s)) /* written by a person already: kept as it is */
        return vg_strdup(s);
    char *t = bodacc_lower(s);
    if (!t)
        return NULL;
    static const char greffe[] = "greffe du ";
    if (strncmp(t, greffe, sizeof(greffe) - 1) == 0)
        memmove(t, t + sizeof(greffe) - 1, strlen(t) - (sizeof(greffe) - 1) + 1);
    size_t len = strlen(t);
    if (!len)
        return t;
    upper_at(t, len, 0);
    /* The place: what follows the first " de ", " du " or " d'" that does not name the kind of
     * court ("de commerce", "de grande instance") is a name, its words capitalised. */
    size_t place = 0;
    for (size_t i = 0; !place && i + 3 < len; i++) {
        if (!(t[i] == ' ' && t[i + 1] == 'd' && (t[i + 2] == '\'' || ((t[i + 2] == 'e' || t[i + 2] == 'u') && t[i + 3] == ' '))))
            continue;
        size_t w = i + (t[i + 2] == '\'' ? 3 : 4);
        if (strncmp(t + w, "commerce", 8) != 0 && strncmp(t + w, "grande instance", 15) != 0 &&
            strncmp(t + w, "instance", 8) != 0)
            place = w;
    }
    for (size_t i = place; place && i < len;) {
        size_t w = i;
        while (w < len && t[w] != ' ' && t[w] != '-' && t[w] != '\'')
            w++;
        if (w > i && !small_word(t + i, w - i))
            upper_at(t, len, i);
        i = w + 1;
    }
    return t;
}

void bodacc_date_fr(const char *iso, char out[32])
{
    if (strlen(iso) >= 10 && iso[4] == '-' && iso[7] == '-')
        snprintf(out, 32, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
    else
        snprintf(out, 32, "%s", iso);
}

/* ---- directors ---- */

static const char *const director_roles[] = {"président", "directeur", "gérant", "administrateur", "dirigeant",
                                              "membre du directoire", "membre du conseil", "vice-président",
                                              "co-gérant", NULL};

static int is_director_role(const char *role_lower)
{
    if (strstr(role_lower, "commissaire"))
        return 0; /* auditors are no directors */
    for (size_t i = 0; director_roles[i]; i++)
        if (strstr(role_lower, director_roles[i]))
            return 1;
    return 0;
}

/* s[0..n) without blanks and trailing punctuation at its ends, as a new string (NULL: empty). */
static char *trimmed(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == ',' || *s == ':'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '.' || s[n - 1] == ',' || s[n - 1] == ':'))
        n--;
    if (!n)
        return NULL;
    return vg_strndup(s, n > BODACC_MAX_FIELD ? BODACC_MAX_FIELD : n);
}

/* Position of `needle` (lower case, ASCII) in s, compared without ASCII case; NULL when absent. */
static const char *find_nocase(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++) {
        size_t j = 0;
        while (j < m && (s[i + j] | (s[i + j] >= 'A' && s[i + j] <= 'Z' ? 0x20 : 0)) == needle[j])
            j++;
        if (j == m)
            return s + i;
    }
    return NULL;
}

/* Whether s[0..n) starts with `needle` (lower case, ASCII), compared without ASCII case. */
static int starts_nocase(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    return m <= n && find_nocase(s, m, needle) == s;
}

static int add_person(struct bodacc_person *out, size_t max, size_t *k, const char *role, const char *name,
                      size_t nlen, int departing)
{
    if (*k >= max)
        return 0;
    char *nm = trimmed(name, nlen);
    if (!nm)
        return 0;
    char *rl = vg_strdup(role);
    if (!rl) {
        vg_free(nm);
        return -1;
    }
    out[(*k)++] = (struct bodacc_person){.name = nm, .role = rl, .departing = departing};
    return 0;
}

/* One "Role : value" statement. */
static int statement(const char *s, size_t n, struct bodacc_person *out, size_t max, size_t *k)
{
    const char *colon = memchr(s, ':', n);
    if (!colon)
        return 0;
    char *role = trimmed(s, (size_t)(colon - s));
    if (!role)
        return 0;
    char *lower = bodacc_lower(role);
    int rc = 0;
    if (lower && is_director_role(lower)) {
        const char *v = colon + 1, *end = s + n;
        v += strspn(v, " ");
        static const char *const leaving[] = {"départ de ", "partant : ", "partant ", "démission de ", "révocation de ", NULL};
        static const char *const arriving[] = {"nomination de ", "modification de ", "nouveau : ", NULL};
        int departing = 0;
        for (size_t i = 0; leaving[i]; i++)
            if (starts_nocase(v, (size_t)(end - v), leaving[i])) {
                v += strlen(leaving[i]);
                departing = 1;
                break;
            }
        for (size_t i = 0; !departing && arriving[i]; i++)
            if (starts_nocase(v, (size_t)(end - v), arriving[i]))
                v += strlen(arriving[i]);
        const char *repl = departing ? NULL : find_nocase(v, (size_t)(end - v), " en remplacement de ");
        if (repl) {
            rc = add_person(out, max, k, role, v, (size_t)(repl - v), 0);
            const char *d = repl + strlen(" en remplacement de ");
            if (rc == 0)
                rc = add_person(out, max, k, role, d, (size_t)(end - d), 1);
        } else {
            rc = add_person(out, max, k, role, v, (size_t)(end - v), departing);
        }
    }
    vg_free(lower);
    vg_free(role);
    return rc;
}

size_t bodacc_directors(const char *text, struct bodacc_person *out, size_t max)
{
    size_t k = 0;
    if (!text)
        return 0;
    /* Statements end at ';', or at a '.' followed by a blank or the end (not in "M.DUPONT"). */
    const char *s = text;
    while (*s && k < max) {
        const char *e = s;
        while (*e && *e != ';' && !(*e == '.' && (e[1] == ' ' || e[1] == '\0')))
            e++;
        if (statement(s, (size_t)(e - s), out, max, &k) < 0)
            break;
        s = *e ? e + 1 : e;
    }
    return k;
}

void bodacc_people_free(struct bodacc_person *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        vg_free(p[i].name);
        vg_free(p[i].role);
    }
}
