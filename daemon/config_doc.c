/* config_doc — the option tables told to people: the effective settings (`vigie
 * check-config`) and the example configuration file (`vigie check-config --example`, installed
 * as /etc/vigie/vigie.conf.example). Both come from vg_options[], the common sink options and
 * every sink type's table, so a new option is documented the moment it exists;
 * tests/integration/test_cli_config.py checks that the committed systemd/vigie.conf.example is
 * exactly what this prints. */
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "sinks/sink.h"
#include "util/vg_alloc.h"

#include <string.h>

#define WIDTH 92

/* Writes `text` as "# " comment lines of at most WIDTH columns, broken at spaces. */
static void comment(FILE *out, const char *text)
{
    const char *p = text;
    while (*p) {
        size_t room = WIDTH - 2, n = strlen(p);
        if (n > room) {
            n = room;
            while (n > 0 && p[n] != ' ')
                n--;
            if (n == 0)
                n = strcspn(p, " ");
        }
        fprintf(out, "# %.*s\n", (int)n, p);
        p += n;
        while (*p == ' ')
            p++;
    }
}

/* One option: its description, then its type, bounds and flags, then the line to uncomment,
 * at its default and starting with `marker` ('#', or ';' in a section commented out whole). */
static void print_option(FILE *out, const struct vg_option *o, char marker)
{
    char *bounds = vg_option_bounds(o);
    fputc('\n', out);
    comment(out, o->desc);
    fprintf(out, "# %s%s%s; %s%s\n", vg_option_type_name(o), bounds && bounds[0] ? ", " : "",
            bounds ? bounds : "", o->flags & VG_OPT_RESTART ? "restart to change" : "no restart needed (reload)",
            o->flags & VG_OPT_SENSITIVE ? "; secret" : "");
    fprintf(out, "%c%s =%s%s\n", marker, o->name, o->def[0] ? " " : "", o->def);
    vg_free(bounds);
}

/* The options every sink takes, at a sink type's defaults (its batch limit, its vendor's
 * rate limit), one line each: described once under [sink.TYPE]. */
static void print_type_defaults(FILE *out, const struct sink_type *t)
{
    struct sink_common_config c = {0};
    char err[256];
    if (vg_option_table_defaults(sink_common_options, &c, NULL, err, sizeof(err)) == 0) {
        sink_common_type_defaults(t, &c);
        for (const struct vg_option *o = sink_common_options; o->name; o++) {
            char *v = vg_option_format(o, &c);
            fprintf(out, ";%s =%s%s\n", o->name, v && v[0] ? " " : "", v ? v : "?");
            vg_free(v);
        }
    }
    vg_option_table_free(sink_common_options, &c);
}

/* The sink sections: they exist only when written, so each is commented out whole, its
 * section line too, with ';' (a file with every '#' option line uncommented stays valid). */
static void print_sinks(FILE *out, const struct sink_type *const *types)
{
    char known[512] = "";
    for (const struct sink_type *const *t = types; *t; t++) {
        size_t used = strlen(known);
        snprintf(known + used, sizeof(known) - used, "%s%s", used ? ", " : "", (*t)->name);
    }
    char *intro = vg_asprintf(
        "A [sink.TYPE] section runs a sink, which delivers signals and contacts to TYPE (built in: %s). "
        "Sink sections are shown commented out whole, with ';': remove the ';' of a section line and of "
        "the options you set under it. A section with enabled = no is checked but not run. The options "
        "every sink section takes are described once, under [sink.TYPE]; each type's section lists them "
        "at its defaults, then its own. A reload applies them all (a sink whose options changed restarts).",
        known[0] ? known : "none yet");
    fprintf(out, "\n# ---- sinks %.*s\n#\n", WIDTH - 13,
            "--------------------------------------------------------------------------------------------");
    comment(out, intro ? intro : "");
    vg_free(intro);
    fprintf(out, "\n;[sink.TYPE]\n");
    for (const struct vg_option *o = sink_common_options; o->name; o++)
        print_option(out, o, ';');
    for (const struct sink_type *const *t = types; *t; t++) {
        char section[160];
        fprintf(out, "\n;[%s]\n", sink_type_section(*t, section, sizeof(section)));
        comment(out, (*t)->summary);
        print_type_defaults(out, *t);
        for (const struct vg_option *o = (*t)->options; o && o->name; o++)
            print_option(out, o, ';');
        if ((*t)->example) /* its further sections ([route.NAME] ...), already commented out */
            fprintf(out, "%s", (*t)->example);
    }
}

/* name = value for every option of `table` in the struct at base. */
static void print_values(FILE *out, const struct vg_option *table, const void *base)
{
    for (const struct vg_option *o = table; o && o->name; o++) {
        char *v = vg_option_format(o, base);
        fprintf(out, "%s = %s\n", o->name, v ? v : "?");
        vg_free(v);
    }
}

void vg_config_print(FILE *out, const struct vg_config *c)
{
    const char *section = "";
    for (const struct vg_option *o = vg_options; o->name; o++) {
        if (strcmp(section, o->section) != 0) {
            fprintf(out, "%s[%s]\n", section[0] ? "\n" : "", o->section);
            section = o->section;
        }
        char *v = vg_config_format(c, o);
        fprintf(out, "%s = %s\n", o->name, v ? v : "?");
        vg_free(v);
    }
    for (size_t i = 0; i < c->n_sinks; i++) {
        const struct vg_sink_section *s = &c->sinks[i];
        char name[160];
        fprintf(out, "\n[%s]\n", sink_type_section(s->type, name, sizeof(name)));
        print_values(out, sink_common_options, &s->common);
        print_values(out, s->type->options, s->config);
        if (s->type->config_print) /* its further sections: [route.NAME], [receiver.NAME] */
            s->type->config_print(out, s->config);
    }
}

void vg_config_print_example(FILE *out)
{
    vg_config_print_example_types(out, sink_types);
}

void vg_config_print_example_types(FILE *out, const struct sink_type *const *types)
{
    fprintf(out,
            "# %s — vigie's configuration file.\n"
            "#\n"
            "# Every option is listed below, commented out at its built-in default: uncomment a line\n"
            "# and change its value to set it. `vigie check-config -c FILE` validates a file and\n"
            "# prints the effective settings; `vigie help run` describes the same options.\n"
            "#\n"
            "# `systemctl reload vigie` (SIGHUP) rereads the file and applies the options at once,\n"
            "# except those marked \"restart to change\", which keep their running value until\n"
            "# `systemctl restart vigie`.\n"
            "#\n"
            "# Durations: 250ms, 30s, 5m, 2h, 1d (a bare number is seconds). Sizes: 512k, 8M, 1G.\n"
            "# Relative paths are relative to this file's directory. A secret takes env:NAME,\n"
            "# file:PATH or credential:NAME (systemd LoadCredential=) instead of the value itself.\n"
            "#\n"
            "# Generated by `vigie check-config --example`.\n",
            VG_DEFAULT_CONFIG);
    const char *section = "";
    for (const struct vg_option *o = vg_options; o->name; o++) {
        if (strcmp(section, o->section) != 0) {
            fprintf(out, "\n[%s]\n", o->section);
            section = o->section;
        }
        print_option(out, o, '#');
    }
    print_sinks(out, types);
}
