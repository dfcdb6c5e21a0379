/* email_mime — one e-mail as the bytes an SMTP server takes (RFC 5322 + MIME), from a subject, a
 * text body and an HTML body. Pure: text in, text out.
 *
 * Every header value may come from the web (a signal's title in a subject) or from an account
 * record (an owner's name): control characters, CR and LF included, become spaces before
 * anything is written, so no value can end its header and start another. Non-ASCII text goes
 * as RFC 2047 encoded-words (UTF-8, Q), and every header line is folded to at most 78
 * characters. The bodies go as multipart/alternative text/plain + text/html, each
 * quoted-printable (lines of at most 76 characters, CRLF line ends), under a boundary that
 * quoted-printable output cannot contain. */
#ifndef SINKS_EMAIL_MIME_H
#define SINKS_EMAIL_MIME_H

#include <stddef.h>
#include <stdint.h>

struct email_mime {
    const char *from;         /* "addr@x" or "Display Name <addr@x>" (the name may be UTF-8) */
    const char *to;           /* addresses, comma-separated */
    const char *subject;      /* UTF-8 */
    int64_t date_ms;          /* the Date header (UTC) */
    const char *id;           /* the message's id: Message-ID <id@the sender's domain> */
    const char *unsubscribe;  /* List-Unsubscribe URL (mailto: or https:), NULL: none */
    const char *text;         /* UTF-8 bodies */
    const char *html;
};

/* The message, CRLF line ends, NUL-terminated (*len bytes without the NUL); caller frees with
 * vg_free. NULL with err when an address is not one (email_address_ok) or out of memory. */
char *email_mime_build(const struct email_mime *m, size_t *len, char *err, size_t errlen);

/* Splits "Display Name <addr@x>" (or "addr@x") into its address (into addr) and display name
 * (into name, "" when none; quotes removed). 0, or -1 when the address is not one. */
int email_from_split(const char *from, char *name, size_t namelen, char *addr, size_t addrlen);

/* 1 when s is a plain address this sink sends to: local@domain, printable ASCII without
 * blanks, quotes, angle brackets, commas or a second @, domain of letters, digits, dots and
 * hyphens, at most 254 bytes. */
int email_address_ok(const char *s);

/* Copies UTF-8 text into out (outlen > 0) as one header-safe line: control characters
 * (C0 with CR, LF and TAB, DEL, C1) and Unicode line separators become spaces, runs of blanks
 * one, invalid bytes U+FFFD, ends trimmed; cut on a character boundary. Returns out. */
char *email_header_clean(const char *in, char *out, size_t outlen);

/* Quoted-printable (RFC 2045 6.7) of UTF-8 text whose lines end with LF or CRLF: CRLF line
 * ends, lines of at most 76 characters, '=' and every non-ASCII byte encoded, a blank before a
 * line end encoded, a '.' at the start of a line encoded (some relays treat a lone "." line
 * as the end of the data). Appended to out (a struct vg_buf *). 0, or -1 out of memory. */
struct vg_buf;
int email_qp_encode(struct vg_buf *out, const char *text);

/* Appends "Name: value" for a value that may be non-ASCII, folded (encoded-words when needed),
 * with its CRLF. The value is cleaned first (email_header_clean). `phrase`: the value is a
 * display name (an ASCII one with specials is quoted). 0, or -1 out of memory. */
int email_header_put(struct vg_buf *out, const char *name, const char *value, int phrase);

#endif
