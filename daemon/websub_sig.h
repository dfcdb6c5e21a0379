/* websub_sig — the X-Hub-Signature check of a WebSub delivery (W3C WebSub §8: the hub signs
 * the raw body with the subscription's hub.secret).
 *
 * The header is `method=hexdigest`, method one of sha1, sha256, sha384, sha512. sha1 is
 * refused: the recommendation tells subscribers to use at least SHA-256, and a secret-keyed
 * delivery signed with a weaker one is treated like a forged one. The comparison takes the
 * same time wherever the digests differ. */
#ifndef VG_WEBSUB_SIG_H
#define VG_WEBSUB_SIG_H

#include <stddef.h>

/* 1 when `header` (NULL when absent) is a good signature of body under secret; 0 otherwise,
 * with why filled ("missing signature", "sha1 refused (too weak)", "bad signature", ...). */
int websub_signature_ok(const char *header, const void *body, size_t len, const char *secret, char *why,
                        size_t whylen);

#endif
