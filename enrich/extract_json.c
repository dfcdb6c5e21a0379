/* extract_json — the JSON shapes of extraction results: the fixed `vigie extract --json`
 * line and the full signal record (docs/design.md "Signal"). */
#include "enrich/extract.h"

#include <math.h>
#include <stdio.h>

static int json_str_or_null(struct vg_buf *b, const char *s)
{
    return s ? vg_buf_json_str(b, s) : vg_buf_puts(b, "null");
}

static int json_number(struct vg_buf *b, double v)
{
    if (!isfinite(v))
        return vg_buf_puts(b, "null");
    if (v == floor(v) && fabs(v) < 9e15)
        return vg_buf_printf(b, "%.0f", v);
    return vg_buf_printf(b, "%.15g", v);
}

static int amount_json(struct vg_buf *b, const struct enrich_amount *a)
{
    if (vg_buf_puts(b, "{\"value\":") < 0 || json_number(b, a->value) < 0 ||
        vg_buf_puts(b, ",\"currency\":") < 0 || vg_buf_json_str(b, a->currency) < 0)
        return -1;
    return vg_buf_putc(b, '}');
}

static int person_json(struct vg_buf *b, const struct enrich_person *p, int full)
{
    if (vg_buf_puts(b, "{\"name\":") < 0 || vg_buf_json_str(b, p->name) < 0 ||
        vg_buf_puts(b, ",\"role\":") < 0 || json_str_or_null(b, p->role) < 0 ||
        vg_buf_puts(b, ",\"role_norm\":") < 0 || json_str_or_null(b, p->role_norm) < 0 ||
        vg_buf_puts(b, ",\"seniority\":") < 0 || json_str_or_null(b, p->seniority) < 0 ||
        vg_buf_puts(b, ",\"department\":") < 0 || json_str_or_null(b, p->department) < 0)
        return -1;
    if (full && (vg_buf_puts(b, ",\"departing\":") < 0 ||
                 vg_buf_puts(b, p->departing ? "true" : "false") < 0))
        return -1;
    return vg_buf_putc(b, '}');
}

int enrich_result_json(const struct enrich_extractor *x, const struct enrich_result *r,
                       struct vg_buf *b)
{
    const struct enrich_account_set *set = enrich_extractor_accounts(x);
    if (vg_buf_puts(b, "{\"id\":") < 0 || vg_buf_json_str(b, r->id) < 0 ||
        vg_buf_puts(b, ",\"signals\":[") < 0)
        return -1;
    for (size_t i = 0; i < r->n_types; i++)
        if ((i && vg_buf_putc(b, ',') < 0) || vg_buf_json_str(b, r->types[i]) < 0)
            return -1;
    if (vg_buf_puts(b, "],\"amounts\":[") < 0)
        return -1;
    for (size_t i = 0; i < r->n_amounts; i++)
        if ((i && vg_buf_putc(b, ',') < 0) || amount_json(b, &r->amounts[i]) < 0)
            return -1;
    if (vg_buf_puts(b, "],\"people\":[") < 0)
        return -1;
    for (size_t i = 0; i < r->n_people; i++)
        if ((i && vg_buf_putc(b, ',') < 0) || person_json(b, &r->people[i], 0) < 0)
            return -1;
    if (vg_buf_puts(b, "],\"companies\":[") < 0)
        return -1;
    for (size_t i = 0; i < r->n_companies; i++)
        if ((i && vg_buf_putc(b, ',') < 0) || vg_buf_json_str(b, r->companies[i]) < 0)
            return -1;
    /* accounts: the subjects and counterparties; mentioned: the others */
    for (int part = 0; part < 2; part++) {
        if (vg_buf_puts(b, part ? "],\"mentioned\":[" : "],\"accounts\":[") < 0)
            return -1;
        int first = 1;
        for (size_t i = 0; i < r->n_accounts; i++) {
            if ((r->roles && r->roles[i] == ENRICH_ROLE_MENTIONED) != part)
                continue;
            if ((!first && vg_buf_putc(b, ',') < 0) ||
                vg_buf_json_str(b, set->v[r->accounts[i]].id) < 0)
                return -1;
            first = 0;
        }
    }
    return vg_buf_puts(b, "]}");
}

