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
    {"rs.", "INR", 0}, {"rs", "INR", 0}, /* the Indian press: "Rs 100 cr" */
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
    {"mln", NULL, 1e6}, {"mn", NULL, 1e6}, {"bln", NULL, 1e9}, {"bn", NULL, 1e9},
    {"tn", NULL, 1e12}, {"crores", NULL, 1e7}, {"crore", NULL, 1e7}, {"cr", NULL, 1e7},
    {"lakhs", NULL, 1e5}, {"lakh", NULL, 1e5},
    {"m", NULL, 1e6}, {"b", NULL, 1e9}, {"k", NULL, 1e3},
    {NULL, NULL, 0},
};

/* A scale and a currency fused in one abbreviation, after the number ("1 955 ME", "5 MEUR",
 * "2 MdEUR", "300 KEUR"). "me" only outside English, where it is a word. */
static const struct word fused[] = {
    {"mdeur", "EUR", 1e9}, {"mde", "EUR", 1e9}, {"meur", "EUR", 1e6}, {"me", "EUR", 1e6},
    {"keur", "EUR", 1e3}, {"musd", "USD", 1e6}, {"mdusd", "USD", 1e9}, {"kusd", "USD", 1e3},
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
    {"reais", "BRL", 0}, {"reals", "BRL", 0}, {"real", "BRL", 0},
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
static size_t read_number(const char *l, size_t len, size_t i, int fr, double *value,
                          int *decimals)
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
    *decimals = last_is_decimal ? (int)after_last : 0;
    return j - i;
}

/* Numbers written in words, read only before a spelled-out scale ("un milliard", "trois cents
 * millions", "twenty-five million"): alone they are rarely money. A fraction first. */
static const struct word fraction_words[] = {
    {"half a", NULL, 0.5}, {"un demi-", NULL, 0.5}, {"un demi", NULL, 0.5},
    {"demi-", NULL, 0.5}, {NULL, NULL, 0},
};
/* Words before a scaled number with no currency that make it money: a raise, a price, an
 * investment, a fine, a valuation ("Mistral lève 600 millions"). Folded, lower case. */
static const char *const money_cues[] = {
    "leve", "levee", "levent", "lever", "levera", "raise", "raises", "raised", "raising",
    "investit", "investir", "investira", "investissement", "invest", "invests", "investment",
    "valorise", "valorisee", "valorisation", "valued", "valuation", "amende", "fine", "fined",
    "contrat", "contract", "rachat", "rachete", "cede", "cession", "montant", "prix", "price",
    "cheque", "emprunt", "pret", "loan", "recolte", "boucle", "obtient", "decroche", "pour",
    "for", "secures", "secured", "injecte", "mobilise", "debloque", NULL,
};

/* Nouns after a scaled number with no currency that make it money ("2 milliards de chiffre
 * d'affaires"); `revenue` marks the ones that measure a company's size. */
static const struct { const char *text; int revenue; } money_nouns[] = {
    {"chiffre d'affaires", 1}, {"ca", 1}, {"revenus", 1}, {"revenue", 1}, {"revenues", 1},
    {"ventes", 1}, {"sales", 1}, {"turnover", 1}, {"capitalisation", 1},
    {"benefice", 0}, {"profit", 0}, {"resultat", 0}, {"ebitda", 0}, {"investissement", 0},
    {"investissements", 0}, {"investment", 0}, {"financement", 0}, {"funding", 0},
    {"dette", 0}, {"debt", 0}, {"valorisation", 0}, {NULL, 0},
};

/* What a company's size is measured by, before or after an amount: its sales, its market
 * value, the orders it takes over a period ("les prises de commandes ont atteint 19,9
 * milliards", "2 Md€ de commandes"; one order, "une commande de 4 M€", is a deal). */
