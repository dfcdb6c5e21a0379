/* sink_core — runs one sink (sink.h): what every sink shares, so that a sink file holds only
 * its vendor's requests and answers.
 *
 *   reading     the sink's own consumer group ("sink:<name>") on its streams and on its replay
 *               stream (queue_consumer.h): a slow or broken CRM holds back nothing else;
 *   batching    up to the sink's batch size, or what is there once the oldest record waited
 *               `linger`; one batch in flight per sink and process;
 *   outcomes    OK acknowledged; DROP dead-lettered at once with the sink's reason; RETRY kept
 *               in hand and tried again after a capped, jittered exponential backoff (at least
 *               the vendor's Retry-After), dead-lettered after max_attempts;
 *   rate        every request waits for the budget shared through Redis by every process
 *               (queue_budget.h: at most rate_limit requests per rolling rate_window);
 *   pause       a sink that calls sink_pause() starts no batch until the pause ends (a reload
 *               recreates the sink, or its time passes); records in hand are not charged an
 *               attempt for a pause;
 *   figures     per sink: delivered, retried, dead-lettered, last error, paused, lag, on
 *               /metrics, in `vigie status` (through Redis, so any process can show them) and
 *               in /readyz (a paused sink is a reason).
 * Entries in hand when the process stops stay pending in Redis: the next start of this process
 * reads them again, another process takes them over after reclaim_idle. */
#ifndef SINK_CORE_H
#define SINK_CORE_H

#include <stdint.h>
#include <stdio.h>

#include "sinks/sink.h"
#include "sinks/sink_options.h"

struct event_base;
struct queue;
struct sink_core;

struct sink_env {
    struct event_base *base;
    struct queue *q;
    const char *instance;       /* this process's name ([daemon] instance) */
    const char *state_dir;      /* [daemon] state_dir */
    /* The account registry the daemon keeps (NULL: none). */
    const struct enrich_account *(*account)(void *arg, const char *id);
    /* The i-th account of that registry, NULL past its end (NULL: none); account_arg. */
    const struct enrich_account *(*account_at)(void *arg, size_t i);
    void *account_arg;
    /* Another sink section's config struct, NULL when absent or disabled (sink_peer_config);
     * NULL: none. */
    const void *(*peer)(void *arg, const char *name);
    void *peer_arg;
    long long reclaim_idle_ms;  /* [pipeline] reclaim_idle */
    long long dlq_maxlen;       /* [pipeline] dlq_maxlen */
    long long dedup_ttl_s;      /* how long delivery marks are kept */
    const char *console_url;    /* [console] public_url, NULL or "": no links to the console */
    /* Preview (vigie sinks preview): requests are printed to `preview` instead of sent, and
     * nothing is acknowledged; at most preview_limit records are read. NULL: deliver. */
    FILE *preview;
    size_t preview_limit;
    /* Direct (`vigie alerts test`): the records handed with sink_core_feed are delivered for
     * real, now — requests sent, without the rate budget — but nothing is read from or written
     * to Redis (no consumer group, no acknowledgement, no dead letter, marks read as absent
     * and not written, sink_queue() NULL), each record is tried once (a RETRY is not tried
     * again, a pause does not hold the other records back) and the caller hears of every
     * response (before the sink reads it) and of every record's outcome. */
    int direct;
    void (*on_response)(void *arg, const struct fetch_request *req, const struct fetch_response *resp);
    void (*on_outcome)(void *arg, const struct sink_record *r);
    void *report_arg;
};

/* NULL with err filled when the sink's init refuses its configuration. */
struct sink_core *sink_core_new(const struct sink_env *env, const struct sink_type *type,
                                const struct sink_common_config *common, const void *config, char *err,
                                size_t errlen);
void sink_core_start(struct sink_core *s);
/* Preview and direct: hands entries read by the caller (they are copied), instead of a
 * consumer group. */
struct queue_msg;
void sink_core_feed(struct sink_core *s, const struct queue_msg *entries, size_t n);
/* Stops reading and starting batches; drained(arg) runs once the batch in flight is settled. */
void sink_core_stop(struct sink_core *s, void (*drained)(void *), void *arg);
void sink_core_free(struct sink_core *s);

struct sink_status {
    const char *name;
    int paused;
    long long resume_in_ms;  /* paused: when it delivers again by itself; 0: at a reload only */
    char pause_reason[256];
    uint64_t delivered, retried, dead_lettered, requests;
    size_t in_hand;
    char last_error[256];
};
void sink_core_status(const struct sink_core *s, struct sink_status *out);
/* 1 while a batch is in flight (records of it point into the account registry). */
int sink_core_busy(const struct sink_core *s);
/* 1 when nothing is in hand and nothing in flight. */
int sink_core_idle(const struct sink_core *s);
/* --once: the sink's settle hook (sink.h), or done(arg) at once when it has none. */
void sink_core_settle(struct sink_core *s, void (*done)(void *arg), void *arg);
/* Where the records go, for the reports ("https://api.hubapi.com", "/var/lib/vigie/outbox"). */
const char *sink_core_where(const struct sink_core *s);
/* The group's lag (entries not yet delivered to it, plus pending); cb(-1) when unknown. */
void sink_core_lag(struct sink_core *s, void (*cb)(long long lag, void *arg), void *arg);

#endif
