/* sec_8k — what an SEC Form 8-K says, for the sec_edgar kind: the signal each item number
 * stands for, and the people a 5.02 filing ("Departure of Directors or Certain Officers;
 * Election of Directors; Appointment of Certain Officers") names, read from its text.
 *
 * Pure, bounded work on text the SEC's filers wrote: no regular expressions, a fixed number of
 * people, a cap on the text read. */
#ifndef FETCH_SEC_8K_H
#define FETCH_SEC_8K_H

#include <stddef.h>

/* What one 8-K item number becomes; NULL type: no signal (7.01, 8.01, 9.01, ...). */
struct sec_8k_item {
    const char *type;     /* a signal type of the rules: "leadership_change", "acquisition", ... */
    int priority;         /* 0: computed by enrich; else the signal's priority (1.03 is 100) */
    const char *what;     /* the event in words, for the evidence ("a bankruptcy or receivership") */
};

/* The mapping for `code` ("5.02"). 1.01 is a contract_win unless `hint` (words from the filing:
 * its description, its text) speaks of a partnership, collaboration, alliance or joint venture.
 * Returns 0 and fills *out, or -1 when the item gives no signal. */
int sec_8k_item_map(const char *code, const char *hint, struct sec_8k_item *out);

#define SEC_MAX_PEOPLE 10
#define SEC_MAX_NAME 128
#define SEC_MAX_ROLE 160
#define SEC_TEXT_MAX (256u * 1024u) /* bytes of the document's plain text read */

struct sec_person {
    char name[SEC_MAX_NAME];  /* "Jane A. Doe" */
    char role[SEC_MAX_ROLE];  /* "Chief Financial Officer", or "" when the text gave none */
    int departing;            /* 1: resigned, retired, departed; 0: appointed, elected, named */
};

/* The people `text` (plain text, UTF-8) says were appointed, elected or named, or who resigned,
 * retired or departed, in the order first met, each name once per direction; at most `max`.
 * Returns how many were written to out. */
size_t sec_8k_people(const char *text, size_t len, struct sec_person *out, size_t max);

#endif
