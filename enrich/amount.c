/* amount — the money scanner (see amount.h).
 *
 * At each number it looks left for a currency written before it ("$", "US$", "EUR ") and
 * right for a scale ("m", "millions", "Md", "bn", "Mio.") and a currency written after it
 * ("€", "d'euros", "de dollars", "USD"). Tables below hold the spellings; the longest
 * spelling wins. */
#include "enrich/amount.h"

#include <stdlib.h>
#include <string.h>

struct word {
    const char *text;
    const char *code;  /* currency code, or NULL for scales */
    double scale;
};

/* Currencies written before the number. Order: longer spellings first. */
static const struct word prefix_cur[] = {
    {"us$", "USD", 0}, {"usd", "USD", 0}, {"hk$", "HKD", 0}, {"ca$", "CAD", 0},
    {"c$", "CAD", 0}, {"a$", "AUD", 0}, {"au$", "AUD", 0}, {"s$", "SGD", 0}, {"r$", "BRL", 0},
    {"nz$", "NZD", 0}, {"eur", "EUR", 0}, {"gbp", "GBP", 0}, {"chf", "CHF", 0},
    {"jpy", "JPY", 0}, {"cny", "CNY", 0}, {"rmb", "CNY", 0}, {"cad", "CAD", 0},
    {"aud", "AUD", 0}, {"sek", "SEK", 0}, {"nok", "NOK", 0}, {"dkk", "DKK", 0},
    {"inr", "INR", 0}, {"sgd", "SGD", 0}, {"hkd", "HKD", 0}, {"brl", "BRL", 0},
    {"\xe2\x82\xac", "EUR", 0}, /* € */
    {"\xc2\xa3", "GBP", 0},     /* £ */
    {"\xc2\xa5", "JPY", 0},     /* ¥ */
    {"\xe2\x82\xb9", "INR", 0}, /* ₹ */
    {"$", "USD", 0},
    {NULL, NULL, 0},
};

/* Scales after the number, attached ("3.5bn", "20m") or after a blank. */
static const struct word scales[] = {
    {"milliards", NULL, 1e9}, {"milliard", NULL, 1e9}, {"billions", NULL, 1e9},
    {"billion", NULL, 1e9}, {"trillions", NULL, 1e12}, {"trillion", NULL, 1e12},
    {"millions", NULL, 1e6}, {"million", NULL, 1e6}, {"thousand", NULL, 1e3},
    {"mille", NULL, 1e3}, {"mrds", NULL, 1e9}, {"mrd.", NULL, 1e9}, {"mrd", NULL, 1e9},
    {"mds", NULL, 1e9}, {"md", NULL, 1e9}, {"mio.", NULL, 1e6}, {"mio", NULL, 1e6},
    {"mln", NULL, 1e6}, {"mn", NULL, 1e6}, {"bn", NULL, 1e9}, {"tn", NULL, 1e12},
    {"m", NULL, 1e6}, {"b", NULL, 1e9}, {"k", NULL, 1e3},
    {NULL, NULL, 0},
};

/* Currencies after the number (and its scale). */
static const struct word suffix_cur[] = {
    {"dollars americains", "USD", 0}, {"dollars us", "USD", 0}, {"us dollars", "USD", 0},
    {"u.s. dollars", "USD", 0}, {"dollars canadiens", "CAD", 0}, {"canadian dollars", "CAD", 0},
    {"dollars australiens", "AUD", 0}, {"australian dollars", "AUD", 0},
    {"dollars de hong kong", "HKD", 0}, {"hong kong dollars", "HKD", 0},
    {"livres sterling", "GBP", 0}, {"livre sterling", "GBP", 0}, {"pounds sterling", "GBP", 0},
    {"francs suisses", "CHF", 0}, {"franc suisse", "CHF", 0}, {"swiss francs", "CHF", 0},
    {"couronnes suedoises", "SEK", 0}, {"swedish kronor", "SEK", 0},
    {"couronnes norvegiennes", "NOK", 0}, {"couronnes danoises", "DKK", 0},
    {"dollars", "USD", 0}, {"dollar", "USD", 0}, {"euros", "EUR", 0}, {"euro", "EUR", 0},
    {"pounds", "GBP", 0}, {"pound", "GBP", 0}, {"sterling", "GBP", 0}, {"livres", "GBP", 0},
    {"yens", "JPY", 0}, {"yen", "JPY", 0}, {"yuans", "CNY", 0}, {"yuan", "CNY", 0},
    {"renminbi", "CNY", 0}, {"roupies", "INR", 0}, {"rupees", "INR", 0}, {"kronor", "SEK", 0},
    {"reais", "BRL", 0}, {"reals", "BRL", 0},
    {"usd", "USD", 0}, {"eur", "EUR", 0}, {"gbp", "GBP", 0}, {"chf", "CHF", 0}, {"jpy", "JPY", 0},
    {"cny", "CNY", 0}, {"cad", "CAD", 0}, {"aud", "AUD", 0}, {"sek", "SEK", 0}, {"nok", "NOK", 0},
    {"dkk", "DKK", 0}, {"inr", "INR", 0}, {"sgd", "SGD", 0}, {"hkd", "HKD", 0}, {"brl", "BRL", 0},
    {"\xe2\x82\xac", "EUR", 0}, {"\xc2\xa3", "GBP", 0}, {"\xc2\xa5", "JPY", 0},
    {"$", "USD", 0},
    {NULL, NULL, 0},
};

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* Does a table word start at s[0..n)? Word spellings that end in a letter must not run into
 * another letter ("m" is not the start of "mois"). Returns the length or 0. */