static const char *const revenue_words[] = {
    "chiffre d'affaires", "revenue", "revenus", "sales", "ventes", "turnover",
    "capitalisation", "capitalization", "market cap", "market value", "prises de commandes",
    "prise de commandes", "carnet de commandes", "order intake", "order book", "backlog", NULL,
};
static const char *const revenue_after[] = {"commandes", "orders", NULL};
/* The size of a market, not of a company: "the global drone market is expected to reach $40
 * billion", "un marché mondial estimé à 30 milliards d'euros", "the $30bn cloud market". In
 * French a "marché" alone is also a contract ("ce marché de 700 millions d'euros"): only a
 * qualified one is a market's size. */
static const char *const market_fr[] = {
    "marche mondial", "marche global", "marche francais", "marche europeen", "marche americain",
    "marche chinois", "marche potentiel", "marche adressable", "marche total", "marche estime",
    "taille du marche", NULL,
};
static const char *const market_en[] = {"market", "markets", NULL};
static const char *const market_size_en[] = {
    "reach", "worth", "valued", "estimated", "size", "expected", "projected", "forecast", NULL,
};
/* An earlier round named beside this one: "après un premier tour de 5 M€", "two years after a
 * $12m Series A", "following a $10m seed round". */
static const char *const earlier_words[] = {
    "apres", "after", "following", "precedent", "precedente", "previous", "prior", "deja",
    "already", NULL,   /* not "dernier"/"last": "le 20 septembre dernier, elle a levé" */
};
static const char *const round_words[] = {
    "tour", "levee", "leve", "round", "raising", "raised", "series", "serie", "seed", "amorcage",
    NULL,
};
/* Small sums that are still the story's money: a fine, damages, a grant ("une amende de 3 000
 * euros", "a £5,000 grant"). */
static const char *const small_deal_words[] = {
    "amende", "amendes", "fine", "fined", "fines", "penalty", "penalties", "sanction",
    "sanctions", "damages", "dommages", "indemnite", "indemnites", "condamne", "condamnee",
    "subvention", "grant", "dotation", NULL,
};
/* A payout to shareholders: a per-share amount that is a result, not a price. */
static const char *const dividend_words[] = {"dividende", "dividendes", "dividend", "dividends",
                                             "coupon", NULL};
/* What a company's results are measured by: never dropped as context. */
static const char *const result_words[] = {
    "benefice", "profit", "resultat", "ebitda", "ebit", "earnings", "income", "perte", "loss",
    "marge", "margin", "dividende", "dividend", NULL,
};

static int word_start(const char *l, size_t i)
{
    return i == 0 || !is_alnum(l[i - 1]);
}

/* The value of the number word l[i..i+n), or 0: the words of a whole number, joined by
 * blanks, hyphens, "et" and "and"; 100 is "cent"/"hundred", which multiplies what comes before
 * it. A switch on the first letter: this runs on every word near a spelled-out scale. */
