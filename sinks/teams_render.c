/* teams_render — an alert message as a Teams Workflows request with an Adaptive Card (see
 * teams_render.h). */
#include "sinks/teams_render.h"

#include "sinks/console_link.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/vg_alloc.h"
#include "util/vg_utf8.h"

/* Caps on what one field may take before the size fitting even starts: a card is read at a
 * glance, and a hostile record must not crowd out the others. */
#define CAP_NAME 120
#define CAP_TITLE 300
#define CAP_EVIDENCE 1500
#define CAP_PEOPLE 5
#define CAP_AMOUNTS 5
#define CAP_URL 2048
#define MIN_EVIDENCE 40

/* ---- text ---------------------------------------------------------------------------------- */

static int is_blank(int32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == ' ' || cp == 0xa0 || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x3000 || cp == 0xfeff;
}

/* The look-alike of a character TextBlock's markdown acts on anywhere in a line; 0 when the
 * character is inert. */
static int32_t inert(int32_t cp)
{
    switch (cp) {
    case '*': return 0x2217;  /* ASTERISK OPERATOR */
    case '_': return 0xff3f;  /* FULLWIDTH LOW LINE */
    case '~': return 0xff5e;  /* FULLWIDTH TILDE */
    case '`': return 0x02cb;  /* MODIFIER LETTER GRAVE ACCENT */
    case '[': return 0xff3b;  /* FULLWIDTH LEFT SQUARE BRACKET */
    case ']': return 0xff3d;
    case '#': return 0xff03;  /* FULLWIDTH NUMBER SIGN */
    case '\\': return 0xff3c; /* a backslash would escape what follows it */
    default: return 0;
    }
}

/* ... and of one that acts only at the start of a line (list item, quote). */
static int32_t inert_leading(int32_t cp)
{
    switch (cp) {
    case '-': return 0x2010;  /* HYPHEN */
    case '+': return 0xff0b;  /* FULLWIDTH PLUS SIGN */
    case '>': return 0xff1e;  /* FULLWIDTH GREATER-THAN SIGN */
    default: return 0;
    }
}

static void put_cp(struct vg_buf *out, int32_t cp)
{
    char u[4];
    vg_buf_append(out, u, vg_utf8_put(cp, u));
}

void teams_text(struct vg_buf *out, const char *s, size_t len, size_t max_chars)
{
    size_t chars = 0;
    int pending_space = 0, at_start = 1, lead_digits = 0, cut = 0;
    for (size_t i = 0; s && i < len;) {
        int32_t cp;
        size_t n = vg_utf8_next((const unsigned char *)s + i, len - i, &cp);
        int bad = cp < 0;
        if (bad) {
            cp = 0xfffd;
            n = 1;
        }
        i += n;
        if (is_blank(cp)) {
            pending_space = chars > 0;
            lead_digits = 0;
            continue;
        }
        if (chars + pending_space >= max_chars) {
            cut = 1;
            break;
        }
        if (pending_space) {
            vg_buf_putc(out, ' ');
            chars++;
            pending_space = 0;
        }
        int32_t r = bad ? cp : inert(cp);
        if (!r && at_start)
            r = inert_leading(cp);
        /* "1." or "1)" opening the text would start a numbered list. */
        if (!r && lead_digits && (cp == '.' || cp == ')'))
            r = cp == '.' ? 0x2024 /* ONE DOT LEADER */ : 0xff09;
        lead_digits = (at_start || lead_digits) && cp >= '0' && cp <= '9';
        at_start = 0;
        if (r)
            put_cp(out, r);
        else
            vg_buf_append(out, s + i - n, n);
        chars++;
    }
    if (cut)
        put_cp(out, 0x2026); /* … */
}

