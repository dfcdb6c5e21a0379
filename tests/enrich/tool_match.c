/* tool_match — prints the account mentions the matcher finds, one input line at a time.
 *
 * Usage: tool_match ACCOUNTS_FILE [--min CONF] [--source ACCOUNT_ID] < lines
 * For each line: "line N" then one "ID<TAB>VIA<TAB>CONF<TAB>START<TAB>END<TAB>TEXT" per
 * mention (offsets in bytes of the line). Lets a person or a script see what the evidence
 * rules decide on real sentences. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/vg_alloc.h"
#include "enrich/account.h"
#include "enrich/matcher.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: tool_match ACCOUNTS_FILE [--min CONF] [--source ID] < lines\n");
        return 2;
    }
    double min = 0.0;
    const char *source = NULL;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--min") == 0)
            min = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--source") == 0)
            source = argv[i + 1];
    }
    size_t len;
    char *buf = slurp(argv[1], &len);
    if (!buf) {
        perror(argv[1]);
        return 1;
    }
    char err[256];
    struct enrich_account_set *set;
    if (enrich_accounts_parse(buf, len, &set, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", argv[1], err);
        free(buf);
        return 1;
    }
    free(buf);
    struct enrich_matcher *m = enrich_matcher_build(set, err, sizeof(err));
    if (!m) {
        fprintf(stderr, "%s\n", err);
        enrich_account_set_free(set);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long no = 0;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        struct enrich_match *mt;
        size_t nm;
        printf("line %ld\n", ++no);
        if (enrich_match_text(m, line, (size_t)n, source, min, &mt, &nm) < 0) {
            fprintf(stderr, "out of memory\n");
            break;
        }
        for (size_t i = 0; i < nm; i++)
            printf("%s\t%s\t%.2f\t%zu\t%zu\t%.*s\n", set->v[mt[i].account].id,
                   enrich_match_via_name(mt[i].via), mt[i].confidence, mt[i].start, mt[i].end,
                   (int)(mt[i].end - mt[i].start), line + mt[i].start);
        vg_free(mt);
    }
    free(line);
    enrich_matcher_free(m);
    enrich_account_set_free(set);
    return 0;
}
