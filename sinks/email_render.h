/* email_render — what an alert e-mail and an owner's digest say: subject, text body and HTML
 * body from an alert message of the stream alerts:email (docs/design.md "Alert messages").
 * Pure: JSON in, text out; email_mime.h makes the e-mail of it.
 *
 *   alert   one account's group: its signals highest priority first, each with its type,
 *           priority, evidence, amounts, people, link and sources count.
 *   digest  an owner's period: the items grouped by account, the accounts ordered by their
 *           highest priority, the signals highest priority first, each with why it was folded
 *           into the digest; per account an activity strip of its 12 weekly counts (HTML table
 *           cells with bgcolor and height, which Gmail and Outlook keep; a sparkline in text).
 *   report  the scheduled review: subject, text and HTML given by the message.
 *
 * Everything that came from the web (titles, evidence, names, links) is HTML-escaped in the
 * HTML body and stripped of control and bidirectional-override characters in both; a link is
 * made a link only when it is http(s). `vigie alerts preview --owner X --digest` uses
 * email_render_digest to show a digest without sending it. */
#ifndef SINKS_EMAIL_RENDER_H
#define SINKS_EMAIL_RENDER_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct email_rendered {
    char *subject; /* one line, UTF-8 */
    char *text;    /* LF line ends */
    char *html;    /* a whole document */
};

struct email_render_opts {
    const char *unsubscribe; /* the List-Unsubscribe URL, shown in the footer; NULL: none */
};

/* The message of kind "alert" / "digest" rendered into out (caller frees with
 * email_rendered_free). 0, or -1 with err (not such a message, out of memory). opts may be
 * NULL. */
int email_render_alert(const cJSON *alert, const struct email_render_opts *opts, struct email_rendered *out,
                       char *err, size_t errlen);
int email_render_digest(const cJSON *digest, const struct email_render_opts *opts, struct email_rendered *out,
                        char *err, size_t errlen);
/* A message of kind "report" (the daemon's scheduled review, daemon/review_handoff.c) carries
 * its own subject, text and HTML (a self-contained page vigie made, escaped when it was made):
 * they are taken as they are (email_mime cleans the subject for its header). */
int email_render_report(const cJSON *report, struct email_rendered *out, char *err, size_t errlen);
/* Any of them, by the message's `kind`. */
int email_render(const cJSON *msg, const struct email_render_opts *opts, struct email_rendered *out, char *err,
                 size_t errlen);
void email_rendered_free(struct email_rendered *r);

#endif
