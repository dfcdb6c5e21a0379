/* bodacc_record — one BODACC announcement to one structured item (docs/design.md "### bodacc"):
 * which company of the batch it concerns (by SIREN only), what happened in a French sentence,
 * and the signals it carries:
 *   collective (procédures collectives) -> insolvency, priority 100, the procedure and its stage
 *                                          (ouverture, plan de cession, clôture...) in the evidence
 *   conciliation                        -> insolvency, priority 90
 *   vente (sale of a business)          -> acquisition (the buyer's, or the seller's when the
 *                                          account is the previous owner)
 *   modification                        -> registry_change per field the text names (directors,
 *                                          capital, head office, legal form, name, activity), and
 *                                          leadership_change with the directors named
 *   dpc (dépôt des comptes)             -> financial_results
 *   radiation                           -> registry_change (struck off the register)
 *   creation, immatriculation           -> registry_change, priority 20 (a new establishment
 *                                          registered: rarely news for a known account) */
#include "fetchers/bodacc.h"
#include "fetchers/feed.h"
#include "fetchers/feed_url.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVIDENCE_MAX 2048

/* The members of a record that hold JSON (in a string, usually). */
enum { M_PERSONNES, M_JUGEMENT, M_ACTE, M_MODIF, M_DEPOT, M_RADIATION, M_PREC_PROPRIO, M_PREC_EXPLOIT, M_ETAB, M_COUNT };
static const char *const member_names[M_COUNT] = {
    "listepersonnes", "jugement", "acte", "modificationsgenerales", "depot", "radiationaurcs",
    "listeprecedentproprietaire", "listeprecedentexploitant", "listeetablissements",
};

struct rec {
    const cJSON *rec;
    const char *family;
    const cJSON *m[M_COUNT];
    cJSON *owned[M_COUNT];
    char siren[BODACC_SIREN_LEN + 1];
    const cJSON *personne; /* the company's entry in listepersonnes, or NULL */
    char *company;         /* its name, or NULL */
    char *other;           /* vente: the other party's name, or NULL */
    int seller;            /* vente: the account is the previous owner */
    int corrects;          /* a correction of an earlier announcement (typeavis) */
    char *tribunal;        /* readable, or NULL */
    char date_fr[32];      /* of publication */
    cJSON *structured, *signals;
    struct vg_buf title, summary;
    int failed;
};

static const char *str(const cJSON *o, const char *k)
{
    const char *s = vg_json_str(o, k);
    return s && s[strspn(s, " \t\r\n")] ? s : NULL;
}

static const char *text(const cJSON *o, const char *const *keys, char *tmp, size_t tmplen)
{
    return bodacc_find_text(o, keys, tmp, tmplen);
}

/* ---- finding the company ---- */

/* The first personne of `liste` whose SIREN is in the batch. */
static const cJSON *personne_in_batch(const cJSON *liste, const struct bodacc_sirens *batch, char siren[BODACC_SIREN_LEN + 1])
{
    const cJSON *all = bodacc_personnes(liste), *p;
    char s[BODACC_SIREN_LEN + 1];
    /* one person, or a list of them (walked in order: cJSON_GetArrayItem would walk it again
     * for each index) */
    int list = cJSON_IsArray(all);
    p = list ? all->child : all;
    for (size_t seen = 0; p && seen < 1000; seen++, p = list ? p->next : NULL) {
        if (cJSON_IsObject(p) && bodacc_personne_siren(p, s) == 0 && bodacc_sirens_has(batch, s)) {
            memcpy(siren, s, sizeof(s));
            return p;
        }
    }
    return NULL;
}

