/* main — `vigie` entry point: dispatches to a subcommand from the table in commands.c. */
#include "daemon/commands.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        cmd_help(1, argv);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("vigie %s\n", VIGIE_VERSION);
        return 0;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        return cmd_help(argc - 1, argv + 1);
    const struct vg_command *c = vg_command_find(name);
    if (!c) {
        fprintf(stderr, "vigie: unknown command '%s' (try `vigie help`)\n", name);
        return 2;
    }
    return c->run(argc - 1, argv + 1);
}
