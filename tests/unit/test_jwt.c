/* Unit tests of util/vg_jwt: base64url without padding, and RS256 JWTs that a verifier holding
 * only the public key accepts. Keys are generated here, at test time: no private key is ever
 * committed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "util/vg_alloc.h"
#include "util/vg_jwt.h"

/* ---- helpers: the verifier's side, written independently of vg_jwt.c ------------------- */

static EVP_PKEY *rsa_key;     /* one 2048-bit key for the whole file (generating is slow) */

static int setup(void **state)
{
    rsa_key = EVP_RSA_gen(2048);
    return rsa_key ? 0 : -1;
}

static int teardown(void **state)
{
    EVP_PKEY_free(rsa_key);
    return 0;
}

/* PEM text of a private key: PKCS#8, PKCS#1 ("traditional") or encrypted PKCS#8. */
static char *pem_of(EVP_PKEY *k, int traditional, const char *passphrase, size_t *len)
{
    BIO *b = BIO_new(BIO_s_mem());
    int ok;
    if (passphrase)
        ok = PEM_write_bio_PKCS8PrivateKey(b, k, EVP_aes_256_cbc(), NULL, 0, NULL, (void *)passphrase);
    else if (traditional)
        ok = PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0, NULL, NULL);
    else
        ok = PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
    assert_int_equal(ok, 1);
    char *data;
    long n = BIO_get_mem_data(b, &data);
    char *out = malloc((size_t)n + 1);
    memcpy(out, data, (size_t)n);
    out[n] = '\0';
    *len = (size_t)n;
    BIO_free(b);
    return out;
}

static int b64url_value(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

/* Decodes unpadded base64url; fails the test on any other character ('=', '+', '/'). */
static unsigned char *b64url_decode(const char *s, size_t n, size_t *outlen)
{
    unsigned char *out = malloc(n * 3 / 4 + 3);
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64url_value(s[i]);
        if (v < 0)
            fail_msg("character '%c' is not base64url", s[i]);
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    assert_true(n % 4 != 1); /* a length no encoder produces */
    *outlen = o;
    return out;
}

struct jwt_parts {
    char *header, *claims; /* decoded JSON text */
    unsigned char *sig;
    size_t siglen;
    const char *signed_part; /* the token itself; the signed part is its first signed_len bytes */
    size_t signed_len;
};

static void split_jwt(const char *jwt, struct jwt_parts *p)
{
    const char *d1 = strchr(jwt, '.');
    assert_non_null(d1);
    const char *d2 = strchr(d1 + 1, '.');
    assert_non_null(d2);
    assert_null(strchr(d2 + 1, '.'));
    size_t n;
    p->header = (char *)b64url_decode(jwt, (size_t)(d1 - jwt), &n);
    p->header[n] = '\0';
    p->claims = (char *)b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &n);
    p->claims[n] = '\0';
    p->sig = b64url_decode(d2 + 1, strlen(d2 + 1), &p->siglen);
    p->signed_part = jwt;
    p->signed_len = (size_t)(d2 - jwt);
}

static void free_parts(struct jwt_parts *p)
{
    free(p->header);
    free(p->claims);
    free(p->sig);
}

/* RS256 verification with the public half only, as the token endpoint does it. */
static int verify_rs256(EVP_PKEY *priv, const struct jwt_parts *p)
{
    /* Keep the public key only, through its DER encoding. */
    unsigned char *der = NULL;
    int derlen = i2d_PUBKEY(priv, &der);
    assert_true(derlen > 0);
    const unsigned char *q = der;
    EVP_PKEY *pub = d2i_PUBKEY(NULL, &q, derlen);
    OPENSSL_free(der);
    assert_non_null(pub);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    assert_int_equal(EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, pub), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING), 1);
    int ok = EVP_DigestVerify(md, p->sig, p->siglen, (const unsigned char *)p->signed_part,
                              p->signed_len);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pub);
    return ok;
}

/* ---- base64url ------------------------------------------------------------------------ */

static void base64url_vectors(void **state)
{
    /* RFC 4648 section 10, without the padding JWTs leave out. */
    static const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *want[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        char *s = vg_base64url(in[i], strlen(in[i]));
        assert_string_equal(s, want[i]);
        vg_free(s);
    }
    /* The two characters that differ from plain base64 ('+' and '/'). */
    static const unsigned char bytes[] = {0xfb, 0xff, 0xbf};
    char *s = vg_base64url(bytes, sizeof(bytes));
    assert_string_equal(s, "-_-_");
    vg_free(s);
    s = vg_base64url(bytes, 2);
    assert_string_equal(s, "-_8");
    vg_free(s);
}

static void base64url_round_trip(void **state)
{
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    for (size_t n = 0; n <= sizeof(all); n += 37) {
        char *s = vg_base64url(all, n);
        assert_null(strpbrk(s, "=+/"));
        size_t got;
        unsigned char *back = b64url_decode(s, strlen(s), &got);
        assert_int_equal(got, n);
        assert_memory_equal(back, all, n);
        free(back);
        vg_free(s);
    }
}

