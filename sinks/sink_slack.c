/* sink_slack — alert messages posted to Slack ([sink.slack]), from the stream alerts:slack the
 * alerts router writes (docs/design.md "Alerts"; the message in field `alert`).
 *
 * Two ways in (sinks/slack_config.h):
 *   webhook_url  an incoming webhook: POST {text, blocks} to it. It answers 200 "ok", or a
 *                plain-text error word with a 4xx (Slack's changelog of 2016-05-17,
 *                https://api.slack.com/changelog/2016-05-17-changes-to-errors-for-incoming-webhooks:
 *                400 invalid_payload and user_not_found, 403 action_prohibited, 404
 *                channel_not_found, 410 channel_is_archived, 500 rollup_error; also seen:
 *                400 no_text, invalid_blocks; 403 invalid_token; 404 no_service).
 *   bot_token    chat.postMessage on api_base with the message's target (a channel or user id,
 *                or #name; "" → default_channel) and a Bearer token; JSON answers
 *                {"ok": true, "channel", "ts"} or {"ok": false, "error": "..."}. A message of
 *                kind `update` edits the message posted for its `alert_id` (chat.update on the
 *                channel and ts kept when it was posted).
 *
 * Records are delivered one at a time, in order (Slack takes one message a request; an alert
 * and its update may share a batch). Outcomes: a refusal of the message (invalid_blocks,
 * channel_not_found...) is dead-lettered; a refused webhook or token pauses the sink; 429 and
 * 5xx are retried — and end the batch: what is left waits with the record that met them.
 *
 * Idempotency: `sent:<id>` is marked (sink_mark_set) once Slack took the message: "<channel>
 * <ts>" (bot), "1" (webhook). A message found marked is not posted again (a redelivery, a
 * retry after the batch's other records went through). An update finds the message to edit
 * by `sent:<alert_id>`, and marks `updated:<alert_id>` with its total of sources so that a
 * redelivered, older update never overwrites a newer one. An update whose original is not
 * known (never posted, or its mark expired) is posted as a new message that later updates
 * edit; the original, if it comes after all, is then taken as posted.
 * Left open: vigie stopping between Slack's answer and the mark (a few ms) posts once more.
 *
 * Rate: Slack allows posting "1 per second; short bursts >1 allowed"
 * (https://docs.slack.dev/apis/web-api/rate-limits, "Posting messages"; chat.postMessage:
 * one message per second per channel, with a workspace-wide limit as well): the sink's
 * rate_limit defaults to 1 request per 1 s for every process sharing the Redis, and a 429's
 * Retry-After holds what is left. */
#include "sinks/sink.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/fetch_http.h"
#include "sinks/slack_config.h"
#include "sinks/slack_render.h"
#include "util/vg_alloc.h"
#include "util/vg_json.h"
#include "util/vg_log.h"

#define MOD "slack"
#define MAX_BATCH 10 /* a batch takes 10 s at Slack's pace: small enough to stop soon */

/* ==== options ============================================================================== */

#define F(field) offsetof(struct slack_config, field)
#define S "sink.slack"

static const struct vg_option slack_options[] = {
    {S, "webhook_url", VG_OPT_STRING, "", 0, 0, F(webhook_url), NULL, VG_OPT_SENSITIVE,
     "an incoming webhook's URL (https://hooks.slack.com/services/...), best given as env:NAME, file:PATH or "
     "credential:NAME: every alert goes to the webhook's channel, and messages are never updated. Give this "
     "or bot_token"},
    {S, "bot_token", VG_OPT_STRING, "", 0, 0, F(bot_token), NULL, VG_OPT_SENSITIVE,
     "a Slack app's bot token (xoxb-..., scope chat:write; chat:write.public to post in public channels the "
     "app was not invited to), best given as env:NAME, file:PATH or credential:NAME: alerts go to the route's "
     "channel or the owner's Slack user, and a story told by one more source edits the message posted. Give "
     "this or webhook_url"},
    {S, "api_base", VG_OPT_STRING, "https://slack.com/api", 0, 0, F(api_base), NULL, 0,
     "Slack's Web API address (bot_token; a test stand-in's for tests)"},
    {S, "default_channel", VG_OPT_STRING, "", 0, 0, F(default_channel), NULL, 0,
     "bot_token: the channel (an id like C0123ABC, or #name) of alerts whose receiver names none; empty: such "
     "alerts are dead-lettered"},
    {NULL, NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL},
};

