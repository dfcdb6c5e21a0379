/* kind — the source kinds vigie polls, as descriptors: a name, the Accept header its fetches
 * send, a check of the options a source of the kind carries, and the function that turns the
 * bytes of one poll into items. The poller knows kinds only through this table, so adding a
 * source kind is adding a file (fetchers/kind_<name>.c) and a line in kind.c's registry.
 *
 * Pure: a kind parses bytes already fetched; no I/O, no clock (the caller passes `now`). */
#ifndef FETCH_KIND_H
#define FETCH_KIND_H

#include <stddef.h>
#include <stdint.h>

struct feed_doc;
struct vg_buf;
struct enrich_account_set;

/* A poll may need more than one request (a company's profile, then its officers): the kind's
 * `plan` names them after the first response, and the poller hands every response to `parse`
 * as parts, in the order `plan` gave. At most KIND_MAX_PARTS of them. */
#define KIND_MAX_PARTS 8

struct kind_part {
    const char *url;           /* as `plan` named it */
    const char *body;          /* the response body ("" when none) */
    size_t len;
    int status;                /* the HTTP status: a 2xx, or a 4xx/5xx the kind may accept (a
                                  404 for "no insolvency history"); a network failure fails the
                                  whole poll instead, and never reaches the kind */
};

/* What one poll of a source hands its kind. */
struct kind_input {
    const char *body;
    size_t len;
    const char *url;           /* the URL the body came from (after redirects): the base of links */
    const char *charset;       /* the charset of the HTTP Content-Type, or NULL */
    const char *options;       /* the source's options (a JSON object), or NULL */
    const char *watch_text;    /* what the previous poll kept (kind_output.watch_text), or NULL */
    int64_t now;               /* seconds since the epoch */
    const struct kind_part *parts; /* the responses to the URLs `plan` named, in its order */
    size_t nparts;             /* 0 when the kind has no plan, or it named none */
    const char *account_id;    /* the account the source is tied to, or NULL */
};

/* What a kind makes of it. The caller frees `doc` (feed_doc_free) and `watch_text` (vg_free). */
struct kind_output {
    struct feed_doc *doc;      /* the items */
    char *watch_text;          /* to keep for the next poll, or NULL. A company source keeps its
                                  snapshot here (what the next poll compares against, and what
                                  `vigie accounts show` shows through the kind's `show`) */
    const char *error_kind;    /* on failure: a static name for status and metrics */
};

/* What the configuration says for a kind's automatic sources ([sources] section). */
struct kind_auto_settings {
    const char *base_url;      /* the API's base URL, without a trailing '/' (tests: loopback) */
    const char *extra_url;     /* a second API's base URL, for a kind that reads two (jobs:
                                  base_url is Greenhouse's, extra_url Lever's: [sources]
                                  lever_url); NULL: the kind's default */
    long long interval_ms;     /* the sources' poll interval */
    unsigned batch;            /* identifiers per source, for kinds that batch (bodacc) */
};

/* One source a kind wants for the accounts. All strings owned (vg_free; kind_auto_sources_free). */
struct kind_auto_source {
    char *id;                  /* "<kind>:<account id>", or "<kind>:<n>" for a batch */
    char *url;
    char *account_id;          /* NULL for a batch over several accounts */
    char *options;             /* a JSON object, or NULL */
};
void kind_auto_sources_free(struct kind_auto_source *v, size_t n);
/* Appends one source to *v (n of them), taking id, url and options (vg_malloc'ed; options may
 * be NULL) and copying account_id (may be NULL). On allocation failure, including id or url
 * given as NULL by a failed vg_asprintf, frees what it was given and returns -1. */
int kind_auto_push(struct kind_auto_source **v, size_t *n, char *id, char *url, const char *account_id,
                   char *options);
/* A check_options for kinds whose options, when given, are any JSON object: 0, or -1 with
 * "a <kind> source's options are a JSON object" in err. */
