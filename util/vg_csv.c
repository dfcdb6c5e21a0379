/* vg_csv — RFC 4180 CSV reader (see vg_csv.h). */
#include "util/vg_csv.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"

#include <stdio.h>
#include <string.h>

void vg_csv_init(struct vg_csv *c, const char *buf, size_t len)
{
    memset(c, 0, sizeof(*c));
    c->p = buf;
    c->end = buf + len;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        c->p += 3;
    c->next_line = 1;
}

static void clear_fields(struct vg_csv *c)
{
    for (size_t i = 0; i < c->n; i++)
        vg_free(c->fields[i]);
    c->n = 0;
}

static int push_field(struct vg_csv *c, struct vg_buf *f)
{
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 16;
        char **nf = vg_realloc(c->fields, ncap * sizeof(*nf));
        if (!nf)
            return -1;
        c->fields = nf;
        c->cap = ncap;
    }
    c->fields[c->n] = vg_buf_steal(f);
    if (!c->fields[c->n])
        return -1;
    c->n++;
    return 0;
}

int vg_csv_next(struct vg_csv *c, char *err, size_t errlen)
{
    clear_fields(c);
    /* Skip blank lines. */
    while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
        if (*c->p == '\n')
            c->next_line++;
        c->p++;
    }
    if (c->p >= c->end)
        return 0;
    c->line = c->next_line;
    struct vg_buf f;
    vg_buf_init(&f, 1 << 20);
    for (;;) {
        vg_buf_reset(&f);
        if (c->p < c->end && *c->p == '"') {
            c->p++;
            for (;;) {
                if (c->p >= c->end) {
                    snprintf(err, errlen, "line %zu: unterminated quoted field", c->line);
                    goto fail;
                }
                if (*c->p == '"') {
                    if (c->p + 1 < c->end && c->p[1] == '"') {
                        if (vg_buf_putc(&f, '"') < 0)
                            goto oom;
                        c->p += 2;
                        continue;
                    }
                    c->p++;
                    break;
                }
                if (*c->p == '\n')
                    c->next_line++;
                if (vg_buf_putc(&f, *c->p++) < 0)
                    goto oom;
            }
            if (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
                snprintf(err, errlen, "line %zu: unexpected character after a quoted field", c->line);
                goto fail;
            }
        } else {
            while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
                if (vg_buf_putc(&f, *c->p++) < 0)
                    goto oom;
            }
        }
        if (push_field(c, &f) < 0)
            goto oom;
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p == '\r')
            c->p++;
        if (c->p < c->end && *c->p == '\n') {
            c->p++;
            c->next_line++;
        }
        break;
    }
    vg_buf_free(&f);
    return 1;
oom:
    snprintf(err, errlen, "line %zu: out of memory or field too long", c->line);
fail:
    vg_buf_free(&f);
    return -1;
}

void vg_csv_free(struct vg_csv *c)
{
    clear_fields(c);
    vg_free(c->fields);
    c->fields = NULL;
    c->cap = 0;
}