/* 0 when the record names a SIREN of the batch (r->siren, r->personne, r->company set), 1 not. */
static int find_company(struct rec *r, const struct bodacc_sirens *batch)
{
    const cJSON *p = personne_in_batch(r->m[M_PERSONNES], batch, r->siren);
    if (!p && bodacc_registre_match(cJSON_GetObjectItemCaseSensitive(r->rec, "registre"), batch, r->siren)) {
        /* the subject's SIREN is in `registre`; its personne has none written, or a spaced one
         * that bodacc_personne_siren read already: take the first entry for the name */
        p = bodacc_personne(r->m[M_PERSONNES]);
        char other[BODACC_SIREN_LEN + 1];
        if (p && bodacc_personne_siren(p, other) == 0 && strcmp(other, r->siren) != 0)
            p = NULL; /* that entry is another company */
    }
    if (p || r->siren[0]) {
        r->personne = p;
        r->company = p ? bodacc_personne_name(p) : NULL;
        if (!r->company && str(r->rec, "commercant"))
            r->company = vg_strdup(str(r->rec, "commercant"));
        return 0;
    }
    /* a sale where the account is the one selling its business */
    if (strcmp(r->family, "vente") == 0) {
        const cJSON *prev = personne_in_batch(r->m[M_PREC_PROPRIO], batch, r->siren);
        if (!prev)
            prev = personne_in_batch(r->m[M_PREC_EXPLOIT], batch, r->siren);
        if (prev) {
            r->seller = 1;
            r->personne = prev;
            r->company = bodacc_personne_name(prev);
            const cJSON *buyer = bodacc_personne(r->m[M_PERSONNES]);
            r->other = buyer ? bodacc_personne_name(buyer) : NULL;
            if (!r->other && str(r->rec, "commercant"))
                r->other = vg_strdup(str(r->rec, "commercant"));
            return 0;
        }
    }
    return 1;
}

/* ---- building the structured member ---- */

static char *clean(const char *s, size_t max, unsigned flags)
{
    return feed_text_clean(s, strlen(s), max, flags);
}

static void add_str(struct rec *r, cJSON *o, const char *k, const char *v)
{
    char *c = v ? clean(v, EVIDENCE_MAX, 0) : NULL;
    if (!c || !*c || !cJSON_AddStringToObject(o, k, c))
        r->failed |= v && !c;
    vg_free(c);
}

static cJSON *add_signal(struct rec *r, const char *type, int priority, const char *evidence)
{
    cJSON *s = cJSON_CreateObject();
    if (!s || !cJSON_AddItemToArray(r->signals, s)) {
        cJSON_Delete(s);
        r->failed = 1;
        return NULL;
    }
    if (!cJSON_AddStringToObject(s, "type", type) || !cJSON_AddNumberToObject(s, "confidence", 1.0) ||
        (priority >= 0 && !cJSON_AddNumberToObject(s, "priority", priority)))
        r->failed = 1;
    add_str(r, s, "evidence", evidence);
    return s;
}

static void add_change(struct rec *r, cJSON *signal, const char *field, const char *after)
{
    cJSON *c = signal ? cJSON_AddObjectToObject(signal, "change") : NULL;
    if (!c) {
        r->failed |= signal != NULL;
        return;
    }
    cJSON_AddStringToObject(c, "field", field);
    add_str(r, c, "after", after);
}

static void add_people(struct rec *r, cJSON *o, const struct bodacc_person *p, size_t n)
{
    cJSON *arr = cJSON_AddArrayToObject(o, "people");
    for (size_t i = 0; arr && i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        if (!e || !cJSON_AddItemToArray(arr, e)) {
            cJSON_Delete(e);
            r->failed = 1;
            return;
        }
        add_str(r, e, "name", p[i].name);
        add_str(r, e, "role", p[i].role);
        cJSON_AddBoolToObject(e, "departing", p[i].departing);
    }
    r->failed |= !arr;
}

/* "<head> — <company> (<tribunal>)", "Avis rectificatif : ..." for a correction. */
static void set_title(struct rec *r, const char *head)
{
    if (r->corrects)
        vg_buf_puts(&r->title, "Avis rectificatif : ");
    vg_buf_puts(&r->title, head);
    if (r->company)
        vg_buf_printf(&r->title, " — %s", r->company);
    if (r->tribunal)
        vg_buf_printf(&r->title, " (%s)", r->tribunal);
}

