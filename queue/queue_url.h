/* queue_url — parses where Redis is: redis://[user[:password]@]host[:port][/db] or
 * unix:///path/to/redis.sock[?db=N] (also unix:/path). Percent-escapes in user and
 * password are decoded. */
#ifndef QUEUE_URL_H
#define QUEUE_URL_H

#include <stddef.h>

struct queue_url {
    char *host;      /* NULL for a unix socket */
    int port;
    char *path;      /* unix socket path, or NULL */
    char *user;      /* NULL when absent */
    char *password;  /* NULL when absent */
    int db;
};

/* Fills `u` (zeroed first). Returns -1 with a reason in err on a malformed URL; the reason
 * never contains the password. Free with queue_url_clear. */
int queue_url_parse(const char *url, struct queue_url *u, char *err, size_t errlen);
void queue_url_clear(struct queue_url *u);
/* A printable form without the password ("redis://user@host:6379/0", "unix:/p.sock?db=0"). */
char *queue_url_describe(const struct queue_url *u);

#endif