static double number_word(const char *l, size_t i, size_t n)
{
    const char *w = l + i;
#define NUMBER_WORD(s, v)                                                                          \
    if (n == sizeof(s) - 1 && memcmp(w, s, n) == 0)                                                \
        return v;
    switch (w[0]) {
    case 'a': NUMBER_WORD("a", 1) break;
    case 'c':
        NUMBER_WORD("cinq", 5) NUMBER_WORD("cinquante", 50) NUMBER_WORD("cent", 100)
        NUMBER_WORD("cents", 100) break;
    case 'd': NUMBER_WORD("deux", 2) NUMBER_WORD("dix", 10) NUMBER_WORD("douze", 12) break;
    case 'e':
        NUMBER_WORD("eight", 8) NUMBER_WORD("eleven", 11) NUMBER_WORD("eighteen", 18)
        NUMBER_WORD("eighty", 80) break;
    case 'f':
        NUMBER_WORD("four", 4) NUMBER_WORD("five", 5) NUMBER_WORD("fourteen", 14)
        NUMBER_WORD("fifteen", 15) NUMBER_WORD("forty", 40) NUMBER_WORD("fifty", 50) break;
    case 'h': NUMBER_WORD("huit", 8) NUMBER_WORD("hundred", 100) break;
    case 'n':
        NUMBER_WORD("neuf", 9) NUMBER_WORD("nine", 9) NUMBER_WORD("nineteen", 19)
        NUMBER_WORD("ninety", 90) break;
    case 'o': NUMBER_WORD("one", 1) NUMBER_WORD("onze", 11) break;
    case 'q':
        NUMBER_WORD("quatre", 4) NUMBER_WORD("quatorze", 14) NUMBER_WORD("quinze", 15)
        NUMBER_WORD("quarante", 40) break;
    case 's':
        NUMBER_WORD("six", 6) NUMBER_WORD("sept", 7) NUMBER_WORD("seven", 7)
        NUMBER_WORD("seize", 16) NUMBER_WORD("sixteen", 16) NUMBER_WORD("seventeen", 17)
        NUMBER_WORD("sixty", 60) NUMBER_WORD("soixante", 60) NUMBER_WORD("seventy", 70) break;
    case 't':
        NUMBER_WORD("two", 2) NUMBER_WORD("trois", 3) NUMBER_WORD("three", 3)
        NUMBER_WORD("ten", 10) NUMBER_WORD("twelve", 12) NUMBER_WORD("treize", 13)
        NUMBER_WORD("thirteen", 13) NUMBER_WORD("twenty", 20) NUMBER_WORD("trente", 30)
        NUMBER_WORD("thirty", 30) break;
    case 'u': NUMBER_WORD("un", 1) NUMBER_WORD("une", 1) break;
    case 'v': NUMBER_WORD("vingt", 20) NUMBER_WORD("vingts", 20) break;
    default: break;
    }
#undef NUMBER_WORD
    return 0;
}

/* A cheap look before reading words: the next word (after a blank or a hyphen) starts like a
 * big scale ("mil", "bil", "tri") or like the "a"/"demi" of "half a billion", "un demi-", or
 * this word is a number word ("trois cents millions", "vingt-cinq millions"). */
static int words_ahead(const char *l, size_t len, size_t i)
{
    size_t k = i;
    while (k < len && is_alnum(l[k]))
        k++;
    if (k - i > 9 || k + 3 >= len || (l[k] != ' ' && l[k] != '-'))
        return 0;
    const char *n = l + k + 1;
    size_t rest = len - k - 1;   /* at least 3 */
    return memcmp(n, "mil", 3) == 0 || memcmp(n, "bil", 3) == 0 || memcmp(n, "tri", 3) == 0 ||
           memcmp(n, "a ", 2) == 0 || (rest >= 4 && memcmp(n, "demi", 4) == 0) ||
           number_word(l, i, k - i) > 0;
}

/* Is a spelled-out big scale ("millions", not "m" or "md") at l[k..), after a blank or a
 * hyphen? */
static int spelled_scale_at(const char *l, size_t len, size_t k)
{
    if (k < len && (l[k] == ' ' || l[k] == '-'))
        k++;
    size_t sl;
    const struct word *sc = longest_at(l + k, len - k, scales, &sl);
    return sc && sc->scale >= 1e6 && sl >= 5;
}

/* Where "illi" next occurs at or after i, or len. */
static size_t next_illi(const char *l, size_t len, size_t i)
{
    const char *p = memmem(l + i, len - i, "illi", 4);
    return p ? (size_t)(p - l) : len;
}