static void summary_line(struct rec *r, const char *label, const char *v)
{
    if (!v)
        return;
    if (r->summary.len)
        vg_buf_putc(&r->summary, '\n');
    if (label)
        vg_buf_printf(&r->summary, "%s : ", label);
    vg_buf_puts(&r->summary, v);
    /* each line a sentence: the summary still reads where its line breaks are flattened */
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\n'))
        n--;
    if (n && !strchr(".!?", v[n - 1]))
        vg_buf_putc(&r->summary, '.');
}

/* ---- the families ---- */

static void collective(struct rec *r, int conciliation)
{
    static const char *const nature_keys[] = {"nature", "famille", NULL};
    static const char *const compl_keys[] = {"complementJugement", NULL};
    static const char *const date_keys[] = {"date", NULL};
    char tmp[64];
    const char *nature = text(r->m[M_JUGEMENT], nature_keys, tmp, sizeof(tmp));
    if (!nature)
        nature = str(r->rec, "familleavis_lib");
    if (!nature)
        nature = conciliation ? "Procédure de conciliation" : "Procédure collective";
    const char *compl = text(r->m[M_JUGEMENT], compl_keys, NULL, 0);
    char djug[32] = "";
    const char *d = text(r->m[M_JUGEMENT], date_keys, NULL, 0);
    if (d)
        bodacc_date_fr(d, djug);

    char *about = vg_asprintf("%s %s", nature, compl ? compl : "");
    char *low = about ? bodacc_lower(about) : NULL;
    char *nlow = bodacc_lower(nature);
    if (!low || !nlow) {
        r->failed = 1;
        goto done;
    }
    const char *procedure = conciliation                          ? "Conciliation"
                            : strstr(low, "liquidation")          ? "Liquidation judiciaire"
                            : strstr(low, "redressement")         ? "Redressement judiciaire"
                            : strstr(low, "sauvegarde accélérée") ? "Sauvegarde accélérée"
                            : strstr(low, "sauvegarde")           ? "Sauvegarde"
                                                                  : "Procédure collective";
    const char *stage = strstr(nlow, "cession")       ? "plan de cession"
                        : strstr(nlow, "clôture")     ? "clôture"
                        : strstr(nlow, "conversion")  ? "conversion"
                        : strstr(nlow, "ouverture")   ? "ouverture"
                        : strstr(nlow, "prononçant")  ? "ouverture"
                        : strstr(nlow, "résolution")  ? "résolution du plan"
                        : strstr(nlow, "plan")        ? "plan"
                        : strstr(nlow, "créances")    ? "état des créances"
                                                      : NULL;
    set_title(r, nature);
    struct vg_buf ev;
    vg_buf_init(&ev, 0);
    vg_buf_printf(&ev, "%s%s%s : %s", procedure, stage ? ", " : "", stage ? stage : "", nature);
    if (r->tribunal || djug[0]) {
        vg_buf_printf(&ev, " (%s%s%s%s)", r->tribunal ? r->tribunal : "", r->tribunal && djug[0] ? ", " : "",
                      djug[0] ? "jugement du " : "", djug);
    }
    vg_buf_putc(&ev, '.');
    if (vg_buf_check(&ev) < 0)
        r->failed = 1;
    else
        add_signal(r, "insolvency", conciliation ? 90 : 100, ev.data);
    vg_buf_free(&ev);
    summary_line(r, "Jugement", djug[0] ? djug : NULL);
    summary_line(r, NULL, compl);
done:
    vg_free(about);
    vg_free(low);
    vg_free(nlow);
}

