/* schedule — next poll time of a source (see schedule.h). */
#include "fetchers/schedule.h"

long long fetch_next_delay_ms(long long interval_ms, long long failures, long long backoff_max_ms,
                              long long retry_after_ms, unsigned jitter_permille)
{
    long long base = interval_ms;
    for (long long i = 0; i < failures && base < backoff_max_ms; i++)
        base *= 2;
    if (failures > 0 && base > backoff_max_ms)
        base = backoff_max_ms > interval_ms ? backoff_max_ms : interval_ms;
    /* +/-10%: enough to spread a burst of sources over time, small enough to keep the rhythm. */
    long long spread = base / 5;
    long long delay = base - base / 10 + spread * (long long)(jitter_permille % 1000) / 1000;
    if (delay < retry_after_ms)
        delay = retry_after_ms;
    return delay;
}
