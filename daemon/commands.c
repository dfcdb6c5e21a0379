/* commands — the table of `vigie` subcommands (see commands.h). Adding a subcommand is adding
 * a cmd_<name>.c file and one line here. */
#include "daemon/commands.h"

#include <stdio.h>
#include <string.h>

const struct vg_command vg_commands[] = {
    {"run", "[-c FILE] [--once]", "run the daemon in the foreground (systemd starts it this way)", cmd_run},
    {"check-config", "[-c FILE] [--example]", "validate a configuration file and print the effective settings (--example: a file with every option)", cmd_check_config},
    {"accounts", "import|list|show|rm|sync|set-tier ...", "manage the key accounts (CSV or JSON import, or sync from the CRM)", cmd_accounts},
    {"sources", "add|list|show|rm|import ...", "manage the sources vigie polls (feeds, pages)", cmd_sources},
    {"status", "[-c FILE]", "streams, consumer groups, dead letters and failing sources", cmd_status},
    {"dlq", "list|show|replay|drop ...", "inspect, replay or drop dead-lettered entries", cmd_dlq},
    {"sinks", "list | preview [--sink NAME] [--limit N]", "the sinks (CRM, outbox) and a dry run of their next requests", cmd_sinks},
    {"alerts", "silence|silences|expire|test|preview ...", "silence alerts, send a test alert through a receiver, preview an owner's digest", cmd_alerts},
    {"signals", "tail [--account ID] [--type T] [--since TIME] [--follow]", "show the signals found, newest last", cmd_signals},
    {"review", "[-c FILE] [--format table|json|csv|html] [--output FILE] [--owner OWNER] [--save] [--list] [--diff ID|last]", "the key-account portfolio review: axis scores, heat, trends and a recommendation per account", cmd_review},
    {"today", "[-c FILE] [--owner OWNER] [--days N] [--json]", "who to call this week: the accounts whose signals changed most, why now, and whom to call", cmd_today},
    {"parse", "[--base-url URL] [--charset NAME] FILE", "parse one feed document (RSS, Atom, JSON Feed) to JSON on stdout", cmd_parse},
    {"extract", "[--accounts FILE] --json", "read items as JSON lines on stdin, write their signals as JSON lines", cmd_extract},
    {"help", "[COMMAND]", "show this help, or the options of a command", cmd_help},
    {NULL, NULL, NULL, NULL},
};

const struct vg_command *vg_command_find(const char *name)
{
    for (const struct vg_command *c = vg_commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

int vg_command_usage(const char *name)
{
    const struct vg_command *c = vg_command_find(name);
    if (c)
        fprintf(stderr, "usage: vigie %s %s\n       (see `vigie help %s`)\n", c->name, c->args, c->name);
    return 2;
}