int enrich_signal_json(const struct enrich_extractor *x, const struct enrich_result *r,
                       const struct enrich_signal *s, struct vg_buf *b)
{
    (void)x;
    if (vg_buf_puts(b, "{\"id\":") < 0 || vg_buf_json_str(b, s->id) < 0 ||
        vg_buf_puts(b, ",\"account_id\":") < 0 || json_str_or_null(b, s->account_id) < 0 ||
        vg_buf_puts(b, ",\"role\":") < 0 || json_str_or_null(b, enrich_role_name(s->role)) < 0 ||
        vg_buf_puts(b, ",\"type\":") < 0 || vg_buf_json_str(b, s->type) < 0 ||
        vg_buf_printf(b, ",\"confidence\":%.2f,\"priority\":%d", s->confidence, s->priority) < 0 ||
        vg_buf_puts(b, ",\"title\":") < 0 || vg_buf_json_str(b, r->title) < 0 ||
        vg_buf_puts(b, ",\"url\":") < 0 || json_str_or_null(b, r->url) < 0 ||
        vg_buf_puts(b, ",\"published\":") < 0 || json_str_or_null(b, r->published) < 0 ||
        vg_buf_puts(b, ",\"detected\":") < 0 || vg_buf_json_str(b, r->detected) < 0 ||
        vg_buf_puts(b, ",\"evidence\":") < 0 || vg_buf_json_str(b, s->evidence) < 0 ||
        vg_buf_puts(b, ",\"amounts\":[") < 0)
        return -1;
    for (size_t i = 0; i < s->n_amounts; i++)
        if ((i && vg_buf_putc(b, ',') < 0) || amount_json(b, &r->amounts[s->amounts[i]]) < 0)
            return -1;
    if (vg_buf_puts(b, "],\"people\":[") < 0)
        return -1;
    for (size_t i = 0; i < s->n_people; i++)
        if ((i && vg_buf_putc(b, ',') < 0) || person_json(b, &r->people[s->people[i]], 1) < 0)
            return -1;
    if (vg_buf_puts(b, "],\"counterparties\":[") < 0)
        return -1;
    for (size_t i = 0; i < s->n_parties; i++) {
        const struct enrich_party *p = &r->parties[s->parties[i]];
        if ((i && vg_buf_putc(b, ',') < 0) || vg_buf_puts(b, "{\"name\":") < 0 ||
            vg_buf_json_str(b, p->name) < 0 || vg_buf_puts(b, ",\"role\":") < 0 ||
            vg_buf_json_str(b, p->role) < 0 || vg_buf_putc(b, '}') < 0)
            return -1;
    }
    if (vg_buf_puts(b, "],\"places\":[") < 0)
        return -1;
    for (size_t i = 0; i < s->n_places; i++)
        if ((i && vg_buf_putc(b, ',') < 0) || vg_buf_json_str(b, r->places[s->places[i]].name) < 0)
            return -1;
    if (vg_buf_puts(b, "],\"modifiers\":[") < 0)
        return -1;
    for (size_t i = 0; i < s->n_modifiers; i++)
        if ((i && vg_buf_putc(b, ',') < 0) || json_str_or_null(b, s->modifiers[i]) < 0)
            return -1;
    if (vg_buf_putc(b, ']') < 0)
        return -1;
    /* Only when a unit is named: a record without one keeps the shape of ../shared/DESIGN.md. */
    const struct enrich_account_set *set = enrich_extractor_accounts(x);
    if (s->account_id && s->unit >= 0 && set && s->account < set->n &&
        (size_t)s->unit < set->v[s->account].n_units &&
        (vg_buf_puts(b, ",\"unit\":") < 0 || vg_buf_json_str(b, set->v[s->account].units[s->unit].name) < 0))
        return -1;
    /* Only from a structured item that says what changed (docs/design.md "Signal"). */
    if (s->change && (vg_buf_puts(b, ",\"change\":") < 0 || vg_buf_puts(b, s->change) < 0))
        return -1;
    if (vg_buf_puts(b, ",\"lang\":") < 0 || vg_buf_json_str(b, r->lang) < 0 ||
        vg_buf_puts(b, ",\"sources\":1}") < 0)
        return -1;
    return 0;
}
