/* cmd_parse — `vigie parse [--base-url URL] [--charset NAME] FILE`: one feed document (RSS,
 * Atom, JSON Feed) to one JSON object on stdout, in the shape docs/design.md fixes. FILE may be
 * "-" for stdin. --charset plays the part of the HTTP Content-Type charset for a file saved
 * from the web. Exit 0 on success, 1 when the input cannot be read or is not a feed (with the
 * reason on stderr), 2 on bad usage. Repairs the parser had to make are reported on stderr as
 * warnings; stdout stays pure JSON. */
#include "daemon/commands.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "fetchers/feed.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Larger than any fetch cap; a guard against feeding a disk image by mistake. */
#define PARSE_MAX_INPUT (512u << 20)

static int read_all(const char *path, struct vg_buf *b)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "vigie parse: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char chunk[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (vg_buf_append(b, chunk, n) < 0) {
            fprintf(stderr, "vigie parse: %s: larger than %u MiB or out of memory\n", path,
                    PARSE_MAX_INPUT >> 20);
            rc = -1;
            break;
        }
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "vigie parse: %s: %s\n", path, strerror(errno));
        rc = -1;
    }
    if (f != stdin)
        fclose(f);
    return rc;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: vigie parse [--base-url URL] [--charset NAME] FILE\n"
            "  Parses one feed document (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed) and writes\n"
            "  {\"format\", \"feed\": {...}, \"items\": [...]} as JSON on stdout.\n"
            "  --base-url URL   the feed's URL, to resolve relative links\n"
            "  --charset NAME   the charset an HTTP server declared for the file\n"
            "  FILE             a path, or - for stdin\n");
}

int cmd_parse(int argc, char **argv)
{
    const char *base = NULL, *charset = NULL, *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--base-url") == 0 && i + 1 < argc) {
            base = argv[++i];
        } else if (strncmp(a, "--base-url=", 11) == 0) {
            base = a + 11;
        } else if (strcmp(a, "--charset") == 0 && i + 1 < argc) {
            charset = argv[++i];
        } else if (strncmp(a, "--charset=", 10) == 0) {
            charset = a + 10;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "vigie parse: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else if (!path) {
            path = a;
        } else {
            fprintf(stderr, "vigie parse: one FILE only\n");
            return 2;
        }
    }
    if (!path) {
        usage(stderr);
        return 2;
    }
    struct vg_buf in;
    vg_buf_init(&in, PARSE_MAX_INPUT);
    if (read_all(path, &in) < 0) {
        vg_buf_free(&in);
        return 1;
    }
    char err[256];
    struct feed_doc *doc = NULL;
    int rc = feed_parse(in.data ? in.data : "", in.len, base, charset, &doc, err, sizeof(err));
    vg_buf_free(&in);
    if (rc < 0) {
        fprintf(stderr, "vigie parse: %s: %s\n", path, err);
        return 1;
    }
    if (doc->flags & FEED_F_RECOVERED)
        fprintf(stderr, "vigie parse: warning: %s: malformed XML, items recovered (%s)\n", path,
                doc->note[0] ? doc->note : "parse error");
    if (doc->flags & FEED_F_CHARSET_FIXED)
        fprintf(stderr, "vigie parse: warning: %s: bytes do not match the declared charset; "
                        "read as %s\n", path, doc->charset);
    if (doc->flags & FEED_F_ITEMS_CAPPED)
        fprintf(stderr, "vigie parse: warning: %s: more than %d items; the rest were dropped\n",
                path, FEED_MAX_ITEMS);
    char *json = feed_doc_to_json(doc);
    feed_doc_free(doc);
    if (!json) {
        fprintf(stderr, "vigie parse: out of memory\n");
        return 1;
    }
    size_t n = strlen(json);
    int ok = fwrite(json, 1, n, stdout) == n && fputc('\n', stdout) != EOF && fflush(stdout) == 0;
    vg_free(json);
    if (!ok) {
        fprintf(stderr, "vigie parse: writing the output: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
