/* review_handoff — the scheduled review's messages for the sinks (see review_handoff.h). */
#include "daemon/review_handoff.h"
#include "daemon/review_build.h"
#include "daemon/review_html.h"
#include "enrich/account.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_hash.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ENTRY_MAX 256

int review_email_each(const char *list, int (*cb)(void *arg, const char *entry), void *arg)
{
    for (const char *p = list ? list : ""; *p;) {
        size_t n = strcspn(p, ",");
        const char *b = p, *e = p + n;
        while (b < e && isspace((unsigned char)*b))
            b++;
        while (e > b && isspace((unsigned char)e[-1]))
            e--;
        char entry[ENTRY_MAX];
        size_t len = (size_t)(e - b) < sizeof(entry) ? (size_t)(e - b) : sizeof(entry) - 1;
        memcpy(entry, b, len);
        entry[len] = '\0';
        int rc = *entry ? cb(arg, entry) : 0;
        if (rc)
            return rc;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

static void iso_of(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The rows of one report: all of them, or an owner's. */
struct pick {
    const struct review_built_row **v;
    size_t n;
};

/* The self-contained page of review_html.c, in memory. NULL when out of memory. */
static char *html_of(const struct review_built *b, const struct pick *p)
{
    struct review_html_row *hv = vg_calloc(p->n + 1, sizeof(*hv));
    char *text = NULL;
    size_t len = 0;
    FILE *f = hv ? open_memstream(&text, &len) : NULL;
    if (!f) {
        vg_free(hv);
        return NULL;
    }
    for (size_t i = 0; i < p->n; i++)
        hv[i] = (struct review_html_row){p->v[i]->a, &p->v[i]->r};
    int rc = review_html_write(f, hv, p->n, b->now_ms, b->signals.since_ms);
    if (fclose(f) != 0)
        rc = -1;
    vg_free(hv);
    if (rc < 0) {
        free(text); /* open_memstream's buffer is the C library's */
        return NULL;
    }
    char *out = vg_strdup(text);
    free(text);
    return out;
}

static void counts_of(const struct pick *p, int count[REVIEW_KEEP + 1])
{
    memset(count, 0, sizeof(int) * (REVIEW_KEEP + 1));
    for (size_t i = 0; i < p->n; i++)
        count[p->v[i]->r.rec]++;
}

/* "1 de-select, 2 promote, 3 watch, 4 keep" (the recommendations that occur). */
static void counts_line(struct vg_buf *out, const int count[REVIEW_KEEP + 1])
{
    int any = 0;
    for (int k = REVIEW_DESELECT; k <= REVIEW_KEEP; k++)
        if (count[k]) {
            vg_buf_printf(out, "%s%d %s", any ? ", " : "", count[k], enrich_review_rec_names[k]);
            any = 1;
        }
    if (!any)
        vg_buf_puts(out, "no account");
}

/* The text part: the summary, then one line per account in the report's order. */
static char *text_of(const struct pick *p, const char *period, long long id, const char *whose)
{
    struct vg_buf t;
    vg_buf_init(&t, 0);
    int count[REVIEW_KEEP + 1];
    counts_of(p, count);
    vg_buf_printf(&t, "Key-account review %s (saved review %lld)%s%s: %zu account(s): ", period, id,
                  whose ? " for " : "", whose ? whose : "", p->n);
    counts_line(&t, count);
    vg_buf_puts(&t, ".\n\n");
    for (size_t i = 0; i < p->n; i++) {
        const struct review_built_row *w = p->v[i];
        vg_buf_printf(&t, "%-10s %s (%s), %s, score %d, heat %.0f", enrich_review_rec_names[w->r.rec], w->a->name,
                      w->a->id, w->a->tier ? w->a->tier : "standard", w->r.weighted, w->r.heat);
        for (size_t k = 0; k < w->r.n_reasons; k++)
            vg_buf_printf(&t, "%s%s", k ? "; " : ": ", w->r.reasons[k]);
        vg_buf_puts(&t, "\n");
    }
    if (!p->n)
        vg_buf_puts(&t, "No accounts to review.\n");
    vg_buf_printf(&t, "\nThe HTML part holds the charts per axis and the whole table. `vigie review --diff %lld` "
                  "shows what changes since this review; vigie never changes a tier.\n", id);
    return vg_buf_steal(&t);
}

static char *subject_of(const struct pick *p, const char *period, const char *whose)
{
    struct vg_buf s;
    vg_buf_init(&s, 0);
    int count[REVIEW_KEEP + 1];
    counts_of(p, count);
    vg_buf_printf(&s, "Key-account review %s%s%s: ", period, whose ? " for " : "", whose ? whose : "");
    counts_line(&s, count);
    vg_buf_printf(&s, " (%zu account(s))", p->n);
    return vg_buf_steal(&s);
}

/* One e-mail message (docs/design.md "Scheduled review"): owner_email NULL for the whole
 * portfolio's report to target. */
static char *message_of(const struct review_built *b, const struct pick *p, const char *target, const char *owner_email,
                        const char *owner_name, long long id, const char *period)
{
    char created[32], hex[17];
    iso_of(b->now_ms, created);
    /* The e-mail sink's idempotency key: one per (period, recipient list). */
    uint64_t h = vg_fnv1a64_from(VG_FNV64_BASIS, "review|", 7);
    h = vg_fnv1a64_from(h, period, strlen(period));
    h = vg_fnv1a64_from(h, "|", 1);
    h = vg_fnv1a64_from(h, target, strlen(target));
    snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)h);
    char *html = html_of(b, p), *text = text_of(p, period, id, owner_name),
         *subject = subject_of(p, period, owner_name);
    cJSON *m = cJSON_CreateObject(), *rev = cJSON_CreateObject();
    char *out = NULL;
    if (html && text && subject && m && rev) {
        cJSON_AddStringToObject(m, "id", hex);
        cJSON_AddStringToObject(m, "kind", "report");
        cJSON_AddStringToObject(m, "channel", "email");
        cJSON_AddStringToObject(m, "target", target);
        cJSON_AddStringToObject(m, "created", created);
        if (owner_email) {
            cJSON *o = cJSON_AddObjectToObject(m, "owner");
            cJSON_AddStringToObject(o, "key", owner_email);
            cJSON_AddStringToObject(o, "name", owner_name ? owner_name : owner_email);
            cJSON_AddStringToObject(o, "email", owner_email);
        } else
            cJSON_AddNullToObject(m, "owner");
        cJSON_AddStringToObject(m, "subject", subject);
        cJSON_AddStringToObject(m, "text", text);
        cJSON_AddStringToObject(m, "html", html);
        cJSON_AddNumberToObject(rev, "id", (double)id);
        cJSON_AddStringToObject(rev, "period", period);
        cJSON_AddNumberToObject(rev, "accounts", (double)p->n);
        cJSON_AddItemToObject(m, "review", rev);
        rev = NULL;
        char *json = cJSON_PrintUnformatted(m);
        out = json ? vg_strdup(json) : NULL;
        cJSON_free(json);
    }
    cJSON_Delete(rev);
    cJSON_Delete(m);
    vg_free(html);
    vg_free(text);
    vg_free(subject);
    return out;
}

static int push(struct review_handoff *h, char *msg)
{
    char **v = msg ? vg_realloc(h->emails, (h->n_emails + 1) * sizeof(*v)) : NULL;
    if (!v) {
        vg_free(msg);
        return -1;
    }
    h->emails = v;
    h->emails[h->n_emails++] = msg;
    return 0;
}

/* The entries of [review] email: the addresses joined, and whether `owners` is one. */
struct targets {
    struct vg_buf addrs;
    int owners;
};

static int add_target(void *arg, const char *entry)
{
    struct targets *t = arg;
    if (strcasecmp(entry, "owners") == 0)
        t->owners = 1;
    else
        vg_buf_printf(&t->addrs, "%s%s", t->addrs.len ? ", " : "", entry);
    return 0;
}

static char *outbox_of(const struct review_built *b, const struct pick *all, long long id, const char *period)
{
    char at[32], rid[48];
    iso_of(b->now_ms, at);
    snprintf(rid, sizeof(rid), "review-%s", period);
    char *html = html_of(b, all);
    cJSON *o = cJSON_CreateObject(), *counts = cJSON_CreateObject(), *rows = cJSON_CreateArray();
    char *out = NULL;
    if (html && o && counts && rows) {
        int count[REVIEW_KEEP + 1];
        counts_of(all, count);
        for (int k = REVIEW_DESELECT; k <= REVIEW_KEEP; k++)
            cJSON_AddNumberToObject(counts, enrich_review_rec_names[k], count[k]);
        for (size_t i = 0; i < all->n; i++)
            cJSON_AddItemToArray(rows, review_row_json(all->v[i]->a, &all->v[i]->r));
        cJSON_AddStringToObject(o, "id", rid);
        cJSON_AddNumberToObject(o, "review_id", (double)id);
        cJSON_AddStringToObject(o, "period", period);
        cJSON_AddStringToObject(o, "at", at);
        cJSON_AddItemToObject(o, "counts", counts);
        cJSON_AddItemToObject(o, "rows", rows);
        counts = rows = NULL;
        cJSON_AddStringToObject(o, "html", html);
        char *json = cJSON_PrintUnformatted(o);
        out = json ? vg_strdup(json) : NULL;
        cJSON_free(json);
    }
    cJSON_Delete(counts);
    cJSON_Delete(rows);
    cJSON_Delete(o);
    vg_free(html);
    return out;
}

int review_handoff_build(const struct review_built *b, const char *emails, int outbox, long long id,
                         const char *period, struct review_handoff *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    struct pick all = {vg_calloc(b->n + 1, sizeof(*all.v)), b->n};
    struct pick mine = {vg_calloc(b->n + 1, sizeof(*mine.v)), 0};
    struct targets t = {.owners = 0};
    vg_buf_init(&t.addrs, 0);
    int rc = -1;
    if (!all.v || !mine.v)
        goto out;
    for (size_t i = 0; i < b->n; i++)
        all.v[i] = &b->rows[i];
    review_email_each(emails, add_target, &t);
    if (vg_buf_check(&t.addrs) < 0)
        goto out;
    if (t.addrs.len && push(out, message_of(b, &all, t.addrs.data, NULL, NULL, id, period)) < 0)
        goto out;
    /* Each owner once, in the order of the report (its first account), with their accounts. */
    for (size_t i = 0; t.owners && i < b->n; i++) {
        const char *mail = b->rows[i].a->owner_email;
        int seen = !mail || !*mail;
        for (size_t k = 0; !seen && k < i; k++)
            seen = b->rows[k].a->owner_email && strcasecmp(b->rows[k].a->owner_email, mail) == 0;
        if (seen)
            continue;
        mine.n = 0;
        for (size_t k = i; k < b->n; k++)
            if (b->rows[k].a->owner_email && strcasecmp(b->rows[k].a->owner_email, mail) == 0)
                mine.v[mine.n++] = &b->rows[k];
        const char *name = b->rows[i].a->owner && *b->rows[i].a->owner ? b->rows[i].a->owner : mail;
        if (push(out, message_of(b, &mine, mail, mail, name, id, period)) < 0)
            goto out;
    }
    if (outbox && !(out->outbox = outbox_of(b, &all, id, period)))
        goto out;
    rc = 0;
out:
    if (rc < 0) {
        snprintf(err, errlen, "out of memory (building the review's messages)");
        review_handoff_free(out);
    }
    vg_buf_free(&t.addrs);
    vg_free(all.v);
    vg_free(mine.v);
    return rc;
}

void review_handoff_free(struct review_handoff *h)
{
    for (size_t i = 0; i < h->n_emails; i++)
        vg_free(h->emails[i]);
    vg_free(h->emails);
    vg_free(h->outbox);
    memset(h, 0, sizeof(*h));
}
