/* vg_csv — an RFC 4180 CSV reader over a buffer, with line numbers for error messages.
 *
 * Quoted fields may hold commas, doubled quotes and newlines; CRLF and LF both end records;
 * a UTF-8 BOM is skipped. Used by every importer (sources, accounts) so they report bad rows
 * the same way. */
#ifndef VG_CSV_H
#define VG_CSV_H

#include <stddef.h>

struct vg_csv {
    const char *p, *end;
    size_t line;        /* line where the current record starts (1-based) */
    size_t next_line;
    char **fields;
    size_t n, cap;
};

void vg_csv_init(struct vg_csv *c, const char *buf, size_t len);
/* Reads the next record into c->fields[0..c->n). Returns 1 for a record, 0 at the end, -1 on
 * a malformed record (err: "line N: reason"). Blank lines are skipped. Field strings belong
 * to the reader and stay valid until the next call. */
int vg_csv_next(struct vg_csv *c, char *err, size_t errlen);
void vg_csv_free(struct vg_csv *c);

#endif