#undef S
#undef F

static int http_url(const char *u)
{
    return u && (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0) && strlen(u) > 8;
}

/* A target chat.postMessage takes: a conversation or user id (C…, G…, D…, U…, W…) or #name. */
static int target_ok(const char *t)
{
    size_t n = t ? strlen(t) : 0;
    if (n == 0 || n > 81)
        return 0;
    for (const char *c = t[0] == '#' ? t + 1 : t; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.')
            return 0;
    return t[0] != '#' || n > 1;
}

static int slack_check(const void *config, char *err, size_t errlen)
{
    const struct slack_config *c = config;
    int hook = c->webhook_url && *c->webhook_url, bot = c->bot_token && *c->bot_token;
    if (hook == bot) {
        snprintf(err, errlen, hook ? "give webhook_url or bot_token, not both (a webhook cannot edit a message: "
                                     "keep bot_token for updates and per-user alerts)"
                                   : "webhook_url or bot_token is required (e.g. bot_token = env:SLACK_BOT_TOKEN)");
        return -1;
    }
    if (hook && !http_url(c->webhook_url)) {
        snprintf(err, errlen, "webhook_url must be an http(s) URL (https://hooks.slack.com/services/...)");
        return -1;
    }
    if (bot && strpbrk(c->bot_token, " \t\r\n")) {
        snprintf(err, errlen, "bot_token holds a blank or a line break");
        return -1;
    }
    if (!http_url(c->api_base)) {
        snprintf(err, errlen, "api_base must be an http(s) URL");
        return -1;
    }
    if (c->default_channel && *c->default_channel && !target_ok(c->default_channel)) {
        snprintf(err, errlen, "default_channel '%.80s' is not a Slack channel id or #name", c->default_channel);
        return -1;
    }
    return 0;
}

/* ==== state ================================================================================ */

enum verdict { V_OK, V_RETRY, V_DROP, V_PAUSE };

struct decision {
    enum verdict v;
    char reason[200];
    long retry_after_ms;
    char channel[96], ts[40]; /* bot, V_OK: where the message is */
};

struct slack_sink {
    struct sink_ctx *ctx;
    const struct slack_config *cfg;
    int bot;
    char *auth;          /* "Authorization: Bearer …" (bot) */
    char *post_url;      /* the webhook, or api_base/chat.postMessage */
    char *update_url;    /* api_base/chat.update */
    char *preview_url;   /* webhook, previewing: its URL without the secret path */
    char where[200];

    /* the batch in flight: records in order, one request at a time */
    struct sink_batch *b;
    size_t i;
    int in_send, answered_inline;
    /* the record being delivered */
    cJSON *payload;
    int update, edit, as_new;
    long sources;        /* update: the message's total of sources */
    char alert_id[72];
    char channel[96];    /* bot: where it goes */
    char key_sent[96], key_alert[96], key_updated[96];
};

static void advance(struct slack_sink *s);

/* ==== outcomes ============================================================================= */

static void set_outcome(struct sink_record *r, enum sink_outcome o, const char *why, long retry_ms)
{
    r->outcome = o;
    snprintf(r->reason, sizeof r->reason, "%s", why ? why : "");
    r->retry_after_ms = o == SINK_RETRY && retry_ms > 0 ? retry_ms : 0;
}

static void record_reset(struct slack_sink *s)
{
    cJSON_Delete(s->payload);
    s->payload = NULL;
    s->update = s->edit = s->as_new = 0;
    s->sources = 0;
    s->alert_id[0] = s->channel[0] = '\0';
}

/* The current record is settled: on to the next (from an answer: at once; from inside
 * sink_http's call: once it returns). */
static void record_done(struct slack_sink *s)
{
    record_reset(s);
    s->i++;
    if (s->in_send) {
        s->answered_inline = 1;
        return;
    }
    advance(s);
}

/* The service is not taking messages now: the current record and every one after it wait
 * (the batch ends; a record is charged an attempt only when others went through). */
static void hold_rest(struct slack_sink *s, const char *why, long retry_ms)
{
    for (size_t k = s->i; k < s->b->n; k++)
        set_outcome(&s->b->v[k], SINK_RETRY, why, retry_ms);
    record_reset(s);
    s->i = s->b->n;
    if (s->in_send) {
        s->answered_inline = 1;
        return;
    }
    advance(s);
}

/* ==== Slack's answers ====================================================================== */

static int in_list(const char *w, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(w, list[i]) == 0)
            return 1;
    return 0;
}

