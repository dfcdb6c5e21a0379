/* slack_render — an alert message (docs/design.md "Alert messages", kinds `alert` and
 * `update`) as the body of a Slack message: Block Kit blocks (a header, the account's summary,
 * one section per signal, a footer) and the fallback `text` Slack shows in notifications.
 *
 * Every piece of text that came from the web (titles, evidence, names, amounts, URLs) is made
 * inert: Slack's control characters &, < and > become entities (so `<!channel>`, `<@U…>`,
 * `<#C…>`, `<!date…>` and links are only ever text), bare @channel/@here/@everyone get a word
 * joiner, mrkdwn's markers (* _ ~ `) become look-alike characters, control characters and
 * line breaks become spaces, and mrkdwn sections are `verbatim` (no auto-linking). Slack's
 * documented limits are kept (slack_render.c cites them): 50 blocks, 3000 characters of
 * section text, 150 of header; a group with more signals than fit shows its top ones and
 * "N more".
 *
 * Pure: no I/O, no clock; the unit tests (tests/alerts/test_slack_render.c) drive it alone. */
#ifndef SLACK_RENDER_H
#define SLACK_RENDER_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct vg_buf;

/* Slack's limits, in characters as Slack counts them (UTF-16 code units: an emoji counts 2). */
#define SLACK_MAX_BLOCKS 50      /* blocks in one message */
#define SLACK_TEXT_MAX 3000      /* a text object, a section's text */
#define SLACK_FIELD_MAX 2000     /* one of a section's fields */
#define SLACK_HEADER_MAX 150     /* a header block's text */
#define SLACK_CONTEXT_MAX 10     /* elements of a context block */
/* Ours: the fallback text is a notification line, and what one message shows at most. */
#define SLACK_FALLBACK_MAX 300
#define SLACK_SHOW_MAX 10        /* signal sections in one message */
#define SLACK_BLOCKS_TEXT_MAX 12000 /* characters over all blocks (see slack_render.c) */

enum slack_text_kind {
    SLACK_PLAIN,  /* for a plain_text object: entities and mentions made inert */
    SLACK_MRKDWN, /* for mrkdwn: also the formatting markers */
};

/* Appends the web text s to out, made inert for a text object of that kind, cut to at most
 * max_units characters (UTF-16 code units; a cut ends with "…" and never splits a character
 * or an entity). Returns the units appended. Invalid UTF-8 becomes U+FFFD. */
size_t slack_escape(struct vg_buf *out, const char *s, enum slack_text_kind kind, size_t max_units);

/* Characters of s as Slack counts them (UTF-16 code units). */
size_t slack_text_units(const char *s);

/* The Slack message for an alert message: a new JSON object {"text": ..., "blocks": [...]}
 * (the caller adds channel, ts... and frees it with cJSON_Delete). NULL with err when the
 * message is not one Slack shows (a digest, no account, no signals) or out of memory. */
cJSON *slack_render(const cJSON *alert, char *err, size_t errlen);

#endif
