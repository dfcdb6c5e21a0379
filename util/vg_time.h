/* vg_time — clocks and small time helpers shared by the modules. */
#ifndef VG_TIME_H
#define VG_TIME_H

#include <stdint.h>
#include <sys/time.h>

/* Milliseconds on the monotonic clock (for timeouts and durations). */
int64_t vg_mono_ms(void);
/* Milliseconds since the Unix epoch (for records and due times). */
int64_t vg_wall_ms(void);
/* A struct timeval for libevent from milliseconds. */
struct timeval vg_tv_ms(int64_t ms);
/* Uniform random number in [0, n) from a per-process generator seeded from the clock and pid,
 * for jitter (not for secrets). */
uint64_t vg_rand_below(uint64_t n);
/* Exponential backoff with equal jitter: attempt 0 -> about base_ms, doubling up to cap_ms;
 * the result is uniformly in [d/2, d]. */
int64_t vg_backoff_ms(unsigned attempt, int64_t base_ms, int64_t cap_ms);

#endif
