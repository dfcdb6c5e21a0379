/* slack_render — an alert message as a Slack Block Kit message (see slack_render.h).
 *
 * Slack's documentation this follows:
 * - Blocks: "You can include up to 50 blocks in each message"
 *   (https://docs.slack.dev/reference/block-kit/blocks).
 * - Text object: "The minimum length is 1 and maximum length is 3000 characters"; `verbatim`
 *   true: URLs are not auto-converted into links, conversation names not link-ified, mentions
 *   not parsed (https://docs.slack.dev/reference/block-kit/composition-objects/text-object).
 *   Section: text at most 3000 characters; at most 10 fields of at most 2000
 *   (https://docs.slack.dev/reference/block-kit/blocks/section-block).
 * - Header: plain_text, "Maximum length for the text in this field is 150 characters"
 *   (https://docs.slack.dev/reference/block-kit/blocks/header-block).
 * - Context: at most 10 elements (https://docs.slack.dev/reference/block-kit/blocks/context-block).
 * - Escaping: "Slack uses &, <, and > as control characters for special parsing in text
 *   objects, so they must be converted to HTML entities" — and only those
 *   (https://docs.slack.dev/messaging/formatting-message-text#escaping). mrkdwn has no escape
 *   for its markers * _ ~ `, so those become look-alike characters.
 * - Message text: truncated past 40,000 characters
 *   (https://api.slack.com/changelog/2018-04-truncating-really-long-messages); the fallback
 *   is a notification line, kept to SLACK_FALLBACK_MAX.
 * - Not documented, but answered by chat.postMessage: msg_blocks_too_long for blocks of about
 *   13,000 characters in all (slackapi/bolt-js issue 2509): the blocks' text is held to
 *   SLACK_BLOCKS_TEXT_MAX.
 * Slack counts characters as JavaScript does (UTF-16 code units); so does this file. */
#include "sinks/slack_render.h"

#include "sinks/console_link.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_utf8.h"

/* ---- making web text inert ----------------------------------------------------------------- */

static size_t cp_units(int32_t cp) { return cp >= 0x10000 ? 2 : 1; }

size_t slack_text_units(const char *s)
{
    size_t n = 0, len = s ? strlen(s) : 0;
    const unsigned char *p = (const unsigned char *)s;
    while (len > 0) {
        int32_t cp;
        size_t k = vg_utf8_next(p, len, &cp);
        n += cp < 0 ? 1 : cp_units(cp);
        p += k;
        len -= k;
    }
    return n;
}

/* Characters that only steer how text is shown (zero-width, bidirectional overrides): a
 * hostile title could hide or reorder what follows, or split "@channel" invisibly. */
static int invisible(int32_t cp)
{
    return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF || cp == 0x180E;
}

