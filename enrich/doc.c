/* doc — preparing one item (see doc.h). */
#include "enrich/doc.h"

#include "util/vg_alloc.h"

#include <stddef.h>
#include <string.h>

int enrich_doc_init(struct enrich_doc *d, const struct enrich_rules *r, const char *title,
                    const char *summary, const char *lang)
{
    memset(d, 0, offsetof(struct enrich_doc, sent));
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
    while (tl && d->n_title < d->n_sent && enrich_doc_orig(d, d->sent[d->n_title].start) < tl)
        d->n_title++;
    if (d->n_title)
        d->title_named = enrich_title_named(d->t.f + d->sent[0].start,
                                            d->sent[d->n_title - 1].end - d->sent[0].start);
    return 0;
fail:
    enrich_doc_release(d);
    return -1;
}

static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int is_word(char c)
{
    return (c >= 'a' && c <= 'z') || is_upper(c) || (c >= '0' && c <= '9') || (unsigned char)c >= 0x80;
}
/* Characters after which a title starts a new part, whose first word is capitalised anyway. */
static int part_break(char c) { return c == ':' || c == '?' || c == '!' || c == '|' || c == ';'; }

int enrich_title_named(const char *f, size_t len)
{
    /* The words of the current part of the title: how many, how many capitalised, whether all
     * are capitalised or connectors. */
    size_t i = 0, part_words = 0, part_caps = 0;
    int at_part_start = 1, part_all_caps = 1;
    while (i < len) {
        char c = f[i];
        if (part_break(c) || (c == '-' && i > 0 && f[i - 1] == ' ' && i + 1 < len && f[i + 1] == ' ')) {
            /* "Airbus :", "Sanofi et Owkin :" — a name before the colon: one to four
             * capitalised words, joined by "et", "and", "de" or "&". A lone common noun
             * ("Guide :", "Salarié :") looks the same; the title's other words decide then. */
            if (c == ':' && part_all_caps && part_caps >= 1 && part_words <= 4)
                return 1;
            at_part_start = 1;
            part_words = part_caps = 0;
            part_all_caps = 1;
            i++;
            continue;
        }
        if (!is_word(c)) {
            i++;
            continue;
        }
        size_t a = i;
        while (i < len && (is_word(f[i]) || f[i] == '-' || f[i] == '\'' || f[i] == '&' || f[i] == '.'))
            i++;
        size_t wl = i - a;
        int cap = is_upper(f[a]);
        /* a capital past the first letter: "BlaBlaCar", "SNCF", "Rolls-Royce" */
        int inner = 0;
        for (size_t k = a + 1; k < i; k++)
            inner |= is_upper(f[k]);
        part_words++;
        if (cap)
            part_caps++;
        else if (!((wl == 2 && (memcmp(f + a, "et", 2) == 0 || memcmp(f + a, "de", 2) == 0)) ||
                   (wl == 3 && memcmp(f + a, "and", 3) == 0)))
            part_all_caps = 0;
        if ((cap && !at_part_start) || (at_part_start && inner))
            return 1;
        at_part_start = 0;
    }
    return 0;
}

void enrich_doc_release(struct enrich_doc *d)
{
    if (!d)
        return;
    vg_free(d->orig);
    enrich_text_release(&d->t);
    pcre2_match_data_free(d->md);
    memset(d, 0, offsetof(struct enrich_doc, sent));
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
