/* cmd_sources_parse — `vigie sources parse --kind KIND FILE ...`: what a source of any kind makes
 * of responses saved to files, without Redis or the network. It shows what a poll would do:
 * the further URLs the kind asks for (`plan`), the item records it would queue, and what it
 * keeps for the next poll — so a user can check a saved API answer, and the tests can drive
 * each kind on fixtures.
 *
 * Output, one JSON object: {"kind", "plan": [URLs], "items": [item records], "keep": string or
 * null}. Exit 0, 1 when the kind refuses the input (the reason on stderr), 2 on bad usage. */
#include "daemon/commands.h"
#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_file.h"
#include "util/vg_time.h"
#include "fetchers/feed.h"
#include "fetchers/item.h"
#include "fetchers/kind.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INPUT_MAX (64u << 20)

static const char usage[] =
    "usage: vigie sources parse --kind KIND [--url URL] [--options JSON] [--account ID]\n"
    "                           [--previous FILE] [--part FILE[:STATUS]]... [--now SECONDS] FILE\n"
    "  Runs a source kind on responses saved to files, as a poll would, and prints\n"
    "  {\"kind\", \"plan\": [further URLs the poll fetches], \"items\": [item records],\n"
    "   \"keep\": what the source keeps for its next poll} as JSON. No Redis, no network.\n"
    "  --kind KIND       feed, page, or a company source kind\n"
    "  --url URL         the URL the first response came from (default: the file's path)\n"
    "  --options JSON    the source's options\n"
    "  --account ID      the account the source is tied to\n"
    "  --previous FILE   what the previous poll kept (a previous run's \"keep\")\n"
    "  --part FILE[:N]   the response to the plan's next URL, with its HTTP status (200)\n"
    "  --now SECONDS     the poll's time, seconds since the epoch (default: now)\n";

static char *read_or_complain(const char *path, size_t *len)
{
    char *s = vg_read_file(path, INPUT_MAX, len);
    if (!s)
        fprintf(stderr, "vigie sources parse: %s: %s\n", path, strerror(errno));
    return s;
}

/* The kind's plan for the first response, written into the output. */
static int run_plan(const struct source_kind *k, const struct kind_input *in, struct vg_buf *b, char ***urls,
                    size_t *nurls)
{
    *urls = NULL;
    *nurls = 0;
    char err[300] = "";
    if (k->plan && k->plan(in, urls, nurls, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie sources parse: %s\n", err[0] ? err : "the kind could not plan the poll");
        return -1;
    }
    vg_buf_puts(b, ",\"plan\":[");
    for (size_t i = 0; i < *nurls; i++) {
        if (i)
            vg_buf_putc(b, ',');
        vg_buf_json_str(b, (*urls)[i]);
    }
    return vg_buf_putc(b, ']');
}

static int run(const struct source_kind *k, struct kind_input *in, const char *const *part_files, size_t nparts,
               const char *account)
{
    struct vg_buf b;
    vg_buf_init(&b, 0);
    vg_buf_puts(&b, "{\"kind\":");
    vg_buf_json_str(&b, k->name);
    char **urls = NULL;
    size_t nurls = 0;
    struct kind_part parts[KIND_MAX_PARTS];
    char *bodies[KIND_MAX_PARTS] = {0};
    struct kind_output out = {0};
    int rc = 1;
    if (run_plan(k, in, &b, &urls, &nurls) < 0)
        goto done;
    if (nparts > nurls || nparts > KIND_MAX_PARTS) {
        fprintf(stderr, "vigie sources parse: %zu --part given, the plan names %zu URL(s)\n", nparts, nurls);
        goto done;
    }
    for (size_t i = 0; i < nparts; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s", part_files[i]);
        int status = 200;
        char *colon = strrchr(path, ':');
        if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
            status = atoi(colon + 1);
            *colon = '\0';
        }
        size_t len;
        if (!(bodies[i] = read_or_complain(path, &len)))
            goto done;
        parts[i] = (struct kind_part){.url = urls[i], .body = bodies[i], .len = len, .status = status};
    }
    in->parts = nparts ? parts : NULL;
    in->nparts = nparts;
    char err[300] = "";
    if (k->parse(in, &out, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie sources parse: %s (%s)\n", err[0] ? err : "the kind refused the input",
                out.error_kind ? out.error_kind : "parse");
        goto done;
    }
    vg_buf_puts(&b, ",\"items\":[");
    size_t written = 0;
    for (size_t i = 0; out.doc && i < out.doc->nitems; i++) {
        struct fetch_item_keys keys;
        char *json = fetch_item_json("cli", account, out.doc, &out.doc->items[i], &keys);
        if (!json)
            continue; /* nothing to recognise it by: a poll would drop it too */
        if (written++)
            vg_buf_putc(&b, ',');
        vg_buf_puts(&b, json);
        vg_free(json);
    }
    vg_buf_puts(&b, "],\"keep\":");
    if (out.watch_text)
        vg_buf_json_str(&b, out.watch_text);
    else
        vg_buf_puts(&b, "null");
    if (vg_buf_puts(&b, "}\n") < 0) {
        fprintf(stderr, "vigie sources parse: out of memory\n");
        goto done;
    }
    fputs(b.data, stdout);
    rc = 0;
done:
    for (size_t i = 0; i < nurls; i++)
        vg_free(urls[i]);
    vg_free(urls);
    for (size_t i = 0; i < KIND_MAX_PARTS; i++)
        vg_free(bodies[i]);
    vg_free(out.watch_text);
    feed_doc_free(out.doc);
    vg_buf_free(&b);
    return rc;
}

