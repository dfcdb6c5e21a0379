/* account_owner — the grammars of an account owner's alert fields (owner_email, owner_slack,
 * owner_timezone, owner_digest; see account.h). The alerts configuration takes the same
 * values ([receiver.NAME] email, [alerts] timezone and digest), so both read them here. */
#include "enrich/account.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A value with a control character is not echoed in the message: a CR or an escape sequence
 * would reach the user's terminal or the log as it is. */
static int has_control(const char *v, char *why, size_t whylen)
{
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            snprintf(why, whylen, "holds a control character (a line break?)");
            return 1;
        }
    return 0;
}

int enrich_email_check(const char *v, char *why, size_t whylen)
{
    size_t n = strlen(v);
    const char *at = strchr(v, '@');
    if (has_control(v, why, whylen))
        return -1;
    if (n > 254) {
        snprintf(why, whylen, "address longer than 254 bytes");
        return -1;
    }
    for (const char *p = v; *p; p++) {
        unsigned char c = (unsigned char)*p;
        /* A CR or LF would let the value add a header to an e-mail; a comma another recipient. */
        if (c == ' ' || c == '\t' || strchr(",;<>\"()", c)) {
            snprintf(why, whylen, "'%.80s' is not one e-mail address (it holds %s)", v,
                     c == ' ' || c == '\t' ? "a blank" : "one of ,;<>\"()");
            return -1;
        }
    }
    if (!at || at == v || !at[1] || strchr(at + 1, '@')) {
        snprintf(why, whylen, "'%.80s' is not an e-mail address (name@domain)", v);
        return -1;
    }
    return 0;
}

int enrich_slack_id_check(const char *v, char *why, size_t whylen)
{
    size_t n = strlen(v);
    if (has_control(v, why, whylen))
        return -1;
    int ok = n >= 7 && n <= 21 && strchr("CGDUW", v[0]);
    for (size_t i = 1; ok && i < n; i++)
        ok = isupper((unsigned char)v[i]) || isdigit((unsigned char)v[i]);
    if (!ok) {
        snprintf(why, whylen, "'%.80s' is not a Slack id (C0123ABC for a channel, U0123ABC for a user)", v);
        return -1;
    }
    return 0;
}

int enrich_timezone_check(const char *v, char *why, size_t whylen)
{
    size_t n = strlen(v);
    if (has_control(v, why, whylen))
        return -1;
    int ok = n > 0 && n <= 64 && v[0] != '/' && !strstr(v, "..") && !strstr(v, "//") && v[n - 1] != '/';
    for (const char *p = v; ok && *p; p++)
        ok = isalnum((unsigned char)*p) || strchr("_+-/", *p);
    if (!ok) {
        snprintf(why, whylen, "'%.80s' is not a time zone name (Europe/Paris, America/New_York, UTC)", v);
        return -1;
    }
    return 0;
}