/* Reads a number in words at l[i..) when a big scale word follows; returns its length. */
static size_t read_words(const char *l, size_t len, size_t i, double *value)
{
    for (const struct word *w = fraction_words; w->text; w++) {
        size_t n = strlen(w->text);
        if (i + n > len || memcmp(l + i, w->text, n) != 0)
            continue;
        size_t k = i + n;
        if (w->text[n - 1] != '-' && (k >= len || l[k] != ' '))
            continue;
        if (!spelled_scale_at(l, len, w->text[n - 1] == '-' ? k - 1 : k))
            continue;
        *value = w->scale;
        return n;   /* "un demi-" keeps its hyphen: the scale follows at once */
    }
    /* a whole number: "deux cent cinquante", "quatre-vingt-dix", "three hundred and fifty" */
    double cur = 0;
    size_t p = i, end = 0;
    for (int words = 0; p < len && words < 8; words++) {
        size_t e = p;
        while (e < len && is_alnum(l[e]))
            e++;
        double v = e > p ? number_word(l, p, e - p) : 0;
        if (v <= 0)
            break;
        long c = (long)cur;
        int article = e - p <= 3 && (l[p] == 'a' || l[p] == 'u' || l[p] == 'o');
        if (v == 100)
            cur = (c % 100 ? c % 100 : 1) * 100 + (c - c % 100);
        else if (v == 20 && c % 100 == 4)
            cur = c + 76;   /* quatre-vingt(s) */
        else if (c % 100 == 0 || (v < 20 && c % 10 == 0 && c % 100 >= 20))
            cur = c + v;
        else
            break;
        end = e;
        int hundred = (e + 8 <= len && memcmp(l + e, " hundred", 8) == 0) ||
                      (e + 5 <= len && memcmp(l + e, " cent", 5) == 0);
        if (article && words == 0 && !hundred && !spelled_scale_at(l, len, e))
            return 0;   /* "a", "un", "one" only before a scale or a hundred */
        if (e < len && l[e] == '-')
            p = e + 1;
        else if (e + 4 <= len && memcmp(l + e, " et ", 4) == 0)
            p = e + 4;
        else if (e + 5 <= len && memcmp(l + e, " and ", 5) == 0)
            p = e + 5;
        else if (e < len && l[e] == ' ')
            p = e + 1;
        else
            break;
    }
    if (!end || !spelled_scale_at(l, len, end))
        return 0;
    *value = cur;
    return end - i;
}

/* One amount read at a number: its parts, any of which may be missing. */
struct reading {
    double v, scale;          /* scale 0: none written */
    const struct word *cur;   /* NULL: none written */
    size_t start, end;        /* whole amount, currency included */
    size_t scale_len;
    int decimals;             /* digits written after the decimal mark */
};

static const struct word *suffix_at(const char *l, size_t len, size_t m, int scaled, size_t *end)
{
    /* "12 millions d'euros"; after digits, "a 4.4-billion-dollar contract" (`scaled` 2), not
     * the vague "a million-dollar house" */
    if (m < len && (l[m] == ' ' || (scaled == 2 && l[m] == '-')))
        m++;
    static const char *const links[] = {"d'", "de ", "of ", "d' ", "", NULL};
    for (int li = 0; links[li]; li++) {
        size_t ll = strlen(links[li]);
        if (ll && (m + ll > len || memcmp(l + m, links[li], ll) != 0))
            continue;
        if (ll && !scaled)
            continue;  /* "12 de dollars" is not French; only after a scale */
        size_t cl;
        const struct word *w = longest_at(l + m + ll, len - m - ll, suffix_cur, &cl);
        if (!w)
            continue;
        /* "real" only after a scale ("170 billion real"), never "real estate" */
        if (strcmp(w->text, "real") == 0 &&
            (!scaled || (m + ll + cl + 7 <= len && memcmp(l + m + ll + cl, " estate", 7) == 0)))
            continue;
        *end = m + ll + cl;
        return w;
    }
    return NULL;
}

/* Reads the amount whose number starts at i (digits, or words before a scale). Returns 0
 * when there is no number there. */
