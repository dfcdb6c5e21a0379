/* doc — preparing one item (see doc.h). */
#include "enrich/doc.h"

#include "util/vg_alloc.h"

#include <string.h>

int enrich_doc_init(struct enrich_doc *d, const struct enrich_rules *r, const char *title,
                    const char *summary, const char *lang)
{
    memset(d, 0, sizeof(*d));
    d->rules = r;
    d->lang = lang ? lang : "";
    size_t tl = title ? strlen(title) : 0, sl = summary ? strlen(summary) : 0;
    d->orig = vg_malloc(tl + sl + 2);
    if (!d->orig)
        return -1;
    if (tl)
        memcpy(d->orig, title, tl);
    /* The title is a sentence of its own even when it ends without a period. */
    d->orig[tl] = '\n';
    if (sl)
        memcpy(d->orig + tl + 1, summary, sl);
    d->orig_len = tl + 1 + sl;
    d->orig[d->orig_len] = '\0';
    d->title_end = tl;
    if (enrich_text_fold(d->orig, d->orig_len, &d->t) < 0)
        goto fail;
    d->md = pcre2_match_data_create(128, NULL);
    if (!d->md)
        goto fail;
    d->n_sent = enrich_sentences(d->t.f, d->t.len, d->sent, ENRICH_MAX_SENTENCES);
    for (size_t i = 0; i < d->n_sent; i++)
        enrich_rules_gates(r, d->t.l + d->sent[i].start, d->sent[i].end - d->sent[i].start,
                           d->gates[i]);
    return 0;
fail:
    enrich_doc_release(d);
    return -1;
}

void enrich_doc_release(struct enrich_doc *d)
{
    if (!d)
        return;
    vg_free(d->orig);
    enrich_text_release(&d->t);
    pcre2_match_data_free(d->md);
    memset(d, 0, sizeof(*d));
}

size_t enrich_doc_orig(const struct enrich_doc *d, size_t folded)
{
    if (folded > d->t.len)
        folded = d->t.len;
    return d->t.map[folded];
}

char *enrich_doc_copy(const struct enrich_doc *d, size_t a, size_t b)
{
    if (b < a)
        b = a;
    size_t oa = enrich_doc_orig(d, a);
    /* The end maps to the first original byte after the span's last folded byte. */
    size_t ob = b > a ? enrich_doc_orig(d, b - 1) : oa;
    if (b > a) {
        /* step past the whole UTF-8 character that produced the last folded byte */
        ob++;
        while (ob < d->orig_len && ((unsigned char)d->orig[ob] & 0xC0) == 0x80)
            ob++;
    }
    char *s = vg_malloc(ob - oa + 1);
    if (!s)
        return NULL;
    size_t n = 0;
    for (size_t i = oa; i < ob; i++) {
        char c = d->orig[i];
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
        if (c == ' ' && (n == 0 || s[n - 1] == ' '))
            continue;
        s[n++] = c;
    }
    while (n && s[n - 1] == ' ')
        n--;
    s[n] = '\0';
    return s;
}

size_t enrich_doc_sentence_at(const struct enrich_doc *d, size_t off)
{
    for (size_t i = 0; i < d->n_sent; i++)
        if (off >= d->sent[i].start && off < d->sent[i].end)
            return i;
    return d->n_sent;
}
