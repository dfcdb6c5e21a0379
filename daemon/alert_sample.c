/* alert_sample — the sample alert of `vigie alerts test` (see alert_sample.h). */
#include "daemon/alert_sample.h"
#include "util/vg_alloc.h"
#include "util/vg_time.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SAMPLE_ACCOUNT_ID "vigie-test"
#define SAMPLE_ACCOUNT_NAME "Électricité Côte d'Émeraude"

static void hex32(char out[33])
{
    /* two draws of 64 bits: ids that tell two tests apart, not secrets */
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)vg_rand_below(UINT64_MAX),
             (unsigned long long)vg_rand_below(UINT64_MAX));
}

static void rfc3339(int64_t ms, char *out, size_t outlen)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static cJSON *str_or_null(const char *v) { return v ? cJSON_CreateString(v) : cJSON_CreateNull(); }

static cJSON *sample_signal(int64_t now_ms)
{
    char id[33], published[32], detected[32];
    hex32(id);
    rfc3339(now_ms - 3600 * 1000, published, sizeof(published));
    rfc3339(now_ms, detected, sizeof(detected));
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "id", id);
    cJSON_AddStringToObject(s, "account_id", SAMPLE_ACCOUNT_ID);
    cJSON_AddStringToObject(s, "type", "funding");
    cJSON_AddNumberToObject(s, "confidence", 0.92);
    cJSON_AddNumberToObject(s, "priority", 85);
    cJSON_AddStringToObject(s, "title", ALERT_SAMPLE_TITLE_MARK " " SAMPLE_ACCOUNT_NAME
                                        " lève 120 M€ pour ses parcs éoliens en mer");
    cJSON_AddStringToObject(s, "url", "https://example.com/vigie/alert-test");
    cJSON_AddStringToObject(s, "published", published);
    cJSON_AddStringToObject(s, "detected", detected);
    cJSON_AddStringToObject(s, "evidence",
                            SAMPLE_ACCOUNT_NAME " annonce une levée de fonds de 120 millions d'euros menée par "
                                                "Bpifrance, a indiqué sa directrice financière, Hélène Léger.");
    cJSON *amounts = cJSON_AddArrayToObject(s, "amounts");
    cJSON *amount = cJSON_CreateObject();
    cJSON_AddNumberToObject(amount, "value", 120000000);
    cJSON_AddStringToObject(amount, "currency", "EUR");
    cJSON_AddItemToArray(amounts, amount);
    cJSON *people = cJSON_AddArrayToObject(s, "people");
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "name", "Hélène Léger");
    cJSON_AddStringToObject(p, "role", "directrice financière");
    cJSON_AddStringToObject(p, "role_norm", "cfo");
    cJSON_AddStringToObject(p, "seniority", "c_level");
    cJSON_AddStringToObject(p, "department", "finance");
    cJSON_AddFalseToObject(p, "departing");
    cJSON_AddItemToArray(people, p);
    cJSON *cps = cJSON_AddArrayToObject(s, "counterparties");
    cJSON *cp = cJSON_CreateObject();
    cJSON_AddStringToObject(cp, "name", "Bpifrance");
    cJSON_AddStringToObject(cp, "role", "investor");
    cJSON_AddItemToArray(cps, cp);
    cJSON *places = cJSON_AddArrayToObject(s, "places");
    cJSON_AddItemToArray(places, cJSON_CreateString("Saint-Malo"));
    cJSON_AddArrayToObject(s, "modifiers");
    cJSON_AddStringToObject(s, "lang", "fr");
    cJSON_AddNumberToObject(s, "sources", 3);
    cJSON *urls = cJSON_AddArrayToObject(s, "source_urls");
    cJSON_AddItemToArray(urls, cJSON_CreateString("https://example.com/vigie/alert-test"));
    cJSON_AddItemToArray(urls, cJSON_CreateString("https://example.org/energie/cote-emeraude"));
    cJSON_AddItemToArray(urls, cJSON_CreateString("https://example.net/ouest/levee-120-millions"));
    return s;
}

char *alert_sample_message(const char *channel, const char *target, const char *receiver,
                           const struct alert_sample_owner *owner, int64_t now_ms)
{
    char id[33], created[32];
    hex32(id);
    rfc3339(now_ms, created, sizeof(created));
    /* the owner's key as the router makes it: the e-mail lower-cased, else the name */
    char key[320];
    snprintf(key, sizeof(key), "%s", owner->email ? owner->email : "Test Owner");
    for (char *c = key; owner->email && *c; c++)
        *c = (char)tolower((unsigned char)*c);

    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "id", id);
    cJSON_AddStringToObject(m, "kind", "alert");
    cJSON_AddStringToObject(m, "channel", channel);
    cJSON_AddStringToObject(m, "target", target ? target : "");
    cJSON_AddStringToObject(m, "receiver", receiver);
    cJSON_AddStringToObject(m, "route", "test");
    cJSON_AddStringToObject(m, "created", created);
    cJSON *o = cJSON_AddObjectToObject(m, "owner");
    cJSON_AddStringToObject(o, "key", key);
    cJSON_AddStringToObject(o, "name", "Test Owner");
    cJSON_AddItemToObject(o, "email", str_or_null(owner->email));
    cJSON_AddItemToObject(o, "slack", str_or_null(owner->slack));
    cJSON_AddStringToObject(o, "timezone", owner->timezone ? owner->timezone : "UTC");
    cJSON *a = cJSON_AddObjectToObject(m, "account");
    cJSON_AddStringToObject(a, "id", SAMPLE_ACCOUNT_ID);
    cJSON_AddStringToObject(a, "name", SAMPLE_ACCOUNT_NAME);
    cJSON_AddStringToObject(a, "tier", "key");
    cJSON_AddItemToObject(a, "owner", str_or_null(owner->email ? owner->email : "Test Owner"));
    cJSON_AddNullToObject(a, "crm_id");
    cJSON *domains = cJSON_AddArrayToObject(a, "domains");
    cJSON_AddItemToArray(domains, cJSON_CreateString("example.com"));
    cJSON_AddNumberToObject(m, "priority", 85);
    cJSON *signals = cJSON_AddArrayToObject(m, "signals");
    cJSON_AddItemToArray(signals, sample_signal(now_ms));
    char *text = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    char *out = text ? vg_strdup(text) : NULL;
    cJSON_free(text);
    return out;
}
