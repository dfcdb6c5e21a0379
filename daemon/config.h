/* config — vigie's configuration: an INI file read through a declarative option table.
 *
 * Every option is one row of vg_options[] (config_table.c): section, key, type with units,
 * default, bounds, target field in struct vg_config, description and flags. The parser, the
 * `check-config` listing, `vigie help run` and SIGHUP reloads all read that one table, so an
 * option added there is parsed, documented, bounded and reloaded without further code.
 *
 * The table's machinery (types, flags, setting, formatting, secrets from env:, file: and
 * credential:) is util/vg_option.h; this file adds what only the daemon knows: the INI file,
 * struct vg_config, the grammar checks and the warnings. */
#ifndef VG_CONFIG_H
#define VG_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "sinks/sink_options.h"
#include "util/vg_option.h"
#include "util/vg_units.h"

struct sink_type;

/* One [sink.NAME] section: NAME is a sink type of sinks/sink.h. Every option of a sink is
 * live: a reload that changes one restarts that sink (vg_config_sink_differs). */
struct vg_sink_section {
    char *name;                       /* NAME, the type's name */
    const struct sink_type *type;
    struct sink_common_config common; /* the options every sink takes (sinks/sink_options.h) */
    void *config;                     /* the type's own options: its struct, config_size bytes */
};

struct vg_config {
    char *file;             /* the file read, or NULL for built-in defaults */
    /* Settings that are valid but risky, as "FILE:LINE: sentence" (vg_config_load fills
     * them; the caller shows them: check-config on stderr, the daemon in its log). */
    char **warnings;
    size_t n_warnings;

    /* [daemon] */
    char *state_dir;
    char *instance;
    char *roles;
    long long shutdown_timeout_ms;
    long long housekeeping_ms;
    /* [log] */
    char *log_level;
    char *log_format;
    /* [admin] */
    char *admin_listen;
    long long admin_max_connections;
    long long admin_max_per_address;
    long long admin_request_timeout_ms;
    /* [console] */
    char *console_listen;
    char *console_public_url;
    char *console_token;
    char *console_user;
    char *console_password_hash;
    /* [redis] */
    char *redis_url;
    char *redis_password;
    char *redis_prefix;
    char *redis_server;
    long long redis_connect_timeout_ms;
    long long redis_ping_interval_ms;
    long long redis_ping_timeout_ms;
    long long redis_backoff_max_ms;
    /* [fetch] */
    long long fetch_interval_ms;
    long long fetch_backoff_max_ms;
    long long fetch_lease_ms;
    long long fetch_recent_window_ms;
    long long fetch_timeout_ms;
    long long fetch_connect_timeout_ms;
    long long fetch_max_body;
    long long fetch_max_redirects;
    long long fetch_max_in_flight;
    long long fetch_per_host;
    long long fetch_per_host_delay_ms;
    long long fetch_allow_file;
    long long fetch_dedup_ttl_ms;
    long long fetch_items_maxlen;
    long long fetch_items_retention_ms;
    char *fetch_allow_private;
    char *fetch_user_agent;
    char *fetch_news_search;
    long long fetch_news_interval_ms;
    /* [sources]: the company sources (fetchers/kind_*.c) and their automatic creation */
    long long src_automatic;
    char *src_user_agent;              /* User-Agent with a contact address (SEC EDGAR requires one) */
    char *src_feed_rate;               /* "N/DURATION" budgets shared through Redis; "": none */
    char *src_fr_company_url;
    long long src_fr_company_interval_ms;
    char *src_fr_company_rate;
    char *src_bodacc_url;
    long long src_bodacc_interval_ms;
    long long src_bodacc_batch;
    char *src_bodacc_rate;
    char *src_sec_edgar_url;
    long long src_sec_edgar_interval_ms;
    char *src_sec_edgar_rate;
    char *src_uk_company_url;
    long long src_uk_company_interval_ms;
    char *src_uk_company_rate;
    char *src_uk_company_key;
    char *src_greenhouse_url;
    char *src_lever_url;
    long long src_jobs_interval_ms;
    char *src_jobs_rate;
    /* [websub]: push deliveries from the hubs of feeds that advertise one (daemon/websub.c) */
    char *websub_listen;
    char *websub_public_url;
    long long websub_lease_ms;
    long long websub_poll_interval_ms;
    long long websub_verify_timeout_ms;
    /* [enrich] */
    char *enrich_rules_dir;
    long long enrich_story_window_ms;
    /* [pipeline] */
    long long pipe_max_lag;
    long long pipe_batch;
    long long pipe_reclaim_idle_ms;
    long long pipe_max_deliveries;
    long long pipe_maxlen;
    long long pipe_retention_ms;
    long long pipe_dlq_maxlen;
    long long pipe_dedup_ttl_ms;
    /* [review] (enrich/review.h) */
    long long review_half_life_ms;
    long long review_evidence_window_ms;
    long long review_bar;
    long long review_deselect_bar;
    long long review_deselect_after;
    long long review_watch_heat;
    long long review_w_quantitative;
    long long review_w_strategic;
    long long review_w_image;
    /* [review] the scheduled review (daemon/review_schedule.h) */
    char *review_schedule; /* off | weekly | monthly */
    char *review_at;       /* HH:MM */
    char *review_timezone;
    char *review_email;    /* addresses and/or "owners", comma-separated */
    long long review_outbox;

