/* feed_url — URL resolution, news-alert unwrapping, canonical forms and content fingerprints
 * (see feed_url.h).
 *
 * Written against RFC 3986 rather than with a URL library because the inputs are hostile and
 * the needs small: split into the five components, resolve, remove dot segments, rebuild.
 * Everything is bounded by the input length; nothing is ever fetched. */
#include "fetchers/feed_url.h"
#include "util/vg_hex.h"
#include "util/vg_hash.h"
#include "fetchers/feed_int.h"

#include "util/vg_alloc.h"
#include "util/vg_buf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct url {
    const char *scheme, *auth, *path, *query, *frag;
    size_t scheme_len, auth_len, path_len, query_len, frag_len;
    int has_scheme, has_auth, has_query, has_frag;
};

static int is_alpha(char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

static void url_split(const char *s, struct url *u)
{
    memset(u, 0, sizeof(*u));
    const char *p = s;
    if (is_alpha(*p)) {
        const char *q = p + 1;
        while (is_alpha(*q) || (*q >= '0' && *q <= '9') || *q == '+' || *q == '-' || *q == '.')
            q++;
        if (*q == ':') {
            u->has_scheme = 1;
            u->scheme = p;
            u->scheme_len = (size_t)(q - p);
            p = q + 1;
        }
    }
    if (p[0] == '/' && p[1] == '/') {
        p += 2;
        u->has_auth = 1;
        u->auth = p;
        u->auth_len = strcspn(p, "/?#");
        p += u->auth_len;
    }
    u->path = p;
    u->path_len = strcspn(p, "?#");
    p += u->path_len;
    if (*p == '?') {
        u->has_query = 1;
        u->query = ++p;
        u->query_len = strcspn(p, "#");
        p += u->query_len;
    }
    if (*p == '#') {
        u->has_frag = 1;
        u->frag = p + 1;
        u->frag_len = strlen(p + 1);
    }
}

static int scheme_is(const struct url *u, const char *name)
{
    return u->has_scheme && u->scheme_len == strlen(name) &&
           strncasecmp(u->scheme, name, u->scheme_len) == 0;
}

static int scheme_web(const struct url *u) { return scheme_is(u, "http") || scheme_is(u, "https"); }

int feed_url_is_absolute(const char *url)
{
    return url && (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0);
}

/* RFC 3986 5.2.4, in place over a NUL-terminated copy of the path. The output never runs
 * ahead of the input, so rewriting the input just ahead of `out` is safe. */
static void remove_dots(char *path)
{
    char *in = path, *out = path;
    while (*in) {
        if (strncmp(in, "../", 3) == 0) {
            in += 3;
        } else if (strncmp(in, "./", 2) == 0) {
            in += 2;
        } else if (strncmp(in, "/./", 3) == 0) {
            in += 2;
        } else if (strcmp(in, "/.") == 0) {
            in[1] = '\0';
        } else if (strncmp(in, "/../", 4) == 0 || strcmp(in, "/..") == 0) {
            if (in[3] == '/') {
                in += 3;
            } else { /* a final "/.." leaves "/" to copy */
                in[2] = '/';
                in += 2;
            }
            while (out > path && out[-1] != '/')
                out--;
            if (out > path)
                out--;
        } else if (strcmp(in, ".") == 0 || strcmp(in, "..") == 0) {
            break;
        } else {
            do
                *out++ = *in++;
            while (*in && *in != '/');
        }
    }
    *out = '\0';
}

/* Trims, drops tabs/newlines and controls, percent-encodes spaces, and percent-encodes what
 * would make the link invalid UTF-8 or put a C1 control in it (stray bytes that reached the
 * URL through charset repair or a percent-decoded redirect target). */
static char *clean_ref(const char *ref)
{
    while (*ref && (unsigned char)*ref <= ' ')
        ref++;
    size_t n = strlen(ref);
    while (n && (unsigned char)ref[n - 1] <= ' ')
        n--;
    struct vg_buf b;
    vg_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)ref[i];
        int rc = 0;
        if (c == ' ') {
            rc = vg_buf_puts(&b, "%20");
        } else if (c < ' ' || c == 0x7f) {
            continue;
        } else if (c < 0x80) {
            rc = vg_buf_putc(&b, (char)c);
        } else {
            uint32_t cp;
            size_t k = feed_utf8_decode((const unsigned char *)ref + i, n - i, &cp);
            if (k == 0 || cp <= 0x9f) {
                k = k ? k : 1;
                for (size_t j = 0; j < k && rc == 0; j++)
                    rc = vg_buf_printf(&b, "%%%02X", (unsigned char)ref[i + j]);
            } else {
                rc = vg_buf_append(&b, ref + i, k);
            }
            i += k - 1;
        }
        if (rc < 0) {
            vg_buf_free(&b);
            return NULL;
        }
    }
    return vg_buf_steal(&b);
}

