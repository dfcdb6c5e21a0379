/* cmd_alerts_preview — `vigie alerts preview --owner X --digest [--html FILE]`. */
#include "daemon/commands.h"

#include <stdio.h>

int cmd_alerts_preview(const char *config, int argc, char **argv)
{
    fprintf(stderr, "vigie alerts preview: not built yet\n");
    return 1;
}
