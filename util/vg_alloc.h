/* vg_alloc — the one allocation wrapper every module goes through.
 *
 * Allocation failures are returned to the caller (NULL), never hidden, so each caller must
 * check. Tests and fuzzers can make the N-th allocation fail (vg_alloc_fail_after) to prove
 * that every error path frees what it built. */
#ifndef VG_ALLOC_H
#define VG_ALLOC_H

#include <stddef.h>

void *vg_malloc(size_t n);
void *vg_calloc(size_t nmemb, size_t size);
void *vg_realloc(void *p, size_t n);
/* Returns a copy of s (NULL when s is NULL or on failure); the caller frees it. */
char *vg_strdup(const char *s);
char *vg_strndup(const char *s, size_t n);
/* printf into a fresh allocation; the caller frees it. NULL on failure. */
char *vg_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vg_free(void *p);

/* Test hook: after `n` more successful allocations, every allocation fails.
 * n < 0 turns failure injection off. */
void vg_alloc_fail_after(long n);

#endif