/* Slack's error word, as much of it as is a word ([a-z0-9_], 60 at most): what reaches the log
 * and the dead letter is never the body's raw bytes. */
static void error_word(const char *body, size_t len, char *out, size_t n)
{
    size_t o = 0, i = 0;
    while (i < len && isspace((unsigned char)body[i]))
        i++;
    for (; i < len && o + 1 < n && o < 60; i++) {
        unsigned char c = (unsigned char)body[i];
        if (!(islower(c) || isdigit(c) || c == '_'))
            break;
        out[o++] = (char)c;
    }
    out[o] = '\0';
}

/* Errors of a refused credential, scope or workspace policy: no message can go until the
 * configuration changes. */
static const char *const PAUSE_ERRORS[] = {
    "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "no_permission",
    "missing_scope", "not_allowed_token_type", "ekm_access_denied", "access_denied", "team_access_not_granted",
    "org_login_required", "enterprise_is_restricted", "two_factor_setup_required", "accesslimited",
    "deprecated_endpoint", "method_deprecated", "invalid_token", "no_service", "no_team", "no_active_hooks",
    "team_disabled", "action_prohibited", NULL};
/* Passing faults on Slack's side. */
static const char *const RETRY_ERRORS[] = {
    "ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout",
    "rollup_error", NULL};

static void transport_decision(struct fetch_response *resp, struct decision *d)
{
    if (resp->error == FETCH_ERR_REFUSED_ADDRESS || resp->error == FETCH_ERR_BAD_URL ||
        resp->error == FETCH_ERR_PROTOCOL || resp->error == FETCH_ERR_REDIRECTS) {
        d->v = V_PAUSE;
        snprintf(d->reason, sizeof d->reason, "cannot reach Slack (%.120s): fix [sink.slack] or allow_private, then reload",
                 resp->reason);
        return;
    }
    d->v = V_RETRY;
    snprintf(d->reason, sizeof d->reason, "Slack did not answer: %.150s", resp->reason);
}

static long retry_ms_of(const struct fetch_response *resp)
{
    return resp->retry_after_given ? (resp->retry_after_s > 0 ? resp->retry_after_s * 1000 : 1) : 1000;
}

/* An incoming webhook's answer: 200 "ok", or an error word in plain text with a 4xx/5xx. */
static void webhook_decision(struct fetch_response *resp, struct decision *d)
{
    static const char *const channel_gone[] = {"channel_not_found", "channel_is_archived", NULL};
    char word[64];
    if (resp->error != FETCH_OK && resp->error != FETCH_ERR_HTTP_STATUS) {
        transport_decision(resp, d);
        return;
    }
    long st = resp->status;
    error_word(resp->body.data ? resp->body.data : "", resp->body.len, word, sizeof word);
    if (st >= 200 && st < 300) {
        d->v = V_OK;
        return;
    }
    if (st == 429) {
        d->v = V_RETRY;
        d->retry_after_ms = retry_ms_of(resp);
        snprintf(d->reason, sizeof d->reason, "Slack is rate limiting the webhook (429): waiting %ld ms", d->retry_after_ms);
        return;
    }
    if (st >= 500 || in_list(word, RETRY_ERRORS)) {
        d->v = V_RETRY;
        snprintf(d->reason, sizeof d->reason, "Slack answered %ld %s", st, *word ? word : "");
        return;
    }
    if (in_list(word, PAUSE_ERRORS) || in_list(word, channel_gone) ||
        (!*word && (st == 401 || st == 403 || st == 404 || st == 410))) {
        /* The webhook is tied to one channel: when it is gone or refused, every message is. */
        d->v = V_PAUSE;
        snprintf(d->reason, sizeof d->reason,
                 "Slack refused the incoming webhook (%ld %s): make a new webhook and set [sink.slack] webhook_url, "
                 "then reload", st, *word ? word : "");
        return;
    }
    d->v = V_DROP; /* invalid_payload, no_text, invalid_blocks, user_not_found...: this message */
    snprintf(d->reason, sizeof d->reason, "Slack refused the message (%ld %s)", st, *word ? word : "");
}

