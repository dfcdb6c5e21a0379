/* tool_match_bench — times the account matcher for bench/workloads/match.
 *
 * Usage: tool_match_bench ACCOUNTS_FILE NEWS_FILE [REPEAT]
 * Parses the accounts, builds the matcher (timed, with its memory: bytes the matcher holds and
 * the process RSS growth), then runs enrich_match_text over every line of NEWS_FILE, REPEAT
 * times (default 3), and reports the best pass. Prints key=value lines on stdout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/vg_alloc.h"
#include "enrich/account.h"
#include "enrich/matcher.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &res) != 2)
            res = 0;
        fclose(f);
    }
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    *len = buf ? (size_t)n : 0;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: tool_match_bench ACCOUNTS_FILE NEWS_FILE [REPEAT]\n");
        return 2;
    }
    int repeat = argc > 3 ? atoi(argv[3]) : 3;
    size_t alen, nlen;
    char *abuf = slurp(argv[1], &alen), *news = slurp(argv[2], &nlen);
    if (!abuf || !news) {
        fprintf(stderr, "cannot read %s or %s\n", argv[1], argv[2]);
        return 1;
    }
    char err[256];
    struct enrich_account_set *set;
    double t0 = now();
    if (enrich_accounts_parse(abuf, alen, &set, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", argv[1], err);
        return 1;
    }
    double t1 = now();
    free(abuf);
    long rss0 = rss_kib();
    double t2 = now();
    struct enrich_matcher *m = enrich_matcher_build(set, err, sizeof(err));
    double t3 = now();
    long rss1 = rss_kib();
    if (!m) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    printf("accounts=%zu\nparse_s=%.3f\nbuild_s=%.3f\npatterns=%zu\nmatcher_bytes=%zu\nrss_delta_kib=%ld\n",
           set->n, t1 - t0, t3 - t2, enrich_matcher_patterns(m), enrich_matcher_memory(m), rss1 - rss0);

    double best = 1e30;
    size_t items = 0, matches = 0;
    for (int r = 0; r < repeat; r++) {
        items = matches = 0;
        double s0 = now();
        const char *p = news, *end = news + nlen;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
            struct enrich_match *mt;
            size_t n;
            if (enrich_match_text(m, p, len, NULL, ENRICH_MATCH_MIN_CONFIDENCE, &mt, &n) < 0) {
                fprintf(stderr, "out of memory\n");
                return 1;
            }
            matches += n;
            vg_free(mt);
            items++;
            p += len + 1;
        }
        double s1 = now();
        if (s1 - s0 < best)
            best = s1 - s0;
    }
    printf("bytes=%zu\nitems=%zu\nmatches=%zu\nscan_s=%.3f\nscan_mbps=%.1f\n", nlen, items, matches,
           best, (double)nlen / 1e6 / best);
    enrich_matcher_free(m);
    enrich_account_set_free(set);
    free(news);
    return 0;
}
