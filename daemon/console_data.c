/* console_data — the console pages' reads (see console_data.h). */
#include "daemon/console_data.h"
#include "daemon/account_signals.h"
#include "daemon/config.h"
#include "enrich/account.h"
#include "queue/queue_accounts.h"
#include "queue/queue_account_feed.h"
#include "queue/queue_contract.h"
#include "queue/queue_feed.h"
#include "queue/queue_portfolio_keys.h"
#include "queue/queue_sources.h"
#include "util/vg_alloc.h"
#include "util/vg_log.h"
#include "util/vg_time.h"
#include "queue/queue_series.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The parsed registry and the version it was read at; pages run one at a time on the console
 * thread, the only caller. Parsing 10,000 accounts is most of a portfolio page's cost. */
static struct enrich_account_set *cached_set;
static long long cached_version = -1;
static const void *cached_q;

int console_data_accounts(struct queue_sync *q, const struct enrich_account_set **set, char *err, size_t errlen)
{
    *set = NULL;
    long long v = queue_accounts_version_sync(q, err, errlen);
    if (v < 0)
        return -1;
    /* the version first, then the accounts: a change in between is read again next time */
    if (v != cached_version || q != cached_q) {
        enrich_account_set_free(cached_set);
        cached_set = NULL;
        cached_version = -1;
        size_t stored = 0;
        if (account_signals_accounts(q, &cached_set, &stored) < 0) {
            snprintf(err, errlen, "cannot read the accounts registry (the daemon's log says why)");
            return -1;
        }
        cached_version = v;
        cached_q = q;
    }
    *set = cached_set;
    return 0;
}

void console_data_free(void)
{
    enrich_account_set_free(cached_set);
    cached_set = NULL;
    cached_version = -1;
    cached_q = NULL;
}