    /* [sink.NAME] sections, in the order of the file */
    struct vg_sink_section *sinks;
    size_t n_sinks;
};

extern const struct vg_option vg_options[];

/* Reads `path` (NULL: built-in defaults only) into a new config. Every value is checked
 * against its type here, so nothing the daemon would refuse later gets past. On error returns
 * NULL and writes "FILE:LINE: key 'section.name': reason" into err (a key given twice names
 * both lines). The caller frees with vg_config_free. */
struct vg_config *vg_config_load(const char *path, char *err, size_t errlen);
void vg_config_free(struct vg_config *c);
/* The same, with `types` (NULL-terminated) as the sink types [sink.NAME] may name instead of
 * sinks/sink.h's sink_types[]: for tests, which bring types of their own. */
struct vg_config *vg_config_load_types(const char *path, const struct sink_type *const *types, char *err,
                                       size_t errlen);

/* The [sink.NAME] section of c, or NULL. */
const struct vg_sink_section *vg_config_sink(const struct vg_config *c, const char *name);
/* The type's config struct of the enabled [sink.NAME] section of the vg_config at `cfg`, or
 * NULL: the `peer` callback of a sink_env (sink_peer_config). */
const void *vg_config_sink_peer(void *cfg, const char *name);
/* 1 when the [sink.NAME] section is in one of a and b only, or one of its options differs. */
int vg_config_sink_differs(const struct vg_config *a, const struct vg_config *b, const char *name);
/* 1 when any sink section was added, removed or changed from a to b (NULL: no sections). */
int vg_config_sinks_differ(const struct vg_config *a, const struct vg_config *b);

/* The value of option `o` in `c`, formatted as the file would write it (durations and sizes
 * with units). Sensitive values come back as "(set)" or "(unset)". Caller frees. */
char *vg_config_format(const struct vg_config *c, const struct vg_option *o);
/* 1 when option `o` differs between a and b. */
int vg_config_differs(const struct vg_config *a, const struct vg_config *b, const struct vg_option *o);
/* Copies option `o` from src into dst (used to keep restart-only values on reload). */
int vg_config_copy_option(struct vg_config *dst, const struct vg_config *src, const struct vg_option *o);


/* Writes the effective settings of c, every option of the table then every [sink.NAME]
 * section, as the file would write them, secrets masked: what `vigie check-config` prints. */
void vg_config_print(FILE *out, const struct vg_config *c);

/* Writes a configuration file showing every option of the table, commented out at its
 * default, with its description, type, bounds and whether a reload applies it, then the sink
 * sections of every sink type, commented out whole: what `vigie check-config --example`
 * prints and systemd/vigie.conf.example holds. */
void vg_config_print_example(FILE *out);
/* The same with the sink types `types` (NULL-terminated) instead of sink_types[] (tests). */
void vg_config_print_example_types(FILE *out, const struct sink_type *const *types);

#endif
