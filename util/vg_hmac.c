/* vg_hmac — HMAC-SHA256 and base64 through libcrypto (see vg_hmac.h). */
#include "util/vg_hmac.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>

#include "util/vg_alloc.h"

int vg_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t msglen,
                   unsigned char out[VG_SHA256_LEN])
{
    unsigned int n = 0;
    /* HMAC() takes an int key length; a key that long is no key anyone configures. */
    if (keylen > 1u << 20)
        return -1;
    /* A zero-length key is valid HMAC, but libcrypto wants a non-NULL pointer for it. */
    static const unsigned char none[1];
    if (!HMAC(EVP_sha256(), keylen ? key : none, (int)keylen, msglen ? msg : none, msglen, out, &n) ||
        n != VG_SHA256_LEN) {
        /* libcurl reads the same per-thread error queue to explain a TLS failure: leave
         * nothing in it (see vg_jwt.c). */
        ERR_clear_error();
        return -1;
    }
    return 0;
}

int vg_hmac_sha2(int bits, const void *key, size_t keylen, const void *msg, size_t msglen,
                 unsigned char out[VG_SHA512_LEN])
{
    const EVP_MD *md = bits == 256 ? EVP_sha256() : bits == 384 ? EVP_sha384() : bits == 512 ? EVP_sha512() : NULL;
    unsigned int n = 0;
    static const unsigned char none[1];
    if (!md || keylen > 1u << 20)
        return -1;
    if (!HMAC(md, keylen ? key : none, (int)keylen, msglen ? msg : none, msglen, out, &n)) {
        ERR_clear_error(); /* as above */
        return -1;
    }
    return (int)n;
}

int vg_mem_equal_ct(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

char *vg_base64(const void *data, size_t len)
{
    if (len > (size_t)0x3fffffff)
        return NULL;
    char *out = vg_malloc((len + 2) / 3 * 4 + 1);
    if (!out)
        return NULL;
    /* EVP_EncodeBlock writes no newlines (unlike the BIO filter) and NUL-terminates. */
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

static int b64_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

unsigned char *vg_base64_decode(const char *text, size_t len, size_t *outlen)
{
    /* EVP_DecodeBlock skips leading blanks and takes a few liberties; a secret that is not
     * plain base64 is a typo to report, so the alphabet and the padding are checked here. */
    if (len % 4 != 0 || len > (size_t)0x3fffffff)
        return NULL;
    size_t pad = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '=' && i >= len - 2) {
            pad++;
            continue;
        }
        if (!b64_char(c) || pad)
            return NULL;
    }
    if (pad == 1 && text[len - 1] != '=')
        return NULL;
    unsigned char *out = vg_malloc(len / 4 * 3 + 1);
    if (!out)
        return NULL;
    int n = len ? EVP_DecodeBlock(out, (const unsigned char *)text, (int)len) : 0;
    if (n < 0 || (size_t)n < pad) {
        vg_free(out);
        ERR_clear_error();
        return NULL;
    }
    /* EVP_DecodeBlock counts the padding's zero bytes as data. */
    *outlen = (size_t)n - pad;
    out[*outlen] = '\0';
    return out;
}
