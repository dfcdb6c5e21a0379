/* daemon — the lifecycle of `vigie run`: one libevent loop, configuration, Redis, the admin
 * endpoint, signals (SIGTERM/SIGINT drain and exit 0, SIGHUP reloads), systemd notification
 * and the housekeeping timer. */
#ifndef VG_DAEMON_H
#define VG_DAEMON_H

/* Runs until stopped; returns the process exit code. config_path NULL: built-in defaults.
 * once: start, connect, do one pass, print what was done, exit. */
int vg_daemon_run(const char *config_path, int once);

/* The default configuration file, used when -c is not given and it exists. */
#define VG_DEFAULT_CONFIG "/etc/vigie/vigie.conf"

#endif