/* Line breaks and control characters: a field is one line of the message. */
static int blank(int32_t cp)
{
    return cp == ' ' || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

/* The text as one line of valid UTF-8: invalid bytes U+FFFD, control characters and line breaks
 * one space (runs collapsed, ends trimmed), invisible characters dropped. */
static char *one_line(const char *s)
{
    size_t len = strlen(s);
    char *out = vg_malloc(len * 3 + 1); /* an invalid byte (1) becomes U+FFFD (3) */
    if (!out)
        return NULL;
    size_t o = 0;
    int space = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (len > 0) {
        int32_t cp;
        size_t k = vg_utf8_next(p, len, &cp);
        p += k;
        len -= k;
        if (cp < 0)
            cp = 0xFFFD;
        if (invisible(cp))
            continue;
        if (blank(cp)) {
            space = o > 0;
            continue;
        }
        if (space)
            out[o++] = ' ';
        space = 0;
        o += vg_utf8_put(cp, out + o);
    }
    out[o] = '\0';
    return out;
}

/* "@channel", "@here", "@everyone" at s (after the '@'), case-insensitive, as a whole word. */
static int broadcast_word(const char *s)
{
    static const char *const words[] = {"channel", "here", "everyone", NULL};
    for (size_t i = 0; words[i]; i++) {
        size_t n = strlen(words[i]);
        if (strncasecmp(s, words[i], n) == 0 && !isalnum((unsigned char)s[n]))
            return 1;
    }
    return 0;
}

size_t slack_escape(struct vg_buf *out, const char *s, enum slack_text_kind kind, size_t max_units)
{
    if (!s || !*s || max_units == 0)
        return 0;
    char *line = one_line(s);
    if (!line) {
        out->failed = 1;
        return 0;
    }
    struct vg_buf tmp;
    vg_buf_init(&tmp, 0);
    size_t units = 0, cut_len = 0, cut_units = 0;
    const size_t keep = max_units - 1; /* room for the ellipsis of a cut */
    size_t len = strlen(line);
    const unsigned char *p = (const unsigned char *)line;
    while (len > 0) {
        int32_t cp;
        size_t k = vg_utf8_next(p, len, &cp);
        char piece[16];
        size_t plen = 0, pu = 1;
        const char *ent = NULL;
        switch (cp) {
        case '&': ent = "&amp;"; break;
        case '<': ent = "&lt;"; break;
        case '>': ent = "&gt;"; break;
        default: break;
        }
        if (ent) {
            plen = strlen(ent);
            memcpy(piece, ent, plen);
            pu = plen;
        } else if (kind == SLACK_MRKDWN && (cp == '*' || cp == '_' || cp == '~' || cp == '`')) {
            /* mrkdwn has no escape: ∗ (U+2217), ˍ (U+02CD), ∼ (U+223C), ˋ (U+02CB) read the same */
            int32_t alike = cp == '*' ? 0x2217 : cp == '_' ? 0x02CD : cp == '~' ? 0x223C : 0x02CB;
            plen = vg_utf8_put(alike, piece);
        } else if (cp == '@' && broadcast_word((const char *)p + 1)) {
            piece[0] = '@';
            plen = 1 + vg_utf8_put(0x2060, piece + 1); /* a word joiner: no longer the keyword */
            pu = 2;
        } else {
            memcpy(piece, p, k);
            plen = k;
            pu = cp_units(cp);
        }
        if (units + pu <= keep) {
            cut_len = tmp.len + plen;
            cut_units = units + pu;
        }
        vg_buf_append(&tmp, piece, plen);
        units += pu;
        p += k;
        len -= k;
    }
    vg_free(line);
    size_t added;
    if (vg_buf_check(&tmp) < 0) {
        out->failed = 1;
        added = 0;
    } else if (units <= max_units) {
        vg_buf_append(out, tmp.data, tmp.len);
        added = units;
    } else {
        while (cut_len > 0 && tmp.data[cut_len - 1] == ' ') {
            cut_len--;
            cut_units--;
        }
        vg_buf_append(out, tmp.data, cut_len);
        vg_buf_puts(out, "\xE2\x80\xA6"); /* … */
        added = cut_units + 1;
    }
    vg_buf_free(&tmp);
    return added;
}

/* ---- reading the message ------------------------------------------------------------------- */

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

static double num(const cJSON *o, const char *key, double def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : def;
}

static int nonempty(const char *s) { return s && *s; }

/* ---- text with a budget -------------------------------------------------------------------- */

/* A text object's text being written: what it holds and how much it may still take. */
struct mtext {
    struct vg_buf b;
    size_t units, max;
    enum slack_text_kind kind;
};

static void mt_init(struct mtext *m, size_t max, enum slack_text_kind kind)
{
    vg_buf_init(&m->b, 0);
    m->units = 0;
    m->max = max;
    m->kind = kind;
}

/* Our own words (no web text in them). 0, or -1 when they do not fit (nothing written). */
static int mt_raw(struct mtext *m, const char *s)
{
    size_t u = slack_text_units(s);
    if (m->units + u > m->max)
        return -1;
    vg_buf_puts(&m->b, s);
    m->units += u;
    return 0;
}

static int mt_rawf(struct mtext *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int mt_rawf(struct mtext *m, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    return mt_raw(m, tmp);
}

/* Characters m may still take, less `reserve` (for what must follow). */
static size_t mt_room(const struct mtext *m, size_t reserve)
{
    return m->max - m->units > reserve ? m->max - m->units - reserve : 0;
}

/* Web text, at most cap characters of what is left. */
static void mt_web(struct mtext *m, const char *s, size_t cap)
{
    size_t room = mt_room(m, 0);
    if (cap > room)
        cap = room;
    m->units += slack_escape(&m->b, s, m->kind, cap);
}

/* A link <url|label> to an http(s) URL from the web, whole or not at all: what would end the
 * link or start another (< > |, blanks, quotes) is percent-encoded, & is an entity. The label
 * is web text too. 0, or -1 when the URL is not http(s) or does not fit. */
static int mt_link(struct mtext *m, const char *url, const char *label, size_t label_cap)
{
    if (!url || (strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0))
        return -1;
    struct vg_buf u;
    vg_buf_init(&u, 0);
    for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
        if (*p <= 0x20 || *p >= 0x7F || strchr("<>|\"`\\^{}", *p))
            vg_buf_printf(&u, "%%%02X", *p);
        else if (*p == '&')
            vg_buf_puts(&u, "&amp;");
        else
            vg_buf_putc(&u, (char)*p);
    }
    /* the link's own characters: "<", "|", ">" and at least a few of the label's */
    if (vg_buf_check(&u) < 0 || m->units + u.len + 3 + 8 > m->max || u.len > 1800) {
        vg_buf_free(&u);
        return -1;
    }
    vg_buf_putc(&m->b, '<');
    vg_buf_append(&m->b, u.data, u.len);
    vg_buf_putc(&m->b, '|');
    m->units += u.len + 3;
    vg_buf_free(&u);
    size_t before = m->units;
    mt_web(m, nonempty(label) ? label : "link", label_cap > 1 ? label_cap - 1 : 1);
    if (m->units == before)
        mt_raw(m, "link");
    vg_buf_putc(&m->b, '>'); /* counted above */
    return 0;
}

/* ---- building blocks ----------------------------------------------------------------------- */

static cJSON *text_obj(const char *type, const char *text)
{
    cJSON *t = cJSON_CreateObject();
    if (!t)
        return NULL;
    cJSON_AddStringToObject(t, "type", type);
    cJSON_AddStringToObject(t, "text", text);
    if (strcmp(type, "mrkdwn") == 0)
        cJSON_AddTrueToObject(t, "verbatim"); /* no auto-linking of names and URLs from the web */
    else
        cJSON_AddTrueToObject(t, "emoji");
    return t;
}

/* The text of m as a text object (NULL when empty: Slack refuses an empty text). */
static cJSON *mt_obj(struct mtext *m)
{
    if (vg_buf_check(&m->b) < 0 || m->units == 0)
        return NULL;
    return text_obj(m->kind == SLACK_MRKDWN ? "mrkdwn" : "plain_text", m->b.data);
}

/* "leadership_change" → "Leadership change" (a rule's name, read as words). */
static void type_label(const char *type, char *out, size_t n)
{
    snprintf(out, n, "%s", nonempty(type) ? type : "signal");
    for (char *c = out; *c; c++)
        if (*c == '_' || *c == '-')
            *c = ' ';
    out[0] = (char)toupper((unsigned char)out[0]);
}

/* 20000000 → "20M", 1500000 → "1.5M", 2500 → "2,500". */
static void amount_text(double v, char *out, size_t n)
{
    double a = fabs(v);
    const char *unit = a >= 1e9 ? "B" : a >= 1e6 ? "M" : NULL;
    if (unit) {
        double x = v / (a >= 1e9 ? 1e9 : 1e6);
        snprintf(out, n, fabs(x - round(x)) < 0.05 ? "%.0f%s" : "%.1f%s", x, unit);
        return;
    }
    long long i = llround(v);
    char digits[32];
    snprintf(digits, sizeof digits, "%lld", i < 0 ? -i : i);
    size_t d = strlen(digits), o = 0;
    if (i < 0 && o + 1 < n)
        out[o++] = '-';
    for (size_t k = 0; k < d && o + 2 < n; k++) {
        if (k > 0 && (d - k) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[k];
    }
    out[o] = '\0';
}

static const char *badge(int priority)
{
    return priority >= 80 ? "\xF0\x9F\x94\xB4" : priority >= 60 ? "\xF0\x9F\x9F\xA0" : "\xF0\x9F\x9F\xA1"; /* 🔴 🟠 🟡 */
}

/* A Slack user id (U…, W…) from the account record: the owner is mentioned by it. */
static int slack_user_id(const char *s)
{
    if (!s || (s[0] != 'U' && s[0] != 'W') || strlen(s) < 3 || strlen(s) > 20)
        return 0;
    for (const char *c = s + 1; *c; c++)
        if (!isupper((unsigned char)*c) && !isdigit((unsigned char)*c))
            return 0;
    return 1;
}

/* One signal's section: what happened, how sure, who and how much, where it was read. */
static cJSON *signal_section(const cJSON *sig, const char *console, int changed, size_t max, size_t *units)
{
    struct mtext m;
    mt_init(&m, max, SLACK_MRKDWN);
    char label[64];
    type_label(str(sig, "type"), label, sizeof label);
    int prio = (int)num(sig, "priority", 0);
    int sources = (int)num(sig, "sources", 1);
    if (sources < 1)
        sources = 1;
    mt_rawf(&m, "%s *", badge(prio));
    mt_web(&m, label, 60);
    mt_rawf(&m, "* \xC2\xB7 priority %d \xC2\xB7 %d source%s%s", prio, sources, sources == 1 ? "" : "s",
            changed ? " \xC2\xB7 _updated_" : "");

    const char *evidence = str(sig, "evidence");
    const char *title = str(sig, "title");
    if ((nonempty(evidence) || nonempty(title)) && mt_room(&m, 0) > 10 && mt_raw(&m, "\n\xE2\x80\x9C") == 0) {
        size_t cap = mt_room(&m, 1); /* “the sentence” (quotes ours) */
        mt_web(&m, nonempty(evidence) ? evidence : title, cap < 700 ? cap : 700);
        mt_raw(&m, "\xE2\x80\x9D");
    }

    const cJSON *amounts = cJSON_GetObjectItemCaseSensitive(sig, "amounts");
    int shown = 0, n_amounts = cJSON_GetArraySize(amounts);
    const cJSON *a;
    cJSON_ArrayForEach(a, amounts)
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, "value");
        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || shown == 4)
            continue;
        char amt[48];
        amount_text(v->valuedouble, amt, sizeof amt);
        if (mt_raw(&m, shown ? " \xC2\xB7 " : "\n*Amounts:* ") < 0 || mt_raw(&m, amt) < 0)
            break;
        if (nonempty(str(a, "currency"))) {
            mt_raw(&m, " ");
            mt_web(&m, str(a, "currency"), 16);
        }
        shown++;
    }
    if (shown && n_amounts > shown)
        mt_rawf(&m, " \xC2\xB7 +%d more", n_amounts - shown);

    const cJSON *people = cJSON_GetObjectItemCaseSensitive(sig, "people");
    int n_people = cJSON_GetArraySize(people);
    shown = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, people)
    {
        const char *name = str(p, "name");
        if (!nonempty(name) || shown == 4)
            continue;
        if (mt_raw(&m, shown ? " \xC2\xB7 " : "\n*People:* ") < 0)
            break;
        mt_web(&m, name, 80);
        const char *role = nonempty(str(p, "role_norm")) ? str(p, "role_norm") : str(p, "role");
        int leaving = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "departing"));
        if (nonempty(role) || leaving) {
            mt_raw(&m, " (");
            if (nonempty(role))
                mt_web(&m, role, 60);
            mt_raw(&m, leaving ? (nonempty(role) ? ", leaving)" : "leaving)") : ")");
        }
        shown++;
    }
    if (shown && n_people > shown)
        mt_rawf(&m, " \xC2\xB7 +%d more", n_people - shown);

    const char *url = str(sig, "url");
    if (nonempty(url) || nonempty(title)) {
        if (mt_raw(&m, "\n*Source:* ") == 0 && mt_link(&m, url, title, 200) < 0)
            mt_web(&m, nonempty(title) ? title : "(no link)", 200);
    }
    /* The signal's page in the console, when [console] public_url is set (console_link.h). */
    char *page = console_link(console, "signals", str(sig, "id"));
    if (page && mt_room(&m, 0) > strlen(page) + 40 && mt_raw(&m, "\n") == 0)
        mt_link(&m, page, "Open in vigie", 20);
    vg_free(page);

    cJSON *text = mt_obj(&m);
    *units = m.units;
    vg_buf_free(&m.b);
    if (!text)
        return NULL;
    cJSON *block = cJSON_CreateObject();
    if (!block) {
        cJSON_Delete(text);
        return NULL;
    }
    cJSON_AddStringToObject(block, "type", "section");
    cJSON_AddItemToObject(block, "text", text);
    return block;
}