static void vente(struct rec *r)
{
    static const char *const cat_keys[] = {"categorieVente", "categorie", NULL};
    static const char *const desc_keys[] = {"descriptif", NULL};
    static const char *const etab_keys[] = {"activite", "origineFonds", NULL};
    const char *cat = text(r->m[M_ACTE], cat_keys, NULL, 0);
    if (!cat)
        cat = str(r->rec, "familleavis_lib");
    if (!cat)
        cat = "Vente et cession de fonds de commerce";
    const char *desc = text(r->m[M_ACTE], desc_keys, NULL, 0);
    const cJSON *etab = r->m[M_ETAB] ? cJSON_GetObjectItemCaseSensitive(r->m[M_ETAB], "etablissement") : NULL;
    if (cJSON_IsArray(etab))
        etab = cJSON_GetArrayItem(etab, 0);
    const char *activity = text(etab, etab_keys, NULL, 0);
    char *ev;
    if (r->seller) {
        set_title(r, "Cession de fonds de commerce");
        ev = vg_asprintf("Fonds de commerce cédé%s%s : %s.", r->other ? " à " : "", r->other ? r->other : "", cat);
    } else {
        set_title(r, cat);
        ev = vg_asprintf("%s%s%s.", cat, activity ? " : " : "", activity ? activity : "");
    }
    if (!ev)
        r->failed = 1;
    else
        add_signal(r, "acquisition", -1, ev);
    vg_free(ev);
    summary_line(r, r->seller ? "Acquéreur" : NULL, r->seller ? r->other : NULL);
    summary_line(r, "Activité", activity);
    summary_line(r, NULL, desc);
}

/* "12 rue de la République, 69002 Lyon" from an address object, or NULL. */
static char *address(const cJSON *a)
{
    if (!cJSON_IsObject(a))
        return NULL;
    static const char *const parts[] = {"numeroVoie", "typeVoie", "nomVoie", "complGeographique", NULL};
    struct vg_buf b;
    vg_buf_init(&b, 4096);
    for (size_t i = 0; parts[i]; i++) {
        char tmp[32];
        const char *const one[] = {parts[i], NULL};
        const char *v = bodacc_find_text(a, one, tmp, sizeof(tmp));
        if (v)
            vg_buf_printf(&b, "%s%s", b.len ? " " : "", v);
    }
    const char *cp = str(a, "codePostal"), *ville = str(a, "ville");
    if (cp || ville)
        vg_buf_printf(&b, "%s%s%s%s", b.len ? ", " : "", cp ? cp : "", cp && ville ? " " : "", ville ? ville : "");
    if (vg_buf_check(&b) < 0 || !b.len) {
        vg_buf_free(&b);
        return NULL;
    }
    return vg_buf_steal(&b);
}

/* The capital as "1 000 000 EUR" text and a number, from personne.capital. */
static char *capital(const cJSON *personne, double *value, const char **currency)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(personne, "capital");
    *value = NAN;
    *currency = "EUR";
    if (!cJSON_IsObject(c))
        return NULL;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(c, "montantCapital");
    const char *dev = str(c, "devise");
    if (dev)
        *currency = dev;
    if (cJSON_IsNumber(m)) {
        *value = m->valuedouble;
        return vg_asprintf("%.15g %s", m->valuedouble, *currency);
    }
    if (!cJSON_IsString(m) || !*m->valuestring)
        return NULL;
    char digits[64];
    size_t n = 0;
    for (const char *p = m->valuestring; *p && n + 1 < sizeof(digits); p++) {
        if ((*p >= '0' && *p <= '9') || *p == '.')
            digits[n++] = *p;
        else if (*p == ',')
            digits[n++] = '.';
    }
    digits[n] = '\0';
    char *end;
    double v = strtod(digits, &end);
    if (n && *end == '\0' && isfinite(v))
        *value = v;
    return vg_asprintf("%s %s", m->valuestring, *currency);
}

