/* bodacc_fields — reading a BODACC record's members whatever shape they take that day: JSON
 * written inside a string (listepersonnes, jugement, acte, modificationsgenerales, depot...),
 * `personne` an object or an array, SIRENs spaced or not (bodacc.h). */
#include "fetchers/bodacc.h"
#include "util/vg_alloc.h"
#include "util/vg_json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const cJSON *bodacc_member_json(const cJSON *rec, const char *k, cJSON **owned, int *broken)
{
    *owned = NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, k);
    if (!v || cJSON_IsNull(v))
        return NULL;
    if (cJSON_IsObject(v) || cJSON_IsArray(v))
        return v;
    if (!cJSON_IsString(v)) {
        *broken = 1;
        return NULL;
    }
    const char *s = v->valuestring;
    s += strspn(s, " \t\r\n");
    if (!*s)
        return NULL;
    cJSON *t = vg_json_parse(s, strlen(s));
    if (!t || !(cJSON_IsObject(t) || cJSON_IsArray(t))) {
        cJSON_Delete(t);
        *broken = 1;
        return NULL;
    }
    *owned = t;
    return t;
}

const cJSON *bodacc_personnes(const cJSON *liste)
{
    const cJSON *p = cJSON_IsObject(liste) ? cJSON_GetObjectItemCaseSensitive(liste, "personne") : liste;
    return cJSON_IsObject(p) || cJSON_IsArray(p) ? p : NULL;
}

const cJSON *bodacc_personne(const cJSON *liste)
{
    const cJSON *p = bodacc_personnes(liste);
    if (cJSON_IsArray(p))
        p = p->child;
    return cJSON_IsObject(p) ? p : NULL;
}

int bodacc_personne_siren(const cJSON *personne, char out[BODACC_SIREN_LEN + 1])
{
    const cJSON *imm = cJSON_GetObjectItemCaseSensitive(personne, "numeroImmatriculation");
    /* seen as an object, and as a list of one */
    if (cJSON_IsArray(imm))
        imm = cJSON_GetArrayItem(imm, 0);
    const char *s = vg_json_str(imm, "numeroIdentification");
    return s ? bodacc_siren_digits(s, strlen(s), out) : -1;
}

static const char *nonempty(const cJSON *o, const char *k)
{
    const char *s = vg_json_str(o, k);
    return s && s[strspn(s, " \t\r\n")] ? s : NULL;
}

char *bodacc_personne_name(const cJSON *personne)
{
    const char *d = nonempty(personne, "denomination");
    if (d)
        return vg_strdup(d);
    const char *nom = nonempty(personne, "nom"), *prenom = nonempty(personne, "prenom");
    if (nom && prenom)
        return vg_asprintf("%s %s", prenom, nom);
    if (nom)
        return vg_strdup(nom);
    const char *nc = nonempty(personne, "nomCommercial");
    return nc ? vg_strdup(nc) : NULL;
}

/* Each comma-separated piece of s: one SIREN, spaced or not. */
static int registre_text_match(const char *s, const struct bodacc_sirens *batch, char out[BODACC_SIREN_LEN + 1])
{
    while (*s) {
        size_t n = strcspn(s, ",;");
        char d[BODACC_SIREN_LEN + 1];
        if (bodacc_siren_digits(s, n, d) == 0 && bodacc_sirens_has(batch, d)) {
            memcpy(out, d, sizeof(d));
            return 1;
        }
        s += n;
        if (*s)
            s++;
    }
    return 0;
}

int bodacc_registre_match(const cJSON *registre, const struct bodacc_sirens *batch, char out[BODACC_SIREN_LEN + 1])
{
    if (cJSON_IsString(registre))
        return registre_text_match(registre->valuestring, batch, out);
    const cJSON *e;
    if (!cJSON_IsArray(registre))
        return 0;
    cJSON_ArrayForEach(e, registre)
    {
        if (cJSON_IsString(e) && registre_text_match(e->valuestring, batch, out))
            return 1;
    }
    return 0;
}

static const char *text_of(const cJSON *v, char *tmp, size_t tmplen)
{
    if (cJSON_IsString(v) && v->valuestring[strspn(v->valuestring, " \t\r\n")])
        return v->valuestring;
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble) && tmplen) {
        snprintf(tmp, tmplen, "%.15g", v->valuedouble);
        return tmp;
    }
    return NULL;
}

const char *bodacc_find_text(const cJSON *o, const char *const *keys, char *tmp, size_t tmplen)
{
    if (!cJSON_IsObject(o))
        return NULL;
    for (size_t i = 0; keys[i]; i++) {
        const char *s = text_of(cJSON_GetObjectItemCaseSensitive(o, keys[i]), tmp, tmplen);
        if (s)
            return s;
    }
    const cJSON *m;
    cJSON_ArrayForEach(m, o)
    {
        if (!cJSON_IsObject(m))
            continue;
        for (size_t i = 0; keys[i]; i++) {
            const char *s = text_of(cJSON_GetObjectItemCaseSensitive(m, keys[i]), tmp, tmplen);
            if (s)
                return s;
        }
    }
    return NULL;
}
