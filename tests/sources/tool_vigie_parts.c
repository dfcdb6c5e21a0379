/* tool_vigie_parts — the vigie program with one more source kind, "parts", that only tests
 * know: tests/sources/test_poll_parts.py runs it as `vigie run` and `vigie sources add --kind
 * parts` to drive the poller's multi-part polls, API budget and auth headers end to end (a
 * real redis-server, a loopback HTTP server) before any company kind exists.
 *
 * The kind: the first response is a list of URLs, one a line, that `plan` names as parts;
 * `parse` makes one item of the first response (its title says the account the poll was
 * given) and one per part (its title says the part's status and body), so the test reads
 * in the items stream what the kind was handed. Its descriptor asks for a User-Agent and an
 * API key, and has a budget of 1000 requests an hour ("budget:api:parts" counts them). */
#include "daemon/commands.h"
#include "fetchers/feed.h"
#include "fetchers/kind.h"
#include "util/vg_alloc.h"

#include <stdio.h>
#include <string.h>

static int plan(const struct kind_input *in, char ***urls, size_t *n, char *err, size_t errlen)
{
    if (in->len >= 8 && memcmp(in->body, "PLANFAIL", 8) == 0) {
        snprintf(err, errlen, "the plan was refused");
        return -1;
    }
    char **v = vg_calloc(KIND_MAX_PARTS + 2, sizeof(*v));
    size_t k = 0;
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (const char *s = in->body, *end = in->body + in->len; s < end && k < KIND_MAX_PARTS + 2;) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t len = (size_t)((nl ? nl : end) - s);
        if (len && !(v[k++] = vg_strndup(s, len))) {
            for (size_t i = 0; i < k; i++)
                vg_free(v[i]);
            vg_free(v);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        s += len + 1;
    }
    *urls = v;
    *n = k;
    return 0;
}

static int add(struct feed_doc *doc, const char *link, const char *title, int64_t now)
{
    struct feed_item *it = feed_doc_add_item(doc);
    if (!it || !(it->link = vg_strdup(link)) || !(it->id = vg_strdup(link)) || !(it->title = vg_strdup(title)))
        return -1;
    it->published = now; /* recent: passed on at the baseline */
    return 0;
}

static int parse(const struct kind_input *in, struct kind_output *out, char *err, size_t errlen)
{
    struct feed_doc *doc = feed_doc_new(FEED_FORMAT_UNKNOWN);
    char link[4200], title[400];
    snprintf(link, sizeof(link), "%s#first", in->url);
    snprintf(title, sizeof(title), "first: account %s, %zu part(s)", in->account_id ? in->account_id : "-",
             in->nparts);
    int rc = doc ? add(doc, link, title, in->now) : -1;
    for (size_t i = 0; rc == 0 && i < in->nparts; i++) {
        const struct kind_part *pt = &in->parts[i];
        snprintf(link, sizeof(link), "%s#part%zu", pt->url, i + 1);
        snprintf(title, sizeof(title), "part %zu: status %d, body %.*s", i + 1, pt->status,
                 (int)(pt->len < 80 ? pt->len : 80), pt->body);
        rc = add(doc, link, title, in->now);
    }
    if (rc < 0) {
        feed_doc_free(doc);
        out->error_kind = "internal";
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    out->doc = doc;
    return 0;
}

static const struct source_kind parts_kind = {
    .name = "parts",
    .parse = parse,
    .plan = plan,
    .default_url = "http://127.0.0.1:9",
    .budget_limit = 1000,
    .budget_window_ms = 3600 * 1000LL,
    .needs_user_agent = 1,
    .needs_api_key = 1,
};

int main(int argc, char **argv)
{
    source_kind_add_for_tests(&parts_kind);
    if (argc < 2) {
        fprintf(stderr, "usage: tool_vigie_parts COMMAND ... (as vigie)\n");
        return 2;
    }
    const struct vg_command *c = vg_command_find(argv[1]);
    if (!c) {
        fprintf(stderr, "tool_vigie_parts: unknown command '%s'\n", argv[1]);
        return 2;
    }
    return c->run(argc - 1, argv + 1);
}