static void modification(struct rec *r)
{
    static const char *const desc_keys[] = {"descriptif", NULL};
    const char *desc = text(r->m[M_MODIF], desc_keys, NULL, 0);
    char *low = desc ? bodacc_lower(desc) : NULL;
    struct bodacc_person people[BODACC_MAX_PEOPLE];
    size_t npeople = desc ? bodacc_directors(desc, people, BODACC_MAX_PEOPLE) : 0;
    const char *admin = str(r->personne, "administration");
    struct vg_buf what; /* the fields changed, for the title */
    vg_buf_init(&what, 0);
    int any = 0;
    if (desc && !low)
        r->failed = 1;

    if (npeople || (low && (strstr(low, "administration") || strstr(low, "dirigeant")))) {
        struct vg_buf ev;
        vg_buf_init(&ev, 0);
        for (size_t i = 0; i < npeople; i++)
            vg_buf_printf(&ev, "%s%s : %s%s", i ? " ; " : "", people[i].role, people[i].name,
                          people[i].departing ? " (départ)" : "");
        const char *after = npeople ? ev.data : admin;
        char *e = vg_asprintf("Dirigeants modifiés%s%s.", after ? " : " : "", after ? after : "");
        add_change(r, add_signal(r, "registry_change", -1, e ? e : "Dirigeants modifiés."), "directors", after);
        if (npeople) {
            cJSON *lc = add_signal(r, "leadership_change", -1, e ? e : "Dirigeants modifiés.");
            if (lc)
                add_people(r, lc, people, npeople);
        }
        vg_free(e);
        vg_buf_free(&ev);
        vg_buf_printf(&what, "%sdirigeants", any++ ? ", " : "");
    }
    if (low && strstr(low, "capital")) {
        double v;
        const char *cur;
        char *cap = capital(r->personne, &v, &cur);
        char *e = vg_asprintf("Capital modifié%s%s.", cap ? ", nouveau capital : " : "", cap ? cap : "");
        cJSON *s = add_signal(r, "registry_change", -1, e ? e : "Capital modifié.");
        add_change(r, s, "capital", cap);
        if (s && isfinite(v)) {
            cJSON *amounts = cJSON_AddArrayToObject(s, "amounts"), *a = cJSON_CreateObject();
            if (!amounts || !a || !cJSON_AddItemToArray(amounts, a)) {
                cJSON_Delete(a);
                r->failed = 1;
            } else {
                cJSON_AddNumberToObject(a, "value", v);
                add_str(r, a, "currency", cur);
            }
        }
        vg_free(e);
        vg_free(cap);
        vg_buf_printf(&what, "%scapital", any++ ? ", " : "");
    }
    if (low && (strstr(low, "siège") || strstr(low, "adresse") || strstr(low, "transfert"))) {
        char *addr = address(cJSON_GetObjectItemCaseSensitive(r->personne, "adresseSiegeSocial"));
        char *e = vg_asprintf("Siège transféré%s%s.", addr ? " : " : "", addr ? addr : "");
        add_change(r, add_signal(r, "registry_change", -1, e ? e : "Siège transféré."), "head_office", addr);
        vg_free(e);
        vg_free(addr);
        vg_buf_printf(&what, "%ssiège", any++ ? ", " : "");
    }
    static const struct {
        const char *word, *field, *label, *member;
    } simple[] = {
        {"forme juridique", "legal_form", "forme juridique", "formeJuridique"},
        {"dénomination", "name", "dénomination", "denomination"},
        {"activité", "activity", "activité", "activite"},
    };
    for (size_t i = 0; low && i < sizeof(simple) / sizeof(simple[0]); i++) {
        if (!strstr(low, simple[i].word))
            continue;
        const char *after = str(r->personne, simple[i].member);
        char *e = vg_asprintf("Modification : %s%s%s.", simple[i].label, after ? " : " : "", after ? after : "");
        add_change(r, add_signal(r, "registry_change", -1, e ? e : "Modification au registre."), simple[i].field,
                   after);
        vg_free(e);
        vg_buf_printf(&what, "%s%s", any++ ? ", " : "", simple[i].label);
    }
    if (!any)
        add_signal(r, "registry_change", -1, desc ? desc : "Modification au registre du commerce et des sociétés.");
    char *head = any ? vg_asprintf("Modification au registre (%s)", what.data) : NULL;
    set_title(r, head ? head : "Modification au registre du commerce et des sociétés");
    summary_line(r, NULL, desc);
    vg_free(head);
    vg_buf_free(&what);
    vg_free(low);
    bodacc_people_free(people, npeople);
}