/* A new cJSON string of teams_text(s); NULL when out of memory. */
static cJSON *md_string(const char *s, size_t max_chars)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    teams_text(&b, s ? s : "", s ? strlen(s) : 0, max_chars);
    vg_buf_putc(&b, '\0');
    cJSON *j = vg_buf_check(&b) == 0 ? cJSON_CreateString(b.data) : NULL;
    vg_buf_free(&b);
    return j;
}

/* ---- reading the message ------------------------------------------------------------------- */

static const char *str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num(const cJSON *o, const char *name, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* "leadership_change" -> "Leadership change". Types come from the rules, still made inert. */
static void type_label(struct vg_buf *b, const char *type)
{
    char t[64];
    snprintf(t, sizeof t, "%s", type && *type ? type : "signal");
    for (char *p = t; *p; p++)
        if (*p == '_')
            *p = ' ';
    if (t[0] >= 'a' && t[0] <= 'z')
        t[0] = (char)(t[0] - 'a' + 'A');
    teams_text(b, t, strlen(t), 60);
}

/* An article link a card may open: http(s), no blank or control character, not too long. */
static int url_ok(const char *u)
{
    if (!u || (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0) || strlen(u) > CAP_URL)
        return 0;
    for (const unsigned char *p = (const unsigned char *)u; *p; p++)
        if (*p <= ' ' || *p == 0x7f || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
            return 0;
    const char *host = strstr(u, "://") + 3;
    return *host && *host != '/';
}

static void amount_text(struct vg_buf *b, const cJSON *a)
{
    double v = num(a, "value", NAN);
    const char *cur = str(a, "currency");
    if (!isfinite(v))
        return;
    double av = fabs(v);
    if (av >= 1e9)
        vg_buf_printf(b, "%.3g bn", v / 1e9);
    else if (av >= 1e6)
        vg_buf_printf(b, "%.3g M", v / 1e6);
    else
        vg_buf_printf(b, "%.0f", v);
    if (cur && *cur) {
        vg_buf_putc(b, ' ');
        teams_text(b, cur, strlen(cur), 8);
    }
}

/* ---- building the card --------------------------------------------------------------------- */

static cJSON *text_block(cJSON *items, cJSON *text)
{
    cJSON *t = cJSON_CreateObject();
    if (!t || !text) {
        cJSON_Delete(t);
        cJSON_Delete(text);
        return NULL;
    }
    cJSON_AddStringToObject(t, "type", "TextBlock");
    cJSON_AddItemToObject(t, "text", text);
    cJSON_AddBoolToObject(t, "wrap", 1);
    cJSON_AddItemToArray(items, t);
    return t;
}

/* A TextBlock of a text already made inert (built in b). */
static cJSON *text_block_buf(cJSON *items, struct vg_buf *b)
{
    vg_buf_putc(b, '\0');
    cJSON *s = vg_buf_check(b) == 0 ? cJSON_CreateString(b->data) : NULL;
    vg_buf_reset(b);
    return text_block(items, s);
}

static void fact(cJSON *facts, const char *title, struct vg_buf *value)
{
    vg_buf_putc(value, '\0');
    if (vg_buf_check(value) == 0 && value->data[0]) {
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "title", title);
        cJSON_AddStringToObject(f, "value", value->data);
        cJSON_AddItemToArray(facts, f);
    }
    vg_buf_reset(value);
}

/* An Action.OpenUrl button, appended to acts. */
static void open_url(cJSON *acts, const char *title, const char *url)
{
    cJSON *open = cJSON_CreateObject();
    cJSON_AddStringToObject(open, "type", "Action.OpenUrl");
    cJSON_AddStringToObject(open, "title", title);
    cJSON_AddStringToObject(open, "url", url);
    cJSON_AddItemToArray(acts, open);
}

static void signal_container(cJSON *body, const cJSON *sig, const char *console, size_t evidence_cap)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", "Container");
    cJSON_AddBoolToObject(c, "separator", 1);
    cJSON *items = cJSON_AddArrayToObject(c, "items");
    cJSON_AddItemToArray(body, c);

    type_label(&b, str(sig, "type"));
    vg_buf_printf(&b, " · priority %d", (int)num(sig, "priority", 0));
    cJSON *head = text_block_buf(items, &b);
    if (head)
        cJSON_AddStringToObject(head, "weight", "Bolder");
    const char *title = str(sig, "title");
    if (title && *title)
        text_block(items, md_string(title, CAP_TITLE));
    const char *ev = str(sig, "evidence");
    if (ev && *ev && (!title || strcmp(ev, title) != 0)) {
        vg_buf_puts(&b, "\xe2\x80\x9c"); /* “ */
        teams_text(&b, ev, strlen(ev), evidence_cap);
        vg_buf_puts(&b, "\xe2\x80\x9d");
        cJSON *t = text_block_buf(items, &b);
        if (t)
            cJSON_AddBoolToObject(t, "isSubtle", 1);
    }

    cJSON *fs = cJSON_CreateObject();
    cJSON_AddStringToObject(fs, "type", "FactSet");
    cJSON *facts = cJSON_AddArrayToObject(fs, "facts");
    const cJSON *amounts = cJSON_GetObjectItemCaseSensitive(sig, "amounts"), *a;
    int k = 0;
    struct vg_buf one;
    vg_buf_init(&one, 0);
    cJSON_ArrayForEach(a, amounts)
    {
        if (k == CAP_AMOUNTS)
            break;
        vg_buf_reset(&one);
        amount_text(&one, a);
        if (!one.len)
            continue;
        if (k++)
            vg_buf_puts(&b, ", ");
        vg_buf_append(&b, one.data, one.len);
    }
    vg_buf_free(&one);
    fact(facts, "Amounts", &b);
    const cJSON *people = cJSON_GetObjectItemCaseSensitive(sig, "people"), *p;
    int np = cJSON_GetArraySize(people);
    k = 0;
    cJSON_ArrayForEach(p, people)
    {
        const char *name = str(p, "name"), *role = str(p, "role_norm");
        if (!role || !*role)
            role = str(p, "role");
        if (!name || !*name)
            continue;
        if (k == CAP_PEOPLE) {
            vg_buf_printf(&b, " and %d more", np - k);
            break;
        }
        if (k++)
            vg_buf_puts(&b, ", ");
        teams_text(&b, name, strlen(name), CAP_NAME);
        if (role && *role) {
            vg_buf_puts(&b, " (");
            teams_text(&b, role, strlen(role), 60);
            if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "departing")))
                vg_buf_puts(&b, ", leaving");
            vg_buf_putc(&b, ')');
        }
    }
    fact(facts, "People", &b);
    vg_buf_printf(&b, "%d", (int)num(sig, "sources", 1));
    fact(facts, "Sources", &b);
    const char *pub = str(sig, "published");
    if (pub && strlen(pub) >= 10) {
        teams_text(&b, pub, 10, 10);
        fact(facts, "Published", &b);
    }
    cJSON_AddItemToArray(items, fs);

    /* The article, and the signal's page in the console ([console] public_url). */
    const char *url = str(sig, "url");
    char *page = console_link(console, "signals", str(sig, "id"));
    if (url_ok(url) || url_ok(page)) {
        cJSON *as = cJSON_CreateObject();
        cJSON_AddStringToObject(as, "type", "ActionSet");
        cJSON *acts = cJSON_AddArrayToObject(as, "actions");
        if (url_ok(url))
            open_url(acts, "Open the article", url);
        if (url_ok(page))
            open_url(acts, "Open in vigie", page);
        cJSON_AddItemToArray(items, as);
    }
    vg_free(page);
    vg_buf_free(&b);
}

