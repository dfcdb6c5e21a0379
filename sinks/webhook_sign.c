/* webhook_sign — Standard Webhooks signatures (see webhook_sign.h). */
#include "sinks/webhook_sign.h"

#include <stdio.h>
#include <string.h>

#include "util/vg_alloc.h"
#include "util/vg_buf.h"
#include "util/vg_hmac.h"

#define PREFIX "whsec_"

int webhook_secret_key(const char *secret, unsigned char **key, size_t *keylen, char *err, size_t errlen)
{
    *key = NULL;
    *keylen = 0;
    if (!secret || !*secret) {
        snprintf(err, errlen, "the secret is empty");
        return -1;
    }
    if (strncmp(secret, PREFIX, strlen(PREFIX)) != 0) {
        snprintf(err, errlen, "the secret must be whsec_ followed by base64 (e.g. whsec_$(openssl rand -base64 32))");
        return -1;
    }
    const char *b64 = secret + strlen(PREFIX);
    size_t n = 0;
    unsigned char *k = vg_base64_decode(b64, strlen(b64), &n);
    if (!k) {
        snprintf(err, errlen, "the secret's part after whsec_ is not base64");
        return -1;
    }
    if (n < WEBHOOK_KEY_MIN || n > WEBHOOK_KEY_MAX) {
        vg_free(k);
        snprintf(err, errlen, "the secret decodes to %zu bytes; Standard Webhooks asks for %d to %d random bytes", n,
                 WEBHOOK_KEY_MIN, WEBHOOK_KEY_MAX);
        return -1;
    }
    *key = k;
    *keylen = n;
    return 0;
}

char *webhook_signature(const unsigned char *key, size_t keylen, const char *id, const char *timestamp,
                        const char *body, size_t len)
{
    if (strchr(id, '.') || strchr(timestamp, '.'))
        return NULL;
    struct vg_buf signed_content;
    vg_buf_init(&signed_content, 0);
    vg_buf_printf(&signed_content, "%s.%s.", id, timestamp);
    vg_buf_append(&signed_content, body, len);
    unsigned char mac[VG_SHA256_LEN];
    int rc = vg_buf_check(&signed_content) == 0
                 ? vg_hmac_sha256(key, keylen, signed_content.data, signed_content.len, mac)
                 : -1;
    vg_buf_free(&signed_content);
    if (rc < 0)
        return NULL;
    char *b64 = vg_base64(mac, sizeof mac);
    char *out = b64 ? vg_asprintf("v1,%s", b64) : NULL;
    vg_free(b64);
    return out;
}
