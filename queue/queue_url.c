/* queue_url — Redis URL parsing (see queue_url.h). */
#include "queue/queue_url.h"
#include "util/vg_hex.h"
#include "util/vg_alloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *unescape(const char *s, size_t n)
{
    char *out = vg_malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && vg_hex_digit((unsigned char)s[i + 1]) >= 0 &&
            vg_hex_digit((unsigned char)s[i + 2]) >= 0) {
            out[o++] = (char)(vg_hex_digit((unsigned char)s[i + 1]) * 16 + vg_hex_digit((unsigned char)s[i + 2]));
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

static int parse_db(const char *s, int *db)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < 0 || v > 1000)
        return -1;
    *db = (int)v;
    return 0;
}

int queue_url_parse(const char *url, struct queue_url *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof(*u));
    u->port = 6379;
    if (strncmp(url, "unix:", 5) == 0) {
        const char *p = url + 5;
        if (strncmp(p, "//", 2) == 0)
            p += 2;
        if (*p != '/') {
            snprintf(err, errlen, "unix socket URL needs an absolute path (unix:///path/redis.sock)");
            return -1;
        }
        size_t n = strcspn(p, "?");
        u->path = vg_strndup(p, n);
        if (!u->path)
            goto oom;
        if (p[n] == '?') {
            if (strncmp(p + n + 1, "db=", 3) != 0 || parse_db(p + n + 4, &u->db) < 0) {
                snprintf(err, errlen, "unix socket URL accepts only ?db=N");
                goto fail;
            }
        }
        return 0;
    }
    if (strncmp(url, "redis://", 8) != 0) {
        snprintf(err, errlen, "Redis URL must start with redis:// or unix:, or be 'embedded'");
        return -1;
    }
    const char *p = url + 8;
    const char *at = strrchr(p, '@');
    const char *slash = strchr(at ? at : p, '/');
    if (at && (!slash || at < slash)) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        size_t ulen = colon ? (size_t)(colon - p) : (size_t)(at - p);
        if (ulen) {
            u->user = unescape(p, ulen);
            if (!u->user)
                goto oom;
        }
        if (colon) {
            u->password = unescape(colon + 1, (size_t)(at - colon - 1));
            if (!u->password)
                goto oom;
        }
        p = at + 1;
    }
    size_t hostport = slash ? (size_t)(slash - p) : strlen(p);
    const char *hp_end = p + hostport;
    const char *port_sep = NULL;
    if (*p == '[') {
        const char *close = memchr(p, ']', hostport);
        if (!close) {
            snprintf(err, errlen, "unterminated [IPv6] host in Redis URL");
            goto fail;
        }
        u->host = vg_strndup(p + 1, (size_t)(close - p - 1));
        if (close + 1 < hp_end && close[1] == ':')
            port_sep = close + 1;
    } else {
        port_sep = memchr(p, ':', hostport);
        u->host = vg_strndup(p, port_sep ? (size_t)(port_sep - p) : hostport);
    }
    if (!u->host)
        goto oom;
    if (!u->host[0]) {
        snprintf(err, errlen, "Redis URL has no host");
        goto fail;
    }
    if (port_sep) {
        char portbuf[8];
        size_t plen = (size_t)(hp_end - port_sep - 1);
        char *end;
        if (plen == 0 || plen >= sizeof(portbuf)) {
            snprintf(err, errlen, "bad port in Redis URL");
            goto fail;
        }
        memcpy(portbuf, port_sep + 1, plen);
        portbuf[plen] = '\0';
        long port = strtol(portbuf, &end, 10);
        if (*end || port < 1 || port > 65535) {
            snprintf(err, errlen, "bad port in Redis URL");
            goto fail;
        }
        u->port = (int)port;
    }
    if (slash && slash[1] && parse_db(slash + 1, &u->db) < 0) {
        snprintf(err, errlen, "bad database number in Redis URL (expected /0 to /1000)");
        goto fail;
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    queue_url_clear(u);
    return -1;
}

void queue_url_clear(struct queue_url *u)
{
    vg_free(u->host);
    vg_free(u->path);
    vg_free(u->user);
    vg_free(u->password);
    memset(u, 0, sizeof(*u));
}

char *queue_url_describe(const struct queue_url *u)
{
    if (u->path)
        return vg_asprintf("unix:%s?db=%d", u->path, u->db);
    int v6 = strchr(u->host, ':') != NULL;
    return vg_asprintf("redis://%s%s%s%s%s:%d/%d", u->user ? u->user : "", u->user ? "@" : "",
                       v6 ? "[" : "", u->host, v6 ? "]" : "", u->port, u->db);
}
