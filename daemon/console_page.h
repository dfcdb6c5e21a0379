/* console_page — what a console page handler gets and fills (contract between the console's
 * server, console.c, and its pages, console_*.c). A handler runs on the console thread and may
 * read Redis synchronously through req->q; it must bound what it reads (paging, LIMIT/COUNT)
 * so that a page costs well under 50 ms of CPU at 10,000 accounts and 1,000,000 signals. */
#ifndef VG_CONSOLE_PAGE_H
#define VG_CONSOLE_PAGE_H

#include <stddef.h>

#include "util/vg_buf.h"

struct queue_sync;
struct vg_config;

enum console_lang { CONSOLE_EN, CONSOLE_FR }; /* the UI's language, from Accept-Language */

struct console_req {
    const char *path;         /* e.g. "/ui/accounts/acme" (percent-decoded segments are the
                                 handler's job: console_html_param / console_path_segment) */
    const char *query;        /* after '?', raw, or "" */
    enum console_lang lang;
    const char *public_url;   /* [console] public_url or "" */
    struct queue_sync *q;     /* the console thread's own Redis connection */
    const struct vg_config *cfg;
    long long now_ms;         /* vg_clock_ms() when the request arrived */
};

struct console_reply {
    int code;                 /* 200 unless set otherwise */
    const char *ctype;        /* NULL: "text/html; charset=utf-8" */
    const char *disposition;  /* NULL, or e.g. "attachment; filename=\"signals.csv\"" */
    struct vg_buf body;
};

/* A page: answers req into rep (returning 0), or returns -1 for a 500 the server writes. */
typedef int (*console_page_fn)(const struct console_req *req, struct console_reply *rep);

/* The pages (one file each), routed by console.c:
 *   /ui/                 console_portfolio.c  portfolio_page
 *   /ui/accounts/ID      console_account.c    account_page
 *   /ui/signals          console_signals.c    signals_page   (?format=json|csv exports the filter)
 *   /ui/signals/ID       console_signals.c    signal_page
 *   /ui/review           console_review.c     review_page    (?diff=ID)
 *   /ui/ops              console_ops.c        ops_page
 *   /ui/static/console.css, /ui/static/console.js  console_static.c */
int console_portfolio_page(const struct console_req *req, struct console_reply *rep);
int console_account_page(const struct console_req *req, struct console_reply *rep);
int console_signals_page(const struct console_req *req, struct console_reply *rep);
int console_signal_page(const struct console_req *req, struct console_reply *rep);
int console_review_page(const struct console_req *req, struct console_reply *rep);
int console_ops_page(const struct console_req *req, struct console_reply *rep);

/* The static file at path (its bytes, *ctype and *len set), or NULL (console_static.c). */
const char *console_static(const char *path, const char **ctype, size_t *len);

#endif
