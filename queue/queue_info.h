/* queue_info — the figures of `vigie status` and of the dead-letter commands, read with the
 * blocking connection: per stream its length and per consumer group its lag and pending
 * count, the dead-letter stream, sources due and failing with their last errors. */
#ifndef QUEUE_INFO_H
#define QUEUE_INFO_H

#include <stddef.h>

struct queue_sync;

#define QUEUE_INFO_MAX_GROUPS 8
#define QUEUE_INFO_MAX_ERRORS 10

struct queue_group_info {
    char name[64];
    long long lag;        /* entries not yet delivered to the group; -1 when Redis cannot tell */
    long long pending;    /* delivered, not yet acknowledged */
    long long consumers;
    long long trimmed;    /* entries trimming by count removed before the group acknowledged
                             them (trimmed:<stream>), since the counter was created */
};

struct queue_stream_info {
    const char *name;     /* "items", "signals", "contacts", "dlq" */
    long long length;
    struct queue_group_info groups[QUEUE_INFO_MAX_GROUPS];
    size_t ngroups;
};

struct queue_info {
    struct queue_stream_info streams[4];
    size_t nstreams;
    long long sources, due, failing;
    long long dlq_dropped; /* dead letters the dead-letter stream's cap dropped (dlq:dropped) */
    struct {
        char id[64];
        char kind[32];
        char error[200];
        long long last_ok_ms; /* its last successful poll (ms), 0: never */
    } errors[QUEUE_INFO_MAX_ERRORS]; /* a few failing sources and why */
    size_t nerrors;
    char writes_refused[200]; /* Redis's MISCONF error up to its first '.', "" when none */
};

int queue_info_collect(struct queue_sync *q, struct queue_info *out, char *err, size_t errlen);

struct queue;
/* The same figures from the event loop (without the failing sources' errors); cb gets NULL
 * when Redis could not answer. -1 when Redis is down. */
int queue_figures(struct queue *q, void (*cb)(const struct queue_info *info, void *arg), void *arg);

/* ---- dead letters ---- */

struct queue_dead_letter {
    char *id;          /* id in the dead-letter stream */
    char *stream;      /* the stream the entry came from, and its field */
    char *field;
    char *group;
    char *entry;       /* its id there */
    long long deliveries;
    char *error;
    char *payload;
};

/* Up to `limit` dead letters, oldest first (all when id is NULL, else just that one). */
int queue_dlq_list(struct queue_sync *q, const char *id, size_t limit, struct queue_dead_letter **out,
                   size_t *n, char *err, size_t errlen);
/* Puts a dead letter's payload back at the end of its stream and removes it from the
 * dead-letter stream, in one transaction. A sink's dead letter (its group QUEUE_GROUP_SINK
 * "<name>") goes to that group's replay stream instead, so that only that sink reads it
 * again (queue_contract.h). 1 done, 0 not found. */
int queue_dlq_replay(struct queue_sync *q, const char *id, char *err, size_t errlen);
/* 1 removed, 0 not found. */
int queue_dlq_drop(struct queue_sync *q, const char *id, char *err, size_t errlen);
void queue_dead_letters_free(struct queue_dead_letter *v, size_t n);

#endif
