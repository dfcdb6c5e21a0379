/* review_handoff — what the scheduled review hands to the sinks (docs/design.md "Scheduled
 * review"): the e-mail messages of kind `report` for alerts:email and the `review` record for
 * the outbox's stream reports, built from a computed review. Pure: no Redis, no log, so it
 * runs on the review's worker thread.
 *
 * [review] email lists addresses and/or `owners`: the addresses get one message with the whole
 * portfolio's report; `owners` gives each distinct owner_email of the reviewed accounts one
 * message with the report of the accounts that name it (accounts without owner_email are in
 * the whole report only). A message's HTML is review_html.c's self-contained page, its text a
 * summary with one line per account. */
#ifndef VG_REVIEW_HANDOFF_H
#define VG_REVIEW_HANDOFF_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct review_built;

struct review_handoff {
    char **emails;    /* message JSON texts for alerts:email */
    size_t n_emails;
    char *outbox;     /* the record for the stream reports, or NULL */
};

/* emails: [review] email; outbox: [review] outbox; id and period: the saved review's. 0, or -1
 * with err (out of memory, a write to memory failed). */
int review_handoff_build(const struct review_built *b, const char *emails, int outbox, long long id,
                         const char *period, struct review_handoff *out, char *err, size_t errlen);
void review_handoff_free(struct review_handoff *h);

/* Each entry of a [review] email list (trimmed, "" skipped): cb(arg, entry) until it returns
 * non-zero, which is returned; 0 when the list is done. */
int review_email_each(const char *list, int (*cb)(void *arg, const char *entry), void *arg);

#endif
