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

/* What one poll of a source hands its kind. */
struct kind_input {
    const char *body;
    size_t len;
    const char *url;           /* the URL the body came from (after redirects): the base of links */
    const char *charset;       /* the charset of the HTTP Content-Type, or NULL */
    const char *options;       /* the source's options (a JSON object), or NULL */
    const char *watch_text;    /* what the previous poll kept (kind_output.watch_text), or NULL */
    int64_t now;               /* seconds since the epoch */
};

/* What a kind makes of it. The caller frees `doc` (feed_doc_free) and `watch_text` (vg_free). */
struct kind_output {
    struct feed_doc *doc;      /* the items */
    char *watch_text;          /* to keep for the next poll, or NULL */
    const char *error_kind;    /* on failure: a static name for status and metrics */
};

struct source_kind {
    const char *name;
    /* The Accept header of its fetches; NULL: the HTTP client's default (feeds). */
    const char *accept;
    /* Checks the options of a source of this kind when it is added or imported; NULL accepts
     * any JSON object. 0, or -1 with a message in err. */
    int (*check_options)(const char *options, char *err, size_t errlen);
    /* One poll's bytes to items. 0, or -1 with out->error_kind set and a message in err. */
    int (*parse)(const struct kind_input *in, struct kind_output *out, char *err, size_t errlen);
};

/* Prepares what the kinds' parsers share (libxml2's global state), once, on the thread that
 * calls it: call it before parsing on more than one thread, since libxml2 would otherwise
 * set itself up lazily, from whichever thread parses first. */
void source_kinds_init(void);

/* The kind named `name`, or NULL. */
const struct source_kind *source_kind_find(const char *name);
/* The known kinds' names, ", "-separated, for messages ("feed, page"); cut to fit `len`. */
void source_kind_names(char *buf, size_t len);

extern const struct source_kind source_kind_feed;
extern const struct source_kind source_kind_page;

#endif
