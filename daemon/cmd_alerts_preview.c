/* cmd_alerts_preview — `vigie alerts preview --owner OWNER --digest [--html FILE]`: the owner's
 * next digest as it stands, rendered as the e-mail sink would render it (sinks/email_render.h),
 * without sending or changing anything.
 *
 * The digest is read by vigie_digest_peek (queue/queue_digest_peek.h), which builds the very
 * message vigie_digest_take would write at this moment — same items, same order, same activity
 * counts — but writes nothing. Its period is worked out as the router does: the owner's
 * digest slot (owner_digest, else [alerts] digest) in the owner's zone (owner_timezone, else
 * [alerts] timezone), the slot the digest is due at closing the period. */
#include "daemon/cli_queue.h"
#include "daemon/commands.h"
#include "daemon/config.h"
#include "queue/queue_digest_peek.h"
#include "queue/queue_sync.h"
#include "sinks/alert_config.h"
#include "sinks/email_render.h"
#include "util/vg_alloc.h"
#include "util/vg_json.h"
#include "util/vg_time.h"
#include "util/vg_tz.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "usage: vigie alerts [-c FILE] preview --owner OWNER --digest [--html FILE]\n"
    "  The owner's next digest as it stands now: its text on stdout, its HTML part to FILE\n"
    "  (--html). OWNER is the owner's e-mail (any case) or, for accounts without owner_email,\n"
    "  their owner as written. Nothing is sent or changed.\n";

