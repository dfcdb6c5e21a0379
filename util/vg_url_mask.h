/* vg_url_mask — a URL as it may be printed: credentials in its userinfo
 * ("https://user:pass@host/", "redis://:secret@host:6379/0") never reach a terminal, a log or
 * a listing that may be pasted somewhere. */
#ifndef VG_URL_MASK_H
#define VG_URL_MASK_H

/* The user name stays when a password follows it ("user:***@"); a lone user part is often a
 * token and is hidden whole ("***@"). NULL gives "". Caller frees with vg_free; NULL when out
 * of memory. */
char *vg_url_mask(const char *url);

#endif