static int put_n(struct vg_buf *b, const char *s, size_t n) { return vg_buf_append(b, s, n); }

char *feed_url_resolve(const char *base, const char *ref)
{
    if (!ref)
        return NULL;
    char *r = clean_ref(ref);
    if (!r)
        return NULL;
    if (!*r) {
        vg_free(r);
        return NULL;
    }
    struct url R, B;
    url_split(r, &R);
    if (R.has_scheme && !scheme_web(&R)) {
        vg_free(r); /* javascript:, data:, file:, mailto: ... are not article links */
        return NULL;
    }
    int base_ok = 0;
    if (base && feed_url_is_absolute(base)) {
        url_split(base, &B);
        base_ok = B.has_auth;
    }
    if (!R.has_scheme && !base_ok)
        return r; /* relative, and nothing to resolve it against */

    struct vg_buf out, path;
    vg_buf_init(&out, 0);
    vg_buf_init(&path, 0);
    const struct url *S = R.has_scheme ? &R : &B;
    const struct url *A = (R.has_scheme || R.has_auth) ? &R : &B;
    const char *q = NULL;
    size_t ql = 0;
    int has_q = 0;
    int rc = 0;
    if (R.has_scheme || R.has_auth) {
        rc |= put_n(&path, R.path, R.path_len);
        has_q = R.has_query, q = R.query, ql = R.query_len;
    } else if (R.path_len == 0) {
        rc |= put_n(&path, B.path, B.path_len);
        if (R.has_query)
            has_q = 1, q = R.query, ql = R.query_len;
        else
            has_q = B.has_query, q = B.query, ql = B.query_len;
    } else {
        if (R.path[0] == '/') {
            rc |= put_n(&path, R.path, R.path_len);
        } else {
            if (B.path_len == 0) {
                rc |= vg_buf_putc(&path, '/');
            } else {
                size_t k = B.path_len;
                while (k && B.path[k - 1] != '/')
                    k--;
                rc |= put_n(&path, B.path, k);
            }
            rc |= put_n(&path, R.path, R.path_len);
        }
        has_q = R.has_query, q = R.query, ql = R.query_len;
    }
    if (rc == 0 && path.data)
        remove_dots(path.data);
    for (size_t i = 0; i < S->scheme_len && rc == 0; i++)
        rc |= vg_buf_putc(&out, (char)(S->scheme[i] | 0x20));
    rc |= vg_buf_puts(&out, "://");
    rc |= put_n(&out, A->auth, A->auth_len);
    /* an empty path is "/" for http(s), as browsers write it */
    if (!path.data || path.data[0] != '/')
        rc |= vg_buf_putc(&out, '/');
    rc |= vg_buf_puts(&out, path.data ? path.data : "");
    if (has_q) {
        rc |= vg_buf_putc(&out, '?');
        rc |= put_n(&out, q, ql);
    }
    if (R.has_frag) {
        rc |= vg_buf_putc(&out, '#');
        rc |= put_n(&out, R.frag, R.frag_len);
    }
    vg_buf_free(&path);
    vg_free(r);
    if (rc) {
        vg_buf_free(&out);
        return NULL;
    }
    return vg_buf_steal(&out);
}

