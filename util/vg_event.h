/* vg_event — arming libevent timer events. */
#ifndef VG_EVENT_H
#define VG_EVENT_H

#include <stdint.h>

struct event;

/* Runs the timer event's callback in `ms` milliseconds; 0 (or less) means on the next turn of
 * the loop. Asking for 0 again while the event is already due changes nothing.
 *
 * Why not evtimer_add(ev, 0) every time: re-adding a timer that is already due takes it off
 * libevent's active queue and puts it back in the heap, behind the socket events of the next
 * turn. A "now" asked for from every socket callback then never comes while socket events
 * keep coming. Seen in the poller: a claim asked for when 224 of 256 claimed fetches were left
 * went out only once all of them had finished, so the HTTP client ran dry between claims. */
void vg_timer_arm(struct event *ev, int64_t ms);

#endif
