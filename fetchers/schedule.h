/* schedule — when to poll a source again. Pure arithmetic, so it is easy to test:
 * a healthy source every interval (with jitter so that sources added together spread out),
 * a failing one backs off (the interval doubles per consecutive failure up to a cap, and
 * resets on success), and a server's Retry-After is never undercut. */
#ifndef FETCH_SCHEDULE_H
#define FETCH_SCHEDULE_H

/* interval_ms: the source's interval; failures: consecutive failures INCLUDING this poll's
 * (0 after a success); retry_after_ms: the server's Retry-After, 0 when none;
 * jitter_permille: random in [0, 1000) (the caller draws it; tests fix it).
 * The result is within +/-10% of the base delay, and never below retry_after_ms. */
long long fetch_next_delay_ms(long long interval_ms, long long failures, long long backoff_max_ms,
                              long long retry_after_ms, unsigned jitter_permille);

#endif