/* ------------------------------------------------------------------------------------------
 * News-alert redirects
 * ------------------------------------------------------------------------------------------ */

/* The percent-decoded value of query parameter `name` ("amp;name" too: double-escaped
 * links), or NULL. */
static char *query_param(const struct url *u, const char *name)
{
    size_t nl = strlen(name);
    const char *p = u->query, *end = u->query + u->query_len;
    while (u->has_query && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *e = amp ? amp : end;
        const char *k = p;
        if ((size_t)(e - k) > 4 && strncmp(k, "amp;", 4) == 0)
            k += 4;
        if ((size_t)(e - k) > nl && strncmp(k, name, nl) == 0 && k[nl] == '=') {
            const char *v = k + nl + 1;
            char *out = vg_malloc((size_t)(e - v) + 1);
            if (!out)
                return NULL;
            size_t o = 0;
            for (const char *c = v; c < e; c++) {
                if (*c == '%' && e - c >= 3 && vg_hex_digit(c[1]) >= 0 && vg_hex_digit(c[2]) >= 0) {
                    out[o++] = (char)(vg_hex_digit(c[1]) * 16 + vg_hex_digit(c[2]));
                    c += 2;
                } else {
                    out[o++] = *c;
                }
            }
            out[o] = '\0';
            return out;
        }
        p = e + 1;
    }
    return NULL;
}

/* Host without port and userinfo, into a small buffer, lower-cased. */
static void host_of(const struct url *u, char *out, size_t outlen)
{
    const char *a = u->auth, *end = u->auth + u->auth_len;
    const char *at = memchr(a, '@', u->auth_len);
    if (at)
        a = at + 1;
    size_t k = 0;
    while (a < end && *a != ':' && k + 1 < outlen) {
        char c = *a++;
        out[k++] = (c >= 'A' && c <= 'Z') ? (char)(c | 0x20) : c;
    }
    out[k] = '\0';
}

static int host_is_or_under(const char *host, const char *domain)
{
    size_t h = strlen(host), d = strlen(domain);
    if (h == d)
        return strcmp(host, domain) == 0;
    return h > d && host[h - d - 1] == '.' && strcmp(host + h - d, domain) == 0;
}

/* google.com, www.google.fr, news.google.co.uk ... but not google.evil.example */
static int host_is_google(const char *host)
{
    const char *g = strstr(host, "google.");
    if (!g || (g != host && g[-1] != '.'))
        return 0;
    const char *tld = g + 7;
    size_t n = strlen(tld);
    if (n < 2 || n > 6)
        return 0;
    for (const char *c = tld; *c; c++)
        if (!is_alpha(*c) && *c != '.')
            return 0;
    return 1;
}

static char *unwrap_once(const char *url)
{
    struct url u;
    url_split(url, &u);
    if (!scheme_web(&u) || !u.has_auth || !u.has_query)
        return NULL;
    char host[256];
    host_of(&u, host, sizeof(host));
    char *v = NULL;
    int plen = (int)u.path_len;
    if (host_is_google(host) && plen == 4 && memcmp(u.path, "/url", 4) == 0) {
        v = query_param(&u, "url");
        if (!v)
            v = query_param(&u, "q");
    } else if (host_is_or_under(host, "bing.com") && plen == 19 &&
               strncasecmp(u.path, "/news/apiclick.aspx", 19) == 0) {
        v = query_param(&u, "url");
    } else if ((!strcmp(host, "l.facebook.com") || !strcmp(host, "lm.facebook.com")) &&
               plen == 6 && memcmp(u.path, "/l.php", 6) == 0) {
        v = query_param(&u, "u");
    } else if (host_is_or_under(host, "safelinks.protection.outlook.com")) {
        v = query_param(&u, "url");
    }
    if (v) { /* percent-decoded: it may hold any byte */
        char *c = clean_ref(v);
        vg_free(v);
        v = c;
    }
    if (v && !feed_url_is_absolute(v)) {
        vg_free(v);
        v = NULL;
    }
    return v;
}

