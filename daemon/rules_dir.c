/* rules_dir — loading signal rules (see rules_dir.h). */
#include "daemon/rules_dir.h"
#include "util/vg_alloc.h"
#include "util/vg_file.h"
#include "enrich/rules.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int rules_filter(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return e->d_name[0] != '.' && n > 6 && strcmp(e->d_name + n - 6, ".rules") == 0;
}

struct enrich_rules *vg_rules_load(const char *dir, char *err, size_t errlen)
{
    if (!dir || !*dir)
        return enrich_rules_default(err, errlen);
    struct dirent **names = NULL;
    int n = scandir(dir, &names, rules_filter, by_name);
    if (n < 0) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return NULL;
    }
    struct enrich_rules *r = enrich_rules_new();
    int ok = r != NULL;
    if (!r)
        snprintf(err, errlen, "out of memory");
    if (ok && n == 0) {
        snprintf(err, errlen, "%s: no *.rules files", dir);
        ok = 0;
    }
    for (int i = 0; i < n; i++) {
        if (ok) {
            char *path = vg_asprintf("%s/%s", dir, names[i]->d_name);
            size_t len = 0;
            char *text = path ? vg_read_file(path, 16u << 20, &len) : NULL;
            if (!text)
                snprintf(err, errlen, "%s: %s", path ? path : dir, path ? strerror(errno) : "out of memory");
            ok = text && enrich_rules_add(r, path, text, len, err, errlen) == 0;
            vg_free(text);
            vg_free(path);
        }
        free(names[i]);
    }
    free(names);
    if (ok && enrich_rules_compile(r, err, errlen) < 0)
        ok = 0;
    if (!ok) {
        enrich_rules_free(r);
        return NULL;
    }
    return r;
}
