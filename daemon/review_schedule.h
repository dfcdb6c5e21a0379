/* review_schedule — the daemon's own portfolio review ([review] schedule, docs/design.md
 * "Scheduled review"): weekly on Mondays or monthly on the 1st, at [review] at in [review]
 * timezone, saved like `vigie review --save` and handed over as the HTML report to the e-mail
 * sink (messages of kind `report` on alerts:email, to the addresses of [review] email and, with
 * `owners`, to each owner for their own accounts) and, with [review] outbox, as a `review`
 * record to the outbox sink (stream reports).
 *
 * Once per period across every process sharing the Redis: a period (its slot's local month
 * "YYYY-MM" or ISO week "YYYY-Www") is run by the process that takes its lease
 * (lease:review:<period>), and the review, its messages and the done mark review-done:<period>
 * are written in one transaction that watches the mark. The latest slot at or before now is
 * the period due: a period whose slot passed while no daemon ran is reviewed at the next start,
 * and a daemon started within a period already done does nothing.
 *
 * The review (Redis reads on a connection of its own, the scoring, the HTML) runs on a worker
 * thread (util/vg_work.h): a portfolio over a stream of a million signals takes seconds, which
 * the event loop must not wait. It runs in the processes with the sink role, not with --once. */
#ifndef VG_REVIEW_SCHEDULE_H
#define VG_REVIEW_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct vg_config;
struct review_schedule;

enum review_every { REVIEW_EVERY_OFF = 0, REVIEW_EVERY_WEEK, REVIEW_EVERY_MONTH };

/* The period due at now_ms: the latest slot at or before it (Monday or the 1st at hour:min in
 * zone), as an instant and a label ("2026-W49", "2026-12"). 0, or -1 (off, unknown zone). */
int review_schedule_period(enum review_every every, int hour, int min, const char *zone, int64_t now_ms,
                           int64_t *slot_ms, char label[16]);

/* The [review] schedule options of c, checked beyond the option table: 0, or -1 with *key the
 * option at fault ("at", "timezone", "email") and why. */
int review_schedule_check(const struct vg_config *c, const char **key, char *why, size_t whylen);
/* Valid settings that would hand nothing over (an e-mail without a running [sink.email], an
 * outbox without [sink.outbox], hand-offs with the schedule off): warn(arg, key, message) each. */
void review_schedule_warnings(const struct vg_config *c, void (*warn)(void *arg, const char *key, const char *msg),
                              void *arg);

/* Never NULL but when out of memory. */
struct review_schedule *review_schedule_new(struct event_base *base, const struct vg_config *cfg);
/* After a reload: the next period follows the new options (a run in flight finishes on the
 * configuration it began with). */
void review_schedule_set_config(struct review_schedule *s, const struct vg_config *cfg);
/* No new run; drained(arg) once the run in flight has ended (at once when none is). */
void review_schedule_stop(struct review_schedule *s, void (*drained)(void *), void *arg);
/* Waits for a run in flight to end on its thread, then frees. NULL is a no-op. */
void review_schedule_free(struct review_schedule *s);

#endif
