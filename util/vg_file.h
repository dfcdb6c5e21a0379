/* vg_file — reading a whole file (or standard input) into memory, with a size cap. */
#ifndef VG_FILE_H
#define VG_FILE_H

#include <stddef.h>

/* Reads path ("-": standard input) into a NUL-terminated buffer the caller frees with
 * vg_free. NULL with errno set on failure (EFBIG when the file is larger than max). */
char *vg_read_file(const char *path, size_t max, size_t *len);

#endif
