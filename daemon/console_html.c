/* console_html — escaping, the frame, the UI strings and the sparkline (see console_html.h).
 *
 * The escaping is written for the contexts the pages use and no other: element text and
 * double-quoted attribute values (the same escape serves both, and SVG <text>), href values
 * (http and https only), and URL parts. Invalid UTF-8 and control characters never reach the
 * page: a browser's repair of them is where escaping bugs hide. */
#include "daemon/console_html.h"
#include "util/vg_hex.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The length of the valid UTF-8 sequence at s (1-4), or 0 when it is not one (overlong
 * forms, surrogates and code points past U+10FFFF are not). */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0)
        n = 2, cp = c & 0x1f;
    else if ((c & 0xf0) == 0xe0)
        n = 3, cp = c & 0x0f;
    else if ((c & 0xf8) == 0xf0)
        n = 4, cp = c & 0x07;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

void console_html_text(struct vg_buf *b, const char *s)
{
    if (!s)
        return;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        const unsigned char *run = p;
        /* a run of bytes that need nothing */
        while (*p >= 0x20 && *p < 0x7f && *p != '&' && *p != '<' && *p != '>' && *p != '"' && *p != '\'')
            p++;
        if (p > run)
            vg_buf_append(b, run, (size_t)(p - run));
        if (!*p)
            break;
        switch (*p) {
        case '&': vg_buf_puts(b, "&amp;"); p++; continue;
        case '<': vg_buf_puts(b, "&lt;"); p++; continue;
        case '>': vg_buf_puts(b, "&gt;"); p++; continue;
        case '"': vg_buf_puts(b, "&quot;"); p++; continue;
        case '\'': vg_buf_puts(b, "&#39;"); p++; continue;
        case '\t': case '\n': case '\r': vg_buf_putc(b, ' '); p++; continue;
        default: break;
        }
        if (*p < 0x20 || *p == 0x7f) { /* other control characters: dropped */
            p++;
            continue;
        }
        size_t n = utf8_len(p);
        if (n == 0) { /* one replacement character per bad byte */
            vg_buf_puts(b, "\xef\xbf\xbd");
            p++;
            continue;
        }
        /* C1 controls (U+0080-U+009F) are dropped too */
        if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
            p += 2;
            continue;
        }
        vg_buf_append(b, p, n);
        p += n;
    }
}

int console_html_url(struct vg_buf *b, const char *url)
{
    if (!url)
        return -1;
    size_t skip = 0;
    if (strncasecmp(url, "http://", 7) == 0)
        skip = 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        skip = 8;
    if (!skip || !url[skip])
        return -1;
    /* no blank, control character or invalid UTF-8 anywhere: such a link is shown, not followed */
    for (const unsigned char *p = (const unsigned char *)url; *p;) {
        if (*p <= 0x20 || *p == 0x7f)
            return -1;
        size_t n = utf8_len(p);
        if (!n)
            return -1;
        p += n;
    }
    console_html_text(b, url);
    return 0;
}

void console_html_urlpart(struct vg_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '.' || *p == '_' || *p == '~') {
            vg_buf_putc(b, (char)*p);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            vg_buf_append(b, e, 3);
        }
    }
}

int console_html_param(const char *query, const char *name, char *out, size_t len)
{
    size_t nl = strlen(name);
    if (len)
        out[0] = '\0';
    for (const char *p = query ? query : ""; *p;) {
        const char *end = strchr(p, '&');
        if (!end)
            end = p + strlen(p);
        if ((size_t)(end - p) >= nl && strncmp(p, name, nl) == 0 && (p[nl] == '=' || p + nl == end)) {
            size_t o = 0;
            for (const char *v = p[nl] == '=' ? p + nl + 1 : end; v < end; v++) {
                char c = *v;
                if (c == '+') {
                    c = ' ';
                } else if (c == '%' && v + 2 < end && vg_hex_digit(v[1]) >= 0 && vg_hex_digit(v[2]) >= 0) {
                    c = (char)(vg_hex_digit(v[1]) * 16 + vg_hex_digit(v[2]));
                    v += 2;
                }
                if (c == '\0') /* a %00 would cut the value short silently: dropped */
                    continue;
                if (o + 1 < len)
                    out[o++] = c;
            }
            if (len)
                out[o] = '\0';
            return 1;
        }
        p = *end ? end + 1 : end;
    }
    return 0;
}

/* ---- UI strings ------------------------------------------------------------------- */