static void comptes(struct rec *r)
{
    static const char *const close_keys[] = {"dateCloture", NULL};
    static const char *const type_keys[] = {"typeDepot", NULL};
    static const char *const desc_keys[] = {"descriptif", NULL};
    const char *close = text(r->m[M_DEPOT], close_keys, NULL, 0);
    const char *type = text(r->m[M_DEPOT], type_keys, NULL, 0);
    char dclose[32] = "";
    if (close)
        bodacc_date_fr(close, dclose);
    char *head = vg_asprintf("Dépôt des comptes%s%s%s%s%s", type ? " : " : "", type ? type : "",
                             dclose[0] ? " (exercice clos le " : "", dclose, dclose[0] ? ")" : "");
    char *e = vg_asprintf("Comptes déposés au greffe%s%s.", dclose[0] ? " pour l'exercice clos le " : "", dclose);
    if (!head || !e)
        r->failed = 1;
    else {
        set_title(r, head);
        add_signal(r, "financial_results", -1, e);
    }
    summary_line(r, NULL, text(r->m[M_DEPOT], desc_keys, NULL, 0));
    vg_free(head);
    vg_free(e);
}

static void radiation(struct rec *r)
{
    static const char *const keys[] = {"commentaire", "descriptif", NULL};
    static const char *const date_keys[] = {"dateCessationActivitePM", "dateCessationActivitePP", NULL};
    const char *comment = text(r->m[M_RADIATION], keys, NULL, 0);
    const char *d = text(r->m[M_RADIATION], date_keys, NULL, 0);
    char dfr[32] = "";
    if (d)
        bodacc_date_fr(d, dfr);
    set_title(r, "Radiation du registre du commerce et des sociétés");
    char *e = vg_asprintf("Société radiée du registre du commerce et des sociétés%s%s%s%s.",
                          dfr[0] ? ", cessation d'activité le " : "", dfr, comment ? " : " : "", comment ? comment : "");
    add_change(r, add_signal(r, "registry_change", -1, e ? e : "Société radiée du registre."), "state", "radiée");
    vg_free(e);
    summary_line(r, NULL, comment);
}

static void creation(struct rec *r)
{
    static const char *const cat_keys[] = {"categorieCreation", "categorieImmatriculation", "categorie", NULL};
    static const char *const desc_keys[] = {"descriptif", "activite", NULL};
    const char *cat = text(r->m[M_ACTE], cat_keys, NULL, 0);
    const char *desc = text(r->m[M_ACTE], desc_keys, NULL, 0);
    const char *lib = str(r->rec, "familleavis_lib");
    set_title(r, cat ? cat : lib ? lib : "Immatriculation");
    char *e = vg_asprintf("Immatriculation au registre du commerce et des sociétés%s%s.", cat ? " : " : "", cat ? cat : "");
    add_change(r, add_signal(r, "registry_change", 20, e ? e : "Immatriculation."), "establishment", cat);
    vg_free(e);
    summary_line(r, NULL, desc);
}

/* ---- the record ---- */

static void rec_free(struct rec *r)
{
    for (size_t i = 0; i < M_COUNT; i++)
        cJSON_Delete(r->owned[i]);
    vg_free(r->company);
    vg_free(r->other);
    vg_free(r->tribunal);
    cJSON_Delete(r->structured);
    vg_buf_free(&r->title);
    vg_buf_free(&r->summary);
}

