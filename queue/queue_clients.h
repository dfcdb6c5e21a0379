/* queue_clients — the vigie processes connected to Redis, from CLIENT LIST: every connection
 * names itself "vigie:<instance>:<role>" (queue_conn.c), so the list tells which processes
 * share the work and what each runs (cmd, a stage's blocking read, a sink's group), for the
 * console's Operations page. */
#ifndef QUEUE_CLIENTS_H
#define QUEUE_CLIENTS_H

#include <stddef.h>

struct queue_sync;

struct queue_client {
    char name[128]; /* "vigie:<instance>:<role>" */
    char addr[64];  /* its address as Redis sees it ("" for a unix socket's) */
    long long age_s, idle_s;
};

/* The connections whose name starts with "vigie:", sorted by name, at most max. Returns how
 * many, or -1 with err. */
long queue_clients_list(struct queue_sync *q, struct queue_client *out, size_t max, char *err, size_t errlen);

#endif
