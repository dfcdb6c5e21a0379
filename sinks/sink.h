/* sink — what a sink is: one descriptor (name, option table, init, deliver-a-batch, close),
 * like Fluent Bit's out_* plugins.
 *
 * A sink only turns records into requests and answers into outcomes. Everything else is the
 * core's (sink_core.h): reading the signals and contacts streams through the sink's own
 * consumer group, batching up to max_batch or a short linger, retrying RETRY outcomes with
 * capped jittered backoff, dead-lettering after the configured attempts, the rate budget
 * shared by every vigie process through Redis, pausing, metrics and status.
 *
 * Outcomes, per record:
 *   SINK_OK     delivered (or already there): acknowledged.
 *   SINK_RETRY  a passing fault (5xx, 429, timeout): tried again later, with backoff (at least
 *               retry_after_ms), up to the configured attempts, then dead-lettered.
 *   SINK_DROP   this record can never be delivered as it is (the CRM refused it for a reason of
 *               its own: an invalid value): dead-lettered at once with `reason`.
 * A fault of the sink's configuration or credentials (401, 403, a mapped property that does
 * not exist) is not the records' fault: the sink calls sink_pause() and answers RETRY; nothing
 * is dead-lettered while the sink is paused, and a reload resumes it. */
#ifndef SINK_H
#define SINK_H

#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "util/vg_option.h"

struct enrich_account;
struct event_base;
struct fetch_client;
struct fetch_request;
struct fetch_response;
struct queue;
struct sink_ctx;

enum sink_outcome { SINK_OK = 0, SINK_RETRY, SINK_DROP };

/* One stream entry handed to a sink. The core fills the first part; the sink sets outcome,
 * reason and retry_after_ms before sink_batch_done(). */
struct sink_record {
    const char *entry_id;   /* the stream entry's id */
    const char *stream;     /* "signals" or "contacts" */
    const char *field;      /* "signal" (new), "update" (one more source told it), "contact" */
    const cJSON *doc;       /* the record (shapes in docs/design.md), parsed */
    const char *json;       /* ... and as it was written */
    const char *id;         /* its deterministic id ("id" member), "" when absent */
    const struct enrich_account *account; /* its account from the registry; NULL when unknown */
    int attempt;            /* 1 on the first delivery of this record by this process */

    enum sink_outcome outcome; /* SINK_OK unless the sink says otherwise */
    char reason[256];          /* RETRY and DROP: why, for the log and the dead letter */
    long retry_after_ms;       /* RETRY: not before this (a 429's Retry-After); 0: backoff */
};

struct sink_batch {
    struct sink_record *v;
    size_t n;
    struct sink_ctx *ctx;
    void *core;             /* the core's own */
};

/* The end of a key-account listing (sink_type.list_accounts). */
typedef void (*sink_accounts_cb)(void *arg, cJSON *accounts, const char *err);

struct sink_type {
    const char *name;        /* "hubspot", "salesforce", "outbox": also the [sink.NAME] section */
    const char *summary;     /* one line for `vigie sinks list` */
    const struct vg_option *options; /* its own [sink.NAME] options, offsets into its config
                                        struct; terminated by a row with name NULL */
    size_t config_size;      /* sizeof its config struct */
    size_t max_batch;        /* records per deliver() at most (the vendor's batch limit) */
    const char *streams;     /* the streams it reads: "signals,contacts" or "signals" */
    /* The vendor's documented rate limit, the default of [sink.NAME] rate_limit/rate_window
     * (0: none). */
    long long rate_limit, rate_window_ms;

