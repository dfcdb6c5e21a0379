/* sink_registry — every sink type built in. Adding a sink is adding its file and one line
 * here; the configuration ([sink.NAME] sections), `vigie check-config --example` and
 * `vigie help run` read this list (regenerate systemd/vigie.conf.example after a change). */
#include "sinks/sink.h"

#include <string.h>

extern const struct sink_type sink_outbox;
extern const struct sink_type sink_hubspot;
extern const struct sink_type sink_salesforce;
extern const struct sink_type sink_slack;
extern const struct sink_type sink_teams;
extern const struct sink_type sink_webhook;
extern const struct sink_type sink_alerts;
extern const struct sink_type sink_email;

const struct sink_type *const sink_types[] = {
    &sink_outbox,
    &sink_hubspot,
    &sink_salesforce,
    &sink_slack,
    &sink_teams,
    &sink_webhook,
    &sink_alerts,
    &sink_email,
    NULL,
};

const struct sink_type *sink_type_find(const char *name)
{
    for (const struct sink_type *const *t = sink_types; *t; t++)
        if (strcmp((*t)->name, name) == 0)
            return *t;
    return NULL;
}
