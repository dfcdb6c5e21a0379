/* websub_sig — X-Hub-Signature checked (see websub_sig.h). */
#include "daemon/websub_sig.h"
#include "util/vg_hex.h"
#include "util/vg_hmac.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int websub_signature_ok(const char *header, const void *body, size_t len, const char *secret, char *why,
                        size_t whylen)
{
    if (!header || !header[0]) {
        snprintf(why, whylen, "missing signature (X-Hub-Signature)");
        return 0;
    }
    const char *eq = strchr(header, '=');
    size_t mlen = eq ? (size_t)(eq - header) : 0;
    int bits = 0;
    if (mlen == 6 && strncasecmp(header, "sha256", 6) == 0)
        bits = 256;
    else if (mlen == 6 && strncasecmp(header, "sha384", 6) == 0)
        bits = 384;
    else if (mlen == 6 && strncasecmp(header, "sha512", 6) == 0)
        bits = 512;
    else if (mlen == 4 && strncasecmp(header, "sha1", 4) == 0) {
        snprintf(why, whylen, "sha1 signature refused (too weak; the hub should sign with sha256 or more)");
        return 0;
    } else {
        snprintf(why, whylen, "unknown signature method");
        return 0;
    }
    const char *hex = eq + 1;
    size_t hlen = strlen(hex);
    unsigned char want[VG_SHA512_LEN], got[VG_SHA512_LEN];
    int n = vg_hmac_sha2(bits, secret, strlen(secret), body, len, want);
    if (n <= 0) {
        snprintf(why, whylen, "could not compute the signature");
        return 0;
    }
    if (hlen != 2 * (size_t)n) {
        snprintf(why, whylen, "bad signature (sha%d)", bits);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        int hi = vg_hex_digit(hex[2 * i]), lo = vg_hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            snprintf(why, whylen, "bad signature (sha%d)", bits);
            return 0;
        }
        got[i] = (unsigned char)(hi << 4 | lo);
    }
    if (!vg_mem_equal_ct(want, got, (size_t)n)) {
        snprintf(why, whylen, "bad signature (sha%d)", bits);
        return 0;
    }
    return 1;
}
