/* jobs — the pieces of the `jobs` source kind (fetchers/kind_jobs.c): a job board's answer
 * counted by department and location (jobs_board.c), the bounded series of those counts a
 * source keeps between polls and what it detects in them (jobs_series.c, jobs_detect.c), and
 * the series as `vigie accounts show` prints it (jobs_show.c). Pure: no I/O, no clock. */
#ifndef FETCH_JOBS_H
#define FETCH_JOBS_H

#include <stddef.h>
#include <stdint.h>

struct vg_buf;

#define JOBS_NAME_MAX 60     /* bytes of a department or location name (cut on a character) */
#define JOBS_MAX_NAMES 2000  /* distinct names counted per poll; more are counted as "(other)":
                                bounds the work of a board of any size */
#define JOBS_TOP 30          /* names a kept poll holds per tally; the rest summed as "(other)" */
#define JOBS_MAX_POLLS 60    /* days the series keeps (one entry per UTC day) */
#define JOBS_MAX_SEEN 300    /* locations remembered as seen (most recent first) */

#define JOBS_OTHER "(other)" /* the sum of the names past a bound */
#define JOBS_NONE "(none)"   /* positions that name no department / location */

enum jobs_board { JOBS_GREENHOUSE, JOBS_LEVER };

/* "greenhouse" / "lever"; the board read from a name, -1 when unknown. */
const char *jobs_board_name(enum jobs_board b);
int jobs_board_from_name(const char *s);

struct jobs_count {
    char *name;
    long n;
    char *url;               /* a posting's page at this location (current poll only), or NULL */
};

/* Names with their counts, by count descending then name. */
struct jobs_tally {
    struct jobs_count *v;
    size_t n;
};
void jobs_tally_free(struct jobs_tally *t);
/* The count of `name` (ASCII case-insensitive), 0 when absent. */
long jobs_tally_get(const struct jobs_tally *t, const char *name);
/* Keeps the first `top` names and sums the rest into one JOBS_OTHER entry. 0, or -1 (memory). */
int jobs_tally_cut(struct jobs_tally *t, size_t top);

/* One poll's counts. */
struct jobs_poll {
    int64_t t;
    long total;
    struct jobs_tally dept, loc;
};
void jobs_poll_free(struct jobs_poll *p);

/* Reads a board's answer (Greenhouse: {"jobs": [...]}, Lever: [...]) into p (t left 0); the
 * tallies are complete (up to JOBS_MAX_NAMES names each). 0, or -1 with a message in err
 * (not JSON, an error object, the other board's shape, wrong types). */
int jobs_board_read(enum jobs_board board, const char *body, size_t len, struct jobs_poll *p, char *err,
                    size_t errlen);

/* What a jobs source keeps between polls (kind_output.watch_text), as JSON. */
struct jobs_series {
    int board;               /* enum jobs_board */
    char *token;
    int64_t last_hiring, last_layoffs; /* when those signals were last raised, 0: never */
    char **seen;             /* locations seen, most recent first, at most JOBS_MAX_SEEN */
    size_t nseen;
    struct jobs_poll *polls; /* oldest first, one per UTC day, at most JOBS_MAX_POLLS */
    size_t npolls;
};
/* 0, or -1 when the text is not a series (the caller starts a new one). */
int jobs_series_read(const char *text, struct jobs_series *s);
/* The series as JSON (vg_free), NULL on allocation failure. */
char *jobs_series_write(const struct jobs_series *s);
void jobs_series_free(struct jobs_series *s);
/* Adds the poll (moved into the series; *p is emptied): it replaces an entry of the same UTC
 * day, its tallies are cut to JOBS_TOP, the oldest entries and seen locations past the bounds
 * go. 0, or -1 (memory). */
int jobs_series_add(struct jobs_series *s, struct jobs_poll *p);

/* ---- detection (jobs_detect.c) ---- */

#define JOBS_MAX_GROWTH 5    /* departments named in a hiring / layoffs signal */
#define JOBS_MAX_NEW_LOCS 5  /* expansion items of one poll */

struct jobs_change {
    const char *name;        /* points into the current poll or the series */
    long before, after;
};

struct jobs_events {
    int hiring, layoffs;
    double layoffs_confidence;
    long before, after;      /* the baseline level (median) and the current total */
    size_t nbaseline;        /* days the baseline was read from */
    struct jobs_change depts[JOBS_MAX_GROWTH]; /* growing (hiring) or falling (layoffs) ones */
    size_t ndepts;
    const struct jobs_count *new_locs[JOBS_MAX_NEW_LOCS]; /* into the current poll's loc tally */
    size_t nnew_locs;
};

/* What the current poll `cur` (complete tallies, cur->t set) shows against the series of the
 * previous polls `s` (not yet holding cur). Nothing on a new series. */
void jobs_detect(const struct jobs_series *s, const struct jobs_poll *cur, struct jobs_events *ev);

/* ---- `vigie accounts show` (jobs_show.c) ---- */

/* Lines for the series kept in `watch_text`. 0, or -1 when it is not a series. */
int jobs_show(const char *watch_text, struct vg_buf *out);

#endif
