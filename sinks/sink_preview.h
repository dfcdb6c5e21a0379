/* sink_preview — how `vigie sinks preview` prints a request a sink would send: method, URL,
 * headers and body exactly as they would go, except secrets (authorization headers, tokens in
 * the URL, signed assertions in a form body), which are masked. */
#ifndef SINK_PREVIEW_H
#define SINK_PREVIEW_H

#include <stdio.h>

struct fetch_request;

void sink_preview_print(FILE *out, const char *sink, const struct fetch_request *req);

#endif