static int read_amount(const char *l, size_t len, size_t i, int fr, struct reading *r)
{
    memset(r, 0, sizeof(*r));
    size_t nl;
    if (is_digit(l[i]))
        nl = read_number(l, len, i, fr, &r->v, &r->decimals);
    else
        nl = word_start(l, i) ? read_words(l, len, i, &r->v) : 0;
    if (nl == 0)
        return 0;
    r->start = i;
    size_t j = i + nl;
    size_t cur_start;
    if (is_digit(l[i]) && (r->cur = prefix_before(l, i, &cur_start)) != NULL)
        r->start = cur_start;
    /* scale: attached or after one blank, or after a hyphen when spelled out ("a
     * 4.4-billion-dollar contract"; "un demi-milliard" keeps its hyphen in the number) */
    size_t k = j;
    if (k < len && (l[k] == ' ' || (l[k] == '-' && spelled_scale_at(l, len, k))))
        k++;
    size_t sl;
    const struct word *sc = longest_at(l + k, len - k, scales, &sl);
    /* a lone "m"/"b"/"k" after a blank is too ambiguous ("5 m" of height); only attached,
     * or followed by a currency ("12 m€", "500 k€", "12 M $") */
    if (sc && sl == 1 && k != j) {
        size_t ce;
        if (!suffix_at(l, len, k + 1, 0, &ce) || r->cur)
            sc = r->cur ? sc : NULL;
    }
    if (sc) {
        r->scale = sc->scale;
        r->scale_len = sl;
        j = k + sl;
        /* "un milliard et demi", "1 milliard et demi" */
        if (sl >= 5 && j + 8 <= len && memcmp(l + j, " et demi", 8) == 0 &&
            (j + 8 == len || !is_alnum(l[j + 8]))) {
            r->v += 0.5;
            r->decimals = 1;
            j += 8;
        }
    } else {
        /* "1 955 ME", "5 MEUR": a scale and a currency in one word */
        const struct word *f = longest_at(l + k, len - k, fused, &sl);
        if (f && (fr != 0 || sl > 2)) {
            r->scale = f->scale;
            r->scale_len = sl;
            r->cur = r->cur ? r->cur : f;
            j = k + sl;
        }
    }
    if (!r->cur) {
        size_t ce;
        /* a hyphenated currency after a number, not after the article of "a million-dollar
         * house" */
        int article = l[i] == 'a' && i + 1 < len && l[i + 1] == ' ';
        const struct word *w = suffix_at(l, len, j, sc ? 1 + !article : 0, &ce);
        if (w) {
            r->cur = w;
            j = ce;
            /* "13 euro cents", "50 centimes d'euro": a hundredth */
            static const char *const cents[] = {" cents", " cent", " centimes", NULL};
            for (int ci = 0; !sc && cents[ci]; ci++) {
                size_t cn = strlen(cents[ci]);
                if (j + cn <= len && memcmp(l + j, cents[ci], cn) == 0 &&
                    (j + cn == len || !is_alnum(l[j + cn]))) {
                    r->v /= 100;
                    r->decimals += 2;
                    j += cn;
                    break;
                }
            }
        }
    }
    r->end = j;
    return 1;
}

/* Is the range between two readings written "10-15", "10 à 15", "entre 10 et 15", "between
 * 10 and 15", "10 to 15"? Returns where the second number's reading starts, or 0. */
static size_t range_link(const char *l, size_t len, const struct reading *a)
{
    size_t k = a->end;
    static const char *const links[] = {" - ", "- ", " -", "-", " a ", " to ", NULL};
    for (int li = 0; links[li]; li++) {
        size_t n = strlen(links[li]);
        if (k + n < len && memcmp(l + k, links[li], n) == 0)
            return k + n;
    }
    /* "et"/"and" only close an "entre"/"between" */
    static const struct { const char *open, *close; } pairs[] = {
        {"entre ", " et "}, {"between ", " and "}, {NULL, NULL},
    };
    for (int pi = 0; pairs[pi].open; pi++) {
        size_t on = strlen(pairs[pi].open), cn = strlen(pairs[pi].close);
        size_t s = a->start;
        if (s < on || memcmp(l + s - on, pairs[pi].open, on) != 0 || !word_start(l, s - on))
            continue;
        if (k + cn < len && memcmp(l + k, pairs[pi].close, cn) == 0)
            return k + cn;
    }
    return 0;
}