/* The company's officers as the announcement lists them (personne.administration). */
static void officers(struct rec *r)
{
    const char *admin = r->seller ? NULL : str(r->personne, "administration");
    struct bodacc_person people[BODACC_MAX_PEOPLE];
    size_t n = admin ? bodacc_directors(admin, people, BODACC_MAX_PEOPLE) : 0;
    add_people(r, r->structured, people, n);
    bodacc_people_free(people, n);
}

static int build(struct rec *r)
{
    if (!(r->structured = cJSON_CreateObject()) || !cJSON_AddStringToObject(r->structured, "source", "bodacc"))
        return -1;
    cJSON *company = cJSON_AddObjectToObject(r->structured, "company");
    if (!company || !cJSON_AddStringToObject(company, "scheme", "siren") ||
        !cJSON_AddStringToObject(company, "id", r->siren))
        return -1;
    if (r->company)
        add_str(r, company, "name", r->company);
    if (!(r->signals = cJSON_AddArrayToObject(r->structured, "signals")))
        return -1;
    const char *f = r->family;
    if (strcmp(f, "collective") == 0)
        collective(r, 0);
    else if (strcmp(f, "conciliation") == 0)
        collective(r, 1);
    else if (strcmp(f, "vente") == 0)
        vente(r);
    else if (strcmp(f, "modification") == 0)
        modification(r);
    else if (strcmp(f, "dpc") == 0)
        comptes(r);
    else if (strcmp(f, "radiation") == 0)
        radiation(r);
    else
        creation(r);
    officers(r);
    return r->failed ? -1 : 0;
}

static int known_family(const char *f)
{
    static const char *const families[] = {"collective", "conciliation", "vente", "modification", "dpc",
                                           "radiation", "creation", "immatriculation", NULL};
    for (size_t i = 0; f && families[i]; i++)
        if (strcmp(f, families[i]) == 0)
            return 1;
    return 0;
}

/* The announcement's page: an absolute http(s) URL of printable ASCII (BODACC's are), else none. */
static char *link_of(const char *url)
{
    char *u = feed_url_resolve(NULL, url);
    int ok = u && feed_url_is_absolute(u) && strlen(u) <= FEED_MAX_URL;
    for (const unsigned char *p = (const unsigned char *)u; ok && *p; p++)
        ok = *p > 0x20 && *p < 0x7f;
    if (!ok) {
        vg_free(u);
        return NULL;
    }
    return u;
}

/* Moves what was built into a new item of doc. */
static int emit(struct rec *r, const char *id, struct feed_doc *doc)
{
    struct feed_item it = {.published = FEED_DATE_NONE, .updated = FEED_DATE_NONE, .kind = "announcement"};
    char *json = cJSON_PrintUnformatted(r->structured); /* cJSON's allocator: copied into vg memory */
    const char *url = str(r->rec, "url_complete"), *date = str(r->rec, "dateparution");
    const char *lib = str(r->rec, "familleavis_lib");
    int rc = -1;
    if (!(it.id = clean(id, FEED_MAX_SHORT, 0)) || !*it.id ||
        !(it.title = feed_text_clean(r->title.data ? r->title.data : "", r->title.len, FEED_MAX_TITLE, 0)) ||
        !(it.summary = feed_text_clean(r->summary.data ? r->summary.data : "", r->summary.len, FEED_MAX_SUMMARY,
                                       FEED_TEXT_MULTILINE)) ||
        !json || !(it.structured = vg_strdup(json)))
        goto done;
    if (url)
        it.link = link_of(url);
    if (date)
        it.published = feed_date_parse(date);
    if (lib) {
        char *c = clean(lib, FEED_MAX_SHORT, 0);
        if (c && *c)
            feed_item_add_category(&it, c);
        vg_free(c);
    }
    struct feed_item *slot = feed_doc_add_item(doc);
    if (!slot) {
        rc = doc->nitems >= FEED_MAX_ITEMS ? 1 : -1;
        goto done;
    }
    *slot = it;
    memset(&it, 0, sizeof(it));
    rc = 0;
done:
    cJSON_free(json);
    feed_item_clear(&it);
    return rc;
}

