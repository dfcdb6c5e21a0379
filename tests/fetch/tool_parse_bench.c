/* tool_parse_bench — the in-process half of `bench/run parse` (bench/workloads/parse).
 *
 *   tool_parse_bench vigie REPS FILE...   feed_parse + the `vigie parse` JSON, per file
 *   tool_parse_bench libxml2 REPS FILE... the same as vigie, without the fast pass
 *                                         (fetchers/feed_xml_scan.c): libxml2 reads every file
 *   tool_parse_bench floor REPS FILE...   a bare libxml2 xmlTextReader pass, nothing else
 *
 * Files are read into memory first, then processed REPS times; prints
 * "bytes=N seconds=S mbps=X items=K". In-process because `vigie parse` takes one file per
 * process by contract, and process start-up (a binary linked with curl, OpenSSL, libevent...)
 * would otherwise be most of what a 1 MB feed measures. */
#include "util/vg_alloc.h"
#include "fetchers/feed.h"
#include "fetchers/feed_int.h"

#include <libxml/xmlreader.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct file {
    char *data;
    size_t len;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int load(const char *path, struct file *f)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        perror(path);
        return -1;
    }
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    rewind(fp);
    f->data = malloc((size_t)n + 1);
    f->len = f->data ? fread(f->data, 1, (size_t)n, fp) : 0;
    fclose(fp);
    return f->data ? 0 : -1;
}

/* feed_parse for an XML feed, with the fast pass turned off. */
static int parse_libxml2_only(const struct file *f, struct feed_doc **d, char *err, size_t errlen)
{
    struct feed_utf8_doc u;
    if (feed_charset_to_utf8(f->data, f->len, NULL, FEED_SNIFF_XML, &u) < 0)
        return -1;
    const char *s = u.data, *end = u.data + u.len;
    while (s < end && *s != '<')
        s++;
    int rc = feed_xml_parse_opt(s, (size_t)(end - s), NULL, 0, d, err, errlen);
    feed_utf8_doc_clear(&u);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 4 ||
        (strcmp(argv[1], "vigie") && strcmp(argv[1], "libxml2") && strcmp(argv[1], "floor"))) {
        fprintf(stderr, "usage: tool_parse_bench vigie|libxml2|floor REPS FILE...\n");
        return 2;
    }
    int floor_mode = strcmp(argv[1], "floor") == 0;
    int libxml2_only = strcmp(argv[1], "libxml2") == 0;
    int reps = atoi(argv[2]);
    int nf = argc - 3;
    struct file *files = calloc((size_t)nf, sizeof(*files));
    size_t total = 0;
    for (int i = 0; i < nf; i++) {
        if (load(argv[i + 3], &files[i]) < 0)
            return 1;
        total += files[i].len;
    }
    long items = 0;
    double t0 = now();
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < nf; i++) {
            if (floor_mode) {
                xmlTextReaderPtr rd = xmlReaderForMemory(files[i].data, (int)files[i].len, NULL,
                                                         NULL, XML_PARSE_RECOVER | XML_PARSE_NONET |
                                                                   XML_PARSE_NOERROR |
                                                                   XML_PARSE_NOWARNING);
                while (rd && xmlTextReaderRead(rd) == 1)
                    items++;
                xmlFreeTextReader(rd);
                continue;
            }
            struct feed_doc *d = NULL;
            char err[256];
            int rc = libxml2_only ? parse_libxml2_only(&files[i], &d, err, sizeof(err))
                                  : feed_parse(files[i].data, files[i].len, NULL, NULL, &d, err,
                                               sizeof(err));
            if (rc < 0) {
                fprintf(stderr, "%s: %s\n", argv[i + 3], err);
                return 1;
            }
            char *json = feed_doc_to_json(d);
            if (!json)
                return 1;
            items += (long)d->nitems;
            vg_free(json);
            feed_doc_free(d);
        }
    }
    double secs = now() - t0;
    printf("bytes=%zu seconds=%.4f mbps=%.2f items=%ld\n", total * (size_t)reps, secs,
           (double)total * reps / secs / 1e6, items / (reps ? reps : 1));
    for (int i = 0; i < nf; i++)
        free(files[i].data);
    free(files);
    return 0;
}
