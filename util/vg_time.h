/* vg_time — clocks and small time helpers shared by the modules. */
#ifndef VG_TIME_H
#define VG_TIME_H

#include <stdint.h>
#include <sys/time.h>

/* Milliseconds on the monotonic clock (for timeouts and durations). */
int64_t vg_mono_ms(void);
/* Milliseconds since the Unix epoch (for records and due times). */
int64_t vg_wall_ms(void);
/* The clock of decisions that depend on the time of day and on windows of hours and days (alert
 * grouping, quiet hours, caps, silences, digests): vg_wall_ms(), unless the environment names a
 * file in VIGIE_CLOCK_FILE, whose first line is then read on each call as milliseconds since
 * the epoch. The file is how the tests drive those decisions with a clock they control (a
 * missing or unreadable file falls back to the wall clock); nothing else sets it. */
int64_t vg_clock_ms(void);
/* A struct timeval for libevent from milliseconds. */
struct timeval vg_tv_ms(int64_t ms);
/* Uniform random number in [0, n) from a per-process generator seeded from the clock and pid,
 * for jitter (not for secrets). */
uint64_t vg_rand_below(uint64_t n);
/* Exponential backoff with equal jitter: attempt 0 -> about base_ms, doubling up to cap_ms;
 * the result is uniformly in [d/2, d]. */
int64_t vg_backoff_ms(unsigned attempt, int64_t base_ms, int64_t cap_ms);

/* An RFC 3339 time ("2024-01-09T11:00:00Z", "2024-01-09T12:00:00.250+01:00", or a date alone,
 * "2024-01-09", as midnight UTC) to milliseconds since the epoch. Digits are checked one by one
 * (no "2024-1-9"). 0, or -1 when malformed. */
int vg_parse_rfc3339_ms(const char *s, int64_t *out);

#endif
