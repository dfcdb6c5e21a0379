/* vg_file — whole-file reads (see vg_file.h). */
#include "util/vg_file.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

char *vg_read_file(const char *path, size_t max, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    struct vg_buf b;
    vg_buf_init(&b, max);
    char chunk[65536];
    size_t n;
    int failed = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (vg_buf_append(&b, chunk, n) < 0) {
            failed = EFBIG;
            break;
        }
    if (!failed && ferror(f))
        failed = EIO;
    if (f != stdin)
        fclose(f);
    if (failed) {
        vg_buf_free(&b);
        errno = failed;
        return NULL;
    }
    *len = b.len;
    return vg_buf_steal(&b);
}
