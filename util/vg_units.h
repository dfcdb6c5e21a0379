/* vg_units — parsers for configuration and data values with units. 0 on success, -1 when the
 * text is not a valid value (nothing is written then). */
#ifndef VG_UNITS_H
#define VG_UNITS_H

/* "250ms", "30s", "5m", "2h", "1d"; a bare number is seconds. Result in milliseconds. */
int vg_parse_duration_ms(const char *s, long long *out);
/* "512", "64k", "8M", "1G" (powers of 1024; "kb", "KiB", ... also accepted). Result in bytes. */
int vg_parse_size(const char *s, long long *out);
/* A rate "N/DURATION": at most N (1 to 1,000,000) in any DURATION (1ms to 1d), e.g. "7/1s",
 * "600/5m"; "7/s" is "7/1s". */
int vg_parse_rate(const char *s, long long *limit, long long *window_ms);
/* yes/no, true/false, on/off, 1/0 (any case). */
int vg_parse_bool(const char *s, int *out);

#endif
