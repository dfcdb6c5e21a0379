/* websub_link — WebSub discovery from an HTTP Link header (RFC 8288; W3C WebSub §4):
 * `Link: <https://hub.example/>; rel="hub", </feed.xml>; rel="self"`. */
#ifndef VG_WEBSUB_LINK_H
#define VG_WEBSUB_LINK_H

/* Reads the first rel="hub" and the first rel="self" target of `value` (several Link headers
 * joined by ", " are one value), resolved against `base` (the URL the response came from).
 * *hub and *self are new strings (vg_free) or NULL when the header names none (or out of
 * memory). Never fails otherwise: what does not parse is skipped. */
void websub_link_parse(const char *value, const char *base, char **hub, char **self);

#endif