/* A field of the summary: "*Label*\n<web text>" (or our own text when web is NULL). */
static int add_field(cJSON *fields, const char *label, const char *web, const char *own, size_t *spent)
{
    struct mtext m;
    mt_init(&m, SLACK_FIELD_MAX, SLACK_MRKDWN);
    mt_rawf(&m, "*%s*\n", label);
    if (own)
        mt_raw(&m, own);
    else
        mt_web(&m, nonempty(web) ? web : "-", 300);
    cJSON *t = mt_obj(&m);
    *spent += m.units;
    vg_buf_free(&m.b);
    if (!t)
        return -1;
    cJSON_AddItemToArray(fields, t);
    return 0;
}

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

cJSON *slack_render(const cJSON *alert, char *err, size_t errlen)
{
    if (!cJSON_IsObject(alert)) {
        set_err(err, errlen, "the alert message is not a JSON object");
        return NULL;
    }
    const char *kind = str(alert, "kind");
    if (!kind || (strcmp(kind, "alert") != 0 && strcmp(kind, "update") != 0)) {
        set_err(err, errlen, "not an alert for Slack (kind is neither \"alert\" nor \"update\")");
        return NULL;
    }
    int update = strcmp(kind, "update") == 0;
    const cJSON *account = cJSON_GetObjectItemCaseSensitive(alert, "account");
    const cJSON *signals = cJSON_GetObjectItemCaseSensitive(alert, "signals");
    int n = cJSON_GetArraySize(signals);
    if (!cJSON_IsObject(account) || !cJSON_IsArray(signals) || n == 0 ||
        !cJSON_IsObject(cJSON_GetArrayItem(signals, 0))) {
        set_err(err, errlen, "the alert message has no account or no signals");
        return NULL;
    }
    const char *acct_name = nonempty(str(account, "name")) ? str(account, "name") : str(account, "id");
    if (!nonempty(acct_name))
        acct_name = "(unnamed account)";
    const cJSON *top = cJSON_GetArrayItem(signals, 0);
    int priority = (int)num(alert, "priority", num(top, "priority", 0));
    char label[64];
    type_label(str(top, "type"), label, sizeof label);
    const char *changed_id = update ? str(alert, "signal_id") : NULL;

    cJSON *msg = cJSON_CreateObject();
    cJSON *blocks = msg ? cJSON_AddArrayToObject(msg, "blocks") : NULL;
    if (!blocks)
        goto oom;
    size_t spent = 0; /* characters over all blocks */

    /* Fallback text: what a notification shows. */
    {
        struct mtext m;
        mt_init(&m, SLACK_FALLBACK_MAX, SLACK_MRKDWN);
        if (update)
            mt_raw(&m, "Updated: ");
        mt_web(&m, acct_name, 80);
        mt_raw(&m, ": ");
        mt_web(&m, label, 60);
        mt_rawf(&m, ", priority %d", priority);
        if (nonempty(str(top, "title"))) {
            mt_raw(&m, ": ");
            mt_web(&m, str(top, "title"), 160);
        }
        if (n > 1)
            mt_rawf(&m, " (+%d more)", n - 1);
        int ok = vg_buf_check(&m.b) == 0 && cJSON_AddStringToObject(msg, "text", m.b.data);
        vg_buf_free(&m.b);
        if (!ok)
            goto oom;
    }

    /* Header: the account and what happened. */
    {
        struct mtext m;
        mt_init(&m, SLACK_HEADER_MAX, SLACK_PLAIN);
        mt_web(&m, acct_name, 100);
        if (n == 1) {
            mt_raw(&m, ": ");
            mt_web(&m, label, 48);
        } else {
            mt_rawf(&m, ": %d signals", n);
        }
        cJSON *t = mt_obj(&m);
        spent += m.units;
        vg_buf_free(&m.b);
        cJSON *h = cJSON_CreateObject();
        if (!t || !h) {
            cJSON_Delete(t);
            cJSON_Delete(h);
            goto oom;
        }
        cJSON_AddStringToObject(h, "type", "header");
        cJSON_AddItemToObject(h, "text", t);
        cJSON_AddItemToArray(blocks, h);
    }

    /* Summary: account, priority, owner, how many signals. */
    {
        cJSON *s = cJSON_CreateObject();
        cJSON *fields = s ? cJSON_AddArrayToObject(s, "fields") : NULL;
        if (!fields) {
            cJSON_Delete(s);
            goto oom;
        }
        cJSON_AddStringToObject(s, "type", "section");
        cJSON_AddItemToArray(blocks, s);
        const char *tier = str(account, "tier");
        struct mtext m;
        mt_init(&m, SLACK_FIELD_MAX, SLACK_MRKDWN);
        mt_raw(&m, "*Account*\n");
        mt_web(&m, acct_name, 200);
        if (nonempty(tier)) {
            mt_raw(&m, " \xC2\xB7 ");
            mt_web(&m, tier, 20);
            mt_raw(&m, " account");
        }
        cJSON *t = mt_obj(&m);
        spent += m.units;
        vg_buf_free(&m.b);
        if (!t)
            goto oom;
        cJSON_AddItemToArray(fields, t);

        char prio[64];
        snprintf(prio, sizeof prio, "%s %d", badge(priority), priority);
        if (add_field(fields, "Priority", NULL, prio, &spent) < 0)
            goto oom;

        const cJSON *owner = cJSON_GetObjectItemCaseSensitive(alert, "owner");
        const char *slack = str(owner, "slack");
        char mention[32];
        int rc;
        if (slack_user_id(slack)) {
            snprintf(mention, sizeof mention, "<@%s>", slack); /* the account record's, not the web's */
            rc = add_field(fields, "Owner", NULL, mention, &spent);
        } else {
            const char *who = nonempty(str(owner, "name"))    ? str(owner, "name")
                              : nonempty(str(owner, "email")) ? str(owner, "email")
                                                              : str(account, "owner");
            rc = add_field(fields, "Owner", who, NULL, &spent);
        }
        if (rc < 0)
            goto oom;
        char count[32];
        snprintf(count, sizeof count, "%d", n);
        if (add_field(fields, "Signals", NULL, count, &spent) < 0)
            goto oom;
    }

    cJSON *divider = cJSON_CreateObject();
    if (!divider)
        goto oom;
    cJSON_AddStringToObject(divider, "type", "divider");
    cJSON_AddItemToArray(blocks, divider);

    /* The signals, highest priority first (the router's order), as many as the limits let in:
     * the footer needs a block of its own and the characters of its two lines. */
    const char *console = str(account, "console_base");
    const char *acct_url = str(account, "console_url");
    const size_t footer_blocks = 1, footer_units = console_link_ok(acct_url) ? 1000 : 600;
    int shown = 0;
    const cJSON *sig;
    cJSON_ArrayForEach(sig, signals)
    {
        if (shown == SLACK_SHOW_MAX || (size_t)cJSON_GetArraySize(blocks) + footer_blocks >= SLACK_MAX_BLOCKS)
            break;
        size_t left = SLACK_BLOCKS_TEXT_MAX - spent - footer_units;
        if (spent + footer_units >= SLACK_BLOCKS_TEXT_MAX || left < 200)
            break;
        if (!cJSON_IsObject(sig))
            continue;
        int changed = changed_id && nonempty(str(sig, "id")) && strcmp(changed_id, str(sig, "id")) == 0;
        size_t units = 0;
        cJSON *b = signal_section(sig, console, changed, left < SLACK_TEXT_MAX ? left : SLACK_TEXT_MAX, &units);
        if (!b)
            goto oom;
        spent += units;
        cJSON_AddItemToArray(blocks, b);
        shown++;
    }

    /* Footer: what was left out, and where the alert comes from. */
    {
        cJSON *ctx = cJSON_CreateObject();
        cJSON *els = ctx ? cJSON_AddArrayToObject(ctx, "elements") : NULL;
        if (!els) {
            cJSON_Delete(ctx);
            goto oom;
        }
        cJSON_AddStringToObject(ctx, "type", "context");
        cJSON_AddItemToArray(blocks, ctx);
        char line[128];
        if (n > shown) {
            snprintf(line, sizeof line, "*%d more signal%s* of lower priority not shown", n - shown,
                     n - shown == 1 ? "" : "s");
            cJSON_AddItemToArray(els, text_obj("mrkdwn", line));
        }
        if (console_link_ok(acct_url)) { /* the account's page in the console */
            struct mtext m;
            mt_init(&m, 400, SLACK_MRKDWN);
            cJSON *t = mt_link(&m, acct_url, "Open the account in vigie", 40) == 0 ? mt_obj(&m) : NULL;
            vg_buf_free(&m.b);
            if (t)
                cJSON_AddItemToArray(els, t);
        }
        struct mtext m;
        mt_init(&m, 400, SLACK_PLAIN);
        mt_raw(&m, update ? "vigie \xC2\xB7 updated: one more source told a story here" : "vigie");
        if (nonempty(str(alert, "receiver"))) {
            mt_raw(&m, " \xC2\xB7 receiver ");
            mt_web(&m, str(alert, "receiver"), 60);
        }
        if (nonempty(str(alert, "route"))) {
            mt_raw(&m, " \xC2\xB7 route ");
            mt_web(&m, str(alert, "route"), 60);
        }
        if (nonempty(str(alert, "created"))) {
            mt_raw(&m, " \xC2\xB7 ");
            mt_web(&m, str(alert, "created"), 40);
        }
        cJSON *t = mt_obj(&m);
        vg_buf_free(&m.b);
        if (!t)
            goto oom;
        cJSON_AddItemToArray(els, t);
    }
    return msg;
oom:
    cJSON_Delete(msg);
    set_err(err, errlen, "out of memory rendering the Slack message");
    return NULL;
}
