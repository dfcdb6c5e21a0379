/* vg_buf — a growable byte buffer, always NUL-terminated so it can be read as a string.
 *
 * A buffer may carry a hard cap (max): an append that would pass it fails with -1 and leaves
 * the buffer unchanged, which is how fetch bodies are bounded after decompression.
 *
 * A failed append (the cap, or memory) is sticky: every later append fails too and
 * vg_buf_steal returns NULL, so a record built by many appends is checked once, at the end,
 * and a record with a piece missing can never be handed on (to Redis, to a file) as if whole.
 * vg_buf_reset starts a new record and clears the failure. */
#ifndef VG_BUF_H
#define VG_BUF_H

#include <stddef.h>

struct vg_buf {
    char *data;  /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
    size_t max;  /* 0: no cap */
    int failed;  /* an append failed since the last init or reset */
};

void vg_buf_init(struct vg_buf *b, size_t max);
int vg_buf_append(struct vg_buf *b, const void *p, size_t n);
int vg_buf_puts(struct vg_buf *b, const char *s);
int vg_buf_putc(struct vg_buf *b, char c);
int vg_buf_printf(struct vg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
int vg_buf_json_str(struct vg_buf *b, const char *s);
void vg_buf_reset(struct vg_buf *b);
/* 0 while every append since the last init or reset succeeded, -1 otherwise. */
static inline int vg_buf_check(const struct vg_buf *b) { return b->failed ? -1 : 0; }
/* Hands the data to the caller (who frees it with vg_free) and empties the buffer. NULL, the
 * data freed, when an append failed (or out of memory). */
char *vg_buf_steal(struct vg_buf *b);
void vg_buf_free(struct vg_buf *b);

#endif
