/* cmd_help — `vigie help [COMMAND]`. The command list comes from the table in commands.c;
 * the configuration options that `help run` and `help check-config` list come from the option
 * table in config_table.c, the common sink options and each sink type's table, the same ones
 * the parser reads. */
#include "daemon/commands.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "sinks/sink.h"

#include <stdio.h>
#include <string.h>

static void print_option(const char *indent, int width, const struct vg_option *o)
{
    printf("%s%-*s %s (default: %s)%s%s\n", indent, width, o->name, vg_option_type_name(o),
           o->def[0] ? o->def : "empty", o->flags & VG_OPT_RESTART ? ", restart to change" : "",
           o->flags & VG_OPT_SENSITIVE ? ", secret" : "");
    printf("%s%-*s %s\n", indent, width, "", o->desc);
}

/* The sink sections' options, one level further in: they belong to every [sink.TYPE]
 * section there is, not to one section of the file. */
static void print_sink_options(void)
{
    printf("\n  [sink.TYPE]        one section per sink, TYPE one of:");
    if (!sink_types[0])
        printf(" none built in yet");
    for (const struct sink_type *const *t = sink_types; *t; t++)
        printf("%s %s", t == sink_types ? "" : ",", (*t)->name);
    printf("; a reload applies\n"
           "                     every option (the sink restarts). The options of every sink:\n");
    for (const struct vg_option *o = sink_common_options; o->name; o++)
        print_option("    ", 16, o);
    for (const struct sink_type *const *t = sink_types; *t; t++) {
        char section[160];
        printf("\n  [%s] %s\n", sink_type_section(*t, section, sizeof(section)), (*t)->summary);
        for (const struct vg_option *o = (*t)->options; o && o->name; o++)
            print_option("    ", 16, o);
    }
}

static void print_options(void)
{
    printf("\nconfiguration file (INI; default %s; relative paths are relative to the file):\n",
           VG_DEFAULT_CONFIG);
    const char *section = "";
    for (const struct vg_option *o = vg_options; o->name; o++) {
        if (strcmp(section, o->section) != 0) {
            printf("\n  [%s]\n", o->section);
            section = o->section;
        }
        print_option("  ", 18, o);
    }
    print_sink_options();
    printf("\n  durations: 250ms, 30s, 5m, 2h, 1d (bare numbers are seconds); sizes: 512k, 8M, 1G\n"
           "  secrets: env:NAME, file:PATH or credential:NAME ($CREDENTIALS_DIRECTORY, systemd\n"
           "  LoadCredential=) instead of the value itself\n");
}

static void print_alerts_help(void)
{
    printf("\n  silence (--account ID | --owner OWNER | --type TYPE)... --for DURATION\n"
           "          [--comment TEXT] [--by NAME]\n"
           "                          hold back the alerts whose signal matches every matcher given,\n"
           "                          from now for DURATION (30m, 12h, 7d; at most 366d); OWNER is an\n"
           "                          owner's e-mail (any case), else the owner as written; prints the\n"
           "                          silence's id. Every vigie process honours it.\n"
           "  silences [--all] [--json]\n"
           "                          the silences in force, soonest end first (--all: also those that\n"
           "                          ended in the last 30 days; --json: one record per line)\n"
           "  expire ID...            end silences now (kept, listed by --all, for 30 days)\n"
           "  test --receiver NAME [--owner-email ADDR] [--owner-slack ID]\n"
           "                          send a sample alert, marked as a test, through each channel of\n"
           "                          [receiver.NAME] now, and print what each channel answered; a\n"
           "                          target `owner` needs --owner-email / --owner-slack. Exit 0 only\n"
           "                          when every channel accepted it.\n"
           "  preview --owner OWNER --digest [--html FILE]\n"
           "                          the owner's next digest as it stands, as text on stdout (--html:\n"
           "                          its HTML part to FILE); nothing is sent or changed\n"
           "  -c, --config FILE       configuration file (default %s if it exists)\n"
           "\n  Routes, receivers and the [alerts] options: `vigie help run`; what was held back and why:\n"
           "  `vigie status`.\n",
           VG_DEFAULT_CONFIG);
}