/* The axis scores of r's account from its fields alone (a portfolio row keeps no evidence). */
static int fields_scores(struct console_row *r, long long now_ms, const struct review_config *rc,
                         struct review_row *row, char *err, size_t errlen)
{
    if (enrich_review_account(r->a, NULL, 0, now_ms, 0, rc, row) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(r->score, row->score, sizeof(r->score));
    r->weighted = row->weighted;
    return 0;
}

/* From the per-account series (account_signals_series: the stream's signals the series do not
 * hold yet are added first, usually none). The axis scores are the account's fields' (the
 * series keep no signal types, which the evidence needs). */
int console_data_rows(struct queue_sync *q, const struct vg_config *cfg, const struct enrich_account *const *acc,
                      size_t n, long long now_ms, struct console_row *out, char *err, size_t errlen)
{
    struct review_config rc;
    account_signals_review_config(cfg, &rc);
    struct queue_series *s = vg_calloc(n ? n : 1, sizeof(*s));
    const char **ids = vg_calloc(n ? n : 1, sizeof(*ids));
    struct review_row *row = vg_malloc(sizeof(*row));
    int ret = -1;
    if (!s || !ids || !row) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        ids[i] = acc[i]->id;
    if (n && account_signals_series(q, cfg, ids, n, now_ms, s) < 0) {
        snprintf(err, errlen, "cannot read the accounts' series (the daemon's log says why)");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        struct console_row *r = &out[i];
        memset(r, 0, sizeof(*r));
        r->a = acc[i];
        r->heat = s[i].heat;
        r->last_ms = s[i].last_ms;
        snprintf(r->last_type, sizeof(r->last_type), "%s", s[i].last_type);
        for (int w = 0; w < CONSOLE_WEEKS; w++)
            r->week[w] = s[i].count[SERIES_WEEKS - CONSOLE_WEEKS + w];
        if (fields_scores(r, now_ms, &rc, row, err, errlen) < 0)
            goto out;
    }
    ret = 0;
out:
    vg_free(s);
    vg_free(ids);
    vg_free(row);
    return ret;
}

int console_data_keys(struct queue_sync *q, const struct vg_config *cfg, const struct enrich_account *const *acc,
                      size_t n, long long now_ms, int with_scores, struct console_row *out, char *err, size_t errlen)
{
    struct review_config rc;
    account_signals_review_config(cfg, &rc);
    struct queue_portfolio_key *k = vg_calloc(n ? n : 1, sizeof(*k));
    const char **ids = vg_calloc(n ? n : 1, sizeof(*ids));
    struct review_row *row = vg_malloc(sizeof(*row));
    int ret = -1;
    if (!k || !ids || !row) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        ids[i] = acc[i]->id;
    /* the stream's signals the series lack first (usually none), as account_signals_series */
    char ierr[256];
    if (n && queue_series_index(q, cfg->review_half_life_ms, 0, NULL, ierr, sizeof(ierr)) < 0)
        vg_warn("console", "the accounts' series miss the stream's newest signals: %s", ierr);
    if (n && queue_portfolio_keys(q, ids, n, k, err, errlen) < 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        struct console_row *r = &out[i];
        memset(r, 0, sizeof(*r));
        r->a = acc[i];
        r->heat = k[i].heat_log;
        r->last_ms = k[i].last_ms;
        snprintf(r->last_type, sizeof(r->last_type), "%s", k[i].last_type);
        if (with_scores && fields_scores(r, now_ms, &rc, row, err, errlen) < 0)
            goto out;
    }
    ret = 0;
out:
    vg_free(k);
    vg_free(ids);
    vg_free(row);
    return ret;
}

int console_data_hottest(struct queue_sync *q, const struct vg_config *cfg, const struct enrich_account_set *set,
                         size_t offset, size_t count, long long now_ms, struct console_row *out, size_t *n,
                         size_t *total, char *err, size_t errlen)
{
    char **ids = NULL;
    size_t got = 0;
    *n = 0;
    if (queue_series_top(q, offset, count, &ids, &got, total, err, errlen) < 0)
        return -1;
    int ret = 0;
    const struct enrich_account **acc = vg_calloc(got ? got : 1, sizeof(*acc));
    if (!acc) {
        snprintf(err, errlen, "out of memory");
        ret = -1;
    } else if (got == count && set) {
        size_t k = 0;
        for (size_t i = 0; i < got; i++) {
            const struct enrich_account *a = enrich_account_find(set, ids[i]);
            if (a)
                acc[k++] = a;
        }
        ret = console_data_rows(q, cfg, acc, k, now_ms, out, err, errlen) < 0 ? -1 : 1;
        *n = ret == 1 ? k : 0;
    }
    vg_free(acc);
    queue_series_ids_free(ids, got);
    return ret;
}

/* ---- one account's records ---------------------------------------------------------------- */

struct gather {
    const char *account;
    const char *needle;          /* "\"ID\"", a quick test before parsing, or NULL */
    const char *f1, *f2;         /* the entry fields taken */
    struct console_record *v;
    size_t n, cap;
    int oom;
};

static int gather(const char *field, const char *payload, const char *entry_id, void *arg)
{
    struct gather *g = arg;
    if (strcmp(field, g->f1) != 0 && (!g->f2 || strcmp(field, g->f2) != 0))
        return 0;
    if (g->needle && !strstr(payload, g->needle))
        return 0;
    cJSON *j = cJSON_Parse(payload);
    cJSON *acc = j ? cJSON_GetObjectItemCaseSensitive(j, "account_id") : NULL;
    cJSON *id = j ? cJSON_GetObjectItemCaseSensitive(j, "id") : NULL;
    if (!cJSON_IsString(acc) || strcmp(acc->valuestring, g->account) != 0 || !cJSON_IsString(id)) {
        cJSON_Delete(j);
        return 0;
    }
    long long ms = strtoll(entry_id, NULL, 10);
    cJSON *pub = cJSON_GetObjectItemCaseSensitive(j, "published");
    int64_t p;
    if (cJSON_IsString(pub) && vg_parse_rfc3339_ms(pub->valuestring, &p) == 0)
        ms = p;
    /* read newest first: a person's first record met is the latest, the later ones older */
    for (size_t i = 0; i < g->n; i++) {
        cJSON *oid = cJSON_GetObjectItemCaseSensitive(g->v[i].j, "id");
        if (strcmp(oid->valuestring, id->valuestring) == 0) {
            cJSON_Delete(j);
            return 0;
        }
    }
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 32;
        struct console_record *v = vg_realloc(g->v, cap * sizeof(*v));
        if (!v) {
            cJSON_Delete(j);
            g->oom = 1;
            return 1;
        }
        g->v = v;
        g->cap = cap;
    }
    g->v[g->n++] = (struct console_record){j, ms, 0};
    return 0;
}

/* The contacts stream newest first, CONSOLE_CONTACT_SCAN entries at most: there is no
 * per-account contacts index, and a page's cost must not grow with the stream. */
static int contact_entry(const struct queue_feed_entry *e, void *arg)
{
    return gather(e->field, e->payload, e->id, arg);
}

