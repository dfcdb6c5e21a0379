/* amount — money amounts in French and English news text, to {value, currency}.
 *
 * "12 M€", "12 millions d'euros", "1,5 milliard d'euros", "3,5 Md€", "$3.5bn", "£20m",
 * "USD 40 million", "CHF 5 Mio.", "500 k€", "20 000 euros" become a value in units (12000000)
 * and an ISO 4217 code. A number needs a currency next to it to count: "12 millions de
 * clients" and "12 %" are not amounts. Decimal commas and points are read by the language
 * (fr: "1,5" is one and a half; en: "1,500" is fifteen hundred). A range gives both bounds
 * ("entre 10 et 15 millions d'euros", "$2-3bn"); numbers in words count before a scale ("un
 * milliard", "half a billion", "trois cents millions", "twenty-five million"); a scaled
 * number with no currency counts when the words around it say money ("lève 600 millions",
 * "350 millions de dollars, dont 238 millions pour"), in the currency of the nearest amount
 * (French: EUR). The press's fused forms count ("1 955 ME", "5 MEUR", "Rs 100 cr", "a
 * 4.4-billion-dollar contract").
 * Works on folded lower-case text (see text.h), a hand-written scanner: linear in the input,
 * no regex. */
#ifndef ENRICH_AMOUNT_H
#define ENRICH_AMOUNT_H

#include <stddef.h>

struct enrich_amount {
    double value;       /* in units of the currency */
    char currency[4];   /* ISO 4217, e.g. "EUR" */
    size_t start, end;  /* offsets in the scanned text */
    int kind;           /* enum enrich_amount_kind: what the amount measures */
    double step;        /* the last digit written is worth this much ("4 bn": 1e9, "4.4 bn":
                         * 1e8): a headline's "$4bn" is the body's "$4.4bn" rounded */
};

/* What an amount measures, read from the words around it. A company's size (revenue, sales,
 * turnover, market value, orders taken: "le groupe, qui réalise 2 milliards de chiffre
 * d'affaires"), or a market's ("the drone market is expected to reach $40bn"), is context in a
 * story about a deal, and so is an earlier round ("après un premier tour de 5 M€"); results
 * (profit, earnings, margin, dividend) are the news of a results story; the price of one thing
 * (a share, a product, a price target: "l'action gagne 5 %, à 0,72 €", "vendu 29 euros",
 * "$34.10 per share", "13 euro cents") is written without a scale word and is under 10,000
 * (a million yen or rupees) —
 * deals, rounds and fines are not; a dividend per share is a result. Everything else is a
 * deal's own money (a raise, a price, a contract, an investment, a fine, a valuation). */
enum enrich_amount_kind {
    ENRICH_AMOUNT_DEAL = 0,
    ENRICH_AMOUNT_REVENUE = 1,
    ENRICH_AMOUNT_RESULT = 2,
    ENRICH_AMOUNT_UNIT = 3,
    ENRICH_AMOUNT_EARLIER = 4,   /* an earlier round named beside this one: context */
};

/* Scans l[0..len) (folded, lower-cased) for amounts. `lang` ("fr", "en", NULL) decides how
 * ambiguous separators read. Writes at most `max` amounts, returns how many. */
size_t enrich_amounts_scan(const char *l, size_t len, const char *lang,
                           struct enrich_amount *out, size_t max);

#endif