static void print_review_help(void)
{
    printf("\n  --format table|json|csv|html\n"
           "                          table for people (default; de-select and promote first, then\n"
           "                          the hottest), JSON (an array of rows), CSV with a header row,\n"
           "                          HTML: a self-contained report (a chart per axis, the table)\n"
           "  -o, --output FILE       with html: write the report to FILE (default: stdout)\n"
           "  --owner OWNER           only the accounts of this owner (any case)\n"
           "  --save                  keep this review (the whole portfolio's); a key account under\n"
           "                          deselect_bar is de-selected at deselect_after saved reviews in a row\n"
           "  --list                  the saved reviews: id, date, accounts, count per recommendation\n"
           "  --diff ID|last          what changed per account since a saved review, instead of the review\n"
           "  -c, --config FILE       configuration file (default %s if it exists)\n"
           "\n  Read from Redis: the accounts, the signals stream, the saved reviews and the tier\n"
           "  decisions; written only with --save. vigie never changes a tier: the recommendation is\n"
           "  for the account team to decide (`vigie accounts set-tier ID TIER --reason TEXT`). The options:\n",
           VG_DEFAULT_CONFIG);
    for (const struct vg_option *o = vg_options; o->name; o++)
        if (strcmp(o->section, "review") == 0)
            print_option("    ", 20, o);
}

int cmd_help(int argc, char **argv)
{
    if (argc > 1) {
        const struct vg_command *c = vg_command_find(argv[1]);
        if (!c) {
            fprintf(stderr, "vigie help: unknown command '%s'\n", argv[1]);
            return 2;
        }
        printf("usage: vigie %s %s\n\n%s\n", c->name, c->args, c->summary);
        if (strcmp(c->name, "run") == 0 || strcmp(c->name, "check-config") == 0) {
            printf("\n  -c, --config FILE  configuration file (default %s if it exists, else built-in defaults)\n",
                   VG_DEFAULT_CONFIG);
            if (strcmp(c->name, "run") == 0)
                printf("  --once             start, connect, do one pass, print what was done, exit\n"
                       "\nsignals: SIGTERM/SIGINT finish work in flight and exit 0; SIGHUP reloads the file\n");
            print_options();
        }
        if (strcmp(c->name, "sinks") == 0) {
            printf("\n  list                    the sinks built in, and which the configuration enables\n"
                   "  preview [--sink NAME]   print the exact requests the next deliveries would send\n"
                   "          [--limit N]     (secrets masked; nothing is sent, written or acknowledged;\n"
                   "                          default: every enabled sink, 10 records each)\n"
                   "  -c, --config FILE       configuration file (default %s if it exists)\n",
                   VG_DEFAULT_CONFIG);
            print_sink_options();
            printf("\n  `vigie status` shows each sink's lag, deliveries, retries, dead letters and pauses;\n"
                   "  `vigie dlq list` what a sink gave up on, and why; `vigie dlq replay ID` sends it again\n"
                   "  to that sink alone.\n");
        }
        if (strcmp(c->name, "alerts") == 0)
            print_alerts_help();
        if (strcmp(c->name, "review") == 0)
            print_review_help();
        return 0;
    }
    printf("vigie %s — watches key accounts and turns news into CRM signals\n\n", VIGIE_VERSION);
    printf("usage: vigie COMMAND [ARGS]\n\ncommands:\n");
    for (const struct vg_command *c = vg_commands; c->name; c++)
        printf("  %-13s %s\n", c->name, c->summary);
    printf("  %-13s %s\n", "--version", "print the version");
    printf("\n`vigie help COMMAND` shows a command's arguments; `vigie help run` lists every\n"
           "configuration option.\n");
    return 0;
}