static const char *const fr[][2] = {
    /* console_account.c's bounds */
    {"Older signals are not kept: only their time and priority are shown.",
     "Les signaux plus anciens ne sont pas gardés : seuls leur date et leur priorité sont montrées."},
    {"older signals are not kept", "les signaux plus anciens ne sont pas gardés"},
    {"From the newest", "D'après les"},
    {"contact records; older ones are not looked at.", "fiches de contact les plus récentes ; les plus anciennes ne sont pas lues."},
    /* console_scores.c */
    {"Axis scores over time", "Notes des axes dans le temps"},
    {"Axis", "Axe"},
    {"No saved review has this account yet: vigie review --save keeps one, and [review] schedule makes the daemon keep one each period.",
     "Aucune revue enregistrée ne contient encore ce compte : vigie review --save en garde une, et [review] schedule en fait garder une par le démon à chaque période."},
    /* the Signals, Review and Operations pages (console_signals.c, console_review.c, console_ops.c) */
    {"(on the machine running vigie): this page shows saved reviews, the ones the team decides on.",
     "(sur la machine où tourne vigie) : cette page montre les revues enregistrées, celles sur lesquelles l'équipe décide."},
    {"(the other sources had no URL of their own)", "(les autres sources n'avaient pas d'URL propre)"},
    {"A few failing sources, up to", "Quelques sources en échec, au plus"},
    {"A time is a duration back from now (7d, 12h) or a date (2026-12-01).",
     "Une date est une durée avant maintenant (7d, 12h) ou une date (2026-12-01)."},
    {"Accounts per score", "Comptes par note"},
    {"As of", "État au"},
    {"Back to the signals", "Retour aux signaux"},
    {"Change", "Changement"},
    {"Clear", "Effacer"},
    {"Dead letters", "Lettres mortes"},
    {"Detected (UTC)", "Détecté (UTC)"},
    {"End of the stream.", "Fin du flux."},
    {"Every connection of a vigie process to this Redis, named vigie:instance:role: the processes that share the work.",
     "Chaque connexion d'un processus vigie à ce Redis, nommée vigie:instance:rôle : les processus qui se partagent le travail."},
    {"Export this filter", "Exporter ce filtre"},
    {"Language", "Langue"},
    {"Latest review:", "Dernière revue :"},
    {"Newest", "Les plus récents"},
    {"No change (recommendations, tiers, names; scores and heat within 5 points).",
     "Aucun changement (recommandations, niveaux, noms ; notes et chaleur à 5 points près)."},
    {"No saved review has that id.", "Aucune revue enregistrée n'a cet identifiant."},
    {"No saved review yet. Save one with", "Aucune revue enregistrée. Enregistrez-en une avec"},
    {"No signal matches this filter in the part searched.", "Aucun signal ne correspond à ce filtre dans la partie parcourue."},
    {"No signal yet.", "Aucun signal pour l'instant."},
    {"No sink process has reported (none enabled, or none running).",
     "Aucun processus de sortie n'a rendu compte (aucune activée, ou aucune en marche)."},
    {"No such signal is kept: a signal's detail stays for [pipeline] dedup_ttl (30 days by default) after it was first "
     "seen; the feed keeps its entry.",
     "Ce signal n'est pas conservé : le détail d'un signal reste [pipeline] dedup_ttl (30 jours par défaut) après sa "
     "première détection ; le flux garde son entrée."},
    {"Older", "Plus anciens"},
    {"Portfolio review", "Revue du portefeuille"},
    {"Priority", "Priorité"},
    {"Priority from", "Priorité de"},
    {"to", "à"},
    {"Processes", "Processus"},
    {"Redis does not answer", "Redis ne répond pas"},
    {"Redis does not list its clients", "Redis ne liste pas ses clients"},
    {"Saved reviews", "Revues enregistrées"},
    {"Signal", "Signal"},
    {"Sinks", "Sorties"},
    {"Streams", "Flux"},
    {"The oldest", "Les plus anciennes"},
    {"What changed from review", "Ce qui a changé de la revue"},
    {"What", "Quoi"},
    {"Writes refused by Redis", "Écritures refusées par Redis"},
    {"accounts", "comptes"},
    {"dead letter(s)", "lettre(s) morte(s)"},
    {"due now", "à interroger"},
    {"lists them all", "les liste toutes"},
    {"more…", "suite…"},
    {"never", "jamais"},
    {"one more source", "une source de plus"},
    {"prefix", "préfixe"},
    {"prints the review of today without saving it.", "affiche la revue du jour sans l'enregistrer."},
    {"refreshed every", "rafraîchi toutes les"},
    {"searched", "parcourus"},
    {"see the Redis log", "voir le journal de Redis"},
    {"source", "source"},
    {"sources", "sources"},
    {"to review", "à la revue"},
    {"what changed since", "ce qui a changé depuis"},
    {"Search", "Recherche"},
    {"Since", "Depuis"},
    {"Until", "Jusqu'au"},
    {"Error", "Erreur"},
    {"Why", "Pourquoi"},
    {"Stream", "Flux"},
    {"Length", "Longueur"},
    {"Consumer group", "Groupe de lecture"},
    {"Lag", "Retard"},
    {"Pending", "En cours"},
    {"Consumers", "Lecteurs"},
    {"Id", "Id"},
    {"From", "Origine"},
    {"Group", "Groupe"},
    {"Deliveries", "Livraisons"},
    {"Sink:instance", "Sortie:instance"},
    {"Delivered", "Livrés"},
    {"Retried", "Réessayés"},
    {"Dead", "Morts"},
    {"State", "État"},
    {"Connection", "Connexion"},
    {"Address", "Adresse"},
    {"Connected for", "Connecté depuis"},
    {"Idle", "Inactif depuis"},
    {"Date", "Date"},
    {"Score", "Note"},
    {"Recommendation", "Recommandation"},
    {"de-select", "retirer"},
    {"promote", "promouvoir"},
    {"watch", "surveiller"},
    {"keep", "garder"},
    {"paused", "en pause"},
    {"stopped", "arrêtée"},
    {"not reporting (stopped?)", "ne rend plus compte (arrêtée ?)"},
    {"delivering", "livre"},
    {"added", "ajouté"},
    {"removed", "supprimé"},
    {"changed", "changé"},
    {"quantitative", "quantitatif"},
    {"strategic", "stratégique"},
    {"image", "image"},
    {"score", "note"},
    {"heat", "chaleur"},
    {"Portfolio", "Portefeuille"},
    {"Signals", "Signaux"},
    {"Review", "Revue"},
    {"Operations", "Exploitation"},
    {"Accounts", "Comptes"},
    {"Account", "Compte"},
    {"Name", "Nom"},
    {"Tier", "Niveau"},
    {"Owner", "Responsable"},
    {"Heat", "Chaleur"},
    {"Last signal", "Dernier signal"},
    {"Quantitative", "Quantitatif"},
    {"Strategic", "Stratégique"},
    {"Image", "Image"},
    {"Filter", "Filtrer"},
    {"Source", "Source"},
    {"Sort", "Trier"},
    {"All", "Tous"},
    {"Signal type", "Type de signal"},
    {"Previous", "Précédent"},
    {"Next", "Suivant"},
    {"Page", "Page"},
    {"of", "sur"},
    {"No account matches.", "Aucun compte ne correspond."},
    {"No account in the registry yet.", "Aucun compte dans le registre pour l'instant."},
    {"Heat map", "Carte de chaleur"},
    {"Signals per week, last 12 weeks", "Signaux par semaine, 12 dernières semaines"},
    {"weeks ago", "semaines"},
    {"now", "maintenant"},
    {"Identifiers", "Identifiants"},
    {"Firmographics", "Données de l'entreprise"},
    {"Country", "Pays"},
    {"Domains", "Domaines"},
    {"Aliases", "Alias"},
    {"Axis scores", "Scores par axe"},
    {"Weighted score", "Score pondéré"},
    {"Timeline", "Chronologie"},
    {"Type", "Type"},
    {"Title", "Titre"},
    {"Evidence", "Éléments"},
    {"Amount", "Montant"},
    {"People", "Personnes"},
    {"Sources", "Sources"},
    {"Link", "Lien"},
    {"When", "Quand"},
    {"No signal for this account yet.", "Aucun signal pour ce compte pour l'instant."},
    {"Contacts", "Contacts"},
    {"No contact known.", "Aucun contact connu."},
    {"Department", "Service"},
    {"Unit", "Unité"},
    {"Role", "Fonction"},
    {"Health", "État"},
    {"Last success", "Dernier succès"},
    {"Failures", "Échecs"},
    {"No source watches this account.", "Aucune source ne surveille ce compte."},
    {"No such account.", "Compte inconnu."},
    {"Not found", "Introuvable"},
    {"coming", "à venir"},
    {"Redis is not reachable", "Redis est injoignable"},
    {"ok", "ok"},
    {"failing", "en échec"},
    {"never fetched", "jamais lu"},
    {"days", "jours"},
    {"hours", "heures"},
    {"minutes", "minutes"},
    {"ago", "il y a"},
    {"retired", "retiré"},
    {"Revenue", "Chiffre d'affaires"},
    {"Margin", "Marge"},
    {"Growth potential", "Potentiel de croissance"},
    {"Strategic fit", "Adéquation stratégique"},
    {"CRM id", "Id CRM"},
    {"Showing the newest", "Les plus récents :"},
    {"more in", "de plus dans"},
    {"the signals page", "la page des signaux"},
};