    /* Checks the configuration beyond what the option table checks (check-config runs it;
     * NULL: nothing more). 0, or -1 with a message. */
    int (*check)(const void *config, char *err, size_t errlen);
    /* Creates the sink's state. config lives as long as the sink (until close). 0, or -1. */
    int (*init)(struct sink_ctx *ctx, const void *config, void **state, char *err, size_t errlen);
    /* Delivers a batch: sets each record's outcome, then calls sink_batch_done(b) exactly
     * once, from the event loop (not necessarily before returning). One batch at a time. */
    void (*deliver)(void *state, struct sink_batch *b);
    void (*close)(void *state);
    /* Where the records go, for reports and status (a URL without secrets, a directory);
     * NULL: nothing to say. */
    const char *(*where)(void *state);

    /* Key accounts from the CRM (`vigie accounts sync --from NAME`, and the daemon every
     * sync_accounts); NULL: this sink has none to give. Lists the accounts the CRM marks as
     * key accounts, as configured in `config` (the type's own config struct), on the caller's
     * loop and HTTP client (the section's timeout and allow_private; base, client and config
     * outlive the listing). It keeps to the vendor's documented limits itself (paging, the
     * search API's rate): these requests do not go through the sink's rate budget.
     * 0 when started: cb runs later, from the loop, exactly once, with either a JSON array of
     * account objects (docs/design.md "Account", as `vigie accounts import` reads them; the
     * callee owns it) or NULL and a message saying what to fix (a refused token, a property
     * that does not exist). The list is whole or nothing: the caller retires the accounts it
     * no longer holds. -1 with err when it cannot start (cb will not run). */
    int (*list_accounts)(struct event_base *base, struct fetch_client *client, const void *config,
                         sink_accounts_cb cb, void *arg, char *err, size_t errlen);

    /* ---- a type whose configuration is more than [sink.NAME] (the alerts router: [alerts],
     * [route.NAME], [receiver.NAME]); all NULL for the others ----------------------------- */
    /* Its section when it is not "sink.NAME" ("alerts"): the common options and its table's
     * are read there, and a section written runs (enabled defaults to yes). */
    const char *section;
    /* Prefixes of further sections it owns ("route.", "receiver."), NULL-terminated; each of
     * their keys goes to section_entry, and they need `section` in the file. */
    const char *const *more_sections;
    /* One key of a further section (`line`: the key's line), or with key NULL the section's
     * header at `line`. 0, or -1 with the reason in why (the loader adds FILE:LINE). */
    int (*section_entry)(void *config, const char *section, const char *key, const char *value, int line,
                         char *why, size_t whylen);
    /* Frees what section_entry built (the option table's fields are the loader's). */
    void (*config_clear)(void *config);
    /* 1 when what section_entry built differs between a and b (a reload restarts the sink). */
    int (*config_differs)(const void *a, const void *b);
    /* `check-config`: the further sections as the file would write them. */
    void (*config_print)(FILE *out, const void *config);
    /* `check-config --example`: the further sections, commented out with ';'. */
    const char *example;
    /* check (above) may say "line N: ..." (FILE:N: ... in the loader's message), or
     * "key 'NAME': ..." about an option of its table (the loader puts that key's line). */

    /* `vigie run --once`, once every sink has delivered what it read: sends now what the sink
     * holds back for later (the alerts router's open groups, whatever their wait), then calls
     * done(arg) once, from the loop or before returning. NULL: nothing held back. */
    void (*settle)(void *state, void (*done)(void *arg), void *arg);
};

/* The section of type t's options: "sink.NAME", or t->section. Into buf, which it returns. */
const char *sink_type_section(const struct sink_type *t, char *buf, size_t len);

/* Every sink type built in, NULL-terminated (sink_registry.c). */
extern const struct sink_type *const sink_types[];
const struct sink_type *sink_type_find(const char *name);

/* ---- what the core offers a sink ------------------------------------------------------ */

/* Ends the batch: the core acknowledges OK records, schedules RETRY ones and dead-letters
 * DROP ones. */
void sink_batch_done(struct sink_batch *b);

