/* hubspot_payload — what vigie sends to HubSpot and how it reads the answers, without I/O.
 *
 * Records (docs/design.md: Signal, Contact) become request bodies of the CRM objects API;
 * answers (2xx, 207 multi-status, errors) become per-input results and one verdict per
 * request. Everything here is pure, so the shapes a sales rep will see in HubSpot and the
 * reading of every error HubSpot documents are unit-tested without a network
 * (tests/sinks/test_hubspot_payload.c). sink_hubspot.c does the sending.
 *
 * Text taken from the web (titles, evidence, names) is never trusted: invalid UTF-8 becomes
 * U+FFFD, control characters go, HTML is escaped, links are kept only when they are http(s),
 * and a body over HubSpot's limit is cut at a character boundary, never refused. */
#ifndef HUBSPOT_PAYLOAD_H
#define HUBSPOT_PAYLOAD_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "sinks/hubspot_config.h"
#include "util/vg_buf.h"

/* hs_note_body and hs_task_body hold at most 65,536 characters. Counted in bytes here: a
 * UTF-8 byte count is never below the UTF-16 length HubSpot counts, so this always fits. */
#define HS_BODY_MAX 65536
/* A single-line text property holds at most 65,536 characters too; vigie keeps its own
 * values far shorter (a subject, a URL). */
#define HS_TEXT_MAX 1024

/* ---- paths ------------------------------------------------------------------------------ */

enum hs_api { HS_API_OBJECTS, HS_API_PROPERTIES, HS_API_ASSOCIATIONS, HS_API_OWNERS };

/* 1 when `v` is "v3" (legacy paths) or a date-based version "YYYY-MM". */
int hs_api_version_ok(const char *v);
/* The URL of `rest` ("companies/batch/upsert") under one API: with a date-based version
 * <base>/crm/objects/2026-03/<rest>, with "v3" the legacy <base>/crm/v3/objects/<rest> (and
 * /crm/v4/associations/ for associations). Caller frees; NULL on OOM. */
char *hs_url(const struct hubspot_config *c, enum hs_api api, const char *rest);

/* ---- text ------------------------------------------------------------------------------- */

/* Appends `s` as HTML text: & < > " ' escaped, control characters dropped (line breaks and
 * tabs become a space), invalid UTF-8 replaced by U+FFFD. At most `max` bytes are appended
 * (0: no limit): a longer text is cut at a character boundary and ends with "…", never in
 * the middle of an entity. 0, or -1 when the buffer failed. */
int hs_html_text(struct vg_buf *b, const char *s, size_t max);
/* `s` cleaned the same way but not escaped (a property value), cut to `max` bytes at a
 * character boundary (with "…"). Caller frees; NULL on OOM. s NULL gives "". */
char *hs_plain_text(const char *s, size_t max);
/* The longest prefix of s[0..len) of at most max bytes that ends on a UTF-8 character
 * boundary. */
size_t hs_utf8_cut(const char *s, size_t len, size_t max);

/* A signal's time: published, else detected; 0 when neither parses. */
long long hs_signal_ms(const cJSON *signal);

/* ---- records to properties -------------------------------------------------------------- */

/* The note's (or task's) HTML body a rep reads on the company: type and priority, the title
 * as a link to the article, the evidence sentence, amounts, people with their role, how many
 * sources told it, "Open in vigie: <url>" (the signal's page in the console, when `console`,
 * [console] public_url, is an http(s) URL; NULL or "": no such line), and the marker token
 * "vigie-<signal id>" (a search finds the note by it). At most `max` bytes (HS_BODY_MAX): the
 * evidence, then the title, give way first. Caller frees; NULL on OOM. */
char *hs_activity_html(const cJSON *signal, const char *console, size_t max);
/* The marker a note carries, "vigie-<id>", into out. */
void hs_marker(const char *signal_id, char *out, size_t n);