int console_data_contacts(struct queue_sync *q, const char *account, size_t max, struct console_record **out,
                          size_t *n, size_t *total, int *complete, char *err, size_t errlen)
{
    char needle[600];
    int plain = strlen(account) < 512 && !strpbrk(account, "\"\\/");
    /* the id as a JSON string, wherever it is (writers differ in their blanks); the parse decides */
    snprintf(needle, sizeof(needle), "\"%s\"", account);
    struct gather g = {.account = account, .needle = plain ? needle : NULL, .f1 = QUEUE_FIELD_CONTACT};
    char last[64] = "";
    size_t scanned = 0;
    *out = NULL;
    *n = *total = 0;
    *complete = 1;
    for (;;) {
        size_t want = CONSOLE_CONTACT_SCAN - scanned < 1000 ? CONSOLE_CONTACT_SCAN - scanned : 1000;
        char before[64];
        snprintf(before, sizeof(before), "%s", last);
        long got = queue_feed_chunk(q, QUEUE_STREAM_CONTACTS, before, 0, 0, want, contact_entry, &g, last,
                                    sizeof(last), err, errlen);
        if (got < 0 || g.oom) {
            if (g.oom)
                snprintf(err, errlen, "out of memory");
            console_records_free(g.v, g.n);
            return -1;
        }
        scanned += (size_t)got;
        if ((size_t)got < want)
            break;
        if (scanned >= CONSOLE_CONTACT_SCAN) {
            *complete = 0; /* there may be older entries: not looked at */
            break;
        }
    }
    /* read newest first: a person's first record met is the latest, and the order is kept */
    *total = g.n;
    for (size_t i = max; i < g.n; i++)
        cJSON_Delete(g.v[i].j);
    *out = g.v;
    *n = g.n < max ? g.n : max;
    return 0;
}

int console_data_signals(struct queue_sync *q, const struct vg_config *cfg, const char *account, size_t max,
                         struct console_record **out, size_t *n, size_t *total, size_t *gone, char *err,
                         size_t errlen)
{
    struct queue_account_signal *s = NULL;
    size_t k = 0;
    *out = NULL;
    *n = *total = *gone = 0;
    /* the stream's signals the series do not hold yet (usually none: the enrich stage adds
     * them as it writes); a Redis that refuses writes still shows what the series hold */
    char ierr[256];
    if (queue_series_index(q, cfg->review_half_life_ms, 0, NULL, ierr, sizeof(ierr)) < 0)
        vg_warn("console", "the accounts' series miss the stream's newest signals: %s", ierr);
    if (queue_account_signals(q, account, max, &s, &k, total, err, errlen) < 0)
        return -1;
    struct console_record *v = vg_calloc(k ? k : 1, sizeof(*v));
    if (!v) {
        queue_account_signals_free(s, k);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        cJSON *j = s[i].json ? cJSON_Parse(s[i].json) : NULL;
        cJSON *acc = j ? cJSON_GetObjectItemCaseSensitive(j, "account_id") : NULL;
        if (j && (!cJSON_IsString(acc) || strcmp(acc->valuestring, account) != 0)) {
            cJSON_Delete(j); /* not this account's record: shown as gone rather than wrong */
            j = NULL;
        }
        int is_gone = !j;
        if (j) {
            /* the record as first written; the story counts the sources that told it since */
            cJSON *src = cJSON_GetObjectItemCaseSensitive(j, "sources");
            if (cJSON_IsNumber(src) && (double)s[i].sources > src->valuedouble)
                cJSON_SetNumberValue(src, (double)s[i].sources);
        } else {
            j = cJSON_CreateObject();
            if (j && (!cJSON_AddStringToObject(j, "id", s[i].id) ||
                      !cJSON_AddNumberToObject(j, "priority", s[i].priority))) {
                cJSON_Delete(j);
                j = NULL;
            }
            if (!j) {
                console_records_free(v, m);
                queue_account_signals_free(s, k);
                snprintf(err, errlen, "out of memory");
                return -1;
            }
        }
        v[m++] = (struct console_record){j, s[i].ms, is_gone};
        *gone += (size_t)is_gone;
    }
    queue_account_signals_free(s, k);
    *out = v;
    *n = m;
    return 0;
}

void console_records_free(struct console_record *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(v[i].j);
    vg_free(v);
}

int console_data_sources(struct queue_sync *q, const char *account, struct queue_source_state **out, size_t *n,
                         char *err, size_t errlen)
{
    struct queue_source_state *all = NULL;
    size_t k = 0;
    *out = NULL;
    *n = 0;
    if (queue_sources_list(q, &all, &k, err, errlen) < 0)
        return -1;
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (all[i].src.account_id && strcmp(all[i].src.account_id, account) == 0) {
            if (m != i) {
                struct queue_source_state t = all[m];
                all[m] = all[i];
                all[i] = t;
            }
            m++;
        }
    }
    for (size_t i = m; i < k; i++) /* the others' members; the array itself goes with the caller's free */
        queue_source_state_clear(&all[i]);
    *out = all;
    *n = m;
    return 0;
}