/* A Web API answer (chat.postMessage, chat.update): HTTP 200 with {"ok": ...}, 429 with
 * Retry-After, or a 5xx. */
static void api_decision(struct fetch_response *resp, const char *method, struct decision *d)
{
    if (resp->error != FETCH_OK && resp->error != FETCH_ERR_HTTP_STATUS) {
        transport_decision(resp, d);
        return;
    }
    long st = resp->status;
    if (st == 429) {
        d->v = V_RETRY;
        d->retry_after_ms = retry_ms_of(resp);
        snprintf(d->reason, sizeof d->reason, "Slack is rate limiting %s (429 ratelimited): waiting %ld ms", method,
                 d->retry_after_ms);
        return;
    }
    if (st >= 500) {
        d->v = V_RETRY;
        snprintf(d->reason, sizeof d->reason, "Slack answered %ld to %s", st, method);
        return;
    }
    cJSON *doc = resp->body.len ? vg_json_parse(resp->body.data, resp->body.len) : NULL;
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(doc, "ok");
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(doc, "error");
    char word[64] = "";
    if (cJSON_IsString(error))
        error_word(error->valuestring, strlen(error->valuestring), word, sizeof word);
    if (!cJSON_IsBool(ok)) {
        d->v = st == 401 || st == 403 ? V_PAUSE : V_RETRY;
        snprintf(d->reason, sizeof d->reason, "Slack's answer to %s could not be read (HTTP %ld)", method, st);
    } else if (cJSON_IsTrue(ok)) {
        const cJSON *ch = cJSON_GetObjectItemCaseSensitive(doc, "channel");
        const cJSON *ts = cJSON_GetObjectItemCaseSensitive(doc, "ts");
        d->v = V_OK;
        /* kept in a mark and sent back in chat.update: only what an id and a ts are made of */
        if (cJSON_IsString(ch) && target_ok(ch->valuestring))
            snprintf(d->channel, sizeof d->channel, "%s", ch->valuestring);
        if (cJSON_IsString(ts) && strlen(ts->valuestring) < sizeof d->ts &&
            strspn(ts->valuestring, "0123456789.") == strlen(ts->valuestring))
            snprintf(d->ts, sizeof d->ts, "%s", ts->valuestring);
        /* without a ts the message is posted all the same (never again), but cannot be edited */
    } else if (in_list(word, RETRY_ERRORS)) {
        d->v = V_RETRY;
        d->retry_after_ms = retry_ms_of(resp);
        snprintf(d->reason, sizeof d->reason, "Slack answered %s to %s", word, method);
    } else if (in_list(word, PAUSE_ERRORS)) {
        d->v = V_PAUSE;
        snprintf(d->reason, sizeof d->reason,
                 "Slack refused the bot token (%s): give [sink.slack] bot_token a valid token of the app "
                 "(xoxb-..., scope chat:write), then reload", word);
    } else {
        d->v = V_DROP;
        const char *hint = strcmp(word, "not_in_channel") == 0
                               ? ": invite the app to the channel, or give it chat:write.public"
                           : strcmp(word, "channel_not_found") == 0 ? ": no such channel, or the app cannot see it"
                                                                    : "";
        snprintf(d->reason, sizeof d->reason, "Slack refused the message (%s %s)%s", method, *word ? word : "?", hint);
    }
    cJSON_Delete(doc);
}

/* ==== one record =========================================================================== */