static void rfc3339(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *str_of(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* "2026-12-01 08:00 Europe/Paris" */
static void local_time(const char *zone, int64_t ms, char *out, size_t outlen)
{
    struct tm tm;
    if (vg_tz_local(zone, ms, &tm) < 0) {
        char utc[32];
        rfc3339(ms, utc);
        snprintf(out, outlen, "%s", utc);
        return;
    }
    char day[32];
    strftime(day, sizeof(day), "%Y-%m-%d %H:%M", &tm);
    snprintf(out, outlen, "%s %s", day, zone);
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "vigie: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    int ok = fputs(text, f) >= 0;
    ok &= fclose(f) == 0;
    if (!ok)
        fprintf(stderr, "vigie: cannot write %s: %s\n", path, strerror(errno));
    return ok ? 0 : -1;
}

static int preview_digest(struct queue_sync *q, const struct vg_config *cfg, const char *okey, const char *html)
{
    const struct vg_sink_section *alerts = vg_config_sink(cfg, "alerts");
    const struct alert_config *ac = alerts ? alerts->config : NULL;
    int64_t now = vg_clock_ms();
    char err[512], created[32];
    rfc3339(now, created);

    /* first the due time and the owner's facts, to work out the period as the router will */
    struct queue_digest_peeked pk;
    if (queue_digest_peek(q, okey, now, "", "", "", created, &pk, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie: %s\n", err);
        return 1;
    }
    if (!pk.message) {
        printf("no digest pending for %s: nothing has been folded into it since the last one\n", okey);
        queue_digest_peeked_clear(&pk);
        return 0;
    }
    cJSON *meta = pk.meta ? vg_json_parse(pk.meta, strlen(pk.meta)) : NULL;
    const char *zone = str_of(meta, "timezone");
    if (!zone || !vg_tz_valid(zone))
        zone = ac && ac->timezone && vg_tz_valid(ac->timezone) ? ac->timezone : "UTC";
    const char *spec = str_of(meta, "digest");
    struct vg_slot slot;
    char why[160];
    if (!spec || vg_slot_parse(spec, &slot, why, sizeof(why)) < 0 || slot.kind == VG_SLOT_NONE) {
        spec = ac && ac->digest ? ac->digest : "daily 08:00";
        if (vg_slot_parse(spec, &slot, why, sizeof(why)) < 0 || slot.kind == VG_SLOT_NONE)
            slot = (struct vg_slot){VG_SLOT_DAILY, 0, 8, 0};
    }
    int64_t due = pk.due_ms > 0 ? pk.due_ms : vg_slot_next(&slot, zone, now);
    char period[16] = "", pstart[32] = "", pend[32] = "";
    int64_t start = vg_slot_prev(&slot, zone, due);
    if (vg_slot_period(&slot, zone, due, period) < 0 || start <= 0) {
        fprintf(stderr, "vigie: the digest schedule '%s' in zone %s gives no period\n", spec, zone);
        cJSON_Delete(meta);
        queue_digest_peeked_clear(&pk);
        return 1;
    }
    rfc3339(start, pstart);
    rfc3339(due, pend);
    queue_digest_peeked_clear(&pk);
    if (queue_digest_peek(q, okey, now, period, pstart, pend, created, &pk, err, sizeof(err)) < 0 || !pk.message) {
        fprintf(stderr, "vigie: %s\n", err[0] ? err : "the digest was taken while it was read: run the preview again");
        cJSON_Delete(meta);
        queue_digest_peeked_clear(&pk);
        return 1;
    }

    int rc = 1;
    cJSON *msg = vg_json_parse(pk.message, strlen(pk.message));
    struct email_rendered out = {0};
    if (!msg || email_render_digest(msg, NULL, &out, err, sizeof(err)) < 0) {
        fprintf(stderr, "vigie: the digest does not render: %s\n", msg ? err : "not JSON");
        goto out;
    }
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(msg, "items");
    const cJSON *activity = cJSON_GetObjectItemCaseSensitive(msg, "activity");
    const char *to = str_of(msg, "target");
    char when[96], span[48] = "";
    local_time(zone, due, when, sizeof(when));
    if (due > now) {
        long long m = (due - now) / 60000;
        snprintf(span, sizeof(span), m >= 60 ? " (in %lldh %02lldm)" : " (in %lldm)", m >= 60 ? m / 60 : m, m % 60);
    } else {
        snprintf(span, sizeof(span), " (due now: the router sends it within seconds)");
    }
    printf("Digest for %s, period %s (%s, %s), due %s%s: %d signal(s) of %d account(s) so far\n", okey, period, spec,
           zone, when, span, cJSON_GetArraySize(items), cJSON_GetArraySize(activity));
    printf("To: %s\nSubject: %s\n\n%s", to ? to : "(no address: the router will not send it)", out.subject, out.text);
    if (out.text[0] && out.text[strlen(out.text) - 1] != '\n')
        printf("\n");
    if (html) {
        if (write_file(html, out.html) < 0)
            goto out;
        fprintf(stderr, "the HTML part is in %s\n", html);
    }
    rc = 0;
out:
    email_rendered_free(&out);
    cJSON_Delete(msg);
    cJSON_Delete(meta);
    queue_digest_peeked_clear(&pk);
    return rc;
}

int cmd_alerts_preview(const char *config, int argc, char **argv)
{
    const char *owner = NULL, *html = NULL;
    int digest = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        if (strcmp(a, "--digest") == 0) {
            digest = 1;
            continue;
        }
        const char **slot = strcmp(a, "--owner") == 0 ? &owner : strcmp(a, "--html") == 0 ? &html : NULL;
        if (!slot) {
            fprintf(stderr, "vigie alerts preview: unknown argument '%s'\n", a);
            fputs(usage, stderr);
            return 2;
        }
        if (i + 1 >= argc || !argv[i + 1][0]) {
            fprintf(stderr, "vigie alerts preview: %s needs a value\n", a);
            return 2;
        }
        *slot = argv[++i];
    }
    if (!owner || !digest) {
        fprintf(stderr, "vigie alerts preview: %s\n",
                !owner ? "whose digest? --owner OWNER" : "what to preview? --digest (an owner's next digest)");
        fputs(usage, stderr);
        return 2;
    }
    /* the owner key the router files digests under: an address lower-cased, a name as written */
    char *okey = vg_strdup(owner);
    if (!okey)
        return 1;
    if (strchr(okey, '@'))
        for (char *p = okey; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    struct vg_config *cfg = NULL;
    struct queue_sync *q = vg_cli_open_queue(config, &cfg);
    int rc = q ? preview_digest(q, cfg, okey, html) : 1;
    queue_sync_close(q);
    vg_config_free(cfg);
    vg_free(okey);
    return rc;
}
