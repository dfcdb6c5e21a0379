/* today_contact — who to call about a signal (see today_contact.h). */
#include "daemon/today_contact.h"

#include <string.h>

static const char *str_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static int is(const char *type, const char *a, const char *b)
{
    return strcmp(type, a) == 0 || (b && strcmp(type, b) == 0);
}

/* Whether contact x is of the kind wanted for the signal; kinds are tried in order. */
enum kind { K_CFO, K_FINANCE, K_SITE, K_OPERATIONS, K_HR, K_STORY, K_SALES, K_CEO };

static int of_kind(const cJSON *x, enum kind k, const char *url)
{
    const char *role = str_of(x, "role_norm"), *dep = str_of(x, "department"), *title = str_of(x, "title");
    switch (k) {
    case K_CFO:
        return strcmp(role, "cfo") == 0;
    case K_FINANCE:
        return strcmp(dep, "finance") == 0;
    case K_SITE: /* a user's roles.rules may name plant or site directors; the title says it too */
        return strstr(role, "plant") || strstr(role, "site") || strstr(title, "plant") || strstr(title, "Plant") ||
               strstr(title, "site") || strstr(title, "Site") || strstr(title, "usine");
    case K_OPERATIONS:
        return strcmp(dep, "operations") == 0 || strcmp(role, "coo") == 0;
    case K_HR:
        return strcmp(dep, "hr") == 0 || strcmp(role, "chro") == 0;
    case K_STORY:
        return url && url[0] && strcmp(str_of(x, "source_url"), url) == 0;
    case K_SALES:
        return strcmp(dep, "sales") == 0 || strstr(role, "business_dev") || strstr(dep, "business_dev");
    case K_CEO:
        return strcmp(role, "ceo") == 0;
    }
    return 0;
}

static const char *const kind_names[] = {"the CFO", "finance", "the site's director", "operations", "HR",
                                         "the person in the story", "sales", "the CEO"};

/* Lower is more senior: the executives who decide, then those who run a function, the board
 * last (it does not take a supplier's call). */
static int rank(const cJSON *x)
{
    const char *s = str_of(x, "seniority"), *dep = str_of(x, "department");
    if (strcmp(s, "c_level") == 0)
        return strcmp(dep, "executive") == 0 ? 0 : 1;
    if (strcmp(s, "vp") == 0)
        return 2;
    if (strcmp(s, "director") == 0)
        return 3;
    if (strcmp(s, "board") == 0)
        return 4;
    return 5;
}

static int departing(const cJSON *x)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "departing"));
}

/* RFC 3339 UTC times compare as text. */
static int newer(const cJSON *a, const cJSON *b)
{
    return strcmp(str_of(a, "first_seen"), str_of(b, "first_seen")) > 0;
}

const cJSON *today_pick_contact(const cJSON *const *c, size_t n, const char *type, const char *url, const char **why)
{
    enum kind want[2];
    size_t n_want = 0;
    if (is(type, "funding", "financial_results")) {
        want[n_want++] = K_CFO;
        want[n_want++] = K_FINANCE;
    } else if (is(type, "expansion", NULL)) {
        want[n_want++] = K_SITE;
        want[n_want++] = K_OPERATIONS;
    } else if (is(type, "hiring", NULL))
        want[n_want++] = K_HR;
    else if (is(type, "leadership_change", NULL))
        want[n_want++] = K_STORY;
    else if (is(type, "contract_win", "partnership")) {
        want[n_want++] = K_SALES;
        want[n_want++] = K_CEO;
    }
    for (size_t k = 0; k < n_want; k++) {
        const cJSON *best = NULL;
        for (size_t i = 0; i < n; i++)
            if (!departing(c[i]) && of_kind(c[i], want[k], url) && (!best || newer(c[i], best)))
                best = c[i];
        if (best) {
            *why = kind_names[want[k]];
            return best;
        }
    }
    const cJSON *best = NULL;
    for (size_t i = 0; i < n; i++) {
        if (departing(c[i]))
            continue;
        if (!best || rank(c[i]) < rank(best) || (rank(c[i]) == rank(best) && newer(c[i], best)))
            best = c[i];
    }
    *why = "the most senior known";
    return best;
}