static void on_posted(struct fetch_response *resp, void *arg);

static long total_sources(const cJSON *alert)
{
    long n = 0;
    const cJSON *sig;
    cJSON_ArrayForEach(sig, cJSON_GetObjectItemCaseSensitive(alert, "signals"))
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(sig, "sources");
        n += cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble < 1e6 ? (long)v->valuedouble : 1;
    }
    return n;
}

/* Sends the current record's request: chat.update of (channel, ts) when editing, else a post. */
static void send_current(struct slack_sink *s, const char *edit_channel, const char *edit_ts)
{
    if (s->bot) {
        cJSON_DeleteItemFromObjectCaseSensitive(s->payload, "channel");
        cJSON_AddStringToObject(s->payload, "channel", s->edit ? edit_channel : s->channel);
        if (s->edit) {
            cJSON_AddStringToObject(s->payload, "ts", edit_ts);
        } else {
            /* an alert's link previews would push the alert itself out of sight */
            cJSON_AddFalseToObject(s->payload, "unfurl_links");
            cJSON_AddFalseToObject(s->payload, "unfurl_media");
        }
    }
    char *body = cJSON_PrintUnformatted(s->payload);
    if (!body) {
        hold_rest(s, "out of memory", 0);
        return;
    }
    const char *bot_headers[] = {s->auth, "Accept: application/json", NULL};
    const char *url = s->edit ? s->update_url : s->post_url;
    if (!s->bot && sink_previewing(s->ctx))
        url = s->preview_url; /* nothing is sent; the webhook's path is its secret */
    struct fetch_request req = {
        .url = url,
        .method = "POST",
        .body = body,
        .body_len = strlen(body),
        .content_type = "application/json; charset=utf-8",
        .headers = s->bot ? bot_headers : NULL,
        .accept = NULL,
        .max_body = 1 << 20,
    };
    char err[256];
    s->in_send = 1;
    s->answered_inline = 0;
    int rc = sink_http(s->ctx, &req, on_posted, s, err, sizeof err);
    s->in_send = 0;
    cJSON_free(body);
    if (rc < 0) {
        hold_rest(s, err, 0);
        return;
    }
    if (s->answered_inline)
        advance(s);
}

static void on_marks(void *arg, const char *const *values, size_t n)
{
    struct slack_sink *s = arg;
    struct sink_record *r = &s->b->v[s->i];
    if (!values) {
        hold_rest(s, "Redis could not say whether the message was posted already", 0);
        return;
    }
    if (!s->update) {
        if (n >= 1 && values[0]) {
            vg_debug(MOD, "alert %s was posted already (%s): not again", r->id, values[0]);
            set_outcome(r, SINK_OK, NULL, 0);
            record_done(s);
            return;
        }
        send_current(s, NULL, NULL);
        return;
    }
    /* An update: values are sent:<alert_id>, updated:<alert_id>. */
    const char *sent = n >= 1 ? values[0] : NULL;
    const char *updated = n >= 2 ? values[1] : NULL;
    if (sent && updated && atol(updated) >= s->sources) {
        vg_debug(MOD, "update of %s with %ld sources was shown already", s->alert_id, s->sources);
        set_outcome(r, SINK_OK, NULL, 0);
        record_done(s);
        return;
    }
    char channel[96] = "", ts[40] = "";
    if (sent && sscanf(sent, "%95s %39s", channel, ts) == 2 && target_ok(channel)) {
        s->edit = 1;
        send_current(s, channel, ts);
        return;
    }
    /* The message it edits is not known: this one is posted and becomes it. */
    s->as_new = 1;
    send_current(s, NULL, NULL);
}

