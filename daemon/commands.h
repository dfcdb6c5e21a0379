/* commands — the `vigie` subcommands. Each lives in its own daemon/cmd_<name>.c and is listed
 * once in the table in commands.c, which both the dispatcher and `vigie help` read. */
#ifndef VG_COMMANDS_H
#define VG_COMMANDS_H

struct vg_command {
    const char *name;
    const char *args;     /* usage after the name, e.g. "[-c FILE] [--once]" */
    const char *summary;  /* one line for `vigie help` */
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name; returns exit code */
};

extern const struct vg_command vg_commands[];

const struct vg_command *vg_command_find(const char *name);
/* Prints "usage: vigie NAME ARGS" to stderr and returns 2 (the exit code for bad usage). */
int vg_command_usage(const char *name);

int cmd_help(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_accounts(int argc, char **argv);
/* `vigie accounts sync ARGS` (argv: what follows "sync"); config: -c's file or NULL. */
int cmd_accounts_sync(const char *config, int argc, char **argv);
int cmd_accounts_lookup(const char *config, int argc, char **argv);
int cmd_sources(int argc, char **argv);
int cmd_sources_parse(int argc, char **argv); /* `vigie sources parse` */
int cmd_status(int argc, char **argv);
int cmd_dlq(int argc, char **argv);
int cmd_signals(int argc, char **argv);
int cmd_sinks(int argc, char **argv);
int cmd_alerts(int argc, char **argv);
/* `vigie alerts test ARGS` and `vigie alerts preview ARGS` (argv: what follows the verb);
 * config: -c's file or NULL. */
int cmd_alerts_test(const char *config, int argc, char **argv);
int cmd_alerts_preview(const char *config, int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_today(int argc, char **argv);
int cmd_parse(int argc, char **argv);
int cmd_extract(int argc, char **argv);

#endif
