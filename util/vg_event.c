/* vg_event — arming libevent timer events (see vg_event.h). */
#include "util/vg_event.h"
#include "util/vg_time.h"

#include <event2/event.h>

void vg_timer_arm(struct event *ev, int64_t ms)
{
    if (ms <= 0) {
        /* Due already (in the heap or in the active queue): leave it where it is. Both times
         * are libevent's, on the clock of the current loop turn. */
        struct timeval due, now;
        if (event_pending(ev, EV_TIMEOUT, &due) && event_base_gettimeofday_cached(event_get_base(ev), &now) == 0 &&
            !evutil_timercmp(&due, &now, >))
            return;
        ms = 0;
    }
    struct timeval tv = vg_tv_ms(ms);
    evtimer_add(ev, &tv);
}
