/* kind_feed — the `feed` source kind: RSS 0.9x/1.0/2.0, Atom 0.3/1.0 and JSON Feed, parsed by
 * feed_parse (feed.h). A feed takes no options. */
#include "fetchers/kind.h"
#include "fetchers/feed.h"

static int feed_kind_parse(const struct kind_input *in, struct kind_output *out, char *err, size_t errlen)
{
    int rc = feed_parse(in->body, in->len, in->url, in->charset, &out->doc, err, errlen);
    if (rc < 0)
        out->error_kind = rc == FEED_NOT_A_FEED ? "not_a_feed" : "parse";
    return rc < 0 ? -1 : 0;
}

const struct source_kind source_kind_feed = {
    .name = "feed",
    .accept = NULL,
    .check_options = NULL,
    .parse = feed_kind_parse,
};