/* Does one of `words` end within `span` bytes before `at`, in the same clause? */
static int word_before(const char *l, size_t at, size_t span, const char *const *words)
{
    size_t lo = at > span ? at - span : 0;
    for (size_t b = at; b > lo; b--) {
        char c = l[b - 1];
        if (c == ',' || c == ';' || c == '.' || c == ':' || c == '(' || c == ')' || c == '\n' ||
            is_digit(c))
            break;
        if (!word_start(l, b - 1) || !is_alnum(c))
            continue;
        for (size_t w = 0; words[w]; w++) {
            size_t n = strlen(words[w]);
            if (b - 1 + n <= at && memcmp(l + b - 1, words[w], n) == 0 &&
                (b - 1 + n == at || !is_alnum(l[b - 1 + n])))
                return 1;
        }
    }
    return 0;
}

/* Does one of `words` start within `span` bytes after `at`, through "de", "d'", "of", "in"
 * and adjectives, in the same clause? */
static int word_after(const char *l, size_t len, size_t at, size_t span, const char *const *words)
{
    size_t hi = at + span < len ? at + span : len;
    for (size_t b = at; b < hi; b++) {
        char c = l[b];
        if (c == ',' || c == ';' || c == '.' || c == ':' || c == '(' || c == ')' || c == '\n' ||
            is_digit(c))
            break;
        if (!is_alnum(c) || !word_start(l, b))
            continue;
        for (size_t w = 0; words[w]; w++) {
            size_t n = strlen(words[w]);
            if (b + n <= len && memcmp(l + b, words[w], n) == 0 &&
                (b + n == len || !is_alnum(l[b + n])))
                return 1;
        }
    }
    return 0;
}

/* What an amount measures: the price of one thing, a company's size, its results, or
 * anything else (the deal). */
static int amount_kind(const char *l, size_t len, const struct reading *r)
{
    size_t start = r->start, end = r->end;
    /* no scale word and under 10,000 (a million in currencies worth about a hundredth: the
     * yen, the rupee): what one share or product costs, a price target */
    int small_unit = r->cur && (strcmp(r->cur->code, "JPY") == 0 ||
                                strcmp(r->cur->code, "INR") == 0);
    if (!r->scale && r->v < (small_unit ? 1e6 : 1e4)) {
        if (word_before(l, start, 40, dividend_words) ||
            word_after(l, len, end, 24, dividend_words))
            return ENRICH_AMOUNT_RESULT;
        if (word_before(l, start, 40, small_deal_words) ||
            word_after(l, len, end, 24, small_deal_words))
            return ENRICH_AMOUNT_DEAL;
        return ENRICH_AMOUNT_UNIT;
    }
    if (word_after(l, len, end, 16, revenue_after) || word_before(l, start, 48, market_fr) ||
        word_after(l, len, end, 16, market_en) ||
        (word_before(l, start, 48, market_en) && word_before(l, start, 48, market_size_en)))
        return ENRICH_AMOUNT_REVENUE;
    if (word_before(l, start, 40, earlier_words) &&
        (word_before(l, start, 40, round_words) || word_after(l, len, end, 16, round_words)))
        return ENRICH_AMOUNT_EARLIER;
    if (word_before(l, start, 40, result_words) || word_after(l, len, end, 24, result_words))
        return ENRICH_AMOUNT_RESULT;
    if (word_before(l, start, 40, revenue_words) || word_after(l, len, end, 24, revenue_words))
        return ENRICH_AMOUNT_REVENUE;
    return ENRICH_AMOUNT_DEAL;
}

