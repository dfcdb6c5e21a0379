/* account_map — `vigie accounts show ID --map`: the map of an account and its group, for
 * cross-selling. Per unit of the account (and of each subsidiary, the accounts whose parent_id
 * leads to it): the people vigie knows there (the contacts stream, grouped by department), the
 * last signal that named the unit, and the units where nobody is known yet (the white space). */
#ifndef VG_ACCOUNT_MAP_H
#define VG_ACCOUNT_MAP_H

struct queue_sync;

/* Prints the map of account `id` on stdout (a table, or one JSON object with json). Returns the
 * command's exit code: 0, or 1 with the reason on stderr (no such account, Redis). */
int account_map_show(struct queue_sync *q, const char *id, int json);

#endif
