/* cmd_run — `vigie run [-c FILE] [--once]` and `vigie check-config [-c FILE] [--example]`:
 * option parsing for the two commands that read the configuration file. */
#include "daemon/commands.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "util/vg_alloc.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Parses -c FILE / --config FILE / --config=FILE, and --once (run) or --example
 * (check-config) into *flag when flag_name is not NULL. Returns 0, or -1 after printing usage. */
static int parse_args(int argc, char **argv, const char **config, const char *flag_name, int *flag)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && i + 1 < argc)
            *config = argv[++i];
        else if (strncmp(a, "--config=", 9) == 0)
            *config = a + 9;
        else if (flag_name && strcmp(a, flag_name) == 0)
            *flag = 1;
        else {
            if (strcmp(a, "-h") != 0 && strcmp(a, "--help") != 0)
                fprintf(stderr, "vigie %s: unexpected argument '%s'\n", argv[0], a);
            vg_command_usage(argv[0]);
            return -1;
        }
    }
    /* Without -c, the system file if there is one, else the built-in defaults. */
    if (!*config && access(VG_DEFAULT_CONFIG, F_OK) == 0)
        *config = VG_DEFAULT_CONFIG;
    return 0;
}

int cmd_run(int argc, char **argv)
{
    const char *config = NULL;
    int once = 0;
    if (parse_args(argc, argv, &config, "--once", &once) < 0)
        return 2;
    return vg_daemon_run(config, once);
}

int cmd_check_config(int argc, char **argv)
{
    const char *config = NULL;
    int example = 0;
    if (parse_args(argc, argv, &config, "--example", &example) < 0)
        return 2;
    if (example) {
        vg_config_print_example(stdout);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    char err[512];
    struct vg_config *c = vg_config_load(config, err, sizeof(err));
    if (!c) {
        fprintf(stderr, "vigie: %s\n", err);
        return 1;
    }
    for (size_t i = 0; i < c->n_warnings; i++)
        fprintf(stderr, "vigie: warning: %s\n", c->warnings[i]);
    printf("# %s: OK\n", config ? config : "no configuration file: built-in defaults");
    vg_config_print(stdout, c);
    vg_config_free(c);
    return 0;
}