/* Is l[from..to) the link from an amount to a part of it or to another amount in the same
 * breath ("350 millions de dollars, dont 238 millions pour", "€40m, of which 10 million",
 * "30 M€ contre 25 millions")? */
static int amount_link(const char *l, size_t from, size_t to)
{
    static const char *const links[] = {
        " dont ", ", dont ", ", of which ", " of which ", ", including ", " including ",
        ", soit ", " soit ", " et ", " and ", " ou ", " or ", " contre ", ", contre ",
        " against ", " versus ", " vs ", " vs. ", NULL,
    };
    for (size_t i = 0; links[i]; i++) {
        size_t n = strlen(links[i]);
        if (to - from == n && memcmp(l + from, links[i], n) == 0)
            return 1;
    }
    return 0;
}

/* A scaled number with no currency: money when a money noun follows it ("2 milliards de
 * chiffre d'affaires") or when a money word, or an amount with its currency linked to it
 * (`linked`), comes shortly before it and no other noun follows ("lève 600 millions auprès
 * de", not "600 millions d'utilisateurs"). */
static int bare_money(const char *l, size_t len, const struct reading *r, int linked)
{
    size_t k = r->end;
    if (k < len && l[k] == ' ')
        k++;
    size_t m = k;
    if (m + 3 <= len && memcmp(l + m, "de ", 3) == 0)
        m += 3;
    else if (m + 2 <= len && memcmp(l + m, "d'", 2) == 0)
        m += 2;
    else if (m + 3 <= len && (memcmp(l + m, "of ", 3) == 0 || memcmp(l + m, "in ", 3) == 0))
        m += 3;
    for (size_t i = 0; money_nouns[i].text; i++) {
        size_t n = strlen(money_nouns[i].text);
        if (m + n <= len && memcmp(l + m, money_nouns[i].text, n) == 0 &&
            (m + n == len || !is_alnum(l[m + n])))
            return 1;
    }
    if (!linked && !word_before(l, r->start, 32, money_cues))
        return 0;
    if (k >= len || strchr(",.;:)!?\n", l[k]))
        return 1;   /* end of text, of the title or of a clause: not "a million-dollar house" */
    if (!is_alnum(l[k]))
        return 0;
    static const char *const free_words[] = {
        "aupres", "pour", "from", "in", "en", "avec", "with", "to", "a", "afin", "sur", "for",
        "dans", "et", "and", "lors", "via", "par", "by", "aupres", "sous", "at", NULL,
    };
    for (size_t i = 0; free_words[i]; i++) {
        size_t n = strlen(free_words[i]);
        if (k + n <= len && memcmp(l + k, free_words[i], n) == 0 &&
            (k + n == len || !is_alnum(l[k + n])))
            return 1;
    }
    return 0;
}

