/* cli_queue — what the Redis-backed subcommands share: load the configuration named by -c
 * (or the default), build the queue settings from it, and open a blocking connection. */
#ifndef VG_CLI_QUEUE_H
#define VG_CLI_QUEUE_H

#include <stddef.h>

struct vg_config;
struct queue_config;
struct queue_sync;

/* Fills qc from c; qc's strings point into c (and into host, where the machine's name is
 * written: the instance name when the configuration gives none). */
void vg_queue_config(const struct vg_config *c, struct queue_config *qc, char *host, size_t hostlen);

/* Loads config_path (NULL: the default file if it exists, else defaults) and opens Redis.
 * On failure prints the reason on stderr and returns NULL. *cfg receives the configuration
 * (the caller frees it with vg_config_free after closing the queue). */
struct queue_sync *vg_cli_open_queue(const char *config_path, struct vg_config **cfg);

#endif
