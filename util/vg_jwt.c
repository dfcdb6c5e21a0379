/* vg_jwt — base64url and RS256 JWTs through libcrypto's EVP interface (see vg_jwt.h). */
#include "util/vg_jwt.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "util/vg_alloc.h"

struct vg_jwt_key {
    EVP_PKEY *pkey;
};

char *vg_base64url(const void *data, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const unsigned char *p = data;
    if (len > ((size_t)-1 - 4) / 4 * 3)
        return NULL;
    char *out = vg_malloc(len / 3 * 4 + 4 + 1);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    for (; i + 3 <= len; i += 3) {
        unsigned long v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8 | p[i + 2];
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
        out[o++] = alphabet[v & 63];
    }
    /* The tail: one byte gives two characters, two bytes three; no '=' after them. */
    if (len - i == 1) {
        unsigned long v = (unsigned long)p[i] << 16;
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
    } else if (len - i == 2) {
        unsigned long v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8;
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
    }
    out[o] = '\0';
    return out;
}

/* libcrypto keeps its errors in a per-thread queue; libcurl reads the same queue to explain a
 * TLS failure, so whatever we leave there would be blamed on the next handshake. Every path
 * out of this file empties it, taking the first reason for our own message. */
static void crypto_reason(char *err, size_t errlen, const char *what)
{
    unsigned long e = ERR_get_error();
    if (e) {
        char why[200];
        ERR_error_string_n(e, why, sizeof(why));
        snprintf(err, errlen, "%s: %s", what, why);
    } else {
        snprintf(err, errlen, "%s", what);
    }
    ERR_clear_error();
}

/* Never prompt: a daemon has no terminal, and a CLI run must not stop to ask. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag;
    *(int *)u = 1;
    return -1;
}

struct vg_jwt_key *vg_jwt_key_load(const char *pem, size_t len, char *err, size_t errlen)
{
    if (!pem || len == 0 || len > 1 << 20) {
        snprintf(err, errlen, "no PEM private key (empty or over 1 MiB)");
        return NULL;
    }
    ERR_clear_error();
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (!bio) {
        crypto_reason(err, errlen, "out of memory");
        return NULL;
    }
    int asked = 0;
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, &asked);
    BIO_free(bio);
    if (!pkey) {
        if (asked) {
            ERR_clear_error();
            snprintf(err, errlen, "the private key is encrypted: vigie needs it unencrypted "
                     "(openssl pkey -in KEY -out PLAIN), protected by the file's permissions "
                     "or a systemd credential");
        } else {
            crypto_reason(err, errlen, "not a PEM private key");
        }
        return NULL;
    }
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
        EVP_PKEY_free(pkey);
        ERR_clear_error();
        snprintf(err, errlen, "the private key is not an RSA key (RS256 needs one)");
        return NULL;
    }
    struct vg_jwt_key *k = vg_calloc(1, sizeof(*k));
    if (!k) {
        EVP_PKEY_free(pkey);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    k->pkey = pkey;
    ERR_clear_error();
    return k;
}

void vg_jwt_key_free(struct vg_jwt_key *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    vg_free(k);
}

int vg_jwt_key_bits(const struct vg_jwt_key *k)
{
    return EVP_PKEY_get_bits(k->pkey);
}

char *vg_jwt_rs256(const struct vg_jwt_key *k, const char *claims_json, char *err, size_t errlen)
{
    static const char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
    char *h64 = NULL, *c64 = NULL, *s64 = NULL, *tbs = NULL, *out = NULL;
    unsigned char *sig = NULL;
    EVP_MD_CTX *md = NULL;

    ERR_clear_error();
    h64 = vg_base64url(header, sizeof(header) - 1);
    c64 = vg_base64url(claims_json, strlen(claims_json));
    if (!h64 || !c64 || !(tbs = vg_asprintf("%s.%s", h64, c64))) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    md = EVP_MD_CTX_new();
    size_t siglen = 0;
    /* RSA keys sign with PKCS#1 v1.5 padding unless told otherwise: exactly RS256. */
    if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k->pkey) != 1 ||
        EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)tbs, strlen(tbs)) != 1) {
        crypto_reason(err, errlen, "signing the JWT failed");
        goto done;
    }
    if (!(sig = vg_malloc(siglen))) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    if (EVP_DigestSign(md, sig, &siglen, (const unsigned char *)tbs, strlen(tbs)) != 1) {
        crypto_reason(err, errlen, "signing the JWT failed");
        goto done;
    }
    if (!(s64 = vg_base64url(sig, siglen)) || !(out = vg_asprintf("%s.%s", tbs, s64)))
        snprintf(err, errlen, "out of memory");
done:
    EVP_MD_CTX_free(md);
    vg_free(h64);
    vg_free(c64);
    vg_free(s64);
    vg_free(tbs);
    vg_free(sig);
    ERR_clear_error();
    return out;
}
