/* accounts_watch — notices when the accounts in Redis change (their version moves, after
 * `vigie accounts import|rm` from any machine) and tells the parts of the daemon that depend on
 * them: the per-account news sources are synced here, and the enrich stage rebuilds its
 * matcher through the callback. */
#ifndef VG_ACCOUNTS_WATCH_H
#define VG_ACCOUNTS_WATCH_H

struct queue;
struct vg_config;
struct accounts_watch;

/* on_change(version, arg) runs once at start (when Redis first answers) and after each
 * change. */
struct accounts_watch *accounts_watch_new(struct queue *q, const struct vg_config *cfg,
                                          void (*on_change)(long long version, void *arg), void *arg);
/* Called from the housekeeping timer: asks Redis for the version now and then. */
void accounts_watch_tick(struct accounts_watch *w);
/* After a reload: the news template or interval may have changed. */
void accounts_watch_set_config(struct accounts_watch *w, const struct vg_config *cfg);
void accounts_watch_free(struct accounts_watch *w);

#endif
