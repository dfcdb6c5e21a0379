/* queue_series_fields — what a signal record says its account's series needs (its priority and
 * publication time), read by the enrich stage's process instead of by Redis.
 *
 * vigie_stage_write adds each new signal to its account's series (queue/lua/series.lua). Read
 * in Lua, the record's members cost Redis more than the series' own commands (pattern matches,
 * text to number and back: sprintf and strtod); read here they cost the process a few string
 * scans. The reading is the Lua one's, member for member (series_signal): the record's id (its
 * first member, `{"id":"..."}`), the first `"priority":` (an integer, 0 when absent, clamped to
 * 0..100) and the first `"published":"..."` (RFC 3339, util/vg_time.c; no member or `null`: the
 * stream entry's time, which only Redis knows). Whatever this reading could take another way
 * than the Lua one (an id other than the dedup id, a time with a fraction of a second, one
 * that does not parse, a cluster without its '|') is left to the Lua reading. */
#ifndef QUEUE_SERIES_FIELDS_H
#define QUEUE_SERIES_FIELDS_H

struct queue_series_fields {
    char t[24];     /* published, ms since the epoch; "" for the stream entry's time */
    char prio[8];   /* 0..100 */
    char score[40]; /* t + prio / 128 as "%.17g" (the score in series:s:<account>); "" with t "" */
};

/* 0 with the fields, or -1 (every field "") when the Lua reading must read the record itself. */
int queue_series_fields_read(const char *json, const char *dedup, const char *cluster, struct queue_series_fields *f);

#endif
