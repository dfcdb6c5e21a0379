/* cmd_extract — `vigie extract [--accounts FILE] [--rules DIR] --json|--signals`.
 *
 * Reads items as JSON lines on stdin ({"id","title","summary","lang"}, plus optional "url",
 * "published", "account_id", "structured"), through the daemon's own item decoder
 * (enrich/item_json.h) and, for a structured item, its structured path
 * (enrich/structured.h), and writes one JSON line per item on stdout in the fixed
 * shape of docs/design.md: {"id","signals","amounts","people","companies","accounts",
 * "mentioned"} (accounts: subjects and counterparties; mentioned: named in passing). With
 * --signals it writes the full signal records instead (one line per signal, with the
 * account's role, those of mentioned accounts included). Works without
 * Redis: accounts come from a JSON or CSV file. Rules are the embedded shipped set unless
 * --rules names a directory of *.rules files (read in name order). A bad input line is
 * reported on stderr with its line number and skipped; the exit status is then 1.
 *
 * Items are independent and the extractor is immutable, so batches of lines are shared out
 * between threads (--threads, default: the online CPUs, at most 8); output and messages keep
 * the input order. */
#include "daemon/commands.h"

#include "daemon/rules_dir.h"
#include "util/vg_alloc.h"
#include "util/vg_file.h"
#include "util/vg_buf.h"
#include "enrich/extract.h"
#include "enrich/item_json.h"
#include "enrich/structured.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Longest input line accepted; longer ones are reported and skipped. */
#define MAX_LINE (4u << 20)
/* Lines handed out to the threads at a time. */
#define BATCH 256
#define MAX_THREADS 8

static int process_line(const struct enrich_extractor *x, const char *line, size_t len,
                        int full, struct vg_buf *out, char *err, size_t errlen)
{
    struct enrich_item_json in;
    int rc = -1;
    if (enrich_item_json_read(line, len, &in, err, errlen) < 0)
        goto out;
    struct enrich_result *r;
    /* an item of a company source goes through the daemon's structured path, as there */
    if (in.structured) {
        if (enrich_structured_extract(x, &in.item, in.structured, &r, err, errlen) < 0)
            goto out;
    } else if (enrich_extract(x, &in.item, &r) < 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    rc = 0;
    if (!full) {
        if (enrich_result_json(x, r, out) < 0 || vg_buf_putc(out, '\n') < 0)
            rc = -1;
    } else {
        for (size_t i = 0; i < r->n_signals && rc == 0; i++)
            if (enrich_signal_json(x, r, &r->signals[i], out) < 0 || vg_buf_putc(out, '\n') < 0)
                rc = -1;
    }
    if (rc < 0)
        snprintf(err, errlen, "out of memory");
    enrich_result_free(r);
out:
    enrich_item_json_clear(&in);
    return rc;
}

/* One batch of input lines and what became of each. */
struct line_job {
    char *text;
    size_t len;
    unsigned long lineno;
    struct vg_buf out;
    char err[512];
    int failed;
};

struct batch {
    const struct enrich_extractor *x;
    struct line_job *jobs;
    size_t n;
    int full;
    unsigned threads;
};

struct worker {
    struct batch *b;
    unsigned id;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    struct batch *b = w->b;
    for (size_t i = w->id; i < b->n; i += b->threads) {
        struct line_job *j = &b->jobs[i];
        if (j->failed || !j->text)
            continue;  /* already refused when read (too long) */
        if (process_line(b->x, j->text, j->len, b->full, &j->out, j->err, sizeof(j->err)) < 0)
            j->failed = 1;
    }
    return NULL;
}

/* Processes the batch on `threads` threads (the caller's included) and writes it in order.
 * Returns 0, 1 when some line failed, -1 on a write error. */
static int run_batch(struct batch *b)
{
    pthread_t tid[MAX_THREADS];
    struct worker w[MAX_THREADS];
    unsigned started = 0;
    for (unsigned t = 0; t < b->threads; t++)
        w[t] = (struct worker){b, t};
    for (unsigned t = 1; t < b->threads; t++) {
        if (pthread_create(&tid[t], NULL, work, &w[t]) != 0)
            break;
        started = t;
    }
    /* the shares of threads that could not start are done here */
    unsigned planned = b->threads;
    work(&w[0]);
    for (unsigned t = 1; t <= started; t++)
        pthread_join(tid[t], NULL);
    for (unsigned t = started + 1; t < planned; t++)
        work(&w[t]);
    int status = 0;
    for (size_t i = 0; i < b->n; i++) {
        struct line_job *j = &b->jobs[i];
        if (j->failed) {
            fprintf(stderr, "vigie extract: line %lu: %s\n", j->lineno, j->err);
            status = 1;
        } else if (j->out.len && fwrite(j->out.data, 1, j->out.len, stdout) != j->out.len) {
            fprintf(stderr, "vigie extract: write error: %s\n", strerror(errno));
            return -1;
        }
    }
    return status;
}

static void clear_batch(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free(b->jobs[i].text);
        vg_buf_free(&b->jobs[i].out);
    }
    b->n = 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: vigie extract [--accounts FILE] [--rules DIR] [--threads N] --json|--signals\n"
                    "  reads items as JSON lines on stdin: {\"id\",\"title\",\"summary\",\"lang\"}\n"
                    "  (an item record with \"structured\", from a company source, gives its own signals)\n"
                    "  --json     one line per item: {\"id\",\"signals\",\"amounts\",\"people\","
                    "\"companies\",\"accounts\",\"mentioned\"}\n"
                    "             accounts: the subjects and counterparties; mentioned: the "
                    "accounts only named in passing\n"
                    "  --signals  one line per signal record (account, role, type, confidence, "
                    "priority, evidence, ...),\n"
                    "             one per matched account, the mentioned ones too\n"
                    "  --accounts FILE  accounts as JSON or CSV (see docs/design.md), no Redis needed\n"
                    "  --rules DIR      *.rules files to use instead of the built-in rules\n"
                    "  --threads N      worker threads (default: online CPUs, at most 8)\n");
    return 2;
}

