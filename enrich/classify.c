/* classify — signal types per sentence and per item (see classify.h). */
#include "enrich/classify.h"

#include <string.h>

/* Each further sentence that carries a type adds this much confidence, up to CONF_CAP. */
#define SUPPORT_BONUS 0.05
#define CONF_CAP 0.99

static int section_tried(const struct enrich_section *s, const uint64_t *gates)
{
    return enrich_gate_open(gates, s->kw_bit);
}

/* Best confidence of signal section `s` on sentence text [p, p+n), 0 when none or excluded.
 * `headline`: the sentence is a title that names someone, so `headline` patterns are tried. */
static double sentence_conf(const struct enrich_doc *d, const struct enrich_section *s,
                            const uint64_t *gates, const char *p, size_t n, int headline)
{
    double best = 0;
    for (size_t k = 0; k < s->n_pats; k++) {
        const struct enrich_pattern *pat = &s->pats[k];
        if (!(pat->kind == ENRICH_PAT_MATCH || (headline && pat->kind == ENRICH_PAT_HEADLINE)) ||
            pat->conf <= best || !enrich_gate_open(gates, pat->gate) ||
            !enrich_gate_open(gates, pat->gate2))
            continue;
        if (enrich_rules_run(d->rules, pat->code, p, n, 0, d->md))
            best = pat->conf;
    }
    if (best <= 0)
        return 0;
    for (size_t k = 0; k < s->n_pats; k++) {
        const struct enrich_pattern *pat = &s->pats[k];
        if (pat->kind == ENRICH_PAT_EXCLUDE && enrich_gate_open(gates, pat->gate) &&
            enrich_gate_open(gates, pat->gate2) &&
            enrich_rules_run(d->rules, pat->code, p, n, 0, d->md))
            return 0;
    }
    return best;
}

static int modifier_hits(const struct enrich_doc *d, const struct enrich_section *s,
                         const uint64_t *gates, const char *p, size_t n)
{
    if (!section_tried(s, gates))
        return 0;
    for (size_t k = 0; k < s->n_pats; k++)
        if (enrich_gate_open(gates, s->pats[k].gate) && enrich_gate_open(gates, s->pats[k].gate2) &&
            enrich_rules_run(d->rules, s->pats[k].code, p, n, 0, d->md))
            return 1;
    return 0;
}

size_t enrich_classify(const struct enrich_doc *d, double min_conf, struct enrich_class *out,
                       size_t max)
{
    const struct enrich_section *secs;
    size_t n_secs = enrich_rules_sections(d->rules, &secs);
    /* Per signal section: best hit so far, how many sentences, vetoed or not. A rule set has
     * at most ENRICH_MAX_SECTIONS sections (enrich_rules_compile refuses more). */
    enum { MAXSEC = ENRICH_MAX_SECTIONS };
    struct {
        double conf;
        size_t sentence;
        uint32_t mods;
        unsigned support;
        uint64_t carried;
        int veto;
        int in_title;
    } acc[MAXSEC];
    int title_types = 0; /* signal types the title carries */
    memset(acc, 0, sizeof(acc));
    if (n_secs > MAXSEC)
        n_secs = MAXSEC;

    /* Modifiers of `scope title` read the title alone, for the whole item: a definition, a
     * guide or a how-to talks about a topic, it tells no company's news. Those of `scope
     * topic` read every sentence, but only when the title names no one: a bare term
     * ("Acquisition") over a definition. */
    double item_factor = 1;
    uint32_t item_mods = 0;
    unsigned mk0 = 0;
    for (size_t i = 0; i < n_secs; i++) {
        if (secs[i].kind != ENRICH_SEC_MODIFIER)
            continue;
        size_t upto = secs[i].title_scope == 1 ? d->n_title
                      : secs[i].title_scope == 2 && !d->title_named ? d->n_sent
                                                                     : 0;
        for (size_t si = 0; si < upto && mk0 < 32; si++)
            if (modifier_hits(d, &secs[i], d->gates[si], d->t.l + d->sent[si].start,
                              d->sent[si].end - d->sent[si].start)) {
                item_mods |= 1u << mk0;
                item_factor *= secs[i].factor;
                break;
            }
        mk0++;
    }
    if (item_factor <= 0)
        return 0;

    for (size_t si = 0; si < d->n_sent; si++) {
        const char *p = d->t.l + d->sent[si].start;
        size_t n = d->sent[si].end - d->sent[si].start;
        const uint64_t *mask = d->gates[si];
        double conf[MAXSEC];
        int any = 0;
        for (size_t i = 0; i < n_secs; i++) {
            conf[i] = 0;
            if (secs[i].kind != ENRICH_SEC_SIGNAL || !section_tried(&secs[i], mask))
                continue;
            conf[i] = sentence_conf(d, &secs[i], mask, p, n, si < d->n_title && d->title_named);
            any |= conf[i] > 0;
        }
        if (!any)
            continue;
        /* Modifiers are only looked at in sentences that carry a signal. */
        double factor = 1;
        int veto = 0;
        uint32_t mods = 0;
        unsigned mk = 0;
        for (size_t i = 0; i < n_secs; i++) {
            if (secs[i].kind != ENRICH_SEC_MODIFIER)
                continue;
            if (mk < 32 && !secs[i].title_scope && modifier_hits(d, &secs[i], mask, p, n)) {
                mods |= 1u << mk;
                if (secs[i].factor <= 0)
                    veto = 1;
                else
                    factor *= secs[i].factor;
            }
            mk++;
        }
        for (size_t i = 0; i < n_secs; i++) {
            if (conf[i] <= 0)
                continue;
            if (veto) {
                acc[i].veto = 1;
                continue;
            }
            double c = conf[i] * factor * item_factor;
            if (si < d->n_title && !acc[i].in_title) {
                acc[i].in_title = 1;
                title_types++;
            }
            acc[i].support++;
            if (si < 64)
                acc[i].carried |= (uint64_t)1 << si;
            if (c > acc[i].conf) {
                acc[i].conf = c;
                acc[i].sentence = si;
                acc[i].mods = mods | item_mods;
            }
        }
    }

    size_t n_out = 0;
    for (size_t i = 0; i < n_secs && n_out < max; i++) {
        if (acc[i].veto || acc[i].support == 0)
            continue;
        /* A secondary type told in the summary only, under a title about something else, is
         * context (the company's results quoted in a story about its new plant). */
        if (secs[i].secondary && !acc[i].in_title && title_types > 0)
            continue;
        double c = acc[i].conf + SUPPORT_BONUS * (acc[i].support - 1);
        if (c > CONF_CAP)
            c = CONF_CAP;
        if (c < min_conf)
            continue;
        out[n_out++] = (struct enrich_class){
            .section = (int)i,
            .confidence = c,
            .sentence = acc[i].sentence,
            .modifiers = acc[i].mods,
            .support = acc[i].support,
            .carried = acc[i].carried,
        };
    }
    return n_out;
}

const char *enrich_modifier_name(const struct enrich_rules *r, unsigned k)
{
    const struct enrich_section *secs;
    size_t n = enrich_rules_sections(r, &secs);
    unsigned mk = 0;
    for (size_t i = 0; i < n; i++) {
        if (secs[i].kind != ENRICH_SEC_MODIFIER)
            continue;
        if (mk == k)
            return secs[i].name;
        mk++;
    }
    return NULL;
}