const char *console_tr(const struct console_req *req, const char *key)
{
    if (!req || req->lang != CONSOLE_FR)
        return key;
    for (size_t i = 0; i < sizeof(fr) / sizeof(fr[0]); i++)
        if (strcmp(fr[i][0], key) == 0)
            return fr[i][1];
    return key;
}

/* ---- the frame ---------------------------------------------------------------------- */

void console_html_begin(struct vg_buf *b, const struct console_req *req, const char *title, const char *active)
{
    static const struct { const char *key, *href, *label; } nav[] = {
        {"portfolio", "/ui/", "Portfolio"},
        {"signals", "/ui/signals", "Signals"},
        {"review", "/ui/review", "Review"},
        {"ops", "/ui/ops", "Operations"},
    };
    vg_buf_printf(b, "<!doctype html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<meta name=\"referrer\" content=\"no-referrer\">\n<title>",
                  req && req->lang == CONSOLE_FR ? "fr" : "en");
    console_html_text(b, title);
    vg_buf_puts(b, " · vigie</title>\n<link rel=\"icon\" href=\"data:,\">\n"
                   "<link rel=\"stylesheet\" href=\"/ui/static/console.css\">\n"
                   "<script src=\"/ui/static/console.js\" defer></script>\n</head>\n<body>\n"
                   "<header><a class=\"brand\" href=\"/ui/\">vigie</a><nav>");
    for (size_t i = 0; i < sizeof(nav) / sizeof(nav[0]); i++) {
        int on = active && strcmp(active, nav[i].key) == 0;
        vg_buf_printf(b, "<a href=\"%s\"%s>", nav[i].href, on ? " class=\"active\" aria-current=\"page\"" : "");
        console_html_text(b, console_tr(req, nav[i].label));
        vg_buf_puts(b, "</a>");
    }
    vg_buf_puts(b, "</nav></header>\n<main>\n");
}

