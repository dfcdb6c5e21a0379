/* PLACEHOLDER — replaced by the module's real implementation before landing. */
#include "daemon/commands.h"
#include <stdio.h>
int cmd_parse(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "vigie parse: unavailable in this build\n"); return 1; }