static void on_posted(struct fetch_response *resp, void *arg)
{
    struct slack_sink *s = arg;
    struct sink_record *r = &s->b->v[s->i];
    struct decision d = {0};
    const char *method = s->edit ? "chat.update" : "chat.postMessage";
    if (sink_previewing(s->ctx)) {
        d.v = V_OK; /* nothing was sent: placeholders carry the flow on */
        snprintf(d.channel, sizeof d.channel, "%s", s->channel);
        snprintf(d.ts, sizeof d.ts, "0000000000.000000");
    } else if (s->bot) {
        api_decision(resp, method, &d);
    } else {
        webhook_decision(resp, &d);
    }
    switch (d.v) {
    case V_OK: {
        char where[160];
        if (s->bot)
            snprintf(where, sizeof where, "%s%s%s", *d.channel ? d.channel : s->channel, *d.ts ? " " : "", d.ts);
        else
            snprintf(where, sizeof where, "1");
        if (s->edit) {
            vg_info(MOD, "alert %s updated in Slack (%ld sources)", s->alert_id, s->sources);
        } else {
            sink_mark_set(s->ctx, s->key_sent, where);
            if (s->update) /* posted in place of its original: later updates edit this one */
                sink_mark_set(s->ctx, s->key_alert, where);
            vg_info(MOD, "alert %s posted to Slack%s%s", r->id, s->bot ? " in " : "", s->bot ? where : "");
        }
        if (s->update) {
            char n[24];
            snprintf(n, sizeof n, "%ld", s->sources);
            sink_mark_set(s->ctx, s->key_updated, n);
        }
        set_outcome(r, SINK_OK, NULL, 0);
        record_done(s);
        return;
    }
    case V_DROP:
        set_outcome(r, SINK_DROP, d.reason, 0);
        record_done(s);
        return;
    case V_PAUSE:
        sink_pause(s->ctx, 0, "%s", d.reason);
        hold_rest(s, d.reason, 0);
        return;
    case V_RETRY:
        vg_debug(MOD, "%s: %s; trying again later", r->id, d.reason);
        hold_rest(s, d.reason, d.retry_after_ms);
        return;
    }
}

/* Starts the current record: 1 when an answer will come (marks, then Slack), 0 when it is
 * settled already (s->i moved on). */
static int start_record(struct slack_sink *s)
{
    struct sink_record *r = &s->b->v[s->i];
    char err[200];
    record_reset(s);
    const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r->doc, "kind"));
    const char *target = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r->doc, "target"));
    const char *why = NULL;
    s->update = kind && strcmp(kind, "update") == 0;
    if (!r->id || !*r->id || strlen(r->id) > 64) {
        why = "the alert message has no id";
    } else if (!(s->payload = slack_render(r->doc, err, sizeof err))) {
        why = err;
    } else if (s->update && !s->bot) {
        why = "an update needs bot_token: an incoming webhook cannot edit the message it posted";
    } else if (s->bot) {
        const char *ch = target && *target ? target : s->cfg->default_channel;
        if (!ch || !*ch)
            why = "the alert has no Slack target and [sink.slack] default_channel is empty";
        else if (!target_ok(ch))
            why = "the alert's Slack target is not a channel id, user id or #name";
        else
            snprintf(s->channel, sizeof s->channel, "%s", ch);
    }
    const char *alert_id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r->doc, "alert_id"));
    if (!why && s->update && (!alert_id || !*alert_id || strlen(alert_id) >= sizeof s->alert_id))
        why = "the update names no alert_id";
    if (why) {
        set_outcome(r, SINK_DROP, why, 0);
        record_reset(s);
        s->i++;
        return 0;
    }
    snprintf(s->key_sent, sizeof s->key_sent, "sent:%s", r->id);
    const char *keys[2];
    size_t nkeys = 1;
    if (s->update) {
        snprintf(s->alert_id, sizeof s->alert_id, "%s", alert_id);
        s->sources = total_sources(r->doc);
        snprintf(s->key_alert, sizeof s->key_alert, "sent:%s", s->alert_id);
        snprintf(s->key_updated, sizeof s->key_updated, "updated:%s", s->alert_id);
        keys[0] = s->key_alert;
        keys[1] = s->key_updated;
        nkeys = 2;
    } else {
        keys[0] = s->key_sent;
    }
    if (sink_marks_get(s->ctx, keys, nkeys, on_marks, s) < 0) {
        set_outcome(r, SINK_RETRY, "Redis could not be asked for the delivery marks", 0);
        record_reset(s);
        s->i++;
        return 0;
    }
    return 1;
}

