/* vg_jwt — base64url and RS256-signed JSON Web Tokens (RFC 7515, 7519), for OAuth's JWT
 * bearer grant (RFC 7523) that Salesforce's server-to-server login uses.
 *
 * Only what a client that signs its own assertions needs: a private key read from PEM text,
 * and the compact serialisation header.claims.signature with {"alg":"RS256","typ":"JWT"}.
 * Verifying tokens is not vigie's job. The signing goes through OpenSSL's libcrypto (EVP), the
 * library libcurl already links on Debian. */
#ifndef VG_JWT_H
#define VG_JWT_H

#include <stddef.h>

struct vg_jwt_key;

/* base64url (RFC 4648 section 5) of len bytes, without '=' padding, as JWTs want it. A new
 * NUL-terminated string the caller frees with vg_free; NULL when out of memory. */
char *vg_base64url(const void *data, size_t len);

/* Reads an RSA private key from PEM text (PKCS#8 "BEGIN PRIVATE KEY" or PKCS#1 "BEGIN RSA
 * PRIVATE KEY"; len bytes, need not be NUL-terminated). An encrypted key is refused rather
 * than asking for a passphrase on a terminal. NULL with a reason in err (which never quotes
 * the key). The caller frees with vg_jwt_key_free. */
struct vg_jwt_key *vg_jwt_key_load(const char *pem, size_t len, char *err, size_t errlen);
void vg_jwt_key_free(struct vg_jwt_key *k);
/* The key's size in bits (2048, 4096...). */
int vg_jwt_key_bits(const struct vg_jwt_key *k);

/* The compact JWT base64url({"alg":"RS256","typ":"JWT"}) "." base64url(claims_json) "."
 * base64url(RSASSA-PKCS1-v1_5 SHA-256 signature of the first two parts). claims_json is the
 * claims object's JSON text, used as given. A new string (vg_free), or NULL with err. */
char *vg_jwt_rs256(const struct vg_jwt_key *k, const char *claims_json, char *err, size_t errlen);

#endif
