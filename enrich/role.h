/* role — what each account named in an item is to the story: its subject, a counterparty of
 * the deal, or only mentioned in passing (issue 18).
 *
 * Two steps. First every mention is read in its context, independent of any signal: a mention
 * is "in passing" when the words around it make the company a source, an opinion-giver or a
 * side note rather than an actor — a news agency credited for the story ("selon l'AFP",
 * "(Reuters)", ", Bloomberg News reported"), a broker or analyst's view ("analysts at X",
 * "X raised its price target", "cut to Underweight at X"), a company named as a former owner
 * or employer, a parent in apposition, a rival, an alternative, an adviser or a reference
 * client ("ex-", "who has led X", "a unit of X,", "rival", "plutôt qu'X", "clients such as");
 * names listed together ("A, B and C") share their fate. Two weaker readings count only in a
 * story that is not a deal: a deal told as background ("depuis qu'elle a racheté X") and a
 * person's employer ("X's CEO", "to join X") are no party once another actor was named before
 * them. Then, for one signal, the accounts named other than in passing in the
 * title or in a sentence that tells the signal (in a deal, also where the [parties] rules name
 * them) are those the story is about: the first one named is the subject, the others
 * counterparties (or subjects too when they are coordinated with it in a story that is not a
 * deal: "X et Y démentent ..."); a deal that names only its subject there takes the other side
 * from the body's lead sentence. Accounts named only elsewhere in the body, or only in passing,
 * are mentioned. When neither the title nor those sentences name an account other than in
 * passing, the first sentence that does stands in for them (not for an item without a signal,
 * which speaks through its title alone). */
#ifndef ENRICH_ROLE_H
#define ENRICH_ROLE_H

#include "enrich/doc.h"

#include <stddef.h>

enum enrich_account_role {
    ENRICH_ROLE_NONE = 0,        /* no account */
    ENRICH_ROLE_SUBJECT,
    ENRICH_ROLE_COUNTERPARTY,
    ENRICH_ROLE_MENTIONED,
};

/* "subject", "counterparty", "mentioned", or NULL for ENRICH_ROLE_NONE. */
const char *enrich_role_name(enum enrich_account_role role);

/* One account mention as the role rule sees it. The caller fills account, ostart and oend
 * (offsets in d->orig), in text order; enrich_roles_read fills the rest. */
struct enrich_role_mention {
    size_t account;
    size_t ostart, oend;
    size_t start, end;     /* folded offsets */
    size_t sentence;       /* d->n_sent when outside every sentence */
    int in_title;
    int passing;           /* non-zero: named in passing (a source, an opinion, a side note) */
    int weak;              /* a person's employer, past or next ("X's CEO", "to join X", "hired
                            * from X"): in a story that is not a deal, not a party once another
                            * actor was named before it */
    int dealt;             /* named as the party of a deal ("a racheté X", "takeover of X"):
                            * in a story that is not a deal, as `weak` */
    int party;             /* set by the caller: the [parties] rules name it in a deal (a
                            * counterparty of a deal even outside the sentences that tell it) */
    size_t group;          /* mentions listed together ("A, B et C") share a group */
};

/* Reads the context of each mention (see above). */
void enrich_roles_read(const struct enrich_doc *d, struct enrich_role_mention *m, size_t n);

/* The role of each of the n_acc accounts (indexes into the account set, as in m[].account)
 * for a signal told by the sentences flagged in `told` (d->n_sent flags: the evidence and the
 * other sentences carrying the signal's type; NULL: none, the title alone speaks). `deal`: the
 * signal is a deal between parties (acquisition, partnership, contract, funding), where every
 * other account named with the subject is a counterparty. */
void enrich_roles_assign(const struct enrich_doc *d, const struct enrich_role_mention *m,
                         size_t n, const unsigned char *told, int deal, const size_t *accounts,
                         size_t n_acc, unsigned char *roles);

#endif