int kind_options_object(const char *kind, const char *options, char *err, size_t errlen);

/* An auto_sources hook's failure: frees the n sources built so far, leaves *v NULL and *n 0
 * (what the hook promises on failure), returns -1. */
int kind_auto_fail(struct kind_auto_source **v, size_t *n);

struct source_kind {
    const char *name;
    /* The Accept header of its fetches; NULL: the HTTP client's default (feeds). */
    const char *accept;
    /* Checks the options of a source of this kind when it is added or imported; NULL accepts
     * any JSON object. 0, or -1 with a message in err. */
    int (*check_options)(const char *options, char *err, size_t errlen);
    /* One poll's bytes to items. 0, or -1 with out->error_kind set and a message in err. */
    int (*parse)(const struct kind_input *in, struct kind_output *out, char *err, size_t errlen);

    /* ---- company sources (issue 15); all optional (NULL / 0 for feed and page) ---- */

    /* After the first response (in->parts empty): the further URLs this poll needs, at most
     * KIND_MAX_PARTS, each vg_malloc'ed in a vg_malloc'ed array; *n = 0 for none. 0, or -1
     * with out->error_kind-like name in err (the poll fails as `parse`). */
    int (*plan)(const struct kind_input *in, char ***urls, size_t *n, char *err, size_t errlen);
    /* The sources this kind wants for the accounts (their identifiers), or none. Pure. 0, or -1
     * on allocation failure. */
    int (*auto_sources)(const struct enrich_account_set *accounts, const struct kind_auto_settings *set,
                        struct kind_auto_source **out, size_t *n);
    /* What a source of this kind keeps (kind_output.watch_text), as lines for `vigie accounts
     * show` ("  legal name: RENAULT\n"...). Appends to out; 0, or -1 when it cannot read it. */
    int (*show)(const char *watch_text, struct vg_buf *out);
    /* The API's documented defaults: base URL, and its rate limit, shared by every vigie
     * process through Redis (queue_budget: `budget:api:<name>`). budget_limit 0: none. */
    const char *default_url;
    long long budget_limit, budget_window_ms;
    long long default_interval_ms;
    unsigned default_batch;
    /* Requests need `User-Agent: <[sources] user_agent>` with a contact address (SEC): while
     * none is set, each poll of the kind fails as `options`, before any request
     * (daemon/poll_kind.h). */
    int needs_user_agent;
    /* Requests carry HTTP Basic auth with the API key from [sources] uk_company_key as the user
     * name and an empty password (Companies House); without a key, polls fail as `options`. */
    int needs_api_key;
};

/* Prepares what the kinds' parsers share (libxml2's global state), once, on the thread that
 * calls it: call it before parsing on more than one thread, since libxml2 would otherwise
 * set itself up lazily, from whichever thread parses first. */
void source_kinds_init(void);

/* The kind named `name`, or NULL. */
const struct source_kind *source_kind_find(const char *name);
/* The known kinds' names, ", "-separated, for messages ("feed, page"); cut to fit `len`. */
void source_kind_names(char *buf, size_t len);

/* Tests only (tests/sources/tool_*.c): one more kind that source_kind_find knows, so a test
 * program can drive the whole daemon (`run`, `sources add`) with a kind of its own. Not listed
 * by source_kinds_all nor source_kind_names. Call it before anything else. */
void source_kind_add_for_tests(const struct source_kind *k);

/* The registered kinds, in order, n of them (for the automatic sources). */
const struct source_kind *const *source_kinds_all(size_t *n);

extern const struct source_kind source_kind_feed;
extern const struct source_kind source_kind_page;
extern const struct source_kind source_kind_bodacc;
extern const struct source_kind source_kind_jobs;
extern const struct source_kind source_kind_sec_edgar;
extern const struct source_kind source_kind_uk_company;
extern const struct source_kind source_kind_fr_company;

#endif
