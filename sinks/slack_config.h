/* slack_config — the [sink.slack] settings, shared by the sink (sink_slack.c) and whoever
 * needs to know how Slack is reached: the alerts router reads them through sink_peer_config
 * ("slack") to learn whether a message it alerted can be edited later (`bot_token` set:
 * chat.update; an incoming webhook cannot edit what it posted).
 *
 * Exactly one of webhook_url and bot_token is given (check-config refuses neither and both):
 *   webhook_url  an incoming webhook (https://hooks.slack.com/services/T…/B…/…): every message
 *                goes to the one channel the webhook was made for; no updates
 *   bot_token    a bot token (xoxb-…, scope chat:write) for chat.postMessage and chat.update
 *                on api_base: each message goes to its target (a channel id, a user id or
 *                #name), a target "" to default_channel
 * Strings are owned by the configuration, secrets already resolved from env:/file:/credential:. */
#ifndef SLACK_CONFIG_H
#define SLACK_CONFIG_H

struct slack_config {
    char *webhook_url;     /* sensitive: the URL is the credential; "" when not used */
    char *bot_token;       /* sensitive: "xoxb-…"; "" when not used */
    char *api_base;        /* Slack's Web API, https://slack.com/api (a stand-in's for tests) */
    char *default_channel; /* bot mode: where a message without target goes; "" : nowhere */
};

#endif
