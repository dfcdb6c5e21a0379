/* console_link — links to the web console's pages ([console] public_url), for the messages
 * and notes the sinks write: "<public_url>/ui/accounts/<id>" and "<public_url>/ui/signals/<id>",
 * the id percent-encoded as one path segment (what daemon/console_account.c decodes). */
#ifndef CONSOLE_LINK_H
#define CONSOLE_LINK_H

/* 1 when url starts with http:// or https:// (any case), has a host, and holds only printable
 * ASCII without blanks, quotes, < > \ ` | { } ^ (what a message's markup would end a link at):
 * the only console links vigie puts in a message, whatever a stored message or the
 * configuration says ([console] public_url is refused at load otherwise). */
int console_link_ok(const char *url);

/* "<base>/ui/<page>/<id>" (page "accounts" or "signals"; base's trailing slashes dropped),
 * a new string; NULL when base is NULL, empty or not an http(s) URL, when id is NULL or empty,
 * or out of memory. */
char *console_link(const char *base, const char *page, const char *id);

#endif
