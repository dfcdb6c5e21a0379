/* console_scores — an account's axis scores over time, for its console page: the scores each
 * saved review (`vigie review --save`, or the scheduled review) gave it, oldest first, as one
 * small chart per axis and a table. Saved reviews never change once written, so each is read
 * and parsed once, keeping only its date and each account's four numbers (console thread only). */
#ifndef VG_CONSOLE_SCORES_H
#define VG_CONSOLE_SCORES_H

#include "daemon/console_page.h"

/* Writes the section for account `id` (saying how to get one when no saved review has it).
 * 0, or -1 when Redis could not answer or memory ran out (nothing useful written). */
int console_scores_section(struct vg_buf *b, const struct console_req *req, const char *id);

#endif
