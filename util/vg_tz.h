/* vg_tz — local time in an IANA time zone ("Europe/Paris"), and the digest schedule built on
 * it: "daily HH:MM" and "weekly DAY HH:MM" slots, and the period label of a slot.
 *
 * The C library knows one zone at a time (TZ). These functions set TZ to the zone asked for,
 * call tzset and localtime_r/mktime, and put TZ back as it was before returning: the daemon is
 * single-threaded on its loop, so nothing else reads the zone meanwhile. "UTC" (and "Etc/UTC")
 * never touch TZ. A zone is checked against the system's tz database (TZDIR, else
 * /usr/share/zoneinfo): the C library would silently read an unknown name as UTC.
 *
 * Daylight saving time: a slot is a wall-clock time on a local date, turned into an instant by
 * mktime with the offset of that date, so "daily 08:00" in Europe/Paris is 07:00 UTC in
 * winter and 06:00 UTC in summer, and the days of the changes have their slot at 08:00 local
 * too. A slot inside the hour skipped in spring lands an hour later (mktime's reading). */
#ifndef VG_TZ_H
#define VG_TZ_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* 1 when zone names a zone of the system's tz database (or is "UTC"), else 0. */
int vg_tz_valid(const char *zone);

/* The local time in zone of ms since the epoch. 0, or -1 (unknown zone, time out of range). */
int vg_tz_local(const char *zone, int64_t ms, struct tm *out);

/* The instant of a local time in zone (tm's date and time; fields out of range are
 * normalised, as mktime does; tm_isdst is ignored: the zone's rules decide). 0, or -1. */
int vg_tz_instant(const char *zone, const struct tm *tm, int64_t *ms);

/* A digest schedule: "daily HH:MM", "weekly DAY HH:MM" (DAY: mon..sun, or monday..sunday,
 * any case) or "no". */
enum vg_slot_kind { VG_SLOT_NONE = 0, VG_SLOT_DAILY, VG_SLOT_WEEKLY };
struct vg_slot {
    enum vg_slot_kind kind;
    int wday;         /* weekly: 0 Sunday .. 6 Saturday */
    int hour, min;
};

/* 0, or -1 with the reason in why. */
int vg_slot_parse(const char *s, struct vg_slot *out, char *why, size_t whylen);

/* The first slot strictly after after_ms, in zone (ms since the epoch); -1 for VG_SLOT_NONE
 * or an unknown zone. */
int64_t vg_slot_next(const struct vg_slot *s, const char *zone, int64_t after_ms);
/* The last slot strictly before before_ms; -1 as above. */
int64_t vg_slot_prev(const struct vg_slot *s, const char *zone, int64_t before_ms);

/* The label of the period a slot closes, in zone: its local date "YYYY-MM-DD" (daily) or its
 * ISO 8601 week "YYYY-Www" (weekly). 0, or -1. */
int vg_slot_period(const struct vg_slot *s, const char *zone, int64_t slot_ms, char out[16]);

/* "HH:MM-HH:MM" (a window of the day; it may cross midnight, "20:00-08:00") as minutes of the
 * day. 0, or -1 with the reason in why. Equal ends are refused (an empty or a whole day). */
int vg_tz_window_parse(const char *s, int *from_min, int *to_min, char *why, size_t whylen);

#endif