/* The properties object of a note or task for `signal` ({"hs_timestamp": ..., ...}),
 * appended to b. owner_id: the task's hubspot_owner_id, or NULL. console: [console]
 * public_url or NULL (hs_activity_html). */
int hs_activity_props(struct vg_buf *b, const struct hubspot_config *c, const cJSON *signal,
                      const char *owner_id, const char *console);
/* Only the body ({"hs_note_body": ...} or {"hs_task_body": ...}), for an update. */
int hs_activity_body_props(struct vg_buf *b, const struct hubspot_config *c, const cJSON *signal,
                           const char *console);

/* What vigie writes on a company. */
struct hs_company_update {
    int have_tally;          /* heat and count known */
    double heat;
    long long count;         /* signals in the last 90 days */
    const char *last_type;   /* NULL: leave the last signal unchanged */
    long long last_ms;
};
/* {"vigie_heat": ..., ...}, appended to b; extra: further "name","value" pairs (NULL-ended),
 * e.g. the name and domain of a company vigie creates. */
int hs_company_props(struct vg_buf *b, const struct hubspot_config *c, const struct hs_company_update *u,
                     const char *const *extra);

/* A contact's properties: the unique key, first and last name, job title, vigie's role,
 * seniority and source link, the company's name. Never the guessed e-mail (a guess is not an
 * address to write into `email`). */
int hs_contact_props(struct vg_buf *b, const struct hubspot_config *c, const cJSON *contact,
                     const char *company_name);
/* "Jean-Pierre de la Fontaine" → "Jean-Pierre" and "de la Fontaine"; one word → first name
 * only. Cleaned, each at most HS_TEXT_MAX bytes. Caller frees both. */
int hs_split_name(const char *name, char **first, char **last);

/* ---- request bodies --------------------------------------------------------------------- */

/* Batch bodies are {"inputs":[...]}: open with hs_inputs_begin, add inputs (the first takes
 * no comma: pass its index), close with hs_inputs_end. Each input carries objectWriteTraceId
 * = its index, which HubSpot echoes on results and errors so an answer maps to its input. */
int hs_inputs_begin(struct vg_buf *b);
int hs_inputs_end(struct vg_buf *b);
/* {"id":id,"idProperty":prop,"objectWriteTraceId":"i","properties":PROPS}; id_property NULL:
 * an update by record id. props: a JSON object's text. */
int hs_input_write(struct vg_buf *b, size_t i, const char *id, const char *id_property, const char *props);
/* A create with its association: {"objectWriteTraceId":"i","properties":PROPS,
 * "associations":[{"to":{"id":to},"types":[{HUBSPOT_DEFINED, type_id}]}]} (to NULL: none). */
int hs_input_create(struct vg_buf *b, size_t i, const char *props, const char *to_id, int type_id);
/* {"from":{"id":from},"to":{"id":to},"types":[{HUBSPOT_DEFINED, type_id}]} */
int hs_input_association(struct vg_buf *b, size_t i, const char *from_id, const char *to_id, int type_id);

/* A search body with one filter: {"filterGroups":[{"filters":[{"propertyName":p,
 * "operator":op,"value":v}]}],"properties":[props...],"limit":limit}. values (n > 1, op
 * "IN") sends "values":[...] instead. */
int hs_search_body(struct vg_buf *b, const char *property, const char *op, const char *const *values,
                   size_t n, const char *const *props, int limit);

/* ---- custom properties ------------------------------------------------------------------ */

struct hs_prop_def {
    const char *object;      /* "companies" or "contacts" */
    const char *name;        /* as configured */
    const char *label;
    const char *type;        /* string, number, datetime, bool */
    const char *field_type;  /* text, number, date, booleancheckbox */
    int unique;              /* hasUniqueValue */
    const char *desc;
    const char *option;      /* the [sink.hubspot] option naming it */
    const char *dflt;        /* its default name: vigie creates only those (a renamed one
                                points at a property of the user's, which must exist) */
};
/* The properties vigie writes or reads, with the configured names, into out (at most max);
 * returns how many. */