static void advance(struct slack_sink *s)
{
    while (s->b && s->i < s->b->n)
        if (start_record(s))
            return;
    if (s->b) {
        struct sink_batch *b = s->b;
        s->b = NULL;
        sink_batch_done(b);
    }
}

static void slack_deliver(void *state, struct sink_batch *b)
{
    struct slack_sink *s = state;
    for (size_t i = 0; i < b->n; i++)
        set_outcome(&b->v[i], SINK_OK, NULL, 0);
    s->b = b;
    s->i = 0;
    advance(s);
}

/* ==== lifecycle ============================================================================ */

static int slack_init(struct sink_ctx *ctx, const void *config, void **state, char *err, size_t errlen)
{
    const struct slack_config *cfg = config;
    if (slack_check(cfg, err, errlen) < 0)
        return -1;
    struct slack_sink *s = vg_calloc(1, sizeof *s);
    if (!s)
        goto oom;
    s->ctx = ctx;
    s->cfg = cfg;
    s->bot = cfg->bot_token && *cfg->bot_token;
    size_t blen = strlen(cfg->api_base);
    while (blen > 0 && cfg->api_base[blen - 1] == '/')
        blen--;
    if (s->bot) {
        s->auth = vg_asprintf("Authorization: Bearer %s", cfg->bot_token);
        s->post_url = vg_asprintf("%.*s/chat.postMessage", (int)blen, cfg->api_base);
        s->update_url = vg_asprintf("%.*s/chat.update", (int)blen, cfg->api_base);
        if (!s->auth || !s->post_url || !s->update_url)
            goto oom;
        snprintf(s->where, sizeof s->where, "chat.postMessage on %.*s", (int)(blen > 150 ? 150 : blen), cfg->api_base);
    } else {
        /* scheme and host only: the path of a webhook's URL is its secret */
        const char *host = strstr(cfg->webhook_url, "://") + 3;
        size_t hlen = strcspn(host, "/?#");
        s->post_url = vg_strdup(cfg->webhook_url);
        s->preview_url = vg_asprintf("%.*s/***", (int)(host - cfg->webhook_url + hlen), cfg->webhook_url);
        if (!s->post_url || !s->preview_url)
            goto oom;
        snprintf(s->where, sizeof s->where, "incoming webhook on %.*s", (int)(hlen > 150 ? 150 : hlen), host);
    }
    if (!sink_previewing(ctx))
        vg_notice("sink", "slack: posting alerts (%s)%s", s->where,
                  s->bot ? ", updates edit the message posted" : ", to the webhook's channel");
    *state = s;
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    if (s) {
        vg_free(s->auth);
        vg_free(s->post_url);
        vg_free(s->update_url);
        vg_free(s->preview_url);
        vg_free(s);
    }
    return -1;
}

static void slack_close(void *state)
{
    struct slack_sink *s = state;
    if (!s)
        return;
    record_reset(s);
    if (s->auth) {
        memset(s->auth, 0, strlen(s->auth)); /* the token's header is wiped before it is freed */
        vg_free(s->auth);
    }
    if (s->post_url && !s->bot)
        memset(s->post_url, 0, strlen(s->post_url)); /* so is the webhook's URL */
    vg_free(s->post_url);
    vg_free(s->update_url);
    vg_free(s->preview_url);
    vg_free(s);
}

static const char *slack_where(void *state)
{
    const struct slack_sink *s = state;
    return s->where;
}

const struct sink_type sink_slack = {
    .name = "slack",
    .summary = "Slack: alert messages (Block Kit) through an incoming webhook, or a bot token with "
               "chat.postMessage and chat.update (a story told by one more source edits its message)",
    .options = slack_options,
    .config_size = sizeof(struct slack_config),
    .max_batch = MAX_BATCH,
    .streams = "alerts:slack",
    /* Posting messages: 1 per second (https://docs.slack.dev/apis/web-api/rate-limits). */
    .rate_limit = 1,
    .rate_window_ms = 1000,
    .check = slack_check,
    .init = slack_init,
    .deliver = slack_deliver,
    .close = slack_close,
    .where = slack_where,
};
