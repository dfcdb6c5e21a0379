/* rules_dir — the signal rules the daemon and `vigie extract` use: the shipped set embedded
 * in the binary, or a directory of *.rules files a user extends (read in name order). */
#ifndef VG_RULES_DIR_H
#define VG_RULES_DIR_H

#include <stddef.h>

struct enrich_rules;

/* Compiled rules from dir, or the embedded default when dir is NULL or empty. NULL with the
 * reason (file and line of a bad rule) in err. */
struct enrich_rules *vg_rules_load(const char *dir, char *err, size_t errlen);

#endif
