/* feed_xml_scan — the fast first pass of the RSS/Atom parser (feed_xml_scan.c): reads a
 * well-formed UTF-8 document and calls the SAX2 callbacks as libxml2 would, or gives up. */
#ifndef VG_FEED_XML_SCAN_H
#define VG_FEED_XML_SCAN_H

#include <libxml/parser.h>
#include <stddef.h>

/* Calls sax->startElementNs, endElementNs, characters and cdataBlock (all four must be set)
 * over doc (valid UTF-8, starting at its first '<'), and stops early when *stop becomes non-zero. Returns 1 when
 * the document went through (or was stopped), 0 when the scanner gave up — the callbacks may
 * have run on part of it, so the caller starts over with libxml2 — and -1 when out of
 * memory. */
int feed_xml_scan(const char *doc, size_t len, const xmlSAXHandler *sax, void *ctx,
                  const int *stop);

#endif
