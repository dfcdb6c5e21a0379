/* teams_render — an alert message (docs/design.md "Alert messages") as the request a Microsoft
 * Teams Workflows webhook takes: the message envelope with one Adaptive Card attachment
 * (REFERENCE.md B.6, Microsoft's "Send Adaptive Cards using an incoming webhook"):
 *
 *   {"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive",
 *     "contentUrl":null,"content":{"$schema":"http://adaptivecards.io/schemas/adaptive-card.json",
 *     "type":"AdaptiveCard","version":"1.2","body":[...]}}]}
 *
 * Card version 1.2: the version of Microsoft's documented webhook example, which every Teams
 * client renders (mobile included); the card needs nothing newer (TextBlock, FactSet,
 * Container styles and ActionSet with Action.OpenUrl are all 1.2).
 *
 * The card: the account and the top signal's type, its priority, tier and counts; per signal
 * (highest priority first) its type and priority, title, evidence, amounts, people, sources
 * count and date, and an Action.OpenUrl to the article; the owner and route at the foot.
 *
 * Text from the web is made inert for TextBlock's markdown subset (teams_text). The whole
 * request is kept within max_size bytes (Teams documents 28 KB for a message; Workflows
 * answers "Request Entity too large" above it): lower-priority signals are left out for a
 * "N more signals" line until it fits; a single signal too big has its evidence cut. */
#ifndef TEAMS_RENDER_H
#define TEAMS_RENDER_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/vg_buf.h"

#define TEAMS_CARD_VERSION "1.2"
/* Signals shown in one card at most; the others are counted in the "N more" line. */
#define TEAMS_MAX_SHOWN 10

/* Appends s (len bytes, text from outside) to out as one line that TextBlock's markdown shows
 * as written: control characters and line breaks become spaces, invalid UTF-8 U+FFFD, and the
 * characters markdown acts on (* _ ~ ` [ ] # and a line's leading - + > or "1.") are replaced
 * by look-alikes it does not act on. At most max_chars characters are taken; a longer text
 * ends with "…". */
void teams_text(struct vg_buf *out, const char *s, size_t len, size_t max_chars);

/* The request body for an alert message, at most max_size bytes: a new string (vg_free),
 * *len its length, *shown the signals it shows. NULL with err when the message has no account
 * or signals, or cannot fit. */
char *teams_render(const cJSON *alert, size_t max_size, size_t *len, size_t *shown, char *err, size_t errlen);

#endif