int cmd_extract(int argc, char **argv)
{
    const char *accounts_path = NULL, *rules_dir = NULL;
    int json = 0, full = 0;
    long threads = sysconf(_SC_NPROCESSORS_ONLN);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--signals") == 0)
            full = 1;
        else if (strcmp(argv[i], "--accounts") == 0 && i + 1 < argc)
            accounts_path = argv[++i];
        else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
            rules_dir = argv[++i];
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            char *end;
            threads = strtol(argv[++i], &end, 10);
            if (*end || threads < 1)
                return usage();
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return usage(), 0;
        else
            return usage();
    }
    if (json == full)
        return usage();
    if (threads < 1)
        threads = 1;
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;

    char err[512] = "";
    int status = 1;
    struct enrich_account_set *accounts = NULL;
    struct enrich_extractor *x = NULL;
    struct line_job *jobs = NULL;
    if (accounts_path) {
        size_t len = 0;
        char *text = vg_read_file(accounts_path, 256u << 20, &len);
        if (!text) {
            fprintf(stderr, "vigie extract: %s: %s\n", accounts_path, strerror(errno));
            goto out;
        }
        int rc = enrich_accounts_parse(text, len, &accounts, err, sizeof(err));
        vg_free(text);
        if (rc < 0) {
            fprintf(stderr, "vigie extract: %s: %s\n", accounts_path, err);
            goto out;
        }
    }
    struct enrich_rules *rules = vg_rules_load(rules_dir, err, sizeof(err));
    if (!rules) {
        fprintf(stderr, "vigie extract: rules: %s\n", err);
        goto out;
    }
    x = enrich_extractor_new(rules, accounts, NULL, err, sizeof(err));
    if (!x) {
        fprintf(stderr, "vigie extract: %s\n", err);
        goto out;
    }
    jobs = vg_calloc(BATCH, sizeof(*jobs));
    if (!jobs) {
        fprintf(stderr, "vigie extract: out of memory\n");
        goto out;
    }

    status = 0;
    struct batch b = {.x = x, .jobs = jobs, .full = full};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long lineno = 0;
    int eof = 0;
    while (!eof) {
        while (b.n < BATCH) {
            n = getline(&line, &cap, stdin);
            if (n < 0) {
                eof = 1;
                break;
            }
            lineno++;
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                n--;
            size_t lead = 0;
            while ((ssize_t)lead < n && (line[lead] == ' ' || line[lead] == '\t'))
                lead++;
            if ((ssize_t)lead == n)
                continue;  /* blank lines carry no item */
            struct line_job *j = &jobs[b.n];
            memset(j, 0, sizeof(*j));
            vg_buf_init(&j->out, 0);
            j->lineno = lineno;
            if ((size_t)n > MAX_LINE) {
                snprintf(j->err, sizeof(j->err), "longer than %u bytes, skipped", MAX_LINE);
                j->failed = 1;
            } else {
                j->text = malloc((size_t)n + 1);
                if (!j->text) {
                    snprintf(j->err, sizeof(j->err), "out of memory");
                    j->failed = 1;
                } else {
                    memcpy(j->text, line, (size_t)n);
                    j->text[n] = '\0';
                    j->len = (size_t)n;
                }
            }
            b.n++;
        }
        b.threads = (unsigned)(b.n < (size_t)threads ? (b.n ? b.n : 1) : (size_t)threads);
        int rc = run_batch(&b);
        clear_batch(&b);
        if (rc < 0) {
            status = 1;
            break;
        }
        if (rc > 0)
            status = 1;
    }
    free(line);
    if (fflush(stdout) != 0)
        status = 1;
out:
    vg_free(jobs);
    enrich_extractor_free(x);
    enrich_account_set_free(accounts);
    return status;
}