/* Signals by priority, highest first (the router writes them so; a stable sort keeps its
 * order among equals). */
static size_t order_signals(const cJSON *signals, const cJSON **v, size_t max)
{
    size_t n = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, signals)
    {
        if (!cJSON_IsObject(s) || n == max)
            continue;
        size_t k = n++;
        double p = num(s, "priority", 0);
        while (k > 0 && num(v[k - 1], "priority", 0) < p) {
            v[k] = v[k - 1];
            k--;
        }
        v[k] = s;
    }
    return n;
}

static char *build(const cJSON *alert, const cJSON **sigs, size_t total, size_t shown, size_t evidence_cap,
                   size_t *len)
{
    const cJSON *account = cJSON_GetObjectItemCaseSensitive(alert, "account");
    const cJSON *owner = cJSON_GetObjectItemCaseSensitive(alert, "owner");
    const char *acct = str(account, "name");
    if (!acct || !*acct)
        acct = str(account, "id");
    int prio = (int)num(alert, "priority", num(sigs[0], "priority", 0));
    struct vg_buf b;
    vg_buf_init(&b, 0);

    cJSON *env = cJSON_CreateObject();
    cJSON_AddStringToObject(env, "type", "message");
    cJSON *atts = cJSON_AddArrayToObject(env, "attachments");
    cJSON *att = cJSON_CreateObject();
    cJSON_AddItemToArray(atts, att);
    cJSON_AddStringToObject(att, "contentType", "application/vnd.microsoft.card.adaptive");
    cJSON_AddNullToObject(att, "contentUrl");
    cJSON *card = cJSON_AddObjectToObject(att, "content");
    cJSON_AddStringToObject(card, "$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
    cJSON_AddStringToObject(card, "type", "AdaptiveCard");
    cJSON_AddStringToObject(card, "version", TEAMS_CARD_VERSION);
    /* What a client that cannot show the card, and the notification, say. */
    teams_text(&b, acct ? acct : "", acct ? strlen(acct) : 0, CAP_NAME);
    vg_buf_puts(&b, ": ");
    type_label(&b, str(sigs[0], "type"));
    vg_buf_printf(&b, " (priority %d)", prio);
    vg_buf_putc(&b, '\0');
    cJSON_AddStringToObject(card, "fallbackText", vg_buf_check(&b) == 0 ? b.data : "vigie alert");
    vg_buf_reset(&b);
    cJSON *body = cJSON_AddArrayToObject(card, "body");

    cJSON *head = cJSON_CreateObject();
    cJSON_AddStringToObject(head, "type", "Container");
    cJSON_AddStringToObject(head, "style", prio >= 80 ? "attention" : prio >= 60 ? "warning" : "emphasis");
    cJSON *hitems = cJSON_AddArrayToObject(head, "items");
    cJSON_AddItemToArray(body, head);
    teams_text(&b, acct ? acct : "", acct ? strlen(acct) : 0, CAP_NAME);
    vg_buf_puts(&b, " \xe2\x80\x94 "); /* — */
    type_label(&b, str(sigs[0], "type"));
    cJSON *t = text_block_buf(hitems, &b);
    if (t) {
        cJSON_AddStringToObject(t, "size", "Medium");
        cJSON_AddStringToObject(t, "weight", "Bolder");
    }
    vg_buf_printf(&b, "Priority %d", prio);
    const char *tier = str(account, "tier");
    if (tier && *tier) {
        vg_buf_puts(&b, " \xc2\xb7 ");
        teams_text(&b, tier, strlen(tier), 30);
        vg_buf_puts(&b, " account");
    }
    int sources = 0;
    for (size_t i = 0; i < total; i++)
        sources += (int)num(sigs[i], "sources", 1);
    vg_buf_printf(&b, " \xc2\xb7 %zu signal%s \xc2\xb7 %d source%s", total, total == 1 ? "" : "s", sources,
                  sources == 1 ? "" : "s");
    t = text_block_buf(hitems, &b);
    if (t) {
        cJSON_AddBoolToObject(t, "isSubtle", 1);
        cJSON_AddStringToObject(t, "spacing", "None");
    }

    for (size_t i = 0; i < shown; i++)
        signal_container(body, sigs[i], str(account, "console_base"), evidence_cap);
    if (shown < total) {
        vg_buf_printf(&b, "%zu more signal%s for this account, of lower priority, not shown here", total - shown,
                      total - shown == 1 ? "" : "s");
        t = text_block_buf(body, &b);
        if (t)
            cJSON_AddBoolToObject(t, "isSubtle", 1);
    }
    const char *oname = str(owner, "name");
    if (!oname || !*oname)
        oname = str(owner, "email");
    if (!oname || !*oname)
        oname = str(account, "owner");
    const char *route = str(alert, "route"), *receiver = str(alert, "receiver");
    vg_buf_puts(&b, "Owner: ");
    teams_text(&b, oname ? oname : "none", oname ? strlen(oname) : 4, CAP_NAME);
    if (receiver && *receiver) {
        vg_buf_puts(&b, " \xc2\xb7 receiver ");
        teams_text(&b, receiver, strlen(receiver), 60);
    }
    if (route && *route) {
        vg_buf_puts(&b, " \xc2\xb7 route ");
        teams_text(&b, route, strlen(route), 60);
    }
    vg_buf_puts(&b, " \xc2\xb7 vigie");
    t = text_block_buf(body, &b);
    if (t) {
        cJSON_AddBoolToObject(t, "isSubtle", 1);
        cJSON_AddStringToObject(t, "size", "Small");
    }
    vg_buf_free(&b);
    const char *acct_url = str(account, "console_url");
    if (console_link_ok(acct_url) && url_ok(acct_url)) /* the card's own button: the account's page */
        open_url(cJSON_AddArrayToObject(card, "actions"), "Open the account in vigie", acct_url);
    char *out = cJSON_PrintUnformatted(env);
    cJSON_Delete(env);
    if (!out)
        return NULL;
    /* cJSON allocates with its own hooks: hand back a vg_alloc string. */
    *len = strlen(out);
    char *copy = vg_strndup(out, *len);
    cJSON_free(out);
    return copy;
}

char *teams_render(const cJSON *alert, size_t max_size, size_t *len, size_t *shown, char *err, size_t errlen)
{
    const cJSON *account = cJSON_GetObjectItemCaseSensitive(alert, "account");
    const cJSON *signals = cJSON_GetObjectItemCaseSensitive(alert, "signals");
    if (!cJSON_IsObject(account) || !cJSON_IsArray(signals)) {
        snprintf(err, errlen, "the alert message has no account or no signals");
        return NULL;
    }
    size_t n = (size_t)cJSON_GetArraySize(signals);
    const cJSON **sigs = vg_calloc(n ? n : 1, sizeof *sigs);
    if (!sigs) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    size_t total = order_signals(signals, sigs, n);
    if (!total) {
        vg_free(sigs);
        snprintf(err, errlen, "the alert message has no signals");
        return NULL;
    }
    size_t show = total < TEAMS_MAX_SHOWN ? total : TEAMS_MAX_SHOWN;
    size_t cap = CAP_EVIDENCE;
    char *out = NULL;
    for (;;) {
        out = build(alert, sigs, total, show, cap, len);
        if (!out) {
            snprintf(err, errlen, "out of memory");
            break;
        }
        if (*len <= max_size)
            break;
        vg_free(out);
        out = NULL;
        if (show > 1) {
            show--; /* the lowest priority shown goes to the "N more" line */
        } else if (cap > MIN_EVIDENCE) {
            cap = cap * 2 / 3 > MIN_EVIDENCE ? cap * 2 / 3 : MIN_EVIDENCE;
        } else {
            snprintf(err, errlen, "the card does not fit in %zu bytes even with one signal and its evidence cut",
                     max_size);
            break;
        }
    }
    vg_free(sigs);
    if (out)
        *shown = show;
    return out;
}