/* Keeps a reading that makes an amount; a bare one (no currency) gets its currency later. */
static size_t emit(const char *l, size_t len, const struct reading *r, int bare,
                   struct enrich_amount *out, size_t n, size_t max)
{
    if (n >= max)
        return n;
    double value = r->v * (r->scale ? r->scale : 1);
    if (!(value > 0 && value < 1e16))
        return n;
    if (r->end < len && l[r->end] == '%')
        return n;
    out[n].value = value;
    if (bare)
        out[n].currency[0] = '\0';
    else
        memcpy(out[n].currency, r->cur->code, 4);
    out[n].start = r->start;
    out[n].end = r->end;
    out[n].kind = amount_kind(l, len, r);
    double step = r->scale ? r->scale : 1;
    for (int d = 0; d < r->decimals; d++)
        step /= 10;
    out[n].step = step;
    return n + 1;
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
    size_t n = 0, n_bare = 0;
    size_t illi = 0;   /* where the next "illi" starts (len when none), found once per stretch */
    size_t i = 0;
    while (i < len && n < max) {
        int starts = 0;
        if (is_digit(l[i])) {
            /* not inside a word or a number, except right after a currency code ("EUR200m") */
            size_t cs;
            starts = i == 0 || !(is_alnum(l[i - 1]) || ((l[i - 1] == '.' || l[i - 1] == ',') &&
                                                        i > 1 && is_digit(l[i - 2])));
            if (!starts && is_alnum(l[i - 1]) && !is_digit(l[i - 1]))
                starts = prefix_before(l, i, &cs) != NULL;
        } else if (word_start(l, i) && l[i] >= 'a' && l[i] <= 'z') {
            /* maybe a number in words; its spelled scale ("million", "milliard", "billion",
             * "trillion": all hold "illi") comes within a few words */
            if (illi < i)
                illi = next_illi(l, len, i);
            starts = illi - i < 64 && words_ahead(l, len, i);
        }
        struct reading a;
        if (!starts || !read_amount(l, len, i, fr, &a)) {
            i++;
            continue;
        }
        /* A range gives both its bounds, each with what is written once for both. */
        /* A year is no bound ("au 2e trimestre 2021 à 1 041,7 ME"). */
        int year = !a.cur && !a.scale && !a.decimals && a.v >= 1900 && a.v <= 2100;
        if ((!a.cur || !a.scale) && !year) {
            size_t b_at = range_link(l, len, &a);
            struct reading b;
            if (b_at && b_at < len && read_amount(l, len, b_at, fr, &b) &&
                (b.cur || a.cur) &&
                (!a.cur || !b.cur || strcmp(a.cur->code, b.cur->code) == 0)) {
                struct reading ra = a, rb = b;   /* a stays as read when this is no range */
                if (!ra.scale)
                    ra.scale = rb.scale;
                else if (!rb.scale)
                    rb.scale = ra.scale;
                if (!ra.cur)
                    ra.cur = rb.cur;
                if (!rb.cur)
                    rb.cur = ra.cur;
                double va = ra.v * (ra.scale ? ra.scale : 1), vb = rb.v * (rb.scale ? rb.scale : 1);
                /* also a change, "de 12 à 10 M€": both are amounts */
                if (va > 0 && va != vb) {
                    n = emit(l, len, &ra, 0, out, n, max);
                    n = emit(l, len, &rb, 0, out, n, max);
                    i = rb.end;
                    continue;
                }
            }
        }
        if (a.cur)
            n = emit(l, len, &a, 0, out, n, max);
        /* no currency: a big scale spelled out or abbreviated with several letters ("m", "b",
         * "k" alone say too little), in a text that says it is money */
        else if (a.scale >= 1e6 && a.scale_len >= 2 &&
                 bare_money(l, len, &a,
                            n && out[n - 1].currency[0] && out[n - 1].end < a.start &&
                                amount_link(l, out[n - 1].end, a.start))) {
            n = emit(l, len, &a, 1, out, n, max);
            n_bare++;
        }
        i = a.end > i ? a.end : i + 1;
    }
    if (!n_bare)
        return n;
    /* A bare amount takes the currency of the nearest amount that has one; in French, with
     * none, the euro. Otherwise it is dropped. */
    size_t w = 0;
    for (size_t k = 0; k < n; k++) {
        if (!out[k].currency[0]) {
            const char *code = NULL;
            size_t best = (size_t)-1;
            for (size_t o = 0; o < n; o++) {
                if (!out[o].currency[0])
                    continue;
                size_t d = out[o].start > out[k].start ? out[o].start - out[k].start
                                                       : out[k].start - out[o].start;
                if (d < best) {
                    best = d;
                    code = out[o].currency;
                }
            }
            if (!code && fr > 0 && lang && strncmp(lang, "fr", 2) == 0)
                code = "EUR";
            if (!code)
                continue;
            memcpy(out[k].currency, code, 4);
        }
        out[w++] = out[k];
    }
    return w;
}
