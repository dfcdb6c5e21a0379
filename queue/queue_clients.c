/* queue_clients — vigie's connections from CLIENT LIST (see queue_clients.h). */
#include "queue/queue_clients.h"
#include "queue/queue_sync_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of `key=` in one CLIENT LIST line (fields are separated by single spaces; a name
 * never holds a space: CLIENT SETNAME refuses it). */
static void field(const char *line, const char *key, char *out, size_t len)
{
    size_t k = strlen(key);
    out[0] = '\0';
    for (const char *p = line; p && *p; p = strchr(p, ' '), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, k) == 0 && p[k] == '=') {
            size_t n = strcspn(p + k + 1, " \r\n");
            snprintf(out, len, "%.*s", (int)n, p + k + 1);
            return;
        }
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct queue_client *)a)->name, ((const struct queue_client *)b)->name);
}

long queue_clients_list(struct queue_sync *q, struct queue_client *out, size_t max, char *err, size_t errlen)
{
    redisReply *r = queue_sync_cmd(q, err, errlen, "CLIENT LIST TYPE normal");
    if (!r)
        return -1;
    if (!r->str) {
        snprintf(err, errlen, "redis: unexpected reply to CLIENT LIST");
        freeReplyObject(r);
        return -1;
    }
    size_t n = 0;
    char name[128], num[32];
    for (const char *line = r->str; *line && n < max;) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        char buf[1024];
        snprintf(buf, sizeof(buf), "%.*s", (int)(len < sizeof(buf) ? len : sizeof(buf) - 1), line);
        field(buf, "name", name, sizeof(name));
        if (strncmp(name, "vigie:", 6) == 0) {
            struct queue_client *c = &out[n++];
            snprintf(c->name, sizeof(c->name), "%s", name);
            field(buf, "addr", c->addr, sizeof(c->addr));
            if (c->addr[0] == '/' || strcmp(c->addr, "?:0") == 0 || strncmp(c->addr, "/", 1) == 0)
                c->addr[0] = '\0';
            field(buf, "age", num, sizeof(num));
            c->age_s = strtoll(num, NULL, 10);
            field(buf, "idle", num, sizeof(num));
            c->idle_s = strtoll(num, NULL, 10);
        }
        line += len + (eol ? 1 : 0);
    }
    freeReplyObject(r);
    qsort(out, n, sizeof(*out), by_name);
    return (long)n;
}
