/* cmd_alerts_test — `vigie alerts test --receiver NAME`. */
#include "daemon/commands.h"

#include <stdio.h>

int cmd_alerts_test(const char *config, int argc, char **argv)
{
    fprintf(stderr, "vigie alerts test: not built yet\n");
    return 1;
}