char *feed_url_unwrap(const char *url)
{
    if (!url)
        return NULL;
    char *cur = vg_strdup(url);
    for (int i = 0; cur && i < 3; i++) {
        char *next = unwrap_once(cur);
        if (!next)
            break;
        vg_free(cur);
        cur = next;
    }
    return cur;
}

/* ------------------------------------------------------------------------------------------
 * Canonical form
 * ------------------------------------------------------------------------------------------ */

static int is_unreserved(unsigned char c)
{
    return is_alpha((char)c) || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

/* Percent-encoding in one spelling: unreserved characters decoded, other escapes upper-case,
 * raw spaces and non-ASCII bytes encoded. */
static int put_pct_normal(struct vg_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int rc;
        if (c == '%' && i + 2 < n && vg_hex_digit(s[i + 1]) >= 0 && vg_hex_digit(s[i + 2]) >= 0) {
            unsigned char v = (unsigned char)(vg_hex_digit(s[i + 1]) * 16 + vg_hex_digit(s[i + 2]));
            if (is_unreserved(v))
                rc = vg_buf_putc(b, (char)v);
            else
                rc = vg_buf_printf(b, "%%%c%c", hex[v >> 4], hex[v & 15]);
            i += 2;
        } else if (c <= ' ' || c >= 0x7f) {
            rc = vg_buf_printf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
        } else {
            rc = vg_buf_putc(b, (char)c);
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int is_tracking(const char *k, size_t n)
{
    static const char *const names[] = {
        "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "twclid", "ttclid",
        "mc_cid", "mc_eid", "igshid", "ref_src", "ref_url", "_hsenc", "_hsmi", "mkt_tok",
        "li_fat_id", "wt.mc_id", "cmpid", "ncid", "sr_share", "oly_anon_id", "oly_enc_id",
        "vero_id", "s_cid", "_ga", "_gl", "spm", "at_medium", "at_campaign", "xtor"};
    if (n > 4 && strncasecmp(k, "utm_", 4) == 0)
        return 1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == n && strncasecmp(names[i], k, n) == 0)
            return 1;
    return 0;
}

struct qparam {
    const char *s;
    size_t n;
    size_t keylen;
    size_t idx;
};

static int qparam_cmp(const void *a, const void *b)
{
    const struct qparam *x = a, *y = b;
    size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
    int c = memcmp(x->s, y->s, n);
    if (c == 0 && x->keylen != y->keylen)
        c = x->keylen < y->keylen ? -1 : 1;
    if (c == 0)
        c = x->idx < y->idx ? -1 : 1; /* equal keys keep their order: a=2&a=1 differs */
    return c;
}

char *feed_url_canonical(const char *url)
{
    if (!url)
        return NULL;
    char *r = clean_ref(url);
    if (!r)
        return NULL;
    struct url u;
    url_split(r, &u);
    if (!scheme_web(&u) || !u.has_auth || u.auth_len == 0) {
        vg_free(r);
        return NULL;
    }
    int https = scheme_is(&u, "https");
    struct vg_buf b;
    vg_buf_init(&b, 0);
    int rc = vg_buf_puts(&b, https ? "https://" : "http://");
    /* authority: lower-case the host, drop a default port */
    const char *a = u.auth, *aend = u.auth + u.auth_len;
    const char *at = memchr(a, '@', u.auth_len);
    if (at) {
        rc |= put_n(&b, a, (size_t)(at + 1 - a));
        a = at + 1;
    }
    const char *colon = NULL;
    for (const char *c = a; c < aend; c++)
        if (*c == ':' && !memchr(c, ']', (size_t)(aend - c)))
            colon = c;
    const char *hend = colon ? colon : aend;
    for (const char *c = a; c < hend; c++)
        rc |= vg_buf_putc(&b, (*c >= 'A' && *c <= 'Z') ? (char)(*c | 0x20) : *c);
    if (b.len && b.data[b.len - 1] == '.')
        b.data[--b.len] = '\0';
    if (colon) {
        const char *port = colon + 1;
        size_t pl = (size_t)(aend - port);
        while (pl > 1 && *port == '0')
            port++, pl--;
        int dflt = (pl == 0) || (!https && pl == 2 && !memcmp(port, "80", 2)) ||
                   (https && pl == 3 && !memcmp(port, "443", 3));
        if (!dflt) {
            rc |= vg_buf_putc(&b, ':');
            rc |= put_n(&b, port, pl);
        }
    }
    /* path */
    char *path = vg_strndup(u.path, u.path_len);
    if (!path) {
        vg_buf_free(&b);
        vg_free(r);
        return NULL;
    }
    remove_dots(path);
    if (!path[0])
        rc |= vg_buf_putc(&b, '/');
    rc |= put_pct_normal(&b, path, strlen(path));
    vg_free(path);
    /* query: drop trackers, sort the rest by key */
    if (u.has_query && u.query_len) {
        size_t np = 1;
        for (size_t i = 0; i < u.query_len; i++)
            np += u.query[i] == '&';
        struct qparam *ps = vg_calloc(np, sizeof(*ps));
        if (!ps) {
            vg_buf_free(&b);
            vg_free(r);
            return NULL;
        }
        size_t k = 0;
        const char *p = u.query, *end = u.query + u.query_len;
        while (p < end) {
            const char *e = memchr(p, '&', (size_t)(end - p));
            if (!e)
                e = end;
            size_t n = (size_t)(e - p);
            if (n > 4 && strncmp(p, "amp;", 4) == 0)
                p += 4, n -= 4;
            if (n) {
                const char *eq = memchr(p, '=', n);
                size_t kl = eq ? (size_t)(eq - p) : n;
                if (!is_tracking(p, kl))
                    ps[k] = (struct qparam){p, n, kl, k}, k++;
            }
            p = e + 1;
        }
        qsort(ps, k, sizeof(*ps), qparam_cmp);
        for (size_t i = 0; i < k; i++) {
            rc |= vg_buf_putc(&b, i ? '&' : '?');
            rc |= put_pct_normal(&b, ps[i].s, ps[i].n);
        }
        vg_free(ps);
    }
    vg_free(r);
    if (rc) {
        vg_buf_free(&b);
        return NULL;
    }
    return vg_buf_steal(&b);
}

/* ------------------------------------------------------------------------------------------
 * Fingerprint
 * ------------------------------------------------------------------------------------------ */

static void fp_text(uint64_t *h, int *sep, const char *s)
{
    if (!s)
        return;
    /* the length once: measuring what is left at every character would be quadratic */
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    while (p < end) {
        uint32_t cp;
        size_t n = feed_utf8_decode(p, (size_t)(end - p), &cp);
        if (n == 0) {
            cp = *p;
            n = 1;
        }
        p += n;
        int word = (cp >= '0' && cp <= '9') || (cp < 0x80 && is_alpha((char)cp)) || cp >= 0xc0;
        if (!word) {
            *sep = 1;
            continue;
        }
        if (cp < 0x80 && cp >= 'A' && cp <= 'Z')
            cp |= 0x20;
        else if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7)
            cp += 0x20; /* Latin-1 capitals: enough folding for French and English */
        if (*sep) {
            *h = vg_fnv1a64_step(*h, ' ');
            *sep = 0;
        }
        char tmp[4];
        size_t k = feed_utf8_put(tmp, cp);
        *h = vg_fnv1a64_from(*h, tmp, k);
    }
}

uint64_t feed_fingerprint(const char *title, const char *summary)
{
    uint64_t h = VG_FNV64_BASIS;
    int sep = 0;
    fp_text(&h, &sep, title);
    sep = 0;
    h = vg_fnv1a64_step(h, 0x1f); /* keeps "a b" + "" apart from "a" + "b" */
    fp_text(&h, &sep, summary);
    return h;
}