static size_t word_at(const char *s, size_t n, const struct word *w)
{
    size_t len = strlen(w->text);
    if (len > n || memcmp(s, w->text, len) != 0)
        return 0;
    char last = w->text[len - 1];
    if (is_alnum(last) && len < n && is_alnum(s[len]))
        return 0;
    return len;
}

static const struct word *longest_at(const char *s, size_t n, const struct word *table, size_t *len)
{
    const struct word *best = NULL;
    size_t bl = 0;
    for (const struct word *w = table; w->text; w++) {
        size_t l = word_at(s, n, w);
        if (l > bl) {
            bl = l;
            best = w;
        }
    }
    *len = bl;
    return best;
}

/* A currency that ends exactly at `end` (possibly followed by one blank before the number). */
static const struct word *prefix_before(const char *l, size_t start, size_t *cur_start)
{
    size_t e = start;
    if (e > 0 && l[e - 1] == ' ')
        e--;
    for (const struct word *w = prefix_cur; w->text; w++) {
        size_t len = strlen(w->text);
        if (len > e || memcmp(l + e - len, w->text, len) != 0)
            continue;
        size_t b = e - len;
        /* "usd" must be a word of its own; "$" may follow letters ("us$", "c$") only when
         * the table spells them, which the longer entries above catch first. */
        if (is_alnum(w->text[0]) && b > 0 && is_alnum(l[b - 1]))
            continue;
        if (!is_alnum(w->text[0]) && b > 0 && is_alnum(l[b - 1]) && w->text[0] == '$')
            continue;
        *cur_start = b;
        return w;
    }
    return NULL;
}

/* Reads a number at l[i..): digits with separators. Returns the bytes consumed (0 if none) and
 * the value, reading ',' and '.' by `fr` (1 decimal comma, 0 English, -1 unknown) and by
 * whether a scale follows. */
static size_t read_number(const char *l, size_t len, size_t i, int fr, double *value)
{
    char digits[64];
    size_t nd = 0;
    size_t j = i;
    int n_comma = 0, n_dot = 0;
    size_t last_sep = 0;
    char last_sep_c = 0;
    size_t group_len = 0;
    while (j < len && nd + 2 < sizeof(digits)) {
        if (is_digit(l[j])) {
            digits[nd++] = l[j++];
            group_len++;
            continue;
        }
        char c = l[j];
        if ((c == ',' || c == '.' || c == ' ' || c == '\'') && j + 1 < len && is_digit(l[j + 1])) {
            if (c == ' ' || c == '\'') {
                /* "20 000": a blank only joins groups of exactly three digits, after a
                 * first group of at most three ("2023 120" stays two numbers) */
                size_t k = j + 1, g = 0;
                while (k < len && is_digit(l[k]))
                    k++, g++;
                if (g != 3 || group_len > 3 || (n_comma + n_dot) > 0)
                    break;
                group_len = 0;
                j++;
                continue;
            }
            if (c == ',')
                n_comma++;
            else
                n_dot++;
            last_sep = nd;
            last_sep_c = c;
            digits[nd++] = c;
            group_len = 0;
            j++;
            continue;
        }
        break;
    }
    if (nd == 0)
        return 0;
    /* Decide what each separator means. */
    size_t after_last = nd - last_sep - 1;
    int last_is_decimal = 0;
    if (n_comma + n_dot == 1) {
        /* One separator. Not followed by exactly three digits: a decimal ("1,5", "3.5").
         * Otherwise the language decides: French writes "1,250" for 1.25 and English for
         * 1250; a point before three digits is a decimal in English and a thousands mark in
         * French, unless a scale follows ("1.250 milliard"). Unknown language: the scale
         * decides. */
        int sep_comma = last_sep_c == ',';
        size_t k = j;
        if (k < len && l[k] == ' ')
            k++;
        size_t sl;
        int scaled = longest_at(l + k, len - k, scales, &sl) != NULL;
        if (after_last != 3)
            last_is_decimal = 1;
        else if (fr > 0)
            last_is_decimal = sep_comma ? 1 : scaled;
        else if (fr == 0)
            last_is_decimal = !sep_comma;
        else
            last_is_decimal = scaled;
    } else if (n_comma && n_dot) {
        last_is_decimal = 1;  /* "1,234.5" or "1.234,5": the last one */
    } else if (n_comma + n_dot > 1) {
        last_is_decimal = 0;  /* "1,000,000" or "1.000.000" */
        /* but a final group not of three digits is a decimal ("1.234.5" is garbage) */
        if (after_last != 3)
            last_is_decimal = 1;
    }
    char clean[64];
    size_t nc = 0;
    for (size_t k = 0; k < nd; k++) {
        if (is_digit(digits[k]))
            clean[nc++] = digits[k];
        else if (k == last_sep && last_is_decimal)
            clean[nc++] = '.';
    }
    clean[nc] = '\0';
    *value = strtod(clean, NULL);
    return j - i;
}

