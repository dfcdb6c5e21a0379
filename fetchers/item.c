/* item — item records for the items stream (see item.h). */
#include "fetchers/item.h"
#include "util/vg_hash.h"
#include "fetchers/feed.h"
#include "fetchers/feed_url.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Counts words of a small list in the text; enough to tell French from English news. */
static int count_words(const char *text, const char *const *words)
{
    int n = 0;
    const char *p = text;
    while (p && *p) {
        while (*p && !isalpha((unsigned char)*p))
            p++;
        const char *w = p;
        while (*p && (isalpha((unsigned char)*p) || *p == '\''))
            p++;
        size_t len = (size_t)(p - w);
        for (int i = 0; words[i] && len; i++)
            if (strlen(words[i]) == len && strncasecmp(w, words[i], len) == 0) {
                n++;
                break;
            }
    }
    return n;
}

const char *fetch_item_lang(const char *declared, const char *title, const char *summary)
{
    if (declared && strncasecmp(declared, "fr", 2) == 0 && (!declared[2] || !isalpha((unsigned char)declared[2])))
        return "fr";
    if (declared && strncasecmp(declared, "en", 2) == 0 && (!declared[2] || !isalpha((unsigned char)declared[2])))
        return "en";
    static const char *const fr[] = {"le", "la", "les", "des", "du", "et", "un", "une", "est", "dans",
                                     "pour", "sur", "au", "aux", "avec", "par", "qui", "son", "ses", NULL};
    static const char *const en[] = {"the", "and", "of", "to", "in", "is", "for", "on", "with", "by",
                                     "its", "at", "from", "has", "will", "a", "an", "that", NULL};
    int f = count_words(title, fr) + count_words(summary, fr);
    int e = count_words(title, en) + count_words(summary, en);
    if (f == e)
        return "";
    return f > e ? "fr" : "en";
}

static void put_str(struct vg_buf *b, const char *key, const char *v)
{
    vg_buf_printf(b, ",\"%s\":", key);
    if (v)
        vg_buf_json_str(b, v);
    else
        vg_buf_puts(b, "null");
}

int fetch_item_keys(const struct feed_item *it, struct fetch_item_keys *keys)
{
    /* A page change is its own event each time: its id (url#fingerprint), not its link. So is
     * a company source's event: many share the company's link (its register page). */
    int by_id = ((it->kind && strcmp(it->kind, "web_change") == 0) || it->structured) && it->id;
    const char *ident = by_id ? it->id : it->link ? it->link : it->id ? it->id : it->title;
    if (!ident || !*ident)
        return -1;
    char *canon = it->link && !by_id ? feed_url_canonical(it->link) : NULL;
    snprintf(keys->id, sizeof(keys->id), "%016llx", (unsigned long long)vg_fnv1a64_legacy_str(canon ? canon : ident));
    vg_free(canon);
    snprintf(keys->fp, sizeof(keys->fp), "%016llx",
             (unsigned long long)feed_fingerprint(it->title ? it->title : "", it->summary ? it->summary : ""));
    return 0;
}

char *fetch_item_json(const char *source_id, const char *account_id, const struct feed_doc *doc,
                      const struct feed_item *it, struct fetch_item_keys *keys)
{
    if (fetch_item_keys(it, keys) < 0)
        return NULL;

    struct vg_buf b;
    vg_buf_init(&b, 0);
    vg_buf_puts(&b, "{\"source_id\":");
    vg_buf_json_str(&b, source_id);
    put_str(&b, "id", keys->id);
    put_str(&b, "url", it->link);
    put_str(&b, "title", it->title);
    put_str(&b, "summary", it->summary);
    char date[21];
    int64_t when = it->published != FEED_DATE_NONE ? it->published : it->updated;
    put_str(&b, "published", when != FEED_DATE_NONE && feed_date_format(when, date) == 0 ? date : NULL);
    put_str(&b, "lang", fetch_item_lang(doc->language, it->title, it->summary));
    put_str(&b, "author", it->author);
    vg_buf_puts(&b, ",\"categories\":[");
    for (size_t i = 0; i < it->ncategories; i++) {
        if (i)
            vg_buf_putc(&b, ',');
        vg_buf_json_str(&b, it->categories[i]);
    }
    vg_buf_putc(&b, ']');
    put_str(&b, "kind", it->kind ? it->kind : "article");
    if (account_id)
        put_str(&b, "account_id", account_id);
    if (it->structured) { /* built by the kind as a JSON object: written as it is */
        vg_buf_puts(&b, ",\"structured\":");
        vg_buf_puts(&b, it->structured);
    }
    if (vg_buf_putc(&b, '}') < 0) {
        vg_buf_free(&b);
        return NULL;
    }
    return vg_buf_steal(&b);
}