int cmd_sources_parse(int argc, char **argv)
{
    const char *kind = NULL, *url = NULL, *options = NULL, *account = NULL, *previous = NULL, *path = NULL;
    const char *part_files[KIND_MAX_PARTS + 1];
    size_t nparts = 0;
    long long now = vg_wall_ms() / 1000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (v && strcmp(a, "--kind") == 0)
            kind = argv[++i];
        else if (v && strcmp(a, "--url") == 0)
            url = argv[++i];
        else if (v && strcmp(a, "--options") == 0)
            options = argv[++i];
        else if (v && strcmp(a, "--account") == 0)
            account = argv[++i];
        else if (v && strcmp(a, "--previous") == 0)
            previous = argv[++i];
        else if (v && strcmp(a, "--now") == 0)
            now = strtoll(argv[++i], NULL, 10);
        else if (v && strcmp(a, "--part") == 0) {
            if (nparts > KIND_MAX_PARTS) {
                fprintf(stderr, "vigie sources parse: at most %d --part\n", KIND_MAX_PARTS);
                return 2;
            }
            part_files[nparts++] = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "vigie sources parse: unknown option or missing value: %s\n", a);
            fputs(usage, stderr);
            return 2;
        } else if (!path)
            path = a;
        else {
            fprintf(stderr, "vigie sources parse: one FILE only\n");
            return 2;
        }
    }
    if (!kind || !path) {
        fputs(usage, stderr);
        return 2;
    }
    const struct source_kind *k = source_kind_find(kind);
    if (!k) {
        char names[200];
        source_kind_names(names, sizeof(names));
        fprintf(stderr, "vigie sources parse: unknown kind '%s' (known: %s)\n", kind, names);
        return 2;
    }
    char err[300] = "";
    if (k->check_options && k->check_options(options, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie sources parse: bad options: %s\n", err);
        return 2;
    }
    source_kinds_init();
    size_t len = 0, plen = 0;
    char *body = read_or_complain(path, &len);
    char *prev = previous ? read_or_complain(previous, &plen) : NULL;
    int rc = 1;
    if (body && (!previous || prev)) {
        struct kind_input in = {
            .body = body,
            .len = len,
            .url = url ? url : path,
            .options = options,
            .watch_text = prev,
            .now = now,
            .account_id = account,
        };
        rc = run(k, &in, part_files, nparts, account);
    }
    vg_free(body);
    vg_free(prev);
    return rc;
}