int bodacc_record_item(const cJSON *rec, const struct bodacc_sirens *batch, struct feed_doc *doc, char *why,
                       size_t whylen)
{
    if (!cJSON_IsObject(rec)) {
        snprintf(why, whylen, "a record that is not an object");
        return 1;
    }
    const char *id = str(rec, "id");
    if (!id) {
        snprintf(why, whylen, "a record without an id");
        return 1;
    }
    struct rec r = {.rec = rec, .family = str(rec, "familleavis")};
    vg_buf_init(&r.title, 0);
    vg_buf_init(&r.summary, 0);
    int rc = 1;
    if (!known_family(r.family)) {
        snprintf(why, whylen, "record %.40s: family '%.40s' is not read", id, r.family ? r.family : "");
        goto done;
    }
    /* A cancellation withdraws an earlier announcement: it raises nothing (the earlier one
     * was an item already); a correction is read as the announcement it corrects. */
    char *avis = bodacc_lower(str(rec, "typeavis_lib") ? str(rec, "typeavis_lib") : str(rec, "typeavis") ? str(rec, "typeavis") : "");
    if (!avis)
        goto oom;
    r.corrects = strstr(avis, "rectifica") != NULL;
    int cancels = strstr(avis, "annulation") != NULL;
    vg_free(avis);
    if (cancels) {
        snprintf(why, whylen, "record %.40s cancels an earlier announcement", id);
        goto done;
    }
    for (size_t i = 0; i < M_COUNT; i++) {
        int broken = 0;
        r.m[i] = bodacc_member_json(rec, member_names[i], &r.owned[i], &broken);
        if (broken) {
            snprintf(why, whylen, "record %.40s: %s holds no readable JSON", id, member_names[i]);
            goto done;
        }
    }
    if (find_company(&r, batch) != 0) {
        snprintf(why, whylen, "record %.40s names no SIREN of the source", id);
        goto done;
    }
    const char *trib = str(rec, "tribunal");
    if (trib && !(r.tribunal = bodacc_tribunal_name(trib)))
        goto oom;
    const char *date = str(rec, "dateparution");
    if (date)
        bodacc_date_fr(date, r.date_fr);
    if (build(&r) < 0)
        goto oom;
    summary_line(&r, "Tribunal", r.tribunal);
    const char *num = str(rec, "numeroannonce"), *pub = str(rec, "publicationavis"), *par = str(rec, "parution");
    char tmp[32];
    if (!num && cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(rec, "numeroannonce"))) {
        snprintf(tmp, sizeof(tmp), "%.0f", cJSON_GetObjectItemCaseSensitive(rec, "numeroannonce")->valuedouble);
        num = tmp;
    }
    if (r.summary.len)
        vg_buf_putc(&r.summary, '\n');
    vg_buf_printf(&r.summary, "BODACC%s%s%s%s%s%s%s%s", pub ? " " : "", pub ? pub : "", par ? " n° " : "",
                  par ? par : "", num ? ", annonce n° " : "", num ? num : "", r.date_fr[0] ? ", publiée le " : "",
                  r.date_fr);
    if (vg_buf_check(&r.title) < 0 || vg_buf_check(&r.summary) < 0)
        goto oom;
    rc = emit(&r, id, doc);
    if (rc == 1)
        snprintf(why, whylen, "more than %d announcements", FEED_MAX_ITEMS);
    if (rc < 0)
        goto oom;
    goto done;
oom:
    rc = -1;
    snprintf(why, whylen, "out of memory");
done:
    rec_free(&r);
    return rc;
}