void console_html_end(struct vg_buf *b, const struct console_req *req)
{
    (void)req;
    vg_buf_puts(b, "</main>\n<footer>vigie " VIGIE_VERSION "</footer>\n</body>\n</html>\n");
}

void console_html_age(struct vg_buf *b, const struct console_req *req, long long ms)
{
    if (ms <= 0)
        return;
    char iso[32];
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
    long long s = (req->now_ms - ms) / 1000;
    if (s < 0)
        s = 0;
    long long n;
    const char *unit;
    if (s >= 2 * 86400)
        n = s / 86400, unit = "days";
    else if (s >= 2 * 3600)
        n = s / 3600, unit = "hours";
    else
        n = s / 60, unit = "minutes";
    vg_buf_printf(b, "<time datetime=\"%s\" title=\"%s\">", iso, iso);
    if (req->lang == CONSOLE_FR)
        vg_buf_printf(b, "il y a %lld %s", n, console_tr(req, unit));
    else
        vg_buf_printf(b, "%lld %s ago", n, unit);
    vg_buf_puts(b, "</time>");
}

/* ---- charts ------------------------------------------------------------------------- */

void console_html_sparkline(struct vg_buf *b, const double *v, size_t n, int w, int h, const char *title)
{
    double max = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] > max)
            max = v[i];
    vg_buf_printf(b, "<svg class=\"spark\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\"><title>", w,
                  h, w, h);
    console_html_text(b, title);
    vg_buf_puts(b, "</title>");
    if (n > 0) {
        vg_buf_puts(b, "<polyline fill=\"none\" stroke=\"currentColor\" stroke-width=\"1.5\" points=\"");
        for (size_t i = 0; i < n; i++) {
            double x = n > 1 ? (double)i * (w - 2) / (double)(n - 1) + 1 : w / 2.0;
            double y = max > 0 ? (h - 1) - v[i] / max * (h - 2) : h - 1;
            vg_buf_printf(b, "%s%.1f,%.1f", i ? " " : "", x, y);
        }
        vg_buf_puts(b, "\"/>");
    }
    vg_buf_puts(b, "</svg>");
}