/* ---- RS256 ------------------------------------------------------------------------------ */

static void sign_and_verify(void **state)
{
    size_t len;
    char *pem = pem_of(rsa_key, 0, NULL, &len);
    char err[256] = "";
    /* Not NUL-terminated where len says: the loader reads len bytes only. */
    struct vg_jwt_key *k = vg_jwt_key_load(pem, len, err, sizeof(err));
    assert_non_null(k);
    assert_int_equal(vg_jwt_key_bits(k), 2048);
    const char *claims = "{\"iss\":\"3MVG9client\",\"sub\":\"ops@example.com\","
                         "\"aud\":\"https://login.salesforce.com\",\"exp\":1700000180}";
    char *jwt = vg_jwt_rs256(k, claims, err, sizeof(err));
    assert_non_null(jwt);
    assert_null(strchr(jwt, '='));

    struct jwt_parts p;
    split_jwt(jwt, &p);
    cJSON *h = cJSON_Parse(p.header);
    assert_non_null(h);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(h, "alg")->valuestring, "RS256");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(h, "typ")->valuestring, "JWT");
    cJSON_Delete(h);
    assert_string_equal(p.claims, claims); /* carried byte for byte */
    assert_int_equal(p.siglen, 256);       /* a 2048-bit modulus */
    assert_int_equal(verify_rs256(rsa_key, &p), 1);

    /* One changed byte in the claims and the signature no longer holds. */
    char *tampered = strdup(jwt);
    char *c = strchr(tampered, '.') + 3;
    *c = *c == 'A' ? 'B' : 'A';
    struct jwt_parts t;
    split_jwt(tampered, &t);
    assert_int_not_equal(verify_rs256(rsa_key, &t), 1);
    free_parts(&t);
    free(tampered);

    free_parts(&p);
    vg_free(jwt);
    vg_jwt_key_free(k);
    free(pem);
}

/* Keys made by `openssl genrsa` on older systems are PKCS#1 ("BEGIN RSA PRIVATE KEY"). */
static void pkcs1_key(void **state)
{
    size_t len;
    char *pem = pem_of(rsa_key, 1, NULL, &len);
    assert_non_null(strstr(pem, "BEGIN RSA PRIVATE KEY"));
    char err[256] = "";
    struct vg_jwt_key *k = vg_jwt_key_load(pem, len, err, sizeof(err));
    assert_non_null(k);
    char *jwt = vg_jwt_rs256(k, "{}", err, sizeof(err));
    struct jwt_parts p;
    split_jwt(jwt, &p);
    assert_string_equal(p.claims, "{}");
    assert_int_equal(verify_rs256(rsa_key, &p), 1);
    free_parts(&p);
    vg_free(jwt);
    vg_jwt_key_free(k);
    free(pem);
}

static void bad_keys(void **state)
{
    char err[256] = "";
    size_t len;

    /* Encrypted: refused with how to fix it, never a prompt (this test would hang on one). */
    char *pem = pem_of(rsa_key, 0, "secret", &len);
    assert_null(vg_jwt_key_load(pem, len, err, sizeof(err)));
    assert_non_null(strstr(err, "encrypted"));
    free(pem);

    /* Not RSA. */
    EVP_PKEY *ec = EVP_EC_gen("P-256");
    assert_non_null(ec);
    pem = pem_of(ec, 0, NULL, &len);
    err[0] = '\0';
    assert_null(vg_jwt_key_load(pem, len, err, sizeof(err)));
    assert_non_null(strstr(err, "not an RSA key"));
    free(pem);
    EVP_PKEY_free(ec);

    /* A certificate, or anything else, where the key should be. */
    const char *junk = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    err[0] = '\0';
    assert_null(vg_jwt_key_load(junk, strlen(junk), err, sizeof(err)));
    assert_non_null(strstr(err, "not a PEM private key"));
    err[0] = '\0';
    assert_null(vg_jwt_key_load("", 0, err, sizeof(err)));
    assert_true(err[0] != '\0');
}

/* Every allocation failure on the signing path returns NULL, never a half token. */
static void sign_without_memory(void **state)
{
    size_t len;
    char *pem = pem_of(rsa_key, 0, NULL, &len);
    char err[256];
    struct vg_jwt_key *k = vg_jwt_key_load(pem, len, err, sizeof(err));
    assert_non_null(k);
    for (long n = 0; n < 8; n++) {
        vg_alloc_fail_after(n);
        char *jwt = vg_jwt_rs256(k, "{\"a\":1}", err, sizeof(err));
        vg_alloc_fail_after(-1);
        /* Six allocations on the way: header, claims, signed part, signature, its
         * encoding, the token. */
        if (n < 6)
            assert_null(jwt);
        else
            assert_non_null(jwt);
        vg_free(jwt);
    }
    vg_jwt_key_free(k);
    free(pem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base64url_vectors),
        cmocka_unit_test(base64url_round_trip),
        cmocka_unit_test(sign_and_verify),
        cmocka_unit_test(pkcs1_key),
        cmocka_unit_test(bad_keys),
        cmocka_unit_test(sign_without_memory),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
