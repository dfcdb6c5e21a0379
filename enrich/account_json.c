/* account_json — an account record back to its JSON form (docs/design.md "Account"), for storing
 * accounts in Redis and for `vigie accounts show`. enrich_accounts_parse reads it back. */
#include "enrich/account_json.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"

static void put_list(struct vg_buf *b, const char *key, char *const *v, size_t n)
{
    if (!n)
        return;
    vg_buf_printf(b, ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        if (i)
            vg_buf_putc(b, ',');
        vg_buf_json_str(b, v[i]);
    }
    vg_buf_putc(b, ']');
}

static void put_str(struct vg_buf *b, const char *key, const char *v)
{
    if (!v)
        return;
    vg_buf_printf(b, ",\"%s\":", key);
    vg_buf_json_str(b, v);
}

static void put_num(struct vg_buf *b, const char *key, double v)
{
    if (v != 0)
        vg_buf_printf(b, ",\"%s\":%.15g", key, v);
}

char *enrich_account_to_json(const struct enrich_account *a)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    vg_buf_puts(&b, "{\"id\":");
    vg_buf_json_str(&b, a->id);
    put_str(&b, "name", a->name);
    put_list(&b, "aliases", a->aliases, a->n_aliases);
    put_list(&b, "domains", a->domains, a->n_domains);
    put_str(&b, "country", a->country);
    if (a->n_identifiers) {
        vg_buf_puts(&b, ",\"identifiers\":{");
        for (size_t i = 0; i < a->n_identifiers; i++) {
            if (i)
                vg_buf_putc(&b, ',');
            vg_buf_json_str(&b, a->identifiers[i].key);
            vg_buf_putc(&b, ':');
            vg_buf_json_str(&b, a->identifiers[i].value);
        }
        vg_buf_putc(&b, '}');
    }
    put_str(&b, "owner", a->owner);
    put_str(&b, "tier", a->tier);
    put_num(&b, "revenue", a->revenue);
    put_num(&b, "margin", a->margin);
    put_num(&b, "growth_potential", a->growth_potential);
    put_num(&b, "strategic_fit", a->strategic_fit);
    put_num(&b, "image", a->image);
    put_str(&b, "crm_id", a->crm_id);
    put_list(&b, "context_keywords", a->context_keywords, a->n_context_keywords);
    put_list(&b, "negative_keywords", a->negative_keywords, a->n_negative_keywords);
    put_str(&b, "retired", a->retired);
    put_str(&b, "owner_email", a->owner_email);
    put_str(&b, "owner_slack", a->owner_slack);
    put_str(&b, "owner_timezone", a->owner_timezone);
    put_str(&b, "owner_digest", a->owner_digest);
    put_str(&b, "parent_id", a->parent_id);
    if (a->n_units) {
        vg_buf_puts(&b, ",\"units\":[");
        for (size_t i = 0; i < a->n_units; i++) {
            const struct enrich_unit *u = &a->units[i];
            vg_buf_puts(&b, i ? ",{\"name\":" : "{\"name\":");
            vg_buf_json_str(&b, u->name);
            put_list(&b, "aliases", u->aliases, u->n_aliases);
            put_list(&b, "domains", u->domains, u->n_domains);
            vg_buf_putc(&b, '}');
        }
        vg_buf_putc(&b, ']');
    }
    if (vg_buf_putc(&b, '}') < 0) {
        vg_buf_free(&b);
        return NULL;
    }
    return vg_buf_steal(&b);
}
