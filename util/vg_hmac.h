/* vg_hmac — HMAC-SHA256 and standard base64 (RFC 4648 section 4, with '=' padding), for
 * signing what vigie sends (the Standard Webhooks signature of sinks/webhook_sign.h).
 *
 * Both go through OpenSSL's libcrypto, the library libcurl already links on Debian (as
 * vg_jwt does); nothing here is vigie's own cryptography. */
#ifndef VG_HMAC_H
#define VG_HMAC_H

#include <stddef.h>

#define VG_SHA256_LEN 32

/* HMAC-SHA256 of msg under key into out. 0, or -1 (libcrypto refused: out of memory). */
int vg_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t msglen,
                   unsigned char out[VG_SHA256_LEN]);

/* HMAC with SHA-256, SHA-384 or SHA-512 (`bits` 256, 384 or 512: the algorithms a WebSub hub
 * may sign deliveries with) into out (VG_SHA512_LEN bytes of room). The digest's length, or
 * -1 (another size, or libcrypto refused). */
#define VG_SHA512_LEN 64
int vg_hmac_sha2(int bits, const void *key, size_t keylen, const void *msg, size_t msglen,
                 unsigned char out[VG_SHA512_LEN]);

/* 1 when the n bytes at a and b are equal, in a time that does not depend on where they
 * differ (comparing a signature an attacker chose). */
int vg_mem_equal_ct(const void *a, const void *b, size_t n);

/* Standard base64 of len bytes, padded. A new string (vg_free), NULL when out of memory. */
char *vg_base64(const void *data, size_t len);

/* Decodes standard base64 (padding required when the length asks for it; no blanks, no other
 * alphabet). A new buffer of *outlen bytes (vg_free; NUL-terminated for convenience), or NULL
 * when the text is not base64 or out of memory. */
unsigned char *vg_base64_decode(const char *text, size_t len, size_t *outlen);

#endif