size_t hs_prop_defs(const struct hubspot_config *c, struct hs_prop_def *out, size_t max);
/* The create input of one property in `group`. */
int hs_input_property(struct vg_buf *b, size_t i, const struct hs_prop_def *d, const char *group);
/* From a GET properties answer ({"results":[{"name":..., "hasUniqueValue":...}]}): whether
 * `name` exists (1/0) and, when it does, whether it is unique (*unique). -1 when the answer
 * is not a property list. */
int hs_property_lookup(const cJSON *answer, const char *name, int *unique);
/* From a GET association labels answer ({"results":[{"category":"HUBSPOT_DEFINED",
 * "typeId":190,"label":null}]}): the unlabeled HUBSPOT_DEFINED type id, else `fallback`. */
int hs_association_type(const cJSON *answer, int fallback);

/* ---- answers ---------------------------------------------------------------------------- */

/* One input's fate in a batch answer. */
struct hs_result {
    int seen;                /* the answer mentioned this input */
    char id[32];             /* the record's HubSpot id (results): digits, as HubSpot's ids are
                                (it goes into URLs and marks); a result whose id is not is
                                not taken */
    int is_new;              /* upsert: created rather than updated */
    char error[256];         /* errors: HubSpot's message for this input ("" : none) */
    int property_missing;    /* the error is PROPERTY_DOESNT_EXIST */
};
/* Maps a 2xx/207 batch answer to its n inputs: results and errors by objectWriteTraceId
 * (the input's index), else results by the value of `key_prop` among their properties
 * (keys[i]: the value input i carried), else, when the answer names every input in order
 * (one result per input, nothing else), by position. Errors that name their inputs by
 * `context.ids` match keys too. Errors that name no input are returned in *unplaced (the
 * first one's message; "" when none). -1 when the body is not JSON. */
int hs_batch_results(const char *body, size_t len, size_t n, const char *key_prop, const char *const *keys,
                     struct hs_result *out, char *unplaced, size_t unplaced_len);

/* What an error answer says: HubSpot's text cleaned as hs_plain_text does (one line of valid
 * UTF-8: it goes to logs, dead letters, pauses and vigie status), cut to each field. */
struct hs_error {
    char category[64];       /* VALIDATION_ERROR, RATE_LIMITS, MISSING_SCOPES, ... */
    char policy[48];         /* 429: TEN_SECONDLY_ROLLING, SECONDLY, DAILY, ... */
    char message[256];
    char property[128];      /* PROPERTY_DOESNT_EXIST: the first missing property */
    char scopes[192];        /* MISSING_SCOPES: the scopes HubSpot asks for */
};
void hs_error_parse(const char *body, size_t len, struct hs_error *e);

enum hs_verdict {
    HS_OK,                   /* 2xx (a 207's inputs are read with hs_batch_results) */
    HS_RETRY,                /* a passing fault: 5xx, 423, 477, 429 ten-secondly, network */
    HS_DROP,                 /* HubSpot refused the request's content: 400, 404, 409, ... */
    HS_PAUSE_TOKEN,          /* 401, 403: the token is wrong, revoked or lacks a scope */
    HS_PAUSE_PROPERTY,       /* 400 naming a property that does not exist */
    HS_PAUSE_DAILY,          /* 429 DAILY: nothing passes until the daily count resets */
};
struct hs_decision {
    enum hs_verdict verdict;
    long long retry_after_ms; /* HS_RETRY: not before (0: the core's backoff) */
    char reason[256];         /* for the log, the dead letter, the pause */
    struct hs_error err;
};
/* Reads one answer. transport_error: the request got no HTTP answer (reason says why: a
 * timeout, a reset); otherwise status and body. retry_after_given/s: the Retry-After header
 * (fetch_response). */
void hs_decide(int transport_error, const char *transport_reason, long status, int retry_after_given,
               long retry_after_s, const char *body, size_t len, struct hs_decision *d);

#endif
