/* queue_news — per-account news search sources: one "news:<account id>" feed source per
 * account, built from a URL template ([fetch] news_search, e.g. a news search RSS URL with
 * {name}), created and removed as accounts come and go. */
#ifndef QUEUE_NEWS_H
#define QUEUE_NEWS_H

struct queue;

/* Brings the news sources in line with the accounts (an empty template removes them all).
 * cb gets the number created and removed, or -1, -1 on error. */
int queue_news_sources_sync(struct queue *q, const char *url_template, long long interval_ms,
                            void (*cb)(long created, long removed, void *arg), void *arg);

#endif