size_t enrich_amounts_scan(const char *l, size_t len, const char *lang,
                           struct enrich_amount *out, size_t max)
{
    /* 1: decimal comma languages; 0: English; -1: unknown */
    int fr = -1;
    if (lang && (strncmp(lang, "fr", 2) == 0 || strncmp(lang, "de", 2) == 0 ||
                 strncmp(lang, "es", 2) == 0 || strncmp(lang, "it", 2) == 0 ||
                 strncmp(lang, "pt", 2) == 0 || strncmp(lang, "nl", 2) == 0))
        fr = 1;
    else if (lang && strncmp(lang, "en", 2) == 0)
        fr = 0;
    size_t n = 0;
    size_t i = 0;
    while (i < len && n < max) {
        if (!is_digit(l[i]) || (i > 0 && (is_alnum(l[i - 1]) ||
                                          ((l[i - 1] == '.' || l[i - 1] == ',') && i > 1 && is_digit(l[i - 2]))))) {
            i++;
            continue;
        }
        double v;
        size_t nl = read_number(l, len, i, fr, &v);
        if (nl == 0) {
            i++;
            continue;
        }
        size_t start = i, j = i + nl;
        size_t cur_start;
        const struct word *cur = prefix_before(l, start, &cur_start);
        if (cur)
            start = cur_start;
        /* scale: attached or after one blank */
        double scale = 1;
        size_t k = j;
        if (k < len && l[k] == ' ')
            k++;
        size_t sl;
        const struct word *sc = longest_at(l + k, len - k, scales, &sl);
        /* a lone "m"/"b"/"k" after a blank is too ambiguous ("5 m" of height); only attached,
         * or followed by a currency ("12 m€", "500 k€") */
        if (sc && sl == 1 && k != j) {
            size_t cl;
            if (!longest_at(l + k + 1, len - k - 1, suffix_cur, &cl))
                sc = NULL;
        }
        if (sc) {
            scale = sc->scale;
            j = k + sl;
        }
        /* currency after: attached, after a blank, or after " d'" / " de " / " of " */
        if (!cur) {
            size_t m = j;
            if (m < len && l[m] == ' ')
                m++;
            static const char *const links[] = {"d'", "de ", "of ", "d' ", "", NULL};
            for (int li = 0; links[li] && !cur; li++) {
                size_t ll = strlen(links[li]);
                if (ll && (m + ll > len || memcmp(l + m, links[li], ll) != 0))
                    continue;
                if (ll && !sc)
                    continue;  /* "12 de dollars" is not French; only after a scale */
                size_t cl;
                const struct word *w = longest_at(l + m + ll, len - m - ll, suffix_cur, &cl);
                if (w) {
                    cur = w;
                    j = m + ll + cl;
                }
            }
        }
        /* "CHF 5 Mio." / "$3.5bn": the scale after a prefix currency is already read */
        if (cur && !(j < len && (l[j] == '%'))) {
            double value = v * scale;
            if (value > 0 && value < 1e16) {
                out[n].value = value;
                memcpy(out[n].currency, cur->code, 4);
                out[n].start = start;
                out[n].end = j;
                n++;
            }
        }
        i = j > i ? j : i + 1;
    }
    return n;
}
