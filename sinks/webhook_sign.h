/* webhook_sign — the Standard Webhooks signature (standardwebhooks.com, spec 1.0.0) of a
 * request vigie's signed webhook sends:
 *
 *   webhook-signature: v1,<base64(HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>"))>
 *
 * where key is the decoded secret "whsec_<base64>". During a key rotation the header carries
 * one such signature per secret, separated by a space; a receiver accepts the request when
 * any of them verifies under the secret it knows. */
#ifndef WEBHOOK_SIGN_H
#define WEBHOOK_SIGN_H

#include <stddef.h>

/* The spec's bounds for a symmetric secret: random, at least 24 bytes, at most 64. */
#define WEBHOOK_KEY_MIN 24
#define WEBHOOK_KEY_MAX 64

/* Reads "whsec_<base64>" into its key bytes (a new buffer, vg_free). -1 with a reason in err
 * that never quotes the secret. */
int webhook_secret_key(const char *secret, unsigned char **key, size_t *keylen, char *err, size_t errlen);

/* "v1,<base64 signature>" of id.timestamp.body under key: a new string (vg_free), or NULL
 * when out of memory. id and timestamp must hold no '.' (the spec's rule: a dot in them would
 * let two messages sign alike); NULL then too. */
char *webhook_signature(const unsigned char *key, size_t keylen, const char *id, const char *timestamp,
                        const char *body, size_t len);

#endif