/* Sends one HTTP request once the shared rate budget allows it (every request a sink sends
 * counts against it). In preview mode (vigie sinks preview) the request is printed instead,
 * secrets masked, and cb receives a response with status 0 and error FETCH_OK and
 * sink_previewing() is 1: a sink then goes on with placeholder ids so the whole flow prints.
 * 0 when accepted: cb runs exactly once — later, or already before sink_http returns (in a
 * preview, and when the request could not be handed to the HTTP client: a response with an
 * error). -1 with err filled (out of memory; cb does not run). */
typedef void (*sink_http_cb)(struct fetch_response *resp, void *arg);
int sink_http(struct sink_ctx *ctx, const struct fetch_request *req, sink_http_cb cb, void *arg,
              char *err, size_t errlen);
int sink_previewing(const struct sink_ctx *ctx);

/* Stops deliveries until the configuration is reloaded (or `for_ms` passes, when > 0): the
 * reason shows in `vigie status`, /readyz and the log (once). */
void sink_pause(struct sink_ctx *ctx, long long for_ms, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* 1 while the sink is paused until a reload (sink_pause with no end): it gets no batch, an
 * empty one included. */
int sink_paused_for_good(const struct sink_ctx *ctx);

/* Delivery records (idempotency): a small string kept in Redis per (sink, key), e.g. the CRM
 * id of the note made for a signal, for dedup_ttl. get: cb gets one value per key (NULL when
 * absent), in order, or values NULL when Redis could not answer. */
typedef void (*sink_marks_cb)(void *arg, const char *const *values, size_t n);
int sink_marks_get(struct sink_ctx *ctx, const char *const *keys, size_t n, sink_marks_cb cb, void *arg);
/* Writes are fire-and-forget, in order with later gets on the same connection. */
int sink_mark_set(struct sink_ctx *ctx, const char *key, const char *value);

/* The Redis handle, for what a sink keeps in Redis besides marks (queue_tally.h); NULL while
 * previewing or delivering directly (`vigie alerts test`): those read and write nothing in
 * Redis. */
struct queue *sink_queue(struct sink_ctx *ctx);
/* The sink's name, for logs. */
const char *sink_name(const struct sink_ctx *ctx);
/* [daemon] state_dir and instance, for a sink that keeps files. */
const char *sink_state_dir(const struct sink_ctx *ctx);
const char *sink_instance(const struct sink_ctx *ctx);
/* The event loop the sink runs on (for timers of its own, and a vg_work pool). */
struct event_base *sink_base(struct sink_ctx *ctx);
/* [pipeline] dedup_ttl in seconds: how long what a sink keeps for idempotency should live. */
long long sink_dedup_ttl_s(const struct sink_ctx *ctx);
/* [console] public_url ("" when not set): the base of the links to the console's account and
 * signal pages a sink writes (sinks/console_link.h). */
const char *sink_console_url(const struct sink_ctx *ctx);
/* The configuration struct of another sink section of the same configuration ([sink.NAME],
 * its type's own config struct), or NULL when that section is absent or disabled: for a sink
 * whose behaviour depends on another's (the alerts router asks whether [sink.slack] can edit
 * a message it posted). */
const void *sink_peer_config(struct sink_ctx *ctx, const char *name);
/* Account lookup in the registry the daemon keeps; NULL when unknown. */
const struct enrich_account *sink_account(struct sink_ctx *ctx, const char *id);
/* Asks for deliver() with an empty batch in `in_ms` if by then no batch came and none is
 * ready: the flow has stopped, and a sink that holds something back while batches are full
 * (hubspot's company_refresh) writes it. A batch delivered meanwhile cancels it (the sink
 * asks again if it still holds something). */
void sink_wake(struct sink_ctx *ctx, long long in_ms);
/* The registry's i-th account (a stable order while it is not reloaded), NULL past its end:
 * a sink looking up many accounts' CRM records in one request fills it with accounts to come. */
const struct enrich_account *sink_account_at(struct sink_ctx *ctx, size_t i);

#endif
