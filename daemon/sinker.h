/* sinker — the daemon's sink stage: one sink core (sinks/sink_core.h) per enabled [sink.NAME]
 * section, the account registry they look accounts up in, and their lifecycle: a reload
 * recreates them (which also resumes a paused one), a shutdown lets their batch in flight
 * finish. */
#ifndef SINKER_H
#define SINKER_H

#include <stddef.h>
#include <stdio.h>

struct event_base;
struct queue;
struct vg_config;
struct sinker;

/* NULL with err filled when a sink refuses its configuration. A configuration without an
 * enabled sink gives a sinker that runs nothing. */
struct sinker *sinker_new(struct event_base *base, struct queue *q, const struct vg_config *cfg, char *err,
                          size_t errlen);
void sinker_start(struct sinker *s);
size_t sinker_count(const struct sinker *s);
/* The accounts in Redis changed: reload them (the sinks look accounts up by id). */
void sinker_accounts_changed(struct sinker *s, long long version);
/* After a reload: the sinks are recreated on the new configuration. */
void sinker_set_config(struct sinker *s, const struct vg_config *cfg);
/* 0 with the first paused sink's reason in `reason`, 1 when none is paused. */
int sinker_ready(const struct sinker *s, char *reason, size_t len);
/* --once: cb runs once every sink has nothing left to deliver (or is paused), after the sinks'
 * settle hooks (sink.h) sent what they held back and the others delivered that too. */
void sinker_on_idle(struct sinker *s, void (*cb)(void *), void *arg);
/* One line per sink for the --once report. */
void sinker_report(const struct sinker *s, FILE *out);
void sinker_stop(struct sinker *s, void (*drained)(void *), void *arg);
void sinker_free(struct sinker *s);

#endif
